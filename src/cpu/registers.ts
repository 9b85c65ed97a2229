/**
 * General-purpose register file layout and the map from iced-x86's Register
 * enum to (index, size, high-byte) triples used by decoded ops.
 *
 * Each 64-bit register lives as two int32 halves (`lo[i]`, `hi[i]`): V8 keeps
 * int32 values unboxed, so adds, compares and address arithmetic stay in
 * machine integers; BigInt is reserved for the 128-bit divide slow path.
 */
import { Register } from 'iced-x86';

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Segment register numbers in SDM order (ES, CS, SS, DS, FS, GS). */
export const SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5;

export interface GprInfo { index: number; size: number; highByte: boolean; }

const byName = new Map<number, GprInfo>();
function add(names: string[], size: number) {
  names.forEach((n, i) => {
    const r = (Register as unknown as Record<string, number>)[n];
    if (r === undefined) throw new Error(`iced-x86 has no register ${n}`);
    byName.set(r, { index: i, size, highByte: false });
  });
}
add(['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'], 8);
add(['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI', 'R8D', 'R9D', 'R10D', 'R11D', 'R12D', 'R13D', 'R14D', 'R15D'], 4);
add(['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI', 'R8W', 'R9W', 'R10W', 'R11W', 'R12W', 'R13W', 'R14W', 'R15W'], 2);
add(['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL', 'R8L', 'R9L', 'R10L', 'R11L', 'R12L', 'R13L', 'R14L', 'R15L'], 1);
// Legacy high-byte registers (no REX prefix): bits 15:8 of RAX/RCX/RDX/RBX.
['AH', 'CH', 'DH', 'BH'].forEach((n, i) => byName.set((Register as unknown as Record<string, number>)[n]!, { index: i, size: 1, highByte: true }));

export function gprInfo(r: Register): GprInfo | undefined { return byName.get(r); }

export function segIndex(r: Register): number {
  switch (r) {
    case Register.ES: return SEG_ES;
    case Register.CS: return SEG_CS;
    case Register.SS: return SEG_SS;
    case Register.DS: return SEG_DS;
    case Register.FS: return SEG_FS;
    case Register.GS: return SEG_GS;
    default: return -1;
  }
}

/** XMM0–15 (16 bytes) and YMM0–15 (32 bytes); XMM16+ and ZMM are AVX-512, which this machine does not have. */
export interface VecInfo { index: number; size: number; }
const vecByReg = new Map<number, VecInfo>();
for (let i = 0; i < 16; i++) {
  vecByReg.set((Register as unknown as Record<string, number>)[`XMM${i}`]!, { index: i, size: 16 });
  vecByReg.set((Register as unknown as Record<string, number>)[`YMM${i}`]!, { index: i, size: 32 });
}
export function vecInfo(r: Register): VecInfo | undefined { return vecByReg.get(r); }
