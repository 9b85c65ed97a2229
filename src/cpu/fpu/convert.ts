/**
 * x87 conversions and the non-arithmetic numeric operations: loading and
 * storing single, double, integer and packed-BCD operands, the constants of
 * FLDPI & co., FRNDINT, FSCALE, FXTRACT and FPREM/FPREM1 (SDM Vol. 2 pages of
 * each instruction; Vol. 1 §8.5 for the exception conditions). Results go to
 * `out` (float80.ts) like the arithmetic.
 */
import {
  out, classify, Cls, IE, DE, ZE, PE, RC_NEAREST, RC_ZERO, EXT, SGL, roundTo, unpackE, bitLength,
  INDEFINITE_SE, INDEFINITE_SIG, isNaNCls, type Format,
} from './float80.js';

const J = 1n << 63n;
const QUIET = 1n << 62n;
const EXP_MAX = 0x7fff;

function begin(): void { out.flags = 0; out.c1 = 0; out.store = true; }
function result(se: number, sig: bigint): void { out.se = se; out.sig = sig; out.store = true; }
function raise(flag: number, cw: number): boolean {
  out.flags |= flag;
  if ((cw & flag) === 0) { out.store = false; return true; }
  return false;
}

// ------------------------------------------------------------ single / double → extended

/** Set by fromBinary: the source was a single/double denormal. */
export const conv = { denormal: false };

/**
 * The exact extended value of an IEEE single or double (`bits`: its raw bits
 * as a BigInt), for FLD m32fp / m64fp (SDM Vol. 2 FLD: a denormal raises the
 * denormal-operand exception and is normalized; an SNaN raises invalid and
 * is quieted; NaN payloads move to the top of the significand). With `raw`
 * (the memory operand of an arithmetic or compare instruction) nothing is
 * raised and an SNaN stays signalling: the operation raises its own
 * exceptions in the SDM's priority order, `conv.denormal` telling it the
 * source was a denormal.
 */
export function fromBinary(bits: bigint, fmt: Format, cw: number, raw: boolean): void {
  begin();
  conv.denormal = false;
  const fracBits = fmt.pfull - 1;
  const expBits = fmt === SGL ? 8 : 11;
  const sign = Number(bits >> BigInt(fracBits + expBits)) & 1;
  const exp = Number((bits >> BigInt(fracBits)) & BigInt((1 << expBits) - 1));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const s = sign << 15;
  const expAll = (1 << expBits) - 1;
  if (exp === expAll) {
    if (frac === 0n) { result(s | EXP_MAX, J); return; }
    const sig = J | (frac << BigInt(63 - fracBits));
    if ((sig & QUIET) === 0n && !raw) { if (raise(IE, cw)) return; result(s | EXP_MAX, sig | QUIET); return; }
    result(s | EXP_MAX, sig);
    return;
  }
  if (exp === 0) {
    if (frac === 0n) { result(s, 0n); return; }
    conv.denormal = true;
    if (!raw) out.flags |= DE; // masked or not, FLD loads the value (the host does; so does Bochs)
    // Denormal: frac × 2^(emin − fracBits), normalized in the extended format.
    const n = bitLength(frac);
    const E = fmt.emin - fracBits + n - 1;
    result(s | (E + EXT.bias), frac << BigInt(64 - n));
    return;
  }
  result(s | (exp - fmt.bias + EXT.bias), J | (frac << BigInt(63 - fracBits)));
}

// ------------------------------------------------------------ extended → single / double

/**
 * FST/FSTP m32fp / m64fp (SDM Vol. 2 FST): round ST(0) to the destination
 * format with the rounding mode (precision control does not apply); NaNs
 * keep the top of their significand and are quieted (an SNaN raises
 * invalid); unsupported encodings store the indefinite. Result: `out.sig`
 * holds the raw bits of the destination format (BigInt), `out.store` false
 * when nothing may be written (unmasked invalid, overflow or underflow).
 */
export function toBinary(se: number, sig: bigint, fmt: Format, cw: number): void {
  begin();
  const c = classify(se, sig);
  const fracBits = fmt.pfull - 1;
  const expBits = fmt === SGL ? 8 : 11;
  const expAll = BigInt((1 << expBits) - 1);
  const signBit = BigInt(se >>> 15) << BigInt(fracBits + expBits);
  const qnanBits = (expAll << BigInt(fracBits)) | (1n << BigInt(fracBits - 1));
  switch (c) {
    case Cls.Unsupported:
      if (raise(IE, cw)) return;
      out.sig = (1n << BigInt(fracBits + expBits)) | qnanBits; // the format's indefinite: negative QNaN
      return;
    case Cls.SNaN:
    case Cls.QNaN:
      // An SNaN raises invalid and is quieted; both keep the top of their significand.
      if (c === Cls.SNaN && raise(IE, cw)) return;
      out.sig = signBit | qnanBits | ((sig & (J - 1n)) >> BigInt(63 - fracBits));
      return;
    case Cls.Inf: out.sig = signBit | (expAll << BigInt(fracBits)); return;
    case Cls.Zero: out.sig = signBit; return;
    default: break;
  }
  // Denormal extended inputs are converted like any finite value: FST does not raise #D.
  const rc = (cw >>> 10) & 3;
  roundTo(se >>> 15, sig, unpackE(se), false, fmt.pfull, fmt, rc, cw);
  // An unmasked overflow or underflow on a store to memory leaves the destination unchanged (SDM Vol. 1 §4.9.1.4–5).
  // Nor is inexact reported then (the host flags OE or UE alone).
  if ((out.flags & 0x18) !== 0 && (out.flags & 0x18 & ~cw) !== 0) { out.store = false; out.flags &= ~PE; out.c1 = 0; return; }
  const exp = BigInt(out.se & EXP_MAX);
  const frac = out.sig & ((1n << BigInt(fracBits)) - 1n);
  out.sig = signBit | (exp << BigInt(fracBits)) | frac;
}

// ------------------------------------------------------------ integers

/** FILD: the exact extended value of a signed integer (always representable in 64 bits of significand). */
export function fromInt(v: bigint): void {
  begin();
  if (v === 0n) { result(0, 0n); return; }
  const sign = v < 0n ? 1 : 0;
  const m = v < 0n ? -v : v;
  const n = bitLength(m);
  result((sign << 15) | (n - 1 + EXT.bias), m << BigInt(64 - n));
}

/**
 * FIST/FISTP/FISTTP (SDM Vol. 2 FIST, FISTTP): ST(0) rounded to an integer
 * with the rounding mode (`truncate` for FISTTP) and stored in `bits` bits.
 * NaN, infinity, unsupported or a value out of range raises invalid; masked,
 * the integer indefinite (the most negative value) is stored. Returns the
 * integer; `out.store` false after an unmasked invalid.
 */
export function toInt(se: number, sig: bigint, bits: number, truncate: boolean, cw: number): bigint {
  begin();
  const c = classify(se, sig);
  const indefiniteInt = -(1n << BigInt(bits - 1));
  if (c === Cls.Unsupported || c === Cls.Inf || isNaNCls(c)) { raise(IE, cw); return indefiniteInt; }
  if (c === Cls.Zero) return 0n;
  const sign = se >>> 15;
  const rc = truncate ? RC_ZERO : (cw >>> 10) & 3;
  const e = unpackE(se);
  let q: bigint;
  if (e >= 0) {
    // Integral already; guard the shift against absurd exponents (they overflow any destination).
    q = e > 64 ? 1n << 65n : sig << BigInt(e);
  } else {
    q = roundInt(sig, -e, sign, rc);
    if (inexactInt) { out.flags |= PE; out.c1 = upInt ? 1 : 0; }
  }
  const v = sign ? -q : q;
  if (v < indefiniteInt || v > -indefiniteInt - 1n) {
    out.flags &= ~PE; out.c1 = 0; // the invalid response replaces the rounded result (SDM Vol. 2 FIST Table 3-28)
    raise(IE, cw);
    return indefiniteInt;
  }
  return v;
}

let inexactInt = false, upInt = false;

/** m × 2^-shift rounded to an integer in the given mode. */
function roundInt(m: bigint, shift: number, sign: number, rc: number): bigint {
  if (shift > 130) { inexactInt = m !== 0n; upInt = inexactInt && ((rc === 2 && sign === 0) || (rc === 1 && sign === 1)); return upInt ? 1n : 0n; }
  const s = BigInt(shift);
  const q = m >> s;
  const rem = m & ((1n << s) - 1n);
  inexactInt = rem !== 0n;
  let up = false;
  if (inexactInt) {
    if (rc === RC_NEAREST) { const half = 1n << (s - 1n); up = rem > half || (rem === half && (q & 1n) === 1n); }
    else if (rc === 1) up = sign === 1;
    else if (rc === 2) up = sign === 0;
  }
  upInt = up;
  return up ? q + 1n : q;
}

// ------------------------------------------------------------ packed BCD

/** FBLD (SDM Vol. 2 FBLD) from the operand's 10 bytes: 18 BCD digits and a sign bit (byte 9 bit 7); invalid digits give an undefined result and are taken at face value. */
export function fromBcdBytes(b: Uint8Array): void {
  let v = 0n;
  for (let i = 8; i >= 0; i--) {
    const byte = b[i]!;
    v = v * 100n + BigInt((byte >> 4) * 10 + (byte & 0xf));
  }
  fromInt((b[9]! & 0x80) !== 0 ? -v : v);
  if (v === 0n && (b[9]! & 0x80) !== 0) out.se = 0x8000; // −0 keeps its sign
}

/**
 * FBSTP (SDM Vol. 2 FBSTP): ST(0) rounded to an integer with the rounding
 * mode, stored as 18 BCD digits; out of range (|v| ≥ 10^18), NaN, infinity or
 * unsupported is invalid and stores the packed-BCD indefinite
 * (FFFFC000000000000000H) when masked. Fills `b` (10 bytes).
 */
export function toBcdBytes(se: number, sig: bigint, cw: number, b: Uint8Array): void {
  begin();
  const c = classify(se, sig);
  let v = 0n;
  let invalid = c === Cls.Unsupported || c === Cls.Inf || isNaNCls(c);
  if (!invalid && c !== Cls.Zero) {
    const e = unpackE(se);
    const rc = (cw >>> 10) & 3;
    if (e >= 0) v = e > 64 ? 10n ** 19n : sig << BigInt(e);
    else { v = roundInt(sig, -e, se >>> 15, rc); if (inexactInt) { out.flags |= PE; out.c1 = upInt ? 1 : 0; } }
    if (v >= 10n ** 18n) invalid = true;
  }
  if (invalid) {
    out.flags &= ~PE; out.c1 = 0;
    if (raise(IE, cw)) return;
    b.fill(0); b[7] = 0xc0; b[8] = 0xff; b[9] = 0xff;
    return;
  }
  for (let i = 0; i < 9; i++) {
    const two = Number(v % 100n);
    v /= 100n;
    b[i] = ((Math.floor(two / 10) << 4) | (two % 10)) & 0xff;
  }
  b[9] = (se >>> 15) !== 0 ? 0x80 : 0;
}

// ------------------------------------------------------------ constants

/**
 * The constants of FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2 (SDM Vol. 2
 * FLD1/FLDL2T/...: the constant is rounded as the RC field says). Computed
 * once with BigInt series to 200 fraction bits, then rounded from that (as
 * an irrational value: never a tie) to 64 bits. The host agrees in every
 * rounding mode; a 66-bit internal constant rounded twice would not (log10 2
 * has 1000... after its 66th bit).
 */
const FRAC = 200n;
const ONE = 1n << FRAC;

function arctanInv(x: bigint): bigint {
  // arctan(1/x) in fixed point with FRAC fraction bits (Taylor series).
  let sum = 0n, term = ONE / x, k = 1n, sign = 1n;
  const x2 = x * x;
  while (term !== 0n) { sum += sign * (term / k); term /= x2; k += 2n; sign = -sign; }
  return sum;
}

function lnSeries(num: bigint, den: bigint): bigint {
  // ln(num/den) = 2 atanh((num−den)/(num+den)), fixed point.
  const y = ((num - den) * ONE) / (num + den);
  const y2 = (y * y) >> FRAC;
  let sum = 0n, term = y, k = 1n;
  while (term !== 0n) { sum += term / k; term = (term * y2) >> FRAC; k += 2n; }
  return 2n * sum;
}

const PI = 4n * (4n * arctanInv(5n) - arctanInv(239n));
const LN2 = lnSeries(2n, 1n);
const LN10 = lnSeries(10n, 1n);
const CONSTANTS: Record<string, bigint> = {
  pi: PI,
  ln2: LN2,
  lg2: (LN2 << FRAC) / LN10, // log10(2)
  l2e: (ONE << FRAC) / LN2, // log2(e)
  l2t: (LN10 << FRAC) / LN2, // log2(10)
};

/** Load constant `name` into `out`, rounded by RC; no exception (SDM Vol. 2 FLD1...: only #IS). */
export function constant(name: 'pi' | 'ln2' | 'lg2' | 'l2e' | 'l2t', cw: number): void {
  begin();
  // The low 8 of the 200 bits may be off by the series' truncations: keep 190, the rest is sticky.
  const v = CONSTANTS[name]! >> 10n;
  roundTo(0, v, -Number(FRAC) + 10, true, 64, EXT, (cw >>> 10) & 3, cw | 0x3f);
  out.flags = 0;
  out.c1 = 0;
}

// ------------------------------------------------------------ FRNDINT

/** FRNDINT (SDM Vol. 2): round ST(0) to an integral value with the rounding mode; precision control does not apply. */
export function roundToInteger(se: number, sig: bigint, cw: number): void {
  begin();
  const c = classify(se, sig);
  if (c === Cls.Unsupported) { if (!raise(IE, cw)) result(INDEFINITE_SE, INDEFINITE_SIG); return; }
  if (c === Cls.SNaN) { if (!raise(IE, cw)) result(se, sig | QUIET); return; }
  if (c === Cls.QNaN || c === Cls.Inf || c === Cls.Zero) { result(se, sig); return; }
  if (c === Cls.Denormal && raise(DE, cw)) return;
  const e = unpackE(se);
  if (e >= 0) { result(se, sig); return; }
  const sign = se >>> 15;
  const q = roundInt(sig, -e, sign, (cw >>> 10) & 3);
  if (inexactInt) { out.flags |= PE; out.c1 = upInt ? 1 : 0; }
  if (q === 0n) { result(sign << 15, 0n); return; }
  const n = bitLength(q);
  result((sign << 15) | (n - 1 + EXT.bias), q << BigInt(64 - n));
}

// ------------------------------------------------------------ FSCALE

/**
 * FSCALE (SDM Vol. 2, Table 3-xx "FSCALE Results"): ST(0) × 2^trunc(ST(1)).
 * The result is exact unless it overflows or underflows (then rounded with
 * RC at 64 bits); precision control does not apply.
 */
export function scale(aSe: number, aSig: bigint, bSe: number, bSig: bigint, cw: number): void {
  begin();
  const a = classify(aSe, aSig), b = classify(bSe, bSig);
  if (a === Cls.Unsupported || b === Cls.Unsupported) { if (!raise(IE, cw)) result(INDEFINITE_SE, INDEFINITE_SIG); return; }
  if (isNaNCls(a) || isNaNCls(b)) { nan2(aSe, aSig, a, bSe, bSig, b, cw); return; }
  const sa = aSe >>> 15, sb = bSe >>> 15;
  if (b === Cls.Inf) {
    if ((a === Cls.Zero && sb === 0) || (a === Cls.Inf && sb === 1)) { if (!raise(IE, cw)) result(INDEFINITE_SE, INDEFINITE_SIG); return; }
    if ((a === Cls.Denormal) && raise(DE, cw)) return;
    if (a === Cls.Inf || a === Cls.Zero) { result(aSe, aSig); return; }
    if (sb === 0) result((sa << 15) | EXP_MAX, J); else result(sa << 15, 0n);
    return;
  }
  if ((a === Cls.Denormal || b === Cls.Denormal) && raise(DE, cw)) return;
  if (a === Cls.Inf || a === Cls.Zero) { result(aSe, aSig); return; }
  // n = trunc(ST(1)); beyond ±2^20 every result over/underflows the same way.
  let n: number;
  if (b === Cls.Zero) n = 0;
  else {
    const eb = unpackE(bSe);
    const mag = eb >= 0 ? (eb > 40 ? 1n << 40n : bSig << BigInt(eb)) : eb < -64 ? 0n : bSig >> BigInt(-eb);
    const clamp = mag > 1048576n ? 1048576 : Number(mag);
    n = sb ? -clamp : clamp;
  }
  roundTo(sa, aSig, unpackE(aSe) + n, false, 64, EXT, (cw >>> 10) & 3, cw);
}

/** NaN propagation for the two-operand non-arithmetic ops (same rules as float80's nanResult). */
function nan2(aSe: number, aSig: bigint, a: Cls, bSe: number, bSig: bigint, b: Cls, cw: number): void {
  if ((a === Cls.SNaN || b === Cls.SNaN) && raise(IE, cw)) return;
  let se: number, sig: bigint;
  if (!isNaNCls(b)) { se = aSe; sig = aSig; }
  else if (!isNaNCls(a)) { se = bSe; sig = bSig; }
  else if (a !== b) { if (a === Cls.QNaN) { se = aSe; sig = aSig; } else { se = bSe; sig = bSig; } }
  else if (aSig !== bSig) { if (aSig > bSig) { se = aSe; sig = aSig; } else { se = bSe; sig = bSig; } }
  else { se = aSe < bSe ? aSe : bSe; sig = aSig; }
  result(se, sig | QUIET);
}

// ------------------------------------------------------------ FXTRACT

/** Second result of FXTRACT (the significand, pushed): `out` holds the exponent that replaces ST(0). */
export const xtractSig = { se: 0, sig: 0n };

/**
 * FXTRACT (SDM Vol. 2): ST(0) → exponent (as a real), then the significand
 * (exponent 3FFFH, same sign) is pushed. Zero raises divide-by-zero and gives
 * −∞ and the zero; ∞ gives +∞ and the ∞; NaNs give the (quieted) NaN twice.
 */
export function extract(se: number, sig: bigint, cw: number): void {
  begin();
  const c = classify(se, sig);
  if (c === Cls.Unsupported) { if (!raise(IE, cw)) { result(INDEFINITE_SE, INDEFINITE_SIG); setSig(INDEFINITE_SE, INDEFINITE_SIG); } return; }
  if (isNaNCls(c)) {
    if (c === Cls.SNaN && raise(IE, cw)) return;
    result(se, sig | QUIET); setSig(se, sig | QUIET); return;
  }
  if (c === Cls.Inf) { result(EXP_MAX, J); setSig(se, sig); return; }
  if (c === Cls.Zero) {
    if (raise(ZE, cw)) return;
    result(0x8000 | EXP_MAX, J); setSig(se, sig); return;
  }
  if (c === Cls.Denormal && raise(DE, cw)) return;
  const n = bitLength(sig);
  const E = unpackE(se) + n - 1; // true exponent of the value
  setSig((se & 0x8000) | EXT.bias, sig << BigInt(64 - n));
  const flags = out.flags;
  fromInt(BigInt(E));
  out.flags = flags;
}

function setSig(se: number, sig: bigint): void { xtractSig.se = se; xtractSig.sig = sig; }

// ------------------------------------------------------------ FPREM / FPREM1

/** Quotient bits and completion of the last partial remainder: C0 = Q2, C3 = Q0, C1 = Q1, C2 = incomplete. */
export const prem = { q: 0, incomplete: false };

/**
 * FPREM / FPREM1 (SDM Vol. 2): the partial remainder of ST(0) / ST(1),
 * exact. With an exponent difference D < 64 the remainder is complete
 * (quotient truncated for FPREM, rounded to nearest-even for FPREM1);
 * otherwise ST(0) is reduced by ST(1) × Q × 2^(D−N) with N = 32 + (D mod 32)
 * (an implementation choice the SDM leaves open: "N is an
 * implementation-dependent number between 32 and 63") and C2 is set.
 */
export function remainder(aSe: number, aSig: bigint, bSe: number, bSig: bigint, ieee: boolean, cw: number): void {
  begin();
  prem.q = 0; prem.incomplete = false;
  const a = classify(aSe, aSig), b = classify(bSe, bSig);
  if (a === Cls.Unsupported || b === Cls.Unsupported) { if (!raise(IE, cw)) result(INDEFINITE_SE, INDEFINITE_SIG); return; }
  if (isNaNCls(a) || isNaNCls(b)) { nan2(aSe, aSig, a, bSe, bSig, b, cw); return; }
  if (a === Cls.Inf || b === Cls.Zero) { if (!raise(IE, cw)) result(INDEFINITE_SE, INDEFINITE_SIG); return; }
  if ((a === Cls.Denormal || b === Cls.Denormal) && raise(DE, cw)) return;
  const sa = aSe >>> 15;
  if (a === Cls.Zero) { result(aSe, aSig); return; }
  // A finite dividend with an infinite divisor is its own remainder, normalized (a pseudo-denormal comes back as the normal encoding).
  if (b === Cls.Inf) { packExact(sa, aSig, unpackE(aSe), cw); return; }
  const ea = unpackE(aSe), eb = unpackE(bSe);
  const na = bitLength(aSig), nb = bitLength(bSig);
  const D = (ea + na) - (eb + nb); // difference of the true exponents
  if (D >= 64) {
    const N = 32 + (D % 32);
    // Reduce a by b × 2^(D−N): quotient truncated, remainder exact.
    const shift = D - N;
    const baseE = Math.min(ea, eb + shift);
    const A2 = aSig << BigInt(ea - baseE);
    const B2 = bSig << BigInt(eb + shift - baseE);
    const Q = A2 / B2;
    const r = A2 - Q * B2;
    prem.incomplete = true;
    prem.q = Number(Q & 7n);
    packExact(sa, r, baseE, cw);
    return;
  }
  const e = Math.min(ea, eb);
  const A = aSig << BigInt(ea - e), B = bSig << BigInt(eb - e);
  let Q = A / B;
  let r = A - Q * B;
  let sign = sa;
  if (ieee) {
    // Round the quotient to nearest, ties to even: r' = r − B when 2r > B (or = B with Q odd).
    const twice = 2n * r;
    if (twice > B || (twice === B && (Q & 1n) === 1n)) { Q += 1n; r = B - r; sign ^= 1; }
  }
  prem.q = Number(Q & 7n);
  if (r === 0n) { result(sa << 15, 0n); return; } // a zero remainder has the dividend's sign
  packExact(sign, r, e, cw);
}

/**
 * Pack an exact remainder (it fits in 64 bits, or it is a denormal on the
 * extended grid): no rounding, so no inexact; a tiny result still raises an
 * unmasked underflow with the adjusted exponent (the host does: FPREM lists #U).
 */
function packExact(sign: number, m: bigint, e: number, cw: number): void {
  roundTo(sign, m, e, false, 64, EXT, RC_NEAREST, cw);
}
