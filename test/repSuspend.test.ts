/**
 * A REP string op the scheduler suspends part-way has not retired: it runs
 * again from where RCX/RSI/RDI say and counts as one instruction when it
 * completes (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ": the instruction can be
 * interrupted between iterations and resumes). guest/system/rep_split.c
 * copies and fills buffers with REP MOVSB / REP STOSQ on four cores. The
 * expected side: one retire event per completed instruction (the stepping
 * executor), equal to the instruction count, and the same counts and cycles
 * from the block executors with every optimization on and off.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage, type RunResult } from '../src/sim/run.js';
import { ALL_OPTIMIZATIONS, type Machine, type Optimizations } from '../src/sim/machine.js';

const IMG = { name: 'rep_split', sources: ['guest/system/rep_split.c'] };
const OFF = Object.fromEntries(Object.keys(ALL_OPTIMIZATIONS).map((k) => [k, k === 'blockCache'])) as unknown as Optimizations;

describe('REP string ops split across scheduler slices', () => {
  it('retire once, resume where they stopped, and cost the same however they are executed', () => {
    const img = buildGuestImage(IMG);
    const run = (opt: Optimizations, retire: boolean) => {
      let m: Machine | null = null;
      const retired = [0, 0, 0, 0];
      const r: RunResult = runImage(img, {
        cores: 4, opt,
        beforeRun: (mm) => {
          m = mm;
          for (const c of mm.cores) c.compileThreshold = 1;
          if (retire) mm.events.on('retire', (e) => { retired[e.core]!++; });
        },
      });
      return { r, m: m! as Machine, retired };
    };
    const traced = run(ALL_OPTIMIZATIONS, true);
    expect(traced.r.console).toBe('rep copies and fills correct on every core: yes\n');
    expect(traced.m.cores.reduce((a, c) => a + c.repSuspensions, 0)).toBeGreaterThan(20);
    expect(traced.r.cores.map((c) => c.instructions)).toEqual(traced.retired);
    for (const opt of [ALL_OPTIMIZATIONS, OFF]) {
      const plain = run(opt, false);
      expect(plain.r.console).toBe(traced.r.console);
      expect(plain.r.cores).toEqual(traced.r.cores);
      expect(plain.m.cores.reduce((a, c) => a + c.repSuspensions, 0)).toBeGreaterThan(20);
    }
  });
});
