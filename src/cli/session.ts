/**
 * One guest run as every running command presents it: guest console streamed
 * to stdout, the stop report on stderr, the optional --json line, and the
 * process exit status. The machine itself is src/sim's business.
 */
import { ElfError } from '../loader/elf.js';
import { loadProfile } from '../profile/load.js';
import { runImage, type RunResult } from '../sim/run.js';
import { ConsoleStream, stdoutSharesStderr } from './console.js';
import { InputError } from './errors.js';
import { checkReadable, resolveImage } from './image.js';
import type { MachineArgs } from './options.js';
import { errorLine, jsonSummary, stopReport } from './report.js';

export interface SessionArgs extends MachineArgs {
  json: boolean;
  /** Further sources linked with a .c image. */
  sources?: string[];
}

/**
 * A process can only report 0..255. A guest status above that would be
 * truncated by the OS (256 would read as success), so it saturates at 255;
 * the --json line keeps the full value.
 */
export function processStatus(exitStatus: number): number {
  return exitStatus > 255 ? 255 : exitStatus;
}

/** Runs `image` (an ELF or a .c path) and returns the process exit status. */
export function runSession(image: string, args: SessionArgs): number {
  // The profile first: it is cheap to check, and a bad one should not cost a gcc build.
  checkReadable(args.profile, 'profile');
  const profile = loadProfile(args.profile);
  const elf = resolveImage(image, args.sources ?? []);
  const out = new ConsoleStream(process.stdout, process.stdout.isTTY === true);
  let result: RunResult;
  try {
    result = runImage(elf, {
      cores: args.cores,
      memoryBytes: args.memory,
      maxCycles: args.maxCycles,
      profile,
      onConsole: out.push,
      spinDetection: args.spinDetection,
    });
  } catch (e) {
    if (e instanceof ElfError) throw new InputError(`${image}: ${e.message}`);
    throw e;
  } finally {
    out.flush();
  }
  // The JSON summary must be a line of its own even after a guest that ended mid-line.
  if (args.json) out.endLine();
  const report = stopReport(result.stop, args.maxCycles);
  if (report !== null) {
    // Where both streams end in one place (a terminal, `2>&1`), start the
    // report on a line of its own, without adding a byte to the guest's stdout.
    const newline = out.midLine && stdoutSharesStderr() ? '\n' : '';
    process.stderr.write(newline + errorLine(report) + '\n');
  }
  if (args.json) process.stdout.write(jsonSummary(result) + '\n');
  return processStatus(result.exitStatus);
}
