/**
 * The data TLB of one core, shaped as the profile's CPU has it (Haswell: SDM
 * Vol. 2A, CPUID leaf 2 descriptors 03H, 63H and C1H; Intel Optimization
 * Reference Manual, "TLB Parameters of the Haswell Microarchitecture"):
 *
 *  - a first-level DTLB per page size — 4 KiB, 2 MiB, 1 GiB — each
 *    set-associative with its own capacity, probed together (the page size
 *    of an address is not known before translation);
 *  - a shared second-level TLB (STLB) holding 4 KiB and 2 MiB translations;
 *    Haswell's has no 1 GiB entries, so a 1 GiB page missing the first level
 *    always walks.
 *
 * An entry covers the page the walk found: one 2 MiB entry translates every
 * address in its 2 MiB page. Costs (ticks): a first-level hit is free (it
 * overlaps the load), a first-level miss that hits the STLB costs `stlbHit`,
 * an STLB miss costs a page walk (`walk`, charged by the core, which walks).
 * True LRU in every set. Which set of the STLB a 2 MiB entry uses is not
 * documented; the model indexes each size by its own page number.
 *
 * Process-context identifiers (SDM Vol. 3A §4.10.1): every entry is tagged
 * with the PCID that was current when it was filled, and is used only while
 * that PCID is current — unless it is global (G = 1 in the entry that maps
 * the page, with CR4.PGE), which matches any PCID. With CR4.PCIDE = 0 the
 * current PCID is always 000H. `flushPcid` drops one PCID's non-global
 * entries (MOV to CR3 without the no-flush bit), `flush` everything.
 *
 * Fast path: a direct-mapped filter keyed by the 4 KiB page number remembers
 * which first-level entry translated that page (with the entry's generation,
 * so an entry evicted or invalidated since is not used). A filter hit is the
 * same first-level hit the full lookup would find, LRU stamp included, so the
 * filter changes no cycle.
 */
import type { Tick } from '../sim/time.js';

/** Page sizes, as an index into the first-level arrays. */
export const PAGE_4K = 0, PAGE_2M = 1, PAGE_1G = 2;
const SHIFT = [12, 21, 30];
const BYTES = SHIFT.map((s) => 2 ** s);

/** Entry permission bits: what an entry allows without a new walk. */
export const TLB_W = 1, TLB_U = 2, TLB_X = 4;

export interface TlbGeometry { readonly entries: number; readonly ways: number }

export interface TlbConfig {
  /** First-level DTLB per page size: [4 KiB, 2 MiB, 1 GiB]. */
  readonly l1: readonly [TlbGeometry, TlbGeometry, TlbGeometry];
  /** Second-level TLB, 4 KiB and 2 MiB pages. */
  readonly stlb: TlbGeometry;
  /** Ticks for a first-level miss that hits the STLB. */
  readonly stlbHit: Tick;
}

const FILTER_BITS = 10;
const FILTER_SLOTS = 1 << FILTER_BITS;
/** The filter's slot of a page: vpn & TLB_FILTER_MASK (also written into compiled blocks: src/cpu/inlineMemory.ts). */
export const TLB_FILTER_MASK = FILTER_SLOTS - 1;

interface Array_ { base: number; sets: number; ways: number }

function array(g: TlbGeometry, base: number, what: string): Array_ {
  const sets = g.entries / g.ways;
  if (!Number.isInteger(g.ways) || g.ways < 1 || !Number.isInteger(sets) || sets < 1) {
    throw new RangeError(`${what}: ${g.entries} entries in ${g.ways} ways is not a whole number of sets`);
  }
  return { base, sets, ways: g.ways };
}

export class Tlb {
  private readonly l1: Array_[];
  private readonly stlb: Array_;
  private readonly stlbHitCost: Tick;
  // Entries of every array, side by side: page number (in the entry's own page size; NaN = empty),
  // page size, physical base of the page, permission bits, LRU stamp, generation.
  private readonly tag: Float64Array;
  private readonly size: Uint8Array;
  private readonly base: Float64Array;
  private readonly perm: Uint8Array;
  /** LRU stamps (a filter hit in a compiled block stamps its entry as `probe` does: src/cpu/inlineMemory.ts). */
  readonly stamp: Float64Array;
  readonly gen: Float64Array;
  private readonly pcid: Uint16Array;
  private readonly glob: Uint8Array;
  /** The PCID translations are looked up and filled under (CR3[11:0] with CR4.PCIDE, else 0). */
  private current = 0;
  /** The LRU clock (advanced by every hit, `probe`'s and a compiled block's). */
  clock = 0;
  private genCounter = 0;
  // Filter: 4 KiB page number → first-level entry, its generation, the 4 KiB frame and the permissions.
  readonly fVpn = new Float64Array(FILTER_SLOTS).fill(NaN);
  readonly fIdx = new Int32Array(FILTER_SLOTS);
  readonly fGen = new Float64Array(FILTER_SLOTS);
  readonly fFrame = new Float64Array(FILTER_SLOTS);
  readonly fPerm = new Uint8Array(FILTER_SLOTS);
  /** Ticks the last `lookup` cost (0 for a first-level hit, stlbHit for an STLB hit). */
  lastCost: Tick = 0;
  /**
   * The filter is an optimization: with it off every translation takes the
   * full lookup, and cycles are identical (test/tlb.test.ts runs guests both ways).
   */
  private useFilter = true;
  get filterEnabled(): boolean { return this.useFilter; }
  set filterEnabled(on: boolean) { this.useFilter = on; this.fVpn.fill(NaN); }
  /** Counters, for tests and statistics: first-level hits (lookups past the filter), STLB hits, fills after a walk. */
  readonly stats = { l1Hits: 0, stlbHits: 0, walks: 0 };

  constructor(cfg: TlbConfig) {
    let n = 0;
    this.l1 = cfg.l1.map((g, k) => {
      const a = array(g, n, `first-level DTLB (${['4 KiB', '2 MiB', '1 GiB'][k]} pages)`);
      n += g.entries;
      return a;
    });
    this.stlb = array(cfg.stlb, n, 'STLB');
    n += cfg.stlb.entries;
    this.stlbHitCost = cfg.stlbHit;
    this.tag = new Float64Array(n).fill(NaN);
    this.size = new Uint8Array(n);
    this.base = new Float64Array(n);
    this.perm = new Uint8Array(n);
    this.stamp = new Float64Array(n);
    this.gen = new Float64Array(n);
    this.pcid = new Uint16Array(n);
    this.glob = new Uint8Array(n);
  }

  /** The PCID now current. A change empties the filter, whose entries answer for the old one. */
  setPcid(p: number): void {
    if (p === this.current) return;
    this.current = p;
    this.fVpn.fill(NaN);
  }

  get currentPcid(): number { return this.current; }

  /** Filter hit: the 4 KiB frame of `vpn` if its first-level entry is still there and allows `need`, else -1. */
  probe(vpn: number, need: number): number {
    const s = vpn & TLB_FILTER_MASK;
    if (this.fVpn[s] !== vpn) return -1;
    const i = this.fIdx[s]!;
    if (this.gen[i] !== this.fGen[s] || (this.fPerm[s]! & need) !== need) return -1;
    this.stamp[i] = ++this.clock;
    return this.fFrame[s]!;
  }

  /**
   * Full lookup of linear address `lin` (4 KiB page `vpn`): the first level
   * of every page size, then the STLB. Returns the 4 KiB frame and sets
   * `lastCost`, or -1 when only a walk can translate it (missing, or present
   * without the permissions `need` asks: a write through a clean entry walks
   * again to set Dirty).
   */
  lookup(lin: number, vpn: number, need: number): number {
    for (let k = PAGE_4K; k <= PAGE_1G; k++) {
      const i = this.find(this.l1[k]!, k, Math.floor(lin / BYTES[k]!));
      if (i >= 0) {
        if ((this.perm[i]! & need) !== need) return -1;
        this.stamp[i] = ++this.clock;
        this.stats.l1Hits++;
        this.lastCost = 0;
        return this.remember(vpn, i);
      }
    }
    for (let k = PAGE_4K; k <= PAGE_2M; k++) {
      const pn = Math.floor(lin / BYTES[k]!);
      const i = this.find(this.stlb, k, pn);
      if (i >= 0) {
        if ((this.perm[i]! & need) !== need) return -1;
        this.stamp[i] = ++this.clock;
        this.stats.stlbHits++;
        this.lastCost = this.stlbHitCost;
        const j = this.insert(this.l1[k]!, k, pn, this.base[i]!, this.perm[i]!, this.glob[i]!);
        return this.remember(vpn, j);
      }
    }
    return -1;
  }

  /**
   * A walk translated `lin`: cache the page it found (size 2^pageShift,
   * physical base `pageBase`) in the first level of its size and in the STLB
   * when the STLB holds that size. Returns the 4 KiB frame of `vpn`.
   */
  fill(lin: number, vpn: number, pageShift: number, pageBase: number, perm: number, global = false): number {
    const k = pageShift === 12 ? PAGE_4K : pageShift === 21 ? PAGE_2M : PAGE_1G;
    const pn = Math.floor(lin / BYTES[k]!);
    this.stats.walks++;
    const g = global ? 1 : 0;
    if (k !== PAGE_1G) this.insert(this.stlb, k, pn, pageBase, perm, g);
    const i = this.insert(this.l1[k]!, k, pn, pageBase, perm, g);
    return this.remember(vpn, i);
  }

  /**
   * INVLPG: drop every entry whose page contains `lin`, at every level —
   * those of the current PCID and global ones (SDM Vol. 3A §4.10.4.1).
   */
  invalidatePage(lin: number): void {
    for (let k = PAGE_4K; k <= PAGE_1G; k++) {
      const pn = Math.floor(lin / BYTES[k]!);
      this.drop(this.find(this.l1[k]!, k, pn));
      if (k !== PAGE_1G) this.drop(this.find(this.stlb, k, pn));
    }
  }

  /** MOV to CR0/CR4, WRMSR EFER and the like: drop everything, global entries and every PCID's. */
  flush(): void {
    this.tag.fill(NaN);
    this.fVpn.fill(NaN);
  }

  /**
   * MOV to CR3 without the no-flush bit (SDM Vol. 3A §4.10.4.1): drop the
   * non-global entries of PCID `p` (with CR4.PCIDE = 0, `p` is 000H).
   */
  flushPcid(p: number): void {
    const tag = this.tag;
    for (let i = 0; i < tag.length; i++) {
      if (tag[i] === tag[i] && this.glob[i] === 0 && this.pcid[i] === p) this.drop(i);
    }
    this.fVpn.fill(NaN);
  }

  /** Entries per page size currently in the first level (tests, `info`). */
  occupancy(): { l1: [number, number, number]; stlb: number } {
    const count = (a: Array_) => { let c = 0; for (let i = a.base; i < a.base + a.sets * a.ways; i++) if (this.tag[i] === this.tag[i]) c++; return c; };
    return { l1: [count(this.l1[0]!), count(this.l1[1]!), count(this.l1[2]!)], stlb: count(this.stlb) };
  }

  // ----------------------------------------------------------------- internals

  /** First entry of the set of page number `pn` (negative for the upper canonical half: a floored modulo). */
  private setBase(a: Array_, pn: number): number { return a.base + (pn - Math.floor(pn / a.sets) * a.sets) * a.ways; }

  private find(a: Array_, k: number, pn: number): number {
    const b = this.setBase(a, pn);
    for (let w = 0; w < a.ways; w++) {
      const i = b + w;
      if (this.tag[i] === pn && this.size[i] === k && (this.glob[i] !== 0 || this.pcid[i] === this.current)) return i;
    }
    return -1;
  }

  /** Put a translation in its set: over an entry for the same page if there is one, else in an empty or the LRU way. */
  private insert(a: Array_, k: number, pn: number, pageBase: number, perm: number, global = 0): number {
    const b = this.setBase(a, pn);
    let v = -1;
    let oldest = Infinity;
    for (let w = 0; w < a.ways; w++) {
      const i = b + w;
      const t = this.tag[i]!;
      if (t === pn && this.size[i] === k && (this.glob[i] !== 0 || this.pcid[i] === this.current)) { v = i; break; }
      if (t !== t) { if (oldest > -Infinity) { v = i; oldest = -Infinity; } continue; } // empty way (NaN)
      if (this.stamp[i]! < oldest) { oldest = this.stamp[i]!; v = i; }
    }
    this.tag[v] = pn;
    this.size[v] = k;
    this.base[v] = pageBase;
    this.perm[v] = perm;
    this.pcid[v] = this.current;
    this.glob[v] = global;
    this.stamp[v] = ++this.clock;
    this.gen[v] = ++this.genCounter;
    return v;
  }

  private drop(i: number): void {
    if (i < 0) return;
    this.tag[i] = NaN;
    this.gen[i] = ++this.genCounter;
  }

  /** Fill the filter slot of `vpn` from first-level entry `i`; returns the 4 KiB frame. */
  private remember(vpn: number, i: number): number {
    const k = this.size[i]!;
    const frame = this.base[i]! + (vpn * 4096 - this.tag[i]! * BYTES[k]!);
    if (!this.useFilter) return frame;
    const s = vpn & TLB_FILTER_MASK;
    this.fVpn[s] = vpn;
    this.fIdx[s] = i;
    this.fGen[s] = this.gen[i]!;
    this.fFrame[s] = frame;
    this.fPerm[s] = this.perm[i]!;
    return frame;
  }
}
