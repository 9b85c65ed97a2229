/**
 * The return stack buffer (RSB) of one core: the front end's predictor for
 * RET targets. A CALL pushes its return address; a RET pops the top entry as
 * its prediction and, when the address it actually returns to differs, the
 * core pays a branch-mispredict penalty (the pipeline refetches from the
 * right target).
 *
 * Shape, as measured on Intel cores (H. Wong, "Microbenchmarking Return
 * Address Branch Prediction", blog.stuffedcow.net, 2018; Agner Fog, "The
 * microarchitecture of Intel, AMD and VIA CPUs", Haswell: a 16-entry return
 * stack buffer):
 *   - a circular array with no overflow or underflow checks: the 17th nested
 *     call overwrites the oldest entry, and a return past the bottom pops
 *     whatever stale entry the pointer lands on;
 *   - a CALL to the very next instruction (`call 1f; 1:`, the position-
 *     independent "get RIP" idiom) is not treated as a call and pushes
 *     nothing.
 * Interrupts, exceptions, IRET, SYSCALL/SYSRET and far transfers do not
 * touch it. An empty entry predicts nothing (NaN never equals a target).
 *
 * A cost-model feature, not architecture: it changes time, never results.
 * Allocation-free (a typed-array ring) and small, so that compiled code (the
 * block compiler) can call `onCall` / `onRet` exactly as the interpreter does.
 */
export class ReturnStackBuffer {
  private readonly ring: Float64Array;
  private top = 0;
  /** Counters for tests, statistics and `--explain`. */
  calls = 0;
  returns = 0;
  mispredicts = 0;
  /** The target the last `onRet` predicted (NaN when the entry was empty). */
  lastPrediction = NaN;

  /**
   * @param entries capacity (profile `branch.returnStackEntries`)
   * @param penalty ticks a mispredicted return costs (profile `branch.mispredictPenalty`)
   */
  constructor(entries: number, readonly penalty: number) {
    if (!Number.isInteger(entries) || entries < 1) throw new RangeError(`return stack buffer: ${entries} entries is not a positive whole number`);
    this.ring = new Float64Array(entries).fill(NaN);
  }

  get entries(): number { return this.ring.length; }

  /** CALL to `target` whose return address is `ret` (the address of the next instruction). */
  onCall(ret: number, target: number): void {
    if (target === ret) return; // call to the next instruction: not a call for the predictor
    this.calls++;
    const n = this.ring.length;
    this.top = this.top + 1 === n ? 0 : this.top + 1;
    this.ring[this.top] = ret;
  }

  /** RET to `target`: pops the prediction; returns the penalty in ticks (0 when predicted). */
  onRet(target: number): number {
    this.returns++;
    const predicted = this.ring[this.top]!;
    this.lastPrediction = predicted;
    this.top = this.top === 0 ? this.ring.length - 1 : this.top - 1;
    if (predicted === target) return 0;
    this.mispredicts++;
    return this.penalty;
  }

  /** Empty every entry (power-on state). */
  reset(): void {
    this.ring.fill(NaN);
    this.top = 0;
    this.calls = this.returns = this.mispredicts = 0;
  }
}
