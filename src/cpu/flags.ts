/**
 * Lazy arithmetic flags (the technique Bochs and QEMU use): an ALU op records
 * its kind, size, operands and result; CF/PF/AF/ZF/SF/OF are computed only when
 * something reads them (Jcc, SETcc, ADC, PUSHF...). Definitions follow the SDM
 * Vol. 1 §3.4.3.1 and each instruction's "Flags Affected" section.
 *
 * Values are stored truncated to the operand size: 8/16-bit as unsigned, 32-bit
 * as int32, 64-bit as an int32 (lo, hi) pair.
 */
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11;
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;

/** How the current flags are to be derived. */
/**
 * The condition codes of Jcc, SETcc, CMOVcc and FCMOVcc, in their
 * encodings' order (SDM Vol. 1 Appendix B): an odd code negates the even one
 * below it.
 */
export const enum Cc { O, No, B, Ae, E, Ne, Be, A, S, Ns, P, Np, L, Ge, Le, G }

export const enum FlagKind {
  /** Materialized in `fBits`. */
  Bits = 0,
  Add = 1,
  /** ADC with carry-in 1 (ADC with carry-in 0 is recorded as Add). */
  Adc = 2,
  Sub = 3,
  /** SBB with borrow-in 1. */
  Sbb = 4,
  /** ZF/SF/PF from the result; CF = fCf, OF = fOf, AF = 0: logic ops, shifts, multiplies. */
  Result = 5,
  /** INC: like Add with b = 1, but CF is preserved in fCf. */
  Inc = 6,
  Dec = 7,
}

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p; // PF = 1 when the low byte has an even number of set bits
}

/** Shift that brings the sign bit of a value of size 1/2/4 to bit 31. */
const SIGN_SHIFT = [0, 24, 16, 0, 0];

export function ult64(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi >>> 0 < bhi >>> 0 || (ahi === bhi && alo >>> 0 < blo >>> 0);
}

export class LazyFlags {
  fKind: FlagKind = FlagKind.Bits;
  fSz = 4;
  fRes = 0; fResHi = 0;
  fA = 0; fAHi = 0;
  fB = 0; fBHi = 0;
  /** CF for Result/Inc/Dec kinds. */
  fCf = 0;
  /** OF for the Result kind. */
  fOf = 0;
  /** Materialized arithmetic flags for FlagKind.Bits. */
  fBits = 0;
  /** RFLAGS bits other than the six arithmetic ones (bit 1 always set). */
  rflagsRest = 0x2;

  /** Record an op whose flags come from its result, with explicit CF and OF. */
  setResultFlags(sz: number, res: number, resHi: number, cf: number, of: number): void {
    this.fKind = FlagKind.Result; this.fSz = sz; this.fRes = res; this.fResHi = resHi; this.fCf = cf; this.fOf = of;
  }

  setArith(kind: FlagKind, sz: number, a: number, aHi: number, b: number, bHi: number, res: number, resHi: number): void {
    this.fKind = kind; this.fSz = sz; this.fA = a; this.fAHi = aHi; this.fB = b; this.fBHi = bHi; this.fRes = res; this.fResHi = resHi;
  }

  private signOf(v: number, vHi: number): number {
    const sz = this.fSz;
    return sz === 8 ? vHi >>> 31 : (v << SIGN_SHIFT[sz]!) >>> 31;
  }

  getCF(): number {
    switch (this.fKind) {
      case FlagKind.Bits: return this.fBits & CF;
      case FlagKind.Add: return this.fSz === 8 ? +ult64(this.fRes, this.fResHi, this.fA, this.fAHi) : +(this.fRes >>> 0 < this.fA >>> 0);
      case FlagKind.Adc: return this.fSz === 8 ? +!ult64(this.fA, this.fAHi, this.fRes, this.fResHi) : +(this.fRes >>> 0 <= this.fA >>> 0);
      case FlagKind.Sub: return this.fSz === 8 ? +ult64(this.fA, this.fAHi, this.fB, this.fBHi) : +(this.fA >>> 0 < this.fB >>> 0);
      case FlagKind.Sbb: return this.fSz === 8 ? +!ult64(this.fB, this.fBHi, this.fA, this.fAHi) : +(this.fA >>> 0 <= this.fB >>> 0);
      default: return this.fCf;
    }
  }

  getZF(): number {
    if (this.fKind === FlagKind.Bits) return (this.fBits >> 6) & 1;
    return this.fSz === 8 ? +((this.fRes | this.fResHi) === 0) : +(this.fRes === 0);
  }

  getSF(): number {
    if (this.fKind === FlagKind.Bits) return (this.fBits >> 7) & 1;
    return this.signOf(this.fRes, this.fResHi);
  }

  getPF(): number {
    if (this.fKind === FlagKind.Bits) return (this.fBits >> 2) & 1;
    return PARITY[this.fRes & 0xff]!;
  }

  getAF(): number {
    switch (this.fKind) {
      case FlagKind.Bits: return (this.fBits >> 4) & 1;
      case FlagKind.Result: return 0;
      default: return ((this.fA ^ this.fB ^ this.fRes) >> 4) & 1;
    }
  }

  getOF(): number {
    switch (this.fKind) {
      case FlagKind.Bits: return (this.fBits >> 11) & 1;
      case FlagKind.Add: case FlagKind.Adc: case FlagKind.Inc:
        return this.signOf((this.fA ^ this.fRes) & (this.fB ^ this.fRes), (this.fAHi ^ this.fResHi) & (this.fBHi ^ this.fResHi));
      case FlagKind.Sub: case FlagKind.Sbb: case FlagKind.Dec:
        return this.signOf((this.fA ^ this.fB) & (this.fA ^ this.fRes), (this.fAHi ^ this.fBHi) & (this.fAHi ^ this.fResHi));
      default: return this.fOf;
    }
  }

  /** The six arithmetic flags as RFLAGS bits. */
  arithFlags(): number {
    if (this.fKind === FlagKind.Bits) return this.fBits;
    return this.getCF() | (this.getPF() << 2) | (this.getAF() << 4) | (this.getZF() << 6) | (this.getSF() << 7) | (this.getOF() << 11);
  }

  setArithFlags(bits: number): void {
    this.fKind = FlagKind.Bits;
    this.fBits = bits & ARITH_FLAGS;
  }

  getRflags(): number { return (this.arithFlags() | this.rflagsRest) >>> 0; }

  setRflags(v: number): void {
    this.setArithFlags(v);
    this.rflagsRest = ((v & ~ARITH_FLAGS) | 0x2) >>> 0;
  }

  /** Evaluate condition code cc (0..15: O NO B AE E NE BE A S NS P NP L GE LE G). */
  cond(cc: number): boolean {
    // Fast path: a 32-bit CMP/SUB decides every condition but P/NP from its operands directly.
    if (this.fKind === FlagKind.Sub && this.fSz === 4 && (cc >> 1) !== 5) {
      const a = this.fA, b = this.fB;
      let r: boolean;
      switch (cc >> 1) {
        case 0: r = ((a ^ b) & (a ^ this.fRes)) < 0; break;
        case 1: r = a >>> 0 < b >>> 0; break;
        case 2: r = a === b; break;
        case 3: r = a >>> 0 <= b >>> 0; break;
        case 4: r = this.fRes < 0; break;
        case 6: r = a < b; break;
        default: r = a <= b; break;
      }
      return r !== ((cc & 1) !== 0);
    }
    let r: number;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break;
      case 1: r = this.getCF(); break;
      case 2: r = this.getZF(); break;
      case 3: r = this.getCF() | this.getZF(); break;
      case 4: r = this.getSF(); break;
      case 5: r = this.getPF(); break;
      case 6: r = this.getSF() ^ this.getOF(); break;
      default: r = this.getZF() | (this.getSF() ^ this.getOF()); break;
    }
    return (r ^ (cc & 1)) !== 0;
  }
}

/**
 * `LazyFlags.cond` as a JavaScript expression over the compiled block's
 * fused-condition locals (fa, faHi, fb, fbHi, fr, frHi; src/cpu/inline.ts),
 * for a flag record of `kind` and `size` the compiler knows statically; null
 * where the compiler should call `cond` (parity, other kinds). Each flag is
 * the formula `cond` evaluates for that record, so the result is the same
 * for every operand.
 */
export function condCode(kind: FlagKind, size: number, cc: number): string | null {
  const pair = cc >> 1;
  if (pair === 5) return null; // P/NP: the parity table
  let cf: string, zf: string, sf: string, of: string;
  if (kind === FlagKind.Sub && size === 4) {
    // cond's fast path for a 32-bit CMP/SUB.
    const e = ['((fa ^ fb) & (fa ^ fr)) < 0', 'fa >>> 0 < fb >>> 0', 'fa === fb', 'fa >>> 0 <= fb >>> 0', 'fr < 0', '', 'fa < fb', 'fa <= fb'][pair]!;
    return (cc & 1) !== 0 ? `!(${e})` : `(${e})`;
  }
  if (size === 8) {
    zf = '(fr | frHi) === 0';
    sf = 'frHi < 0';
  } else if (size === 4) {
    zf = 'fr === 0';
    sf = 'fr < 0';
  } else return null;
  switch (kind) {
    case FlagKind.Sub:
      cf = 'faHi >>> 0 < fbHi >>> 0 || (faHi === fbHi && fa >>> 0 < fb >>> 0)';
      of = '((faHi ^ fbHi) & (faHi ^ frHi)) < 0';
      break;
    case FlagKind.Add:
      cf = size === 8 ? 'frHi >>> 0 < faHi >>> 0 || (frHi === faHi && fr >>> 0 < fa >>> 0)' : 'fr >>> 0 < fa >>> 0';
      of = size === 8 ? '((faHi ^ frHi) & (fbHi ^ frHi)) < 0' : '((fa ^ fr) & (fb ^ fr)) < 0';
      break;
    case FlagKind.Result:
      // Logic ops: CF = OF = 0.
      cf = 'false';
      of = 'false';
      break;
    default: return null;
  }
  const e = [of, cf, zf, `(${cf}) || (${zf})`, sf, '', `(${sf}) !== (${of})`, `(${zf}) || ((${sf}) !== (${of}))`][pair]!;
  return (cc & 1) !== 0 ? `!(${e})` : `(${e})`;
}
