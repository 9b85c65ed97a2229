/**
 * The forms the decoder gives to bytes it cannot turn into an op that runs:
 * each faults (or stops the run) when — and only if — it is executed, as the
 * CPU raises #UD or #PF for an instruction it reaches, not for one it has
 * merely prefetched.
 */
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { Fault, Unsupported, Vector } from '../fault.js';
import { Form, type FormEntry } from '../form.js';

/** #UD: not an instruction (a reserved encoding, or FF FF read where no memory is). */
function invalid(_c: Core, _op: Op): void {
  throw new Fault(Vector.UD, null, 'invalid opcode');
}

/** A valid instruction this machine does not implement: the run stops and says which (`op.note`). */
function unsupported(_c: Core, op: Op): void {
  throw new Unsupported(op.note);
}

/**
 * The instruction runs into the next page, which cannot be fetched: #PF at
 * that page (`op.target`), with I/D set only under EFER.NXE and U/S from the
 * fetching privilege (SDM Vol. 3A §4.7).
 */
function fetchPageFault(c: Core, op: Op): void {
  const missing = op.target;
  c.cr2Before = c.cr2;
  c.cr2 = missing;
  const pfec = ((c.efer & (1 << 11)) !== 0 ? 0x10 : 0) | (c.cpl === 3 ? 4 : 0);
  throw new Fault(Vector.PF, pfec, `instruction fetch from unmapped linear 0x${missing.toString(16)}`);
}

export const faultForms: FormEntry[] = [
  [Form.Invalid, { exec: invalid }],
  [Form.Unsupported, { exec: unsupported }],
  [Form.FetchPageFault, { exec: fetchPageFault }],
];
