/**
 * Memory types: a UC range set through the MTRRs makes loads bypass the
 * caches. The difference between the UC and WB loops is closed-form: the
 * loops are identical but for N loads, each costing an uncached RAM access
 * (`memory.uncachedRam`) instead of an L1 hit. An address that nothing
 * backs costs `memory.unbackedAccess` instead: a different thing (a master
 * abort), with its own entry.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { DEFAULT_PROFILE_PATH } from '../src/profile/load.js';

describe('MTRR memory types', () => {
  it('a UC range costs an uncached RAM access per load; an unbacked address costs the master abort', () => {
    const r = runImage(buildGuestImage({ name: 'mtrr', sources: ['guest/system/mtrr.c'] }));
    expect(r.exitStatus).toBe(0);
    expect(r.console).toContain('mtrrcap vcnt 8 fix 0; def type 0x6 enabled 1\n'); // boot: WB default, enabled (SDM §11.11.2.1 layout)
    expect(r.console).toContain('physbase0 type 0, physmask0 valid 1\n');
    expect(r.console).toContain('uc loop slower than wb loop: yes\n');
    const p = JSON.parse(readFileSync(DEFAULT_PROFILE_PATH, 'utf8'));
    const ratio = p.clock.tscHz.value / p.clock.coreHz.value;
    const uncached = p.memory.uncachedRam.cycles * ratio;
    const unbacked = p.memory.unbackedAccess.cycles * ratio;
    const l1 = p.memory.loadL1.cycles * ratio;
    const wb = Number(/cycles: wb (\d+)/.exec(r.console)![1]);
    const uc = Number(/cycles: uc (\d+)/.exec(r.console)![1]);
    const ub = Number(/cycles: unbacked (\d+)/.exec(r.console)![1]);
    // 256 loads; RDTSC truncation can move each reading by < 1 tick.
    expect(Math.abs(uc - wb - 256 * (uncached - l1))).toBeLessThanOrEqual(2);
    expect(Math.abs(ub - wb - 256 * (unbacked - l1))).toBeLessThanOrEqual(2);
  });
});
