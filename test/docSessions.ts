/**
 * Replays debugger sessions shown in docs/*.md: the fenced blocks of a page
 * are parsed into sessions (the commands after each `(sjdb) ` prompt and the
 * text the page says they print), the commands are run in batch mode on a
 * fresh debugger, and the tests compare the output with the page line by
 * line, so a page cannot drift from the machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { resolveImage } from '../src/cli/image.js';
import { runDebugger } from '../src/debug/repl.js';
import { repoRoot } from '../src/guest/build.js';
import { loadProfile } from '../src/profile/load.js';
import { DEFAULT_MEMORY } from '../src/sim/run.js';

export interface DocSession {
  /** The arguments after `shinjuku-emu debug` on the `$` line that starts the session, or null (the page names the program in prose). */
  args: string[] | null;
  /** What the page shows: prompts with their commands, and the output, in order. */
  text: string;
  /** The commands typed at the prompts. */
  commands: string[];
}

const FENCE = /```[^\n]*\n([\s\S]*?)\n```/g;
const START = '$ npx shinjuku-emu debug ';

/**
 * A plain fenced block whose first line is `$ npx shinjuku-emu debug ARGS`
 * starts a session (ARGS must not include --commands or --json); a block whose
 * first line is a `(sjdb) ` prompt continues the latest session, or starts
 * one without a `$` line if none is open. Other blocks are left alone.
 */
export function docSessions(markdown: string): DocSession[] {
  const sessions: DocSession[] = [];
  let current: { args: string[] | null; lines: string[] } | null = null;
  const all: { args: string[] | null; lines: string[] }[] = [];
  for (const m of markdown.matchAll(FENCE)) {
    const lines = m[1]!.split('\n');
    if (lines[0]!.startsWith(START)) {
      current = { args: lines[0]!.slice(START.length).trim().split(/\s+/), lines: lines.slice(1) };
      all.push(current);
    } else if (lines[0]!.startsWith('(sjdb) ')) {
      if (current === null) { current = { args: null, lines: [] }; all.push(current); }
      current.lines.push(...lines);
    }
  }
  for (const s of all) {
    const text = s.lines.join('\n');
    sessions.push({ args: s.args, text, commands: s.lines.filter((l) => l.startsWith('(sjdb) ')).map((l) => l.slice(7)) });
  }
  return sessions;
}

/** `shinjuku-emu debug` arguments as the CLI reads them: sources (relative to the repository) and --cores N. */
export function parseDebugArgs(args: string[]): { sources: string[]; cores: number } {
  const sources: string[] = [];
  let cores = 1;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--cores') cores = Number(args[++i]);
    else if (args[i]!.startsWith('-')) throw new Error(`docSessions: option ${args[i]} is not supported in a documented session`);
    else sources.push(args[i]!);
  }
  return { sources, cores };
}

/** Builds the image as `shinjuku-emu debug` does (the first source names it) and returns its path. */
export function imageFor(sources: string[]): string {
  return resolveImage(join(repoRoot, sources[0]!), sources.slice(1).map((s) => join(repoRoot, s)));
}

/** Runs `commands` in batch mode (as --commands or stdin would) and returns the exit status and everything printed. */
export async function replay(elf: string, cores: number, commands: string[], json = false): Promise<{ status: number; text: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => { text += d.toString('utf8'); });
  input.end(commands.join('\n') + '\n');
  const imageName = elf.replace(/^.*\//, '');
  const status = await runDebugger(new Uint8Array(readFileSync(elf)), { cores, memoryBytes: DEFAULT_MEMORY, profile: loadProfile() }, { json, imageName, input, output });
  return { status, text };
}
