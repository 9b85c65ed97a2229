/**
 * docs/table1.md is a debugger session that follows one vanilla IPI core by
 * core (the sender's WRMSR exit, Dune's handler, the posted write, the
 * notification, the receiver's exit, the merge into VIRR, VM entry, the
 * virtual interrupt, the handler, the virtualized EOI). This replays its
 * commands in batch mode on the same program and compares every line of
 * the output with the page, so the page cannot drift from the machine.
 *
 * When a change to the machine moves what a session prints (a cost, a
 * tick), `npm run doc:sessions` re-records the output lines and lists them,
 * so the prose around them can be checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, repoRoot } from '../src/guest/build.js';
import { replay } from './docSessions.js';

describe('docs/table1.md', () => {
  it('the documented session is what the debugger prints', async () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'table1.md'), 'utf8');
    // The session's blocks: fenced blocks whose first line is a debugger prompt, in order.
    const blocks = [...doc.matchAll(/```\n(\(sjdb\) [\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(5);
    const documented = blocks.join('\n');
    const commands = documented.split('\n').filter((l) => l.startsWith('(sjdb) ')).map((l) => l.slice(7));
    expect(commands).toContain('catch vmexit wrmsr core 0');
    const elf = buildGuestImage({ name: 'vanilla_ipi', sources: ['guest/dune/bench/vanilla_ipi.c'] });
    const { status, text } = await replay(elf, 2, commands);
    expect(status).toBe(0);
    expect(text.trimEnd().split('\n')).toEqual(documented.split('\n'));
  }, 120_000);
});
