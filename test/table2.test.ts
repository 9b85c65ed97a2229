/**
 * Table 2 (NSDI'19 §3.3) from guest code on the machine
 * (guest/linux/bench/table2.c under the host kernel, in a Linux process and
 * in a Dune process; src/bench/table2.ts). Linux column: three cells are
 * calibrated (profile entries name them), 'No signal mask' is a prediction.
 * Dune column: every cell is a prediction — swapcontext from the VMX and
 * exit-loop costs the profile already has, the fast variants equal to the
 * Linux cells since nothing in them leaves the guest. Every cell is
 * measured by RDTSC in the guest and from the event stream, and the two
 * agree. One build per column, 20 round trips per row.
 */
import { describe, expect, it } from 'vitest';
import { fittedCells, table2, TABLE2_PAPER } from '../src/bench/table2.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';

const profile = loadProfile();
const r = table2({ profile, iterations: 20 });
const row = (m: string) => r.rows.find((x) => x.mechanism === m)!;

describe('Table 2, Linux column', () => {
  it('has the paper\'s four rows, both columns measured', () => {
    expect(r.rows.map((x) => x.mechanism)).toEqual(['swapcontext', 'No signal mask', 'No FP-restore', 'No FP-save']);
    for (const x of r.rows) expect(typeof x.dune).toBe('number');
  });

  it('RDTSC in the guest and the event stream agree on every cell', () => {
    for (const x of r.rows) expect(Math.abs(x.linux - x.linuxEvents), x.mechanism).toBeLessThan(0.05);
    for (const x of r.rows) expect(Math.abs(x.dune - x.duneEvents), `${x.mechanism}, Dune`).toBeLessThan(0.05);
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
    expect(r.ring3.paper).toBe(84);
    expect(TABLE2_PAPER.map((p) => [p.linux, p.dune])).toEqual([[985, 2290], [140, 140], [36, 36], [109, 109]]);
  });
});

describe('Table 2, Dune column (predictions)', () => {
  it('no Dune cell is calibrated: no profile entry names one', () => {
    for (const x of r.rows) {
      expect(fittedCells(profile, `Table 2, row '${x.mechanism}'`, 'Dune'), x.mechanism).toEqual([]);
      expect(x.calibrated).not.toContain('dune');
    }
  });

  it('the three fast variants make no system call and cause no VM exit, and equal the Linux cells', () => {
    for (const m of ['No signal mask', 'No FP-restore', 'No FP-save']) {
      const x = row(m);
      expect(x.duneVmExits, m).toBe(0);
      expect(x.duneSyscalls, m).toBe(0);
      expect(x.dunePhases.some((p) => p.phase === 'SYSCALL'), m).toBe(false);
      // the event stream: the same instructions at the same cost, to the tick
      expect(x.duneEvents, m).toBeCloseTo(x.linuxEvents, 9);
      // RDTSC reads whole cycles at both ends of a 40-switch window
      expect(Math.abs(x.dune - x.linux), m).toBeLessThanOrEqual(2 / 40 + 1e-9); // (floating-point division of whole cycles)
      expect(Math.abs(x.deviation.dune), m).toBeLessThanOrEqual(0.05);
    }
    expect(r.duneBaseline).toBeCloseTo(r.baseline, 1);
  });

  it('swapcontext in Dune: one SYSCALL and one VMCALL exit per switch, and more than in Linux', () => {
    const x = row('swapcontext');
    expect(x.duneSyscalls).toBe(40);
    expect(x.duneVmExits).toBe(40);
    expect(x.dunePhases.some((p) => p.phase === '__dune_syscall (libdune stub at LSTAR)')).toBe(true);
    // the host's SYSCALL entry (SWAPGS, the KAISER CR3 switches, the IBRS writes) is not on this path
    for (const p of ['SWAPGS', 'MOV CR3', 'SYSRET']) expect(x.dunePhases.some((q) => q.phase === p), p).toBe(false);
    // the exit and entry hardware alone cost more than the Linux entry and exit they replace
    expect(x.dune).toBeGreaterThan(x.linux);
  });

  it('the ring 3 -> 0 -> 3 round trip inside Dune: SYSCALL + SYSRET + the stub, no VM exit (§3.6: 84)', () => {
    const g = r.ring3;
    expect(g.vmExits).toBe(0);
    expect(Math.abs(g.machine - g.events)).toBeLessThan(0.05);
    // SYSCALL and SYSRET were fitted on §3.6's 84 cycles: the round trip is their sum plus the stub's
    // TEST/JNZ/CMP/JE and the loop's DEC/JNZ, a few cycles
    expect(g.fittedOn).toEqual(['instructionClasses.syscall', 'instructionClasses.sysret']);
    const t = tickCosts(profile);
    expect(g.machine).toBeGreaterThanOrEqual(t.cls.syscall + t.cls.sysret);
    expect(g.machine).toBeLessThan(t.cls.syscall + t.cls.sysret + 10);
    expect(Math.abs(g.deviation)).toBeLessThanOrEqual(0.05);
  });
});
