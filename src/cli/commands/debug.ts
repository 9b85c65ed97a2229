/** `shinjuku-emu debug <image>`: the interactive debugger (src/debug), or batch mode with --commands / --json. */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { runDebugger } from '../../debug/repl.js';
import { ElfError } from '../../loader/elf.js';
import { loadProfile } from '../../profile/load.js';
import { InputError } from '../errors.js';
import { checkReadable, imagePositionals, moreSources, resolveImage } from '../image.js';
import { machineOptions, type ArgsOf } from '../options.js';
import type { CliCommand } from './common.js';

function builder(y: Argv) {
  return imagePositionals(machineOptions(y, { cores: 1 }))
    .option('commands', {
      describe: 'run the debugger commands in this file (one per line) instead of reading the terminal; exit status 1 if any failed',
      type: 'string',
      requiresArg: true,
    })
    .option('json', {
      describe: 'print one JSON object per command result (for scripts and tests)',
      type: 'boolean',
      default: false,
    })
    .example('$0 debug guest/debug/ipi_walk.c --cores 2', 'step through an IPI on 2 cores (docs/debugger.md)')
    .example('$0 debug image.elf --cores 4 --commands steps.txt --json', 'drive the debugger from a script')
    .epilogue('Type help in the debugger for its commands; docs/debugger.md walks through one IPI. Cores never sleep in spin loops while debugged (--spin-detection has no effect here; cycles are identical either way).');
}

type Args = ArgsOf<typeof builder>;

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'debug <image> [more..]',
  describe: 'debug a guest: step cores through the global scheduler, break on addresses and events (IPIs, interrupts, EOI), inspect APICs, reverse-step',
  builder,
  handler: async (a) => {
    checkReadable(a.profile, 'profile');
    const profile = loadProfile(a.profile);
    if (a.commands !== undefined) checkReadable(a.commands, 'commands file');
    const elf = resolveImage(a.image, moreSources(a));
    let status: number;
    try {
      status = await runDebugger(new Uint8Array(readFileSync(elf)), { cores: a.cores, memoryBytes: a.memory, profile, maxCycles: a['max-cycles'] }, { commandsFile: a.commands, json: a.json, imageName: a.image });
    } catch (e) {
      if (e instanceof ElfError) throw new InputError(`${a.image}: ${e.message}`);
      throw e;
    }
    done(status);
  },
});

export const debugCommand: CliCommand = { name: 'debug', register: (y, done) => y.command(definition(done)) };
