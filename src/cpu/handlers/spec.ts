/**
 * The opcode table's entry type. Each handler family (alu.ts, data.ts, ...)
 * exports a list of specs keyed by iced-x86 Mnemonic; the decoder fills the
 * generic operand fields of an Op and then calls `setup` for anything
 * family-specific. Prefer a table to a branchy function (docs/architecture.md, "The core").
 */
import type { Instruction, Mnemonic } from 'iced-x86';
import type { Handler, Op } from '../op.js';
import type { Form } from '../form.js';
import type { InstructionClass } from '../../profile/schema.js';

export interface OpSpec {
  /**
   * What the op does: a form (form.ts; the family's `…Forms` table gives its
   * handler, and `setup` may pick a more specific form from the operands), or
   * for the rest (Form.Handler) the handler itself. Exactly one of the two.
   */
  form?: Form;
  exec?: Handler;
  /** Profile instruction class whose cost the op is charged (a function when it depends on the form). */
  cls: InstructionClass | ((op: Op) => InstructionClass);
  /** Family-specific decode (the form for these operands, a sub-operation selector, sizes...). */
  setup?: (op: Op, ins: Instruction) => void;
  /** The block must end after this op. */
  ends?: boolean;
  /** The handler charges its own time (REP string ops); the op's fixed cost is 0. */
  selfTimed?: boolean;
}

export type SpecEntry = [Mnemonic | Mnemonic[], OpSpec];

/** Mask of an operand of 1/2/4 bytes, indexed by size. */
export const MASK = [0, 0xff, 0xffff, 0, -1, 0, 0, 0, -1];
export const TWO32 = 4294967296;

/** A setup that gives the op its sub-operation (`op.sel`, a member of the family's named enum). */
export const sel = (v: number) => (op: Op): void => { op.sel = v; };
/** A setup that gives the op its condition (`op.cc`, a Cc). */
export const cc = (v: number) => (op: Op): void => { op.cc = v; };
