/**
 * What a core's register-only ops can change (src/cpu/pureOps.ts): general
 * registers, the lazy arithmetic flags and RFLAGS, RIP, clock, instruction
 * count, the op in flight. Run-ahead (docs/architecture.md "Run-ahead")
 * saves it at the first op a core runs ahead in a slice and puts it back
 * when the machine stops or pauses before that core's ops.
 */
import type { Core } from './core.js';
import type { Op } from './op.js';

export class AheadSnapshot {
  private readonly regs = new Int32Array(32);
  private readonly num = new Float64Array(17);
  private op: Op | null = null;

  /** Save `c` as it is before the op at `rip`, with `instructions` retired. */
  save(c: Core, rip: number, instructions: number): void {
    this.regs.set(c.lo, 0);
    this.regs.set(c.hi, 16);
    const n = this.num;
    n[0] = rip; n[1] = c.time; n[2] = instructions; n[3] = c.opStart;
    n[4] = c.fKind; n[5] = c.fSz; n[6] = c.fRes; n[7] = c.fResHi; n[8] = c.fA; n[9] = c.fAHi;
    n[10] = c.fB; n[11] = c.fBHi; n[12] = c.fCf; n[13] = c.fOf; n[14] = c.fBits; n[15] = c.rflagsRest;
    n[16] = c.tHi;
    this.op = c.curOp;
  }

  restore(c: Core): void {
    c.lo.set(this.regs.subarray(0, 16));
    c.hi.set(this.regs.subarray(16, 32));
    const n = this.num;
    c.rip = n[0]!; c.time = n[1]!; c.instructions = n[2]!; c.opStart = n[3]!;
    c.fKind = n[4]!; c.fSz = n[5]!; c.fRes = n[6]!; c.fResHi = n[7]!; c.fA = n[8]!; c.fAHi = n[9]!;
    c.fB = n[10]!; c.fBHi = n[11]!; c.fCf = n[12]!; c.fOf = n[13]!; c.fBits = n[14]!; c.rflagsRest = n[15]!;
    c.tHi = n[16]!;
    c.curOp = this.op;
  }
}
