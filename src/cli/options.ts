/**
 * Flags shared by every command that runs a machine (run, demo, and later
 * debug, trace, table1, table2), with their parsers. Parsers throw
 * UsageError so that a bad value is reported with the command's help.
 */
import type { Argv } from 'yargs';
import { relative } from 'node:path';
import { MAX_CORES } from '../loader/layout.js';
import { DEFAULT_PROFILE_PATH } from '../profile/load.js';
import { DEFAULT_MEMORY } from '../sim/run.js';
import { MIN_MEMORY, MAX_MEMORY } from '../sim/machine.js';
import { repoRoot } from '../guest/build.js';
import { UsageError } from './errors.js';

const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Parsed machine flags, in the units the machine takes. */
export interface MachineArgs {
  cores: number;
  memory: number;
  profile: string;
  /** Undefined: no limit. */
  maxCycles: number | undefined;
  /** Spin detection (default on); results are identical either way, only host time changes. */
  spinDetection?: boolean;
}

/**
 * yargs hands a coerce function whatever was on the command line (a string),
 * or the default (already in final form); a repeated flag is reduced to its
 * last value by the parser configuration in cli.ts.
 */
type Raw = string | number | undefined;

function show(v: Raw): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

export function parseCores(v: Raw): number {
  const s = String(v).trim();
  if (!/^\d+$/.test(s)) throw new UsageError(`--cores ${show(v)} is not a whole number: give a core count from 1 to ${MAX_CORES}`);
  const n = Number(s);
  if (n < 1 || n > MAX_CORES) throw new UsageError(`--cores ${s} is out of range: the machine has 1 to ${MAX_CORES} cores`);
  return n;
}

/** "289 MiB", "3 GiB": sizes in the unit that shows them exactly. */
export function formatSize(bytes: number): string {
  if (bytes % GIB === 0) return `${bytes / GIB} GiB`;
  if (bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${bytes} bytes`;
}

const UNIT: Record<string, number> = { '': 1, k: KIB, m: MIB, g: GIB };

/**
 * Plain bytes, or a number with K, M or G, optionally followed by "iB" or "B".
 * Every suffix is a power of 1024: RAM sizes are binary, and "512M" meaning
 * 512,000,000 bytes would not even be a whole number of pages.
 */
export function parseMemory(v: Raw): number {
  if (typeof v === 'number') return checkMemory(v, String(v));
  const s = String(v).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(s);
  if (!m) throw new UsageError(`--memory ${show(v)} is not a size: give bytes or a number with K, M or G (powers of 1024), e.g. 512M, 1G, 768MiB`);
  const bytes = Number(m[1]) * UNIT[m[2]!.toLowerCase()]!;
  return checkMemory(bytes, s);
}

function checkMemory(bytes: number, given: string): number {
  const range = `${formatSize(MIN_MEMORY)} to ${formatSize(MAX_MEMORY)}`;
  if (bytes < MIN_MEMORY || bytes > MAX_MEMORY) {
    throw new UsageError(`--memory ${given} is out of range: the machine takes ${range} of RAM (below: the boot area; above: the 3-4 GiB MMIO window)`);
  }
  if (!Number.isInteger(bytes) || bytes % 4096 !== 0) {
    throw new UsageError(`--memory ${given} is not a whole number of 4 KiB pages (allowed: ${range} in 4 KiB steps)`);
  }
  return bytes;
}

/** A positive whole number, written plainly (2000000) or with an exponent (1e9, 2.5e6). */
export function parseMaxCycles(v: Raw): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const bad = () => new UsageError(`--max-cycles ${show(v)} is not a cycle count: give a positive whole number such as 2000000 or 1e9`);
  if (!/^\d+(?:\.\d+)?(?:e\+?\d+)?$/i.test(s)) throw bad();
  const n = Number(s);
  if (n === 0) throw new UsageError(`--max-cycles ${s} must be positive: a limit of 0 would stop the machine before its first instruction`);
  if (!Number.isInteger(n)) throw new UsageError(`--max-cycles ${s} is not a whole number of cycles`);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--max-cycles ${s} is too large: the limit is ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

export function parseProfilePath(v: Raw): string {
  const s = String(v);
  if (s.trim() === '') throw new UsageError('--profile needs a file name');
  return s;
}

/** The machine flags in MachineArgs form, from a command's parsed arguments. */
export function machineArgs(a: { cores: number; memory: number; profile: string; 'max-cycles': number | undefined; 'spin-detection'?: boolean }): MachineArgs {
  return { cores: a.cores, memory: a.memory, profile: a.profile, maxCycles: a['max-cycles'], spinDetection: a['spin-detection'] ?? true };
}

/** Adds the machine flags; `cores` is the command's default core count. */
export function machineOptions<T>(y: Argv<T>, defaults: { cores: number }) {
  return y
    .option('cores', {
      describe: `number of cores, 1..${MAX_CORES}`,
      type: 'string',
      default: defaults.cores,
      defaultDescription: String(defaults.cores),
      requiresArg: true,
      coerce: parseCores,
    })
    .option('memory', {
      describe: `RAM size: bytes, or with K/M/G (powers of 1024), e.g. 512M, 1G, 768MiB; ${formatSize(MIN_MEMORY)} to ${formatSize(MAX_MEMORY)}`,
      type: 'string',
      default: DEFAULT_MEMORY,
      defaultDescription: formatSize(DEFAULT_MEMORY).replace(' ', ''),
      requiresArg: true,
      coerce: parseMemory,
    })
    .option('profile', {
      describe: 'hardware cost profile (JSON)',
      type: 'string',
      default: DEFAULT_PROFILE_PATH,
      defaultDescription: relative(repoRoot, DEFAULT_PROFILE_PATH),
      requiresArg: true,
      coerce: parseProfilePath,
    })
    .option('max-cycles', {
      describe: 'stop the run when every core has reached this cycle (TSC tick), e.g. 2000000 or 1e9; exit status 124',
      type: 'string',
      defaultDescription: 'no limit',
      requiresArg: true,
      coerce: parseMaxCycles,
    })
    .option('spin-detection', {
      describe: 'let cores that poll unchanged memory with PAUSE sleep (--no-spin-detection to turn off); cycles are identical either way',
      type: 'boolean',
      default: true,
    });
}

export function outputOptions<T>(y: Argv<T>) {
  return y.option('json', {
    describe: 'after the guest console, print one JSON summary line on stdout: exitStatus, hostSeconds, stopReason, cores',
    type: 'boolean',
    default: false,
  });
}

/** The parsed-arguments type a builder function produces, for typing its command's handler. */
export type ArgsOf<B extends (y: Argv) => Argv<unknown>> = ReturnType<B> extends Argv<infer T> ? T : never;
