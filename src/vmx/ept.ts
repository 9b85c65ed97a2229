/**
 * Extended page tables (SDM Vol. 3C §28.2 "The Extended Page Table
 * Mechanism"): the guest-physical → host-physical translation of every
 * guest access in VMX non-root operation with "enable EPT" = 1, under the
 * guest's own paging (the two-dimensional walk: each guest paging-structure
 * entry is itself found through EPT, §28.2.1).
 *
 * A walk reads up to four EPT entries (PML4E, PDPTE, PDE, PTE; 1-GiB and
 * 2-MiB pages end it early), checks permissions (read, write, execute, the
 * AND over the levels) and misconfigurations (§28.2.3.1), sets the EPT
 * accessed and dirty flags when EPTP bit 6 enables them (§28.2.4), and
 * costs `vmx.eptWalkLevel` per entry read. Violations and
 * misconfigurations become VM exits with the SDM's qualification
 * (Table 27-7) and the guest-physical address.
 *
 * The same object also applies "virtualize APIC accesses" (§29.4): an
 * access whose host-physical address falls in the APIC-access page is sent
 * to the APIC-access window (vapic.ts) instead of memory.
 */
import { ACC_READ, ACC_WRITE, ACC_EXEC, MAXPHYADDR } from '../cpu/paging.js';
import { Unsupported } from '../cpu/fault.js';
import type { PhysicalMemory } from '../memory/physical.js';
import { eptCap, EPT_CAP } from './capabilities.js';
import { ExitReason } from './reasons.js';
import { VmExit } from './vmexit.js';

const TWO32 = 4294967296;
const R = 1, W = 2, X = 4;
const ACCESSED = 1 << 8, DIRTY = 1 << 9, PAGE_SIZE = 1 << 7;
const LEVEL_SHIFT = [39, 30, 21, 12];
const LEVEL_NAMES = ['PML4E', 'PDPTE', 'PDE', 'PTE'];

/** Memory types (SDM Vol. 3A Table 11-2). */
export const MT_UC = 0, MT_WB = 6;

/**
 * Is an EPT pointer valid (SDM §26.2.1.1, used by VM entry and INVEPT)?
 * Memory type UC or WB as IA32_VMX_EPT_VPID_CAP allows, walk length 4,
 * A/D enable only if supported, bits 11:7 and bits above MAXPHYADDR clear.
 */
export function eptPointerValid(lo: number, hi: number): boolean {
  const mt = lo & 7;
  if (!((mt === MT_UC && eptCap(EPT_CAP.MEMTYPE_UC)) || (mt === MT_WB && eptCap(EPT_CAP.MEMTYPE_WB)))) return false;
  if (((lo >>> 3) & 7) !== 3) return false;
  if ((lo & (1 << 6)) !== 0 && !eptCap(EPT_CAP.ACCESSED_DIRTY)) return false;
  if ((lo & 0xf80) !== 0) return false;
  if ((hi >>> (MAXPHYADDR - 32)) !== 0) return false;
  return true;
}

/** The 52-bit address field of an entry (bits 51:12) as a number. */
function entryAddress(lo: number, hi: number): number {
  return (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);
}

/** Reserved bits of an EPT paging-structure entry (SDM §28.2.2, Tables 28-1 to 28-6), for misconfiguration. */
function reservedSet(level: number, lo: number, hi: number, large: boolean): boolean {
  if ((hi & 0x000fff00) !== 0) return true; // bits 51:40 (MAXPHYADDR = 40)
  if (level === 0) return (lo & 0xf8) !== 0; // PML4E bits 7:3
  if (large) return level === 1 ? (lo & 0x3ffff000) !== 0 : (lo & 0x001ff000) !== 0; // 1-GiB: 29:12, 2-MiB: 20:12
  if (level < 3) return (lo & 0x78) !== 0; // non-leaf PDPTE/PDE bits 6:3 (bit 7 is the page-size flag)
  return false;
}

/** Where the APIC-access window lives in the physical address space: above MAXPHYADDR, so no guest mapping can reach it. */
export const APIC_ACCESS_WINDOW = 2 ** 44;

/**
 * One guest's guest-physical translation, installed on the core while it is
 * in VMX non-root operation with EPT or virtualized APIC accesses.
 */
export class NestedTranslation {
  enabled = false;
  /** EPT PML4 table address and whether A/D flags are on. */
  pml4 = 0;
  accessedDirty = false;
  /** Host-physical page of the APIC-access page, or -1 when "virtualize APIC accesses" is 0. */
  apicAccessPage = -1;
  /** Permissions (R|W|X) the last final translation allows, and whether its leaf is dirty (for the TLB). */
  lastPerm = 0;
  lastDirty = false;
  /** Page size (log2) of the EPT mapping the last final translation used (30 without EPT: no limit of its own). */
  lastShift = 30;
  /** Entries read by walks since the core last took them (it charges vmx.eptWalkLevel each). */
  reads = 0;

  constructor(private readonly mem: PhysicalMemory) {}

  /** Host-physical address of a guest paging-structure entry (8 bytes at `gpa`), for a walk of `lin`. */
  table(gpa: number, lin: number): number {
    if (!this.enabled) return gpa;
    // With EPT A/D flags on, accesses to guest paging structures are treated as writes (SDM §28.2.4).
    return this.walk(gpa, this.accessedDirty ? ACC_WRITE : ACC_READ, lin, false);
  }

  /** Host-physical address for the final access of a translation (a guest-physical frame + offset). */
  final(gpa: number, acc: number, lin: number): number {
    const hpa = this.enabled ? this.walk(gpa, acc, lin, true) : gpa;
    if (!this.enabled) { this.lastPerm = R | W | X; this.lastDirty = true; this.lastShift = 30; }
    if (this.apicAccessPage >= 0 && Math.floor(hpa / 4096) * 4096 === this.apicAccessPage) {
      if (acc === ACC_EXEC) {
        // An instruction fetch from the APIC-access page: APIC-access VM exit, access type 2 (SDM Table 27-6).
        const e = new VmExit(ExitReason.ApicAccess, (hpa % 4096) | (2 << 12), false, 'instruction fetch from the APIC-access page');
        throw e;
      }
      return APIC_ACCESS_WINDOW + (hpa % 4096);
    }
    return hpa;
  }

  /**
   * The page size (log2) of a combined mapping (SDM §28.3 "Caching
   * Translation Information"): the smaller of the guest's page size and that
   * of the EPT mapping of the last final translation (host-physical `hpa`).
   * A page that holds the APIC-access page is cached 4 KiB at a time, so no
   * entry sends an access to that page to memory, or another page's access
   * to the APIC-access window.
   */
  combinedShift(guestShift: number, hpa: number): number {
    const shift = Math.min(guestShift, this.lastShift);
    if (this.apicAccessPage < 0 || shift === 12) return shift;
    if (hpa >= APIC_ACCESS_WINDOW) return 12;
    const bytes = 2 ** shift;
    return Math.floor(hpa / bytes) === Math.floor(this.apicAccessPage / bytes) ? 12 : shift;
  }

  /**
   * The EPT walk (SDM §28.2.2): up to four levels, permissions ANDed,
   * misconfiguration checks, A/D flags. Throws the VM exit on a violation or
   * misconfiguration.
   */
  private walk(gpa: number, acc: number, lin: number, finalAccess: boolean): number {
    const mem = this.mem;
    const dv = mem.dv;
    let table = this.pml4;
    let perm = R | W | X;
    for (let level = 0; level < 4; level++) {
      const idx = Math.floor(gpa / 2 ** LEVEL_SHIFT[level]!) & 511;
      const ea = table + idx * 8;
      if (ea + 8 > mem.ramBytes) throw new Unsupported(`EPT ${LEVEL_NAMES[level]} at physical 0x${ea.toString(16)} is outside RAM`);
      let lo = dv.getInt32(ea, true);
      const hi = dv.getInt32(ea + 4, true);
      this.reads++;
      const rwx = lo & 7;
      if (rwx === 0) throw this.violation(gpa, acc, lin, finalAccess, 0);
      const large = (level === 1 || level === 2) && (lo & PAGE_SIZE) !== 0;
      const leaf = level === 3 || large;
      // Misconfigurations (SDM §28.2.3.1): write without read, execute-only without support, reserved bits, bad memory type.
      if ((rwx & (R | W)) === W) throw this.misconfig(gpa, `${LEVEL_NAMES[level]} is writable but not readable`);
      if (rwx === X && !eptCap(EPT_CAP.EXECUTE_ONLY)) throw this.misconfig(gpa, `${LEVEL_NAMES[level]} is execute-only`);
      if (reservedSet(level, lo, hi, large)) throw this.misconfig(gpa, `${LEVEL_NAMES[level]} has reserved bits set`);
      if (large && level === 1 && !eptCap(EPT_CAP.PAGE_1G)) throw this.misconfig(gpa, 'EPT PDPTE maps a 1-GiB page');
      if (leaf) {
        const mt = (lo >>> 3) & 7;
        if (mt === 2 || mt === 3 || mt === 7) throw this.misconfig(gpa, `${LEVEL_NAMES[level]} has reserved memory type ${mt}`);
      }
      perm &= rwx;
      if (this.accessedDirty) {
        let nlo = lo | ACCESSED;
        if (leaf && acc === ACC_WRITE) nlo |= DIRTY;
        if (nlo !== lo) { dv.setInt32(ea, nlo, true); lo = nlo; }
      }
      if (leaf) {
        const need = acc === ACC_WRITE ? W : acc === ACC_EXEC ? X : R;
        if ((perm & need) === 0) throw this.violation(gpa, acc, lin, finalAccess, perm);
        const mt = (lo >>> 3) & 7;
        const pageBytes = 2 ** LEVEL_SHIFT[level]!;
        const base = Math.floor(entryAddress(lo, hi) / pageBytes) * pageBytes;
        const hpa = base + (gpa % pageBytes);
        if (mt !== MT_WB && hpa < mem.ramBytes) throw new Unsupported(`EPT memory type ${mt} (not WB) for RAM at guest-physical 0x${gpa.toString(16)}: per-page memory types under EPT are not modelled`);
        this.lastPerm = perm;
        this.lastDirty = !this.accessedDirty || (lo & DIRTY) !== 0;
        this.lastShift = LEVEL_SHIFT[level]!;
        return hpa;
      }
      table = entryAddress(lo, hi);
    }
    throw new Error('unreachable');
  }

  /**
   * The debugger's look at a guest-physical address: the host-physical
   * address, or why there is none. Reads only (no accessed/dirty flag, no
   * cycle, no count).
   */
  peek(gpa: number): number | string {
    if (!this.enabled) return gpa;
    const dv = this.mem.dv;
    let table = this.pml4;
    for (let level = 0; level < 4; level++) {
      const ea = table + (Math.floor(gpa / 2 ** LEVEL_SHIFT[level]!) & 511) * 8;
      if (ea + 8 > this.mem.ramBytes) return `the EPT ${LEVEL_NAMES[level]} at 0x${ea.toString(16)} is outside RAM`;
      const lo = dv.getInt32(ea, true), hi = dv.getInt32(ea + 4, true);
      if ((lo & 7) === 0) return `guest-physical 0x${gpa.toString(16)} is not mapped by EPT (${LEVEL_NAMES[level]} at 0x${ea.toString(16)} not present)`;
      if (level === 3 || ((level === 1 || level === 2) && (lo & PAGE_SIZE) !== 0)) {
        const pageBytes = 2 ** LEVEL_SHIFT[level]!;
        return Math.floor(entryAddress(lo, hi) / pageBytes) * pageBytes + (gpa % pageBytes);
      }
      table = entryAddress(lo, hi);
    }
    return 'unreachable';
  }

  /** EPT-violation exit (reason 48) with the qualification of SDM Table 27-7. */
  private violation(gpa: number, acc: number, lin: number, finalAccess: boolean, perm: number): VmExit {
    const q = (acc === ACC_WRITE ? 2 : acc === ACC_EXEC ? 4 : 1) | ((perm & 7) << 3) | (1 << 7) | (finalAccess ? 1 << 8 : 0);
    const e = new VmExit(ExitReason.EptViolation, q, false, `EPT violation at guest-physical 0x${gpa.toString(16)}`);
    e.gpa = gpa;
    e.gla = lin;
    return e;
  }

  private misconfig(gpa: number, why: string): VmExit {
    const e = new VmExit(ExitReason.EptMisconfig, 0, false, `EPT misconfiguration at guest-physical 0x${gpa.toString(16)}: ${why}`);
    e.gpa = gpa;
    return e;
  }
}
