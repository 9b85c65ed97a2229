/**
 * The debugger's front ends: an interactive REPL (node:readline, with
 * history, tab completion of commands, info views, symbols and registers,
 * Ctrl-C to interrupt a long run) and batch mode (commands from a file or a
 * pipe, as text that reads like a session, or one JSON object per command).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import chalk from 'chalk';
import { Debugger, type Result } from './debugger.js';
import { c, setColorLevel } from './format.js';
import { DebugSession, type SessionOptions } from './session.js';
import { coresTable } from './views.js';

export const PROMPT = '(sjdb) ';

export interface FrontEndOptions {
  /** Read commands from this file (batch mode) instead of the terminal. */
  commandsFile?: string;
  json: boolean;
  /** Shown in the banner. */
  imageName: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** Writes results and guest console output, keeping the two on separate lines. */
class Printer {
  private midLine = false;
  constructor(private readonly out: NodeJS.WritableStream, private readonly json: boolean) {}
  console(byte: number): void {
    if (this.json) return;
    this.out.write(String.fromCharCode(byte));
    this.midLine = byte !== 0x0a;
  }
  line(s: string): void {
    if (this.midLine) { this.out.write('\n'); this.midLine = false; }
    this.out.write(s.endsWith('\n') ? s : s + '\n');
  }
  echo(line: string): void { if (!this.json) this.line(c().dim(PROMPT) + line); }
  result(r: Result): void {
    if (this.json) {
      const o: Record<string, unknown> = { command: r.command, ok: r.ok };
      if (r.ok) o.result = r.data; else o.error = r.error;
      this.out.write(JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v)) + '\n');
      return;
    }
    if (!r.ok) this.line(c().red(`error: ${r.error}`));
    else if (r.text) this.line(r.text);
  }
}

/** Run the debugger on `elfBytes`; resolves to the process exit status. */
export async function runDebugger(elfBytes: Uint8Array, machine: Omit<SessionOptions, 'onConsole'>, fe: FrontEndOptions): Promise<number> {
  const input = fe.input ?? process.stdin;
  const output = fe.output ?? process.stdout;
  const interactive = !fe.commandsFile && (input as NodeJS.ReadStream).isTTY === true;
  const tty = (output as NodeJS.WriteStream).isTTY === true;
  setColorLevel(fe.json || !(tty || process.env.FORCE_COLOR) ? 0 : (Math.max(1, chalk.level) as 1 | 2 | 3));
  const printer = new Printer(output, fe.json);
  const session = new DebugSession(elfBytes, { ...machine, onConsole: (b) => printer.console(b) });
  const dbg = new Debugger(session, (r) => printer.result(r));
  if (!interactive) dbg.onStart = (line) => printer.echo(line);

  if (!interactive) {
    let lines: string[];
    if (fe.commandsFile) {
      dbg.baseDir = dirname(resolve(fe.commandsFile));
      lines = readFileSync(fe.commandsFile, 'utf8').split('\n');
    } else {
      lines = (await readAll(input)).split('\n');
    }
    for (const line of lines) {
      if (dbg.quit) break;
      await dbg.run(line);
    }
    return dbg.failures > 0 ? 1 : 0;
  }

  printer.line(c().bold(`shinjuku-emu debugger: ${fe.imageName} on ${machine.cores} core${machine.cores === 1 ? '' : 's'}`) + c().dim("  ('help' lists commands; Tab completes; Ctrl-C stops a run; Ctrl-D quits)"));
  printer.line(coresTable(session).text);
  session.yieldToHost = () => new Promise((r) => setImmediate(r));
  // History persists in ~/.shinjuku_emu_history (SHINJUKU_EMU_HISTORY names another file; empty: none).
  const historyFile = process.env.SHINJUKU_EMU_HISTORY ?? join(homedir(), '.shinjuku_emu_history');
  let history: string[] = [];
  if (historyFile) {
    try { history = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).slice(-1000).reverse(); } catch { /* no history yet */ }
  }
  const rl = createInterface({
    input,
    output,
    prompt: c().cyan(PROMPT),
    history,
    historySize: 1000,
    terminal: true,
    completer: (line: string): [string[], string] => {
      const word = /\S*$/.exec(line)![0];
      const before = line.slice(0, line.length - word.length);
      const all = dbg.completions(before + 'x');
      const hits = [...new Set(all.filter((w) => w.startsWith(word)))].sort();
      // A single match is a whole word: complete it and move on to the next one.
      if (hits.length === 1) return [[hits[0]! + ' '], word];
      return [hits.length > 200 ? hits.slice(0, 200) : hits, word];
    },
  });
  let busy = false;
  rl.on('SIGINT', () => {
    if (busy) { session.interruptRequested = true; return; }
    output.write('^C\n');
    rl.prompt();
  });
  let last = '';
  rl.prompt();
  for await (const raw of rl) {
    let line = raw;
    if (line.trim() === '' && last) line = last; // an empty line repeats a step/continue
    else if (historyFile && line.trim()) { try { appendFileSync(historyFile, line.trim() + '\n'); } catch { /* read-only home: history stays in memory */ } }
    const cmd = Debugger.commandOf(line);
    last = cmd?.repeatable ? line : '';
    busy = true;
    await dbg.run(line);
    busy = false;
    if (dbg.quit) break;
    rl.prompt();
  }
  rl.close();
  return 0;
}

function readAll(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer | string) => chunks.push(typeof d === 'string' ? Buffer.from(d) : d));
    s.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
    s.on('error', rej);
  });
}
