/**
 * The hit path of a load or store, written into compiled blocks
 * (blockCompiler.ts; docs/architecture.md "Block compiler"): a data-TLB
 * filter hit and an L1 filter hit cost a few typed-array reads and two LRU
 * stamps, with no call. It is exactly what `CoreMemory.read`/`write` do on
 * that path — the same conditions, stamps, directory updates, cost and
 * bytes — and everything else (paging off, a line split, a TLB or L1 miss,
 * MMIO, UC memory, an armed load replay, spin tracking, `mem` listeners, a
 * watched line, a code page) takes the full path from the start: the hit
 * test has no side effect until it has passed.
 *
 * Names the generated code relies on: `c` (the core), `ea` (the linear
 * address, from eaCode), the Tlb's `fVpn/fIdx/fGen/fFrame/fPerm/gen/stamp/
 * clock` (tlb.ts) and the coherence model's `fLine/fIdx/l1Stamp/dir/clock/
 * cLoad/cStore` (src/memory/coherence.ts). The machine turns it on only
 * with the coherence model's index (`cacheIndex`), where an L1 filter hit
 * answers a replayable load as `loadHit` does.
 */
import type { Op } from './op.js';
import { TLB_FILTER_MASK, TLB_U, TLB_W } from './tlb.js';
import { DIRTY, L1_FILTER_BITS, L1_FILTER_MASK, LINE_SHIFT, OWNER_MASK } from '../memory/coherence.js';

/** CR0.PG as the int32 `cr0 & …` compares with. */
const PG = 1 << 31;

/**
 * Statements that leave `pa` ≥ 0 if the access of `sz` bytes at `ea` hits the
 * TLB filter (permission `needW`: a store) and stays in one line of cached
 * RAM, else -1; `ti`, `ts` hold the TLB entry and filter slot.
 */
function translateHit(sz: number, write: boolean, extra: string): string {
  const need = write ? `(c.cpl === 3 ? ${TLB_W | TLB_U} : ${TLB_W})` : `(c.cpl === 3 ? ${TLB_U} : 0)`;
  return `let pa = -1, ti = 0; const tl = c.tlb;
    if (c.inlineHits && (ea & 63) <= ${64 - sz} && (c.cr0 & ${PG}) !== 0 && !c.wants.mem && !c.spinTrack${extra}) {
      const vpn = Math.floor(ea / 4096), ts = vpn & ${TLB_FILTER_MASK};
      if (tl.fVpn[ts] === vpn) { ti = tl.fIdx[ts]; const need = ${need};
        if (tl.gen[ti] === tl.fGen[ts] && (tl.fPerm[ts] & need) === need) { const p = tl.fFrame[ts] + (ea - vpn * 4096);
          if (p + ${sz} <= c.ramBytes && c.memUncached[p >>> 12] === 0) pa = p; } } }`;
}

/** The bytes at `pa` (RAM, already charged) into `v`/`vHi`, as `readRam` leaves them (and `c.tHi`). */
function ramRead(sz: number): string {
  switch (sz) {
    case 1: return 'v = c.u8[pa]; vHi = 0;';
    case 2: return 'v = c.dv.getUint16(pa, true); vHi = 0;';
    case 4: return 'v = c.dv.getInt32(pa, true); vHi = 0;';
    default: return 'v = c.dv.getInt32(pa, true); vHi = c.dv.getInt32(pa + 4, true);';
  }
}

/**
 * A load of `sz` bytes at `ea` into the locals `v` and `vHi` (declared here:
 * wrap the statements that use them in the same block), with `c.tHi` set as
 * `read` sets it. `op.replayable` is known at compile time: such a load
 * hits only when no replay is armed (`replayableLoad`).
 */
export function loadCode(op: Op, sz: number): string {
  return `let v = 0, vHi = 0; { ${translateHit(sz, false, op.replayable ? ' && !c.replayArmed' : '')}
    if (pa >= 0) { const ms = c.memsys, line = pa >>> ${LINE_SHIFT}, f = (c.id << ${L1_FILTER_BITS}) | (line & ${L1_FILTER_MASK});
      if (ms.fLine[f] === line) { tl.stamp[ti] = ++tl.clock; ms.l1Stamp[ms.fIdx[f]] = ++ms.clock; c.time += ms.cLoad; } else pa = -1; }
    if (pa >= 0) { ${ramRead(sz)} c.tHi = vHi; } else { v = c.read(ea, ${sz}); vHi = c.tHi; } }`;
}

/**
 * A store of `sz` bytes (`v`, `vHi`: expressions) at `ea`. It hits when the
 * line is in this core's L1 and the core owns it (E or M: `store`'s hit),
 * no spin sleeper watches the line and no decoded block comes from its page.
 */
export function storeCode(sz: number, v: string, vHi: string): string {
  const bytes = sz === 1 ? `c.u8[pa] = ${v};` : sz === 2 ? `c.dv.setUint16(pa, ${v}, true);` : sz === 4 ? `c.dv.setInt32(pa, ${v}, true);`
    : `c.dv.setInt32(pa, ${v}, true); c.dv.setInt32(pa + 4, ${vHi}, true);`;
  return `{ ${translateHit(sz, true, '')}
    if (pa >= 0) { const w = c.watchLines; if ((w !== null && (w[pa >>> 6] | w[(pa + ${sz - 1}) >>> 6]) !== 0) || c.codePages[pa >>> 12] !== 0) pa = -1; }
    if (pa >= 0) { const ms = c.memsys, line = pa >>> ${LINE_SHIFT}, f = (c.id << ${L1_FILTER_BITS}) | (line & ${L1_FILTER_MASK}), d = (line << 2) + 1;
      if (ms.fLine[f] === line && (ms.dir[d] & ${OWNER_MASK}) === c.id + 1) {
        tl.stamp[ti] = ++tl.clock; ms.l1Stamp[ms.fIdx[f]] = ++ms.clock; ms.dir[d] = (c.id + 1) | ${DIRTY}; ms.dir[d + 2] = ms.dir[d + 2] + 1;
        c.time += ms.cStore; ${bytes} } else pa = -1; }
    if (pa < 0) c.write(ea, ${sz}, ${v}, ${vHi}); }`;
}
