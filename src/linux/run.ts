/**
 * Runs a Linux program on the machine (under the host kernel, guest/host)
 * and natively on this host, the two sides of the differential tests.
 *
 * The kernel's command line carries what the machine profile says about
 * Linux (the calibrated residuals, profile section `linux`): written into
 * the kernel image's `boot_command_line` before the cores start, as a boot
 * loader does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseElf } from '../loader/elf.js';
import { loadProfile } from '../profile/load.js';
import type { Profile } from '../profile/schema.js';
import { createMachine, DEFAULT_MEMORY, statusFor, type RunOptions, type RunResult } from '../sim/run.js';
import type { Machine } from '../sim/machine.js';
import { buildHostKernel, buildLinuxProgram, type LinuxProgram } from './build.js';

/** The kernel command line for a profile: `residual.<path>=<core cycles>` (guest/host/residual.c). */
export function kernelCommandLine(p: Profile): string {
  const r = p.linux;
  const cyc = (c: number) => Math.round(c * p.clock.tscHz.value / p.clock.coreHz.value);
  return [
    `residual.signal_send=${cyc(r.signalSendResidual.cycles)}`,
    `residual.signal_delivery=${cyc(r.signalDeliveryResidual.cycles)}`,
    `residual.sigprocmask=${cyc(r.sigprocmaskResidual.cycles)}`,
  ].join(' ');
}

export interface LinuxRunOptions extends RunOptions {
  /** Defaults to 2: the program's main thread and one more. */
  cores?: number;
}

export interface LinuxBoot { machine: Machine; kernel: string; program: string }

/** A machine booted into the host kernel with `programElf` as its user program, not yet running. */
export function bootLinux(programElf: string, opts: LinuxRunOptions = {}): LinuxBoot {
  const kernel = buildHostKernel(programElf);
  const bytes = new Uint8Array(readFileSync(kernel));
  const profile = opts.profile ?? loadProfile(opts.profilePath);
  const m = createMachine(bytes, { ...opts, profile, cores: opts.cores ?? 2 });
  const image = parseElf(bytes, { ramBytes: opts.memoryBytes ?? DEFAULT_MEMORY });
  const sym = image.symbols.find((s) => s.name === 'boot_command_line');
  if (!sym) throw new Error(`${kernel}: no boot_command_line symbol (not a host kernel image)`);
  const line = Buffer.from(`${kernelCommandLine(profile)}\0`, 'latin1');
  if (line.length > sym.size) throw new Error(`kernel command line longer than boot_command_line (${sym.size} bytes)`);
  m.mem.u8.set(line, sym.value);
  return { machine: m, kernel, program: programElf };
}

/** Run a built user program on the machine under the host kernel. */
export function runLinuxElf(programElf: string, opts: LinuxRunOptions = {}): RunResult & { machine: Machine } {
  const out: number[] = [];
  const onConsole = (b: number) => { out.push(b); opts.onConsole?.(b); };
  const { machine: m } = bootLinux(programElf, { ...opts, onConsole });
  opts.beforeRun?.(m);
  const t0 = performance.now();
  const stop = m.run();
  return {
    exitStatus: statusFor(stop),
    console: Buffer.from(out).toString('latin1'),
    stopReason: stop.reason,
    stop,
    hostSeconds: (performance.now() - t0) / 1000,
    cores: m.cores.map((c) => c.summary()),
    machine: m,
  };
}

export function runLinuxProgram(p: LinuxProgram, opts: LinuxRunOptions = {}): RunResult & { machine: Machine } {
  return runLinuxElf(buildLinuxProgram(p), opts);
}

/** Run an executable on this host: its standard output and exit status (a signal's death as 128 + signal). */
export function runNative(path: string, timeoutMs = 20000): { stdout: string; status: number } {
  const r = spawnSync(path, [], { encoding: 'latin1', timeout: timeoutMs });
  if (r.error) throw r.error;
  const sig = r.signal ? 128 + (({ SIGABRT: 6, SIGSEGV: 11, SIGKILL: 9, SIGTERM: 15, SIGUSR1: 10, SIGUSR2: 12 } as Record<string, number>)[r.signal] ?? 0) : null;
  return { stdout: r.stdout, status: sig ?? r.status ?? -1 };
}
