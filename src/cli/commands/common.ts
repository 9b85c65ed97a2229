/** Help text shared by the commands that run a guest. */
import { STATUS } from '../../sim/run.js';
import { USAGE_STATUS } from '../errors.js';

export const EXIT_STATUS_HELP = [
  'Exit status: the guest\'s own (what it wrote to the exit port; above 255 reads as 255),',
  `or ${STATUS.maxCycles} cycle limit reached, ${STATUS.fault} fault or triple fault, ${STATUS.unsupported} unsupported instruction,`,
  `${STATUS.allHalted} every core halted, ${USAGE_STATUS} bad arguments or input.`,
].join('\n');
