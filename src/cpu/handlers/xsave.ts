/**
 * Processor extended state save and restore: FXSAVE/FXRSTOR (SDM Vol. 1
 * §10.5, Vol. 2 "FXSAVE"), the XSAVE feature set (Vol. 1 ch. 13, Vol. 2
 * "XSAVE", "XRSTOR", "XSAVEOPT", "XSAVEC") and XGETBV/XSETBV.
 *
 * The legacy region's x87 bytes (FCW, FSW, abridged FTW, FOP, FIP/FDP,
 * ST0–ST7) belong to the x87 unit (`core.x87.fxsaveLegacy/fxrstorLegacy`);
 * MXCSR, MXCSR_MASK and XMM0–15 are written here.
 */
import { Mnemonic, type Instruction } from 'iced-x86';
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { Fault, Vector } from '../fault.js';
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXSAVE } from '../coreMemory.js';
import { ACC_READ, ACC_WRITE } from '../paging.js';
import { MXCSR_MASK } from '../simd/mxcsr.js';
import type { SpecEntry } from './spec.js';
import { RAX, RCX, RDX } from '../registers.js';
import { ExitReason } from '../../vmx/reasons.js';
import { unconditionalExit } from '../../vmx/nonroot.js';

/** Byte offsets in the 512-byte legacy region (SDM Vol. 1 Table 10-2). */
export const FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_XMM = 160;
/** The legacy region's bytes FXSAVE writes (464–511 are left for software; 416–463 reserved, untouched). */
const FX_WRITTEN = 416;

/**
 * op.sel of FXSAVE/FXRSTOR and the XSAVE family: the XsaveKind in the Kind
 * field, and RexW for the REX.W forms (FXSAVE64, XSAVE64...: the x87
 * pointers in their 64-bit layout). None: FXSAVE, FXRSTOR, XSAVE, XRSTOR.
 */
const enum SaveBits { None = 0, Kind = 3, RexW = 4 }
/** XSAVE (every requested component), XSAVEOPT (the init optimization), XSAVEC (compacted). */
const enum XsaveKind { Standard = 0, Opt = 1, Compacted = 2 }
const isRexW = (op: Op): boolean => (op.sel & SaveBits.RexW) !== 0;

/** Scratch image of a save area (legacy region + XSAVE header + AVX state + room). */
const img = new Uint8Array(1024);
const imgDv = new DataView(img.buffer);
const imgU32 = new Uint32Array(img.buffer);

/** FXSAVE/FXRSTOR and XSAVE*: #NM if CR0.TS or CR0.EM is set (SDM "FXSAVE" and "XSAVE" protected-mode exceptions). */
function checkFx(c: Core, what: string): void {
  if ((c.cr0 & CR0_EM) !== 0) throw new Fault(Vector.NM, null, `${what} with CR0.EM = 1`);
  if ((c.cr0 & CR0_TS) !== 0) throw new Fault(Vector.NM, null, `${what} with CR0.TS = 1`);
}

function alignedArea(c: Core, op: Op, align: number, what: string): number {
  const a = c.ea(op);
  if ((a & (align - 1)) !== 0) throw new Fault(Vector.GP, 0, `${what} area at 0x${a.toString(16)} is not ${align}-byte aligned`);
  return a;
}

/** Write img[from..to) (16-byte units) to linear `a + from`, after checking both ends are writable (a fault then changes nothing). */
function storeImage(c: Core, a: number, from: number, to: number): void {
  c.translate(a + from, ACC_WRITE);
  c.translate(a + to - 1, ACC_WRITE);
  for (let o = from; o < to; o += 16) c.writeVec(a + o, 16, imgU32, o >> 2);
}

function loadImage(c: Core, a: number, from: number, to: number): void {
  c.translate(a + from, ACC_READ);
  c.translate(a + to - 1, ACC_READ);
  for (let o = from; o < to; o += 16) c.readVec(a + o, 16, imgU32, o >> 2);
}

/** The legacy region's SSE part: MXCSR, MXCSR_MASK, XMM0–15 (low 128 bits). */
function saveSseLegacy(c: Core, withXmm: boolean): void {
  imgDv.setUint32(FX_MXCSR, c.mxcsr, true);
  imgDv.setUint32(FX_MXCSR_MASK, MXCSR_MASK, true);
  if (withXmm) for (let r = 0; r < 16; r++) for (let k = 0; k < 4; k++) imgU32[(FX_XMM >> 2) + 4 * r + k] = c.xmm[8 * r + k]!;
}

function restoreXmm(c: Core): void {
  for (let r = 0; r < 16; r++) for (let k = 0; k < 4; k++) c.xmm[8 * r + k] = imgU32[(FX_XMM >> 2) + 4 * r + k]!;
}

function checkMxcsr(v: number, what: string): void {
  if ((v & ~MXCSR_MASK) !== 0) throw new Fault(Vector.GP, 0, `${what}: MXCSR image 0x${(v >>> 0).toString(16)} sets reserved bits`);
}

/**
 * FXSAVE/FXSAVE64: the x87 part, then MXCSR, MXCSR_MASK and XMM0–15. With
 * CR4.OSFXSR = 0 the XMM registers are not saved (SDM "FXSAVE": the
 * behaviour is implementation dependent; this machine skips them).
 */
function fxsave(c: Core, op: Op): void {
  checkFx(c, 'FXSAVE');
  const a = alignedArea(c, op, 16, 'FXSAVE');
  c.x87.fxsaveLegacy(img, 0, isRexW(op));
  saveSseLegacy(c, (c.cr4 & CR4_OSFXSR) !== 0);
  storeImage(c, a, 0, FX_WRITTEN);
}

function fxrstor(c: Core, op: Op): void {
  checkFx(c, 'FXRSTOR');
  const a = alignedArea(c, op, 16, 'FXRSTOR');
  loadImage(c, a, 0, FX_WRITTEN);
  const mx = imgDv.getUint32(FX_MXCSR, true);
  checkMxcsr(mx, 'FXRSTOR');
  c.x87.fxrstorLegacy(img, 0, isRexW(op));
  if ((c.cr4 & CR4_OSFXSR) !== 0) {
    c.mxcsr = mx;
    restoreXmm(c);
  }
}

// ------------------------------------------------------------ XSAVE family

/** XSAVE area layout (SDM Vol. 1 §13.4): the header, and component 2 (AVX: YMM_Hi128) in both formats. */
export const XSAVE_HEADER = 512, XSAVE_AVX = 576, XSAVE_AVX_SIZE = 256;
/** Standard-format size for the enabled components (CPUID.(EAX=0DH,ECX=0):EBX). */
export function xsaveSize(xcr0: number): number { return (xcr0 & 4) !== 0 ? XSAVE_AVX + XSAVE_AVX_SIZE : XSAVE_HEADER + 64; }

/**
 * XINUSE (SDM Vol. 1 §13.6): a component is tracked as in use unless its
 * state is its initial configuration — x87 as FNINIT leaves it, SSE with
 * XMM0–15 zero (MXCSR is not part of the test), AVX with the upper halves
 * of YMM0–15 zero. The processor may report a component in use when it is
 * not; this machine reports exactly.
 */
function xinuse(c: Core): number {
  let v = c.x87.isInitState() ? 0 : 1;
  const x = c.xmm;
  let sse = 0, avx = 0;
  for (let r = 0; r < 16; r++) {
    const b = r << 3;
    sse |= x[b]! | x[b + 1]! | x[b + 2]! | x[b + 3]!;
    avx |= x[b + 4]! | x[b + 5]! | x[b + 6]! | x[b + 7]!;
  }
  if (sse !== 0) v |= 2;
  if (avx !== 0) v |= 4;
  return v;
}

function checkXsave(c: Core, what: string): void {
  if ((c.cr4 & CR4_OSXSAVE) === 0) throw new Fault(Vector.UD, null, `${what} with CR4.OSXSAVE = 0`);
  checkFx(c, what);
}

/** RFBM = XCR0 AND EDX:EAX (only bits 2:0 can be set in XCR0 here). */
const rfbmOf = (c: Core): number => c.xcr0 & c.lo[RAX]!;

function saveAvx(c: Core, off: number): void {
  for (let r = 0; r < 16; r++) for (let k = 0; k < 4; k++) imgU32[((off >> 2) + 4 * r) + k] = c.xmm[8 * r + 4 + k]!;
}

/** Write the image's pieces that a save produced: [from, to) ranges in 16-byte units. */
function storeRanges(c: Core, a: number, ranges: number[]): void {
  for (let i = 0; i < ranges.length; i += 2) {
    c.translate(a + ranges[i]!, ACC_WRITE);
    c.translate(a + ranges[i + 1]! - 1, ACC_WRITE);
  }
  for (let i = 0; i < ranges.length; i += 2) for (let o = ranges[i]!; o < ranges[i + 1]!; o += 16) c.writeVec(a + o, 16, imgU32, o >> 2);
}

/**
 * XSAVE / XSAVEOPT / XSAVEC (SDM Vol. 1 §13.7, §13.9, §13.10), by the
 * XsaveKind in op.sel: Standard, XSAVE (every requested component;
 * XSTATE_BV[i] = XINUSE[i] for i in RFBM, other header bytes untouched);
 * Opt, XSAVEOPT (the init optimization: a component in its initial
 * configuration is not written; MXCSR is written whenever SSE or AVX is
 * requested; the modified optimization is not used); Compacted, XSAVEC
 * (XSTATE_BV = RFBM AND (XINUSE, with SSE in use also when MXCSR ≠ 1F80H),
 * XCOMP_BV = RFBM | bit 63, the rest of the header zeroed; only those
 * components written).
 */
function xsave(c: Core, op: Op): void {
  const kind = (op.sel & SaveBits.Kind) as XsaveKind;
  checkXsave(c, kind === XsaveKind.Standard ? 'XSAVE' : kind === XsaveKind.Opt ? 'XSAVEOPT' : 'XSAVEC');
  const a = alignedArea(c, op, 64, 'XSAVE');
  const rfbm = rfbmOf(c);
  let inuse = xinuse(c);
  const ranges: number[] = [];
  // The header's XSTATE_BV is read-modify-written by the standard forms.
  c.readVec(a + XSAVE_HEADER, 16, imgU32, XSAVE_HEADER >> 2);
  if (kind === XsaveKind.Compacted && c.mxcsr !== 0x1f80) inuse |= 2;
  const save = kind === XsaveKind.Standard ? rfbm : rfbm & inuse;
  if (save & 1) { c.x87.fxsaveLegacy(img, 0, isRexW(op)); ranges.push(0, 160); }
  if ((kind === XsaveKind.Compacted ? save & 2 : rfbm & 6) !== 0) {
    imgDv.setUint32(FX_MXCSR, c.mxcsr, true);
    imgDv.setUint32(FX_MXCSR_MASK, MXCSR_MASK, true);
    // MXCSR and MXCSR_MASK share bytes 16–31 with FDP/FDS; that unit is rewritten only with its owner's bytes.
    if ((save & 1) === 0) { c.readVec(a + 16, 16, imgU32, 4); imgDv.setUint32(FX_MXCSR, c.mxcsr, true); imgDv.setUint32(FX_MXCSR_MASK, MXCSR_MASK, true); ranges.push(16, 32); }
  }
  if (save & 2) { saveSseLegacy(c, true); ranges.push(FX_XMM, FX_XMM + 256); }
  if (save & 4) { saveAvx(c, XSAVE_AVX); ranges.push(XSAVE_AVX, XSAVE_AVX + XSAVE_AVX_SIZE); }
  const lo = imgDv.getUint32(XSAVE_HEADER, true);
  if (kind === XsaveKind.Compacted) {
    for (let o = XSAVE_HEADER; o < XSAVE_HEADER + 64; o += 4) imgDv.setUint32(o, 0, true);
    imgDv.setUint32(XSAVE_HEADER, rfbm & inuse, true);
    imgDv.setUint32(XSAVE_HEADER + 8, rfbm, true);
    imgDv.setUint32(XSAVE_HEADER + 12, 0x80000000, true);
    ranges.push(XSAVE_HEADER, XSAVE_HEADER + 64);
  } else {
    imgDv.setUint32(XSAVE_HEADER, (lo & ~rfbm) | (inuse & rfbm), true);
    ranges.push(XSAVE_HEADER, XSAVE_HEADER + 16);
  }
  storeRanges(c, a, ranges);
}

/**
 * XRSTOR (SDM Vol. 1 §13.8): RFBM = XCR0 AND EDX:EAX; the header decides
 * between the standard form (XCOMP_BV[63] = 0: #GP if XSTATE_BV sets a bit
 * outside XCR0 or header bytes 8–23 are not zero; MXCSR is loaded whenever
 * SSE or AVX is requested) and the compacted form (#GP if XCOMP_BV names a
 * component outside XCR0, XSTATE_BV a component outside XCOMP_BV, or bytes
 * 16–63 are not zero; MXCSR belongs to component 1). A requested component
 * whose XSTATE_BV bit is clear is initialized. #GP for a reserved MXCSR bit;
 * every check comes before any state changes.
 */
function xrstor(c: Core, op: Op): void {
  checkXsave(c, 'XRSTOR');
  const a = alignedArea(c, op, 64, 'XRSTOR');
  const rfbm = rfbmOf(c);
  loadImage(c, a, XSAVE_HEADER, XSAVE_HEADER + 64);
  const bv = imgDv.getUint32(XSAVE_HEADER, true), bvHi = imgDv.getUint32(XSAVE_HEADER + 4, true);
  const comp = imgDv.getUint32(XSAVE_HEADER + 8, true), compHi = imgDv.getUint32(XSAVE_HEADER + 12, true);
  const compacted = (compHi & 0x80000000) !== 0;
  if (bvHi !== 0 || (bv & ~c.xcr0) !== 0) throw new Fault(Vector.GP, 0, `XRSTOR: XSTATE_BV 0x${bv.toString(16)} names components not enabled in XCR0`);
  if (!compacted) {
    for (let o = 8; o < 24; o += 4) if (imgDv.getUint32(XSAVE_HEADER + o, true) !== 0) throw new Fault(Vector.GP, 0, 'XRSTOR: header bytes 8–23 are not zero (standard form)');
  } else {
    if ((compHi & 0x7fffffff) !== 0 || (comp & ~c.xcr0) !== 0) throw new Fault(Vector.GP, 0, `XRSTOR: XCOMP_BV names components not enabled in XCR0`);
    if ((bv & ~comp) !== 0) throw new Fault(Vector.GP, 0, 'XRSTOR: XSTATE_BV names components XCOMP_BV does not');
    for (let o = 16; o < 64; o += 4) if (imgDv.getUint32(XSAVE_HEADER + o, true) !== 0) throw new Fault(Vector.GP, 0, 'XRSTOR: header bytes 16–63 are not zero (compacted form)');
  }
  const load = rfbm & bv;
  const needLegacy = (load & 3) !== 0 || (!compacted && (rfbm & 6) !== 0);
  if (needLegacy) loadImage(c, a, 0, FX_XMM + 256);
  if (load & 4) loadImage(c, a, XSAVE_AVX, XSAVE_AVX + XSAVE_AVX_SIZE);
  const loadMx = compacted ? (load & 2) !== 0 : (rfbm & 6) !== 0;
  const mx = imgDv.getUint32(FX_MXCSR, true);
  if (loadMx) checkMxcsr(mx, 'XRSTOR');
  // State changes from here on.
  if (rfbm & 1) { if (load & 1) c.x87.fxrstorLegacy(img, 0, isRexW(op)); else c.x87.init(true); }
  if (rfbm & 2) {
    if (load & 2) restoreXmm(c);
    else for (let r = 0; r < 16; r++) for (let k = 0; k < 4; k++) c.xmm[8 * r + k] = 0;
    if (compacted && (load & 2) === 0) c.mxcsr = 0x1f80;
  }
  if (loadMx) c.mxcsr = mx;
  if (rfbm & 4) {
    for (let r = 0; r < 16; r++) for (let k = 0; k < 4; k++) c.xmm[8 * r + 4 + k] = (load & 4) !== 0 ? imgU32[(XSAVE_AVX >> 2) + 4 * r + k]! : 0;
  }
}

// ------------------------------------------------------------ XGETBV / XSETBV

/** XCR0 bits this machine supports: x87 (0), SSE (1), AVX (2) (SDM Vol. 1 §13.3). */
export const XCR0_SUPPORTED = 0x7;

/** XGETBV (SDM "XGETBV"): #UD if CR4.OSXSAVE = 0; ECX = 0 reads XCR0; other indices #GP(0). */
function xgetbv(c: Core, _op: Op): void {
  if ((c.cr4 & CR4_OSXSAVE) === 0) throw new Fault(Vector.UD, null, 'XGETBV with CR4.OSXSAVE = 0');
  const idx = c.lo[RCX]! >>> 0;
  if (idx !== 0) throw new Fault(Vector.GP, 0, `XGETBV of XCR${idx} (only XCR0 exists on this machine)`);
  c.setReg(RAX, 0, 4, c.xcr0, 0);
  c.setReg(RDX, 0, 4, 0, 0);
}

/**
 * XSETBV (SDM "XSETBV"): #UD if CR4.OSXSAVE = 0; #GP(0) at CPL > 0, for an
 * XCR other than XCR0, for unsupported bits, with bit 0 clear, or with AVX
 * set but SSE clear. In VMX non-root operation it exits unconditionally
 * (SDM Vol. 3C §25.1.2, exit reason 55), after the #UD and CPL checks, which
 * have priority over VM exits (§25.1.1); the VMM checks the value.
 */
function xsetbv(c: Core, _op: Op): void {
  if ((c.cr4 & CR4_OSXSAVE) === 0) throw new Fault(Vector.UD, null, 'XSETBV with CR4.OSXSAVE = 0');
  if (c.cpl !== 0) throw new Fault(Vector.GP, 0, `XSETBV at CPL ${c.cpl}`);
  if (c.nonRoot) unconditionalExit(ExitReason.Xsetbv);
  const idx = c.lo[RCX]! >>> 0;
  const lo = c.lo[RAX]! >>> 0, hi = c.lo[RDX]! >>> 0;
  if (idx !== 0) throw new Fault(Vector.GP, 0, `XSETBV of XCR${idx}`);
  if (hi !== 0 || (lo & ~XCR0_SUPPORTED) !== 0) throw new Fault(Vector.GP, 0, `XSETBV XCR0 = 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} sets unsupported bits`);
  if ((lo & 1) === 0) throw new Fault(Vector.GP, 0, 'XSETBV clearing XCR0 bit 0 (x87)');
  if ((lo & 6) === 4) throw new Fault(Vector.GP, 0, 'XSETBV enabling AVX state without SSE state');
  c.xcr0 = lo;
  c.requestBlockExit();
}

/** op.sel: `kind`, with SaveBits.RexW when the instruction is the `wide` (REX.W) form. */
const form = (kind: XsaveKind, wide: Mnemonic) => (op: Op, ins: Instruction) => {
  op.sel = kind | (ins.mnemonic === wide ? SaveBits.RexW : SaveBits.None);
};

export const xsaveSpecs: SpecEntry[] = [
  [[Mnemonic.Fxsave, Mnemonic.Fxsave64], { exec: fxsave, cls: 'fxsave', setup: form(XsaveKind.Standard, Mnemonic.Fxsave64) }],
  [[Mnemonic.Fxrstor, Mnemonic.Fxrstor64], { exec: fxrstor, cls: 'fxrstor', setup: form(XsaveKind.Standard, Mnemonic.Fxrstor64) }],
  [[Mnemonic.Xsave, Mnemonic.Xsave64], { exec: xsave, cls: 'xsave', setup: form(XsaveKind.Standard, Mnemonic.Xsave64) }],
  [[Mnemonic.Xsaveopt, Mnemonic.Xsaveopt64], { exec: xsave, cls: 'xsave', setup: form(XsaveKind.Opt, Mnemonic.Xsaveopt64) }],
  [[Mnemonic.Xsavec, Mnemonic.Xsavec64], { exec: xsave, cls: 'xsave', setup: form(XsaveKind.Compacted, Mnemonic.Xsavec64) }],
  [[Mnemonic.Xrstor, Mnemonic.Xrstor64], { exec: xrstor, cls: 'xrstor', setup: form(XsaveKind.Standard, Mnemonic.Xrstor64) }],
  [Mnemonic.Xgetbv, { exec: xgetbv, cls: 'xgetbv' }],
  [Mnemonic.Xsetbv, { exec: xsetbv, cls: 'xsetbv', ends: true }],
];

