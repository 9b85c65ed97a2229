/**
 * Determinism and the global scheduler (shared/design.md §3):
 *   "A global scheduler always advances the core (or device event) with the
 *    smallest local time; ties break by a fixed order (event sequence number,
 *    then core id). Same inputs + same seed ⇒ bit-identical results and
 *    traces."
 * and cycle accounting against the machine profile (design.md §6: all cycle
 * constants live in profiles/haswell-e5-2658v3.json, which is the spec here).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { parseElf } from '../src/loader/elf.js';
import { runImage, type RunResult } from '../src/sim/run.js';

const MEMORY_BYTES = 512 * 1024 * 1024;
const MAX_CYCLES = 4_000_000_000;

const smpCounter = () => buildGuestImage({ name: 'smp_counter', sources: ['guest/tests/smp_counter.c'] });
const sort = () => buildGuestImage({ name: 'sort', sources: ['guest/tests/sort.c'] });

interface Traced {
  result: RunResult;
  /** sha256 of every retire event (core, rip, tick) in stream order. */
  hash: string;
  retired: number;
}

/** Run with a retire listener that hashes the whole stream (and optionally sees each event). */
function traced(elf: string, cores: number, each?: (core: number, rip: number, tick: number, start: number) => void): Traced {
  const h = createHash('sha256');
  const buf = new Float64Array(3 * 8192);
  let n = 0, retired = 0;
  const result = runImage(elf, {
    cores, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES,
    beforeRun: (m) => {
      m.events.on('retire', (e) => {
        buf[n++] = e.core; buf[n++] = e.rip; buf[n++] = e.tick;
        retired++;
        if (n === buf.length) { h.update(new Uint8Array(buf.buffer)); n = 0; }
        each?.(e.core, e.rip, e.tick, e.start);
      });
    },
  });
  h.update(new Uint8Array(buf.buffer, 0, n * 8));
  return { result, hash: h.digest('hex'), retired };
}

describe('same image and options twice: bit-identical results and traces', () => {
  for (const [name, elf, cores] of [['smp_counter', smpCounter, 4], ['sort', sort, 1]] as const) {
    it(`${name} on ${cores} core${cores > 1 ? 's' : ''}`, () => {
      const a = traced(elf(), cores);
      const b = traced(elf(), cores);
      expect(a.result.stopReason).toBe('exit');
      expect(a.result.exitStatus).toBe(0);
      expect(b.result.cores).toEqual(a.result.cores);
      expect(b.result.console).toBe(a.result.console);
      expect(b.result.stop).toEqual(a.result.stop);
      expect(b.retired).toBe(a.retired);
      expect(b.hash).toBe(a.hash);
      // one retire event per retired instruction
      expect(a.retired).toBe(a.result.cores.reduce((s, c) => s + c.instructions, 0));
      // Observing must not change what is observed: the same run without a
      // listener takes the same cycles and instructions on every core.
      const quiet = runImage(elf(), { cores, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES });
      expect(quiet.cores).toEqual(a.result.cores);
      expect(quiet.stop).toEqual(a.result.stop);
    });
  }
});

describe('global order of instruction starts (design.md §3)', () => {
  /*
   * Each instruction starts where the previous one of the same core ended,
   * i.e. at that core's previous retire tick (0 for its first instruction) —
   * or later, when it first waited for a line from another core's cache
   * (load replay, docs/cost-model.md); the retire event's `start` says when,
   * and it may never be earlier than the core's previous retire.
   * If the scheduler always advances the core with the smallest local time,
   * ties to the lower core id, then in stream order the starts never go
   * down, and two consecutive instructions of different cores with equal
   * starts come lower id first: the stream is sorted by (start, core).
   * smp_counter's cores share counters and spin on them, so the stream
   * interleaves finely.
   */
  for (const cores of [2, 4]) {
    it(`smp_counter on ${cores} cores: starts sorted by (start tick, core id)`, () => {
      const lastEnd = new Array<number>(cores).fill(0);
      let prevStart = -Infinity, prevCore = -1;
      let violations = 0, switches = 0, ties = 0;
      let first = '';
      let waited = 0;
      traced(smpCounter(), cores, (core, rip, tick, start) => {
        expect(start).toBeGreaterThanOrEqual(lastEnd[core]!);
        if (start > lastEnd[core]!) waited++;
        lastEnd[core] = tick;
        if (start < prevStart || (start === prevStart && core < prevCore)) {
          if (violations++ === 0) first = `core ${core} rip 0x${rip.toString(16)} starts at ${start} after core ${prevCore} started at ${prevStart}`;
        }
        if (core !== prevCore && prevCore >= 0) { switches++; if (start === prevStart) ties++; }
        prevStart = start; prevCore = core;
      });
      expect(violations, first).toBe(0);
      expect(waited).toBeGreaterThan(0); // some loads waited for another core's line
      // the invariant was exercised: the cores interleave, and some switches happen at equal times
      expect(switches).toBeGreaterThan(1000);
      expect(ties).toBeGreaterThan(0);
    });
  }
});

describe('cycle accounting: a fixed loop costs what the profile says', () => {
  /*
   * guest/system/timed_loop.c runs, N then 2N times:
   *   loop_pre: mov %rdi,%rcx ; loop_top: add $1,%rax ; dec %rcx ; loop_jnz: jnz loop_top
   * The profile's own descriptions put add and dec in class "alu" and Jcc in
   * class "jcc", with "taken branches add branchTaken". From the retire tick
   * of loop_pre (= the start of the first add) to the retire tick of the last
   * jnz, N iterations cost N x (alu + alu + jcc) + (N - 1) x branchTaken core
   * cycles (the last jnz falls through), times tscHz / coreHz ticks per core
   * cycle. No memory operands, so nothing else is charged.
   * Hence cycles(2N) - cycles(N) = N x (2 alu + jcc + branchTaken).
   */
  it('cycles(N) and cycles(2N) - cycles(N) in closed form from profiles/haswell-e5-2658v3.json', () => {
    const N = 1000;
    const profile = JSON.parse(readFileSync(new URL('../profiles/haswell-e5-2658v3.json', import.meta.url), 'utf8'));
    const cls = profile.instructionClasses;
    const ticksPerCycle = profile.clock.tscHz.value / profile.clock.coreHz.value;
    const alu = cls.alu.cycles * ticksPerCycle, jcc = cls.jcc.cycles * ticksPerCycle, taken = cls.branchTaken.cycles * ticksPerCycle;

    const elf = buildGuestImage({ name: 'timed_loop', sources: ['guest/system/timed_loop.c'], cflags: [`-DN_ITER=${N}`] });
    const syms = parseElf(new Uint8Array(readFileSync(elf)), { ramBytes: MEMORY_BYTES }).symbols;
    const addr = (s: string) => syms.find((x) => x.name === s)!.value;
    const pre = addr('loop_pre'), top = addr('loop_top'), jnz = addr('loop_jnz');

    const runs: { from: number; to: number; iterations: number }[] = [];
    const r = traced(elf, 1, (_core, rip, tick) => {
      if (rip === pre) runs.push({ from: tick, to: NaN, iterations: 0 });
      else if (rip === top) runs[runs.length - 1]!.iterations++;
      else if (rip === jnz) runs[runs.length - 1]!.to = tick;
    }).result;
    expect(r.console).toBe(`iterations ${N} ${2 * N}\n`);
    expect(runs.map((x) => x.iterations)).toEqual([N, 2 * N]);
    const cycles = runs.map((x) => x.to - x.from);
    const closed = (n: number) => n * (alu + alu + jcc) + (n - 1) * taken;
    expect(cycles[0]).toBeCloseTo(closed(N), 9);
    expect(cycles[1]).toBeCloseTo(closed(2 * N), 9);
    expect(cycles[1]! - cycles[0]!).toBeCloseTo(N * (2 * alu + jcc + taken), 9);
  });
});
