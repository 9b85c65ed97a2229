import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadProfile, parseProfile, tickCosts, ProfileError, DEFAULT_PROFILE_PATH } from '../src/profile/load.js';
import { INSTRUCTION_CLASSES, provenanceOf } from '../src/profile/schema.js';

const raw = () => JSON.parse(readFileSync(DEFAULT_PROFILE_PATH, 'utf8'));
const errorOf = (obj: unknown) => {
  try { parseProfile(JSON.stringify(obj), 'p.json'); } catch (e) { return e as Error; }
  throw new Error('expected a ProfileError');
};

describe('machine profile', () => {
  it('the shipped profile validates and every entry has a source or a calibration reason', () => {
    const p = loadProfile();
    for (const k of INSTRUCTION_CLASSES) {
      const e = p.instructionClasses[k];
      expect(provenanceOf(e).text.length, k).toBeGreaterThan(0);
    }
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
