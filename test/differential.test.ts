/**
 * Differential tests: every program in guest/tests/ runs natively on the host
 * (the reference: real x86-64 hardware) and as a guest on the emulator; the
 * console bytes and the exit status must be identical.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram, repoRoot } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

/** Instruction oracles with a test file of their own (test/sse.test.ts, test/avx.test.ts). */
const OWN_TEST = new Set(['sse', 'avx']);
const programs = readdirSync(join(repoRoot, 'guest', 'tests'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2))
  .filter((n) => !OWN_TEST.has(n))
  .sort();

/** Programs whose output must not depend on the core count; the native reference has one core. */
const coreCounts: Record<string, number[]> = { smp_counter: [1, 2, 4] };

/** 512 MiB, the peers' default (MEM_MB), so the same image fits here as on QEMU and Bochs. */
const MEMORY_BYTES = 512 * 1024 * 1024;
/** Far above what any test program needs (sort.c, the largest, runs about 32 M instructions). */
const MAX_CYCLES = 4_000_000_000;

function native(name: string): { console: string; status: number } {
  const exe = buildNativeProgram({ name, sources: [`guest/tests/${name}.c`] });
  const r = spawnSync(exe, [], { encoding: 'latin1', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  if (r.status === null) throw new Error(`native ${name} was killed by ${r.signal}`);
  return { console: r.stdout, status: r.status };
}

describe('guest programs: emulator vs native execution', () => {
  for (const name of programs) {
    for (const cores of coreCounts[name] ?? [1]) {
      it(`${name} on ${cores} core${cores > 1 ? 's' : ''}`, () => {
        const want = native(name);
        const elf = buildGuestImage({ name, sources: [`guest/tests/${name}.c`] });
        const got = runImage(elf, { cores, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES });
        expect(got.console, `console of ${name} (stop reason: ${got.stopReason})`).toBe(want.console);
        expect(got.exitStatus, `exit status of ${name} (stop reason: ${got.stopReason})`).toBe(want.status);
        expect(got.cores).toHaveLength(cores);
        for (const c of got.cores) expect(c.instructions).toBeGreaterThan(0);
      });
    }
  }
});
