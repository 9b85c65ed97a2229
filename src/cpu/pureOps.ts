/**
 * Register-only instructions: those a core may execute ahead of the global
 * (time, id) order (docs/architecture.md "Run-ahead"). Such an instruction
 * reads and writes only the core's general registers, arithmetic flags, RIP
 * and clock; it touches no memory (LEA and NOP only name a memory operand),
 * no device, no system state, and cannot fault. RDTSC is one: it reads the
 * core's own clock (floor(time) + the TSC offset), which nothing another
 * core does can move, and run-ahead is off in VMX non-root operation, where
 * it may exit. Nothing another core does can change what it computes, and it
 * changes nothing another core can see, so when it runs in host order makes
 * no difference — only when an interrupt could reach the core, which the
 * scheduler's run-ahead bound accounts for.
 *
 * A table by mnemonic, then operand checks: no memory operand (but for LEA
 * and NOP), no vector register, no prefix that changes meaning, and branches
 * only when direct (an indirect JMP's target could be non-canonical: #GP).
 */
import { Mnemonic } from 'iced-x86';
import { K, type Op } from './op.js';

const PURE = new Set<number>([
  Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Lea, Mnemonic.Nop, Mnemonic.Xchg,
  Mnemonic.Add, Mnemonic.Sub, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor,
  Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not,
  Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Imul,
  Mnemonic.Bswap, Mnemonic.Cdqe, Mnemonic.Cwde, Mnemonic.Cdq, Mnemonic.Cqo, Mnemonic.Bt, Mnemonic.Rdtsc,
  Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
  Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
  Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
]);

const BRANCH = new Set<number>([
  Mnemonic.Jmp,
  Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
  Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
]);

/** True when `op` is register-only (above); decided once, at decode. */
export function isPure(op: Op): boolean {
  if (op.lock || op.rep !== 0) return false;
  if (BRANCH.has(op.mnemonic)) return op.k0 === K.None; // rel8/rel32: the target is in op.target
  if (!PURE.has(op.mnemonic)) return false;
  const ks = [op.k0, op.k1, op.k2, op.k3];
  if (ks.includes(K.Vec) || op.kb !== K.None) return false;
  // A segment, control or debug register (MOV to SS, to CR3...) is system state: the decoder marks it r = -1.
  const rs = [op.r0, op.r1, op.r2, op.r3];
  for (let i = 0; i < 4; i++) if (ks[i] === K.Reg && rs[i]! < 0) return false;
  if (op.mnemonic === Mnemonic.Lea || op.mnemonic === Mnemonic.Nop) return true; // the memory operand is only an address
  return !ks.includes(K.Mem);
}
