/** `shinjuku-emu run <image>`: boot a guest image (or a C source, built first) and run it to the end. */
import type { Argv, CommandModule } from 'yargs';
import { machineArgs, machineOptions, outputOptions, type ArgsOf } from '../options.js';
import { runSession } from '../session.js';
import { imagePositionals, moreSources } from '../image.js';
import { EXIT_STATUS_HELP, type CliCommand } from './common.js';

function builder(y: Argv) {
  return imagePositionals(outputOptions(machineOptions(y, { cores: 1 })))
    .example('$0 run guest.elf --cores 4', 'run an image on 4 cores')
    .example('$0 run guest/apic/ipi_xapic.c guest/apic/idt.c --cores 2', 'build a guest from two sources and run it')
    .example('$0 run guest/tests/sort.c --max-cycles 1e9 --json', 'build a C guest, run it with a cycle limit, print a JSON summary')
    .epilogue(EXIT_STATUS_HELP);
}

type Args = ArgsOf<typeof builder>;

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'run <image> [more..]',
  describe: 'run a guest image (ELF, or a .c file built first); the guest console goes to stdout',
  builder,
  handler: (a) => {
    done(runSession(a.image, { ...machineArgs(a), json: a.json, sources: moreSources(a) }));
  },
});

export const runCommand: CliCommand = { name: 'run', register: (y, done) => y.command(definition(done)) };
