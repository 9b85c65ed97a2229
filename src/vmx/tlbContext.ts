/**
 * TLB tagging by VPID and EPTP (SDM Vol. 3C §28.3 "Caching Translation
 * Information"). Linear and combined mappings are cached per VPID (and,
 * with EPT, per EP4TA, the EPTP's PML4 address): with "enable VPID" = 1 a
 * VM entry and the VM exit that follows switch between the host's VPID-0
 * context and the guest's without losing either; with VPID disabled, VM
 * entries and exits invalidate VPID-0 mappings (§28.3.3.3). The core keeps
 * one set of TLB arrays in use; the others wait here, a bounded number of
 * them (dropping one is an invalidation, which is always allowed).
 */
import { invalidateItlbPage, type TlbArrays } from '../cpu/coreMemory.js';
import type { VmxCpu } from './vmxCpu.js';

const MAX_CONTEXTS = 16;

export const ROOT_CONTEXT = 'root';

interface Context {
  arrays: TlbArrays;
  vpid: number;
  /** EP4TA, or -1 without EPT. */
  ep4ta: number;
  /** The APIC-access page these mappings were made with (-1 none). */
  apicAccess: number;
}

/** Per-core set of translation contexts. */
export class TlbContexts {
  current = ROOT_CONTEXT;
  readonly saved = new Map<string, Context>();
  /** Tag of the current context (the root context is VPID 0 without EPT). */
  vpid = 0;
  ep4ta = -1;
  apicAccess = -1;
}

export function contextKey(vpid: number, ep4ta: number): string {
  return vpid === 0 ? ROOT_CONTEXT : `vpid ${vpid}${ep4ta >= 0 ? ` ept 0x${ep4ta.toString(16)}` : ''}`;
}

/**
 * Make the context for (vpid, ep4ta) current. VPID 0 (root, or a guest
 * without "enable VPID") shares one context whose mappings every transition
 * invalidates.
 */
export function switchContext(v: VmxCpu, vpid: number, ep4ta: number, apicAccess: number): void {
  const t = v.tlb;
  const c = v.core;
  const key = contextKey(vpid, ep4ta);
  if (key === t.current) {
    c.flushTlb();
  } else {
    t.saved.set(t.current, { arrays: c.exportTlb(), vpid: t.vpid, ep4ta: t.ep4ta, apicAccess: t.apicAccess });
    const next = t.saved.get(key);
    t.saved.delete(key);
    if (next !== undefined) {
      c.importTlb(next.arrays);
      // Mappings made for another APIC-access page would route accesses wrongly: drop them.
      if (next.apicAccess !== apicAccess) c.flushTlb();
    } else {
      c.importTlb(c.newTlbArrays());
    }
    if (key === ROOT_CONTEXT) c.flushTlb(); // VPID-0 mappings are invalidated by every transition
    t.current = key;
    trim(t);
  }
  t.vpid = vpid;
  t.ep4ta = ep4ta;
  t.apicAccess = apicAccess;
}

function trim(t: TlbContexts): void {
  while (t.saved.size > MAX_CONTEXTS) {
    const oldest = t.saved.keys().next().value as string;
    t.saved.delete(oldest);
  }
}

/** INVEPT: drop combined mappings for one EP4TA, or for all (null). The current context is the root one (INVEPT runs in root operation). */
export function invalidateEpt(v: VmxCpu, ep4ta: number | null): void {
  for (const [k, ctx] of v.tlb.saved) {
    if (ctx.ep4ta >= 0 && (ep4ta === null || ctx.ep4ta === ep4ta)) v.tlb.saved.delete(k);
  }
}

/** INVVPID: one page of a VPID, a whole VPID, or every VPID but 0 (null). */
export function invalidateVpid(v: VmxCpu, vpid: number | null, lin: number | null): void {
  for (const [k, ctx] of v.tlb.saved) {
    if (ctx.vpid === 0 || (vpid !== null && ctx.vpid !== vpid)) continue;
    if (lin === null) { v.tlb.saved.delete(k); continue; }
    // Every translation of the page containing `lin`, whatever its size (as INVLPG).
    ctx.arrays.tlb.invalidatePage(lin);
    if (invalidateItlbPage(ctx.arrays.itag, ctx.arrays.ishift, lin) && ctx.arrays.bcTag !== null) ctx.arrays.bcTag.fill(NaN);
  }
}
