/**
 * Vector operand access shared by the SSE/AVX handler families: the
 * availability checks of SDM Vol. 3A §13.1–13.2 / Vol. 2 §2.8 (CR0.EM/TS,
 * CR4.OSFXSR/OSXSAVE, XCR0), second-source loads with the alignment rules,
 * committing a result with the VEX upper-half zeroing, and the end of a
 * floating-point instruction (flags into MXCSR, unmasked exceptions → #XM).
 */
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { Fault, Vector } from '../fault.js';
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_OSXSAVE } from '../coreMemory.js';
import { MX_IE, MX_DE, MX_ZE, MX_MASK_SHIFT, MX_FLAGS } from './mxcsr.js';
import { env } from './softfloat.js';
export { VecViews } from './views.js';

/**
 * Legacy SSE (SDM Vol. 3A §13.1.4, Vol. 2 Table 2-? "Exception conditions
 * for legacy SIMD"): #UD if CR0.EM = 1 or CR4.OSFXSR = 0, then #NM if
 * CR0.TS = 1. VEX (SDM Vol. 2 §2.8, Table 2-17): #UD if CR4.OSXSAVE = 0 or
 * XCR0[2:1] ≠ 11b (CR0.EM is not consulted), then #NM if CR0.TS = 1.
 */
export function simdAvail(c: Core, op: Op): void {
  if (op.vex) {
    if ((c.cr4 & CR4_OSXSAVE) === 0 || (c.xcr0 & 6) !== 6 || (c.cr0 & CR0_TS) !== 0) avxFault(c);
  } else if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0 || (c.cr4 & CR4_OSFXSR) === 0) sseFault(c);
}

function sseFault(c: Core): never {
  if ((c.cr0 & CR0_EM) !== 0) throw new Fault(Vector.UD, null, 'SSE instruction with CR0.EM = 1');
  if ((c.cr4 & CR4_OSFXSR) === 0) throw new Fault(Vector.UD, null, 'SSE instruction with CR4.OSFXSR = 0 (the OS has not enabled SSE)');
  throw new Fault(Vector.NM, null, 'SSE instruction with CR0.TS = 1');
}

function avxFault(c: Core): never {
  if ((c.cr4 & CR4_OSXSAVE) === 0) throw new Fault(Vector.UD, null, 'VEX instruction with CR4.OSXSAVE = 0');
  if ((c.xcr0 & 6) !== 6) throw new Fault(Vector.UD, null, `VEX instruction with XCR0[2:1] = ${(c.xcr0 >> 1) & 3} (SSE and AVX state not both enabled)`);
  throw new Fault(Vector.NM, null, 'VEX instruction with CR0.TS = 1');
}

/** Linear address of the vector op's memory operand, with its alignment check (#GP(0), SDM Vol. 2 per instruction). */
export function vecEa(c: Core, op: Op): number {
  const a = c.ea(op);
  if (op.align !== 0 && (a & (op.align - 1)) !== 0) throw new Fault(Vector.GP, 0, `misaligned ${op.align}-byte vector memory operand at 0x${a.toString(16)}`);
  return a;
}

/** The second source into `c.vs` (a register copy, or `op.msz` bytes loaded from memory). */
export function loadB(c: Core, op: Op): void {
  const vs = c.vs;
  if (op.kb === K.Vec) {
    const x = c.xmm, b = op.rb << 3;
    vs[0] = x[b]!; vs[1] = x[b + 1]!; vs[2] = x[b + 2]!; vs[3] = x[b + 3]!;
    if (op.vl === 32) { vs[4] = x[b + 4]!; vs[5] = x[b + 5]!; vs[6] = x[b + 6]!; vs[7] = x[b + 7]!; }
    return;
  }
  loadMem(c, op, vecEa(c, op), op.msz);
}

/** Load `n` bytes at `a` into `c.vs` (low bytes; n = 1, 2, 4, 8, 16 or 32). */
export function loadMem(c: Core, op: Op, a: number, n: number): void {
  const vs = c.vs;
  if (n >= 16) { c.readVec(a, n, vs, 0); return; }
  void op;
  if (n === 8) { vs[0] = c.read(a, 8); vs[1] = c.tHi; return; }
  vs[0] = c.read(a, n);
}

/** Store `n` bytes from dwords `src[at..]` to `a`. */
export function storeMem(c: Core, a: number, n: number, src: Uint32Array, at: number): void {
  if (n >= 16) { c.writeVec(a, n, src, at); return; }
  if (n === 8) { c.write(a, 8, src[at]! | 0, src[at + 1]! | 0); return; }
  c.write(a, n, src[at]! | 0, 0);
}

/**
 * Write `c.vr` to the destination register: `dwords` of it (4 for an XMM
 * result, 8 for YMM). Legacy SSE leaves bits 255:128 alone; VEX.128 zeroes
 * them (SDM Vol. 1 §14.1.2.? "VEX.128 ... upper bits zeroed").
 */
export function commit(c: Core, op: Op, dwords: number): void {
  const x = c.xmm, vr = c.vr, d = op.vd << 3;
  for (let i = 0; i < dwords; i++) x[d + i] = vr[i]!;
  if (op.vex) for (let i = dwords; i < 8; i++) x[d + i] = 0;
}

/** Copy register `r`'s dwords into `c.vr` (the parts of a result an op passes through). */
export function copyToVr(c: Core, r: number, dwords: number): void {
  const x = c.xmm, vr = c.vr, s = r << 3;
  for (let i = 0; i < dwords; i++) vr[i] = x[s + i]!;
}

/**
 * End of a SIMD floating-point instruction (SDM Vol. 1 §11.5.1–11.5.2):
 * pre-computation exceptions (IE, DE, ZE) are found for every element
 * first; if one of them is unmasked only those flags are set and the
 * exception is taken. Otherwise every flag is set, and an unmasked
 * post-computation exception (OE, UE, PE) is taken. Taking it: #XM when
 * CR4.OSXMMEXCPT = 1, else #UD; the destination is left unchanged (the
 * caller commits only after this returns).
 */
export function finishFp(c: Core): void {
  const f = env.flags;
  if (f === 0) return;
  const unmasked = f & ~(c.mxcsr >> MX_MASK_SHIFT) & MX_FLAGS;
  if (unmasked !== 0) {
    const preFlags = MX_IE | MX_DE | MX_ZE;
    c.mxcsr |= (unmasked & preFlags) !== 0 ? f & preFlags : f;
    if ((c.cr4 & CR4_OSXMMEXCPT) === 0) throw new Fault(Vector.UD, null, 'unmasked SIMD floating-point exception with CR4.OSXMMEXCPT = 0');
    throw new Fault(Vector.XM, null, `SIMD floating-point exception (MXCSR 0x${c.mxcsr.toString(16)})`);
  }
  c.mxcsr |= f;
}

/**
 * Put the operands in normal form (see Op.vd/va/kb/rb): VEX forms with a
 * vector or memory third operand read (op1, op2); everything else is the
 * two-operand legacy shape (dest, src) with the destination as first source.
 */
export function vform(op: Op): void {
  op.vd = op.r0;
  if (op.vex && (op.k2 === K.Vec || op.k2 === K.Mem || op.k2 === K.Reg) && op.k1 === K.Vec) { op.va = op.r1; op.kb = op.k2; op.rb = op.r2; }
  else { op.va = op.r0; op.kb = op.k1; op.rb = op.r1; }
}
