/**
 * PCID (SDM Vol. 3A §4.10.1 and §4.10.4.1): the TLB tags translations with
 * the PCID current when they were filled; MOV CR3 without the no-flush bit
 * drops the new PCID's non-global translations, with it none; global
 * translations answer for every PCID; INVLPG drops the current PCID's and
 * the global ones. The host kernel's KAISER entry relies on all of it.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';
import { Tlb, TLB_W } from '../src/cpu/tlb.js';

function tlb(): Tlb {
  return new Tlb({ l1: [{ entries: 64, ways: 4 }, { entries: 32, ways: 4 }, { entries: 4, ways: 4 }], stlb: { entries: 1024, ways: 8 }, stlbHit: 7 });
}

describe('PCID-tagged TLB (unit)', () => {
  it('a translation filled under one PCID is not used under another, and is again when its PCID returns', () => {
    const t = tlb();
    t.setPcid(1);
    t.fill(0x5000, 5, 12, 0x9000, TLB_W);
    expect(t.lookup(0x5000, 5, 0)).toBe(0x9000);
    t.setPcid(2);
    expect(t.lookup(0x5000, 5, 0)).toBe(-1);
    t.setPcid(1);
    expect(t.lookup(0x5000, 5, 0)).toBe(0x9000);
  });
  it('flushPcid drops that PCID’s non-global entries only; global entries match every PCID', () => {
    const t = tlb();
    t.setPcid(1);
    t.fill(0x5000, 5, 12, 0x9000, 0);
    t.fill(0x6000, 6, 12, 0xa000, 0, true);
    t.setPcid(3);
    t.fill(0x7000, 7, 12, 0xb000, 0);
    expect(t.lookup(0x6000, 6, 0)).toBe(0xa000);   // global, filled under PCID 1
    t.flushPcid(1);
    t.setPcid(1);
    expect(t.lookup(0x5000, 5, 0)).toBe(-1);
    expect(t.lookup(0x6000, 6, 0)).toBe(0xa000);
    t.setPcid(3);
    expect(t.lookup(0x7000, 7, 0)).toBe(0xb000);
    t.flush();
    expect(t.lookup(0x6000, 6, 0)).toBe(-1);
  });
  it('INVLPG drops the current PCID’s translation and a global one, not another PCID’s', () => {
    const t = tlb();
    t.setPcid(1);
    t.fill(0x5000, 5, 12, 0x9000, 0);
    t.setPcid(2);
    t.fill(0x5000, 5, 12, 0xc000, 0);
    t.fill(0x6000, 6, 12, 0xa000, 0, true);
    t.invalidatePage(0x5000);
    t.invalidatePage(0x6000);
    expect(t.lookup(0x5000, 5, 0)).toBe(-1);
    expect(t.lookup(0x6000, 6, 0)).toBe(-1);
    t.setPcid(1);
    expect(t.lookup(0x5000, 5, 0)).toBe(0x9000);
  });
});

describe('MOV CR3 / CR4 with PCIDs (guest/system/pcid.c)', () => {
  const r = runImage(buildGuestImage({ name: 'pcid', sources: ['guest/system/pcid.c'] }));
  const lines = r.console.split('\n');
  it('faults and the no-flush bit as the SDM says', () => {
    expect(r.exitStatus).toBe(0);
    expect(lines.slice(0, 4)).toEqual([
      'mov cr3 with bit 63 and PCIDE = 0: #GP(0), as required',
      'set CR4.PCIDE with CR3[11:0] = 005H: #GP(0), as required',
      'set CR4.PCIDE with CR3[11:0] = 000H: no exception, as required',
      'mov cr3 with PCID 1 and bit 63 (no flush): no exception, as required',
    ]);
    expect(lines).toContain('pcid done');
  });
  it('a PCID switched away from and back to without flushing keeps its translations; a flushing switch costs one walk per page (8 pages)', () => {
    const m = /cycles: warm (\d+) kept (\d+) flushed (\d+)/.exec(r.console)!;
    const [warm, kept, flushed] = [Number(m[1]), Number(m[2]), Number(m[3])];
    // RDTSC floors the fractional clock: timings of the same work differ by at most one tick.
    expect(Math.abs(kept - warm)).toBeLessThanOrEqual(1);
    expect(Math.abs(flushed - kept - 8 * loadProfile().tlb.walk.cycles)).toBeLessThanOrEqual(1);
  });
});
