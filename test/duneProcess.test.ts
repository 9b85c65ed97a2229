/**
 * Dune processes under the host kernel (guest/host/dune.c carrying the Dune
 * module, guest/dune; libdune for a Linux process, guest/libdune/entry.c):
 * a program that enters Dune mode makes the same system calls with the
 * same results as the same program in an ordinary Linux process — each
 * SYSCALL in VMX non-root ring 0 lands in libdune's stub, which VMCALLs,
 * and the module's exit loop runs the host kernel's handler.
 */
import { describe, expect, it } from 'vitest';
import { buildLinuxProgram } from '../src/linux/build.js';
import { runLinuxElf } from '../src/linux/run.js';
import { LIBDUNE_PROCESS } from '../src/bench/table2.js';

const src = { sources: ['guest/libdune/tests/syscalls.c'] };

function run(dune: boolean, optimizations = true) {
  const elf = buildLinuxProgram({ name: dune ? 'dune-syscalls' : 'linux-syscalls', ...src, ...(dune ? { after: LIBDUNE_PROCESS } : {}) });
  const exits = new Map<number, number>();
  const r = runLinuxElf(elf, {
    cores: 1, maxCycles: 5e8,
    ...(optimizations ? {} : { spinDetection: false }),
    beforeRun: (m) => {
      m.events.on('vmexit', (e) => exits.set(e.reason, (exits.get(e.reason) ?? 0) + 1));
      if (!optimizations) { m.decode.cacheBlocks = false; for (const c of m.cores) c.tlb.filterEnabled = false; }
    },
  });
  return { ...r, exits };
}

describe('a Dune process: system calls through VMCALL', () => {
  const linux = run(false);
  const dune = run(true);

  it('the Linux process runs the program to its exit status, with no VM exit', () => {
    expect(linux.exitStatus, linux.console).toBe(7);
    expect(linux.console).toMatch(/^getpid 100 gettid 100 same 1 getppid 1 getuid 0\n/);
    expect(linux.console).toContain('write: hello from the process\nwrite returned 30\n');
    expect(linux.console).toContain('clock_gettime 0 0 later 1 nsec-in-range 1\n');
    expect(linux.console).toContain('unknown system call: -38\n');
    expect(linux.exits.size).toBe(0);
  });

  it('the Dune process prints the same bytes and exits with the same status', () => {
    expect(dune.console, `stop: ${dune.stopReason} ${dune.stop.detail ?? ''}`).toBe(linux.console);
    expect(dune.exitStatus).toBe(7);
  });

  it('its system calls were VMCALL exits (SDM reason 18), one per call after dune_enter', () => {
    // after DUNE_ENTER: getpid, gettid, getppid, getuid, 2 writes, 3 clock_gettime, 2 rt_sigprocmask and
    // the unknown call (12); the 7 printf calls (the runtime's stdio writes each at once); exit_group
    expect(dune.exits.get(18)).toBe(12 + 7 + 1);
    // nothing unhandled: the only other exits are the EPT's first touches (48)
    expect([...dune.exits.keys()].sort((a, b) => a - b)).toEqual([18, 48]);
  });

  it('the same cycles with the TLB filter, the block cache and spin detection off (EPT, VPID and the exit loop)', () => {
    const off = run(true, false);
    expect(off.console).toBe(dune.console);
    expect(off.cores).toEqual(dune.cores);
  });
});
