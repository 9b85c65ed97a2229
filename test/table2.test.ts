/**
 * Table 2 (NSDI'19 §3.3), Linux column, from guest code on the machine
 * (guest/linux/bench/table2.c under the host kernel; src/bench/table2.ts).
 * Three cells are calibrated (profile entries name them); 'No signal mask'
 * is a prediction. Every cell is measured by RDTSC in the guest and from the
 * event stream, and the two agree.
 */
import { describe, expect, it } from 'vitest';
import { fittedCells, table2, TABLE2_PAPER } from '../src/bench/table2.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';

const profile = loadProfile();
const r = table2({ profile, iterations: 20 });
const row = (m: string) => r.rows.find((x) => x.mechanism === m)!;

describe('Table 2, Linux column', () => {
  it('has the paper\'s four rows, the Dune column still null', () => {
    expect(r.rows.map((x) => x.mechanism)).toEqual(['swapcontext', 'No signal mask', 'No FP-restore', 'No FP-save']);
    for (const x of r.rows) expect(x.dune).toBeNull();
  });

  it('RDTSC in the guest and the event stream agree on every cell', () => {
    for (const x of r.rows) expect(Math.abs(x.linux - x.linuxEvents), x.mechanism).toBeLessThan(0.05);
  });

  it('every cell is within 5% of the paper', () => {
    for (const x of r.rows) expect(Math.abs(x.deviation.linux), `${x.mechanism}: ${x.linux} vs ${x.paper.linux}`).toBeLessThanOrEqual(0.05);
  });

  it('the calibrated cells are exactly those a profile entry names; No signal mask is a prediction', () => {
    expect(fittedCells(profile, "Table 2, row 'No FP-restore'", 'Linux')).toEqual(['instructionClasses.x87Stenv']);
    expect(fittedCells(profile, "Table 2, row 'No FP-save'", 'Linux')).toEqual(['instructionClasses.x87Ldenv']);
    expect(fittedCells(profile, "Table 2, row 'swapcontext'", 'Linux')).toEqual(['linux.sigprocmaskResidual']);
    expect(fittedCells(profile, "Table 2, row 'No signal mask'", 'Linux')).toEqual([]);
    expect(row('No signal mask').calibrated).toEqual([]);
    expect(r.rows.filter((x) => x.calibrated.length > 0).map((x) => x.mechanism)).toEqual(['swapcontext', 'No FP-restore', 'No FP-save']);
  });

  it('the FP cells are their instructions and memory accesses, nothing else (closed form from the profile)', () => {
    const t = tickCosts(profile);
    const c = t.cls;
    const save = c.x87Stenv + 7 * t.storeL1 + c.stmxcsr + t.storeL1;
    const restore = c.mov + t.loadL1 + c.x87Ldenv + 7 * t.loadL1 + c.ldmxcsr + t.loadL1;
    expect(row('No FP-restore').linux).toBeCloseTo(save, 1);
    expect(row('No FP-save').linux).toBeCloseTo(restore, 1);
    // additivity: the switch that does both costs the two and nothing more
    expect(row('No signal mask').linux).toBeCloseTo(save + restore, 1);
  });

  it('each switch mispredicts its return once (push; ret), and only swapcontext enters the kernel', () => {
    for (const x of r.rows) {
      const mis = x.phases.find((p) => p.phase === 'return mispredict')?.cycles ?? 0;
      expect(mis, x.mechanism).toBeCloseTo(profile.branch.mispredictPenalty.cycles, 5);
      const sys = x.phases.some((p) => p.phase === 'SYSCALL');
      expect(sys, x.mechanism).toBe(x.mechanism === 'swapcontext');
    }
  });

  it('the paper\'s numbers are the reference', () => {
    expect(TABLE2_PAPER.map((p) => [p.linux, p.dune])).toEqual([[985, 2290], [140, 140], [36, 36], [109, 109]]);
  });
});
