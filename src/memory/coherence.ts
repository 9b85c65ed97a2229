/**
 * Caches and coherence (docs/cost-model.md "Memory hierarchy and coherence"): what a guest access costs
 * when it has to find its 64-byte line somewhere in a Haswell-EP hierarchy.
 *
 * Structure
 *  - A directory entry per line of RAM (line = pa >>> 6): the set of cores
 *    holding a valid copy in their private caches (`sharers`, a 32-bit mask)
 *    and the exclusive holder, if any (`owner`: core + 1, with bit 0x80 when
 *    the copy is dirty). MESI per core follows: owner & dirty = M, owner = E,
 *    in sharers without an owner = S, otherwise I. Every store bumps the
 *    line's version (`lineVersion`), for spin detection.
 *  - Per core: an L1D (32 KiB, 8-way) and an L2 (256 KiB, 8-way), true LRU,
 *    the L2 inclusive of the L1 (Haswell's L2 is non-inclusive; keeping it
 *    inclusive means "in my L2" is "in my private caches"). When the L2 picks
 *    a victim, a line's recency is its L1 use if it is in the L1, so a line
 *    hot in the L1 is not thrown out of the L2 behind its back.
 *  - Per socket: an inclusive L3 (30 MiB, 20-way, 24576 sets, set = line mod
 *    sets: Intel's slice hash is undocumented and spreads consecutive lines
 *    over all slices, as the modulo does), true LRU. An L3 eviction
 *    back-invalidates the copies in that socket's cores. A real
 *    set-associative L3 rather than an unbounded one, because Shinjuku's
 *    request pools and a worker's data can exceed 30 MiB, and then the
 *    capacity is the behaviour.
 *  - DRAM behind the L3s; NUMA homes are not modelled (one DRAM cost).
 *
 * Costs, in ticks (profile `memory.*`, converted by `tickCosts`)
 *  - An L1 hit costs the throughput cost (`loadL1` 0.5 / `storeL1` 1): hits
 *    overlap in an out-of-order core.
 *  - A load miss costs its latency: L2, L3, a line Exclusive-clean or
 *    Modified in another core of the same socket (the L3 must snoop it), any
 *    copy that only the other socket has, DRAM. The model charges what a
 *    dependent access would stall; an L1 hit overlaps, a miss feeding a
 *    compare or an address does not (spinning on a flag, pointer chasing).
 *  - `rfo`, the read half of a read-modify-write (locked or not), must own the
 *    line before its load can complete: it costs the acquisition latency,
 *    including an S→M upgrade (`rfoUpgrade`) when the core holds the line
 *    Shared; the following store then hits.
 *  - A plain store costs `storeL1` whatever the line's state. It retires into
 *    the store buffer and its RFO completes in the background: nothing in the
 *    storing core waits for it. Its coherence effect (other copies
 *    invalidated, the line Modified here) is applied at once, which is when
 *    the emulator makes the bytes visible. So a message's latency is paid by
 *    the reader's miss — which is what the core-to-core figures measure: the
 *    time from one core's write to the other core having the line.
 *    Not modelled: store-buffer-full stalls (streams of stores to cold lines
 *    are undercharged) and the drain a fence or locked instruction waits for.
 *  - Writebacks of dirty victims are free (write-back buffers hide them).
 *  - An access that straddles two lines is two accesses, one per line: the
 *    core splits it (CoreMemory.readSplit / writeSplit) and asks for each.
 *
 * Fast path: a per-core direct-mapped filter (4096 slots keyed by the low
 * bits of the line) remembers where a line sits in that core's L1. An L1 hit
 * is one compare, one LRU stamp and, for a store, an owner check, an owner
 * write and a version bump. Every path that takes a line out of an L1 clears
 * its filter slot.
 */
import type { TickCosts } from '../profile/load.js';
import type { Profile } from '../profile/schema.js';
import type { Tick } from '../sim/time.js';
import type { MemorySystem } from './memorySystem.js';

export const LINE_SHIFT = 6;
export const LINE_BYTES = 1 << LINE_SHIFT;
/** The sharer mask is 32 bits (MAX_CORES in loader/layout.ts). */
export const MAX_COHERENT_CORES = 32;

// Also written into compiled blocks, whose load and store hit tests are this model's (src/cpu/inlineMemory.ts).
export const DIRTY = 0x80;
export const OWNER_MASK = 0x7f;
export const L1_FILTER_BITS = 12;
export const L1_FILTER_MASK = (1 << L1_FILTER_BITS) - 1;
/** Open store-drain windows (see `inDrainBurst`), direct-mapped by line; a collision only closes a window early. */
const DRAIN_SLOTS = 256;
const DRAIN_MASK = DRAIN_SLOTS - 1;

export interface CacheGeometry {
  readonly bytes: number;
  readonly ways: number;
}

export interface CoherenceConfig {
  readonly cores: number;
  readonly ramBytes: number;
  /** Cores per socket; cores are numbered socket-major. */
  readonly coresPerSocket: number;
  /** Sockets in the profile; cores beyond sockets × coresPerSocket form further sockets, as the interrupt bus numbers them. */
  readonly sockets: number;
  readonly l1: CacheGeometry;
  readonly l2: CacheGeometry;
  /** Per socket. */
  readonly l3: CacheGeometry;
}

/** The memory system's shape from the profile, the core count and the RAM size. */
export function coherenceConfig(p: Profile, cores: number, ramBytes: number): CoherenceConfig {
  const m = p.memory;
  return {
    cores,
    ramBytes,
    sockets: p.topology.sockets.value,
    coresPerSocket: p.topology.coresPerSocket.value,
    l1: { bytes: m.l1dBytes.value, ways: m.l1dWays.value },
    l2: { bytes: m.l2Bytes.value, ways: m.l2Ways.value },
    l3: { bytes: m.l3BytesPerSocket.value, ways: m.l3Ways.value },
  };
}

export type MesiState = 'M' | 'E' | 'S' | 'I';

/** What `info cacheline` shows. */
export interface LineState {
  readonly line: number;
  /** MESI state of the line in each core's private caches. */
  readonly states: MesiState[];
  readonly inL1: boolean[];
  readonly inL2: boolean[];
  /** Per socket. */
  readonly inL3: boolean[];
  readonly version: number;
}

/** Where a non-L1 access found its line (slow paths only). */
export type AccessSource = 'l1' | 'l2' | 'l3' | 'remoteClean' | 'remoteModified' | 'crossSocket' | 'dram' | 'upgrade' | 'drain';

export type AccessObserver = (core: number, line: number, kind: 'load' | 'store' | 'rfo', source: AccessSource, cost: Tick) => void;

function log2Exact(n: number, what: string): number {
  const k = Math.log2(n);
  if (!Number.isInteger(k)) throw new RangeError(`${what} must be a power of two, got ${n}`);
  return k;
}

function setsOf(g: CacheGeometry, what: string): number {
  const sets = g.bytes / LINE_BYTES / g.ways;
  if (!Number.isInteger(g.ways) || g.ways < 1 || !Number.isInteger(sets) || sets < 1) {
    throw new RangeError(`${what}: ${g.bytes} bytes in ${g.ways} ways of ${LINE_BYTES}-byte lines is not a whole number of sets`);
  }
  return sets;
}

export class CoherentMemorySystem implements MemorySystem {
  // Costs in ticks.
  readonly cLoad: Tick;
  readonly cStore: Tick;
  private readonly cUncached: Tick;
  private readonly cL2: Tick;
  private readonly cL3: Tick;
  private readonly cRemoteClean: Tick;
  private readonly cRemoteModified: Tick;
  private readonly cCross: Tick;
  private readonly cDram: Tick;
  private readonly cUpgrade: Tick;

  readonly cores: number;
  readonly sockets: number;
  readonly lines: number;
  private readonly socketOf: Int32Array;
  /** Cores of each socket, as a sharer mask. */
  private readonly socketMask: Int32Array;

  // Directory, one entry per line of RAM (the OS commits the pages a guest touches).
  /**
   * The directory, four int32 words per line side by side (one host cache
   * line holds four lines' entries; a miss reads one place, not four
   * arrays): [0] sharers, the cores holding a valid copy (bit per core);
   * [1] owner, the exclusive holder (core + 1, 0x80 when dirty) or 0;
   * [2] which sockets' L3s hold the line (bit per socket), kept with the L3
   * tags so a miss learns "not in that L3" without scanning its ways; with
   * one socket bit 0 is the presence bit and bits 1-31 say where in the L3
   * arrays the line sits (`l3Where`);
   * [3] the store version (wraps; compared for equality only).
   */
  readonly dir: Int32Array;

  // Private caches: tags hold line + 1 (0 = empty), stamps the LRU clock.
  private readonly l1Sets: number;
  private readonly l1Ways: number;
  private readonly l1Tag: Int32Array;
  readonly l1Stamp: Float64Array;
  /**
   * Per L1 entry, the L2 index of its line (the L2 is inclusive and a line
   * never changes ways while it stays there, so the index holds as long as
   * the L1 entry does; meaningless for an empty entry). Written on every L1
   * fill, read only with `fastIndex`.
   */
  private readonly l1ToL2: Int32Array;
  private readonly l2Sets: number;
  private readonly l2Ways: number;
  private readonly l2Tag: Int32Array;
  private readonly l2Stamp: Float64Array;
  // Shared L3 per socket.
  private readonly l3Sets: number;
  private readonly l3Ways: number;
  private readonly l3Tag: Int32Array;
  /** Answer L3 presence from the directory's socket bits (else scan the tags): `fastIndex`. */
  private l3Indexed = true;
  /**
   * One socket: an L3 hit goes straight to the line's entry, whose index the
   * directory keeps beside the presence bit (the directory entry is already
   * in the host's cache: the miss has just read it), instead of computing
   * the set (a division: 24576 sets) and scanning up to 20 tags of a random
   * set: a host cache miss that stalled every miss of the guest's L2 (now
   * only the stamp is written, and a store miss does not stall the host).
   * Exact: a line goes into an L3 only when its presence bit is clear, so
   * it is never there twice and the entry is the one the scan finds; lines
   * never change ways; and every path that takes a line out (l3Drop, an L3
   * victim) clears its bit. One socket only: the word has room for one
   * index. test/coherenceIndex.test.ts compares with the scan.
   */
  private readonly l3Where: boolean;
  /** The presence bits of directory word [2] (with `l3Where`, bit 0; the rest is the index). */
  private readonly l3PresentMask: number;
  private readonly l3Stamp: Float64Array;
  // L1 hit filter: per core, slot (line & L1_FILTER_MASK) → line and its L1 index (read by compiled blocks too).
  readonly fLine: Int32Array;
  readonly fIdx: Int32Array;
  // Store-drain windows: line, storing core, tick the window closes.
  private readonly dLine: Int32Array;
  private readonly dCore: Int8Array;
  private readonly dEnd: Float64Array;
  /** Each core's local time, for the store-drain windows; null: no windows. */
  private readonly now: ((core: number) => Tick) | null;

  /** The LRU clock (every hit advances it; a compiled block's hit test too: src/cpu/inlineMemory.ts). */
  clock = 0;
  /** Where the last slow-path access found its line (for the observer). */
  private lastSource: AccessSource = 'l1';
  /** Scratch for the L2's victim choice: each way's recency, and its L1 index (-1: not in the L1). */
  private readonly l2Recency: Float64Array;
  private readonly l2InL1: Int32Array;
  private fastIndex = true;
  /**
   * Index structures that answer "where is this line" without scanning
   * (the L3 presence bits and, with one socket, the line's L3 entry; the L2
   * victim choice through one walk of the L1 set and its back-pointers).
   * Exact: results are the same with them off (test/coherenceIndex.test.ts).
   */
  get fastIndexEnabled(): boolean { return this.fastIndex; }
  set fastIndexEnabled(on: boolean) { this.fastIndex = on; this.l3Indexed = on; }
  /** Called on every access that is not a filter hit (debugger, statistics, tests). */
  observer: AccessObserver | null = null;
  /** Told when an L3 eviction back-invalidates private copies of `line`, during an access by core `accessor`. */
  evictObserver: ((accessor: number, line: number) => void) | null = null;

  /**
   * @param now each core's local time (the machine passes its cores' clocks);
   *   omit it for a bare model without store-drain windows.
   */
  constructor(costs: TickCosts, cfg: CoherenceConfig, now?: (core: number) => Tick) {
    if (!Number.isInteger(cfg.cores) || cfg.cores < 1 || cfg.cores > MAX_COHERENT_CORES) {
      throw new RangeError(`the coherence directory tracks 1..${MAX_COHERENT_CORES} cores, got ${cfg.cores}`);
    }
    if (!Number.isInteger(cfg.coresPerSocket) || cfg.coresPerSocket < 1) throw new RangeError(`cores per socket must be a positive integer, got ${cfg.coresPerSocket}`);
    if (!(cfg.ramBytes > 0) || cfg.ramBytes > 2 ** 32) throw new RangeError(`RAM must be 1 byte .. 4 GiB, got ${cfg.ramBytes}`);
    const c = costs.cache;
    this.cLoad = costs.loadL1;
    this.cStore = costs.storeL1;
    this.cUncached = costs.uncachedRam;
    this.cL2 = c.l2Hit;
    this.cL3 = c.l3Hit;
    this.cRemoteClean = c.remoteClean;
    this.cRemoteModified = c.remoteModified;
    this.cCross = c.crossSocket;
    this.cDram = c.dram;
    this.cUpgrade = c.rfoUpgrade;

    this.cores = cfg.cores;
    this.sockets = Math.max(cfg.sockets, Math.ceil(cfg.cores / cfg.coresPerSocket));
    this.socketOf = new Int32Array(cfg.cores);
    this.socketMask = new Int32Array(this.sockets);
    for (let i = 0; i < cfg.cores; i++) {
      const s = Math.floor(i / cfg.coresPerSocket);
      this.socketOf[i] = s;
      this.socketMask[s] = this.socketMask[s]! | (1 << i);
    }

    this.lines = Math.ceil(cfg.ramBytes / LINE_BYTES);
    this.dir = new Int32Array(this.lines * 4);

    this.l1Sets = setsOf(cfg.l1, 'L1D');
    this.l1Ways = cfg.l1.ways;
    this.l2Sets = setsOf(cfg.l2, 'L2');
    this.l2Ways = cfg.l2.ways;
    log2Exact(this.l1Sets, 'L1D set count');
    log2Exact(this.l2Sets, 'L2 set count');
    // All lines of one L2 set then fall in one L1 set (used by the L2's victim choice).
    if (this.l2Sets < this.l1Sets) throw new RangeError(`the L2 needs at least as many sets as the L1D (${this.l2Sets} < ${this.l1Sets})`);
    this.l3Sets = setsOf(cfg.l3, 'L3');
    this.l3Ways = cfg.l3.ways;
    this.l3Where = this.sockets === 1 && this.l3Sets * this.l3Ways <= 2 ** 30;
    this.l3PresentMask = this.l3Where ? 1 : -1;

    this.l1Tag = new Int32Array(cfg.cores * this.l1Sets * this.l1Ways);
    this.l1Stamp = new Float64Array(this.l1Tag.length);
    this.l1ToL2 = new Int32Array(this.l1Tag.length);
    this.l2Tag = new Int32Array(cfg.cores * this.l2Sets * this.l2Ways);
    this.l2Stamp = new Float64Array(this.l2Tag.length);
    this.l2Recency = new Float64Array(this.l2Ways);
    this.l2InL1 = new Int32Array(this.l2Ways);
    this.l3Tag = new Int32Array(this.sockets * this.l3Sets * this.l3Ways);
    this.l3Stamp = new Float64Array(this.l3Tag.length);
    this.fLine = new Int32Array(cfg.cores << L1_FILTER_BITS).fill(-1);
    this.fIdx = new Int32Array(cfg.cores << L1_FILTER_BITS);
    this.dLine = new Int32Array(DRAIN_SLOTS).fill(-1);
    this.dCore = new Int8Array(DRAIN_SLOTS);
    this.dEnd = new Float64Array(DRAIN_SLOTS);
    this.now = now ?? null;
  }

  // ------------------------------------------------------------ the cost seam

  load(core: number, pa: number): Tick {
    const line = pa >>> LINE_SHIFT;
    const f = (core << L1_FILTER_BITS) | (line & L1_FILTER_MASK);
    if (this.fLine[f] === line) {
      this.l1Stamp[this.fIdx[f]!] = ++this.clock;
      return this.cLoad;
    }
    return this.loadSlow(core, line, f);
  }

  loadHit(core: number, pa: number): Tick {
    const line = pa >>> LINE_SHIFT;
    const f = (core << L1_FILTER_BITS) | (line & L1_FILTER_MASK);
    if (this.fLine[f] !== line || !this.fastIndex) return -1;
    this.l1Stamp[this.fIdx[f]!] = ++this.clock;
    return this.cLoad;
  }

  store(core: number, pa: number): Tick {
    const line = pa >>> LINE_SHIFT;
    const f = (core << L1_FILTER_BITS) | (line & L1_FILTER_MASK);
    if (this.fLine[f] === line && (this.dir[(line << 2) + 1]! & OWNER_MASK) === core + 1) {
      this.l1Stamp[this.fIdx[f]!] = ++this.clock;
      this.dir[(line << 2) + 1] = (core + 1) | DIRTY;
    } else {
      this.storeSlow(core, line, f);
    }
    this.dir[(line << 2) + 3] = this.dir[(line << 2) + 3]! + 1;
    return this.cStore;
  }

  rfo(core: number, pa: number): Tick {
    const line = pa >>> LINE_SHIFT;
    const f = (core << L1_FILTER_BITS) | (line & L1_FILTER_MASK);
    if (this.fLine[f] === line && (this.dir[(line << 2) + 1]! & OWNER_MASK) === core + 1) {
      this.l1Stamp[this.fIdx[f]!] = ++this.clock;
      return this.cLoad;
    }
    const cost = this.acquire(core, line, f);
    if (this.observer !== null) this.observer(core, line, 'rfo', this.lastSource, cost);
    return cost;
  }

  uncached(_core: number, _pa: number): Tick { return this.cUncached; }

  /**
   * CLFLUSH (SDM Vol. 2A "CLFLUSH—Flush Cache Line"): invalidate the line
   * in every cache of the coherence domain — every core's L1 and L2, every
   * socket's L3 — writing it back first if it is dirty (writebacks are free
   * here). The next access to it goes to DRAM. A sleeper polling the line is
   * told, as for an L3 eviction: its next poll costs a miss.
   */
  flush(core: number, pa: number): void {
    const line = pa >>> LINE_SHIFT;
    if (line >= this.lines) return;
    let holders = this.dir[line << 2]!;
    const hadHolders = holders !== 0;
    while (holders !== 0) {
      const c = 31 - Math.clz32(holders);
      holders &= ~(1 << c);
      this.dropPrivate(c, line);
    }
    this.dir[line << 2] = 0;
    this.dir[(line << 2) + 1] = 0;
    for (let s = 0; s < this.sockets; s++) this.l3Drop(s, line);
    if (hadHolders && this.evictObserver !== null) this.evictObserver(core, line);
  }

  // --------------------------------------------------------- device DMA

  /**
   * A device (the NIC) writes `bytes` bytes at `pa` by DMA. Intel Data
   * Direct I/O (DDIO, Xeon E5 and later) delivers inbound PCIe writes into
   * the last-level cache instead of DRAM: a line already in the L3 is
   * updated there ("write update"), any other line is allocated in a
   * limited share of the L3's ways ("write allocate"; Intel, "Intel Data
   * Direct I/O Technology (Intel DDIO): A Primer", 2012: I/O allocation is
   * restricted to about 10 % of the LLC). Every private copy is invalidated
   * first, as for any write from outside the cores; the line ends up in no
   * core's L1/L2 and in the L3 of the device's socket, so the core that
   * polls a descriptor next pays an L3 hit. Returns the lines written, for
   * the caller to wake spinners polling them.
   */
  deviceWrite(pa: number, bytes: number, socket: number, ddioWays: number): void {
    const first = pa >>> LINE_SHIFT;
    const last = (pa + Math.max(bytes, 1) - 1) >>> LINE_SHIFT;
    const ways = Math.max(1, Math.min(ddioWays, this.l3Ways));
    for (let line = first; line <= last && line < this.lines; line++) {
      let holders = this.dir[line << 2]!;
      while (holders !== 0) {
        const c = 31 - Math.clz32(holders);
        holders &= ~(1 << c);
        this.dropPrivate(c, line);
      }
      this.dir[line << 2] = 0;
      this.dir[(line << 2) + 1] = 0;
      for (let s = 0; s < this.sockets; s++) if (s !== socket) this.l3Drop(s, line);
      if (!this.l3Touch(socket, line)) this.l3InsertWays(socket, line, ways, -1);
      this.dir[(line << 2) + 3] = this.dir[(line << 2) + 3]! + 1;
    }
  }

  /**
   * A device reads `bytes` bytes at `pa` by DMA (descriptor fetch, transmit
   * data). The read snoops the caches: a Modified copy supplies the data
   * and is written back, staying in its core as a clean shared copy, so the
   * core's next store to the line must upgrade it again. Nothing else moves.
   */
  deviceRead(pa: number, bytes: number): void {
    const first = pa >>> LINE_SHIFT;
    const last = (pa + Math.max(bytes, 1) - 1) >>> LINE_SHIFT;
    for (let line = first; line <= last && line < this.lines; line++) {
      if ((this.dir[(line << 2) + 1]! & DIRTY) !== 0) this.dir[(line << 2) + 1] = 0;
    }
  }

  // -------------------------------------------------------------- inspection

  /** Bumped by every store to the line (wraps at 2^32); 0 for an address that is not RAM. */
  /**
   * What a load by `core` would pay to get the line from another core's
   * cache (the line is Exclusive or Modified there), else 0. Changes nothing:
   * the core uses it to stall until its request reaches the owner before the
   * load really happens (see Core: load replay).
   */
  remoteLoadCost(core: number, pa: number): Tick {
    const line = pa >>> LINE_SHIFT;
    if ((this.dir[line << 2]! & (1 << core)) !== 0) return 0;
    const o = this.dir[(line << 2) + 1]!;
    if (o === 0) return 0;
    const oc = (o & OWNER_MASK) - 1;
    if (oc === core) return 0;
    if (this.socketOf[oc] !== this.socketOf[core]) return this.cCross;
    return (o & DIRTY) !== 0 ? this.cRemoteModified : this.cRemoteClean;
  }

  lineVersion(pa: number): number { return (this.dir[((pa >>> LINE_SHIFT) << 2) + 3] ?? 0) >>> 0; }

  lineState(pa: number): LineState {
    const line = pa >>> LINE_SHIFT;
    if (line >= this.lines) throw new RangeError(`0x${pa.toString(16)} is not RAM`);
    const o = this.dir[(line << 2) + 1]!;
    const states: MesiState[] = [];
    const inL1: boolean[] = [];
    const inL2: boolean[] = [];
    for (let c = 0; c < this.cores; c++) {
      inL1.push(this.l1Find(c, line) >= 0);
      inL2.push(this.l2Find(c, line) >= 0);
      if ((o & OWNER_MASK) === c + 1) states.push(o & DIRTY ? 'M' : 'E');
      else states.push(this.dir[line << 2]! & (1 << c) ? 'S' : 'I');
    }
    const inL3: boolean[] = [];
    for (let s = 0; s < this.sockets; s++) inL3.push(this.l3Find(s, line) >= 0);
    return { line, states, inL1, inL2, inL3, version: this.dir[(line << 2) + 3]! >>> 0 };
  }

  // -------------------------------------------------------------- slow paths

  /**
   * A store to a line this core does not own. The store buffer hides the
   * acquisition from the storing core (see the header), so nothing is
   * returned; the line becomes Modified here — unless the store belongs to
   * a burst whose readers are already served (`inDrainBurst`).
   */
  private storeSlow(core: number, line: number, f: number): void {
    if (this.inDrainBurst(core, line, f)) {
      if (this.observer !== null) this.observer(core, line, 'store', 'drain', 0);
      return;
    }
    const cost = this.acquire(core, line, f);
    this.dir[(line << 2) + 1] = (core + 1) | DIRTY;
    if (this.now !== null) {
      const k = line & DRAIN_MASK;
      this.dLine[k] = line;
      this.dCore[k] = core;
      this.dEnd[k] = this.now(core) + cost;
    }
    if (this.observer !== null) this.observer(core, line, 'store', this.lastSource, cost);
  }

  /**
   * Stores a core issues while its read-for-ownership is outstanding wait in
   * the store buffer and commit together when the line arrives; a snoop from
   * a reader that came meanwhile is answered after them, so the reader gets
   * the whole burst (Intel orders the reader's request behind the RFO at
   * the line's L3 slice). In the emulator a store's bytes are visible when
   * it executes, so a reader can miss on the line between the first store of
   * a message and its last, and leave the line Shared. This says whether a
   * store is still inside the acquiring store's window — issued less than
   * that acquisition's latency after it — with the line still here: then it
   * is part of what the reader received, and it neither invalidates the
   * reader nor takes the line back. Without a clock (unit tests of the bare
   * model) there are no windows.
   */
  private inDrainBurst(core: number, line: number, f: number): boolean {
    if (this.now === null) return false;
    const k = line & DRAIN_MASK;
    if (this.dLine[k] !== line || this.dCore[k] !== core || !(this.now(core) < this.dEnd[k]!)) return false;
    const i1 = this.l1Find(core, line);
    if (i1 < 0) return false;
    this.l1Stamp[i1] = ++this.clock;
    this.fLine[f] = line;
    this.fIdx[f] = i1;
    return true;
  }

  private loadSlow(core: number, line: number, f: number): Tick {
    const i1 = this.l1Find(core, line);
    let cost: Tick;
    if (i1 >= 0) {
      this.l1Stamp[i1] = ++this.clock;
      this.fLine[f] = line;
      this.fIdx[f] = i1;
      cost = this.cLoad;
      this.lastSource = 'l1';
    } else {
      let i2 = this.l2Find(core, line);
      if (i2 >= 0) {
        this.l2Stamp[i2] = ++this.clock;
        cost = this.cL2;
        this.lastSource = 'l2';
      } else {
        cost = this.fetch(core, line, false);
        i2 = this.l2Insert(core, line);
      }
      this.l1Insert(core, line, f, i2);
    }
    if (this.observer !== null) this.observer(core, line, 'load', this.lastSource, cost);
    return cost;
  }

  /** Make the line Exclusive (or keep it Modified) in `core`'s L1; returns the latency of getting it there. */
  private acquire(core: number, line: number, f: number): Tick {
    const me = core + 1;
    let i1 = this.l1Find(core, line);
    const i2 = i1 >= 0 ? -1 : this.l2Find(core, line);
    let cost: Tick;
    if (i1 >= 0 || i2 >= 0) {
      if ((this.dir[(line << 2) + 1]! & OWNER_MASK) === me) {
        cost = i1 >= 0 ? this.cLoad : this.cL2;
        this.lastSource = i1 >= 0 ? 'l1' : 'l2';
      } else {
        // Shared here: upgrade, invalidating the other copies.
        const others = this.dir[line << 2]! & ~(1 << core);
        if (others === 0) { cost = this.cL3; this.lastSource = 'l3'; } // no other copy left: the L3 grants at once
        else if ((others & ~this.socketMask[this.socketOf[core]!]!) !== 0) { cost = this.cCross; this.lastSource = 'crossSocket'; }
        else { cost = this.cUpgrade; this.lastSource = 'upgrade'; }
        this.invalidateOthers(core, line);
        this.dir[(line << 2) + 1] = me;
        this.dir[line << 2] = 1 << core;
      }
      if (i1 >= 0) this.l1Stamp[i1] = ++this.clock;
      else { this.l2Stamp[i2] = ++this.clock; i1 = this.l1Insert(core, line, f, i2); }
    } else {
      cost = this.fetch(core, line, true);
      i1 = this.l1Insert(core, line, f, this.l2Insert(core, line));
    }
    this.fLine[f] = line;
    this.fIdx[f] = i1;
    return cost;
  }

  /**
   * The line is in none of `core`'s private caches: find it in another core,
   * the L3s or DRAM, update the directory (Exclusive for `excl`, else Shared,
   * or Exclusive when nobody else has it) and put it in this socket's L3.
   */
  private fetch(core: number, line: number, excl: boolean): Tick {
    const bit = 1 << core;
    const sock = this.socketOf[core]!;
    const o = this.dir[(line << 2) + 1]!;
    const others = this.dir[line << 2]! & ~bit;
    let cost: Tick;
    let inMyL3 = false;
    if (o !== 0) {
      // Exclusive or Modified in one other core: the L3 must snoop it.
      const oc = (o & OWNER_MASK) - 1;
      if (this.socketOf[oc] === sock) {
        if (o & DIRTY) { cost = this.cRemoteModified; this.lastSource = 'remoteModified'; }
        else { cost = this.cRemoteClean; this.lastSource = 'remoteClean'; }
        inMyL3 = this.l3Touch(sock, line); // inclusive: it is there
      } else {
        cost = this.cCross;
        this.lastSource = 'crossSocket';
        // This socket's L3 may still hold the line from before the other socket took it
        // (the L3 keeps a line its cores dropped): the data comes from the owner, but the
        // line is not inserted a second time.
        inMyL3 = this.l3Touch(sock, line);
      }
    } else if (excl && others !== 0) {
      // Read for ownership of a line others share: their copies must be invalidated first.
      inMyL3 = this.l3Touch(sock, line);
      if ((others & ~this.socketMask[sock]!) !== 0) { cost = this.cCross; this.lastSource = 'crossSocket'; }
      else { cost = this.cUpgrade; this.lastSource = 'upgrade'; }
    } else if (this.l3Touch(sock, line)) {
      // Nobody holds it exclusively: this socket's inclusive L3 answers without a snoop.
      inMyL3 = true;
      cost = this.cL3;
      this.lastSource = 'l3';
    } else if (others !== 0 || this.inOtherL3(sock, line)) {
      cost = this.cCross;
      this.lastSource = 'crossSocket';
    } else {
      cost = this.cDram;
      this.lastSource = 'dram';
    }
    if (!inMyL3) this.l3Insert(sock, line, core);
    if (excl) {
      this.invalidateOthers(core, line);
      this.dir[(line << 2) + 1] = core + 1;
      this.dir[line << 2] = bit;
    } else {
      const s = this.dir[line << 2]! | bit;
      this.dir[line << 2] = s;
      // A read leaves a Modified/Exclusive holder Shared (dirty data written back to the L3).
      this.dir[(line << 2) + 1] = s === bit ? core + 1 : 0;
    }
    return cost;
  }

  /** Drop every copy but `core`'s: other cores' private caches and other sockets' L3s. */
  private invalidateOthers(core: number, line: number): void {
    let others = this.dir[line << 2]! & ~(1 << core);
    while (others !== 0) {
      const c = 31 - Math.clz32(others);
      others &= ~(1 << c);
      this.dropPrivate(c, line);
    }
    const sock = this.socketOf[core]!;
    for (let s = 0; s < this.sockets; s++) if (s !== sock) this.l3Drop(s, line);
  }

  /** Remove the line from core `c`'s L1 and L2 (the caller fixes the directory). */
  private dropPrivate(c: number, line: number): void {
    const i1 = this.l1Find(c, line);
    if (i1 >= 0) this.dropL1(c, line, i1);
    const i2 = this.l2Find(c, line);
    if (i2 >= 0) this.l2Tag[i2] = 0;
  }

  private dropL1(c: number, line: number, i1: number): void {
    this.l1Tag[i1] = 0;
    const f = (c << L1_FILTER_BITS) | (line & L1_FILTER_MASK);
    if (this.fLine[f] === line) this.fLine[f] = -1;
  }

  // ------------------------------------------------------------ L1 and L2

  private l1Find(c: number, line: number): number {
    const ways = this.l1Ways;
    const base = (c * this.l1Sets + (line & (this.l1Sets - 1))) * ways;
    const tag = line + 1;
    for (let w = 0; w < ways; w++) if (this.l1Tag[base + w] === tag) return base + w;
    return -1;
  }

  private l2Find(c: number, line: number): number {
    const ways = this.l2Ways;
    const base = (c * this.l2Sets + (line & (this.l2Sets - 1))) * ways;
    const tag = line + 1;
    for (let w = 0; w < ways; w++) if (this.l2Tag[base + w] === tag) return base + w;
    return -1;
  }

  /**
   * Put a line (already in this core's L2, at `i2`) into its L1; the LRU victim stays in the L2.
   * Returns its L1 index and fills the filter slot.
   */
  private l1Insert(c: number, line: number, f: number, i2: number): number {
    const ways = this.l1Ways;
    const base = (c * this.l1Sets + (line & (this.l1Sets - 1))) * ways;
    let v = base;
    let oldest = Infinity;
    for (let w = 0; w < ways; w++) {
      const i = base + w;
      if (this.l1Tag[i] === 0) { v = i; break; }
      if (this.l1Stamp[i]! < oldest) { oldest = this.l1Stamp[i]!; v = i; }
    }
    const victimTag = this.l1Tag[v]!;
    if (victimTag !== 0) {
      const victim = victimTag - 1;
      // The L2 learns when the victim was last used (inclusion: the victim is in the L2, where
      // its back-pointer says; the scan is the reference without the index).
      const j2 = this.fastIndex ? this.l1ToL2[v]! : this.l2Find(c, victim);
      if (j2 >= 0 && this.l2Stamp[j2]! < this.l1Stamp[v]!) this.l2Stamp[j2] = this.l1Stamp[v]!;
      this.dropL1(c, victim, v);
    }
    this.l1Tag[v] = line + 1;
    this.l1Stamp[v] = ++this.clock;
    this.l1ToL2[v] = i2;
    this.fLine[f] = line;
    this.fIdx[f] = v;
    return v;
  }

  /**
   * Put a line into this core's L2 (the directory already counts the core as a holder); evicts the
   * least recently used line of the set from the core. Returns the line's L2 index.
   */
  private l2Insert(c: number, line: number): number {
    const ways = this.l2Ways;
    const base = (c * this.l2Sets + (line & (this.l2Sets - 1))) * ways;
    let v = -1;
    let oldest = Infinity;
    let victimL1 = -2; // the victim's L1 index, -1 when it is not in the L1; -2: not known, look it up
    if (this.fastIndex) {
      // A line's recency is its L1 use when it is in the L1. Every line of this L2 set maps to one
      // L1 set: walk that set once and, through each entry's back-pointer to its L2 way, note
      // per L2 way the L1 stamp (and where it sits in the L1, for the victim's eviction).
      const rec = this.l2Recency, inL1 = this.l2InL1;
      for (let w = 0; w < ways; w++) { rec[w] = this.l2Stamp[base + w]!; inL1[w] = -1; }
      const ways1 = this.l1Ways;
      const base1 = (c * this.l1Sets + (line & (this.l1Sets - 1))) * ways1;
      for (let i1 = base1; i1 < base1 + ways1; i1++) {
        const w = this.l1ToL2[i1]! - base; // in 0..ways-1 iff the line is in this L2 set
        if (this.l1Tag[i1] === 0 || w < 0 || w >= ways) continue;
        rec[w] = Math.max(this.l1Stamp[i1]!, rec[w]!);
        inL1[w] = i1;
      }
      for (let w = 0; w < ways; w++) {
        const i = base + w;
        if (this.l2Tag[i] === 0) { v = i; break; }
        if (rec[w]! < oldest) { oldest = rec[w]!; v = i; }
      }
      victimL1 = inL1[v - base]!;
    } else {
      for (let w = 0; w < ways; w++) {
        const i = base + w;
        const t = this.l2Tag[i]!;
        if (t === 0) { v = i; break; }
        const i1 = this.l1Find(c, t - 1);
        const recency = i1 >= 0 ? Math.max(this.l1Stamp[i1]!, this.l2Stamp[i]!) : this.l2Stamp[i]!;
        if (recency < oldest) { oldest = recency; v = i; }
      }
    }
    const victimTag = this.l2Tag[v]!;
    if (victimTag !== 0) {
      const victim = victimTag - 1;
      const i1 = victimL1 === -2 ? this.l1Find(c, victim) : victimL1;
      if (i1 >= 0) this.dropL1(c, victim, i1);
      this.leaveCore(c, victim);
    }
    this.l2Tag[v] = line + 1;
    this.l2Stamp[v] = ++this.clock;
    return v;
  }

  /** Core `c` no longer holds the line: clear it in the directory (a dirty copy is written back to the L3). */
  private leaveCore(c: number, line: number): void {
    this.dir[line << 2] = this.dir[line << 2]! & ~(1 << c);
    if ((this.dir[(line << 2) + 1]! & OWNER_MASK) === c + 1) this.dir[(line << 2) + 1] = 0;
  }

  // ------------------------------------------------------------------- L3

  private l3Base(s: number, line: number): number {
    return (s * this.l3Sets + (line % this.l3Sets)) * this.l3Ways;
  }

  private l3Find(s: number, line: number): number {
    const ways = this.l3Ways;
    const base = this.l3Base(s, line);
    const tag = line + 1;
    for (let w = 0; w < ways; w++) if (this.l3Tag[base + w] === tag) return base + w;
    return -1;
  }

  /** Take the line out of socket `s`'s L3, if there. */
  private l3Drop(s: number, line: number): void {
    if (this.l3Indexed && (this.dir[(line << 2) + 2]! & (1 << s)) === 0) return;
    const i = this.l3Find(s, line);
    if (i >= 0) this.l3Tag[i] = 0;
    this.dir[(line << 2) + 2] = this.dir[(line << 2) + 2]! & ~(1 << s);
  }

  private l3Touch(s: number, line: number): boolean {
    if (this.l3Indexed) {
      const p = this.dir[(line << 2) + 2]!;
      if ((p & (1 << s)) === 0) return false;
      if (this.l3Where) {
        this.l3Stamp[p >>> 1] = ++this.clock;
        return true;
      }
    }
    const i = this.l3Find(s, line);
    if (i < 0) return false;
    this.l3Stamp[i] = ++this.clock;
    return true;
  }

  private inOtherL3(sock: number, line: number): boolean {
    if (this.l3Indexed) return (this.dir[(line << 2) + 2]! & this.l3PresentMask & ~(1 << sock)) !== 0;
    for (let s = 0; s < this.sockets; s++) if (s !== sock && this.l3Find(s, line) >= 0) return true;
    return false;
  }

  /** Insert into socket `s`'s L3; the LRU victim is back-invalidated in that socket's cores (inclusion). */
  private l3Insert(s: number, line: number, accessor: number): void {
    this.l3InsertWays(s, line, this.l3Ways, accessor);
  }

  /** Insert into the first `ways` ways of the line's L3 set (DDIO allocates in a subset); `accessor` -1 for a device. */
  private l3InsertWays(s: number, line: number, ways: number, accessor: number): void {
    const base = this.l3Base(s, line);
    let v = base;
    let oldest = Infinity;
    for (let w = 0; w < ways; w++) {
      const i = base + w;
      if (this.l3Tag[i] === 0) { v = i; break; }
      if (this.l3Stamp[i]! < oldest) { oldest = this.l3Stamp[i]!; v = i; }
    }
    const victimTag = this.l3Tag[v]!;
    if (victimTag !== 0) {
      const victim = victimTag - 1;
      this.dir[(victim << 2) + 2] = this.dir[(victim << 2) + 2]! & ~(1 << s);
      let holders = this.dir[victim << 2]! & this.socketMask[s]!;
      const hadHolders = holders !== 0;
      while (holders !== 0) {
        const c = 31 - Math.clz32(holders);
        holders &= ~(1 << c);
        this.dropPrivate(c, victim);
        this.leaveCore(c, victim);
      }
      // A core's copy vanished without a store: whoever relies on the line staying put (a spin
      // sleeper polling it) must hear of it, as of the accessing core's instruction (or the device's write).
      if (hadHolders) {
        if (accessor < 0) this.dir[(victim << 2) + 3] = this.dir[(victim << 2) + 3]! + 1;
        if (this.evictObserver !== null) this.evictObserver(accessor, victim);
      }
    }
    this.l3Tag[v] = line + 1;
    this.l3Stamp[v] = ++this.clock;
    // With one socket the word is the presence bit and the entry (the line was not in this L3: see l3Where).
    this.dir[(line << 2) + 2] = this.l3Where ? 1 | (v << 1) : this.dir[(line << 2) + 2]! | (1 << s);
  }
}
