/**
 * Guest console bytes on their way to stdout. The machine hands over one byte
 * at a time; one write per byte would cost more than the guest instruction
 * that produced it, so bytes are gathered and written in chunks, the way C
 * stdio does it: on a terminal, at every newline (a person is watching); into
 * a pipe or file, when the buffer fills, or at a newline once a while has
 * passed since the last write, so `| tee` still shows progress.
 */
import { fstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const CHUNK = 64 * 1024;
/** Longest a completed line waits in the buffer when stdout is not a terminal. */
const PIPE_FLUSH_MS = 200;
const NEWLINE = 0x0a;

export class ConsoleStream {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private n = 0;
  private last = -1;
  private lastFlush = performance.now();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly lineBuffered: boolean,
  ) {}

  /** Receives each console byte (pass as RunOptions.onConsole). */
  readonly push = (byte: number): void => {
    this.buf[this.n++] = byte;
    this.last = byte;
    if (this.n === CHUNK) this.flush();
    else if (byte === NEWLINE && (this.lineBuffered || performance.now() - this.lastFlush >= PIPE_FLUSH_MS)) this.flush();
  };

  flush(): void {
    if (this.n === 0) return;
    // A copy: the stream may hold on to the chunk after write() returns, and buf is reused.
    this.out.write(Buffer.from(this.buf.subarray(0, this.n)));
    this.n = 0;
    this.lastFlush = performance.now();
  }

  /** Ends a partial last line, so that what follows starts on a line of its own. */
  endLine(): void {
    if (this.midLine) this.push(NEWLINE);
    this.flush();
  }

  /** True when something was written and the last byte was not a newline. */
  get midLine(): boolean {
    return this.last !== -1 && this.last !== NEWLINE;
  }
}

/**
 * True when stdout and stderr end in the same place - one terminal, or one
 * file or pipe (`2>&1`) - where a report on stderr would run into a guest
 * line that has no newline yet.
 */
export function stdoutSharesStderr(): boolean {
  if (process.stdout.isTTY && process.stderr.isTTY) return true;
  try {
    const out = fstatSync(1), err = fstatSync(2);
    return out.dev === err.dev && out.ino === err.ino;
  } catch {
    return false;
  }
}
