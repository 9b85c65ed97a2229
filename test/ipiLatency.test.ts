/**
 * apic.ipiLatency is calibrated on the paper's Table 1 row "IPI No Exits",
 * total (NSDI'19 §3.2), as the machine measures that row: the Dune module
 * and libdune's posted sender and receiver (guest/dune, src/bench/table1.ts).
 * This test solves it again from a fresh measurement, so a change to any
 * other cost on that row's timeline that is not carried into ipiLatency
 * fails here instead of silently shifting the fit.
 *
 * Timeline of one round of the total: the sender up to its ICR write, the
 * APIC message (L), the receiver up to its handler, the handler's EOI and
 * flag store, the flag line back to the spinning sender. L enters once, so
 * the total moves one cycle per cycle of L (checked: the message's time on
 * the bus is L exactly), and L = L_profile + (1993 − total).
 */
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../src/profile/load.js';
import { runTable1Row } from '../src/bench/table1.js';

/** NSDI'19 §3.2, Table 1, "IPI No Exits", total (cycles). */
const PAPER_TOTAL = 1993;

describe('apic.ipiLatency, solved against the machine', () => {
  const p = loadProfile();
  const row = runTable1Row('IPI No Exits', { profile: p, iterations: 10 });

  it('the message spends exactly L on the bus, so the total is linear in L with slope 1', () => {
    const flight = row.segments.find((s) => s.phase.includes('APIC bus'))!;
    expect(flight.cycles).toBeCloseTo(Math.round(p.apic.ipiLatency.cycles * 256) / 256, 6); // the profile's value on the 2^-8-tick grid (docs/architecture.md)
  });

  it('re-solving L from the measured total gives the profile\'s value (to a cycle)', () => {
    const solved = p.apic.ipiLatency.cycles + (PAPER_TOTAL - row.total);
    expect(Math.abs(solved - p.apic.ipiLatency.cycles)).toBeLessThanOrEqual(1);
  });

  it('the cross-socket latency is it scaled by the cross-/same-socket transfer ratio (to the cycle)', () => {
    const cross = p.apic.ipiLatency.cycles * p.memory.crossSocket.cycles / p.memory.remoteModified.cycles;
    expect(Math.abs(p.apic.ipiLatencyCrossSocket.cycles - cross)).toBeLessThanOrEqual(0.5);
  });

  it('the profile names the one cell it is fitted on', () => {
    expect(p.apic.ipiLatency.calibrated).toContain("Table 1, row 'IPI No Exits', total (1993");
  });
});
