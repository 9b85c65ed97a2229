/**
 * docs/debugger.md shows real debugger sessions (the xAPIC IPI walkthrough,
 * catchpoints and watchpoints, posted interrupts under VMX, a --json script).
 * This replays each one in batch mode on a fresh machine and compares every
 * line the page shows with what the debugger prints, so the page's cycles
 * follow the machine profile instead of rotting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/guest/build.js';
import { docSessions, imageFor, parseDebugArgs, replay } from './docSessions.js';

const doc = readFileSync(join(repoRoot, 'docs', 'debugger.md'), 'utf8');
const sessions = docSessions(doc);

describe('docs/debugger.md', () => {
  it('names the program of every session', () => {
    // The IPI walkthrough (§1–7), the catchpoint session, the VMX session.
    expect(sessions.length).toBe(3);
    for (const s of sessions) expect(s.args).not.toBeNull();
    expect(sessions[0]!.commands).toContain('reverse-step');
  });

  for (const [i, s] of sessions.entries()) {
    it(`session ${i + 1} (${s.args?.join(' ')}: ${s.commands[0]} …) is what the debugger prints`, async () => {
      const { sources, cores } = parseDebugArgs(s.args!);
      const r = await replay(imageFor(sources), cores, s.commands);
      expect(r.text.trimEnd().split('\n')).toEqual(s.text.split('\n'));
      expect(r.status).toBe(0);
    }, 60_000);
  }

  it('the --json script prints what the page shows (a line ending in " ..." is shown cut short)', async () => {
    const m = /printf '([^']*)' > cmds\.txt\nnpx shinjuku-emu debug (.*) --commands cmds\.txt --json\n```\n```\n([\s\S]*?)\n```/.exec(doc);
    expect(m).not.toBeNull();
    const commands = m![1]!.split('\\n').filter((c) => c !== '');
    const { sources, cores } = parseDebugArgs(m![2]!.split(/\s+/));
    const r = await replay(imageFor(sources), cores, commands, true);
    const got = r.text.trimEnd().split('\n');
    const shown = m![3]!.split('\n');
    expect(got.length).toBe(shown.length);
    shown.forEach((line, k) => {
      if (line.endsWith(' ...')) expect(got[k]!.startsWith(line.slice(0, -4))).toBe(true);
      else expect(got[k]).toBe(line);
    });
    expect(r.status).toBe(0);
  }, 60_000);
});
