/**
 * Host-speed optimizations change no result (docs/architecture.md
 * "Performance"): every guest kind of the suite — single-core, multi-core
 * sharing lines, interrupt-heavy, a VMX hypervisor, a Linux process, the
 * Shinjuku server under load — runs with every optimization on and with all
 * of them off (but the block cache, below), and must give the same console, exit, per-core instruction
 * counts and cycles, stop tick, and stream of events (interrupts, IPIs,
 * I/O, halts, exceptions, L1 misses, VM exits). The expected side is the
 * plain machine: the optimizations are judged against the unoptimized run,
 * not against recorded numbers. Runs are small; `npm run bench` measures speed.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage, type RunResult } from '../src/sim/run.js';
import { ALL_OPTIMIZATIONS, type Machine, type Optimizations } from '../src/sim/machine.js';
import type { EventKind } from '../src/sim/events.js';
import { buildLinuxProgram } from '../src/linux/build.js';
import { runLinuxElf } from '../src/linux/run.js';
import { resolveConfig } from '../src/shinjuku/config.js';
import { runPoint } from '../src/shinjuku/server.js';
import { buildVmxGuest } from './vmxGuests.js';

/**
 * Every optimization off but the block cache: without it each block is
 * decoded again at every run (a tenfold slowdown that would dominate this
 * file); test/decodeCache.test.ts compares it on and off on its own.
 */
const OFF: Optimizations = { ...(Object.fromEntries(Object.keys(ALL_OPTIMIZATIONS).map((k) => [k, false])) as unknown as Optimizations), blockCache: true };
/** Every optimization on. */
const ON: Optimizations = ALL_OPTIMIZATIONS;

/** In the optimized runs every block is compiled the first time it runs (the default waits for hot blocks), so every block runs compiled. */
function compileAll(m: Machine): void { for (const c of m.cores) c.compileThreshold = 1; }

/** Events that do not turn optimizations off (retire and mem listeners force the plain paths). */
const KINDS: EventKind[] = ['interrupt', 'ipi', 'io', 'halt', 'exception', 'line', 'eoi', 'vmexit', 'vmentry', 'stop'];

/**
 * Record the event stream into `log`: each event as text, except L1 misses
 * (`line`, by far the most frequent), which are folded into a running hash.
 */
function recorder(log: string[], lines = true): (m: Machine) => void {
  return (m) => {
    for (const k of KINDS) if (k !== 'line') m.events.on(k, (e) => { log.push(`${k} ${JSON.stringify(e)}`); });
    if (!lines) return;
    let h = 0, n = 0;
    m.events.on('line', (e) => {
      h = Math.imul(h ^ e.core, 16777619) ^ Math.imul(e.pa, 2654435761) ^ Math.imul((e.tick * 4) | 0, 40503) ^ (e.cost * 4);
      h = (h ^ e.kind.length ^ (e.source.length << 4)) | 0;
      n++;
    });
    m.events.on('stop', () => { log.push(`line events ${n} hash ${h}`); });
  };
}

function key(r: RunResult, log: string[]) {
  return { console: r.console, exit: r.exitStatus, reason: r.stopReason, tick: r.stop.tick, cores: r.cores, events: log.length, log: log.join('\n') };
}

function both(run: (opt: Partial<Optimizations>, beforeRun: (m: Machine) => void) => RunResult, lines = true) {
  const a: string[] = [], b: string[] = [];
  const on = key(run(ON, (m) => { compileAll(m); recorder(a, lines)(m); }), a);
  const off = key(run(OFF, recorder(b, lines)), b);
  return { on, off };
}

/** `lines`: also compare every L1 miss (costly to record: only where the guest is small). */
const images: { what: string; name: string; sources: string[]; cores: number; lines: boolean }[] = [
  { what: 'single-core compute', name: 'memory', sources: ['guest/tests/memory.c'], cores: 1, lines: false },
  { what: 'multi-core atomics on shared lines', name: 'smp_counter', sources: ['guest/tests/smp_counter.c'], cores: 4, lines: true },
  { what: 'IPIs and interrupts', name: 'ipi_xapic', sources: ['guest/apic/ipi_xapic.c', 'guest/apic/idt.c'], cores: 4, lines: true },
  { what: 'counted loops and RDTSC waits under timer interrupts and IPIs (fast-forward)', name: 'loops', sources: ['guest/spin/loops.c'], cores: 2, lines: false },
  { what: 'timers and idle pollers', name: 'idle', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, lines: false },
];

describe('optimizations on and off give identical runs', () => {
  for (const g of images) {
    it(`${g.name} (${g.what}, ${g.cores} core${g.cores > 1 ? 's' : ''})`, () => {
      const img = buildGuestImage({ name: g.name, sources: g.sources });
      const { on, off } = both((opt, beforeRun) => runImage(img, { cores: g.cores, opt, beforeRun }), g.lines);
      expect(on.reason).toBe('exit');
      expect(off).toEqual(on);
    });
  }

  it('a VMX guest (EPT, VM exits)', () => {
    const img = buildVmxGuest('vmx_ept');
    const { on, off } = both((opt, beforeRun) => runImage(img, { maxCycles: 3e8, opt, beforeRun }));
    expect(off).toEqual(on);
  });

  it('a Linux process on the host kernel (threads, tgkill, HLT)', () => {
    const elf = buildLinuxProgram({ name: 'threads', sources: ['guest/linux/tests/threads.c'] });
    const { on, off } = both((opt, beforeRun) => runLinuxElf(elf, { cores: 2, maxCycles: 5e8, opt, beforeRun }));
    expect(off).toEqual(on);
  });

  it('the Shinjuku server under load (NIC, dispatcher, preemption)', () => {
    const c = resolveConfig({}, { seed: 5, warmup: 0, workers: 2, policy: 'sq', dist: 'bimodal:80-1,20-20', rate: 150_000, requests: 10 });
    const run = (opt: Partial<Optimizations>) => {
      const log: string[] = [];
      const p = runPoint(c, { opt, beforeRun: (m) => { if (opt === ON) compileAll(m); recorder(log, false)(m); } });
      return { replied: Array.from(p.run.client.replied), cores: p.run.machine.cores.map((x) => x.summary()), log: log.join('\n') };
    };
    expect(run(OFF)).toEqual(run(ON));
  });

  it('the Shinjuku server with 100 µs requests preempted mid-loop (loops slept through from run-ahead, proofs reused)', () => {
    const c = resolveConfig({}, { seed: 5, warmup: 0, workers: 4, policy: 'sq', dist: 'bimodal:50-1,50-100', rate: 100_000, requests: 40 });
    const run = (opt: Partial<Optimizations>) => {
      const log: string[] = [];
      const p = runPoint(c, { opt, beforeRun: (m) => { if (opt === ON) compileAll(m); recorder(log, false)(m); } });
      const m = p.run.machine;
      const workers = m.cores.slice(2);
      return {
        result: { replied: Array.from(p.run.client.replied), cores: m.cores.map((x) => x.summary()), log: log.join('\n') },
        aheadSleeps: workers.reduce((a, x) => a + x.loopTracker.aheadSleeps, 0),
        reused: workers.reduce((a, x) => a + x.loopTracker.reused, 0),
      };
    };
    const on = run(ON), off = run(OFF);
    expect(off.result).toEqual(on.result);
    // The paths this case is here for really ran.
    expect(on.aheadSleeps).toBeGreaterThan(100);
    expect(on.reused).toBeGreaterThan(100);
  });
});
