/**
 * `npm run doc:sessions`: re-records the debugger sessions shown in
 * docs/debugger.md and docs/table1.md after a change to the machine moves
 * what they print (a cost, a tick). The commands stay as written; each
 * output line of a block is replaced, in order, by what the debugger prints
 * now. Prose between the blocks is not touched: the script lists every
 * changed line so that the text around it can be checked by hand. The tests
 * (test/debuggerDoc.test.ts, test/table1Walkthrough.test.ts) replay the
 * pages and fail until they match.
 *
 *   npm run doc:sessions [-- --check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildGuestImage, repoRoot } from '../src/guest/build.js';
import { docSessions, imageFor, parseDebugArgs, replay } from '../test/docSessions.js';

const FENCE = /```[^\n]*\n([\s\S]*?)\n```/g;
const START = '$ npx shinjuku-emu debug ';
const check = process.argv.includes('--check');

/** Replaces the session lines of the fenced blocks `isSession` picks, in page order, with `got` (a queue per session). */
function rewrite(markdown: string, sessionOf: (block: string[]) => { session: number; skip: number } | null, got: string[][]): { text: string; changed: string[] } {
  const changed: string[] = [];
  const at = got.map(() => 0);
  const text = markdown.replace(FENCE, (whole, body: string) => {
    const lines = body.split('\n');
    const s = sessionOf(lines);
    if (s === null) return whole;
    const out = lines.slice(0, s.skip);
    for (let i = s.skip; i < lines.length; i++) {
      const now = got[s.session]![at[s.session]!++];
      if (now === undefined) throw new Error(`session ${s.session + 1} printed fewer lines than the page shows: re-record it by hand`);
      if (now !== lines[i]) changed.push(`  - ${lines[i]}\n  + ${now}`);
      out.push(now);
    }
    return whole.replace(body, () => out.join('\n'));
  });
  got.forEach((g, k) => {
    if (at[k] !== g.length) throw new Error(`session ${k + 1} printed ${g.length} lines, the page shows ${at[k]}: re-record it by hand`);
  });
  return { text, changed };
}

async function debuggerPage(): Promise<void> {
  const file = join(repoRoot, 'docs', 'debugger.md');
  const doc = readFileSync(file, 'utf8');
  const sessions = docSessions(doc);
  const got: string[][] = [];
  for (const s of sessions) {
    const { sources, cores } = parseDebugArgs(s.args!);
    got.push((await replay(imageFor(sources), cores, s.commands)).text.trimEnd().split('\n'));
  }
  // Blocks belong to sessions as docSessions assigns them: a `$ ... debug` block opens one, prompt blocks continue it.
  let session = -1;
  const r = rewrite(doc, (lines) => {
    if (lines[0]!.startsWith(START)) { session++; return { session, skip: 1 }; }
    if (lines[0]!.startsWith('(sjdb) ')) return { session: Math.max(session, 0), skip: 0 };
    return null;
  }, got);
  finish(file, doc, r);
}

async function table1Page(): Promise<void> {
  const file = join(repoRoot, 'docs', 'table1.md');
  const doc = readFileSync(file, 'utf8');
  const blocks = [...doc.matchAll(/```\n(\(sjdb\) [\s\S]*?)\n```/g)].map((m) => m[1]!);
  const commands = blocks.join('\n').split('\n').filter((l) => l.startsWith('(sjdb) ')).map((l) => l.slice(7));
  const elf = buildGuestImage({ name: 'vanilla_ipi', sources: ['guest/dune/bench/vanilla_ipi.c'] });
  const got = [(await replay(elf, 2, commands)).text.trimEnd().split('\n')];
  const r = rewrite(doc, (lines) => (lines[0]!.startsWith('(sjdb) ') ? { session: 0, skip: 0 } : null), got);
  finish(file, doc, r);
}

function finish(file: string, before: string, r: { text: string; changed: string[] }): void {
  const name = relative(repoRoot, file);
  if (r.changed.length === 0) { console.log(`${name}: up to date`); return; }
  console.log(`${name}: ${r.changed.length} line(s) ${check ? 'differ' : 're-recorded'}:\n${r.changed.join('\n')}`);
  if (check) process.exitCode = 1;
  else if (r.text !== before) writeFileSync(file, r.text);
}

await debuggerPage();
await table1Page();
