/**
 * Run a guest image start to finish: the one entry point the CLI, the tests
 * and the benchmarks share.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseElf } from '../loader/elf.js';
import { loadProfile } from '../profile/load.js';
import type { Profile } from '../profile/schema.js';
import { Machine, DEFAULT_OPTIMIZATIONS, type MachineConfig, type Optimizations, type StopInfo } from './machine.js';
import type { StopReason } from './events.js';

export const DEFAULT_MEMORY = 512 * 2 ** 20;

export interface RunOptions {
  cores?: number;
  memoryBytes?: number;
  maxCycles?: number;
  profile?: Profile;
  profilePath?: string;
  /** Stream console bytes here as well as collecting them. */
  onConsole?: (byte: number) => void;
  /** Spin detection (default on); results are identical either way. */
  spinDetection?: boolean;
  /** Called with the machine after boot, before it runs (debugger, tracing, tests). */
  beforeRun?: (m: Machine) => void;
  /** A NIC (src/devices/nic.ts). */
  nic?: MachineConfig['nic'];
  /** Host-speed optimizations to turn off (machine.ts `Optimizations`); results are identical either way. */
  opt?: Partial<Optimizations>;
}

/**
 * Optimizations as the environment sets them: SHINJUKU_OPT is a comma list
 * of names, each `-name` (off) or `name`/`+name` (on), or `none` (all off),
 * applied to the defaults (`DEFAULT_OPTIMIZATIONS`: all on but inlineHits),
 * for comparing speed from the command line and the bench.
 */
export function optFlagsFromEnv(env: NodeJS.ProcessEnv = process.env): Optimizations {
  const o: Optimizations = { ...DEFAULT_OPTIMIZATIONS };
  const spec = env.SHINJUKU_OPT?.trim();
  if (!spec) return o;
  for (const raw of spec.split(',')) {
    const w = raw.trim();
    if (w === 'none') { for (const k of Object.keys(o) as (keyof Optimizations)[]) o[k] = false; continue; }
    const off = w.startsWith('-');
    const name = w.replace(/^[-+]/, '') as keyof Optimizations;
    if (!(name in o)) throw new RangeError(`SHINJUKU_OPT: no optimization named '${name}' (known: ${Object.keys(o).join(', ')}, none)`);
    o[name] = !off;
  }
  return o;
}

export interface RunResult {
  exitStatus: number;
  console: string;
  stopReason: StopReason;
  stop: StopInfo;
  hostSeconds: number;
  cores: { id: number; instructions: number; cycles: number }[];
}

/**
 * Exit status for runs the guest did not end itself, all above the guests'
 * own range (0-119, what QEMU's exit device can carry) and chosen to match
 * the QEMU/Bochs run scripts where they have an equivalent (124 timeout, 125
 * triple fault). Every core halting without an exit status is not success:
 * a guest that crashed into HLT, or never reached its exit, ends that way.
 */
export const STATUS = { allHalted: 121, maxCycles: 124, fault: 125, unsupported: 123 } as const;

export function statusFor(stop: StopInfo): number {
  switch (stop.reason) {
    case 'exit': return stop.exitStatus!;
    case 'all-halted': return STATUS.allHalted;
    case 'max-cycles': case 'deadlock': return STATUS.maxCycles;
    case 'unsupported': return STATUS.unsupported;
    default: return STATUS.fault;
  }
}

export function createMachine(elfBytes: Uint8Array, opts: RunOptions = {}): Machine {
  const memoryBytes = opts.memoryBytes ?? DEFAULT_MEMORY;
  const image = parseElf(elfBytes, { ramBytes: memoryBytes });
  const profile = opts.profile ?? loadProfile(opts.profilePath);
  const m = new Machine({
    cores: opts.cores ?? 1,
    memoryBytes,
    profile,
    maxCycles: opts.maxCycles,
    onConsole: opts.onConsole,
    spinDetection: opts.spinDetection,
    nic: opts.nic,
    opt: opts.opt,
  });
  m.boot(image);
  return m;
}

export function runImage(elfPath: string, opts: RunOptions = {}): RunResult {
  const bytes = new Uint8Array(readFileSync(elfPath));
  const out: number[] = [];
  const onConsole = (b: number) => { out.push(b); opts.onConsole?.(b); };
  const m = createMachine(bytes, { ...opts, onConsole });
  opts.beforeRun?.(m);
  const t0 = performance.now();
  const stop = m.run();
  const hostSeconds = (performance.now() - t0) / 1000;
  return {
    exitStatus: statusFor(stop),
    console: Buffer.from(out).toString('latin1'),
    stopReason: stop.reason,
    stop,
    hostSeconds,
    cores: m.cores.map((c) => c.summary()),
  };
}
