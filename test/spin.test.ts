/**
 * Spin detection (src/sim/spin.ts) is an optimization: every guest below
 * must produce the same console, exit status, stop reason and per-core
 * cycles and instruction counts with it on and off. The idle guests also
 * check that it really slept, so the equivalence is not vacuous.
 */
import { describe, it, expect } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage, createMachine, type RunResult } from '../src/sim/run.js';
import { readFileSync } from 'node:fs';
import type { Machine } from '../src/sim/machine.js';

interface Case { name: string; sources: string[]; cores: number; maxCycles?: number; mustSleep?: boolean; /** Skipped iterations at least this share of all instructions. */ skipShare?: number }

const cases: Case[] = [
  // Its cores poll through most of the run, after xAPIC accesses (48.7-cycle MMIO in the profile) and
  // timer interrupts: on the time grid every one of those phases sleeps, not only the first.
  { name: 'idle', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, mustSleep: true, skipShare: 0.1 },
  { name: 'abandon', sources: ['guest/spin/abandon.c'], cores: 3, mustSleep: true },
  { name: 'evict', sources: ['guest/spin/evict.c'], cores: 3, mustSleep: true },
  { name: 'idle-cut', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, maxCycles: 300_000, mustSleep: true },
  { name: 'smp_counter', sources: ['guest/tests/smp_counter.c'], cores: 4 },
  { name: 'demo', sources: ['guest/demo/demo.c'], cores: 4, mustSleep: true },
  { name: 'ipi_xapic', sources: ['guest/apic/ipi_xapic.c', 'guest/apic/idt.c'], cores: 2 },
];

function run(c: Case, spin: boolean): { r: RunResult; sleeps: number; skipped: number } {
  const img = buildGuestImage({ name: c.name.replace('-cut', ''), sources: c.sources });
  let m: Machine | null = null;
  const r = runImage(img, { cores: c.cores, spinDetection: spin, maxCycles: c.maxCycles, beforeRun: (mm) => { m = mm; } });
  const mm = m as unknown as Machine;
  return { r, sleeps: mm.spin.sleeps, skipped: mm.spin.skippedIterations };
}

describe('spin detection on/off equivalence', () => {
  for (const c of cases) {
    it(`${c.name} on ${c.cores} cores${c.maxCycles ? ` (cut at ${c.maxCycles} cycles)` : ''}`, () => {
      const off = run(c, false);
      const on = run(c, true);
      expect(off.sleeps).toBe(0);
      expect(on.r.console).toBe(off.r.console);
      expect(on.r.exitStatus).toBe(off.r.exitStatus);
      expect(on.r.stopReason).toBe(off.r.stopReason);
      expect(on.r.stop.tick).toBe(off.r.stop.tick);
      expect(on.r.cores).toEqual(off.r.cores);
      if (c.mustSleep) {
        expect(on.sleeps).toBeGreaterThan(0);
        expect(on.skipped).toBeGreaterThan(100);
      }
      if (c.skipShare !== undefined) expect(on.skipped).toBeGreaterThan(c.skipShare * off.r.cores.reduce((a, x) => a + x.instructions, 0));
    });
  }

  it('a listener attached mid-run sees the same instructions as without detection (sleepers settle first)', () => {
    const img = new Uint8Array(readFileSync(buildGuestImage({ name: 'abandon', sources: ['guest/spin/abandon.c'] })));
    const observe = (spin: boolean) => {
      const m = createMachine(img, { cores: 3, spinDetection: spin });
      m.queue.schedule(150_000, () => m.requestPause());
      expect(m.runUntilPause()).toBeNull();
      const slept = m.spin.sleeps;
      const seen: string[] = [];
      m.events.on('retire', (e) => { if (seen.length < 200) seen.push(`${e.core}:${e.rip}:${e.tick}`); });
      m.run();
      return { seen, slept, cores: m.cores.map((c) => [c.instructions, c.time]) };
    };
    const off = observe(false), on = observe(true);
    expect(on.slept).toBeGreaterThan(0); // the cores were asleep when the listener arrived
    expect(on.seen).toEqual(off.seen);
    expect(on.cores).toEqual(off.cores);
  });
});
