/**
 * The memory half of a core: architectural register and system state, linear
 * → physical translation with a data TLB and a timing-free ITLB, guest loads
 * and stores (page-crossing, MMIO, memory types, spin-detection hooks), the
 * operand and stack helpers the instruction handlers use. `Core` (core.ts)
 * extends it with execution, interrupts and exceptions.
 */
import { LazyFlags } from './flags.js';
import { K, type Op } from './op.js';
import { Fault, Vector } from './fault.js';
import { ACC_READ, ACC_WRITE, ACC_EXEC, walk, newWalkResult, type WalkResult, type TableTranslator } from './paging.js';
import { RSP } from './registers.js';
import type { PhysicalMemory } from '../memory/physical.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import type { TickCosts } from '../profile/load.js';
import type { EventStream } from '../sim/events.js';
import type { Tick } from '../sim/time.js';
import { MsrFile, mtrrType, MT_WB } from './msr.js';
import type { Core, CoreHost, SpinHooks } from './core.js';

export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_PG = 1 << 31;
export const CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;
export const CR4_VMXE = 1 << 13;
export const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

const TWO32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;
const TLB_SIZE = 256;
const TLB_MASK = TLB_SIZE - 1;
/** TLB permission bits: what an entry allows without a new walk. */
const TLB_W = 1, TLB_U = 2, TLB_X = 4;

/** Thrown by a replayable load to unwind its op (see CoreMemory.replayableLoad). */
export class LoadReplay {}
export const LOAD_REPLAY = new LoadReplay();

/** One translation context's TLB (and the executor's block cache, which caches linear→physical too). */
export interface TlbArrays {
  tag: Float64Array; frame: Float64Array; perm: Uint8Array;
  itag: Float64Array; iframe: Float64Array; iperm: Uint8Array;
  bcTag: Float64Array | null; bcBlock: unknown[] | null;
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

  /** Local time in ticks. */
  time: Tick = 0;
  /** Spin detection: hooks, "track this iteration's memory accesses", and the lines sleepers watch. */
  spin: SpinHooks | null = null;
  spinTrack = false;
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


  // TLB: direct-mapped over virtual page numbers. Not readonly: VMX switches
  // between translation contexts tagged by VPID and EPTP (exportTlb/importTlb).
  protected tlbTag: Float64Array = new Float64Array(TLB_SIZE).fill(NaN);
  protected tlbFrame: Float64Array = new Float64Array(TLB_SIZE);
  protected tlbPerm: Uint8Array = new Uint8Array(TLB_SIZE);
  protected itlbTag: Float64Array = new Float64Array(TLB_SIZE).fill(NaN);
  protected itlbFrame: Float64Array = new Float64Array(TLB_SIZE);
  protected itlbPerm: Uint8Array = new Uint8Array(TLB_SIZE);
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
  ) {
    super();
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

  protected nonCanonical(op: Op): never {
    const stack = op.mBase === RSP || op.mBase === 5;
    throw new Fault(stack ? Vector.SS : Vector.GP, 0, 'non-canonical address');
  }

  // -------------------------------------------------------------- translation

  get paging(): boolean { return (this.cr0 & CR0_PG) !== 0; }

  /** Linear → physical for an access of kind `acc`; raises #PF on a miss the walk cannot satisfy. */
  translate(lin: number, acc: number): number {
    if ((this.cr0 & CR0_PG) === 0) return lin;
    const vpn = Math.floor(lin / 4096);
    const i = vpn & TLB_MASK;
    const need = (acc === ACC_WRITE ? TLB_W : acc === ACC_EXEC ? TLB_X : 0) | (this.cpl === 3 ? TLB_U : 0);
    if (this.tlbTag[i] === vpn && (this.tlbPerm[i]! & need) === need) return this.tlbFrame[i]! + (lin - vpn * 4096);
    return this.translateSlow(lin, acc, vpn, i);
  }

  protected translateSlow(lin: number, acc: number, vpn: number, i: number): number {
    if (this.nested !== null) return this.translateNested(lin, acc, vpn, i, this.nested);
    const w = walk(this.mem, this.cr3, lin, acc, this.cpl === 3, (this.cr0 & CR0_WP) !== 0, (this.efer & EFER_NXE) !== 0, this.walkOut);
    this.time += this.costs.cls.tlbWalk;
    if (w.frame < 0) {
      this.cr2Before = this.cr2;
      this.cr2 = lin;
      throw new Fault(Vector.PF, w.pfec, `page fault at linear 0x${hex(lin)}`);
    }
    this.tlbTag[i] = vpn;
    this.tlbFrame[i] = w.frame;
    // A write through an entry whose Dirty bit is clear must walk again to set it.
    this.tlbPerm[i] = (w.writable && w.dirty ? TLB_W : 0) | (w.user ? TLB_U : 0) | (w.executable ? TLB_X : 0);
    return w.frame + (lin - vpn * 4096);
  }

  /**
   * The two-dimensional walk of VMX non-root operation with EPT (SDM Vol. 3C
   * §28.2.1): the guest's walk finds each paging-structure entry through
   * EPT, then EPT translates the guest-physical frame. The TLB caches the
   * combined translation; its write permission needs the guest's and EPT's.
   * Costs the native walk plus `vmx.eptWalkLevel` per EPT entry read, also
   * when the walk ends in a VM exit.
   */
  private translateNested(lin: number, acc: number, vpn: number, i: number, n: GuestPhysical): number {
    this.time += this.costs.cls.tlbWalk;
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
    this.tlbTag[i] = vpn;
    this.tlbFrame[i] = frame;
    const eptWritable = (n.lastPerm & 2) !== 0 && n.lastDirty;
    this.tlbPerm[i] = (w.writable && w.dirty && eptWritable ? TLB_W : 0) | (w.user ? TLB_U : 0) | (w.executable ? TLB_X : 0);
    return frame + (lin - vpn * 4096);
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
    const i = vpn & TLB_MASK;
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
    return frame + (lin - vpn * 4096);
  }

  flushTlb(): void { this.tlbTag.fill(NaN); this.itlbTag.fill(NaN); this.flushBlockCache(); }

  /** This context's TLB arrays (VMX keeps one per VPID/EPTP tag, SDM Vol. 3C §28.3). */
  exportTlb(): TlbArrays {
    return { tag: this.tlbTag, frame: this.tlbFrame, perm: this.tlbPerm, itag: this.itlbTag, iframe: this.itlbFrame, iperm: this.itlbPerm, bcTag: null, bcBlock: null };
  }

  /** Switch to another context's TLB arrays (fresh ones from `newTlbArrays` are empty). */
  importTlb(t: TlbArrays): void {
    this.tlbTag = t.tag; this.tlbFrame = t.frame; this.tlbPerm = t.perm;
    this.itlbTag = t.itag; this.itlbFrame = t.iframe; this.itlbPerm = t.iperm;
  }

  /** Empty TLB arrays for a new translation context. */
  newTlbArrays(): TlbArrays {
    return {
      tag: new Float64Array(TLB_SIZE).fill(NaN), frame: new Float64Array(TLB_SIZE), perm: new Uint8Array(TLB_SIZE),
      itag: new Float64Array(TLB_SIZE).fill(NaN), iframe: new Float64Array(TLB_SIZE), iperm: new Uint8Array(TLB_SIZE),
      bcTag: null, bcBlock: null,
    };
  }

  flushTlbPage(lin: number): void {
    const vpn = Math.floor(lin / 4096);
    const i = vpn & TLB_MASK;
    if (this.tlbTag[i] === vpn) this.tlbTag[i] = NaN;
    if (this.itlbTag[i] === vpn) { this.itlbTag[i] = NaN; this.flushBlockCache(); }
  }

  // ------------------------------------------------------------ memory access

  /** Read `sz` bytes at linear `lin`; for sz 8 the high half goes to `tHi`. */
  read(lin: number, sz: number): number {
    if ((lin & 0xfff) + sz > 4096) return this.readSplit(lin, sz, ACC_READ);
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
    if ((lin & 0xfff) + sz > 4096) return this.readSplit(lin, sz, ACC_WRITE);
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
    this.time += dc >= 0 ? dc : this.memsys.uncached(this.id, pa);
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
    const op = this.curOp!;
    if (this.replayArmed && this.replayRip === op.rip) {
      this.replayArmed = false;
      const c = this.memsys.load(this.id, pa);
      return Math.max(c - this.replayPaid, this.costs.loadL1);
    }
    const remote = this.memsys.remoteLoadCost(this.id, pa);
    if (remote === 0) return this.memsys.load(this.id, pa);
    const wait = remote * this.costs.remoteRequestShare;
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
    if ((lin & 0xfff) + sz > 4096) { this.writeSplit(lin, sz, v, vHi); return; }
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
    this.time += dc >= 0 ? dc : this.memsys.uncached(this.id, pa);
    this.mem.writeOther(this.id, pa, sz, sz === 1 ? v & 0xff : sz === 2 ? v & 0xffff : v, vHi);
  }

  /** Self-modifying code: drop the page's decoded blocks and leave the current block. */
  protected codeWritten(ppn: number): void {
    this.mem.onCodeWrite(ppn);
    this.requestBlockExit();
  }

  /** An access that crosses a page boundary: translate both pages first (so a fault leaves memory untouched), then go byte by byte. */
  protected readSplit(lin: number, sz: number, acc: number): number {
    if (this.spinTrack) this.spin!.onDirty(this.self);
    const first = 4096 - (lin & 0xfff);
    const pa0 = this.translate(lin, acc);
    const pa1 = this.translate(lin + first, acc);
    if (this.wants.mem) { this.emitMem(lin, pa0, first, false); this.emitMem(lin + first, pa1, sz - first, false); }
    let lo = 0, hi = 0;
    for (let k = 0; k < sz; k++) {
      const b = this.readPhys(k < first ? pa0 + k : pa1 + (k - first), 1);
      if (k < 4) lo |= b << (8 * k); else hi |= b << (8 * (k - 4));
    }
    this.tHi = hi;
    return sz === 2 ? lo & 0xffff : lo;
  }

  protected writeSplit(lin: number, sz: number, v: number, vHi: number): void {
    const first = 4096 - (lin & 0xfff);
    const pa0 = this.translate(lin, ACC_WRITE);
    const pa1 = this.translate(lin + first, ACC_WRITE);
    if (this.wants.mem) { this.emitMem(lin, pa0, first, true); this.emitMem(lin + first, pa1, sz - first, true); }
    for (let k = 0; k < sz; k++) {
      const b = k < 4 ? (v >>> (8 * k)) & 0xff : (vHi >>> (8 * (k - 4))) & 0xff;
      this.writePhys(k < first ? pa0 + k : pa1 + (k - first), 1, b, 0);
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
