/**
 * docs/cost-model.md's tables of entries are generated from the profile:
 * this fails when someone edits the profile (or the tables) without running
 * `npm run doc:profile`, so the doc cannot say one thing and the profile
 * another.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/guest/build.js';
import { loadProfile } from '../src/profile/load.js';
import { generatedCostModelSection, profileEntries, spliceGenerated } from '../src/profile/doc.js';

const docPath = join(repoRoot, 'docs', 'cost-model.md');

describe('docs/cost-model.md', () => {
  const doc = readFileSync(docPath, 'utf8');
  const p = loadProfile();

  it('its generated tables are up to date with the profile (run `npm run doc:profile`)', () => {
    expect(spliceGenerated(doc, generatedCostModelSection(p))).toBe(doc);
  });

  it('lists every entry of the profile once, under its provenance kind', () => {
    for (const r of profileEntries(p)) expect(doc.split(`| \`${r.path}\` |`).length - 1, r.path).toBe(1);
  });

  it('does not claim that nothing is fitted while calibrated entries exist', () => {
    expect(profileEntries(p).some((r) => r.kind === 'calibrated')).toBe(true);
    expect(doc).not.toMatch(/nothing (in this issue )?is fitted/i);
  });

  it('the generator notices a stale doc', () => {
    const q = loadProfile();
    q.memory.l2Hit.cycles += 1;
    expect(spliceGenerated(doc, generatedCostModelSection(q))).not.toBe(doc);
  });
});
