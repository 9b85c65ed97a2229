/**
 * Builds what the Linux half of the machine runs (docs/architecture.md,
 * "The host kernel"): ring-3 programs linked with the user runtime's C
 * library (guest/linux/libc), the same programs linked natively with the
 * host's glibc (the oracle), and the host kernel image (guest/host) with one
 * such program inside it, as an initramfs carries /init.
 *
 * A program built with the user runtime is an ordinary static Linux
 * executable: it runs on this host's Linux as it is, and on the machine
 * under the host kernel.
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { cachedCompile, guestCompiler, guestFlags, guestLibDir, repoRoot, withCompanions } from '../guest/build.js';

export interface LinuxProgram {
  /** Plain file name of the result. */
  name: string;
  /** Repo-relative C/asm sources (their `shinjuku-emu: link` companions come along). */
  sources: string[];
  cflags?: string[];
  /** Repo-relative sources linked after the user runtime (libdune: the program's own code and data keep their addresses). */
  after?: string[];
}

/** The user runtime: entry, system-call wrappers, stdio, signals, threads, ucontext. */
export const USER_LIBC = ['crt0.S', 'start.c', 'stdio.c', 'string.c', 'signal.c', 'pthread.c', 'fenv.c', 'ucontext.S', 'makecontext.c'].map((f) => `guest/linux/libc/${f}`);

let gccInclude: string | null = null;
/** gcc's own header folder (stddef.h, stdint.h, stdarg.h): kept when the host's C library headers are not. */
function compilerIncludeDir(): string {
  if (gccInclude !== null) return gccInclude;
  const r = spawnSync(guestCompiler(), ['-print-file-name=include'], { encoding: 'utf8' });
  gccInclude = (r.stdout ?? '').trim() || 'include';
  return gccInclude;
}

/**
 * A static x86-64 Linux executable of `p` with the user runtime: no glibc,
 * the runtime's headers in place of the host's (glibc's layouts, so the
 * source is the same as for the native build).
 */
export function buildLinuxProgram(p: LinuxProgram): string {
  return cachedCompile({
    name: p.name,
    kind: 'linux-user',
    flags: [
      '-O2', '-D_GNU_SOURCE', '-static', '-nostdlib', '-nostdinc', '-fno-pic', '-no-pie',
      '-fno-stack-protector', '-fcf-protection=none', '-fno-tree-loop-distribute-patterns', '-Wl,--build-id=none',
      '-isystem', `${repoRoot}guest/linux/include`, '-isystem', compilerIncludeDir(), `-I${repoRoot}guest/linux`,
      ...(p.cflags ?? []),
    ],
    sources: [...withCompanions(p.sources, p.name), ...USER_LIBC, ...withCompanions(p.after ?? [], p.name)],
    libs: ['-lgcc'],
    ext: '',
  });
}

/** The same program against the host's glibc and pthreads: the reference for differential tests. */
export function buildLinuxNative(p: LinuxProgram): string {
  return cachedCompile({
    name: `${p.name}-glibc`,
    kind: 'linux-native',
    flags: ['-O2', '-D_GNU_SOURCE', `-I${repoRoot}guest/linux`, ...(p.cflags ?? [])],
    sources: withCompanions(p.sources, p.name),
    libs: ['-lpthread', '-lm'],
    ext: '',
  });
}

/** The kernel image's link address: 16 MiB, clear of user programs at 4 MiB (docs/architecture.md). */
const KERNEL_TEXT = '0x1000000';

/**
 * The host kernel with `programElf` inside it (the symbols
 * user_program_start/end), ready to boot on every core of the machine.
 */
export function buildHostKernel(programElf: string): string {
  const stub = [
    '\t.section .rodata',
    '\t.balign 4096',
    '\t.globl user_program_start, user_program_end',
    'user_program_start:',
    `\t.incbin "${programElf.replace(/"/g, '\\"')}"`,
    'user_program_end:',
    '\t.section .note.GNU-stack, "", @progbits',
    '',
  ].join('\n');
  return cachedCompile({
    name: `host-${basename(programElf).replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    kind: 'host-kernel',
    flags: [...guestFlags, '-mgeneral-regs-only', `-Wl,-Ttext-segment=${KERNEL_TEXT}`, `-I${guestLibDir}`],
    sources: [...withCompanions(['guest/host/boot.c'], 'host-kernel'), 'guest/lib/rt.c'],
    generated: [{ file: 'program.S', text: stub }],
    extraInputs: [{ key: 'program', file: programElf }],
    libs: ['-lgcc'],
    ext: '.elf',
  });
}
