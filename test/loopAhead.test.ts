/**
 * Fast-forward of loops reached while running ahead (src/cpu/core.ts
 * `loopAhead`, docs/architecture.md "Loop sleepers and fast-forward"). In
 * the Shinjuku server a worker's service loop is cut into slices of a few
 * hundred cycles by the dispatcher, which never sleeps; most of its
 * iterations start while the worker runs ahead. The expected side is the
 * same machine with fast-forward off, and with run-ahead off (the plain
 * (time, id) order): same console, counts, clocks, registers and stop tick.
 * The checks also require that the new paths really ran — jumps and sleeps
 * begun ahead, proofs reused across slices, a loop sleep undone by a stop or
 * a pause — so the equivalence is not vacuous.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { createMachine, runImage } from '../src/sim/run.js';
import type { Machine, Optimizations } from '../src/sim/machine.js';
import { Block } from '../src/cpu/op.js';
import { LoopTracker, applyUnits, rebaseProof, type LoopProof } from '../src/cpu/loopForward.js';
import type { FlagKind } from '../src/cpu/flags.js';

const GUEST = { name: 'ahead_loop', sources: ['guest/spin/ahead_loop.c', 'guest/apic/idt.c'] };

function coreState(m: Machine) {
  return m.cores.map((c) => ({ time: c.time, instructions: c.instructions, rip: c.rip, lo: Array.from(c.lo), hi: Array.from(c.hi), flags: c.getRflags(), state: c.state }));
}

describe('fast-forward of loops reached while running ahead', () => {
  const img = () => buildGuestImage(GUEST);

  it('gives the plain order\'s run, with loops jumped and slept through from run-ahead', () => {
    const run = (opt: Partial<Optimizations>) => {
      let m: Machine | null = null;
      const r = runImage(img(), { cores: 2, opt, beforeRun: (mm) => { m = mm; } });
      return { r, m: m! as Machine };
    };
    const on = run({}), noLoops = run({ loopForward: false }), plain = run({ loopForward: false, runAhead: false });
    expect(on.r.exitStatus).toBe(0);
    expect(on.r.console).toMatch(/^ahead_loop: core 1 waited \d+, \d+ IPIs sent, \d+ taken, sum \d+\n$/);
    for (const other of [noLoops, plain]) {
      expect(on.r.console).toBe(other.r.console);
      expect(on.r.stop.tick).toBe(other.r.stop.tick);
      expect(on.r.cores).toEqual(other.r.cores);
      expect(coreState(on.m)).toEqual(coreState(other.m));
    }
    const t = on.m.cores[1]!.loopTracker;
    expect(t.aheadJumps).toBeGreaterThan(0); // in place: a proven stretch that ends before the bound
    expect(t.aheadSleeps).toBeGreaterThan(20); // the waits, asleep while core 0 runs
    expect(t.reused).toBeGreaterThan(10); // proofs carried from one slice to the next
    // The exit (core 0's, right after core 1 starts a wait) found core 1 asleep in a loop it began ahead of it.
    expect(on.m.spin.loopSleepsRewound).toBe(1);
    // Without the loops reached ahead, core 1's loops are almost never seen for three iterations in a row.
    expect(noLoops.m.spin.loopSleeps).toBe(0);
    // The IPIs woke core 1 inside waits: some were taken.
    expect(Number(/(\d+) taken/.exec(on.r.console)![1])).toBeGreaterThan(5);
  });

  it('pauses with every core where the plain order leaves it: a loop sleep begun ahead is undone', () => {
    const bytes = new Uint8Array(readFileSync(img()));
    let undone = 0;
    for (const at of [100_000.5, 250_000, 377_777.25, 470_000]) {
      const observe = (opt: Partial<Optimizations>) => {
        const m = createMachine(bytes, { cores: 2, opt });
        m.queue.schedule(at, () => m.requestPause());
        expect(m.runUntilPause()).toBeNull();
        m.settleSpinners();
        const paused = coreState(m);
        const rewound = m.spin.loopSleepsRewound;
        const stop = m.run();
        return { paused, rewound, end: coreState(m), tick: stop.tick, sleeps: m.spin.loopSleeps };
      };
      const on = observe({}), off = observe({ loopForward: false, runAhead: false });
      expect(on.paused).toEqual(off.paused);
      expect(on.end).toEqual(off.end);
      expect(on.tick).toBe(off.tick);
      expect(on.sleeps).toBeGreaterThan(0);
      undone += on.rewound;
    }
    expect(undone).toBeGreaterThan(0);
  });
});

describe('a proof carried to a later entry (rebaseProof)', () => {
  // A hand-made proof for a two-register loop: r1 counts up by 5, r2 down by 3, r0 stays 7;
  // each unit costs 11.5 ticks and 4 instructions; the last CMP compared r1 with 1000 (FlagKind.Sub = 3).
  const block = new Block(0x1000, 0x1000, [], [1]);
  const proof = (): LoopProof => ({
    block, t0: 100, n0: 50, Q: 11.5, I: 4, m: 1,
    start: [7n, 1n, 1_000_000n, ...Array<bigint>(13).fill(0n)],
    step: [0n, 5n, -3n, ...Array<bigint>(13).fill(0n)],
    units: 40,
    flags: { kind: 3 as FlagKind, a: { c: 1n, s: 5n }, b: { c: 1000n, s: 0n }, sz: 8 },
    tscOffset: 0,
  });
  /** A core standing where unit j of the proof starts (closed form: start + j·step at t0 + j·Q). */
  const coreAt = (j: number) => {
    const lo = new Int32Array(16), hi = new Int32Array(16);
    lo[0] = 7; lo[1] = 1 + 5 * j; lo[2] = 1_000_000 - 3 * j;
    const flags: number[] = [];
    return { lo, hi, time: 100 + 11.5 * j, instructions: 50 + 4 * j, tscOffset: 0, flags,
      setArith(_k: FlagKind, _sz: number, a: number, _aHi: number, b: number) { flags.push(a, b); } };
  };

  it('holds from any unit on the proven path, shifted by that many units', () => {
    const p = proof();
    for (const j of [1, 17, 39]) {
      const again = rebaseProof(coreAt(j), block, p)!;
      expect(again).not.toBeNull();
      expect(again.t0).toBe(100 + 11.5 * j);
      expect(again.n0).toBe(50 + 4 * j);
      expect(again.units).toBe(40 - j);
      expect(again.start.slice(0, 3)).toEqual([7n, BigInt(1 + 5 * j), BigInt(1_000_000 - 3 * j)]);
      // k units from the later entry land where j + k units from the first do, flags included.
      const k = 40 - j;
      const viaAgain = coreAt(j), viaFirst = coreAt(0);
      applyUnits(viaAgain, again, k);
      applyUnits(viaFirst, p, j + k);
      expect([viaAgain.time, viaAgain.instructions, Array.from(viaAgain.lo), viaAgain.flags])
        .toEqual([viaFirst.time, viaFirst.instructions, Array.from(viaFirst.lo), viaFirst.flags]);
      expect(viaFirst.lo[1]).toBe(1 + 5 * 40);
    }
  });

  it('refuses a core that is not where the proof has it', () => {
    const p = proof();
    const off = (edit: (c: ReturnType<typeof coreAt>) => void) => { const c = coreAt(5); edit(c); return rebaseProof(c, block, p); };
    expect(off(() => {})).not.toBeNull();
    expect(off((c) => { c.lo[2]! += 1; })).toBeNull(); // a register off the path
    expect(off((c) => { c.hi[1] = 1; })).toBeNull(); // a high half off the path
    expect(off((c) => { c.time += 0.25; })).toBeNull(); // the clock off the path
    expect(off((c) => { c.instructions += 2; })).toBeNull(); // mid-unit
    expect(off((c) => { c.tscOffset = 1000; })).toBeNull(); // RDTSC would read other values
    expect(rebaseProof(coreAt(5), new Block(0x1000, 0x1000, [], [1]), p)).toBeNull(); // another block
    expect(rebaseProof(coreAt(0), block, p)).toBeNull(); // unit 0 is the proof itself
    expect(rebaseProof(coreAt(40), block, p)).toBeNull(); // the proof says nothing past its last unit
    expect(rebaseProof(coreAt(41), block, p)).toBeNull();
  });
});

describe('the step filter before a proof (LoopTracker.sameStep)', () => {
  /** A tracker fed entries to one block whose register 1 takes the 64-bit values `values` in turn (m = 4 below). */
  function verdicts(values: number[]): boolean[] {
    const t = new LoopTracker();
    const block = new Block(0x2000, 0x2000, [{} as never, {} as never], [2]);
    const lo = new Int32Array(16), hi = new Int32Array(16);
    const out: boolean[] = [];
    values.forEach((v, n) => {
      lo[1] = v | 0; hi[1] = Math.floor(v / 4294967296);
      t.record({ lo, hi, time: n * 10, instructions: n * 2, tscOffset: 0, setArith() {} }, block);
      if (n > 0) out.push(t.count >= 6 ? t.sameStep(4) : false);
    });
    return out;
  }
  const walk = (start: number, steps: number[]) => steps.reduce((acc, s) => [...acc, acc[acc.length - 1]! + s], [start]);
  // Steps 27, 27, 28, 27 repeating: a fractional per-iteration clock; every 4-iteration unit adds 109.
  const periodic = [27, 27, 28, 27, 27, 27, 28, 27];

  it('refuses a window that still holds a transient iteration', () => {
    // One iteration that jumped by 5000 first (a resumed context's RDTSC gap). After entry k the filter
    // compares entries k-4..k with k-5..k-1: the jump (entries 0 to 1) is in the older window at
    // entry 5, and out of both from entry 6.
    expect(verdicts(walk(1000, [5000, ...periodic]))).toEqual([false, false, false, false, false, true, true, true, true]);
  });

  it('takes differences mod 2^64: a register that counts through zero keeps its step', () => {
    // From -60 up by 27 per iteration: the low halves wrap while the high half goes from -1 to 0.
    expect(verdicts(walk(-60, [27, 27, 27, 27, 27, 27, 27, 27]))).toEqual([false, false, false, false, true, true, true, true]);
    // The same across 2^32 (the high half goes from 0 to 1).
    expect(verdicts(walk(4294967296 - 60, [27, 27, 27, 27, 27, 27, 27, 27]))).toEqual([false, false, false, false, true, true, true, true]);
    // And a step that changes in the high half only is seen.
    expect(verdicts(walk(0, [1, 1, 1, 1, 1, 1, 1 + 4294967296]))).toEqual([false, false, false, false, true, true, false]);
  });
});
