/**
 * Exact x87 floating-point arithmetic on 80-bit double extended-precision
 * values (SDM Vol. 1 §4.2 "Floating-Point Data Types", §4.7–4.9 "Real
 * Numbers and Floating-Point Formats" / "Overview of Floating-Point
 * Exceptions", §8.2 "x87 FPU Data Types", §8.5 "x87 FPU Floating-Point
 * Exception Conditions").
 *
 * A register value is packed as `se` (sign << 15 | biased exponent, 15 bits,
 * bias 16383) and `sig` (the 64-bit significand with its explicit integer bit
 * J, as a BigInt). For arithmetic every finite value is unpacked to
 * (-1)^sign × m × 2^e with m a non-negative BigInt: the exact result of an
 * add, multiply, divide or square root is formed first, then rounded once by
 * `roundTo` — to the precision-control width (24, 53 or 64 bits) with the
 * extended exponent range, or to single/double for stores — in one of the
 * four rounding modes, with the SDM's overflow, underflow (tininess after
 * rounding), inexact and C1 round-up reporting and masked/unmasked responses.
 *
 * BigInt is fine here: x87 code is not a hot path. Results go to the one
 * module-level record `out` (no object per operation).
 */

// ---------------------------------------------------------------- flags

/** x87 status-word exception bits (SDM Vol. 1 Figure 8-4). */
export const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20, SF = 0x40;

/** Rounding control (FCW bits 11:10, SDM Vol. 1 Table 4-8). */
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

/** Operand classes (SDM Vol. 1 Table 8-3 and §8.2.2 "Unsupported Double Extended-Precision Floating-Point Encodings"). */
export const enum Cls {
  Zero = 0,
  Normal = 1,
  /** Exponent 0 with J = 0 (denormal) or J = 1 (pseudo-denormal): both are operands with the denormal exception. */
  Denormal = 2,
  Inf = 3,
  QNaN = 4,
  SNaN = 5,
  /** Pseudo-NaN, pseudo-infinity, unnormal: the x87 raises invalid-operation on them. */
  Unsupported = 6,
}

const J = 1n << 63n;
const QUIET = 1n << 62n;
const FRAC_MASK = J - 1n;
export const SIG_MASK = (1n << 64n) - 1n;
/** The real indefinite (SDM Vol. 1 §4.8.3.7): a negative QNaN with significand C000000000000000H. */
export const INDEFINITE_SE = 0xffff;
export const INDEFINITE_SIG = 0xc000000000000000n;
const EXP_MAX = 0x7fff;
const BIAS = 16383;
/** e of a register value with biased exponent 1 (and of every denormal): value = sig × 2^(max(B,1) − 16446). */
const E_OFFSET = BIAS + 63;

export function classify(se: number, sig: bigint): Cls {
  const exp = se & EXP_MAX;
  const j = (sig & J) !== 0n;
  if (exp === 0) return sig === 0n ? Cls.Zero : Cls.Denormal;
  if (exp === EXP_MAX) {
    if (!j) return Cls.Unsupported; // pseudo-infinity, pseudo-NaN
    if ((sig & FRAC_MASK) === 0n) return Cls.Inf;
    return (sig & QUIET) !== 0n ? Cls.QNaN : Cls.SNaN;
  }
  return j ? Cls.Normal : Cls.Unsupported; // unnormal
}

export const isNaNCls = (c: Cls): boolean => c === Cls.QNaN || c === Cls.SNaN;

// ---------------------------------------------------------------- result record

/**
 * The result of the last operation: packed value (`se`, `sig`; for single and
 * double stores `sig` is the significand including the hidden bit and `se`
 * the sign and biased exponent of that format), the exception flags it
 * raised, C1 (1 = the result was rounded up in magnitude) and whether a
 * result is delivered at all (false after an unmasked invalid, denormal or
 * zero-divide exception, which leave the destination unchanged, SDM Vol. 1
 * §8.7.1).
 */
export const out = { se: 0, sig: 0n, flags: 0, c1: 0, store: true };

function result(se: number, sig: bigint): void { out.se = se; out.sig = sig; out.store = true; }
function indefinite(): void { result(INDEFINITE_SE, INDEFINITE_SIG); }
function begin(): void { out.flags = 0; out.c1 = 0; out.store = true; }

/** Raise a pre-computation exception (invalid, denormal, zero-divide): with it unmasked no result is delivered. */
function raise(flag: number, cw: number): boolean {
  out.flags |= flag;
  if ((cw & flag) === 0) { out.store = false; return true; }
  return false;
}

// ---------------------------------------------------------------- formats

/** A binary floating-point format: full significand width, exponent range and bias. */
export interface Format {
  readonly pfull: number;
  readonly emin: number;
  readonly emax: number;
  readonly bias: number;
  /** Exponent adjustment for the unmasked overflow/underflow response (SDM Vol. 1 §4.9.1.4–5). */
  readonly adjust: number;
}
export const EXT: Format = { pfull: 64, emin: -16382, emax: 16383, bias: 16383, adjust: 24576 };
export const DBL: Format = { pfull: 53, emin: -1022, emax: 1023, bias: 1023, adjust: 1536 };
export const SGL: Format = { pfull: 24, emin: -126, emax: 127, bias: 127, adjust: 192 };

/** Significand width selected by precision control (FCW bits 9:8, SDM Vol. 1 Table 8-2); 01B is reserved (treated as 64 here). */
export function pcBits(cw: number): number {
  const pc = (cw >>> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

export function bitLength(x: bigint): number {
  let n = 0;
  while (x > 0xffffffffn) { x >>= 32n; n += 32; }
  const v = Number(x);
  return v === 0 ? n : n + 32 - Math.clz32(v);
}

// ---------------------------------------------------------------- rounding

/** Set by roundShift: the discarded bits were not all zero / the kept part was incremented. */
let inexact = false;
let roundedUp = false;

/**
 * m × 2^e rounded to a multiple of 2^(e + shift): returns the kept integer.
 * `sticky` says bits below m's least significant bit are not all zero (the
 * caller provides at least two more bits than it keeps when it sets it).
 */
function roundShift(m: bigint, shift: number, sticky: boolean, sign: number, rc: number): bigint {
  if (shift <= 0) {
    inexact = sticky;
    roundedUp = false;
    return shift === 0 ? m : m << BigInt(-shift);
  }
  const s = BigInt(shift);
  const q = m >> s;
  const rem = m & ((1n << s) - 1n);
  inexact = rem !== 0n || sticky;
  let up = false;
  if (inexact) {
    switch (rc) {
      case RC_NEAREST: {
        const half = 1n << (s - 1n);
        up = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
        break;
      }
      case RC_DOWN: up = sign === 1; break;
      case RC_UP: up = sign === 0; break;
      default: up = false;
    }
  }
  roundedUp = up;
  return up ? q + 1n : q;
}

/**
 * Round (-1)^sign × m × 2^e (m > 0, with `sticky` as in roundShift) to `p`
 * significand bits in format `fmt` (p < fmt.pfull: x87 precision control,
 * which narrows the significand but keeps the format's exponent range; SDM
 * Vol. 1 §8.1.5.2): a p-bit format with fmt's exponent range, denormals
 * included (their last bit is 2^(emin − p + 1)).
 *
 * Numeric exceptions (SDM Vol. 1 §4.9.1.4–6): overflow when the result
 * rounded with unbounded exponent is above the largest finite value;
 * underflow when it is tiny (nonzero and below 2^emin after rounding with
 * unbounded exponent), reported masked only together with inexact; inexact
 * when the delivered result differs from the exact one. Unmasked overflow /
 * underflow deliver the result with its exponent adjusted by ∓`fmt.adjust`
 * (callers storing to memory discard it). C1 (`out.c1`) = rounded up.
 */
export function roundTo(sign: number, m: bigint, e: number, sticky: boolean, p: number, fmt: Format, rc: number, cw: number): void {
  if (m === 0n) { packZero(sign); return; }
  const n = bitLength(m);
  const E = e + n - 1;
  // Rounded with unbounded exponent (tininess and overflow are judged on this).
  const lsbU = E - p + 1;
  const qU = roundShift(m, lsbU - e, sticky, sign, rc);
  const inexactU = inexact, upU = roundedUp;
  const ErU = lsbU + bitLength(qU) - 1;
  if (ErU > fmt.emax) {
    // Unmasked: the result with its exponent adjusted, unless even that is out of range (only
    // FSCALE gets there): then the masked response, as the host does.
    if ((cw & OE) === 0 && ErU - fmt.adjust <= fmt.emax) {
      out.flags |= OE | (inexactU ? PE : 0);
      out.c1 = upU ? 1 : 0;
      packFinite(sign, qU, lsbU - fmt.adjust, fmt);
      return;
    }
    out.flags |= OE | PE;
    overflowResult(sign, p, fmt, rc);
    return;
  }
  const tiny = ErU < fmt.emin;
  if (tiny && (cw & UE) === 0 && ErU + fmt.adjust >= fmt.emin) {
    // Unmasked underflow: the significand rounded to p bits, exponent adjusted up.
    out.flags |= UE | (inexactU ? PE : 0);
    out.c1 = upU ? 1 : 0;
    packFinite(sign, qU, lsbU + fmt.adjust, fmt);
    return;
  }
  if (!tiny && E >= fmt.emin) {
    out.flags |= inexactU ? PE : 0;
    out.c1 = upU ? 1 : 0;
    packFinite(sign, qU, lsbU, fmt);
    return;
  }
  // The delivered result lies on the denormal grid of a p-bit format with this exponent range
  // (under precision control that grid is coarser than the extended one: the host rounds
  // 2^-16445 + 0 to 0 with PC = 53 bits), or rounds up into the normal range.
  const lsb = Math.max(lsbU, fmt.emin - (p - 1));
  const q = roundShift(m, lsb - e, sticky, sign, rc);
  if (inexact) out.flags |= PE | (tiny ? UE : 0);
  out.c1 = roundedUp ? 1 : 0;
  if (q === 0n) { packZero(sign); return; }
  packFinite(sign, q, lsb, fmt);
}

/** Pack q × 2^lsb (q > 0, already rounded; normal or on the denormal grid) into `fmt`. */
function packFinite(sign: number, q: bigint, lsb: number, fmt: Format): void {
  const nq = bitLength(q);
  const Er = lsb + nq - 1;
  const s = sign << 15;
  if (Er >= fmt.emin) {
    result(s | (Er + fmt.bias), q << BigInt(fmt.pfull - nq));
  } else {
    // Denormal: exponent field 0, significand = q on the 2^(emin - pfull + 1) grid.
    result(s, q << BigInt(lsb - (fmt.emin - fmt.pfull + 1)));
  }
}

function packZero(sign: number): void { result(sign << 15, 0n); }

/** Masked overflow (SDM Vol. 1 Table 4-10): ∞ or the largest finite p-bit value, by rounding mode and sign. */
function overflowResult(sign: number, p: number, fmt: Format, rc: number): void {
  const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
  if (toInf) {
    out.c1 = 1;
    result((sign << 15) | (fmt.emax + fmt.bias + 1), fmt === EXT ? J : 1n << BigInt(fmt.pfull - 1));
    return;
  }
  out.c1 = 0;
  const maxSig = ((1n << BigInt(p)) - 1n) << BigInt(fmt.pfull - p);
  result((sign << 15) | (fmt.emax + fmt.bias), maxSig);
}

// ---------------------------------------------------------------- NaNs

/**
 * NaN operands of an arithmetic instruction (SDM Vol. 1 §4.8.3.5 and Table
 * 4-7, x87 column): an SNaN raises invalid and is quieted; of two NaNs a QNaN
 * beats an SNaN, otherwise the larger significand wins (equal significands:
 * the one with the positive sign).
 */
function nanResult(aSe: number, aSig: bigint, ac: Cls, bSe: number, bSig: bigint, bc: Cls, cw: number): void {
  if ((ac === Cls.SNaN || bc === Cls.SNaN) && raise(IE, cw)) return;
  let se: number, sig: bigint;
  if (!isNaNCls(bc)) { se = aSe; sig = aSig; }
  else if (!isNaNCls(ac)) { se = bSe; sig = bSig; }
  else if (ac !== bc) { if (ac === Cls.QNaN) { se = aSe; sig = aSig; } else { se = bSe; sig = bSig; } }
  else if (aSig !== bSig) { if (aSig > bSig) { se = aSe; sig = aSig; } else { se = bSe; sig = bSig; } }
  else { se = aSe < bSe ? aSe : bSe; sig = aSig; }
  result(se, sig | QUIET);
}

/** A one-operand NaN (or unsupported) input. Returns true when it decided the result. */
function specialUnary(se: number, sig: bigint, c: Cls, cw: number): boolean {
  if (c === Cls.Unsupported) { if (!raise(IE, cw)) indefinite(); return true; }
  if (c === Cls.SNaN) { if (!raise(IE, cw)) result(se, sig | QUIET); return true; }
  if (c === Cls.QNaN) { result(se, sig); return true; }
  return false;
}

// ---------------------------------------------------------------- unpacking

/** Exponent of the least significant significand bit: value = sig × 2^unpackE(se). */
export function unpackE(se: number): number {
  const b = se & EXP_MAX;
  return (b === 0 ? 1 : b) - E_OFFSET;
}

// ---------------------------------------------------------------- arithmetic

/** Shared prologue of two-operand arithmetic: classes, unsupported and NaN operands. True when it decided the result. */
let ca: Cls = Cls.Zero, cb: Cls = Cls.Zero;
function binaryPrologue(aSe: number, aSig: bigint, bSe: number, bSig: bigint, cw: number): boolean {
  begin();
  ca = classify(aSe, aSig);
  cb = classify(bSe, bSig);
  if (ca === Cls.Unsupported || cb === Cls.Unsupported) { if (!raise(IE, cw)) indefinite(); return true; }
  if (isNaNCls(ca) || isNaNCls(cb)) { nanResult(aSe, aSig, ca, bSe, bSig, cb, cw); return true; }
  return false;
}

/**
 * Denormal-operand exception for finite denormal inputs (SDM Vol. 1
 * §4.9.1.2), including a single/double memory operand that was a denormal
 * before its exact conversion (`memDen`); true when unmasked (no result).
 */
let memDen = false;
function denormalCheck(cw: number): boolean {
  if (ca === Cls.Denormal || cb === Cls.Denormal || memDen) return raise(DE, cw);
  return false;
}

/** a + b, or a − b when `subtract` (FADD/FSUB and their P, R and I forms; SDM Vol. 2 FADD, FSUB). */
export function add(aSe: number, aSig: bigint, bSe: number, bSig: bigint, subtract: boolean, cw: number, memDenormal = false): void {
  memDen = memDenormal;
  if (binaryPrologue(aSe, aSig, bSe, bSig, cw)) return;
  const sa = aSe >>> 15;
  const sb = (bSe >>> 15) ^ (subtract ? 1 : 0);
  if (ca === Cls.Inf || cb === Cls.Inf) {
    if (ca === Cls.Inf && cb === Cls.Inf && sa !== sb) { if (!raise(IE, cw)) indefinite(); return; }
    if (denormalCheck(cw)) return;
    result(((ca === Cls.Inf ? sa : sb) << 15) | EXP_MAX, J);
    return;
  }
  if (denormalCheck(cw)) return;
  const rc = (cw >>> 10) & 3;
  if (ca === Cls.Zero && cb === Cls.Zero) {
    // Exact zero sum: same signs keep the sign; opposite signs give +0, or −0 rounding down (IEEE 754 §6.3).
    packZero(sa === sb ? sa : rc === RC_DOWN ? 1 : 0);
    return;
  }
  if (cb === Cls.Zero) { roundTo(sa, aSig, unpackE(aSe), false, pcBits(cw), EXT, rc, cw); return; }
  if (ca === Cls.Zero) { roundTo(sb, bSig, unpackE(bSe), false, pcBits(cw), EXT, rc, cw); return; }
  let ma = aSig, ea = unpackE(aSe), mb = bSig, eb = unpackE(bSe);
  // Align to the smaller exponent. A far smaller operand only decides the rounding through
  // its sign and non-zeroness: it is replaced by one unit 256 binary places below the other.
  const topA = ea + bitLength(ma), topB = eb + bitLength(mb);
  if (topB < topA - 200) { mb = 1n; eb = topA - 256; }
  else if (topA < topB - 200) { ma = 1n; ea = topB - 256; }
  const e = Math.min(ea, eb);
  const A = ma << BigInt(ea - e), B = mb << BigInt(eb - e);
  let sign: number, m: bigint;
  if (sa === sb) { sign = sa; m = A + B; }
  else if (A >= B) { sign = sa; m = A - B; }
  else { sign = sb; m = B - A; }
  if (m === 0n) { packZero(rc === RC_DOWN ? 1 : 0); return; }
  roundTo(sign, m, e, false, pcBits(cw), EXT, rc, cw);
}

/** a × b (FMUL, FMULP, FIMUL). */
export function mul(aSe: number, aSig: bigint, bSe: number, bSig: bigint, cw: number, memDenormal = false): void {
  memDen = memDenormal;
  if (binaryPrologue(aSe, aSig, bSe, bSig, cw)) return;
  const sign = (aSe >>> 15) ^ (bSe >>> 15);
  if (ca === Cls.Inf || cb === Cls.Inf) {
    if (ca === Cls.Zero || cb === Cls.Zero) { if (!raise(IE, cw)) indefinite(); return; }
    if (denormalCheck(cw)) return;
    result((sign << 15) | EXP_MAX, J);
    return;
  }
  if (denormalCheck(cw)) return;
  if (ca === Cls.Zero || cb === Cls.Zero) { packZero(sign); return; }
  roundTo(sign, aSig * bSig, unpackE(aSe) + unpackE(bSe), false, pcBits(cw), EXT, (cw >>> 10) & 3, cw);
}

/** a ÷ b (FDIV, FDIVR and their P and I forms). */
export function div(aSe: number, aSig: bigint, bSe: number, bSig: bigint, cw: number, memDenormal = false): void {
  memDen = memDenormal;
  if (binaryPrologue(aSe, aSig, bSe, bSig, cw)) return;
  const sign = (aSe >>> 15) ^ (bSe >>> 15);
  if (ca === Cls.Inf) {
    if (cb === Cls.Inf) { if (!raise(IE, cw)) indefinite(); return; }
    if (denormalCheck(cw)) return;
    result((sign << 15) | EXP_MAX, J);
    return;
  }
  if (cb === Cls.Inf) { if (denormalCheck(cw)) return; packZero(sign); return; }
  if (cb === Cls.Zero) {
    if (ca === Cls.Zero) { if (!raise(IE, cw)) indefinite(); return; }
    if (raise(ZE, cw)) return;
    result((sign << 15) | EXP_MAX, J);
    return;
  }
  if (denormalCheck(cw)) return;
  if (ca === Cls.Zero) { packZero(sign); return; }
  // Quotient with at least 67 bits, the remainder as the sticky bit.
  const k = Math.max(0, 67 + bitLength(bSig) - bitLength(aSig));
  const num = aSig << BigInt(k);
  const q = num / bSig;
  const sticky = q * bSig !== num;
  roundTo(sign, q, unpackE(aSe) - unpackE(bSe) - k, sticky, pcBits(cw), EXT, (cw >>> 10) & 3, cw);
}

/** Integer square root: floor(√n). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** √a (FSQRT; SDM Vol. 2 FSQRT: −0 gives −0, other negative operands are invalid). */
export function sqrt(aSe: number, aSig: bigint, cw: number): void {
  begin();
  const c = classify(aSe, aSig);
  if (specialUnary(aSe, aSig, c, cw)) return;
  const sign = aSe >>> 15;
  if (c === Cls.Zero) { result(aSe, 0n); return; }
  if (sign === 1) { if (!raise(IE, cw)) indefinite(); return; }
  if (c === Cls.Inf) { result(aSe, aSig); return; }
  if (c === Cls.Denormal && raise(DE, cw)) return;
  let e = unpackE(aSe);
  // Scale so the radicand has at least 134 bits and an even exponent: the root then has ≥ 67.
  let k = Math.max(0, 134 - bitLength(aSig));
  if (((e - k) & 1) !== 0) k++;
  const n = aSig << BigInt(k);
  e -= k;
  const r = isqrt(n);
  roundTo(0, r, e / 2, r * r !== n, pcBits(cw), EXT, (cw >>> 10) & 3, cw);
}

// ---------------------------------------------------------------- compare

/** Condition of a comparison: the C3/C2/C0 pattern values (SDM Vol. 2 FCOM Table 3-21). */
export const CMP_GT = 0, CMP_LT = 1, CMP_EQ = 2, CMP_UN = 3;

/**
 * Compare a with b (FCOM/FUCOM/FCOMI/FUCOMI/FICOM/FTST). `quiet`: only SNaN
 * and unsupported operands raise invalid (FUCOM*); otherwise any NaN does.
 * Returns CMP_*; `out.store` false after an unmasked invalid or denormal
 * exception (the condition codes are then not changed).
 */
export function compare(aSe: number, aSig: bigint, bSe: number, bSig: bigint, quiet: boolean, cw: number, memDenormal = false): number {
  begin();
  const a = classify(aSe, aSig), b = classify(bSe, bSig);
  if (a === Cls.Unsupported || b === Cls.Unsupported || a === Cls.SNaN || b === Cls.SNaN) { raise(IE, cw); return CMP_UN; }
  if (a === Cls.QNaN || b === Cls.QNaN) { if (!quiet) raise(IE, cw); return CMP_UN; }
  if ((a === Cls.Denormal || b === Cls.Denormal || memDenormal) && raise(DE, cw)) return CMP_UN;
  const r = compareValues(aSe, aSig, a, bSe, bSig, b);
  return r;
}

/** Ordered comparison of two non-NaN values. */
function compareValues(aSe: number, aSig: bigint, a: Cls, bSe: number, bSig: bigint, b: Cls): number {
  const sa = aSe >>> 15, sb = bSe >>> 15;
  if (a === Cls.Zero && b === Cls.Zero) return CMP_EQ;
  if (a === Cls.Inf || b === Cls.Inf) {
    if (a === Cls.Inf && b === Cls.Inf && sa === sb) return CMP_EQ;
  }
  if (sa !== sb) return sa === 1 ? CMP_LT : CMP_GT;
  // Same sign: compare magnitudes.
  const mag = compareMagnitude(aSe, aSig, a, bSe, bSig, b);
  if (mag === 0) return CMP_EQ;
  return (mag > 0) !== (sa === 1) ? CMP_GT : CMP_LT;
}

function compareMagnitude(aSe: number, aSig: bigint, a: Cls, bSe: number, bSig: bigint, b: Cls): number {
  if (a === Cls.Inf) return b === Cls.Inf ? 0 : 1;
  if (b === Cls.Inf) return -1;
  if (a === Cls.Zero) return b === Cls.Zero ? 0 : -1;
  if (b === Cls.Zero) return 1;
  const ea = unpackE(aSe), eb = unpackE(bSe);
  const ta = ea + bitLength(aSig), tb = eb + bitLength(bSig);
  if (ta !== tb) return ta > tb ? 1 : -1;
  const e = Math.min(ea, eb);
  const A = aSig << BigInt(ea - e), B = bSig << BigInt(eb - e);
  return A === B ? 0 : A > B ? 1 : -1;
}
