/** `shinjuku-emu trace <image> --out trace.json`: run a guest and write a Chrome/Perfetto trace of its hardware events. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { traceMachine, type TraceRunResult } from '../../debug/trace.js';
import { ElfError } from '../../loader/elf.js';
import { loadProfile } from '../../profile/load.js';
import { createMachine, statusFor } from '../../sim/run.js';
import { ConsoleStream } from '../console.js';
import { InputError, UsageError } from '../errors.js';
import { checkReadable, checkWritable, imagePositionals, moreSources, resolveImage } from '../image.js';
import { machineOptions, parseMaxCycles, type ArgsOf } from '../options.js';
import { errorLine, stopReport } from '../report.js';
import { processStatus } from '../session.js';
import { EXIT_STATUS_HELP, type CliCommand } from './common.js';

/** The line `trace` prints when the file is written (docs/debugger.md shows it; test/debuggerDoc.test.ts checks it). */
export function traceSummary(result: TraceRunResult, from: number | undefined, out: string): string {
  const s = result.stats;
  const window = `cycles ${from ?? 0}..${Math.floor(result.end)}`;
  return `shinjuku-emu: wrote ${result.json.traceEvents.length} trace events (${s.ipis} IPIs, ${s.flows} flow arrows, ${s.interrupts} interrupts${s.vmExits + s.vmEntries > 0 ? `, ${s.vmEntries} VM entries, ${s.vmExits} VM exits, ${s.posted} posted-interrupt notification${s.posted === 1 ? '' : 's'}` : ''}) for ${window} to ${out}`;
}

function cycleFlag(name: string) {
  return (v: string | number | undefined) => {
    if (v === undefined) return undefined;
    if (String(v).trim() === '0') return 0;
    try { return parseMaxCycles(v); } catch { throw new UsageError(`--${name} ${JSON.stringify(String(v))} is not a cycle count: give a whole number such as 0, 20000 or 1e6`); }
  };
}

function builder(y: Argv) {
  return imagePositionals(machineOptions(y, { cores: 1 }))
    .option('out', {
      alias: 'o',
      describe: 'where to write the trace (Chrome Trace Event JSON; open it in ui.perfetto.dev)',
      type: 'string',
      demandOption: true,
      requiresArg: true,
    })
    .option('from', { describe: 'first cycle of the trace window', type: 'string', requiresArg: true, coerce: cycleFlag('from') })
    .option('to', { describe: 'last cycle of the trace window (the run stops there)', type: 'string', requiresArg: true, coerce: cycleFlag('to') })
    .example('$0 trace guest/debug/ipi_walk.c --cores 2 --out ipi.json', 'trace one IPI: per-core tracks, the bus, flow arrows')
    .example('$0 trace image.elf --cores 4 --from 1e6 --to 2e6 -o window.json', 'trace a window of a long run')
    .epilogue(`Time: 1 ns in the trace = 1 cycle (TSC tick); exact cycles are in each event's args.\n${EXIT_STATUS_HELP}`);
}

type Args = ArgsOf<typeof builder>;

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'trace <image> [more..]',
  describe: 'run a guest and write a Perfetto trace: a track per core, the interrupt bus, handler and HLT slices, IPI flow arrows; with VMX, VM exit/entry slices, a non-root track per core and posted-interrupt flows',
  builder,
  handler: (a) => {
    if (a.from !== undefined && a.to !== undefined && a.to <= a.from) throw new UsageError(`--to ${a.to} must be after --from ${a.from}`);
    // Before anything runs: a run can take minutes, and its trace would be lost.
    checkWritable(a.out, 'the trace');
    checkReadable(a.profile, 'profile');
    const profile = loadProfile(a.profile);
    const elf = resolveImage(a.image, moreSources(a));
    const out = new ConsoleStream(process.stdout, process.stdout.isTTY === true);
    let result;
    try {
      const m = createMachine(new Uint8Array(readFileSync(elf)), { cores: a.cores, memoryBytes: a.memory, profile, maxCycles: a['max-cycles'], spinDetection: a['spin-detection'], onConsole: out.push });
      result = traceMachine(m, { from: a.from, to: a.to, title: `shinjuku-emu ${a.image}` });
    } catch (e) {
      if (e instanceof ElfError) throw new InputError(`${a.image}: ${e.message}`);
      throw e;
    } finally {
      out.flush();
    }
    out.endLine();
    try {
      writeFileSync(a.out, JSON.stringify(result.json));
    } catch (e) {
      throw new InputError(`cannot write the trace to '${a.out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    process.stderr.write(traceSummary(result, a.from, a.out) + '\n');
    if (result.stop === null) {
      process.stderr.write(`shinjuku-emu: the trace window ended at cycle ${a.to}; the guest had not finished\n`);
      done(0);
      return;
    }
    const report = stopReport(result.stop, a['max-cycles']);
    if (report !== null) process.stderr.write(errorLine(report) + '\n');
    done(processStatus(statusFor(result.stop)));
  },
});

export const traceCommand: CliCommand = { name: 'trace', register: (y, done) => y.command(definition(done)) };
