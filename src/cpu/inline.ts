/**
 * Inline forms: how the block compiler (blockCompiler.ts) writes an op's
 * semantics straight into a compiled block instead of calling its handler.
 * An op form (form.ts) may carry one beside its handler, in the family's
 * form table (`dataForms` in data.ts, `aluForms` in alu.ts, `controlForms`
 * in control.ts): the inline code must do exactly what the handler does,
 * with the op's fields (registers, immediates, displacement, condition)
 * written into the code as constants. The interpreter stays the
 * reference: test/blockCompile.test.ts runs the native-oracle programs with
 * every block compiled, and test/optimizations.test.ts compares whole runs.
 *
 * Names the generated code may use: `c` (the core), `lo`/`hi` (its GPR
 * halves, c.lo/c.hi), `o` (the op object, passed to the emitter as the
 * expression naming it) and block-scoped locals of its own inside `{ }`.
 */
import type { Op } from './op.js';
import type { FlagKind } from './flags.js';

export const enum InlineKind {
  /** Registers and flags only: never faults, never touches memory or time; its cost is its class cost. */
  Pure = 0,
  /** May fault, access memory or add time (memory costs): the frame records the op as current first. */
  Mem = 1,
  /** Ends the block: sets RIP (and a taken branch adds its time); never faults. */
  Branch = 2,
}

/**
 * What an inline form leaves for a fused condition (blockCompiler.ts): after
 * a flag-setting ALU form, the locals `fa, faHi, fb, fbHi, fr, frHi` (of the
 * function) hold its operands and result, and `kind`/`size` say which lazy
 * flag form they are (FlagKind.Sub or FlagKind.Result, flags.ts).
 */
export interface FlagOutput { readonly kind: FlagKind; readonly size: number }

export interface InlineForm {
  readonly kind: InlineKind;
  /** JavaScript statements performing the op; `o` names the op object. */
  emit(op: Op, o: string): string;
  /** The form sets the flags and leaves its flag inputs in the fused-condition locals (see FlagOutput); a form without it leaves the flags alone. */
  flags?(op: Op): FlagOutput | null;
  /** The op with its condition given as an expression (Jcc, CMOVcc, SETcc fused with the flag-setting op). */
  emitCond?(op: Op, cond: string): string;
  /** The form covers only some operand shapes of its handler (a generic handler): which. */
  accepts?(op: Op): boolean;
}

const TWO32 = 4294967296;
const CANONICAL = 2 ** 47;

/** A number as a JavaScript literal that parses back to the same double. */
export function lit(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/**
 * Statements that leave the op's effective linear address in `ea`, as
 * `CoreMemory.ea` computes it (the same address forms and the same
 * non-canonical fault), specialised on the op's address form.
 */
export function eaCode(op: Op, o: string): string {
  if (op.eaKind === 1) return `const ea = ${lit(op.mAbs)};`;
  if (op.eaKind === 2) {
    const b = op.mBase;
    return `const ea = hi[${b}] * ${TWO32} + (lo[${b}] >>> 0) + ${lit(op.mDisp)}; if (!(ea >= ${-CANONICAL} && ea < ${CANONICAL})) c.nonCanonical(${o});`;
  }
  // The general form: eaPair, then ea's canonical check on the high half.
  return `${eaPairCode(op)} if (pHi < -32768 || pHi > 32767 || ((pHi >> 15) !== 0 && (pHi >> 15) !== -1)) c.nonCanonical(${o}); const ea = pHi * ${TWO32} + pLo;`;
}

/**
 * Statements that leave the effective address as a 64-bit pair in `pLo`
 * (low, unsigned) and `pHi`, as `CoreMemory.eaPair` computes it (LEA, and
 * the general address form).
 */
export function eaPairCode(op: Op): string {
  const s: string[] = [`let sum = ${op.mDispLo >>> 0}, h = ${op.mDispHi | 0};`];
  if (op.mBase >= 0) s.push(`sum += lo[${op.mBase}] >>> 0; h += hi[${op.mBase}];`);
  if (op.mIndex >= 0) s.push(`sum += (lo[${op.mIndex}] >>> 0) * ${1 << op.mShift}; h += hi[${op.mIndex}] << ${op.mShift};`);
  if (op.mSeg >= 0) s.push(`{ const sb = c.segBase[${op.mSeg}], sbh = Math.floor(sb / ${TWO32}); sum += sb - sbh * ${TWO32}; h += sbh; }`);
  if (op.addr32) s.push('const pLo = sum >>> 0, pHi = 0;');
  else s.push(`const carry = Math.floor(sum / ${TWO32}); const pHi = (h + carry) | 0, pLo = sum - carry * ${TWO32};`);
  return s.join(' ');
}

/** The lazy-flag record of `LazyFlags.setArith`. */
export function setArithCode(kind: number, size: number, a: string, aHi: string, b: string, bHi: string, r: string, rHi: string): string {
  return `c.fKind = ${kind}; c.fSz = ${size}; c.fA = ${a}; c.fAHi = ${aHi}; c.fB = ${b}; c.fBHi = ${bHi}; c.fRes = ${r}; c.fResHi = ${rHi};`;
}

/** The lazy-flag record of `LazyFlags.setResultFlags` (logic ops: CF = OF = 0; shifts). */
export function setResultFlagsCode(kind: number, size: number, r: string, rHi: string, cf: string, of: string): string {
  return `c.fKind = ${kind}; c.fSz = ${size}; c.fRes = ${r}; c.fResHi = ${rHi}; c.fCf = ${cf}; c.fOf = ${of};`;
}
