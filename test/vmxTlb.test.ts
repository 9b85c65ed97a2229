/**
 * The data TLB under EPT (issue 10 over issue 8's TLB): a combined
 * guest-linear → host-physical translation is cached with the smaller of the
 * guest's page size and the EPT page size (SDM Vol. 3C §28.3 "Caching
 * Translation Information"), in the same first level / STLB as native
 * entries. Expected values are closed-form counts of walks: a sweep of the
 * 512 4-KiB pages of one guest 2-MiB page walks once when EPT maps that
 * region with a 2-MiB page, and 512 times when EPT maps it with 4-KiB pages.
 * A 2-MiB region holding the APIC-access page is cached 4 KiB at a time, so
 * its accesses keep reaching the APIC-access page's window.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/sim/machine.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import { ACC_READ } from '../src/cpu/paging.js';
import { CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME } from '../src/cpu/core.js';
import { NestedTranslation, APIC_ACCESS_WINDOW } from '../src/vmx/ept.js';

const K4 = 4096, M2 = 2 ** 21;
// Guest tables (guest-physical = host-physical under the identity EPT below).
const G_PML4 = 0x100000, G_PDPT = 0x101000, G_PD = 0x102000;
// EPT tables.
const E_PML4 = 0x110000, E_PDPT = 0x111000, E_PD = 0x112000, E_PT = 0x113000;
/** The guest-linear 2-MiB page the sweep reads, and the guest-physical 2-MiB page it maps to. */
const LIN = 0x40000000, GPA = 0x600000;

function setup(eptSplit: boolean, apicAccessPage = -1) {
  const profile = loadProfile();
  const m = new Machine({ cores: 1, memoryBytes: 320 * 2 ** 20, profile });
  const c = m.cores[0]!;
  const dv = m.mem.dv;
  const put = (at: number, v: number) => { dv.setUint32(at, v >>> 0, true); dv.setUint32(at + 4, 0, true); };
  // Guest paging: PML4[0] → PDPT; PDPT[1] (1 GiB) → PD; PD[0] maps LIN as a 2-MiB page at GPA. P | RW (SDM Vol. 3A §4.5).
  put(G_PML4, G_PDPT | 3);
  put(G_PDPT + 8, G_PD | 3);
  put(G_PD, GPA | 0x83);
  // EPT: identity map of the first GiB with 2-MiB pages, RWX, WB (SDM Vol. 3C §28.2.2, Tables 28-1, 28-3, 28-4);
  // with eptSplit, the 2-MiB region at GPA is mapped by a page table of 4-KiB pages instead (Tables 28-5, 28-6).
  put(E_PML4, E_PDPT | 7);
  put(E_PDPT, E_PD | 7);
  for (let i = 0; i < 512; i++) put(E_PD + i * 8, i * M2 | (6 << 3) | 0x80 | 7);
  if (eptSplit) {
    put(E_PD + (GPA / M2) * 8, E_PT | 7);
    for (let i = 0; i < 512; i++) put(E_PT + i * 8, GPA + i * K4 | (6 << 3) | 7);
  }
  const n = new NestedTranslation(m.mem);
  n.enabled = true;
  n.pml4 = E_PML4;
  n.apicAccessPage = apicAccessPage;
  c.cr0 = (CR0_PE | CR0_PG) >>> 0;
  c.cr4 = CR4_PAE;
  c.efer = EFER_LME | EFER_LMA;
  c.cr3 = G_PML4;
  c.nested = n;
  const t = tickCosts(profile);
  return { c, walk: t.tlb.walk, eptLevel: t.vmx.eptWalkLevel };
}

/** Read every 4-KiB page of the guest's 2-MiB page once; the host-physical addresses and walks. */
function sweep(c: ReturnType<typeof setup>['c']) {
  const before = c.tlb.stats.walks;
  const hpa: number[] = [];
  for (let i = 0; i < 512; i++) hpa.push(c.translate(LIN + i * K4 + 8, ACC_READ));
  return { hpa, walks: c.tlb.stats.walks - before };
}

describe('the TLB caches combined mappings with the smaller page size (SDM Vol. 3C §28.3)', () => {
  it('guest 2 MiB over EPT 2 MiB: one 2-MiB entry, one walk for the 512 pages', () => {
    const { c, walk, eptLevel } = setup(false);
    const t0 = c.time;
    const s = sweep(c);
    // The walk: tlb.walk, plus vmx.eptWalkLevel per EPT entry read: the guest's PML4E, PDPTE and PDE
    // and the final address, each through EPT's PML4E, PDPTE and 2-MiB PDE (3 reads): 12. The other 511 hit.
    expect(c.time - t0).toBeCloseTo(walk + 12 * eptLevel, 9);
    expect(s.hpa).toEqual(Array.from({ length: 512 }, (_, i) => GPA + i * K4 + 8));
    expect(s.walks).toBe(1);
    expect(c.tlb.occupancy().l1).toEqual([0, 1, 0]);
  });

  it('guest 2 MiB over EPT 4 KiB: 4-KiB entries, a walk per page', () => {
    const { c, walk, eptLevel } = setup(true);
    const t0 = c.time;
    const s = sweep(c);
    expect(s.hpa).toEqual(Array.from({ length: 512 }, (_, i) => GPA + i * K4 + 8));
    expect(s.walks).toBe(512);
    expect(c.tlb.occupancy().l1[1]).toBe(0);
    // Each walk: the guest's three table entries through EPT's 2-MiB pages (3 reads each), the final
    // address through EPT's page table (4 reads): 13 EPT entry reads.
    expect(c.time - t0).toBeCloseTo(512 * (walk + 13 * eptLevel), 9);
  });

  it('a 2-MiB region holding the APIC-access page is cached 4 KiB at a time, and that page goes to the APIC-access window', () => {
    const apicPage = GPA + 5 * K4;
    const { c } = setup(false, apicPage);
    const s = sweep(c);
    expect(s.walks).toBe(512);
    expect(s.hpa[5]).toBe(APIC_ACCESS_WINDOW + 8);
    expect(s.hpa[6]).toBe(GPA + 6 * K4 + 8);
    // Again: every page hits, and the APIC-access page still reaches the window.
    const again = sweep(c);
    expect(again.walks).toBe(0);
    expect(again.hpa[5]).toBe(APIC_ACCESS_WINDOW + 8);
  });
});
