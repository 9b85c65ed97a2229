/**
 * x87 FPU state (SDM Vol. 1 §8.1 "x87 FPU Execution Environment"): eight
 * physical 80-bit data registers R0–R7 used as a stack through TOP, the
 * control word, the status word, the tag word, the last-instruction opcode
 * and the instruction and data pointers; and the memory images the SDM
 * defines for them — the 28-byte protected-mode environment (FNSTENV /
 * FLDENV), the 108-byte state (FNSAVE / FRSTOR) and the x87 part of the
 * 512-byte FXSAVE area (used by the SIMD side for FXSAVE/XSAVE).
 *
 * Registers are exact: a 64-bit significand (two Uint32 halves, explicit
 * integer bit) and a 16-bit sign+exponent word per physical register.
 * Tags are kept the way the hardware keeps them, one valid/empty bit per
 * physical register (FXSAVE's "abridged" tag word); the full 2-bit tag word
 * of FNSTENV/FNSAVE is computed from the register contents when it is stored
 * (SDM Vol. 1 §8.1.7), and FLDENV/FRSTOR take only empty/non-empty from it.
 *
 * The modelled CPU, like Haswell, deprecates FCS and FDS (CPUID.(EAX=07H,
 * ECX=0):EBX[13] = 1): they are stored as 0000H (SDM Vol. 1 §8.1.8).
 */
import { classify, Cls } from './float80.js';

/** Control word after FNINIT (SDM Vol. 1 Table 8-1 / Vol. 2 FINIT): all exceptions masked, 64-bit precision, round to nearest. */
export const FCW_INIT = 0x037f;
/** FCW bits that exist: masks (5:0), PC (9:8), RC (11:10), X (12); bit 6 always reads as 1 (SDM Vol. 1 Figure 8-6). */
const FCW_WRITABLE = 0x1f3f;
const FCW_ONE = 0x0040;

/** Status word bits (SDM Vol. 1 Figure 8-4). */
export const FSW_IE = 0x0001, FSW_DE = 0x0002, FSW_ZE = 0x0004, FSW_OE = 0x0008, FSW_UE = 0x0010, FSW_PE = 0x0020;
export const FSW_SF = 0x0040, FSW_ES = 0x0080, FSW_C0 = 0x0100, FSW_C1 = 0x0200, FSW_C2 = 0x0400, FSW_C3 = 0x4000, FSW_B = 0x8000;
export const FSW_TOP_SHIFT = 11;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
/** Exception flags (including SF): sticky until cleared by FNCLEX/FNINIT or a load of the status word. */
export const FSW_EXCEPTIONS = 0x7f;

/** Full tag values (SDM Vol. 1 Figure 8-7). */
export const TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

export class X87State {
  /** Physical registers R0–R7: significand low/high halves and sign|exponent. */
  readonly sigLo = new Uint32Array(8);
  readonly sigHi = new Uint32Array(8);
  readonly se = new Uint16Array(8);
  /** Abridged tag: bit i set = physical register Ri is not empty. */
  valid = 0;
  /** Stack top (physical index of ST(0)). */
  top = 0;
  /** Control word as stored (FCW_WRITABLE bits plus bit 6). */
  cw = FCW_INIT;
  /** Status word without TOP, ES and B (those are derived: `statusWord()`). */
  sw = 0;
  /** Last non-control instruction: opcode (11 bits), instruction pointer, data pointer (linear addresses in 64-bit mode). */
  fop = 0;
  fip = 0;
  fdp = 0;
  /** Selectors: 0 on a CPU that deprecates FCS/FDS, kept as fields so the images have one place to read them from. */
  fcs = 0;
  fds = 0;

  // ------------------------------------------------------------ words

  /** FSW as FNSTSW stores it: flags, condition codes, TOP, and ES = B = "an unmasked exception is pending". */
  statusWord(): number {
    const es = (this.sw & ~this.cw & 0x3f) !== 0 ? FSW_ES | FSW_B : 0;
    return (this.sw & ~(FSW_ES | FSW_B | (7 << FSW_TOP_SHIFT))) | (this.top << FSW_TOP_SHIFT) | es;
  }

  /** Load the status word (FLDENV, FRSTOR, FXRSTOR): TOP is taken from it; ES and B are recomputed from the flags and masks. */
  setStatusWord(v: number): void {
    this.top = (v >>> FSW_TOP_SHIFT) & 7;
    this.sw = v & ~(FSW_ES | FSW_B | (7 << FSW_TOP_SHIFT)) & 0xffff;
  }

  setControlWord(v: number): void { this.cw = (v & FCW_WRITABLE) | FCW_ONE; }

  /** An unmasked exception is pending: the next waiting x87 instruction raises #MF (SDM Vol. 1 §8.6). */
  get errorPending(): boolean { return (this.sw & ~this.cw & 0x3f) !== 0; }

  /** Full tag of physical register i, from its contents (SDM Vol. 1 §8.1.7). */
  tagOf(i: number): number {
    if ((this.valid & (1 << i)) === 0) return TAG_EMPTY;
    const c = classify(this.se[i]!, this.sigOf(i));
    return c === Cls.Normal ? TAG_VALID : c === Cls.Zero ? TAG_ZERO : TAG_SPECIAL;
  }

  /** The 16-bit tag word of FNSTENV/FNSAVE: two bits per physical register. */
  tagWord(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) t |= this.tagOf(i) << (2 * i);
    return t;
  }

  /** Load a full tag word (FLDENV/FRSTOR): only empty (11B) vs not empty is kept. */
  setTagWord(t: number): void {
    let v = 0;
    for (let i = 0; i < 8; i++) if (((t >>> (2 * i)) & 3) !== TAG_EMPTY) v |= 1 << i;
    this.valid = v;
  }

  // ------------------------------------------------------------ registers

  /** Physical index of ST(i). */
  phys(i: number): number { return (this.top + i) & 7; }

  isEmpty(st: number): boolean { return (this.valid & (1 << this.phys(st))) === 0; }

  sigOf(p: number): bigint { return (BigInt(this.sigHi[p]!) << 32n) | BigInt(this.sigLo[p]!); }

  /** Write physical register p and mark it valid. */
  setPhys(p: number, se: number, sig: bigint): void {
    this.se[p] = se;
    this.sigLo[p] = Number(sig & 0xffffffffn);
    this.sigHi[p] = Number((sig >> 32n) & 0xffffffffn);
    this.valid |= 1 << p;
  }

  /** ST(i) ← value (the register becomes valid). */
  setSt(i: number, se: number, sig: bigint): void { this.setPhys(this.phys(i), se, sig); }
  stSe(i: number): number { return this.se[this.phys(i)]!; }
  stSig(i: number): bigint { return this.sigOf(this.phys(i)); }

  /** Decrement TOP and write the new ST(0) (the caller has checked for stack overflow). */
  push(se: number, sig: bigint): void {
    this.top = (this.top - 1) & 7;
    this.setPhys(this.top, se, sig);
  }

  /** Mark ST(0) empty and increment TOP. */
  pop(): void {
    this.valid &= ~(1 << this.top);
    this.top = (this.top + 1) & 7;
  }

  // ------------------------------------------------------------ FNINIT

  /**
   * FNINIT (SDM Vol. 2 FINIT/FNINIT): FCW 037FH, FSW 0, all tags empty,
   * pointers and opcode 0; the data registers are kept. With
   * `clearRegisters` also the data registers become 0: the x87 initial
   * configuration XRSTOR establishes for a component not in XSTATE_BV (SDM
   * Vol. 1 §13.6), after which isInitState() is true.
   */
  init(clearRegisters = false): void {
    if (clearRegisters) { this.sigLo.fill(0); this.sigHi.fill(0); this.se.fill(0); }
    this.cw = FCW_INIT;
    this.sw = 0;
    this.top = 0;
    this.valid = 0;
    this.fop = 0; this.fip = 0; this.fdp = 0; this.fcs = 0; this.fds = 0;
  }

  /**
   * The x87 state component is in its initial configuration (SDM Vol. 1
   * §13.6 "Processor Tracking of XSAVE-Managed State": FCW 037FH, FSW 0,
   * FTW all empty, FOP/FIP/FDP 0, every data register 0), which XSAVEOPT /
   * XSAVEC may skip writing.
   */
  isInitState(): boolean {
    if (this.cw !== FCW_INIT || this.statusWord() !== 0 || this.valid !== 0) return false;
    if (this.fop !== 0 || this.fip !== 0 || this.fdp !== 0 || this.fcs !== 0 || this.fds !== 0) return false;
    for (let i = 0; i < 8; i++) if (this.sigLo[i] !== 0 || this.sigHi[i] !== 0 || this.se[i] !== 0) return false;
    return true;
  }

  // ------------------------------------------------------------ memory images

  /**
   * The x87 bytes of the FXSAVE legacy region (SDM Vol. 2 FXSAVE, Tables
   * 3-53/3-56): 0–1 FCW, 2–3 FSW, 4 abridged FTW, 6–7 FOP, 8–15 FIP and
   * 16–23 FDP (64-bit format, REX.W = 1) or FIP[31:0], FCS, FDP[31:0], FDS
   * (REX.W = 0), and ST0–ST7 in 16-byte slots at 32. The reserved byte 5
   * and bytes 10–15 of each register slot are written as 0 (as the host's
   * FXSAVE does); MXCSR and MXCSR_MASK (24–31) are not touched.
   */
  fxsaveLegacy(buf: Uint8Array, off: number, rexW = true): void {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    dv.setUint16(off, this.cw, true);
    dv.setUint16(off + 2, this.statusWord(), true);
    // Abridged tag: bit i = physical register Ri is valid (the host's FXSAVE agrees: TOP=7 with one value gives 80H).
    buf[off + 4] = this.valid;
    buf[off + 5] = 0;
    dv.setUint16(off + 6, this.fop, true);
    if (rexW) {
      setU64(dv, off + 8, this.fip);
      setU64(dv, off + 16, this.fdp);
    } else {
      dv.setUint32(off + 8, low32(this.fip), true);
      dv.setUint16(off + 12, this.fcs, true);
      dv.setUint16(off + 14, 0, true);
      dv.setUint32(off + 16, low32(this.fdp), true);
      dv.setUint16(off + 20, this.fds, true);
      dv.setUint16(off + 22, 0, true);
    }
    for (let i = 0; i < 8; i++) {
      const at = off + 32 + 16 * i;
      this.storeReg80(dv, at, this.phys(i));
      dv.setUint16(at + 10, 0, true);
      dv.setUint32(at + 12, 0, true);
    }
  }

  /** The inverse of fxsaveLegacy (FXRSTOR): the abridged tag byte gives empty/valid per register in stack order. */
  fxrstorLegacy(buf: Uint8Array, off: number, rexW = true): void {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.setControlWord(dv.getUint16(off, true));
    this.setStatusWord(dv.getUint16(off + 2, true));
    this.fop = dv.getUint16(off + 6, true) & 0x7ff;
    if (rexW) {
      this.fip = getU64(dv, off + 8);
      this.fdp = getU64(dv, off + 16);
    } else {
      this.fip = dv.getUint32(off + 8, true);
      this.fdp = dv.getUint32(off + 16, true);
    }
    this.fcs = 0; this.fds = 0;
    for (let i = 0; i < 8; i++) this.loadReg80(dv, off + 32 + 16 * i, this.phys(i));
    this.valid = buf[off + 4]!;
  }

  /**
   * The 28-byte protected-mode environment, 32-bit format (SDM Vol. 1
   * Figure 8-9; 64-bit mode uses it for FNSTENV/FLDENV without REX.W): FCW,
   * FSW, FTW each in the low half of a doubleword whose high half is
   * reserved and stored as FFFFH, FIP[31:0], FCS with FOP in bits 26:16, FDP[31:0],
   * FDS (high half FFFFH).
   */
  storeEnv(dv: DataView, off: number): void {
    dv.setUint32(off, (0xffff0000 | this.cw) >>> 0, true);
    dv.setUint32(off + 4, (0xffff0000 | this.statusWord()) >>> 0, true);
    dv.setUint32(off + 8, (0xffff0000 | this.tagWord()) >>> 0, true);
    dv.setUint32(off + 12, low32(this.fip), true);
    dv.setUint32(off + 16, ((this.fop << 16) | this.fcs) >>> 0, true);
    dv.setUint32(off + 20, low32(this.fdp), true);
    dv.setUint32(off + 24, (0xffff0000 | this.fds) >>> 0, true);
  }

  loadEnv(dv: DataView, off: number): void {
    this.setControlWord(dv.getUint16(off, true));
    this.setStatusWord(dv.getUint16(off + 4, true));
    this.setTagWord(dv.getUint16(off + 8, true));
    this.fip = dv.getUint32(off + 12, true);
    this.fop = (dv.getUint32(off + 16, true) >>> 16) & 0x7ff;
    this.fdp = dv.getUint32(off + 20, true);
    this.fcs = 0; this.fds = 0;
  }

  /** FNSAVE image (108 bytes): the environment, then ST(0)..ST(7) as 10-byte values (SDM Vol. 1 Figure 8-11). */
  storeState(dv: DataView, off: number): void {
    this.storeEnv(dv, off);
    for (let i = 0; i < 8; i++) this.storeReg80(dv, off + 28 + 10 * i, this.phys(i));
  }

  loadState(dv: DataView, off: number): void {
    this.loadEnv(dv, off);
    for (let i = 0; i < 8; i++) this.loadReg80(dv, off + 28 + 10 * i, this.phys(i));
  }

  private storeReg80(dv: DataView, at: number, p: number): void {
    dv.setUint32(at, this.sigLo[p]!, true);
    dv.setUint32(at + 4, this.sigHi[p]!, true);
    dv.setUint16(at + 8, this.se[p]!, true);
  }

  private loadReg80(dv: DataView, at: number, p: number): void {
    this.sigLo[p] = dv.getUint32(at, true);
    this.sigHi[p] = dv.getUint32(at + 4, true);
    this.se[p] = dv.getUint16(at + 8, true);
  }
}

const TWO32 = 4294967296;

function low32(v: number): number { return (v - Math.floor(v / TWO32) * TWO32) >>> 0; }

/** A linear address held in a double (signed canonical) as a 64-bit little-endian field. */
function setU64(dv: DataView, at: number, v: number): void {
  const h = Math.floor(v / TWO32);
  dv.setUint32(at, (v - h * TWO32) >>> 0, true);
  dv.setUint32(at + 4, h >>> 0, true);
}

function getU64(dv: DataView, at: number): number {
  return dv.getInt32(at + 4, true) * TWO32 + dv.getUint32(at, true);
}
