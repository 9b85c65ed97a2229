/**
 * The product cites only what a user has: the project's own files and public
 * sources. Comments, docs and profile texts that point at a file the
 * repository does not contain, or at the team's private notes, are broken
 * references for every reader.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../src/guest/build.js';

function files(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  walk(join(repoRoot, dir));
  return out;
}

const product = [
  ...files('src', ['.ts']),
  ...files('bench', ['.ts']),
  ...files('bin', ['.js']),
  ...files('docs', ['.md']),
  ...files('profiles', ['.json']),
];

describe('citations in the product', () => {
  it('no source, doc or profile points into the team notes (../shared, hardware-costs.md)', () => {
    const bad: string[] = [];
    for (const f of product) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        if (/\.\.\/shared|shared\/(reference|peers|design)|hardware-costs/.test(line)) bad.push(`${relative(repoRoot, f)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('every .md file a source, doc or profile names exists in the repository', () => {
    const missing: string[] = [];
    for (const f of product) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        for (const m of line.matchAll(/([\w./-]*[\w-]+\.md)\b/g)) {
          const name = m[1]!;
          if (/^https?:|\/\//.test(name)) continue;
          const found = [repoRoot, join(repoRoot, 'docs')].some((d) => existsSync(join(d, name.replace(/^\.\//, ''))));
          if (!found) missing.push(`${relative(repoRoot, f)}:${i + 1}: ${name}`);
        }
      });
    }
    expect(missing).toEqual([]);
  });
});
