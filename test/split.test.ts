/**
 * An access that straddles two cache lines is two cache accesses: the memory
 * system charges each line it touches once, and a load that crosses a page
 * also pays the page-split penalty the Optimization Reference Manual gives
 * (`memory.pageSplitLoad`). Expected differences are closed-form sums of
 * profile entries: the loops are identical but for the address.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';

const N = 1000; // iterations per loop in guest/costs/split.c

/** RDTSC reads floor(ticks): each loop's reading is within one tick of its cost, so a difference of two loops is within two. */
const expectTicks = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThan(2);

describe('split accesses (guest/costs/split.c)', () => {
  const r = runImage(buildGuestImage({ name: 'split', sources: ['guest/costs/split.c'] }));
  const c = Object.fromEntries([...r.console.matchAll(/cycles: (\S+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  const t = tickCosts(loadProfile());

  it('runs, and a page-split store puts its bytes on both pages in order', () => {
    expect(r.console).toContain('page-split store bytes: ok');
    expect(r.exitStatus).toBe(0);
    expect(Object.keys(c)).toHaveLength(6);
  });

  it('a store that straddles two lines of a page costs one more store, not one per byte', () => {
    expectTicks(c['store-line-split']! - c['store-aligned']!, N * t.storeL1);
  });

  it('a store that straddles two pages costs one more store (no page-split store penalty is published)', () => {
    expectTicks(c['store-page-split']! - c['store-aligned']!, N * t.storeL1);
  });

  it('a load that straddles two lines costs one more load', () => {
    expectTicks(c['load-line-split']! - c['load-aligned']!, N * t.loadL1);
  });

  it('a load that straddles two pages costs one more load and the page-split penalty', () => {
    expectTicks(c['load-page-split']! - c['load-aligned']!, N * (t.loadL1 + t.pageSplitLoad));
  });
});
