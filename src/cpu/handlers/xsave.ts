/**
 * Processor extended state save and restore: FXSAVE/FXRSTOR (SDM Vol. 1
 * §10.5, Vol. 2 "FXSAVE"), the XSAVE feature set (Vol. 1 ch. 13, Vol. 2
 * "XSAVE", "XRSTOR", "XSAVEOPT", "XSAVEC") and XGETBV/XSETBV.
 *
 * The legacy region's x87 bytes (FCW, FSW, abridged FTW, FOP, FIP/FDP,
 * ST0–ST7) belong to the x87 unit (`core.x87.fxsaveLegacy/fxrstorLegacy`);
 * MXCSR, MXCSR_MASK and XMM0–15 are written here.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { Fault, Vector } from '../fault.js';
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXSAVE } from '../coreMemory.js';
import { ACC_READ, ACC_WRITE } from '../paging.js';
import { MXCSR_MASK } from '../simd/mxcsr.js';
import type { SpecEntry } from './spec.js';
import { RAX, RCX, RDX } from '../registers.js';

/** Byte offsets in the 512-byte legacy region (SDM Vol. 1 Table 10-2). */
export const FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_XMM = 160;
/** The legacy region's bytes FXSAVE writes (464–511 are left for software; 416–463 reserved, untouched). */
const FX_WRITTEN = 416;

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
  c.x87.fxsaveLegacy(img, 0);
  saveSseLegacy(c, (c.cr4 & CR4_OSFXSR) !== 0);
  storeImage(c, a, 0, FX_WRITTEN);
}

function fxrstor(c: Core, op: Op): void {
  checkFx(c, 'FXRSTOR');
  const a = alignedArea(c, op, 16, 'FXRSTOR');
  loadImage(c, a, 0, FX_WRITTEN);
  const mx = imgDv.getUint32(FX_MXCSR, true);
  checkMxcsr(mx, 'FXRSTOR');
  c.x87.fxrstorLegacy(img, 0);
  if ((c.cr4 & CR4_OSFXSR) !== 0) {
    c.mxcsr = mx;
    restoreXmm(c);
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
 * set but SSE clear.
 */
function xsetbv(c: Core, _op: Op): void {
  if ((c.cr4 & CR4_OSXSAVE) === 0) throw new Fault(Vector.UD, null, 'XSETBV with CR4.OSXSAVE = 0');
  if (c.cpl !== 0) throw new Fault(Vector.GP, 0, `XSETBV at CPL ${c.cpl}`);
  const idx = c.lo[RCX]! >>> 0;
  const lo = c.lo[RAX]! >>> 0, hi = c.lo[RDX]! >>> 0;
  if (idx !== 0) throw new Fault(Vector.GP, 0, `XSETBV of XCR${idx}`);
  if (hi !== 0 || (lo & ~XCR0_SUPPORTED) !== 0) throw new Fault(Vector.GP, 0, `XSETBV XCR0 = 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} sets unsupported bits`);
  if ((lo & 1) === 0) throw new Fault(Vector.GP, 0, 'XSETBV clearing XCR0 bit 0 (x87)');
  if ((lo & 6) === 4) throw new Fault(Vector.GP, 0, 'XSETBV enabling AVX state without SSE state');
  c.xcr0 = lo;
  c.requestBlockExit();
}

export const xsaveSpecs: SpecEntry[] = [
  [[Mnemonic.Fxsave, Mnemonic.Fxsave64], { exec: fxsave, cls: 'fxsave' }],
  [[Mnemonic.Fxrstor, Mnemonic.Fxrstor64], { exec: fxrstor, cls: 'fxrstor' }],
  [Mnemonic.Xgetbv, { exec: xgetbv, cls: 'xgetbv' }],
  [Mnemonic.Xsetbv, { exec: xsetbv, cls: 'xsetbv', ends: true }],
];

