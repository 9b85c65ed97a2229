/**
 * Reading guest state without touching it. The CPU's own page walk
 * (src/cpu/paging.ts) sets Accessed/Dirty bits and fills TLBs, and its
 * memory reads charge cycles and feed the coherence model; a debugger that
 * used them would change the run it observes. Everything here reads the
 * machine's RAM directly and walks page tables read-only.
 *
 * Device registers: the local APIC page is read through the APIC's own
 * register file for the registers whose reads have no side effect (each
 * core sees its own APIC, as on hardware); other MMIO is refused, because a
 * device read may change device state.
 */
import type { Core } from '../cpu/core.js';
import { CR0_PG, EFER_NXE } from '../cpu/core.js';
import type { Machine } from '../sim/machine.js';
import { APIC_BASE_DEFAULT } from '../apic/registers.js';

export class PeekError extends Error { override name = 'PeekError'; }

const TWO32 = 4294967296;
const P = 1, RW = 2, US = 4, PS = 0x80;

export interface Translation { pa: number; writable: boolean; user: boolean; executable: boolean; pageBytes: number; }

/**
 * Linear → physical as `core` would translate it now, or a PeekError that
 * says where the walk stopped. Reads paging entries only.
 */
export function translate(m: Machine, core: Core, lin: number): Translation {
  if (!Number.isFinite(lin) || lin < -(2 ** 47) || lin >= 2 ** 47) throw new PeekError(`0x${BigInt.asUintN(64, BigInt(Math.trunc(lin))).toString(16)} is not a canonical address`);
  // A core in a guest with EPT: the guest's paging gives guest-physical addresses, EPT the host-physical ones.
  const ept = core.nonRoot && core.vmx !== null && core.vmx.nested.enabled ? core.vmx.nested : null;
  const host = (gpa: number): number => {
    if (ept === null) return gpa;
    const hpa = ept.peek(gpa);
    if (typeof hpa === 'string') throw new PeekError(hpa);
    return hpa;
  };
  if ((core.cr0 & CR0_PG) === 0) return { pa: host(lin), writable: true, user: true, executable: true, pageBytes: 4096 };
  const u = lin < 0 ? lin + 2 ** 48 : lin;
  let table = (Math.floor(core.cr3 / 4096) * 4096) % 2 ** 52;
  const nxe = (core.efer & EFER_NXE) !== 0;
  let writable = true, user = true, exec = true;
  const shifts = [39, 30, 21, 12];
  const names = ['PML4E', 'PDPTE', 'PDE', 'PTE'];
  const dv = m.mem.dv;
  for (let level = 0; level < 4; level++) {
    const idx = Math.floor(u / 2 ** shifts[level]!) % 512;
    const ea = host(table + idx * 8);
    if (ea + 8 > m.mem.ramBytes) throw new PeekError(`page walk for 0x${u.toString(16)}: the ${names[level]} at 0x${ea.toString(16)} is outside RAM`);
    const lo = dv.getInt32(ea, true), hi = dv.getInt32(ea + 4, true);
    if ((lo & P) === 0) throw new PeekError(`0x${u.toString(16)} is not mapped (${names[level]} at 0x${ea.toString(16)} not present)`);
    writable &&= (lo & RW) !== 0;
    user &&= (lo & US) !== 0;
    if (nxe && hi < 0) exec = false;
    const base = (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);
    const large = (level === 1 || level === 2) && (lo & PS) !== 0;
    if (level === 3 || large) {
      const pageBytes = 2 ** shifts[level]!;
      const frame = Math.floor(base / pageBytes) * pageBytes;
      return { pa: host(frame + (u % pageBytes)), writable, user, executable: exec, pageBytes: ept === null ? pageBytes : 4096 };
    }
    table = base;
  }
  throw new PeekError('unreachable');
}

/** xAPIC registers whose reads have no side effects (SDM Vol. 3A Table 10-1), by offset. */
const APIC_READABLE = new Set<number>([
  0x020, 0x030, 0x080, 0x0a0, 0x0d0, 0x0e0, 0x0f0, 0x280, 0x2f0, 0x300, 0x310, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x390, 0x3e0,
  ...Array.from({ length: 24 }, (_, i) => 0x100 + i * 0x10), // ISR, TMR, IRR
]);

/** Read one 32-bit xAPIC register as core `coreId` sees it, or null when the read is not side-effect free. */
export function apicRegister(m: Machine, coreId: number, offset: number): number | null {
  if (!APIC_READABLE.has(offset)) return null;
  const a = m.apics[coreId];
  if (!a || a.mode === 'disabled') return null;
  return a.readReg(offset, false) >>> 0;
}

/**
 * `n` bytes of physical memory starting at `pa`. RAM directly; the xAPIC
 * page through the APIC of `coreId` (aligned 32-bit registers only);
 * addresses nothing decodes read as all ones (as the bus does).
 */
export function readPhys(m: Machine, coreId: number, pa: number, n: number): Uint8Array {
  if (!Number.isFinite(pa) || pa < 0) throw new PeekError(`physical address 0x${BigInt.asUintN(64, BigInt(Math.trunc(pa))).toString(16)} is not valid`);
  const ram = m.mem.ramBytes;
  if (pa + n <= ram) return m.mem.u8.slice(pa, pa + n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n;) {
    const a = pa + i;
    if (a < ram) { out[i] = m.mem.u8[a]!; i++; continue; }
    const region = m.mem.findMmio(a);
    if (!region) { out[i] = 0xff; i++; continue; }
    if (region.base === APIC_BASE_DEFAULT) {
      const off = a - region.base;
      const reg = off & ~0xf;
      const v = (off & 0xf) < 4 ? apicRegister(m, coreId, reg) : 0;
      if (v === null) throw new PeekError(`0x${a.toString(16)}: APIC register 0x${reg.toString(16)} is write-only, reserved, or the APIC is disabled`);
      out[i] = (off & 0xf) < 4 ? (v >>> (8 * (off & 3))) & 0xff : 0;
      i++;
      continue;
    }
    throw new PeekError(`0x${a.toString(16)} is device memory (${region.dev.name}): the debugger does not read it, a read may have side effects`);
  }
  return out;
}

/** `n` bytes at linear address `lin` as `core` sees memory (page by page). */
export function readLinear(m: Machine, core: Core, lin: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const a = lin + done;
    const t = translate(m, core, a);
    const inPage = Math.min(n - done, 4096 - (((a % 4096) + 4096) % 4096));
    out.set(readPhys(m, core.id, t.pa, inPage), done);
    done += inPage;
  }
  return out;
}

/** Little-endian unsigned value of 1, 2, 4 or 8 bytes. */
export function le(bytes: Uint8Array, off = 0, size = bytes.length): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]!);
  return v;
}

/** A guest qword at linear `lin` (unsigned). */
export function readU64(m: Machine, core: Core, lin: number): bigint { return le(readLinear(m, core, lin, 8)); }
