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
