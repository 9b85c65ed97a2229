/**
 * What a user reads must stand on its own and say what the code does
 * (issue 9: the README pointed at files a user does not have, and its exit
 * status list had drifted from the code).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/guest/build.js';
import { STATUS } from '../src/sim/run.js';
import { INTERNAL_STATUS, USAGE_STATUS } from '../src/cli/errors.js';

/** Every file under `dir` (repo-relative) whose name ends with one of `exts`. */
function files(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(join(repoRoot, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const shipped = [
  'README.md',
  ...files('docs', ['.md']),
  ...files('src', ['.ts']),
  ...files('bin', ['.js']),
  // guest sources and their notes are read by users too; run-peers.sh is the tool that
  // re-records peer output, so naming the peers' folder is its job.
  ...files('guest', ['.c', '.h', '.S', '.md']),
];

describe('the documentation is self-contained', () => {
  it('nothing a user gets points at the team\'s own notes (../shared: the design brief, reference notes, peers)', () => {
    const offenders: string[] = [];
    for (const f of shipped) {
      readFileSync(join(repoRoot, f), 'utf8').split('\n').forEach((line, i) => {
        if (/\.\.\/shared|shared\/(reference|peers|design)|\bdesign\.md\b|hardware-costs\.md/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('every repository path README.md and docs/ name exists', () => {
    const missing: string[] = [];
    for (const f of ['README.md', ...files('docs', ['.md'])]) {
      // Lines about what is still to come ("`src/vmx` next", "not yet") may name folders that do not exist yet.
      const text = readFileSync(join(repoRoot, f), 'utf8').split('\n').filter((l) => !/\bnext\b|not yet/.test(l)).join('\n');
      // `guest/apic/idt.c`, [text](docs/x.md), [text](../guest/x.c)
      const named = [...text.matchAll(/`((?:guest|src|docs|profiles|test|bench|bin)\/[\w./-]*\w)`/g)].map((m) => m[1]!)
        .concat([...text.matchAll(/\]\(((?!https?:)[^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => relative(repoRoot, join(repoRoot, f, '..', m[1]!))));
      for (const p of named) if (!existsSync(join(repoRoot, p))) missing.push(`${f}: ${p}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("README's exit status table is the code's", () => {
  it('lists exactly the statuses the CLI ends with, each with its meaning', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const rows = new Map<string, string>();
    for (const m of readme.matchAll(/^\| (\d+(?:–\d+)?) \| (.*) \|$/gm)) rows.set(m[1]!, m[2]!);
    const want: [number, RegExp][] = [
      [STATUS.allHalted, /every core halted/],
      [STATUS.unsupported, /does not implement/],
      [STATUS.maxCycles, /cycle limit/],
      [STATUS.fault, /fault the guest could not handle/],
      [USAGE_STATUS, /usage error/],
      [INTERNAL_STATUS, /emulator failed/],
    ];
    expect([...rows.keys()].sort()).toEqual(['0–119', ...want.map(([s]) => String(s))].sort());
    for (const [status, meaning] of want) expect(rows.get(String(status)), `status ${status}`).toMatch(meaning);
    // the guests' own range stays below every status the run itself uses
    for (const [status] of want.slice(0, 4)) expect(status).toBeGreaterThan(119);
  });
});
