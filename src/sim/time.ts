/**
 * Time (docs/architecture.md "Time and the global scheduler"). gem5 keeps Tick and Cycles apart; so do we, by name:
 *  - `Tick`: a point or span on the one reference clock, in TSC ticks. All
 *    cores share it; RDTSC reads it. Fractional, because throughput costs
 *    (0.25 of a cycle for a simple ALU op on a 4-wide core) are fractional.
 *  - `CoreCycles`: a span in a core's own clock; the profile's entries are
 *    core cycles and are converted once, at load, to ticks.
 * Plain numbers at run time (no boxing in hot paths); the names document units.
 */
export type Tick = number;
export type CoreCycles = number;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/**
 * The next double above x (x finite or +Infinity). Ticks are doubles, so
 * `t <= x` is exactly `t < nextUp(x)`: the scheduler folds its tie-break
 * into one strict bound with it.
 */
export function nextUp(x: number): number {
  if (x === Infinity || x !== x) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  u64[0] = x > 0 ? u64[0]! + 1n : u64[0]! - 1n;
  return f64[0]!;
}
