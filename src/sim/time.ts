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
/** The double's two 32-bit halves (little-endian hosts: [low, high]); no BigInt on the scheduler's path. */
const u32 = new Uint32Array(f64.buffer);
const LOW = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

/**
 * The next double above x (x finite or +Infinity). Ticks are doubles, so
 * `t <= x` is exactly `t < nextUp(x)`: the scheduler folds its tie-break
 * into one strict bound with it.
 */
export function nextUp(x: number): number {
  if (x === Infinity || x !== x) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  // The bit pattern of a double is monotonic in its magnitude: one step away from zero for
  // x > 0, one step towards it for x < 0, with the carry or borrow into the high word.
  if (x > 0) {
    const lo = u32[LOW]!;
    if (lo === 0xffffffff) { u32[LOW] = 0; u32[HIGH] = u32[HIGH]! + 1; } else u32[LOW] = lo + 1;
  } else {
    const lo = u32[LOW]!;
    if (lo === 0) { u32[LOW] = 0xffffffff; u32[HIGH] = u32[HIGH]! - 1; } else u32[LOW] = lo - 1;
  }
  return f64[0]!;
}

/**
 * The time grid. Every cost the profile gives (converted to ticks) and every
 * device-event time is a multiple of 2^-TICK_GRID_BITS tick: costs are
 * rounded to the nearest grid point once, at profile load (`toGrid`), and an
 * event fires at the first grid point at or after the tick it was asked for
 * (`gridCeil`). Sums of grid values below 2^(53 − TICK_GRID_BITS) ticks are
 * exact in doubles, so a core's clock after k identical loop iterations is
 * exactly start + k·P, whatever the order of the additions: spin detection and
 * loop fast-forward (src/sim/spin.ts, src/cpu/loopForward.ts) rely on that to
 * jump over iterations without changing a single tick. 2^-8 of a cycle is far
 * below anything the profile can claim to know (a calibrated 48.7 cycles
 * becomes 48.69921875).
 */
export const TICK_GRID_BITS = 8;
const GRID = 2 ** TICK_GRID_BITS;
/** Clocks past this many ticks (2^40: 500 s at 2.2 GHz) are not assumed exact. */
export const EXACT_TICKS = 2 ** 40;

/** The nearest grid point (a cost). */
export function toGrid(x: number): number { return Math.round(x * GRID) / GRID; }

/** The first grid point at or after x (an event time). */
export function gridCeil(x: number): Tick { return Math.ceil(x * GRID) / GRID; }

/** x is a grid point within the range where sums of grid values are exact. */
export function onGrid(x: number): boolean { return Number.isInteger(x * GRID) && Math.abs(x) < EXACT_TICKS; }
