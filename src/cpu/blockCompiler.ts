/**
 * The block compiler (docs/architecture.md "Performance"): a hot decoded
 * block becomes one JavaScript function (`new Function`) that performs the
 * interpreter's steps for that block, specialised at compile time.
 *
 *  - Ops with an inline form (src/cpu/inline.ts: the MOV forms,
 *    MOVZX/MOVSX, LEA, the register forms of ADD/SUB/CMP/AND/OR/XOR/TEST,
 *    shifts by an immediate, CMOVcc, SETcc, JMP, Jcc) are written out with
 *    their registers, immediates and address form as constants; every other
 *    op calls its handler from a call site of its own.
 *  - A run of register-only ops (InlineKind.Pure) costs the sum of its class
 *    costs, known at compile time: the scheduler bound is checked once
 *    before the run — if the run would reach it, the interpreter takes the
 *    block over from the run's first op (`Core.execFrom`), so a slice still
 *    ends at exactly the instruction where the interpreter's per-op check
 *    ends it. Costs are on the time grid (src/sim/time.ts), so summing them
 *    in any order gives the same tick.
 *  - A Jcc, CMOVcc or SETcc after an inline ALU form (with only flag-neutral
 *    inline ops between) evaluates its condition from that form's operands
 *    (flags.ts `condCode`), not through the lazy-flag switch; the lazy flags
 *    are recorded all the same.
 *  - Ops that may fault, touch memory or add time record the op as current
 *    and its start tick first, exactly as the interpreter does; faults go to
 *    `onThrow` with the faulting op; the bound is checked after each such op
 *    and a slice that ends there leaves through `Core.leaveBlock` (run-ahead
 *    included). Instructions are counted at each exit, RIP written once.
 *
 * The interpreter stays the reference: results are identical with the
 * compiler on or off (test/optimizations.test.ts, test/blockCompile.test.ts).
 */
import type { Block, Op, Handler } from './op.js';
import { InlineKind, lit, type FlagOutput, type InlineForm } from './inline.js';
import { condCode } from './flags.js';
import { onGrid } from '../sim/time.js';
import { FORMS } from './formTable.js';

/** What a compiled block needs of the core (the fields and entry points the interpreter loop uses). */
export interface CompiledCore {
  time: number;
  /** Start tick of the op executing (the machine's stop position). */
  opStart: number;
  instructions: number;
  rip: number;
  curOp: Op | null;
  onThrow(e: unknown, op: Op): void;
  /** Run ops[start..] of the block as the interpreter does (a run that would reach the bound). */
  execFrom(block: Block, start: number): void;
  /** The slice ended before ops[j]: run ahead if allowed, and set RIP. */
  leaveBlock(ops: Op[], j: number): void;
}

export type CompiledBlock = (c: CompiledCore) => void;

/** What the compiler has done in this process (tests check that inline forms and fused conditions are really used). */
export const compileStats = { blocks: 0, ops: 0, inlined: 0, fused: 0 };

/**
 * Executions of a block before it is compiled. High on purpose: a compiled
 * block runs in V8's bytecode interpreter until V8 optimizes it, which takes
 * many calls; compiling blocks that run only thousands of times made the
 * server slower than the interpreter (docs/architecture.md "Block compiler").
 */
export const COMPILE_THRESHOLD = 20000;

/** The inline form the compiler would use for `op`, if any (tests list what is covered): its form's (form.ts). */
export function inlineFormOf(op: Op): InlineForm | null {
  const f = FORMS[op.form]!.inline;
  if (f === undefined || (f.accepts !== undefined && !f.accepts(op))) return null;
  // Pure runs are summed at compile time: their costs must be exact grid values.
  if (f.kind === InlineKind.Pure && !(Number.isFinite(op.cost) && onGrid(op.cost))) return null;
  return f;
}

/** An inline op's code, its condition fused with the flag record the compiler knows (if any). */
function emitOp(f: InlineForm, op: Op, o: string, flags: FlagOutput | null): string {
  const cond = flags !== null && f.emitCond !== undefined ? condCode(flags.kind, flags.size, op.cc) : null;
  if (cond === null) return f.emit(op, o);
  compileStats.fused++;
  return f.emitCond!(op, cond);
}

/**
 * Compile `b`. `limitField` names the core's scheduler-bound property (the
 * interpreter reads it after every op but the last).
 */
export function compileBlock(b: Block, limitField: string): CompiledBlock {
  const ops = b.ops;
  const n = ops.length;
  const last = n - 1;
  const formOf = ops.map(inlineFormOf);
  compileStats.blocks++;
  compileStats.ops += n;
  for (const f of formOf) if (f !== null) compileStats.inlined++;
  const handlers: Handler[] = ops.map((o) => o.exec);
  const L = `c.${limitField}`;
  const body: string[] = [];
  const costOf = (k: number) => (Number.isFinite(ops[k]!.cost) ? lit(ops[k]!.cost) : `o${k}.cost`);
  // The flag record the fused-condition locals hold at this point (null: unknown).
  let flags: FlagOutput | null = null;

  let k = 0;
  while (k < n) {
    const f = formOf[k];
    if (f !== null && f.kind === InlineKind.Pure) {
      // A run of register-only ops k..e.
      let e = k;
      while (e + 1 < n && formOf[e + 1] !== null && formOf[e + 1]!.kind === InlineKind.Pure) e++;
      const checked = Math.min(e, last - 1); // the interpreter checks the bound after every op but the last
      if (checked >= k) {
        let s = 0;
        for (let j = k; j <= checked; j++) s += ops[j]!.cost;
        body.push(`    if (c.time + ${lit(s)} >= ${L}) { c.instructions += ${k}; c.execFrom(b, ${k}); return; }`);
      }
      let total = 0;
      for (let j = k; j <= e; j++) {
        const op = ops[j]!;
        const fj = formOf[j]!;
        body.push(`    ${emitOp(fj, op, `o${j}`, flags)}`);
        total += op.cost;
        // A form that sets the flags says what it left for a fused condition (null: nothing usable).
        if (fj.flags !== undefined) flags = fj.flags(op);
      }
      if (e === last) {
        const lastCost = ops[e]!.cost;
        body.push(`    c.opStart = c.time + ${lit(total - lastCost)}; c.curOp = o${e}; c.rip = ${lit(ops[e]!.next)};`);
        body.push(`    c.time += ${lit(total)}; c.instructions += ${n}; return;`);
      } else {
        body.push(`    c.time += ${lit(total)};`);
      }
      k = e + 1;
      continue;
    }
    const op = ops[k]!;
    body.push(`    i = ${k}; c.opStart = c.time; c.curOp = o${k};`);
    if (f !== null && f.kind === InlineKind.Branch && k === last) {
      body.push(`    ${emitOp(f, op, `o${k}`, flags)}`);
    } else {
      if (k === last) body.push(`    c.rip = ${lit(op.next)};`);
      body.push(`    ${f !== null ? f.emit(op, `o${k}`) : `h${k}(c, o${k});`}`);
      // A handler may set the flags; an inline form without a flag output leaves them alone.
      if (f === null || f.flags !== undefined) flags = null;
    }
    body.push(`    c.time += ${costOf(k)};`);
    if (k === last) body.push(`    c.instructions += ${n};`);
    else body.push(`    if (c.time >= ${L}) { c.instructions += ${k + 1}; c.leaveBlock(ops, ${k + 1}); return; }`);
    k++;
  }

  const src = [
    'return function compiled(c) {',
    '  const lo = c.lo, hi = c.hi;',
    '  let i = 0, fa = 0, faHi = 0, fb = 0, fbHi = 0, fr = 0, frHi = 0;',
    '  try {',
    ...body,
    '  } catch (e) {',
    '    c.instructions += i;',
    '    c.onThrow(e, ops[i]);',
    '  }',
    '};',
  ].join('\n');
  const params = ['b', 'ops', ...handlers.map((_, j) => `h${j}`), ...ops.map((_, j) => `o${j}`)];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(...params, src) as (...a: unknown[]) => CompiledBlock;
  return factory(b, ops, ...handlers, ...ops);
}
