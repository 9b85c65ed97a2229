/**
 * The memory half of a core: architectural register and system state, linear
 * → physical translation with a data TLB (tlb.ts) and a timing-free ITLB, guest loads
 * and stores (page-crossing, MMIO, memory types, spin-detection hooks), the
 * operand and stack helpers the instruction handlers use. `Core` (core.ts)
 * extends it with execution, interrupts and exceptions.
 */
import { LazyFlags } from './flags.js';
import { K, type Op } from './op.js';
import { Fault, Vector } from './fault.js';
import { ACC_READ, ACC_WRITE, ACC_EXEC, walk, newWalkResult, type WalkResult, type TableTranslator } from './paging.js';
import { Tlb, TLB_W, TLB_U, TLB_X, type TlbConfig } from './tlb.js';
import { RSP } from './registers.js';
import type { PhysicalMemory } from '../memory/physical.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import type { TickCosts } from '../profile/load.js';
import type { EventStream } from '../sim/events.js';
import { toGrid, type Tick } from '../sim/time.js';
import { MsrFile, mtrrType, MT_WB } from './msr.js';
import type { Core, CoreHost, SpinHooks } from './core.js';
import { MXCSR_DEFAULT } from './simd/mxcsr.js';
import { VecViews } from './simd/views.js';

export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_PG = 1 << 31;
export const CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;
export const CR4_VMXE = 1 << 13, CR4_PCIDE = 1 << 17, CR4_OSXSAVE = 1 << 18;
export const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

const TWO32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;
/** The instruction-fetch translation cache (no timing): direct-mapped over 4 KiB page numbers. */
const ITLB_SIZE = 256;
const ITLB_MASK = ITLB_SIZE - 1;

/** Thrown by a replayable load to unwind its op (see CoreMemory.replayableLoad). */
export class LoadReplay {}
export const LOAD_REPLAY = new LoadReplay();

/**
 * Thrown by an op that stops without retiring, having set RIP back to
 * itself: a REP string op the scheduler suspends part-way (handlers/string.ts;
 * RCX/RSI/RDI hold its progress), or a PAUSE at which spin detection puts
 * the core to sleep (src/sim/spin.ts). The executor neither counts nor
 * charges it, so no handler edits the executor's bookkeeping.
 */
export class NotRetired {}
export const NOT_RETIRED = new NotRetired();

/** One translation context's TLBs (and the executor's block cache, which caches linear→physical too). */
export interface TlbArrays {
  tlb: Tlb;
  itag: Float64Array; iframe: Float64Array; iperm: Uint8Array; ishift: Uint8Array;
  bcTag: Float64Array | null; bcBlock: unknown[] | null;
}

/** Physical base of the 2^shift-byte page containing `lin`, from the 4 KiB frame of `lin`. */
function pageBaseOf(lin: number, frame: number, shift: number): number {
  const pageBytes = 2 ** shift;
  return frame - (Math.floor(lin / 4096) * 4096 - Math.floor(lin / pageBytes) * pageBytes);
}

/** Drop the fetch translations of the page containing `lin`, whatever its size; true if one was there. */
export function invalidateItlbPage(tag: Float64Array, shift: Uint8Array, lin: number): boolean {
  let dropped = false;
  for (let i = 0; i < tag.length; i++) {
    const t = tag[i]!;
    if (t !== t) continue;
    const bytes = 2 ** shift[i]!;
    if (Math.floor(t * 4096 / bytes) === Math.floor(lin / bytes)) { tag[i] = NaN; dropped = true; }
  }
  return dropped;
}

/**
 * Guest-physical translation in VMX non-root operation (implemented by
 * src/vmx/ept.ts): where a guest paging-structure entry is, and where the
 * final access goes; `lastPerm` (R=1 W=2 X=4) and `lastDirty` describe the
 * last final translation, `reads` counts EPT entries read (each charged
 * `vmx.eptWalkLevel`).
 */
export interface GuestPhysical extends TableTranslator {
  final(gpa: number, acc: number, lin: number): number;
  /**
   * The page size (log2) a TLB entry may give the combined translation of a
   * guest page of 2^guestShift bytes whose last final translation went to
   * host-physical `hpa`: the smaller of the guest's and EPT's page sizes.
   */
  combinedShift(guestShift: number, hpa: number): number;
  lastPerm: number;
  lastDirty: boolean;
  reads: number;
}

export abstract class CoreMemory extends LazyFlags {
  readonly id: number;
  readonly lo = new Int32Array(16);
  readonly hi = new Int32Array(16);
  rip = 0;
  /** Segment selectors and bases (ES CS SS DS FS GS). Only FS/GS bases matter in 64-bit mode. */
  readonly segSel = new Uint16Array(6);
  readonly segBase = new Float64Array(6);
  cpl = 0;
  cr0 = 0; cr2 = 0; cr3 = 0; cr4 = 0; efer = 0;
  /** CR8 (task-priority register alias; the local APIC's TPR takes it over when the APIC exists). */
  cr8 = 0;
  gdtrBase = 0; gdtrLimit = 0;
  idtrBase = 0; idtrLimit = 0;
  trSel = 0; trBase = 0; trLimit = 0;
  readonly msr: MsrFile;

  /**
   * Vector registers, designed as YMM0–15 from the start: 16 × 32 bytes, XMMn
   * is the low 16 bytes of YMMn (SDM Vol. 1 §14.1.1). One buffer, typed views
   * over it: integer views move and compare bits (NaN payloads survive), the
   * float views are read only for numbers that are not NaN.
   */
  readonly xmm = new Uint32Array(16 * 8);
  readonly xv = new VecViews(this.xmm.buffer);
  /** Scratch for a vector source operand (a register copy or a memory load), with the same views. */
  readonly vs = new Uint32Array(8);
  readonly sv = new VecViews(this.vs.buffer);
  /** Scratch for a result assembled before it is committed (an unmasked #XM leaves the destination unchanged). */
  readonly vr = new Uint32Array(8);
  readonly rv = new VecViews(this.vr.buffer);
  /** MXCSR (SDM Vol. 1 §10.2.3): flags 5:0, DAZ 6, masks 12:7, RC 14:13, FTZ 15. */
  mxcsr = MXCSR_DEFAULT;
  /** XCR0 (SDM Vol. 1 §13.3): bit 0 (x87) is always set. */
  xcr0 = 1;

  /** Local time in ticks. */
  time: Tick = 0;
  /** Spin detection: hooks, "track this iteration's memory accesses", and the lines sleepers watch. */
  spin: SpinHooks | null = null;
  spinTrack = false;
  /**
   * Compiled blocks test for TLB and L1 hits of their loads and stores inline
   * (src/cpu/inlineMemory.ts); the machine sets it (optimization `inlineHits`).
   */
  inlineHits = false;
  watchLines: Uint8Array | null = null;

  /** Scratch: high half of the last 64-bit value returned by a read helper. */
  tHi = 0;
  /** Scratch: linear address of the last memory operand (for read-modify-write). */
  lastEa = 0;

  // VMX (src/vmx): the core's side of VMX non-root operation.
  /** In VMX non-root operation (SDM Vol. 3C ch. 25); set and cleared only by VM entry and VM exit. */
  nonRoot = false;
  /** Added to the TSC that RDTSC/RDTSCP/RDMSR read in non-root operation with "use TSC offsetting" (SDM §25.3). */
  tscOffset = 0;
  /** The guest-physical translation (EPT, APIC-access page) while in non-root operation, else null. */
  nested: GuestPhysical | null = null;
  /** CR2 before the last page fault wrote it: a #PF that causes a VM exit does not change CR2 (SDM §27.1). */
  cr2Before = 0;

  // TLBs. Not readonly: VMX switches between translation contexts tagged by
  // VPID and EPTP (exportTlb/importTlb, src/vmx/tlbContext.ts).
  /** The data TLB, with the profile's capacities per page size. */
  tlb: Tlb;
  private readonly tlbConfig: TlbConfig;
  // Fetch translations: 4 KiB page number → frame, permissions, and the size of the page (for INVLPG).
  protected itlbTag: Float64Array = new Float64Array(ITLB_SIZE).fill(NaN);
  protected itlbFrame: Float64Array = new Float64Array(ITLB_SIZE);
  protected itlbPerm: Uint8Array = new Uint8Array(ITLB_SIZE);
  protected itlbShift: Uint8Array = new Uint8Array(ITLB_SIZE);
  protected readonly walkOut: WalkResult = newWalkResult();
  readonly hiOut = new Int32Array(1);

  /**
   * Memory type per 4 KiB RAM page from this core's MTRRs: 1 where accesses
   * bypass the caches (UC, WC, and — a simplification — WT/WP), 0 for WB.
   * Recomputed on MTRR writes; read on every RAM access.
   */
  protected memUncached: Uint8Array;

  /** The event stream's per-kind flags, held directly: one load to learn nobody listens. */
  protected readonly wants: EventStream['wants'];
  protected readonly ramBytes: number;
  protected readonly dv: DataView;
  protected readonly u8: Uint8Array;
  protected readonly codePages: Uint8Array;

  constructor(
    id: number,
    readonly mem: PhysicalMemory,
    readonly memsys: MemorySystem,
    readonly costs: TickCosts,
    readonly host: CoreHost,
    tlb: TlbConfig,
  ) {
    super();
    this.tlbConfig = tlb;
    this.tlb = new Tlb(tlb);
    this.id = id;
    this.wants = host.events.wants;
    this.ramBytes = mem.ramBytes;
    this.dv = mem.dv;
    this.u8 = mem.u8;
    this.codePages = mem.codePages;
    this.msr = new MsrFile(this);
    this.memUncached = new Uint8Array(mem.ramBytes >>> 12);
  }

  /** The op being executed (set by the executor for every op; read by load replay). */
  curOp: Op | null = null;
  /** RIP of the REP string op suspended last (its start-up is not paid again when it resumes); NaN for none. */
  repResumeRip = NaN;
  /** REP string ops suspended part-way (a counter for tests). */
  repSuspensions = 0;
  /** A load replay is pending for the op at `replayRip`, which already stalled `replayPaid` ticks. */
  replayArmed = false;
  replayRip = NaN;
  replayPaid = 0;

  /** This object as the Core it always is (CoreMemory is never instantiated on its own); for hooks typed on Core. */
  protected get self(): Core { return this as unknown as Core; }

  /** Leave the current block after this instruction (implemented by the executor). */
  abstract requestBlockExit(): void;
  /** Drop the executor's cached blocks (translations changed). */
  abstract flushBlockCache(): void;

  // ---------------------------------------------------------------- registers

  getReg(r: number, h: number, sz: number): number {
    switch (sz) {
      case 8: this.tHi = this.hi[r]!; return this.lo[r]!;
      case 4: this.tHi = 0; return this.lo[r]!;
      case 2: this.tHi = 0; return this.lo[r]! & 0xffff;
      default: this.tHi = 0; return (this.lo[r]! >> h) & 0xff;
    }
  }

  /** Write a GPR with x86-64 partial-register rules: 32-bit writes zero-extend, 8/16-bit writes merge. */
  setReg(r: number, h: number, sz: number, v: number, vHi: number): void {
    switch (sz) {
      case 8: this.lo[r] = v; this.hi[r] = vHi; break;
      case 4: this.lo[r] = v; this.hi[r] = 0; break;
      case 2: this.lo[r] = (this.lo[r]! & ~0xffff) | (v & 0xffff); break;
      default: this.lo[r] = (this.lo[r]! & ~(0xff << h)) | ((v & 0xff) << h); break;
    }
  }

  // ---------------------------------------------------------- address forming

  /**
   * Effective address of the op's memory operand (SDM Vol. 1 §3.7.5) as a
   * 64-bit pair: low half returned (unsigned), high half in `tHi`. No
   * canonical check: LEA uses this directly.
   */
  eaPair(op: Op): number {
    let sum = op.mDispLo >>> 0;
    let hi = op.mDispHi;
    const b = op.mBase;
    if (b >= 0) { sum += this.lo[b]! >>> 0; hi += this.hi[b]!; }
    const x = op.mIndex;
    if (x >= 0) {
      const s = op.mShift;
      sum += (this.lo[x]! >>> 0) * (1 << s);
      hi += this.hi[x]! << s;
    }
    if (op.mSeg >= 0) {
      const base = this.segBase[op.mSeg]!;
      const bhi = Math.floor(base / TWO32);
      sum += base - bhi * TWO32;
      hi += bhi;
    }
    if (op.addr32) { this.tHi = 0; return sum >>> 0; }
    const carry = Math.floor(sum / TWO32);
    this.tHi = (hi + carry) | 0;
    return sum - carry * TWO32;
  }

  /** Effective linear address of a memory operand, as a signed canonical number; non-canonical → #GP/#SS. */
  ea(op: Op): number {
    const kind = op.eaKind;
    if (kind === 1) return op.mAbs;
    if (kind === 2) {
      // Signed 64-bit base + int32 displacement: exact in a double for every
      // canonical result; a sum outside ±2^47 is non-canonical either way.
      const b = op.mBase;
      const v = this.hi[b]! * TWO32 + (this.lo[b]! >>> 0) + op.mDisp;
      if (v >= -CANONICAL_LIMIT && v < CANONICAL_LIMIT) return v;
      this.nonCanonical(op);
    }
    const lo = this.eaPair(op);
    const hi = this.tHi;
    // Non-canonical addresses fault (#SS for stack references, #GP otherwise; SDM Vol. 3A §6.15).
    if (hi < -32768 || hi > 32767 || ((hi >> 15) !== 0 && (hi >> 15) !== -1)) this.nonCanonical(op);
    return hi * TWO32 + lo;
  }

  /** The fault of a non-canonical effective address (compiled blocks call it too). */
  nonCanonical(op: Op): never {
    const stack = op.mBase === RSP || op.mBase === 5;
    throw new Fault(stack ? Vector.SS : Vector.GP, 0, 'non-canonical address');
  }

  // -------------------------------------------------------------- translation

  get paging(): boolean { return (this.cr0 & CR0_PG) !== 0; }

  /**
   * Linear → physical for an access of kind `acc` through the data TLB
   * (tlb.ts): a first-level hit is free, an STLB hit costs `tlb.stlbHit`, a
   * miss walks the tables (`tlb.walk`); raises #PF when the walk fails.
   */
  translate(lin: number, acc: number): number {
    if ((this.cr0 & CR0_PG) === 0) return lin;
    const vpn = Math.floor(lin / 4096);
    const need = (acc === ACC_WRITE ? TLB_W : acc === ACC_EXEC ? TLB_X : 0) | (this.cpl === 3 ? TLB_U : 0);
    const f = this.tlb.probe(vpn, need);
    if (f >= 0) return f + (lin - vpn * 4096);
    return this.translateSlow(lin, acc, vpn, need);
  }

  protected translateSlow(lin: number, acc: number, vpn: number, need: number): number {
    const t = this.tlb;
    const hit = t.lookup(lin, vpn, need);
    if (hit >= 0) {
      this.time += t.lastCost;
      return hit + (lin - vpn * 4096);
    }
    if (this.nested !== null) return this.translateNested(lin, acc, vpn, this.nested);
    const w = walk(this.mem, this.cr3, lin, acc, this.cpl === 3, (this.cr0 & CR0_WP) !== 0, (this.efer & EFER_NXE) !== 0, this.walkOut);
    this.time += this.costs.tlb.walk;
    if (w.frame < 0) {
      this.cr2Before = this.cr2;
      this.cr2 = lin;
      throw new Fault(Vector.PF, w.pfec, `page fault at linear 0x${hex(lin)}`);
    }
    // A write through an entry whose Dirty bit is clear must walk again to set it.
    const perm = (w.writable && w.dirty ? TLB_W : 0) | (w.user ? TLB_U : 0) | (w.executable ? TLB_X : 0);
    return t.fill(lin, vpn, w.pageShift, pageBaseOf(lin, w.frame, w.pageShift), perm, w.global && (this.cr4 & CR4_PGE) !== 0) + (lin - vpn * 4096);
  }

  /**
   * The two-dimensional walk of VMX non-root operation with EPT (SDM Vol. 3C
   * §28.2.1): the guest's walk finds each paging-structure entry through
   * EPT, then EPT translates the guest-physical frame. The TLB caches the
   * combined translation with the smaller of the guest's and EPT's page sizes
   * (SDM Vol. 3C §28.3 "Caching Translation Information", combined mappings); its write permission needs the
   * guest's and EPT's. Costs the native walk plus `vmx.eptWalkLevel` per EPT
   * entry read, also when the walk ends in a VM exit.
   */
  private translateNested(lin: number, acc: number, vpn: number, n: GuestPhysical): number {
    this.time += this.costs.tlb.walk;
    let frame: number;
    let w: WalkResult;
    try {
      w = walk(this.mem, this.cr3, lin, acc, this.cpl === 3, (this.cr0 & CR0_WP) !== 0, (this.efer & EFER_NXE) !== 0, this.walkOut, n);
      if (w.frame < 0) {
        this.cr2Before = this.cr2;
        this.cr2 = lin;
        throw new Fault(Vector.PF, w.pfec, `page fault at linear 0x${hex(lin)}`);
      }
      // The guest-physical address of the access itself (EPT exits report it), then back to its frame.
      const offset = lin - vpn * 4096;
      frame = n.final(w.frame + offset, acc, lin) - offset;
    } finally {
      this.time += n.reads * this.costs.vmx.eptWalkLevel;
      n.reads = 0;
    }
    const eptWritable = (n.lastPerm & 2) !== 0 && n.lastDirty;
    const perm = (w.writable && w.dirty && eptWritable ? TLB_W : 0) | (w.user ? TLB_U : 0) | (w.executable ? TLB_X : 0);
    const shift = n.combinedShift(w.pageShift, frame);
    return this.tlb.fill(lin, vpn, shift, pageBaseOf(lin, frame, shift), perm, w.global && (this.cr4 & CR4_PGE) !== 0) + (lin - vpn * 4096);
  }

  /**
   * Instruction-fetch translation through a separate ITLB. It charges no
   * time: the front end is not modelled, and fetch translations happen only
   * when a block is looked up, so charging them would let the decode and
   * block caches (optimizations) change cycle counts. Faults are real: a
   * fetch from an unmapped or NX page raises #PF.
   */
  translateFetch(lin: number): number {
    if ((this.cr0 & CR0_PG) === 0) return lin;
    const vpn = Math.floor(lin / 4096);
    const i = vpn & ITLB_MASK;
    const need = TLB_X | (this.cpl === 3 ? TLB_U : 0);
    if (this.itlbTag[i] === vpn && (this.itlbPerm[i]! & need) === need) return this.itlbFrame[i]! + (lin - vpn * 4096);
    const n = this.nested;
    let frame: number;
    let w: WalkResult;
    try {
      w = walk(this.mem, this.cr3, lin, ACC_EXEC, this.cpl === 3, (this.cr0 & CR0_WP) !== 0, (this.efer & EFER_NXE) !== 0, this.walkOut, n);
      if (w.frame < 0) {
        this.cr2Before = this.cr2;
        this.cr2 = lin;
        throw new Fault(Vector.PF, w.pfec, `instruction fetch: page fault at linear 0x${hex(lin)}`);
      }
      frame = n === null ? w.frame : n.final(w.frame + (lin - vpn * 4096), ACC_EXEC, lin) - (lin - vpn * 4096);
    } finally {
      if (n !== null) n.reads = 0; // fetch translations are not timed (see above)
    }
    this.itlbTag[i] = vpn;
    this.itlbFrame[i] = frame;
    this.itlbPerm[i] = (w.user ? TLB_U : 0) | (w.executable ? TLB_X : 0);
    this.itlbShift[i] = n === null ? w.pageShift : n.combinedShift(w.pageShift, frame);
    return frame + (lin - vpn * 4096);
  }

  flushTlb(): void { this.tlb.flush(); this.itlbTag.fill(NaN); this.flushBlockCache(); this.syncPcid(); }

  /** The TLB looks up under the PCID CR3 and CR4 name now (after a VM entry or exit loaded them). */
  protected syncPcid(): void { this.tlb.setPcid((this.cr4 & CR4_PCIDE) !== 0 ? this.cr3 % 4096 : 0); }

  /**
   * MOV to CR3 (SDM Vol. 3A §4.10.4.1): the new PCID becomes current
   * (CR3[11:0] with CR4.PCIDE, else 000H) and, unless the no-flush bit was
   * set, its non-global translations are invalidated. The fetch-translation
   * cache and the decoded blocks carry no PCID and are dropped either way
   * (they charge no time).
   */
  switchAddressSpace(noFlush: boolean): void {
    const pcid = (this.cr4 & CR4_PCIDE) !== 0 ? this.cr3 % 4096 : 0;
    this.tlb.setPcid(pcid);
    if (!noFlush) this.tlb.flushPcid(pcid);
    this.itlbTag.fill(NaN);
    this.flushBlockCache();
  }

  /** This context's TLBs (VMX keeps one per VPID/EPTP tag, SDM Vol. 3C §28.3). */
  exportTlb(): TlbArrays {
    return { tlb: this.tlb, itag: this.itlbTag, iframe: this.itlbFrame, iperm: this.itlbPerm, ishift: this.itlbShift, bcTag: null, bcBlock: null };
  }

  /** Switch to another context's TLBs (fresh ones from `newTlbArrays` are empty). */
  importTlb(t: TlbArrays): void {
    this.tlb = t.tlb;
    this.itlbTag = t.itag; this.itlbFrame = t.iframe; this.itlbPerm = t.iperm; this.itlbShift = t.ishift;
    this.syncPcid();
  }

  /** Empty TLBs for a new translation context, shaped as this core's (and with its TLB filter setting). */
  newTlbArrays(): TlbArrays {
    const tlb = new Tlb(this.tlbConfig);
    tlb.filterEnabled = this.tlb.filterEnabled;
    return {
      tlb,
      itag: new Float64Array(ITLB_SIZE).fill(NaN), iframe: new Float64Array(ITLB_SIZE), iperm: new Uint8Array(ITLB_SIZE), ishift: new Uint8Array(ITLB_SIZE),
      bcTag: null, bcBlock: null,
    };
  }

  /** INVLPG (SDM Vol. 3A §4.10.4.1): every translation of the page containing `lin`, whatever its size. */
  flushTlbPage(lin: number): void {
    this.tlb.invalidatePage(lin);
    if (invalidateItlbPage(this.itlbTag, this.itlbShift, lin)) this.flushBlockCache();
  }

  // ------------------------------------------------------------ memory access

  /** Read `sz` bytes at linear `lin`; for sz 8 the high half goes to `tHi`. */
  read(lin: number, sz: number): number {
    if ((lin & 63) + sz > 64) return this.readSplit(lin, sz, ACC_READ);
    const pa = this.translate(lin, ACC_READ);
    if (this.wants.mem) return this.readObserved(lin, pa, sz);
    if (this.spinTrack) return this.readTracked(pa, sz);
    return this.readPhys(pa, sz);
  }

  /** A load someone listens to: the event is emitted once the load happens (not for a replayed attempt). */
  private readObserved(lin: number, pa: number, sz: number): number {
    const t = this.time;
    const v = this.spinTrack ? this.readTracked(pa, sz) : this.readPhys(pa, sz);
    const hi = this.tHi;
    this.host.events.emit('mem', { core: this.id, tick: t, lin, pa, size: sz, write: false });
    this.tHi = hi;
    return v;
  }

  protected readTracked(pa: number, sz: number): number {
    const t = this.time;
    const v = this.readPhys(pa, sz);
    if (pa + sz <= this.ramBytes) this.spin!.onRead(this.self, pa, sz, v, this.tHi, t);
    else this.spin!.onDirty(this.self); // device reads may have side effects
    return v;
  }

  /** Read for a read-modify-write: permission is checked for writing, as the SDM requires of RMW ops. */
  readForWrite(lin: number, sz: number): number {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    if ((lin & 63) + sz > 64) return this.readSplit(lin, sz, ACC_WRITE);
    const pa = this.translate(lin, ACC_WRITE);
    if (this.wants.mem) this.emitMem(lin, pa, sz, false);
    if (pa + sz <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.rfo(this.id, pa) : this.memsys.uncached(this.id, pa);
      return this.readRam(pa, sz);
    }
    return this.readPhys(pa, sz);
  }

  protected emitMem(lin: number, pa: number, size: number, write: boolean): void {
    this.host.events.emit('mem', { core: this.id, tick: this.time, lin, pa, size, write });
  }

  /** MTRRs changed: rebuild the per-page uncached map (SDM §11.11.8: software keeps MTRRs consistent across cores). */
  updateMemoryTypes(): void {
    const pages = this.memUncached.length;
    for (let p = 0; p < pages; p++) this.memUncached[p] = mtrrType(this.msr, p * 4096) === MT_WB ? 0 : 1;
  }

  readPhys(pa: number, sz: number): number {
    if (pa + sz <= this.ramBytes) {
      if (this.memUncached[pa >>> 12] !== 0) this.time += this.memsys.uncached(this.id, pa);
      else if (this.curOp !== null && this.curOp.replayable) this.time += this.replayableLoad(pa);
      else this.time += this.memsys.load(this.id, pa);
      return this.readRam(pa, sz);
    }
    const dc = this.mem.deviceCost(pa);
    this.time += dc >= 0 ? dc : this.costs.unbackedAccess; // a device's own cost, or a master abort
    const v = this.mem.readOther(this.id, pa, sz, this.hiOut);
    this.tHi = sz === 8 ? this.hiOut[0]! : 0;
    return v;
  }

  /**
   * Load replay. A load that misses to a line another core holds Exclusive
   * or Modified returns that core's data as of when the request reaches it,
   * part-way (profile `memory.remoteRequestShare`) through the transfer — not
   * as of the cycle the load issues. So the core stalls until then and the
   * op runs again (LOAD_REPLAY unwinds it; it has changed nothing yet); the
   * second time the load happens for real and pays the rest of the transfer.
   * Stores the owner makes before that point are seen, as on hardware.
   */
  private replayableLoad(pa: number): Tick {
    // An L1 hit (the common case) is the core's own line: no directory look-up, no replay.
    if (!this.replayArmed) { const hit = this.memsys.loadHit(this.id, pa); if (hit >= 0) return hit; }
    const op = this.curOp!;
    if (this.replayArmed && this.replayRip === op.rip) {
      this.replayArmed = false;
      const c = this.memsys.load(this.id, pa);
      return Math.max(c - this.replayPaid, this.costs.loadL1);
    }
    const remote = this.memsys.remoteLoadCost(this.id, pa);
    if (remote === 0) return this.memsys.load(this.id, pa);
    const wait = toGrid(remote * this.costs.remoteRequestShare); // on the time grid (src/sim/time.ts)
    this.time += wait;
    this.replayPaid = wait;
    this.replayRip = op.rip;
    this.replayArmed = true;
    throw LOAD_REPLAY;
  }

  /** The bytes themselves; the caller has charged the access. */
  protected readRam(pa: number, sz: number): number {
    switch (sz) {
      case 1: this.tHi = 0; return this.u8[pa]!;
      case 2: this.tHi = 0; return this.dv.getUint16(pa, true);
      case 4: this.tHi = 0; return this.dv.getInt32(pa, true);
      default: this.tHi = this.dv.getInt32(pa + 4, true); return this.dv.getInt32(pa, true);
    }
  }

  write(lin: number, sz: number, v: number, vHi: number): void {
    if ((lin & 63) + sz > 64) { this.writeSplit(lin, sz, v, vHi); return; }
    const pa = this.translate(lin, ACC_WRITE);
    if (this.wants.mem) this.emitMem(lin, pa, sz, true);
    this.writePhys(pa, sz, v, vHi);
  }

  writePhys(pa: number, sz: number, v: number, vHi: number): void {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    if (pa + sz <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.store(this.id, pa) : this.memsys.uncached(this.id, pa);
      const w = this.watchLines;
      if (w !== null && (w[pa >>> 6]! | w[(pa + sz - 1) >>> 6]!) !== 0) this.spin!.onWatchedWrite(this.self, pa);
      if (this.codePages[pa >>> 12] !== 0) this.codeWritten(pa >>> 12);
      switch (sz) {
        case 1: this.u8[pa] = v; return;
        case 2: this.dv.setUint16(pa, v, true); return;
        case 4: this.dv.setInt32(pa, v, true); return;
        default: this.dv.setInt32(pa, v, true); this.dv.setInt32(pa + 4, vHi, true); return;
      }
    }
    const dc = this.mem.deviceCost(pa);
    this.time += dc >= 0 ? dc : this.costs.unbackedAccess; // a device's own cost, or a master abort
    this.mem.writeOther(this.id, pa, sz, sz === 1 ? v & 0xff : sz === 2 ? v & 0xffff : v, vHi);
  }

  /** Self-modifying code: drop the page's decoded blocks and leave the current block. */
  protected codeWritten(ppn: number): void {
    this.mem.onCodeWrite(ppn);
    this.requestBlockExit();
  }

  /**
   * An access that straddles two 64-byte lines (and maybe two pages). Both
   * pages are translated first, so a fault leaves memory untouched. The
   * memory system charges each line touched once — a split access is two
   * cache accesses — and a load that crosses a page also pays the page-split
   * penalty (`memory.pageSplitLoad`). `acc` is ACC_READ for a load,
   * ACC_WRITE for the read half of a read-modify-write (an RFO per line).
   */
  protected readSplit(lin: number, sz: number, acc: number): number {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    const first = 64 - (lin & 63);
    const pa0 = this.translate(lin, acc);
    const pageSplit = (lin & 0xfff) + sz > 4096;
    const pa1 = pageSplit ? this.translate(lin + first, acc) : pa0 + first;
    if (this.wants.mem) {
      if (pageSplit) { this.emitMem(lin, pa0, first, false); this.emitMem(lin + first, pa1, sz - first, false); }
      else this.emitMem(lin, pa0, sz, false);
    }
    this.time += this.lineCost(pa0, acc) + this.lineCost(pa1, acc);
    if (pageSplit) this.time += this.costs.pageSplitLoad;
    let lo = 0, hi = 0;
    for (let k = 0; k < sz; k++) {
      const b = this.rawByte(k < first ? pa0 + k : pa1 + (k - first));
      if (k < 4) lo |= b << (8 * k); else hi |= b << (8 * (k - 4));
    }
    this.tHi = hi;
    return sz === 2 ? lo & 0xffff : lo;
  }

  protected writeSplit(lin: number, sz: number, v: number, vHi: number): void {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    const first = 64 - (lin & 63);
    const pa0 = this.translate(lin, ACC_WRITE);
    const pageSplit = (lin & 0xfff) + sz > 4096;
    const pa1 = pageSplit ? this.translate(lin + first, ACC_WRITE) : pa0 + first;
    if (this.wants.mem) {
      if (pageSplit) { this.emitMem(lin, pa0, first, true); this.emitMem(lin + first, pa1, sz - first, true); }
      else this.emitMem(lin, pa0, sz, true);
    }
    this.time += this.lineCost(pa0, -1) + this.lineCost(pa1, -1);
    for (let k = 0; k < sz; k++) {
      const b = k < 4 ? (v >>> (8 * k)) & 0xff : (vHi >>> (8 * (k - 4))) & 0xff;
      this.rawWriteByte(k < first ? pa0 + k : pa1 + (k - first), b);
    }
  }

  /**
   * What one line of a split access costs: a load (ACC_READ), the read for
   * ownership of a read-modify-write (ACC_WRITE) or a store (-1), by memory
   * type; a device's own cost, or an unbacked address's.
   */
  private lineCost(pa: number, acc: number): Tick {
    if (pa < this.ramBytes) {
      if (this.memUncached[pa >>> 12] !== 0) return this.memsys.uncached(this.id, pa);
      return acc === ACC_READ ? this.memsys.load(this.id, pa) : acc === ACC_WRITE ? this.memsys.rfo(this.id, pa) : this.memsys.store(this.id, pa);
    }
    const dc = this.mem.deviceCost(pa);
    return dc >= 0 ? dc : this.costs.unbackedAccess;
  }

  /** One byte of a split load, already charged: RAM, or a one-byte device read. */
  private rawByte(pa: number): number {
    if (pa < this.ramBytes) return this.u8[pa]!;
    return this.mem.readOther(this.id, pa, 1, this.hiOut) & 0xff;
  }

  /** One byte of a split store, already charged (the line's coherence effect happened in lineCost). */
  private rawWriteByte(pa: number, b: number): void {
    if (pa < this.ramBytes) {
      const w = this.watchLines;
      if (w !== null && w[pa >>> 6] !== 0) this.spin!.onWatchedWrite(this.self, pa);
      if (this.codePages[pa >>> 12] !== 0) this.codeWritten(pa >>> 12);
      this.u8[pa] = b;
      return;
    }
    this.mem.writeOther(this.id, pa, 1, b, 0);
  }

  // ----------------------------------------------------- vector memory access

  /**
   * Load `n` (16 or 32) bytes at linear `lin` into dwords `dst[at..]`. As
   * for scalar accesses, each 64-byte line touched is charged once and a
   * load that crosses a page also pays `memory.pageSplitLoad`; both pages
   * are translated before anything is read, so a fault changes nothing.
   */
  readVec(lin: number, n: number, dst: Uint32Array, at: number): void {
    if ((lin & 63) + n > 64) { this.readVecSplit(lin, n, dst, at); return; }
    const pa = this.translate(lin, ACC_READ);
    if (this.wants.mem) this.emitMem(lin, pa, n, false);
    if (this.spinTrack) this.spin!.onDirty(this.self); // spin detection follows scalar loads only
    if (pa + n <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.load(this.id, pa) : this.memsys.uncached(this.id, pa);
      const dv = this.dv;
      for (let k = 0; k < n; k += 4) dst[at + (k >> 2)] = dv.getUint32(pa + k, true);
      return;
    }
    for (let k = 0; k < n; k += 4) dst[at + (k >> 2)] = this.readPhys(pa + k, 4);
  }

  /** Store dwords `src[at..]` as `n` (16 or 32) bytes at linear `lin`; each line touched charged once. */
  writeVec(lin: number, n: number, src: Uint32Array, at: number): void {
    if ((lin & 63) + n > 64) { this.writeVecSplit(lin, n, src, at); return; }
    const pa = this.translate(lin, ACC_WRITE);
    if (this.wants.mem) this.emitMem(lin, pa, n, true);
    if (this.spinTrack) this.spin!.onDirty(this.self);
    if (pa + n <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.store(this.id, pa) : this.memsys.uncached(this.id, pa);
      const w = this.watchLines;
      if (w !== null && w[pa >>> 6] !== 0) this.spin!.onWatchedWrite(this.self, pa);
      if (this.codePages[pa >>> 12] !== 0) this.codeWritten(pa >>> 12);
      const dv = this.dv;
      for (let k = 0; k < n; k += 4) dv.setUint32(pa + k, src[at + (k >> 2)]!, true);
      return;
    }
    for (let k = 0; k < n; k += 4) this.writePhys(pa + k, 4, src[at + (k >> 2)]! | 0, 0);
  }

  /** A vector access that straddles two lines (and maybe two pages): the rule of readSplit. */
  private readVecSplit(lin: number, n: number, dst: Uint32Array, at: number): void {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    const first = 64 - (lin & 63);
    const pa0 = this.translate(lin, ACC_READ);
    const pageSplit = (lin & 0xfff) + n > 4096;
    const pa1 = pageSplit ? this.translate(lin + first, ACC_READ) : pa0 + first;
    if (this.wants.mem) {
      if (pageSplit) { this.emitMem(lin, pa0, first, false); this.emitMem(lin + first, pa1, n - first, false); }
      else this.emitMem(lin, pa0, n, false);
    }
    this.time += this.lineCost(pa0, ACC_READ) + this.lineCost(pa1, ACC_READ);
    if (pageSplit) this.time += this.costs.pageSplitLoad;
    for (let k = 0; k < n; k += 4) {
      let v = 0;
      for (let j = 0; j < 4; j++) {
        const b = k + j;
        v |= this.rawByte(b < first ? pa0 + b : pa1 + (b - first)) << (8 * j);
      }
      dst[at + (k >> 2)] = v >>> 0;
    }
  }

  private writeVecSplit(lin: number, n: number, src: Uint32Array, at: number): void {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    const first = 64 - (lin & 63);
    const pa0 = this.translate(lin, ACC_WRITE);
    const pageSplit = (lin & 0xfff) + n > 4096;
    const pa1 = pageSplit ? this.translate(lin + first, ACC_WRITE) : pa0 + first;
    if (this.wants.mem) {
      if (pageSplit) { this.emitMem(lin, pa0, first, true); this.emitMem(lin + first, pa1, n - first, true); }
      else this.emitMem(lin, pa0, n, true);
    }
    this.time += this.lineCost(pa0, -1) + this.lineCost(pa1, -1);
    for (let b = 0; b < n; b++) {
      const v = (src[at + (b >> 2)]! >>> (8 * (b & 3))) & 0xff;
      this.rawWriteByte(b < first ? pa0 + b : pa1 + (b - first), v);
    }
  }

  // ------------------------------------------------------------ operand access

  /** Read operand `n` (0..2) of `op` at the op's size. A memory read records `lastEa` for a later write-back. */
  readOperand(op: Op, kind: K, r: number, h: number, sz: number): number {
    switch (kind) {
      case K.Reg: return this.getReg(r, h, sz);
      case K.Imm: this.tHi = op.immHi; return op.immLo;
      case K.Mem: { const a = this.ea(op); this.lastEa = a; return this.read(a, sz); }
      default: this.tHi = 0; return 0;
    }
  }

  /** Read the destination operand of a read-modify-write op. */
  readDst(op: Op, sz: number): number {
    if (op.k0 === K.Reg) return this.getReg(op.r0, op.h0, sz);
    const a = this.ea(op);
    this.lastEa = a;
    return this.readForWrite(a, sz);
  }

  /** Write the destination operand; for memory, to the address readDst computed (or computes it now). */
  writeDst(op: Op, sz: number, v: number, vHi: number, haveEa: boolean): void {
    if (op.k0 === K.Reg) { this.setReg(op.r0, op.h0, sz, v, vHi); return; }
    this.write(haveEa ? this.lastEa : this.ea(op), sz, v, vHi);
  }

  // -------------------------------------------------------------------- stack

  push(sz: number, v: number, vHi: number): void {
    const rsp = this.rsp() - sz;
    this.write(rsp, sz, v, vHi);
    this.setRsp(rsp);
  }

  pop(sz: number): number {
    const rsp = this.rsp();
    const v = this.read(rsp, sz);
    this.setRsp(rsp + sz);
    return v;
  }

  rsp(): number { return this.hi[RSP]! * TWO32 + (this.lo[RSP]! >>> 0); }

  setRsp(v: number): void {
    const h = Math.floor(v / TWO32);
    this.lo[RSP] = v - h * TWO32;
    this.hi[RSP] = h;
  }
}

/** Hex of a signed canonical address or 64-bit value held in a double. */
export function hex(v: number): string {
  return BigInt.asUintN(64, BigInt(Math.trunc(v))).toString(16);
}
