/**
 * apic.ipiLatency is calibrated: solved from the paper's Table 1 row "IPI No
 * Exits" (NSDI'19 §3.2) with the model's own costs for everything else on
 * that row's timeline. This test solves it again from the profile, so a
 * change to any of those costs that is not carried into ipiLatency fails
 * here instead of silently shifting the fit.
 *
 * Timeline of one round of the total-latency benchmark: the sender runs up to
 * its ICR write (its measured cost minus the tail τ after the write), the APIC
 * message propagates (L), the receiver runs from the interrupt to its
 * handler (the receiver cell), the handler EOIs (E) and stores the flag (S),
 * the flag's line travels back to the spinning sender (T), which leaves its
 * loop (X):
 *
 *   total = (sender − τ) + L + receiver + E + S + T + X
 */
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../src/profile/load.js';

/** NSDI'19 §3.2, Table 1, "IPI No Exits": sender, receiver, total (cycles). */
const NO_EXITS = { sender: 298, receiver: 1212, total: 1993 };

describe('apic.ipiLatency, solved against the model', () => {
  const p = loadProfile();
  const c = p.instructionClasses;
  const terms = {
    tau: c.ret.cycles + p.memory.loadL1.cycles, // after the ICR write: the function's RET (and its load); RDTSCP reads at its start
    E: p.apic.x2apicMsrAccess.cycles, // the guest's EOI: WRMSR 0x80B
    S: p.memory.storeL1.cycles, // the flag store
    T: p.memory.remoteModified.cycles, // the flag line, Modified in the receiver, to the sender
    X: c.jcc.cycles, // the sender's loop exit (no mispredict cost in the model)
  };
  const L = NO_EXITS.total - NO_EXITS.receiver - (NO_EXITS.sender - terms.tau) - terms.E - terms.S - terms.T - terms.X;

  it('equals the propagation the Table 1 equation leaves with the model\'s costs', () => {
    expect(p.apic.ipiLatency.cycles).toBe(L);
  });

  it('the cross-socket latency is it scaled by the cross-/same-socket transfer ratio (to the cycle)', () => {
    const cross = L * p.memory.crossSocket.cycles / p.memory.remoteModified.cycles;
    expect(Math.abs(p.apic.ipiLatencyCrossSocket.cycles - cross)).toBeLessThanOrEqual(0.5);
  });

  it('the profile names the cells it is fitted on', () => {
    expect(p.apic.ipiLatency.calibrated).toMatch(/Table 1/);
    expect(p.apic.ipiLatency.calibrated).toMatch(/IPI No Exits/);
    for (const v of Object.values(NO_EXITS)) expect(p.apic.ipiLatency.calibrated).toContain(String(v));
  });
});
