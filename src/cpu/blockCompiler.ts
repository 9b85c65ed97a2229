/**
 * Block compiler, first stage (docs/architecture.md "Performance"): a hot
 * decoded block becomes one JavaScript function (`new Function`) that calls
 * each op's handler directly, with the op, its cost, its fall-through RIP
 * and its index as constants. The interpreter's loop (`Core.execBlock`)
 * calls `op.exec` through one megamorphic site for every op of every block;
 * in a compiled block every call site has exactly one target, so V8 can
 * inline the handler there. The generated code performs exactly the
 * interpreter's steps in the interpreter's order — `curOp`, handler, cost,
 * the scheduler-bound check between ops, RIP once per block, instructions
 * counted at the exit, faults handed to `onThrow` with the faulting op — so
 * the interpreter stays the reference and every result is identical
 * (test/optimizations.test.ts, opt `blockCompile`).
 *
 * Not yet: specialising operands, flags and addressing into the code itself
 * (handlers are still called, with their own operand decoding).
 */
import type { Block, Op, Handler } from './op.js';

/** What a compiled block needs of the core (the fields the interpreter loop touches). */
export interface CompiledCore {
  time: number;
  /** Start tick of the op executing (the machine's stop position). */
  opStart: number;
  instructions: number;
  rip: number;
  curOp: Op | null;
  onThrow(e: unknown, op: Op): void;
}

export type CompiledBlock = (c: CompiledCore) => void;

/** Executions of a block before it is compiled: compiling costs about as much as a few hundred interpreted runs. */
export const COMPILE_THRESHOLD = 64;

/**
 * Compile `b`. `limitField` names the core's scheduler-bound property (read
 * after every op but the last, as the interpreter does).
 */
export function compileBlock(b: Block, limitField: string): CompiledBlock {
  const ops = b.ops;
  const n = ops.length;
  const last = n - 1;
  const handlers: Handler[] = ops.map((o) => o.exec);
  const lines: string[] = [];
  lines.push('return function compiled(c) {', '  let i = 0;', '  try {');
  for (let k = 0; k < n; k++) {
    const op = ops[k]!;
    // Costs are exact doubles; print them so that they parse back to the same double.
    const cost = Number.isFinite(op.cost) ? String(op.cost) : 'o' + k + '.cost';
    if (k > 0) lines.push(`    i = ${k};`);
    lines.push(`    c.opStart = c.time;`);
    lines.push(`    c.curOp = o${k};`);
    if (k === last) {
      lines.push(`    c.rip = ${ripLiteral(op.next)};`);
      lines.push(`    h${k}(c, o${k});`);
      lines.push(`    c.time += ${cost};`);
      lines.push(`    c.instructions += ${n};`);
    } else {
      lines.push(`    h${k}(c, o${k});`);
      lines.push(`    c.time += ${cost};`);
      lines.push(`    if (c.time >= c.${limitField}) { c.instructions += ${k + 1}; c.rip = ${ripLiteral(op.next)}; return; }`);
    }
  }
  lines.push('  } catch (e) {', '    c.instructions += i;', '    c.onThrow(e, ops[i]);', '  }', '};');
  const params = ['ops', ...handlers.map((_, k) => `h${k}`), ...ops.map((_, k) => `o${k}`)];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(...params, lines.join('\n')) as (...a: unknown[]) => CompiledBlock;
  return factory(ops, ...handlers, ...ops);
}

/** A RIP as a JavaScript literal that parses back to the same double (RIPs are integers within ±2^47). */
function ripLiteral(v: number): string {
  if (!Number.isSafeInteger(v)) throw new RangeError(`block compiler: RIP ${v} is not an integer`);
  return String(v);
}
