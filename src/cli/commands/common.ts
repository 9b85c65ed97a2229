/** What the commands share: the CliCommand shape and help text. */
import type { Argv } from 'yargs';
import { STATUS } from '../../sim/run.js';
import { USAGE_STATUS } from '../errors.js';

export const EXIT_STATUS_HELP = [
  'Exit status: the guest\'s own (what it wrote to the exit port; above 255 reads as 255),',
  `or ${STATUS.maxCycles} cycle limit reached, ${STATUS.fault} fault or triple fault, ${STATUS.unsupported} unsupported instruction,`,
  `${STATUS.allHalted} every core halted without an exit status, ${USAGE_STATUS} bad arguments or input.`,
].join('\n');

/**
 * What cli.ts needs of a command: its name (for messages about mistyped
 * commands) and a way to add it to the parser. yargs types each command's
 * arguments separately, so commands are registered one by one rather than
 * passed to yargs as one (necessarily loosely typed) list.
 */
export interface CliCommand {
  name: string;
  /** `done` receives the process exit status when the command has finished. */
  register(y: Argv, done: (status: number) => void): Argv;
}
