/**
 * A decoded instruction in the compact form the executor runs. Decoding with
 * iced-x86 happens once per code address (DecodeCache); afterwards only these
 * plain fields are read. Every Op has the same shape (all fields initialized
 * in the constructor) so handler property loads stay monomorphic.
 *
 * An op's form (form.ts) says what it does; its operand descriptors (kinds,
 * registers, sizes, address form) say with what. Blocks of Ops end at
 * control transfers; the block compiler (blockCompiler.ts) turns a hot
 * Block into one JavaScript function from those same fields.
 */
import type { Core } from './core.js';
import { Form } from './form.js';

export type Handler = (c: Core, op: Op) => void;

/** Operand kinds. */
/** Operand kinds: Vec is an XMM/YMM register (r = its number 0–15). */
export const enum K { None = 0, Reg = 1, Mem = 2, Imm = 3, Vec = 4 }

export class Op {
  /** What the op does (form.ts): chosen at decode, read by the interpreter (through `exec`) and the compiler. */
  form: Form = Form.Handler;
  /** The handler the interpreter calls: the form's, or for Form.Handler the opcode table's. */
  exec: Handler;
  /** Linear address of the instruction, and of the next one. */
  rip = 0;
  next = 0;
  len = 0;
  /** Cost in ticks charged after the handler (class cost; memory adds its own). */
  cost = 0;
  /** iced-x86 Code and Mnemonic, for handlers that serve several forms and for the debugger. */
  code = 0;
  mnemonic = 0;
  /** Operand size in bytes (1, 2, 4, 8). */
  size = 8;
  /** Secondary size: source size of MOVZX/MOVSX, element size of string ops... */
  size2 = 0;
  k0 = K.None; k1 = K.None; k2 = K.None; k3 = K.None;
  /** Register operands: GPR or vector register index, and 8 when the operand is a legacy high byte (AH..BH). */
  r0 = 0; r1 = 0; r2 = 0; r3 = 0;
  h0 = 0; h1 = 0; h2 = 0;
  /**
   * Vector ops (SSE/AVX): vector length in bytes (16 XMM, 32 YMM), memory
   * operand size in bytes, VEX encoding, required memory alignment (16/32,
   * 0 = none), and the operands in a normal form: destination `vd`, first
   * source register `va` (the destination itself for two-operand legacy SSE),
   * second source `kb`/`rb` (a register or the memory operand).
   */
  vl = 16; msz = 0; vex = false; align = 0;
  vd = 0; va = 0; kb = K.None; rb = 0;
  /** Vector ops: the element size in bytes, when the handler serves several. */
  elem = 0;
  /** A second element size: PMOVSX/PMOVZX's destination elements, a gather's index elements. */
  elem2 = 0;
  /** VSIB memory operand: index vector length in bytes (0 = none) and its register. */
  vsib = 0; vsibIndex = 0;
  /** Immediate, sign- or zero-extended to 64 bits as the instruction defines. */
  immLo = 0; immHi = 0;
  /** Memory operand: base/index GPR (-1 none), scale as a shift, displacement as int32 pair. */
  mBase = -1; mIndex = -1; mShift = 0; mDispLo = 0; mDispHi = 0;
  /** Segment whose base is added (only FS/GS have bases in 64-bit mode), -1 for none. */
  mSeg = -1;
  /** 32-bit address size (67h prefix). */
  addr32 = false;
  /**
   * Address-form fast paths chosen at decode: 0 general, 1 absolute (the
   * linear address is `mAbs`: RIP-relative and absolute operands), 2 base +
   * displacement (`mDisp` as a signed number).
   */
  eaKind = 0;
  mAbs = 0;
  mDisp = 0;
  /** Jcc, SETcc, CMOVcc, FCMOVcc: the condition, in the encodings' order (SDM Vol. 1 Appendix B; Core.cond). */
  cc = 0;
  /**
   * The sub-operation of a handler that serves several instructions: a value
   * of the named enum its family declares beside it (Sh in alu.ts, Str in
   * string.ts...), never a bare number.
   */
  sel = 0;
  /** x87 instructions: the 11-bit opcode FNSTENV/FXSAVE report as FOP (SDM Vol. 1 §8.1.9). */
  fop = 0;
  /** Direct branch target. */
  target = 0;
  /** 0 none, 1 REP/REPE, 2 REPNE. */
  rep = 0;
  lock = false;
  /** True when the block must end after this op (control transfer or system op). */
  endsBlock = false;
  /**
   * The op's only memory access is a load it makes before changing any
   * state, so it can be stopped at that load and executed again later (load
   * replay, CoreMemory.readPhys).
   */
  replayable = false;
  /** Register-only (src/cpu/pureOps.ts): may run ahead of the other cores. */
  pure = false;
  /** Form.Unsupported: what is not implemented, for the report that stops the run. */
  note = '';

  constructor(exec: Handler) { this.exec = exec; }
}

export class Block {
  /** Linear and physical address of the first op. */
  constructor(
    readonly rip: number,
    readonly pa: number,
    readonly ops: Op[],
    /** Physical pages the block's bytes come from (1 or 2). */
    readonly pages: number[],
  ) {}
  valid = true;
  /** Fast-forward (loopForward.ts): the static verdict (0 unknown, 1 a candidate loop, -1 not), and a back-off after failed attempts. */
  loop = 0;
  loopCool = 0;
  loopFails = 0;
  /** The block compiled to one function (blockCompiler.ts), once it has run often enough. */
  fn: ((c: Core) => void) | null = null;
  runs = 0;
}
