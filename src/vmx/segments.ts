/**
 * Guest segment registers as the VMCS holds them (SDM Vol. 3C "Guest
 * Register State": selector, base, limit, access rights) and the checks VM
 * entry makes on them (§26.3.1.2). Access-rights format (Table 24-2): bits
 * 3:0 type, 4 S, 6:5 DPL, 7 P, 11:8 reserved, 12 AVL, 13 L, 14 D/B, 15 G,
 * 16 segment unusable, 31:17 reserved.
 */
import type { Vmcs } from './vmcs.js';
import { F } from './fields.js';

export const AR_UNUSABLE = 1 << 16;
export const AR_P = 1 << 7;
export const AR_S = 1 << 4;
export const AR_L = 1 << 13;
export const AR_DB = 1 << 14;
export const AR_G = 1 << 15;

/** VMCS segment order: ES CS SS DS FS GS (the core's SEG_* numbers) then LDTR and TR. */
export const SEG_LDTR = 6, SEG_TR = 7;
export const SEG_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'LDTR', 'TR'];

export const GUEST_SEL = [F.GUEST_ES_SELECTOR, F.GUEST_CS_SELECTOR, F.GUEST_SS_SELECTOR, F.GUEST_DS_SELECTOR, F.GUEST_FS_SELECTOR, F.GUEST_GS_SELECTOR, F.GUEST_LDTR_SELECTOR, F.GUEST_TR_SELECTOR];
export const GUEST_BASE = [F.GUEST_ES_BASE, F.GUEST_CS_BASE, F.GUEST_SS_BASE, F.GUEST_DS_BASE, F.GUEST_FS_BASE, F.GUEST_GS_BASE, F.GUEST_LDTR_BASE, F.GUEST_TR_BASE];
export const GUEST_LIMIT = [F.GUEST_ES_LIMIT, F.GUEST_CS_LIMIT, F.GUEST_SS_LIMIT, F.GUEST_DS_LIMIT, F.GUEST_FS_LIMIT, F.GUEST_GS_LIMIT, F.GUEST_LDTR_LIMIT, F.GUEST_TR_LIMIT];
export const GUEST_AR = [F.GUEST_ES_AR, F.GUEST_CS_AR, F.GUEST_SS_AR, F.GUEST_DS_AR, F.GUEST_FS_AR, F.GUEST_GS_AR, F.GUEST_LDTR_AR, F.GUEST_TR_AR];
export const HOST_SEL = [F.HOST_ES_SELECTOR, F.HOST_CS_SELECTOR, F.HOST_SS_SELECTOR, F.HOST_DS_SELECTOR, F.HOST_FS_SELECTOR, F.HOST_GS_SELECTOR];

/** A segment register's hidden part, as the VMCS describes it. */
export class SegmentState {
  readonly sel = new Uint16Array(8);
  readonly base = new Float64Array(8);
  readonly limit = new Uint32Array(8);
  readonly ar = new Uint32Array(8);

  readFrom(vmcs: Vmcs): void {
    for (let i = 0; i < 8; i++) {
      this.sel[i] = vmcs.u32(GUEST_SEL[i]!);
      this.base[i] = vmcs.num(GUEST_BASE[i]!);
      this.limit[i] = vmcs.u32(GUEST_LIMIT[i]!);
      this.ar[i] = vmcs.u32(GUEST_AR[i]!);
    }
  }
}

export const canonical = (v: number): boolean => v >= -(2 ** 47) && v < 2 ** 47;
const high32Zero = (v: number): boolean => v >= 0 && v < 4294967296;

/** Limit and granularity agree (SDM §26.3.1.2): limit[11:0] not all ones ⇒ G = 0; limit[31:20] not all zeros ⇒ G = 1. */
function limitConsistent(limit: number, ar: number): boolean {
  const g = (ar & AR_G) !== 0;
  if ((limit & 0xfff) !== 0xfff && g) return false;
  if ((limit >>> 20) !== 0 && !g) return false;
  return true;
}

export interface GuestModes {
  ia32e: boolean;
  unrestricted: boolean;
  v8086: boolean;
  pe: boolean;
}

/**
 * Checks on guest segment registers (SDM §26.3.1.2): the violated rule, or
 * null. `s` holds the VMCS's guest fields.
 */
export function checkGuestSegments(s: SegmentState, m: GuestModes): string | null {
  const sdm = 'SDM 26.3.1.2';
  // Selectors.
  if ((s.sel[SEG_TR]! & 4) !== 0) return `${sdm}: TR selector TI flag must be 0`;
  if ((s.ar[SEG_LDTR]! & AR_UNUSABLE) === 0 && (s.sel[SEG_LDTR]! & 4) !== 0) return `${sdm}: LDTR selector TI flag must be 0 (LDTR usable)`;
  if (!m.v8086 && !m.unrestricted && (s.sel[2]! & 3) !== (s.sel[1]! & 3)) return `${sdm}: SS.RPL must equal CS.RPL`;
  // Bases.
  for (let i = 0; i < 6; i++) {
    if (m.v8086) {
      if (s.base[i] !== s.sel[i]! * 16) return `${sdm}: virtual-8086 guest ${SEG_NAMES[i]} base must be selector << 4`;
      if (s.limit[i] !== 0xffff) return `${sdm}: virtual-8086 guest ${SEG_NAMES[i]} limit must be FFFFH`;
      if (s.ar[i] !== 0xf3) return `${sdm}: virtual-8086 guest ${SEG_NAMES[i]} access rights must be F3H`;
    }
  }
  if (!canonical(s.base[SEG_TR]!)) return `${sdm}: TR base must be canonical`;
  if (!canonical(s.base[4]!)) return `${sdm}: FS base must be canonical`;
  if (!canonical(s.base[5]!)) return `${sdm}: GS base must be canonical`;
  if ((s.ar[SEG_LDTR]! & AR_UNUSABLE) === 0 && !canonical(s.base[SEG_LDTR]!)) return `${sdm}: LDTR base must be canonical (LDTR usable)`;
  if (!high32Zero(s.base[1]!)) return `${sdm}: CS base bits 63:32 must be 0`;
  for (const i of [2, 3, 0]) {
    if ((s.ar[i]! & AR_UNUSABLE) === 0 && !high32Zero(s.base[i]!)) return `${sdm}: ${SEG_NAMES[i]} base bits 63:32 must be 0 (segment usable)`;
  }
  if (m.v8086) return checkSystemSegments(s, m, sdm);
  // Access rights of CS, SS, DS, ES, FS, GS.
  const cs = s.ar[1]!, ss = s.ar[2]!;
  const csType = cs & 0xf;
  if (!(csType === 9 || csType === 11 || csType === 13 || csType === 15 || (m.unrestricted && csType === 3))) return `${sdm}: CS type must be 9, 11, 13 or 15 (accessed code)${m.unrestricted ? ' or 3' : ''}`;
  const ssUsable = (ss & AR_UNUSABLE) === 0;
  if (ssUsable && (ss & 0xf) !== 3 && (ss & 0xf) !== 7) return `${sdm}: SS type must be 3 or 7 (read/write accessed data) when usable`;
  for (const i of [3, 0, 4, 5]) {
    const a = s.ar[i]!;
    if ((a & AR_UNUSABLE) !== 0) continue;
    if ((a & 1) === 0) return `${sdm}: ${SEG_NAMES[i]} type must be accessed (bit 0 = 1) when usable`;
    if ((a & 8) !== 0 && (a & 2) === 0) return `${sdm}: ${SEG_NAMES[i]} code segment must be readable when usable`;
  }
  for (let i = 0; i < 6; i++) {
    const a = s.ar[i]!;
    if (i !== 1 && (a & AR_UNUSABLE) !== 0) continue;
    if ((a & AR_S) === 0) return `${sdm}: ${SEG_NAMES[i]} S (descriptor type) must be 1`;
    if ((a & AR_P) === 0) return `${sdm}: ${SEG_NAMES[i]} P (present) must be 1`;
    if ((a & 0xf00) !== 0) return `${sdm}: ${SEG_NAMES[i]} access-rights bits 11:8 are reserved (must be 0)`;
    if ((a >>> 17) !== 0) return `${sdm}: ${SEG_NAMES[i]} access-rights bits 31:17 are reserved (must be 0)`;
    if (!limitConsistent(s.limit[i]!, a)) return `${sdm}: ${SEG_NAMES[i]} limit and G flag are inconsistent`;
  }
  const csDpl = (cs >>> 5) & 3, ssDpl = (ss >>> 5) & 3;
  if (csType === 3 && csDpl !== 0) return `${sdm}: CS.DPL must be 0 for type 3 (unrestricted guest)`;
  if ((csType === 9 || csType === 11) && csDpl !== ssDpl) return `${sdm}: non-conforming CS.DPL must equal SS.DPL`;
  if ((csType === 13 || csType === 15) && csDpl > ssDpl) return `${sdm}: conforming CS.DPL must not exceed SS.DPL`;
  if (!m.unrestricted && ssDpl !== (s.sel[2]! & 3)) return `${sdm}: SS.DPL must equal SS.RPL`;
  if ((csType === 3 || !m.pe) && ssDpl !== 0) return `${sdm}: SS.DPL must be 0 when CS type is 3 or CR0.PE is 0`;
  if (!m.unrestricted) {
    for (const i of [3, 0, 4, 5]) {
      const a = s.ar[i]!;
      if ((a & AR_UNUSABLE) !== 0 || (a & 0xf) > 11) continue;
      if (((a >>> 5) & 3) < (s.sel[i]! & 3)) return `${sdm}: ${SEG_NAMES[i]}.DPL must not be less than its RPL (non-conforming, usable)`;
    }
  }
  if (m.ia32e && (cs & AR_L) !== 0 && (cs & AR_DB) !== 0) return `${sdm}: CS.D/B must be 0 when CS.L is 1 in an IA-32e mode guest`;
  return checkSystemSegments(s, m, sdm);
}

function checkSystemSegments(s: SegmentState, m: GuestModes, sdm: string): string | null {
  const tr = s.ar[SEG_TR]!;
  const trType = tr & 0xf;
  if (m.ia32e ? trType !== 11 : trType !== 3 && trType !== 11) return `${sdm}: TR type must be 11 (busy 64-bit TSS)${m.ia32e ? ' in an IA-32e mode guest' : ' or 3'}`;
  if ((tr & AR_S) !== 0) return `${sdm}: TR S must be 0`;
  if ((tr & AR_P) === 0) return `${sdm}: TR must be present`;
  if ((tr & 0xf00) !== 0 || (tr >>> 17) !== 0) return `${sdm}: TR access-rights reserved bits must be 0`;
  if ((tr & AR_UNUSABLE) !== 0) return `${sdm}: TR must be usable`;
  if (!limitConsistent(s.limit[SEG_TR]!, tr)) return `${sdm}: TR limit and G flag are inconsistent`;
  const ldtr = s.ar[SEG_LDTR]!;
  if ((ldtr & AR_UNUSABLE) === 0) {
    if ((ldtr & 0xf) !== 2) return `${sdm}: LDTR type must be 2 (LDT) when usable`;
    if ((ldtr & AR_S) !== 0) return `${sdm}: LDTR S must be 0 when usable`;
    if ((ldtr & AR_P) === 0) return `${sdm}: LDTR must be present when usable`;
    if ((ldtr & 0xf00) !== 0 || (ldtr >>> 17) !== 0) return `${sdm}: LDTR access-rights reserved bits must be 0`;
    if (!limitConsistent(s.limit[SEG_LDTR]!, ldtr)) return `${sdm}: LDTR limit and G flag are inconsistent`;
  }
  return null;
}
