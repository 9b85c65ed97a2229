/**
 * The block compiler (src/cpu/blockCompiler.ts) with every block compiled
 * the first time it runs: guest programs whose reference is native
 * execution on this host must print exactly what the native build prints,
 * and every run must take exactly the cycles and instructions of the
 * interpreter. condjump.c puts each Jcc right after the ALU op that sets its
 * flags, the shape the compiler fuses; flags.c hashes every ALU op's flags.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram } from '../src/guest/build.js';
import { runImage, type RunResult } from '../src/sim/run.js';
import { DEFAULT_OPTIMIZATIONS } from '../src/sim/machine.js';
import { compileStats } from '../src/cpu/blockCompiler.js';
import type { Machine } from '../src/sim/machine.js';
import type { CoherentMemorySystem } from '../src/memory/coherence.js';

const MEMORY_BYTES = 512 * 1024 * 1024;
const MAX_CYCLES = 4_000_000_000;

function native(name: string): string {
  const exe = buildNativeProgram({ name, sources: [`guest/tests/${name}.c`] });
  const r = spawnSync(exe, [], { encoding: 'latin1', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`native ${name} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

function run(name: string, compile: boolean): RunResult {
  const img = buildGuestImage({ name, sources: [`guest/tests/${name}.c`] });
  return runImage(img, {
    cores: 1, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES,
    opt: { ...DEFAULT_OPTIMIZATIONS, blockCompile: compile },
    beforeRun: (m) => { for (const c of m.cores) c.compileThreshold = 1; },
  });
}

describe('block compiler: every block compiled at its first run', () => {
  for (const name of ['condjump', 'flags', 'arith', 'control', 'memory', 'sort']) {
    it(`${name}: native output, and the interpreter's cycles`, () => {
      const before = { ...compileStats };
      const got = run(name, true);
      expect(got.stopReason).toBe('exit');
      expect(got.console).toBe(native(name));
      expect(compileStats.blocks).toBeGreaterThan(before.blocks);
      if (name === 'condjump') {
        // Most of its Jccs follow their ALU op directly: the fused conditions must have been used.
        expect(compileStats.fused - before.fused).toBeGreaterThan(400);
      }
      const ref = run(name, false);
      expect(got.cores).toEqual(ref.cores);
      expect(got.stop.tick).toBe(ref.stop.tick);
    });
  }
});

describe('loads and stores that hit the TLB and the L1, tested inline (src/cpu/inlineMemory.ts)', () => {
  /** Every block compiled at once; `read`/`write` calls counted on the cores (the inline hit path makes none). */
  function counted(sources: string[], name: string, inlineHits: boolean) {
    const img = buildGuestImage({ name, sources });
    let reads = 0, writes = 0;
    let machine: Machine | null = null;
    const r = runImage(img, {
      cores: 1, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES,
      opt: { ...DEFAULT_OPTIMIZATIONS, inlineHits },
      beforeRun: (m) => {
        machine = m;
        for (const c of m.cores) {
          c.compileThreshold = 1;
          const read = c.read.bind(c), write = c.write.bind(c);
          c.read = (lin, sz) => { reads++; return read(lin, sz); };
          c.write = (lin, sz, v, vHi) => { writes++; write(lin, sz, v, vHi); };
        }
      },
    });
    return { r, reads, writes, caches: cacheState(machine!) };
  }

  /** The cache and TLB state the hit path updates: LRU clocks and stamps, directory entries (owner, dirty, store version). */
  function cacheState(m: Machine) {
    const ms = m.memsys as CoherentMemorySystem;
    const digest = (a: ArrayLike<number>) => { let h = 0; for (let i = 0; i < a.length; i++) h = (Math.imul(h, 31) + (a[i]! | 0) + Math.floor(a[i]! / 4294967296)) | 0; return h; };
    return { clock: ms.clock, dir: digest(ms.dir), l1: digest(ms.l1Stamp), tlbs: m.cores.map((c) => [c.tlb.clock, digest(c.tlb.stamp)]) };
  }

  for (const [name, sources] of [['memory', ['guest/tests/memory.c']], ['sort', ['guest/tests/sort.c']], ['smc', ['guest/system/smc.c']]] as const) {
    it(`${name}: the same run as through read/write, most of whose calls are gone`, () => {
      const on = counted([...sources], name, true), off = counted([...sources], name, false);
      expect(on.r.stopReason).toBe('exit');
      expect(on.r.console).toBe(off.r.console);
      expect(on.r.cores).toEqual(off.r.cores);
      expect(on.r.stop.tick).toBe(off.r.stop.tick);
      expect(on.caches).toEqual(off.caches);
      if (name === 'smc') {
        // Stores into code pages must leave through write (it drops the page's decoded blocks): the output proves it.
        expect(on.r.console).toContain('smc done');
        return;
      }
      expect(on.reads).toBeLessThan(off.reads / 2);
      expect(on.writes).toBeLessThan(off.writes / 2);
    });
  }
});
