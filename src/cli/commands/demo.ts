/** `shinjuku-emu demo`: build and run guest/demo/demo.c, a short tour of the machine (what `npm start` runs). */
import { join, relative } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { repoRoot } from '../../guest/build.js';
import { machineOptions, outputOptions, type ArgsOf } from '../options.js';
import { runSession } from '../session.js';
import { EXIT_STATUS_HELP } from './help.js';

/** Enough cores to show the greeting order and a contended counter. */
const DEMO_CORES = 4;

function builder(y: Argv) {
  return outputOptions(machineOptions(y, { cores: DEMO_CORES })).epilogue(EXIT_STATUS_HELP);
}

type Args = ArgsOf<typeof builder>;

export const demoCommand: CommandModule<object, Args> = {
  command: 'demo',
  describe: `build and run the demonstration guest (guest/demo/demo.c) on ${DEMO_CORES} cores`,
  builder,
  handler: (a) => {
    // Relative to the current directory so that error messages show a path the user can open.
    const source = relative(process.cwd(), join(repoRoot, 'guest', 'demo', 'demo.c'));
    process.exitCode = runSession(source, { cores: a.cores, memory: a.memory, profile: a.profile, maxCycles: a['max-cycles'], json: a.json });
  },
};
