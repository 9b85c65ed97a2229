/** Process entry point of `shinjuku-emu` (bin/shinjuku-emu.js and `npm start` run this file). */
import { hideBin } from 'yargs/helpers';
import { main } from './cli.js';

// `| head` closing the pipe early is the reader's choice, not an error to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(hideBin(process.argv));
