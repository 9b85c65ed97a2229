import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/guest/build.js';
import { loadProfile, parseProfile, tickCosts, ProfileError, DEFAULT_PROFILE_PATH } from '../src/profile/load.js';
import { INSTRUCTION_CLASSES } from '../src/profile/schema.js';
import { profileEntries } from '../src/profile/doc.js';

const raw = () => JSON.parse(readFileSync(DEFAULT_PROFILE_PATH, 'utf8'));
const errorOf = (obj: unknown) => {
  try { parseProfile(JSON.stringify(obj), 'p.json'); } catch (e) { return e as Error; }
  throw new Error('expected a ProfileError');
};

describe('machine profile', () => {
  it('the shipped profile validates', () => {
    expect(() => loadProfile()).not.toThrow();
  });

  it('names the file and the field path of a missing entry', () => {
    const o = raw();
    delete o.instructionClasses.alu;
    const e = errorOf(o);
    expect(e).toBeInstanceOf(ProfileError);
    expect(e.message).toMatch(/^p\.json: field 'instructionClasses\.alu'/);
  });

  it('rejects an entry with two provenance kinds, or none', () => {
    const o = raw();
    o.memory.loadL1.calibrated = 'also calibrated';
    expect(errorOf(o).message).toMatch(/memory\.loadL1.*exactly one of "source", "derived", "assumption" or "calibrated"/);
    const o1 = raw();
    o1.memory.loadL1.assumption = 'also assumed';
    expect(errorOf(o1).message).toMatch(/memory\.loadL1.*exactly one of/);
    const o2 = raw();
    delete o2.memory.storeL1.source;
    expect(errorOf(o2).message).toMatch(/memory\.storeL1/);
  });

  it('rejects negative costs, unknown fields and non-JSON', () => {
    const o = raw();
    o.instructionClasses.lea.cycles = -1;
    expect(errorOf(o).message).toMatch(/instructionClasses\.lea\.cycles/);
    const o2 = raw();
    o2.instructionClasses.frobnicate = { cycles: 1, unit: 'x', source: 'y' };
    expect(errorOf(o2).message).toMatch(/instructionClasses/);
    expect(() => parseProfile('{ nope', 'bad.json')).toThrow(/bad\.json: not valid JSON/);
    expect(() => loadProfile('/nonexistent/profile.json')).toThrow(/cannot read profile: ENOENT/);
  });

  it('converts core cycles to TSC ticks by tscHz/coreHz', () => {
    const o = raw();
    const base = tickCosts(parseProfile(JSON.stringify(o), 'a'));
    o.clock.coreHz.value = o.clock.tscHz.value * 2; // a core twice as fast as the TSC
    const fast = tickCosts(parseProfile(JSON.stringify(o), 'b'));
    expect(fast.ticksPerCoreCycle).toBe(0.5);
    expect(fast.cls.div64).toBe(base.cls.div64 / 2);
    expect(fast.loadL1).toBe(base.loadL1 / 2);
  });
});

describe('instruction classes', () => {
  it('every class in the profile is charged by something in the CPU (no dead entries)', () => {
    const src = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => d.isDirectory() ? src(join(dir, d.name)) : d.name.endsWith('.ts') ? [readFileSync(join(dir, d.name), 'utf8')] : []);
    // The VMX instructions (src/vmx) are in the CPU's opcode table too.
    const cpu = [...src(join(repoRoot, 'src', 'cpu')), ...src(join(repoRoot, 'src', 'vmx'))].join('\n');
    const unused = INSTRUCTION_CLASSES.filter((k) => !cpu.includes(`'${k}'`) && !new RegExp(`cls\\.${k}\\b`).test(cpu));
    expect(unused).toEqual([]);
  });
});

describe('provenance texts say what their kind claims', () => {
  const rows = profileEntries(loadProfile());
  const of = (k: string) => rows.filter((r) => r.kind === k);

  it('every kind is used, and every entry of every section is listed', () => {
    for (const k of ['source', 'derived', 'assumption', 'calibrated']) expect(of(k).length, k).toBeGreaterThan(0);
    expect(rows.map((r) => r.path)).toContain('memory.remoteRequestShare');
    expect(rows.map((r) => r.path)).toContain('tlb.stlbHit');
    expect(rows.length).toBeGreaterThan(80);
  });

  it('a source names a primary public source a reader can look up', () => {
    const primary = /SDM|Optimization Reference Manual|uops\.info|Agner Fog|NSDI'19|Intel ARK|datasheet|github\.com\/|7-cpu\.com|AnandTech|LLVM/;
    for (const r of of('source')) expect(r.text, r.path).toMatch(primary);
  });

  it('a source does not hedge: a text that says assumed, estimate, derived, placeholder or recalled is not a source', () => {
    for (const r of of('source')) expect(r.text, r.path).not.toMatch(/assum|estimat|derived|placeholder|recalled|not re-verified/i);
  });

  it('a derived entry gives its equation', () => {
    for (const r of of('derived')) expect(r.text, r.path).toMatch(/^= /);
  });

  it('a calibrated entry names the measurement it is fitted on and says it is fitted', () => {
    for (const r of of('calibrated')) {
      expect(r.text, r.path).toMatch(/NSDI'19 §\d/);
      expect(r.text, r.path).toMatch(/fitted/);
    }
  });

  it('an assumption says why (more than a value)', () => {
    for (const r of of('assumption')) expect(r.text.length, r.path).toBeGreaterThan(80);
  });

  it('no entry cites the team\'s private notes', () => {
    for (const r of rows) expect(r.text, r.path).not.toMatch(/hardware-costs|design\.md|\.\.\/shared|tag [ABC]\b|§\d\.\d, [ABC]\)/);
  });
});
