/**
 * Run-ahead (docs/architecture.md "Run-ahead") is an optimization: a core
 * past its scheduler limit goes on through register-only instructions, and
 * goes back when the machine stops or pauses before them. The expected side
 * is always the same machine with run-ahead off (the plain (time, id)
 * order); the checks also require that run-ahead and its rewind really
 * happened, so the equivalence is not vacuous. test/optimizations.test.ts
 * covers the suite's other guests with every optimization on and off.
 */
import { readFileSync } from 'node:fs';
import { Decoder, DecoderOptions, Instruction } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { isPure } from '../src/cpu/pureOps.js';
import { createMachine, runImage } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';
import type { Machine } from '../src/sim/machine.js';

const AHEAD = { name: 'ahead', sources: ['guest/spin/ahead.c'] };

/** Everything the plain order fixes about a core: clock, count, RIP, registers, flags. */
function coreState(m: Machine) {
  return m.cores.map((c) => ({ time: c.time, instructions: c.instructions, rip: c.rip, lo: Array.from(c.lo), hi: Array.from(c.hi), flags: c.getRflags(), state: c.state }));
}

describe('run-ahead', () => {
  it('stops with every core where the plain order leaves it: the ones ahead of the exit are rewound', () => {
    const img = buildGuestImage(AHEAD);
    const run = (runAhead: boolean) => {
      let m: Machine | null = null;
      const r = runImage(img, { cores: 3, opt: { runAhead }, beforeRun: (mm) => { m = mm; } });
      return { r, m: m! as Machine };
    };
    const on = run(true), off = run(false);
    expect(on.r.console).toBe('core 0: sum 163497984\n'); // Σ over 12 rounds of buf[i] += i ^ r, summed after each add
    expect(on.r.exitStatus).toBe(0);
    expect(on.r.stop.tick).toBe(off.r.stop.tick);
    expect(on.r.cores).toEqual(off.r.cores);
    expect(coreState(on.m)).toEqual(coreState(off.m));
    // Cores 1 and 2 compute register-only all along: they ran ahead, and were ahead at the exit.
    expect(on.m.cores[1]!.aheadOps).toBeGreaterThan(10_000);
    // ... also on from one block into the next (the hash loops' blocks end in their back branch).
    expect(on.m.cores[1]!.aheadBlocks).toBeGreaterThan(100);
    expect(on.m.cores[1]!.aheadRewinds + on.m.cores[2]!.aheadRewinds).toBeGreaterThan(0);
    expect(off.m.cores.every((c) => c.aheadOps === 0)).toBe(true);
  });

  it('stops at the cycle limit with every core where the plain order leaves it (no rewind: every op run ahead started before the limit)', () => {
    const img = buildGuestImage({ name: 'idle', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'] });
    for (const maxCycles of [300_000, 123_457]) {
      const run = (runAhead: boolean) => {
        let m: Machine | null = null;
        const r = runImage(img, { cores: 4, maxCycles, spinDetection: false, opt: { runAhead }, beforeRun: (mm) => { m = mm; } });
        return { r, m: m! as Machine };
      };
      const on = run(true), off = run(false);
      expect(on.r.stopReason).toBe('max-cycles');
      expect(on.r.cores).toEqual(off.r.cores);
      expect(coreState(on.m)).toEqual(coreState(off.m));
      expect(on.m.cores.reduce((a, c) => a + c.aheadBlocks, 0)).toBeGreaterThan(100);
    }
  });

  it('pauses with every core where the plain order leaves it, and resumes to the same end', () => {
    const img = new Uint8Array(readFileSync(buildGuestImage(AHEAD)));
    for (const at of [60_000.25, 123_456, 200_001.5]) {
      const observe = (runAhead: boolean) => {
        const m = createMachine(img, { cores: 3, opt: { runAhead } });
        m.queue.schedule(at, () => m.requestPause());
        expect(m.runUntilPause()).toBeNull();
        const paused = coreState(m);
        const rewinds = m.cores.reduce((a, c) => a + c.aheadRewinds, 0);
        const stop = m.run();
        return { paused, rewinds, end: coreState(m), tick: stop.tick };
      };
      const on = observe(true), off = observe(false);
      expect(on.paused).toEqual(off.paused);
      expect(on.end).toEqual(off.end);
      expect(on.tick).toBe(off.tick);
      expect(on.rewinds).toBeGreaterThan(0);
    }
  });

  it('takes every IPI at the instruction boundary of the plain order, even on a bus as fast as a cycle', () => {
    // Core 1 hashes in long register-only blocks with IF = 1 while core 0 sends it 400 IPIs, one at a
    // time. With the profile's bus (315 cycles) a core can never run a block past an arrival; with a
    // 1-cycle bus and 1-cycle xAPIC accesses it could, unless the run-ahead bound (the other cores'
    // clocks plus the bus latency) holds it back — a bound 100 times too loose fails here.
    const img = buildGuestImage({ name: 'ahead_ipi', sources: ['guest/spin/ahead_ipi.c', 'guest/apic/idt.c'] });
    const fast = loadProfile();
    fast.apic.ipiLatency.cycles = 1;
    fast.apic.ipiLatencyCrossSocket.cycles = 1;
    fast.apic.xapicMmioAccess.cycles = 1;
    for (const profile of [loadProfile(), fast]) {
      const run = (runAhead: boolean) => {
        let m: Machine | null = null;
        const r = runImage(img, { cores: 3, profile, opt: { runAhead }, beforeRun: (mm) => { m = mm; } });
        return { r, m: m! as Machine };
      };
      const on = run(true), off = run(false);
      expect(on.r.console).toBe('ahead_ipi: 400 IPIs taken, sum 256561824\n'); // Σ over 400 rounds of 24 buf[i] += i ^ k
      expect(on.r.stop.tick).toBe(off.r.stop.tick);
      expect(on.r.cores).toEqual(off.r.cores);
      expect(coreState(on.m)).toEqual(coreState(off.m));
      expect(on.m.cores[1]!.aheadOps).toBeGreaterThan(10_000);
    // ... also on from one block into the next (the hash loops' blocks end in their back branch).
    expect(on.m.cores[1]!.aheadBlocks).toBeGreaterThan(100);
    }
  });

  it('runs ahead only over register-only instructions', () => {
    // A machine's decoder turns bytes into ops; isPure reads the op (src/cpu/pureOps.ts).
    const m = createMachine(new Uint8Array(readFileSync(buildGuestImage(AHEAD))), { cores: 1 });
    const pure = (hex: string) => {
      const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
      const d = new Decoder(64, bytes, DecoderOptions.None);
      const ins = new Instruction();
      d.decodeOut(ins);
      const op = m.decode.makeOp(ins);
      d.free();
      return isPure(op);
    };
    expect(pure('4889d8')).toBe(true); // mov %rbx,%rax
    expect(pure('488d4308')).toBe(true); // lea 0x8(%rbx),%rax: an address, no access
    expect(pure('0f1f4000')).toBe(true); // nopl 0x0(%rax)
    expect(pure('4801d8')).toBe(true); // add %rbx,%rax
    expect(pure('48c1e00d')).toBe(true); // shl $0xd,%rax
    expect(pure('480f44c3')).toBe(true); // cmove %rbx,%rax
    expect(pure('75fe')).toBe(true); // jne (rel8)
    expect(pure('488b03')).toBe(false); // mov (%rbx),%rax: a load
    expect(pure('488903')).toBe(false); // mov %rax,(%rbx): a store
    expect(pure('f0480103')).toBe(false); // lock add %rax,(%rbx)
    expect(pure('0f31')).toBe(true); // rdtsc: the core's own clock (run-ahead is off in VMX non-root, where it may exit)
    expect(pure('0f01f9')).toBe(false); // rdtscp: also reads IA32_TSC_AUX, left out
    expect(pure('f390')).toBe(false); // pause: spin detection watches it
    expect(pure('0f22d8')).toBe(false); // mov %rax,%cr3: system state
    expect(pure('8ed0')).toBe(false); // mov %eax,%ss: a segment register (and an interrupt shadow)
    expect(pure('ffe0')).toBe(false); // jmp *%rax: the target may be non-canonical
    expect(pure('50')).toBe(false); // push %rax: the stack is memory
    expect(pure('48f7f3')).toBe(false); // div %rbx: #DE
    expect(pure('e600')).toBe(false); // out %al,$0x0: a device
    expect(pure('fa')).toBe(false); // cli
  });
});
