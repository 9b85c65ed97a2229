/**
 * Exact IEEE 754 binary32/binary64 arithmetic with the SSE rules of the
 * Intel SDM (Vol. 1 §4.8 "Real Numbers and Floating-Point Formats", §4.9
 * "Overview of Floating-Point Exceptions", §11.5 "SSE, SSE2 and SSE3
 * Exceptions"; Vol. 2 per instruction): every rounding mode, DAZ and FTZ,
 * tininess detected after rounding (as x86 does), the default QNaN ("real
 * indefinite"), and the SSE NaN-propagation rules (Table 4-7: the first
 * source operand's NaN, an SNaN quieted).
 *
 * This is the reference path: values are unpacked into BigInt significands
 * and computed exactly, then rounded once (`roundPack`). It handles every
 * input; `fpops.ts` puts fast paths in front of it for the common case
 * (round to nearest, normal operands and results), which must agree with it
 * bit for bit (test/softfloat.test.ts checks that on random inputs; the host
 * CPU oracle checks both).
 *
 * Floating-point values travel as BigInt bit patterns here. Exception flags
 * accumulate in `env.flags` (MXCSR bit order); the caller clears and merges.
 */
import { MX_IE, MX_DE, MX_ZE, MX_OE, MX_UE, MX_PE, MX_DAZ, MX_FTZ, MX_RC_SHIFT, MX_MASK_SHIFT, Rc } from './mxcsr.js';

export interface Fmt {
  /** Precision (significand bits including the hidden bit). */
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  readonly bias: number;
  /** Total width in bits. */
  readonly width: number;
  readonly signBit: bigint;
  readonly expMask: bigint;
  readonly fracMask: bigint;
  readonly hidden: bigint;
  readonly quietBit: bigint;
  /** The default QNaN (real indefinite): sign 1, exponent all ones, fraction 100…0. */
  readonly indefinite: bigint;
}

function fmt(p: number, ebits: number): Fmt {
  const width = p + ebits;
  const bias = (1 << (ebits - 1)) - 1;
  const fracMask = (1n << BigInt(p - 1)) - 1n;
  const signBit = 1n << BigInt(width - 1);
  const expMask = (((1n << BigInt(ebits)) - 1n) << BigInt(p - 1));
  const quietBit = 1n << BigInt(p - 2);
  return { p, emin: 1 - bias, emax: bias, bias, width, signBit, expMask, fracMask, hidden: 1n << BigInt(p - 1), quietBit, indefinite: signBit | expMask | quietBit };
}

export const F32 = fmt(24, 8);
export const F64 = fmt(53, 11);
/** binary16 (F16C's VCVTPS2PH / VCVTPH2PS). */
export const F16 = fmt(11, 5);

export const env = { flags: 0 };

export const enum Cls { Zero = 0, Denormal = 1, Normal = 2, Inf = 3, QNaN = 4, SNaN = 5 }

export function classify(b: bigint, f: Fmt): Cls {
  const e = b & f.expMask, m = b & f.fracMask;
  if (e === 0n) return m === 0n ? Cls.Zero : Cls.Denormal;
  if (e === f.expMask) return m === 0n ? Cls.Inf : (m & f.quietBit) !== 0n ? Cls.QNaN : Cls.SNaN;
  return Cls.Normal;
}

export const isNaNCls = (c: Cls): boolean => c >= Cls.QNaN;
export const signOf = (b: bigint, f: Fmt): number => ((b & f.signBit) !== 0n ? 1 : 0);
export const quiet = (b: bigint, f: Fmt): bigint => b | f.quietBit;
export const zeroOf = (sign: number, f: Fmt): bigint => (sign ? f.signBit : 0n);
export const infOf = (sign: number, f: Fmt): bigint => (sign ? f.signBit : 0n) | f.expMask;
const maxFinite = (sign: number, f: Fmt): bigint => (sign ? f.signBit : 0n) | (f.expMask - (1n << BigInt(f.p - 1))) | f.fracMask;

/** Significand and exponent of a finite nonzero value: |v| = sig × 2^exp. */
export function unpackSig(b: bigint, f: Fmt): { sig: bigint; exp: number } {
  const e = Number((b & f.expMask) >> BigInt(f.p - 1));
  const m = b & f.fracMask;
  if (e === 0) return { sig: m, exp: f.emin - (f.p - 1) };
  return { sig: m | f.hidden, exp: e - f.bias - (f.p - 1) };
}

export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * Round sig / 2^sh to an integer with rounding control `rc` for a value of
 * sign `sign`; `inexact` tells whether anything was discarded.
 */
const rounded = { q: 0n, inexact: false };
export function roundShift(sig: bigint, sh: number, sign: number, rc: number): typeof rounded {
  if (sh <= 0) { rounded.q = sig << BigInt(-sh); rounded.inexact = false; return rounded; }
  const s = BigInt(sh);
  let q = sig >> s;
  const rem = sig - (q << s);
  const inexact = rem !== 0n;
  if (inexact) {
    let up: boolean;
    switch (rc) {
      case Rc.Nearest: {
        const half = 1n << (s - 1n);
        up = rem > half || (rem === half && (q & 1n) === 1n);
        break;
      }
      case Rc.Down: up = sign === 1; break;
      case Rc.Up: up = sign === 0; break;
      default: up = false;
    }
    if (up) q += 1n;
  }
  rounded.q = q; rounded.inexact = inexact;
  return rounded;
}

/** MXCSR fields a computation needs. */
export const rcOf = (mx: number): number => (mx >> MX_RC_SHIFT) & 3;
const umMasked = (mx: number): boolean => ((mx >> MX_MASK_SHIFT) & MX_UE) !== 0;

/**
 * Round the exact value (−1)^sign × sig × 2^exp (sig > 0) to format `f`
 * under MXCSR `mx` (RC, FTZ, UM, OM), raising OE/UE/PE as SDM Vol. 1
 * §4.9.1.4 (overflow: the result is ±∞ or the largest finite number by
 * rounding direction), §4.9.1.5 (underflow: tininess detected after
 * rounding; with UM masked UE needs the denormalized result to be inexact)
 * and §10.2.3.3 (FTZ: with UM masked, a tiny result becomes a zero of its
 * sign and both UE and PE are set). With OM or UM unmasked the exception is
 * reported alone, without PE (what the host CPU's #XM shows in MXCSR).
 */
export function roundPack(sign: number, sig: bigint, exp: number, f: Fmt, mx: number): bigint {
  const rc = rcOf(mx);
  const L = bitLength(sig);
  let E = exp + L - 1; // exponent of the leading bit
  const p = f.p;
  const r = roundShift(sig, L - p, sign, rc);
  let q = r.q;
  let inexact = r.inexact;
  if (bitLength(q) > p) { q >>= 1n; E++; } // rounding carried into a new bit (q was 2^p: the shift is exact)
  const signBits = sign ? f.signBit : 0n;
  if (E >= f.emin) {
    if (E > f.emax) {
      // Unmasked, overflow is reported alone (the instruction then faults with its destination unchanged).
      env.flags |= ((mx >> MX_MASK_SHIFT) & MX_OE) !== 0 ? MX_OE | MX_PE : MX_OE;
      const toInf = rc === Rc.Nearest || (rc === Rc.Up && sign === 0) || (rc === Rc.Down && sign === 1);
      return toInf ? infOf(sign, f) : maxFinite(sign, f);
    }
    if (inexact) env.flags |= MX_PE;
    return signBits | (BigInt(E + f.bias) << BigInt(p - 1)) | (q & f.fracMask);
  }
  // Tiny: the result rounded with an unbounded exponent is below 2^emin.
  const masked = umMasked(mx);
  if ((mx & MX_FTZ) !== 0 && masked) {
    env.flags |= MX_UE | MX_PE;
    return signBits;
  }
  const d = roundShift(sig, f.emin - (p - 1) - exp, sign, rc);
  inexact = d.inexact;
  // Unmasked, a tiny result is reported as UE alone, exact or not.
  if (!masked) env.flags |= MX_UE;
  else if (inexact) env.flags |= MX_PE | MX_UE;
  // d.q < 2^(p-1) is a denormal; d.q = 2^(p-1) lands exactly on the smallest normal's encoding.
  return signBits | d.q;
}

/**
 * Pre-computation part shared by the arithmetic operations: NaN operands
 * (SDM Vol. 1 Table 4-7, SSE column), then DAZ. Returns the NaN result, or
 * null with the (possibly flushed) operands and their classes in `pre`;
 * `pre.de` says a denormal operand was seen. The caller raises DE only when
 * the operation goes on to compute: a division by zero reports ZE alone and
 * the square root of a negative denormal IE alone (as the host CPU does).
 */
const pre = { a: 0n, b: 0n, ca: Cls.Zero, cb: Cls.Zero, de: false };
function nanOrPrepare(a: bigint, b: bigint, f: Fmt, mx: number, twoOperands: boolean): bigint | null {
  let ca = classify(a, f);
  let cb = twoOperands ? classify(b, f) : Cls.Zero;
  if (isNaNCls(ca) || isNaNCls(cb)) {
    if (ca === Cls.SNaN || cb === Cls.SNaN) env.flags |= MX_IE;
    return isNaNCls(ca) ? quiet(a, f) : quiet(b, f);
  }
  let de = false;
  if (ca === Cls.Denormal) {
    if (mx & MX_DAZ) { a &= f.signBit; ca = Cls.Zero; } else de = true;
  }
  if (cb === Cls.Denormal) {
    if (mx & MX_DAZ) { b &= f.signBit; cb = Cls.Zero; } else de = true;
  }
  pre.a = a; pre.b = b; pre.ca = ca; pre.cb = cb; pre.de = de;
  return null;
}

function invalid(f: Fmt): bigint { env.flags |= MX_IE; return f.indefinite; }

export function add(a: bigint, b: bigint, f: Fmt, mx: number, subtract: boolean): bigint {
  const n = nanOrPrepare(a, b, f, mx, true);
  if (n !== null) return n;
  ({ a, b } = pre);
  const { ca, cb } = pre;
  if (pre.de) env.flags |= MX_DE;
  const sa = signOf(a, f);
  const sb = signOf(b, f) ^ (subtract ? 1 : 0);
  if (ca === Cls.Inf || cb === Cls.Inf) {
    if (ca === Cls.Inf && cb === Cls.Inf && sa !== sb) return invalid(f);
    return ca === Cls.Inf ? infOf(sa, f) : infOf(sb, f);
  }
  const rc = rcOf(mx);
  if (ca === Cls.Zero && cb === Cls.Zero) {
    // (+0) + (−0) is +0, or −0 when rounding down (IEEE 754 §6.3).
    return zeroOf(sa === sb ? sa : rc === Rc.Down ? 1 : 0, f);
  }
  if (ca === Cls.Zero) return roundFinite(sb, b, f, mx);
  if (cb === Cls.Zero) return roundFinite(sa, a, f, mx);
  const ua = unpackSig(a, f), ub = unpackSig(b, f);
  const e = Math.min(ua.exp, ub.exp);
  const va = ua.sig << BigInt(ua.exp - e), vb = ub.sig << BigInt(ub.exp - e);
  let s = (sa ? -va : va) + (sb ? -vb : vb);
  if (s === 0n) return zeroOf(rc === Rc.Down ? 1 : 0, f);
  const sign = s < 0n ? 1 : 0;
  if (sign) s = -s;
  return roundPack(sign, s, e, f, mx);
}

/** A finite nonzero operand passed through unchanged in value (x + 0): still rounded, for FTZ of a denormal result. */
function roundFinite(sign: number, b: bigint, f: Fmt, mx: number): bigint {
  const u = unpackSig(b, f);
  return roundPack(sign, u.sig, u.exp, f, mx);
}

export function mul(a: bigint, b: bigint, f: Fmt, mx: number): bigint {
  const n = nanOrPrepare(a, b, f, mx, true);
  if (n !== null) return n;
  ({ a, b } = pre);
  const { ca, cb } = pre;
  if (pre.de) env.flags |= MX_DE;
  const sign = signOf(a, f) ^ signOf(b, f);
  if (ca === Cls.Inf || cb === Cls.Inf) {
    if (ca === Cls.Zero || cb === Cls.Zero) return invalid(f);
    return infOf(sign, f);
  }
  if (ca === Cls.Zero || cb === Cls.Zero) return zeroOf(sign, f);
  const ua = unpackSig(a, f), ub = unpackSig(b, f);
  return roundPack(sign, ua.sig * ub.sig, ua.exp + ub.exp, f, mx);
}

export function div(a: bigint, b: bigint, f: Fmt, mx: number): bigint {
  const n = nanOrPrepare(a, b, f, mx, true);
  if (n !== null) return n;
  ({ a, b } = pre);
  const { ca, cb } = pre;
  const sign = signOf(a, f) ^ signOf(b, f);
  if (ca === Cls.Inf) { if (cb === Cls.Inf) return invalid(f); if (pre.de) env.flags |= MX_DE; return infOf(sign, f); }
  if (cb === Cls.Inf) { if (pre.de) env.flags |= MX_DE; return zeroOf(sign, f); }
  if (cb === Cls.Zero) {
    if (ca === Cls.Zero) return invalid(f);
    env.flags |= MX_ZE;
    return infOf(sign, f);
  }
  if (pre.de) env.flags |= MX_DE;
  if (ca === Cls.Zero) return zeroOf(sign, f);
  const ua = unpackSig(a, f), ub = unpackSig(b, f);
  // Enough quotient bits for p + 2 rounding bits whatever the operands' normalization, plus a sticky bit.
  const k = f.p + 3 + bitLength(ub.sig) - bitLength(ua.sig) + f.p;
  const num = ua.sig << BigInt(k);
  const q = num / ub.sig;
  const sticky = q * ub.sig !== num ? 1n : 0n;
  return roundPack(sign, (q << 1n) | sticky, ua.exp - ub.exp - k - 1, f, mx);
}

export function sqrt(a: bigint, f: Fmt, mx: number): bigint {
  const n = nanOrPrepare(a, 0n, f, mx, false);
  if (n !== null) return n;
  a = pre.a;
  const ca = pre.ca;
  const sign = signOf(a, f);
  if (ca === Cls.Zero) return a; // √(±0) = ±0
  if (sign) return invalid(f);
  if (pre.de) env.flags |= MX_DE;
  if (ca === Cls.Inf) return a;
  let { sig, exp } = unpackSig(a, f);
  if (exp & 1) { sig <<= 1n; exp -= 1; }
  // Scale so the root has at least p + 3 bits, then one sticky bit.
  let k = 2 * (f.p + 3) - bitLength(sig) + 2;
  if (k < 0) k = 0;
  if (k & 1) k++;
  const m = sig << BigInt(k);
  const r = isqrt(m);
  const sticky = r * r !== m ? 1n : 0n;
  return roundPack(0, (r << 1n) | sticky, (exp - k) / 2 - 1, f, mx);
}

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * Fused multiply-add ±(a × b) ± c with one rounding (SDM Vol. 2
 * "VFMADD132PD..."): a NaN result is the first NaN among a, b, c, quieted,
 * with IE only for an SNaN — ∞ × 0 plus a QNaN is not an invalid operation
 * (IEEE 754 leaves it to the implementation; the host CPU does not signal).
 */
export function fma(a: bigint, b: bigint, c: bigint, f: Fmt, mx: number, negProduct: boolean, negAddend: boolean): bigint {
  let ca = classify(a, f), cb = classify(b, f), cc = classify(c, f);
  if (isNaNCls(ca) || isNaNCls(cb) || isNaNCls(cc)) {
    if (ca === Cls.SNaN || cb === Cls.SNaN || cc === Cls.SNaN) env.flags |= MX_IE;
    return isNaNCls(ca) ? quiet(a, f) : isNaNCls(cb) ? quiet(b, f) : quiet(c, f);
  }
  const daz = (mx & MX_DAZ) !== 0;
  let de = false;
  if (ca === Cls.Denormal) { if (daz) { a &= f.signBit; ca = Cls.Zero; } else de = true; }
  if (cb === Cls.Denormal) { if (daz) { b &= f.signBit; cb = Cls.Zero; } else de = true; }
  if (cc === Cls.Denormal) { if (daz) { c &= f.signBit; cc = Cls.Zero; } else de = true; }
  const sp = signOf(a, f) ^ signOf(b, f) ^ (negProduct ? 1 : 0);
  const sc = signOf(c, f) ^ (negAddend ? 1 : 0);
  const rc = rcOf(mx);
  if (ca === Cls.Inf || cb === Cls.Inf) {
    if (ca === Cls.Zero || cb === Cls.Zero) return invalid(f);
    if (cc === Cls.Inf && sc !== sp) return invalid(f);
    if (de) env.flags |= MX_DE;
    return infOf(sp, f);
  }
  // An invalid operation reports IE alone; every other case that gets here computes, and flags a denormal operand.
  if (de) env.flags |= MX_DE;
  if (cc === Cls.Inf) return infOf(sc, f);
  const pZero = ca === Cls.Zero || cb === Cls.Zero;
  if (pZero) {
    if (cc === Cls.Zero) return zeroOf(sp === sc ? sp : rc === Rc.Down ? 1 : 0, f);
    return roundFinite(sc, c, f, mx);
  }
  const ua = unpackSig(a, f), ub = unpackSig(b, f);
  let psig = ua.sig * ub.sig;
  let pexp = ua.exp + ub.exp;
  if (cc === Cls.Zero) return roundPack(sp, psig, pexp, f, mx);
  const uc = unpackSig(c, f);
  const e = Math.min(pexp, uc.exp);
  psig <<= BigInt(pexp - e);
  pexp = e;
  const vc = uc.sig << BigInt(uc.exp - e);
  let s = (sp ? -psig : psig) + (sc ? -vc : vc);
  if (s === 0n) return zeroOf(rc === Rc.Down ? 1 : 0, f);
  const sign = s < 0n ? 1 : 0;
  if (sign) s = -s;
  return roundPack(sign, s, e, f, mx);
}

/**
 * Convert between formats (CVTSS2SD, CVTSD2SS, VCVTPH2PS, VCVTPS2PH): a NaN
 * keeps its sign and the top of its payload, quieted (SNaN: IE); DAZ applies
 * to the source (not for F16 sources, which F16C never flushes), then the
 * value is rounded to the target.
 */
export function convert(a: bigint, from: Fmt, to: Fmt, mx: number, dazApplies = true): bigint {
  const ca = classify(a, from);
  const sign = signOf(a, from);
  if (isNaNCls(ca)) {
    if (ca === Cls.SNaN) env.flags |= MX_IE;
    const frac = a & from.fracMask;
    const shift = (from.p - 1) - (to.p - 1);
    const tf = shift >= 0 ? frac >> BigInt(shift) : frac << BigInt(-shift);
    return (sign ? to.signBit : 0n) | to.expMask | tf | to.quietBit;
  }
  if (ca === Cls.Inf) return infOf(sign, to);
  if (ca === Cls.Zero) return zeroOf(sign, to);
  if (ca === Cls.Denormal && dazApplies) {
    if (mx & MX_DAZ) return zeroOf(sign, to);
    env.flags |= MX_DE;
  }
  const u = unpackSig(a, from);
  return roundPack(sign, u.sig, u.exp, to, mx);
}

/** Signed integer (as BigInt) → format `f`, rounded by MXCSR.RC (CVTSI2SS/SD, CVTDQ2PS...). */
export function fromInt(v: bigint, f: Fmt, mx: number): bigint {
  if (v === 0n) return 0n;
  const sign = v < 0n ? 1 : 0;
  // FTZ/UE cannot apply: integers are never tiny.
  return roundPack(sign, sign ? -v : v, 0, f, mx & ~MX_FTZ);
}

/**
 * Format `f` → signed integer of `bits` (32/64) bits, rounded by `rc`
 * (CVTSS2SI...) or truncated (CVTTSS2SI...). NaN and out-of-range values give
 * the integer indefinite 100…0B with IE (SDM Vol. 1 §4.8.4 / §11.5.2.1);
 * DAZ flushes a denormal source; inexact sets PE. No DE (SDM: Invalid,
 * Precision).
 */
export function toInt(a: bigint, f: Fmt, mx: number, rc: number, bits: number): bigint {
  const ca = classify(a, f);
  const indefinite = -(1n << BigInt(bits - 1));
  if (isNaNCls(ca) || ca === Cls.Inf) { env.flags |= MX_IE; return indefinite; }
  if (ca === Cls.Zero || (ca === Cls.Denormal && (mx & MX_DAZ))) return 0n;
  const sign = signOf(a, f);
  const u = unpackSig(a, f);
  const r = roundShift(u.sig, -u.exp, sign, rc);
  const v = sign ? -r.q : r.q;
  if (v < indefinite || v > -indefinite - 1n) { env.flags |= MX_IE; return indefinite; }
  if (r.inexact) env.flags |= MX_PE;
  return v;
}

/**
 * Round to an integral value in format `f` (SDM Vol. 2 "ROUNDPS": Invalid
 * only for an SNaN, which is quieted; Precision unless imm8[3] suppresses
 * it); `rc` comes from the immediate or MXCSR; DAZ applies to the source.
 */
export function roundToIntegral(a: bigint, f: Fmt, mx: number, rc: number, suppressPE: boolean): bigint {
  const ca = classify(a, f);
  if (isNaNCls(ca)) { if (ca === Cls.SNaN) env.flags |= MX_IE; return quiet(a, f); }
  if (ca === Cls.Inf || ca === Cls.Zero) return a;
  const sign = signOf(a, f);
  if (ca === Cls.Denormal && (mx & MX_DAZ)) return zeroOf(sign, f);
  const u = unpackSig(a, f);
  if (u.exp >= 0) return a;
  const r = roundShift(u.sig, -u.exp, sign, rc);
  if (r.inexact && !suppressPE) env.flags |= MX_PE;
  if (r.q === 0n) return zeroOf(sign, f);
  return roundPack(sign, r.q, 0, f, mx & ~MX_FTZ);
}
