/**
 * docs/debugger.md shows real debugger sessions (the xAPIC IPI walkthrough,
 * catchpoints and watchpoints, posted interrupts under VMX, a --json script).
 * This replays each one in batch mode on a fresh machine and compares every
 * line the page shows with what the debugger prints, so the page's cycles
 * follow the machine profile instead of rotting.
 *
 * When a change to the machine moves what a session prints (a cost, a
 * tick), `npm run doc:sessions` re-records the output lines and lists them,
 * so the prose around them can be checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceSummary } from '../src/cli/commands/trace.js';
import { traceMachine } from '../src/debug/trace.js';
import { repoRoot } from '../src/guest/build.js';
import { loadProfile } from '../src/profile/load.js';
import { createMachine, DEFAULT_MEMORY } from '../src/sim/run.js';
import { docSessions, imageFor, parseDebugArgs, replay } from './docSessions.js';

const doc = readFileSync(join(repoRoot, 'docs', 'debugger.md'), 'utf8');
const sessions = docSessions(doc);
/** `$ npx shinjuku-emu trace ARGS --out FILE` blocks: the command line and what it prints. */
const traces = [...doc.matchAll(/```\n\$ npx shinjuku-emu trace (.*) --out (\S+)\n([\s\S]*?)\n```/g)].map((m) => ({ args: m[1]!.split(/\s+/), out: m[2]!, shown: m[3]! }));

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

  it('the trace commands print what the page shows', () => {
    expect(traces.map((t) => t.out)).toEqual(['posted.json', 'ipi.json']);
    for (const t of traces) {
      // What `shinjuku-emu trace` does (src/cli/commands/trace.ts), minus writing the file.
      const { sources, cores } = parseDebugArgs(t.args);
      const bytes: number[] = [];
      const m = createMachine(new Uint8Array(readFileSync(imageFor(sources))), { cores, memoryBytes: DEFAULT_MEMORY, profile: loadProfile(), spinDetection: true, onConsole: (b) => { bytes.push(b); } });
      const result = traceMachine(m, { title: `shinjuku-emu ${sources[0]}` });
      let text = Buffer.from(bytes).toString('utf8');
      if (text !== '' && !text.endsWith('\n')) text += '\n';
      text += traceSummary(result, undefined, t.out);
      expect(text.split('\n')).toEqual(t.shown.split('\n'));
    }
  }, 60_000);
});
