/**
 * Op forms: what an instruction does, as a value the decoder, the
 * interpreter and the block compiler all read (docs/architecture.md, "Op
 * forms"). The decoder picks an op's form from the opcode table and its
 * operand descriptors (kinds, registers, sizes: op.ts); the form names the
 * handler the interpreter calls and, for the commonest integer forms, the
 * code the compiler writes in its place (src/cpu/inline.ts). Nothing
 * identifies an op's semantics by comparing functions.
 *
 * `Handler` is the form of every op whose semantics only its family handler
 * knows (x87, SSE/AVX, system, VMX, string ops, the rarer integer ops): the
 * compiler calls that handler and reads nothing else of the op. The other
 * forms are listed with the family file that defines them (its `…Forms`
 * table: formTable.ts checks that each is defined exactly once).
 */
import type { Handler } from './op.js';
import type { InlineForm } from './inline.js';

export const enum Form {
  /** The opcode table's handler is the whole semantics (see above). */
  Handler = 0,

  // ---- decided at decode (formTable.ts): the op faults when it executes
  /** #UD: bytes that are no instruction (FF FF, a reserved encoding). */
  Invalid,
  /** A valid instruction this machine does not implement: stops the run, naming it (`op.note`). */
  Unsupported,
  /** An instruction that runs into a page that cannot be fetched: #PF at that page (`op.target`) when executed. */
  FetchPageFault,

  // ---- data.ts
  /** MOV, generic operands. */
  Mov,
  MovRR8, MovRR4, MovRI8, MovRI4, MovRM8, MovRM4, MovMR, MovMI,
  /** MOVZX; MOVSX and MOVSXD (`size2` is the source size). */
  MovZx, MovSx,
  Lea,

  // ---- alu.ts: the two-operand ALU ops, generic then their register-destination forms
  // (R register, I immediate source; 8 or 4 the operand size).
  Add, AddRI8, AddRR8, AddRI4, AddRR4,
  Sub, SubRI8, SubRR8, SubRI4, SubRR4,
  Cmp, CmpRI8, CmpRR8, CmpRI4, CmpRR4,
  And, AndRI8, AndRR8, AndRI4, AndRR4,
  Or, OrRI8, OrRR8, OrRI4, OrRR4,
  Xor, XorRI8, XorRR8, XorRI4, XorRR4,
  Test, TestRI8, TestRR8, TestRI4, TestRR4,
  /** SHL/SHR/SAR/ROL/ROR/RCL/RCR (`op.sel` an `Sh`, alu.ts). */
  Shift,
  /** CMOVcc, SETcc (`op.cc` the condition). */
  Cmov, Setcc,

  // ---- control.ts
  Jmp, JmpIndirect,
  /** Jcc (`op.cc` the condition). */
  Jcc,
  Call, CallIndirect,

  // ---- muldiv.ts
  /** IMUL with two or three operands (a truncated product). */
  Imul,
  /** MUL, and one-operand IMUL: the double-width product in rDX:rAX (`op.sel` a `Sign`, muldiv.ts). */
  MulWide,

  /** The number of forms (not a form). */
  Count,
}

/** What a form is: the handler the interpreter calls, and the code the block compiler may write instead. */
export interface FormDef {
  readonly exec: Handler;
  readonly inline?: InlineForm;
}

export type FormEntry = readonly [Form, FormDef];

/**
 * The register-destination forms of a two-operand ALU op, by source and
 * size (the decoder's pick and the compiler's inline forms read the same).
 */
export interface RegisterForms { readonly ri8: Form; readonly rr8: Form; readonly ri4: Form; readonly rr4: Form }
