/**
 * Time (design.md §3). gem5 keeps Tick and Cycles apart; so do we, by name:
 *  - `Tick`: a point or span on the one reference clock, in TSC ticks. All
 *    cores share it; RDTSC reads it. Fractional, because throughput costs
 *    (0.25 of a cycle for a simple ALU op on a 4-wide core) are fractional.
 *  - `CoreCycles`: a span in a core's own clock; the profile's entries are
 *    core cycles and are converted once, at load, to ticks.
 * Plain numbers at run time (no boxing in hot paths); the names document units.
 */
export type Tick = number;
export type CoreCycles = number;
