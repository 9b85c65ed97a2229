/**
 * Scalar SSE floating-point element operations on bit patterns: binary32 as
 * a uint32 number, binary64 as (hi, lo) uint32 halves. Exception flags
 * accumulate in `env.flags`.
 *
 * Fast paths (JavaScript doubles round to nearest-even only): with MXCSR.RC =
 * nearest, normal operands and a normal result, the result comes from a
 * double operation and inexactness from an error-free transformation —
 * TwoSum for +/−, Dekker's product (Veltkamp splitting) for ×, ÷ and √ in
 * binary64; for binary32 a product of two floats is exact in a double and
 * double rounding is innocuous for +,−,×,÷,√ (53 ≥ 2·24 + 2). Everything
 * else (directed rounding, zeros, denormals, DAZ/FTZ, ∞, NaN, results near
 * the range limits) takes the exact path in softfloat.ts.
 */
import * as sf from './softfloat.js';
import { env, F32, F64 } from './softfloat.js';
import { MX_IE, MX_DE, MX_DAZ, MX_RC_SHIFT, MX_PE } from './mxcsr.js';

export const enum FOp { Add = 0, Sub = 1, Mul = 2, Div = 3, Min = 4, Max = 5, Sqrt = 6 }

const u32 = new Uint32Array(2);
const f32v = new Float32Array(u32.buffer);
const f64v = new Float64Array(u32.buffer);

const MIN_NORMAL32 = 2 ** -126;
const MAX32 = 3.4028234663852886e38;
const MIN_NORMAL64 = 2 ** -1022;
/** Dekker products are exact when the operands, the product and the partial products stay well inside the double range. */
const DEKKER_LO = 2 ** -960;
const DEKKER_HI = 2 ** 995;
const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)

/** Result of a binary64 operation. */
export const r64 = { hi: 0, lo: 0 };

const big32 = (a: number): bigint => BigInt(a >>> 0);
const big64 = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
function set64(b: bigint): void { r64.hi = Number(b >> 32n) | 0; r64.lo = Number(b & 0xffffffffn) | 0; }
function setD(d: number): void { f64v[0] = d; r64.lo = u32[0]! | 0; r64.hi = u32[1]! | 0; }
const toF32 = (a: number): number => { u32[0] = a; return f32v[0]!; };
const toF64 = (hi: number, lo: number): number => { u32[0] = lo; u32[1] = hi; return f64v[0]!; };
const fromF32 = (x: number): number => { f32v[0] = x; return u32[0]! | 0; };

/** Error of a×b = p + err (Dekker), for operands and product inside the safe range. */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a; const ah = t - (t - a), al = a - ah;
  t = SPLIT * b; const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

// ------------------------------------------------------------------ binary32

export function arith32(op: FOp, a: number, b: number, mx: number): number {
  if (((mx >> MX_RC_SHIFT) & 3) === 0) {
    const ea = (a >>> 23) & 0xff, eb = (b >>> 23) & 0xff;
    if ((ea - 1) >>> 0 < 254 && (op === FOp.Sqrt || (eb - 1) >>> 0 < 254)) {
      const x = toF32(a), y = toF32(b);
      let r = 0, inexact = false;
      switch (op) {
        case FOp.Add: case FOp.Sub: {
          const yy = op === FOp.Add ? y : -y;
          const s = x + yy;
          r = Math.fround(s);
          const bb = s - x;
          inexact = r !== s || (x - (s - bb)) + (yy - bb) !== 0;
          break;
        }
        case FOp.Mul: { const p = x * y; r = Math.fround(p); inexact = r !== p; break; }
        case FOp.Div: r = Math.fround(x / y); inexact = r * y !== x; break;
        case FOp.Sqrt: if (x < 0) { r = NaN; break; } r = Math.fround(Math.sqrt(x)); inexact = r * r !== x; break;
        default: return minMax32(op, a, b, mx);
      }
      const ar = Math.abs(r);
      if (ar >= MIN_NORMAL32 && ar <= MAX32) {
        if (inexact) env.flags |= MX_PE;
        return fromF32(r);
      }
    }
  }
  return slow32(op, a, b, mx);
}

function slow32(op: FOp, a: number, b: number, mx: number): number {
  const A = big32(a), B = big32(b);
  let r: bigint;
  switch (op) {
    case FOp.Add: r = sf.add(A, B, F32, mx, false); break;
    case FOp.Sub: r = sf.add(A, B, F32, mx, true); break;
    case FOp.Mul: r = sf.mul(A, B, F32, mx); break;
    case FOp.Div: r = sf.div(A, B, F32, mx); break;
    case FOp.Sqrt: r = sf.sqrt(A, F32, mx); break;
    default: return minMax32(op, a, b, mx);
  }
  return Number(r) | 0;
}

/**
 * MINSS/MAXSS (SDM Vol. 2 "MINSS"): if either operand is a NaN (QNaN or
 * SNaN: IE) or both are zeros, the second operand is returned unchanged;
 * otherwise the smaller (larger). Denormals raise DE, or compare as zero
 * under DAZ (and the flushed zero is what a min/max returns).
 */
function minMax32(op: FOp, a: number, b: number, mx: number): number {
  const ca = cls32(a), cb = cls32(b);
  // DAZ flushes first: a NaN in the other operand returns the flushed second operand.
  if (mx & MX_DAZ) { if (ca === sf.Cls.Denormal) a &= 0x80000000; if (cb === sf.Cls.Denormal) b &= 0x80000000; }
  if (ca >= sf.Cls.QNaN || cb >= sf.Cls.QNaN) { env.flags |= MX_IE; return b; }
  if ((mx & MX_DAZ) === 0 && (ca === sf.Cls.Denormal || cb === sf.Cls.Denormal)) env.flags |= MX_DE;
  const x = toF32(a), y = toF32(b);
  if (op === FOp.Min) return x < y ? a : b;
  return x > y ? a : b;
}

export function cls32(a: number): sf.Cls {
  const e = (a >>> 23) & 0xff, m = a & 0x7fffff;
  if (e === 0) return m === 0 ? sf.Cls.Zero : sf.Cls.Denormal;
  if (e === 0xff) return m === 0 ? sf.Cls.Inf : (m & 0x400000) !== 0 ? sf.Cls.QNaN : sf.Cls.SNaN;
  return sf.Cls.Normal;
}

// ------------------------------------------------------------------ binary64

export function cls64(hi: number, lo: number): sf.Cls {
  const e = (hi >>> 20) & 0x7ff, mz = ((hi & 0xfffff) | lo) === 0;
  if (e === 0) return mz ? sf.Cls.Zero : sf.Cls.Denormal;
  if (e === 0x7ff) return mz ? sf.Cls.Inf : (hi & 0x80000) !== 0 ? sf.Cls.QNaN : sf.Cls.SNaN;
  return sf.Cls.Normal;
}

/** A binary64 operation; the result is left in `r64`. */
export function arith64(op: FOp, ahi: number, alo: number, bhi: number, blo: number, mx: number): void {
  if (((mx >> MX_RC_SHIFT) & 3) === 0) {
    const ea = (ahi >>> 20) & 0x7ff, eb = (bhi >>> 20) & 0x7ff;
    if ((ea - 1) >>> 0 < 2046 && (op === FOp.Sqrt || (eb - 1) >>> 0 < 2046)) {
      const x = toF64(ahi, alo), y = toF64(bhi, blo);
      let r = 0, inexact = false, ok = true;
      switch (op) {
        case FOp.Add: case FOp.Sub: {
          const yy = op === FOp.Add ? y : -y;
          r = x + yy;
          const bb = r - x;
          inexact = (x - (r - bb)) + (yy - bb) !== 0;
          break;
        }
        case FOp.Mul: {
          r = x * y;
          const ar = Math.abs(r);
          ok = ar >= DEKKER_LO && ar < DEKKER_HI && Math.abs(x) < DEKKER_HI && Math.abs(y) < DEKKER_HI;
          if (ok) inexact = prodErr(x, y, r) !== 0;
          break;
        }
        case FOp.Div: {
          r = x / y;
          const ar = Math.abs(r);
          ok = ar >= DEKKER_LO && ar < DEKKER_HI && Math.abs(y) < DEKKER_HI && Math.abs(x) >= DEKKER_LO && Math.abs(x) < DEKKER_HI;
          if (ok) { const p = r * y; inexact = p !== x || prodErr(r, y, p) !== 0; }
          break;
        }
        case FOp.Sqrt: {
          if (x < DEKKER_LO || x >= DEKKER_HI) { ok = false; break; }
          r = Math.sqrt(x);
          const p = r * r;
          inexact = p !== x || prodErr(r, r, p) !== 0;
          break;
        }
        default: minMax64(op, ahi, alo, bhi, blo, mx); return;
      }
      const ar = Math.abs(r);
      if (ok && ar >= MIN_NORMAL64 && ar <= Number.MAX_VALUE) {
        if (inexact) env.flags |= MX_PE;
        setD(r);
        return;
      }
    }
  }
  slow64(op, ahi, alo, bhi, blo, mx);
}

function slow64(op: FOp, ahi: number, alo: number, bhi: number, blo: number, mx: number): void {
  const A = big64(ahi, alo), B = big64(bhi, blo);
  let r: bigint;
  switch (op) {
    case FOp.Add: r = sf.add(A, B, F64, mx, false); break;
    case FOp.Sub: r = sf.add(A, B, F64, mx, true); break;
    case FOp.Mul: r = sf.mul(A, B, F64, mx); break;
    case FOp.Div: r = sf.div(A, B, F64, mx); break;
    case FOp.Sqrt: r = sf.sqrt(A, F64, mx); break;
    default: minMax64(op, ahi, alo, bhi, blo, mx); return;
  }
  set64(r);
}

function minMax64(op: FOp, ahi: number, alo: number, bhi: number, blo: number, mx: number): void {
  const ca = cls64(ahi, alo), cb = cls64(bhi, blo);
  if (mx & MX_DAZ) {
    if (ca === sf.Cls.Denormal) { ahi &= 0x80000000; alo = 0; }
    if (cb === sf.Cls.Denormal) { bhi &= 0x80000000; blo = 0; }
  }
  if (ca >= sf.Cls.QNaN || cb >= sf.Cls.QNaN) { env.flags |= MX_IE; r64.hi = bhi; r64.lo = blo; return; }
  if ((mx & MX_DAZ) === 0 && (ca === sf.Cls.Denormal || cb === sf.Cls.Denormal)) env.flags |= MX_DE;
  const x = toF64(ahi, alo), y = toF64(bhi, blo);
  const takeA = op === FOp.Min ? x < y : x > y;
  r64.hi = takeA ? ahi : bhi; r64.lo = takeA ? alo : blo;
}

// ------------------------------------------------------------------ compares

/**
 * CMPPS/CMPSS predicates 0–31 (SDM Vol. 2 "CMPPS", Table 3-1): bits 2:0 pick
 * the relation (EQ LT LE UNORD NEQ NLT NLE ORD), bit 3 the AVX extensions
 * (EQ_UQ NGE NGT FALSE NEQ_OQ GE GT TRUE), bit 4 swaps signalling/quiet
 * behaviour on QNaN. Returns true/false; IE for SNaN, or for QNaN with a
 * signalling predicate; DE for denormals (DAZ: compared as zero).
 */
const SIGNALLING = [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0];

function relate(pred: number, unordered: boolean, lt: boolean, eq: boolean): boolean {
  let r: boolean;
  switch (pred & 7) {
    case 0: r = !unordered && eq; break; // EQ
    case 1: r = !unordered && lt; break; // LT
    case 2: r = !unordered && (lt || eq); break; // LE
    case 3: r = unordered; break; // UNORD
    case 4: r = unordered || !eq; break; // NEQ
    case 5: r = unordered || !lt; break; // NLT
    case 6: r = unordered || !(lt || eq); break; // NLE
    default: r = !unordered; // ORD
  }
  if (pred & 8) {
    // EQ_UQ, NGE_US, NGT_US, FALSE_OQ, NEQ_OQ, GE_OS, GT_OS, TRUE_UQ
    switch (pred & 7) {
      case 0: r = unordered || eq; break;
      case 1: r = unordered || lt; break;
      case 2: r = unordered || lt || eq; break;
      case 3: r = false; break;
      case 4: r = !unordered && !eq; break;
      case 5: r = !unordered && !lt; break;
      case 6: r = !unordered && !lt && !eq; break;
      default: r = true;
    }
  }
  return r;
}

export function cmp32(pred: number, a: number, b: number, mx: number): boolean {
  const ca = cls32(a), cb = cls32(b);
  const unordered = ca >= sf.Cls.QNaN || cb >= sf.Cls.QNaN;
  if (unordered) {
    const sig = SIGNALLING[pred & 15]! ^ ((pred >> 4) & 1);
    if (ca === sf.Cls.SNaN || cb === sf.Cls.SNaN || sig) env.flags |= MX_IE;
    return relate(pred, true, false, false);
  }
  if (ca === sf.Cls.Denormal) { if (mx & MX_DAZ) a &= 0x80000000; else env.flags |= MX_DE; }
  if (cb === sf.Cls.Denormal) { if (mx & MX_DAZ) b &= 0x80000000; else env.flags |= MX_DE; }
  const x = toF32(a), y = toF32(b);
  return relate(pred, false, x < y, x === y);
}

export function cmp64(pred: number, ahi: number, alo: number, bhi: number, blo: number, mx: number): boolean {
  const ca = cls64(ahi, alo), cb = cls64(bhi, blo);
  const unordered = ca >= sf.Cls.QNaN || cb >= sf.Cls.QNaN;
  if (unordered) {
    const sig = SIGNALLING[pred & 15]! ^ ((pred >> 4) & 1);
    if (ca === sf.Cls.SNaN || cb === sf.Cls.SNaN || sig) env.flags |= MX_IE;
    return relate(pred, true, false, false);
  }
  if (ca === sf.Cls.Denormal) { if (mx & MX_DAZ) { ahi &= 0x80000000; alo = 0; } else env.flags |= MX_DE; }
  if (cb === sf.Cls.Denormal) { if (mx & MX_DAZ) { bhi &= 0x80000000; blo = 0; } else env.flags |= MX_DE; }
  const x = toF64(ahi, alo), y = toF64(bhi, blo);
  return relate(pred, false, x < y, x === y);
}

/**
 * COMISS/UCOMISS (SDM Vol. 2 "COMISS"): ZF,PF,CF = 111 unordered, 000
 * greater, 001 less, 100 equal; OF, SF, AF cleared. COMIS signals IE on any
 * NaN, UCOMIS only on an SNaN. Returns the RFLAGS status bits.
 */
export function comi(unordered: boolean, lt: boolean, eq: boolean): number {
  if (unordered) return 0x45; // ZF PF CF
  if (lt) return 0x01;
  if (eq) return 0x40;
  return 0;
}

export function comi32(a: number, b: number, mx: number, signalQuiet: boolean): number {
  const ca = cls32(a), cb = cls32(b);
  if (ca >= sf.Cls.QNaN || cb >= sf.Cls.QNaN) {
    if (signalQuiet || ca === sf.Cls.SNaN || cb === sf.Cls.SNaN) env.flags |= MX_IE;
    return comi(true, false, false);
  }
  if (ca === sf.Cls.Denormal) { if (mx & MX_DAZ) a &= 0x80000000; else env.flags |= MX_DE; }
  if (cb === sf.Cls.Denormal) { if (mx & MX_DAZ) b &= 0x80000000; else env.flags |= MX_DE; }
  const x = toF32(a), y = toF32(b);
  return comi(false, x < y, x === y);
}

export function comi64(ahi: number, alo: number, bhi: number, blo: number, mx: number, signalQuiet: boolean): number {
  const ca = cls64(ahi, alo), cb = cls64(bhi, blo);
  if (ca >= sf.Cls.QNaN || cb >= sf.Cls.QNaN) {
    if (signalQuiet || ca === sf.Cls.SNaN || cb === sf.Cls.SNaN) env.flags |= MX_IE;
    return comi(true, false, false);
  }
  if (ca === sf.Cls.Denormal) { if (mx & MX_DAZ) { ahi &= 0x80000000; alo = 0; } else env.flags |= MX_DE; }
  if (cb === sf.Cls.Denormal) { if (mx & MX_DAZ) { bhi &= 0x80000000; blo = 0; } else env.flags |= MX_DE; }
  const x = toF64(ahi, alo), y = toF64(bhi, blo);
  return comi(false, x < y, x === y);
}

// --------------------------------------------------------------- conversions

export function cvt32to64(a: number, mx: number): void { set64(sf.convert(big32(a), F32, F64, mx)); }

export function cvt64to32(hi: number, lo: number, mx: number): number {
  if (((mx >> MX_RC_SHIFT) & 3) === 0) {
    const e = (hi >>> 20) & 0x7ff;
    if ((e - 1) >>> 0 < 2046) {
      const x = toF64(hi, lo);
      const r = Math.fround(x);
      const ar = Math.abs(r);
      if (ar >= MIN_NORMAL32 && ar <= MAX32) {
        if (r !== x) env.flags |= MX_PE;
        return fromF32(r);
      }
    }
  }
  return Number(sf.convert(big64(hi, lo), F64, F32, mx)) | 0;
}

/** Signed int32 → binary32 (CVTSI2SS, CVTDQ2PS). */
export function i32to32(v: number, mx: number): number {
  v |= 0;
  if (((mx >> MX_RC_SHIFT) & 3) === 0) {
    const r = Math.fround(v);
    if (r !== v) env.flags |= MX_PE;
    return fromF32(r);
  }
  return Number(sf.fromInt(BigInt(v), F32, mx)) | 0;
}

/** Signed int32 → binary64: always exact (CVTSI2SD r32, CVTDQ2PD). */
export function i32to64(v: number): void { setD(v | 0); }

/** Signed int64 (hi, lo) → binary32 / binary64 (CVTSI2SS/SD with REX.W). */
export function i64to32(hi: number, lo: number, mx: number): number {
  // |v| < 2^53: the integer is exact in a double, and fround rounds it once (round to nearest).
  if (hi >= -0x200000 && hi < 0x200000 && ((mx >> MX_RC_SHIFT) & 3) === 0) {
    const v = hi * 4294967296 + (lo >>> 0);
    const r = Math.fround(v);
    if (r !== v) env.flags |= MX_PE;
    return fromF32(r);
  }
  return Number(sf.fromInt(BigInt.asIntN(64, big64(hi, lo)), F32, mx)) | 0;
}
export function i64to64(hi: number, lo: number, mx: number): void {
  if (hi >= -0x200000 && hi < 0x200000) { setD(hi * 4294967296 + (lo >>> 0)); return; } // exact below 2^53
  set64(sf.fromInt(BigInt.asIntN(64, big64(hi, lo)), F64, mx));
}

/**
 * binary32/64 → int32 with rounding `rc` (0–3) or truncation (CVTTSS2SI...).
 * Fast path for normal values well inside the int32 range.
 */
export function f32toI32(a: number, mx: number, rc: number): number {
  const e = (a >>> 23) & 0xff;
  if ((e - 1) >>> 0 < 254 && rc === 3) {
    const x = toF32(a);
    if (x > -2147483648 && x < 2147483648) {
      const t = Math.trunc(x);
      if (t !== x) env.flags |= MX_PE;
      return t | 0;
    }
  }
  return Number(sf.toInt(big32(a), F32, mx, rc, 32)) | 0;
}

export function f64toI32(hi: number, lo: number, mx: number, rc: number): number {
  const e = (hi >>> 20) & 0x7ff;
  if ((e - 1) >>> 0 < 2046 && rc === 3) {
    const x = toF64(hi, lo);
    if (x > -2147483649 && x < 2147483648) {
      const t = Math.trunc(x);
      if (t !== x) env.flags |= MX_PE;
      return t | 0;
    }
  }
  return Number(sf.toInt(big64(hi, lo), F64, mx, rc, 32)) | 0;
}

/** A double below 2^52 in magnitude rounded to an integer by `rc` (0 nearest-even, 1 down, 2 up, 3 toward zero). */
function roundInt(x: number, rc: number): number {
  switch (rc) {
    case 0: { const c = x < 0 ? -4503599627370496 : 4503599627370496; return (x + c) - c; } // 2^52: the addition rounds to an integer, to nearest even
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}

/** An integer-valued double below 2^53 as an int64 in r64. */
function setI64(t: number): void {
  const h = Math.floor(t / 4294967296);
  r64.hi = h | 0; r64.lo = (t - h * 4294967296) | 0;
}

/** → int64, result in r64 (normal sources below 2^52 take the double path; the rest the exact one). */
export function f32toI64(a: number, mx: number, rc: number): void {
  const x = toF32(a);
  if (((a >>> 23) & 0xff) - 1 >>> 0 < 254 && x > -4503599627370496 && x < 4503599627370496) {
    const t = roundInt(x, rc);
    if (t !== x) env.flags |= MX_PE;
    setI64(t === 0 ? 0 : t);
    return;
  }
  set64(BigInt.asUintN(64, sf.toInt(big32(a), F32, mx, rc, 64)));
}
export function f64toI64(hi: number, lo: number, mx: number, rc: number): void {
  const e = (hi >>> 20) & 0x7ff;
  if ((e - 1) >>> 0 < 2046) {
    const x = toF64(hi, lo);
    if (x > -4503599627370496 && x < 4503599627370496) {
      const t = roundInt(x, rc);
      if (t !== x) env.flags |= MX_PE;
      setI64(t === 0 ? 0 : t);
      return;
    }
  }
  set64(BigInt.asUintN(64, sf.toInt(big64(hi, lo), F64, mx, rc, 64)));
}

export function round32(a: number, mx: number, rc: number, suppressPE: boolean): number {
  return Number(sf.roundToIntegral(big32(a), F32, mx, rc, suppressPE)) | 0;
}
export function round64(hi: number, lo: number, mx: number, rc: number, suppressPE: boolean): void {
  set64(sf.roundToIntegral(big64(hi, lo), F64, mx, rc, suppressPE));
}

/**
 * Fused multiply-add fast paths (round to nearest, normal operands, results
 * well inside the normal range), after Boldo and Melquiond, "Emulation of FMA
 * and correctly rounded sums: proved algorithms using rounding to odd" (IEEE
 * Trans. Computers 57(4), 2008): the exact product as a double-double
 * (Dekker), TwoSum with the addend, the low parts added with rounding to odd,
 * then one round-to-nearest addition. binary32: the product is exact in a
 * double; the sum is rounded to odd at 53 bits, then to 24 bits (53 ≥ 24 + 2).
 * The operation is exact iff every step was.
 */
const FMA_LO = 2 ** -900, FMA_HI = 2 ** 900;

/** x rounded to odd given the error e of the addition that produced it: if inexact and x's last bit is 0, step one ulp toward e. */
function toOdd(x: number, e: number): number {
  if (e === 0) return x;
  f64v[0] = x;
  if ((u32[0]! & 1) !== 0) return x;
  // x's last bit is 0, so a step of one ulp touches only the low word in the increasing direction,
  // and borrows into the high word at most when decreasing from a low word of 0.
  const away = (x > 0) === (e > 0);
  if (away) u32[0] = u32[0]! + 1;
  else if (u32[0] === 0) { u32[0] = 0xffffffff; u32[1] = u32[1]! - 1; }
  else u32[0] = u32[0]! - 1;
  return f64v[0]!;
}

export function fma32(a: number, b: number, c: number, mx: number, negP: boolean, negC: boolean): number {
  if (((mx >> MX_RC_SHIFT) & 3) === 0) {
    const ea = (a >>> 23) & 0xff, eb = (b >>> 23) & 0xff, ec = (c >>> 23) & 0xff;
    if ((ea - 1) >>> 0 < 254 && (eb - 1) >>> 0 < 254 && (ec - 1) >>> 0 < 254) {
      let p = toF32(a) * toF32(b); // exact: 24 × 24 bits
      if (negP) p = -p;
      const z = negC ? -toF32(c) : toF32(c);
      const s = p + z, bb = s - p, t = (p - (s - bb)) + (z - bb);
      const odd = toOdd(s, t);
      const r = Math.fround(odd);
      const ar = Math.abs(r);
      if (ar >= MIN_NORMAL32 && ar <= MAX32) {
        if (t !== 0 || r !== s) env.flags |= MX_PE;
        return fromF32(r);
      }
    }
  }
  return Number(sf.fma(big32(a), big32(b), big32(c), F32, mx, negP, negC)) | 0;
}

export function fma64(ahi: number, alo: number, bhi: number, blo: number, chi: number, clo: number, mx: number, negP: boolean, negC: boolean): void {
  if (((mx >> MX_RC_SHIFT) & 3) === 0) {
    const ea = (ahi >>> 20) & 0x7ff, eb = (bhi >>> 20) & 0x7ff, ec = (chi >>> 20) & 0x7ff;
    if ((ea - 1) >>> 0 < 2046 && (eb - 1) >>> 0 < 2046 && (ec - 1) >>> 0 < 2046) {
      const x = toF64(ahi, alo), y = toF64(bhi, blo);
      let z = toF64(chi, clo);
      let ph = x * y;
      const aph = Math.abs(ph), az = Math.abs(z);
      if (aph >= FMA_LO && aph < FMA_HI && Math.abs(x) < DEKKER_HI && Math.abs(y) < DEKKER_HI && az >= FMA_LO && az < FMA_HI) {
        let pl = prodErr(x, y, ph);
        if (negP) { ph = -ph; pl = -pl; }
        if (negC) z = -z;
        const th = z + ph, b1 = th - z, tl = (z - (th - b1)) + (ph - b1);
        const v = tl + pl, b2 = v - tl, e = (tl - (v - b2)) + (pl - b2);
        const r = th + toOdd(v, e);
        const ar = Math.abs(r);
        if (ar >= FMA_LO && ar < FMA_HI) {
          const b3 = r - th, e3 = (th - (r - b3)) + (v - b3);
          if (e !== 0 || e3 !== 0) env.flags |= MX_PE;
          setD(r);
          return;
        }
      }
    }
  }
  set64(sf.fma(big64(ahi, alo), big64(bhi, blo), big64(chi, clo), F64, mx, negP, negC));
}
