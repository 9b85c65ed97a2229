/**
 * IA-32e 4-level paging (SDM Vol. 3A §4.5): PML4 → PDPT → PD → PT with 1 GiB
 * and 2 MiB large pages. The walk reads and updates paging entries in guest
 * physical memory: it sets Accessed on every level it uses and Dirty on the
 * final entry for a write (§4.8), exactly as hardware does, so a guest that
 * inspects its page tables sees what it would on silicon.
 */
import type { PhysicalMemory } from '../memory/physical.js';

export const ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2;

const P = 1 << 0, RW = 1 << 1, US = 1 << 2, A = 1 << 5, D = 1 << 6, PS = 1 << 7, G = 1 << 8;

/** Page-fault error code bits (SDM Vol. 3A §4.7). */
export const PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSVD = 8, PFEC_I = 16;

export interface WalkResult {
  /** Physical address of the 4 KiB frame containing the linear address, or -1 on fault. */
  frame: number;
  /** log2 of the size of the page the walk found: 12 (4 KiB), 21 (2 MiB) or 30 (1 GiB). */
  pageShift: number;
  writable: boolean;
  user: boolean;
  executable: boolean;
  /** True if the final entry's Dirty bit is (now) set. */
  dirty: boolean;
  /** The final entry's Global bit (8); it makes the translation global only with CR4.PGE (SDM Vol. 3A §4.10.2.4). */
  global: boolean;
  /** Page-fault error code when frame < 0. */
  pfec: number;
  /** Entries read (each one is a memory access the caller may charge). */
  reads: number;
}

const TWO32 = 4294967296;

/**
 * Where the paging structures live when they are not at physical addresses:
 * in VMX non-root operation with EPT, each guest paging-structure entry is
 * at a guest-physical address that EPT translates (src/vmx/ept.ts; SDM Vol.
 * 3C §28.2.1). Returns the host-physical address, or throws the VM exit.
 */
export interface TableTranslator {
  table(gpa: number, lin: number): number;
}

/**
 * Walk the tables at `cr3` for linear address `lin` (a signed canonical value).
 * `wp` is CR0.WP, `nxe` is EFER.NXE. The frame found is a guest-physical
 * address when `tables` is given.
 */
export function walk(mem: PhysicalMemory, cr3: number, lin: number, acc: number, user: boolean, wp: boolean, nxe: boolean, out: WalkResult, tables: TableTranslator | null = null): WalkResult {
  const u = lin < 0 ? lin + 2 ** 48 : lin; // 48-bit unsigned view of a canonical address
  let table = Math.floor(cr3 / 4096) * 4096 % 2 ** 52;
  let writable = true, usr = true, exec = true;
  out.reads = 0;
  const levels = [39, 30, 21, 12];
  for (let level = 0; level < 4; level++) {
    const idx = Math.floor(u / 2 ** levels[level]!) & 511;
    const ea = tables === null ? table + idx * 8 : tables.table(table + idx * 8, lin);
    if (ea + 8 > mem.ramBytes) return fail(out, acc, user, false, false, nxe); // tables outside RAM: treat as not present
    let lo = mem.dv.getInt32(ea, true);
    const hi = mem.dv.getInt32(ea + 4, true);
    out.reads++;
    if (!(lo & P)) return fail(out, acc, user, false, false, nxe);
    if (reservedBitsSet(level, lo, hi, nxe)) return fail(out, acc, user, true, true, nxe);
    writable &&= (lo & RW) !== 0;
    usr &&= (lo & US) !== 0;
    if (nxe && hi < 0) exec = false;
    const large = (level === 1 || level === 2) && (lo & PS) !== 0;
    const last = level === 3 || large;
    // Accessed on every level used; Dirty only on the entry that maps the page.
    let newLo = lo | A;
    if (last && acc === ACC_WRITE) newLo |= D;
    if (newLo !== lo) { mem.dv.setInt32(ea, newLo, true); lo = newLo; }
    const addr = (lo & 0xfffff000) >>> 0 | 0;
    const base = ((hi & 0xfffff) >>> 0) * TWO32 + (addr >>> 0);
    if (last) {
      const pageBytes = 2 ** levels[level]!;
      const frameBase = Math.floor(base / pageBytes) * pageBytes; // large pages ignore the low (PAT/reserved) bits
      const within = Math.floor((u % pageBytes) / 4096) * 4096;
      const ok =
        (acc !== ACC_WRITE || writable || (!user && !wp)) &&
        (!user || usr) &&
        (acc !== ACC_EXEC || exec);
      if (!ok) return fail(out, acc, user, true, false, nxe);
      out.frame = frameBase + within;
      out.pageShift = levels[level]!;
      out.writable = writable || (!user && !wp);
      out.user = usr;
      out.executable = exec;
      out.dirty = (lo & D) !== 0;
      out.global = (lo & G) !== 0;
      out.pfec = 0;
      return out;
    }
    table = base;
  }
  return fail(out, acc, user, false, false, nxe);
}

/** MAXPHYADDR advertised by CPUID.80000008H (40 bits). */
export const MAXPHYADDR = 40;

/**
 * Reserved bits of an IA-32e paging entry (SDM Vol. 3A Tables 4-14 to 4-20):
 * address bits at or above MAXPHYADDR, XD when EFER.NXE = 0, PS in a PML4E,
 * and the low address bits of 1 GiB / 2 MiB page entries below the frame.
 */
function reservedBitsSet(level: number, lo: number, hi: number, nxe: boolean): boolean {
  if ((hi & 0x000fff00) !== 0) return true; // bits 51:40
  if (!nxe && hi < 0) return true; // bit 63
  if (level === 0 && (lo & PS) !== 0) return true;
  if (level === 1 && (lo & PS) !== 0 && (lo & 0x3fffe000) !== 0) return true; // 1 GiB page: bits 29:13
  if (level === 2 && (lo & PS) !== 0 && (lo & 0x001fe000) !== 0) return true; // 2 MiB page: bits 20:13
  return false;
}

/**
 * The #PF error code (SDM Vol. 3A §4.7): I/D is set for instruction fetches
 * only when execute-disable is in use (EFER.NXE = 1; SMEP is not modelled).
 */
function fail(out: WalkResult, acc: number, user: boolean, present: boolean, rsvd: boolean, nxe: boolean): WalkResult {
  out.frame = -1;
  out.pfec = (present ? PFEC_P : 0) | (acc === ACC_WRITE ? PFEC_W : 0) | (user ? PFEC_U : 0) | (rsvd ? PFEC_RSVD : 0) | (acc === ACC_EXEC && nxe ? PFEC_I : 0);
  return out;
}

export function newWalkResult(): WalkResult {
  return { frame: -1, pageShift: 12, writable: false, user: false, executable: false, dirty: false, global: false, pfec: 0, reads: 0 };
}
