/**
 * CLFLUSH evicts the line from every cache (SDM Vol. 2A CLFLUSH): the load
 * after it goes to DRAM. The loops of guest/costs/clflush.c differ by the
 * CLFLUSH (and a store), so their differences are closed-form sums of
 * profile entries. CLFLUSHOPT is not advertised, and raises #UD.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import { cpuidLeaf } from '../src/cpu/handlers/system.js';

const N = 100;

describe('CLFLUSH (guest/costs/clflush.c)', () => {
  const r = runImage(buildGuestImage({ name: 'clflush', sources: ['guest/costs/clflush.c'] }));
  const c = Object.fromEntries([...r.console.matchAll(/cycles: (\S+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  const t = tickCosts(loadProfile());
  const near = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThan(2); // two RDTSC floors

  it('a load after CLFLUSH of a clean line misses to DRAM', () => {
    near(c.flushed! - c.plain!, N * (t.cls.clflush + t.cache.dram - t.loadL1));
  });

  it('a dirty line is written back and evicted: the store hits, the load after the flush misses to DRAM, the data survives', () => {
    // The store after the previous iteration's flush finds the line in no cache: it acquires it
    // in the background (store buffer), costing storeL1; then the flush and the DRAM load.
    near(c.dirty! - c.plain!, N * (t.cls.mov + t.storeL1 + t.cls.clflush + t.cache.dram - t.loadL1));
    expect(r.console).toContain('last stored value survived the flush: yes');
  });

  it('CLFLUSH is advertised (CPUID.01H:EDX.CLFSH), CLFLUSHOPT is not and raises #UD', () => {
    expect(cpuidLeaf(0, 1, 1, 0)[3] & (1 << 19)).not.toBe(0);
    expect(cpuidLeaf(0, 1, 7, 0)[1] & (1 << 23)).toBe(0);
    expect(r.console).toContain('exception 6 (#UD)');
    expect(r.console).not.toContain('not reached');
    expect(r.exitStatus).toBe(64 + 6);
  });
});
