/**
 * Linux processes on the machine (the host kernel, guest/host, with the user
 * runtime, guest/linux): every program in guest/linux/tests runs three ways
 * and must print the same bytes and exit with the same status:
 *   - built against this host's glibc and run on this host's Linux (the oracle);
 *   - built with the user runtime and run on this host's Linux (the runtime
 *     against a real kernel);
 *   - the same binary as the host kernel's user program on the emulated
 *     machine (2 cores: the programs' threads need at most two).
 * The programs exercise system calls, signal delivery and its frame,
 * rt_sigreturn with registers and FP/vector state, tgkill between threads
 * on different cores (the reschedule IPI), and glibc's ucontext next to
 * Shinjuku's fast switches.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/guest/build.js';
import { buildLinuxNative, buildLinuxProgram } from '../src/linux/build.js';
import { runLinuxElf, runNative } from '../src/linux/run.js';

const programs = readdirSync(join(repoRoot, 'guest', 'linux', 'tests'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2))
  .sort();

describe('Linux processes: the machine under the host kernel vs this host', () => {
  it('has the programs the issue asks for', () => {
    expect(programs).toEqual(expect.arrayContaining(['signals', 'sigreturn_fp', 'sigreturn_regs', 'syscalls', 'threads', 'ucontext']));
  });
  for (const name of programs) {
    it(name, () => {
      const p = { name, sources: [`guest/linux/tests/${name}.c`] };
      const glibc = runNative(buildLinuxNative(p));
      expect(glibc.stdout.length, `${name} printed nothing natively`).toBeGreaterThan(0);
      const elf = buildLinuxProgram(p);
      const ours = runNative(elf);
      expect(ours.stdout, `${name}: the user runtime on this host's Linux vs glibc`).toBe(glibc.stdout);
      expect(ours.status).toBe(glibc.status);
      const got = runLinuxElf(elf, { cores: 2, maxCycles: 5e8 });
      expect(got.console, `${name} on the machine (stop: ${got.stopReason} ${got.stop.detail ?? ''})`).toBe(glibc.stdout);
      expect(got.exitStatus).toBe(glibc.status);
    });
  }
});

describe('Linux processes: optimizations change no cycle', () => {
  it('threads (tgkill across cores, idle cores in HLT, user spin loops): same cycles with the TLB filter, the block cache and spin detection off', () => {
    const elf = buildLinuxProgram({ name: 'threads', sources: ['guest/linux/tests/threads.c'] });
    const on = runLinuxElf(elf, { cores: 2, maxCycles: 5e8 });
    const off = runLinuxElf(elf, {
      cores: 2, maxCycles: 5e8, spinDetection: false,
      beforeRun: (m) => { m.decode.cacheBlocks = false; for (const c of m.cores) c.tlb.filterEnabled = false; },
    });
    expect(off.console).toBe(on.console);
    expect(off.cores).toEqual(on.cores);
  });
});
