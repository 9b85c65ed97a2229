/** Operand helpers shared by the integer handler families. */
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { MASK } from './spec.js';

/** Read the source (operand 1) masked to the op size; high half in c.tHi. */
export function src(c: Core, op: Op, sz: number): number {
  const v = c.readOperand(op, op.k1, op.r1, op.h1, sz);
  if (sz < 4) { c.tHi = 0; return v & MASK[sz]!; }
  if (sz === 4) c.tHi = 0;
  return v;
}

export function trunc(v: number, sz: number): number {
  return sz === 4 ? v | 0 : v & MASK[sz]!;
}
