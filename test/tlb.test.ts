/**
 * The data TLB has the profile CPU's shape: entries the size of the page the
 * walk found (4 KiB, 2 MiB, 1 GiB), first-level capacities per size, a
 * second-level TLB for 4 KiB and 2 MiB pages (Haswell: SDM Vol. 2A CPUID
 * leaf 2 descriptors 03H, 63H, C1H). Expected values are closed-form counts
 * of pages, sets and ways.
 */
import { describe, expect, it } from 'vitest';
import { Tlb, TLB_W, type TlbConfig } from '../src/cpu/tlb.js';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tlbConfig } from '../src/profile/load.js';

const K4 = 4096, M2 = 2 ** 21, G1 = 2 ** 30;
const STLB_HIT = 7;
const haswell: TlbConfig = { l1: [{ entries: 64, ways: 4 }, { entries: 32, ways: 4 }, { entries: 4, ways: 4 }], stlb: { entries: 1024, ways: 8 }, stlbHit: STLB_HIT };

/** Translate through the TLB as the core does: filter, full lookup, else a "walk" that maps lin → lin + 2^48 (a non-negative "physical" address) with the given page size. */
function access(t: Tlb, lin: number, shift = 12): { frame: number; cost: number | 'walk' } {
  const vpn = Math.floor(lin / K4);
  const f = t.probe(vpn, 0);
  if (f >= 0) return { frame: f + (lin - vpn * K4), cost: 0 };
  const h = t.lookup(lin, vpn, 0);
  if (h >= 0) return { frame: h + (lin - vpn * K4), cost: t.lastCost };
  const bytes = 2 ** shift;
  const base = Math.floor(lin / bytes) * bytes + 2 ** 48;
  return { frame: t.fill(lin, vpn, shift, base, TLB_W) + (lin - vpn * K4), cost: 'walk' };
}

describe('data TLB model (src/cpu/tlb.ts)', () => {
  it('the profile gives Haswell\'s capacities', () => {
    const c = tlbConfig(loadProfile());
    expect(c.l1).toEqual(haswell.l1);
    expect(c.stlb).toEqual(haswell.stlb);
  });

  it('one 2 MiB entry translates all 512 of its 4 KiB pages', () => {
    const t = new Tlb(haswell);
    expect(access(t, 5 * M2 + 123, 21).cost).toBe('walk');
    for (let i = 0; i < 512; i++) {
      const lin = 5 * M2 + i * K4 + 8;
      expect(access(t, lin, 21)).toEqual({ frame: lin + 2 ** 48, cost: 0 });
    }
    expect(t.stats.walks).toBe(1);
  });

  it('4 KiB pages: 16 sets × 4 ways in the first level; the fifth page of a set evicts the least recently used one to the STLB', () => {
    const t = new Tlb(haswell);
    for (let p = 0; p < 64; p++) expect(access(t, p * K4).cost).toBe('walk');
    for (let p = 0; p < 64; p++) expect(access(t, p * K4).cost).toBe(0); // all 64 fit
    expect(access(t, 64 * K4).cost).toBe('walk'); // page 64 falls in set 0 with pages 0, 16, 32, 48
    expect(access(t, 0).cost).toBe(STLB_HIT); // page 0 was the LRU of set 0: first level miss, STLB hit
    expect(access(t, 16 * K4).cost).toBe(STLB_HIT); // ... and bringing it back evicted page 16
    expect(access(t, 32 * K4).cost).toBe(STLB_HIT);
    expect(t.occupancy().l1[0]).toBe(64);
  });

  it('the STLB holds 1024 4 KiB translations, 8 per set', () => {
    const t = new Tlb(haswell);
    for (let p = 0; p < 1024; p++) access(t, p * K4);
    for (let p = 0; p < 1024 - 64; p++) expect(access(t, p * K4).cost, `page ${p}`).toBe(STLB_HIT);
    expect(access(t, 1024 * K4).cost).toBe('walk'); // the ninth page of STLB set 0
    expect(t.occupancy().stlb).toBe(1024);
  });

  it('1 GiB pages: four first-level entries and none in the STLB', () => {
    const t = new Tlb(haswell);
    for (let g = 0; g < 4; g++) access(t, g * G1, 30);
    for (let g = 0; g < 4; g++) expect(access(t, g * G1 + 7 * M2, 30).cost).toBe(0);
    access(t, 4 * G1, 30); // evicts 1 GiB page 0
    expect(access(t, 0, 30).cost).toBe('walk'); // not an STLB hit: Haswell's STLB has no 1 GiB entries
  });

  it('INVLPG of any address in a 2 MiB page drops the whole translation, also from the fast path', () => {
    const t = new Tlb(haswell);
    access(t, 3 * M2, 21);
    access(t, 3 * M2 + 100 * K4, 21);
    t.invalidatePage(3 * M2 + 511 * K4);
    expect(access(t, 3 * M2 + 100 * K4, 21).cost).toBe('walk');
  });

  it('upper-half (negative) canonical addresses index their sets like any other', () => {
    const t = new Tlb(haswell);
    const lin = -(2 ** 47) + 5 * M2;
    expect(access(t, lin, 21).cost).toBe('walk');
    expect(access(t, lin + 17 * K4, 21)).toEqual({ frame: lin + 17 * K4 + 2 ** 48, cost: 0 });
  });
});

describe('the TLB fast path is an optimization', () => {
  it.each([['tlb_pages', 'guest/costs/tlb_pages.c', 1], ['memory', 'guest/tests/memory.c', 1], ['smp_counter', 'guest/tests/smp_counter.c', 4]] as const)('%s: the same cycles with the filter off', (name, src, cores) => {
    const img = buildGuestImage({ name, sources: [src] });
    const on = runImage(img, { cores });
    const off = runImage(img, { cores, beforeRun: (m) => { for (const c of m.cores) c.tlb.filterEnabled = false; } });
    expect(off.console).toBe(on.console);
    expect(off.cores).toEqual(on.cores);
  });
});

describe('TLB costs in a guest (guest/costs/tlb_pages.c)', () => {
  // The same 2 MiB of memory swept with one load per 4 KiB page through 4 KiB, 2 MiB and 1 GiB
  // pages. Raising one TLB cost by Δ moves each sweep by Δ × (how often that cost is paid), so
  // the difference of two runs counts walks and STLB hits exactly.
  const image = buildGuestImage({ name: 'tlb_pages', sources: ['guest/costs/tlb_pages.c'] });
  const sweeps = (k?: 'walk' | 'stlbHit', delta = 0) => {
    const p = loadProfile();
    if (k) p.tlb[k].cycles += delta;
    const r = runImage(image, { profile: p });
    expect(r.console).toContain('tlb_pages done');
    return Object.fromEntries([...r.console.matchAll(/cycles: (\S+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  };
  const base = sweeps();
  const D = 100;
  const per = (k: 'walk' | 'stlbHit') => {
    const s = sweeps(k, D);
    return Object.fromEntries(Object.keys(base).map((n) => [n, (s[n]! - base[n]!) / D]));
  };

  it('walks: one per page the walk finds — 512 for 4 KiB pages, 1 for a 2 MiB page, 1 for a 1 GiB page', () => {
    expect(per('walk')).toEqual({ '4k': 512, '4k-again': 0, '2m': 1, '1g': 1 });
  });

  it('STLB hits: the second 4 KiB sweep misses the 64-entry first level 512 times and finds every page in the STLB', () => {
    expect(per('stlbHit')).toEqual({ '4k': 0, '4k-again': 512, '2m': 0, '1g': 0 });
  });
});
