/** `shinjuku-emu demo`: build and run guest/demo/demo.c, a short tour of the machine (what `npm start` runs). */
import { join, relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { repoRoot } from '../../guest/build.js';
import { machineArgs, machineOptions, outputOptions, type ArgsOf } from '../options.js';
import { runSession } from '../session.js';
import { EXIT_STATUS_HELP, type CliCommand } from './common.js';

/** Enough cores to show the greeting order and a contended counter. */
const DEMO_CORES = 4;

function builder(y: Argv) {
  return outputOptions(machineOptions(y, { cores: DEMO_CORES })).epilogue(EXIT_STATUS_HELP);
}

type Args = ArgsOf<typeof builder>;

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'demo',
  describe: `build and run the demonstration guest (guest/demo/demo.c) on ${DEMO_CORES} cores`,
  builder,
  handler: (a) => {
    // Relative to the current directory so that error messages show a path the user can open.
    const source = relative(process.cwd(), join(repoRoot, 'guest', 'demo', 'demo.c'));
    done(runSession(source, { ...machineArgs(a), json: a.json }));
  },
});

export const demoCommand: CliCommand = { name: 'demo', register: (y, done) => y.command(definition(done)) };
