/**
 * One x86-64 logical core: architectural state, address translation with a
 * TLB, guest memory access, the execute loop and exception delivery.
 *
 * Time: `time` is this core's local clock in ticks (design.md §3). Each op adds
 * its class cost after its handler runs; each memory access adds what the
 * memory system says. The global scheduler (src/sim/machine.ts) calls `run`
 * with the limits that keep the core with the smallest (time, id) running.
 */
import { LazyFlags, IF, TF } from './flags.js';
import { Op, K, Block } from './op.js';
import { Fault, Unsupported, Vector, VECTOR_NAMES, hasErrorCode } from './fault.js';
import { ACC_READ, ACC_WRITE, ACC_EXEC, walk, newWalkResult, type WalkResult } from './paging.js';
import { RSP, SEG_CS, SEG_SS, SEG_FS, SEG_GS } from './registers.js';
import type { PhysicalMemory } from '../memory/physical.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import type { TickCosts } from '../profile/load.js';
import type { EventStream, StopReason } from '../sim/events.js';
import type { Tick } from '../sim/time.js';
import type { DecodeCache } from './decoder.js';
import { MsrFile, mtrrType, MT_WB } from './msr.js';

/** What is being delivered: a fault or trap, INT n/INT3 (privilege-checked), or an external interrupt / NMI. */
const enum EventKind { Exception = 0, Software = 1, External = 2 }

/** SDM Vol. 3A Table 6-4: contributory exceptions. */
function contributory(v: number): boolean { return v === 0 || (v >= 10 && v <= 13); }

/** SDM Vol. 3A Table 6-5: which first/second pairs make a double fault. */
function isDoubleFault(first: number, second: number): boolean {
  if (contributory(first)) return contributory(second);
  if (first === Vector.PF) return contributory(second) || second === Vector.PF;
  return false;
}

/** What a core needs from the machine around it (hardware never imports software). */
export interface CoreHost {
  readonly events: EventStream;
  ioIn(core: number, port: number, size: number): number;
  ioOut(core: number, port: number, size: number, value: number): void;
  /** End the whole run. */
  stop(reason: StopReason, core: Core | null, detail: string): void;
}

/** What drives the core's INTR input: the local APIC (hardware-to-hardware; no software above). */
export interface InterruptController {
  /** INTA cycle: the vector to deliver now, moved IRR → ISR; -1 if nothing is deliverable any more. */
  acknowledge(tick: Tick): number;
  /** TPR as CR8 sees it (bits 7:4 of the APIC TPR). */
  tpr: number;
  writeReg(offset: number, value: number, x2: boolean): void;
}

/** Spin-detection hooks (implemented by src/sim/spin.ts; see there for why it is exact). */
export interface SpinHooks {
  onPause(c: Core, op: Op): boolean;
  onRead(c: Core, pa: number, size: number, lo: number, hi: number, tick: Tick): void;
  onDirty(c: Core): void;
  onWatchedWrite(writer: Core, pa: number): void;
  onInterrupt(c: Core, tick: Tick, nmi: boolean): void;
}

export const enum RunState {
  Running = 0,
  /** HLT with interrupts enabled: waits for an interrupt. */
  Halted = 1,
  /** HLT with interrupts disabled, or a triple fault: never runs again. */
  Stopped = 2,
  /** Asleep in a detected spin loop (src/sim/spin.ts); not scheduled until woken. */
  Spinning = 3,
}

export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_PG = 1 << 31;
export const CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;
export const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

const TWO32 = 4294967296;
const CANONICAL_LIMIT = 2 ** 47;
const TLB_SIZE = 256;
const BLOCK_CACHE_SIZE = 1024;
const BLOCK_CACHE_MASK = BLOCK_CACHE_SIZE - 1;

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
/** The next double above x (x finite or +Infinity). */
function nextUp(x: number): number {
  if (x === Infinity || x !== x) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  u64[0] = x > 0 ? u64[0]! + 1n : u64[0]! - 1n;
  return f64[0]!;
}
const TLB_MASK = TLB_SIZE - 1;
/** TLB permission bits: what an entry allows without a new walk. */
const TLB_W = 1, TLB_U = 2, TLB_X = 4;

export class Core extends LazyFlags {
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

  /** Local time in ticks, and instructions retired. */
  time: Tick = 0;
  instructions = 0;
  state: RunState = RunState.Running;
  /** STI / MOV SS interrupt shadow: delivery is blocked until after the next instruction. */
  interruptShadow = false;
  /** The local APIC, when the machine has one. */
  intr: InterruptController | null = null;
  /** INTR is asserted: the APIC has a vector above PPR. */
  intrPending = false;
  nmiPending = false;
  /** NMIs are blocked from NMI delivery until the next IRET (SDM §6.7.1). */
  nmiBlocked = false;
  /** Tick at which the pending interrupt/NMI arrived: it is taken at the first instruction boundary at or after it. */
  intrTick = 0;
  /** Spin detection: hooks, "track this iteration's memory accesses", and the lines sleepers watch. */
  spin: SpinHooks | null = null;
  spinTrack = false;
  watchLines: Uint8Array | null = null;
  /** Record each instruction's start tick (`opStart`): needed while any core sleeps in a spin loop. */
  precise = false;
  opStart = 0;

  /** Scratch: high half of the last 64-bit value returned by a read helper. */
  tHi = 0;
  /** Scratch: linear address of the last memory operand (for read-modify-write). */
  lastEa = 0;

  // Scheduler limit: run while time < limit (see run()).
  private limit = 0;
  private savedLimit = 0;
  private blockExit = false;
  private readonly bcTag = new Float64Array(BLOCK_CACHE_SIZE).fill(NaN);
  private readonly bcBlock: (Block | null)[] = new Array(BLOCK_CACHE_SIZE).fill(null);

  // TLB: direct-mapped over virtual page numbers.
  private readonly tlbTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly tlbFrame = new Float64Array(TLB_SIZE);
  private readonly tlbPerm = new Uint8Array(TLB_SIZE);
  private readonly itlbTag = new Float64Array(TLB_SIZE).fill(NaN);
  private readonly itlbFrame = new Float64Array(TLB_SIZE);
  private readonly itlbPerm = new Uint8Array(TLB_SIZE);
  private readonly walkOut: WalkResult = newWalkResult();
  readonly hiOut = new Int32Array(1);

  /**
   * Memory type per 4 KiB RAM page from this core's MTRRs: 1 where accesses
   * bypass the caches (UC, WC, and — a simplification — WT/WP), 0 for WB.
   * Recomputed on MTRR writes; read on every RAM access.
   */
  private memUncached: Uint8Array;

  /** The event stream's per-kind flags, held directly: one load to learn nobody listens. */
  private readonly wants: EventStream['wants'];
  private readonly ramBytes: number;
  private readonly dv: DataView;
  private readonly u8: Uint8Array;
  private readonly codePages: Uint8Array;

  constructor(
    id: number,
    readonly mem: PhysicalMemory,
    readonly memsys: MemorySystem,
    readonly costs: TickCosts,
    readonly decode: DecodeCache,
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

  private nonCanonical(op: Op): never {
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

  private translateSlow(lin: number, acc: number, vpn: number, i: number): number {
    const w = walk(this.mem, this.cr3, lin, acc, this.cpl === 3, (this.cr0 & CR0_WP) !== 0, (this.efer & EFER_NXE) !== 0, this.walkOut);
    this.time += this.costs.cls.tlbWalk;
    if (w.frame < 0) {
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
    const w = walk(this.mem, this.cr3, lin, ACC_EXEC, this.cpl === 3, (this.cr0 & CR0_WP) !== 0, (this.efer & EFER_NXE) !== 0, this.walkOut);
    if (w.frame < 0) {
      this.cr2 = lin;
      throw new Fault(Vector.PF, w.pfec, `instruction fetch: page fault at linear 0x${hex(lin)}`);
    }
    this.itlbTag[i] = vpn;
    this.itlbFrame[i] = w.frame;
    this.itlbPerm[i] = (w.user ? TLB_U : 0) | (w.executable ? TLB_X : 0);
    return w.frame + (lin - vpn * 4096);
  }

  flushTlb(): void { this.tlbTag.fill(NaN); this.itlbTag.fill(NaN); this.flushBlockCache(); }

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
    if (this.wants.mem) this.emitMem(lin, pa, sz, false);
    if (this.spinTrack) return this.readTracked(pa, sz);
    return this.readPhys(pa, sz);
  }

  private readTracked(pa: number, sz: number): number {
    const t = this.time;
    const v = this.readPhys(pa, sz);
    if (pa + sz <= this.ramBytes) this.spin!.onRead(this, pa, sz, v, this.tHi, t);
    else this.spin!.onDirty(this); // device reads may have side effects
    return v;
  }

  /** Read for a read-modify-write: permission is checked for writing, as the SDM requires of RMW ops. */
  readForWrite(lin: number, sz: number): number {
    if (this.spinTrack) this.spin!.onDirty(this);
    if ((lin & 0xfff) + sz > 4096) return this.readSplit(lin, sz, ACC_WRITE);
    const pa = this.translate(lin, ACC_WRITE);
    if (this.wants.mem) this.emitMem(lin, pa, sz, false);
    if (pa + sz <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.rfo(this.id, pa) : this.memsys.uncached(this.id, pa);
      return this.readRam(pa, sz);
    }
    return this.readPhys(pa, sz);
  }

  private emitMem(lin: number, pa: number, size: number, write: boolean): void {
    this.host.events.emit('mem', { core: this.id, tick: this.time, lin, pa, size, write });
  }

  /** MTRRs changed: rebuild the per-page uncached map (SDM §11.11.8: software keeps MTRRs consistent across cores). */
  updateMemoryTypes(): void {
    const pages = this.memUncached.length;
    for (let p = 0; p < pages; p++) this.memUncached[p] = mtrrType(this.msr, p * 4096) === MT_WB ? 0 : 1;
  }

  readPhys(pa: number, sz: number): number {
    if (pa + sz <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.load(this.id, pa) : this.memsys.uncached(this.id, pa);
      return this.readRam(pa, sz);
    }
    const dc = this.mem.deviceCost(pa);
    this.time += dc >= 0 ? dc : this.memsys.uncached(this.id, pa);
    const v = this.mem.readOther(this.id, pa, sz, this.hiOut);
    this.tHi = sz === 8 ? this.hiOut[0]! : 0;
    return v;
  }

  /** The bytes themselves; the caller has charged the access. */
  private readRam(pa: number, sz: number): number {
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
    if (this.spinTrack) this.spin!.onDirty(this);
    if (pa + sz <= this.ramBytes) {
      this.time += this.memUncached[pa >>> 12] === 0 ? this.memsys.store(this.id, pa) : this.memsys.uncached(this.id, pa);
      const w = this.watchLines;
      if (w !== null && (w[pa >>> 6]! | w[(pa + sz - 1) >>> 6]!) !== 0) this.spin!.onWatchedWrite(this, pa);
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
  private codeWritten(ppn: number): void {
    this.mem.onCodeWrite(ppn);
    this.requestBlockExit();
  }

  /** An access that crosses a page boundary: translate both pages first (so a fault leaves memory untouched), then go byte by byte. */
  private readSplit(lin: number, sz: number, acc: number): number {
    if (this.spinTrack) this.spin!.onDirty(this);
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

  private writeSplit(lin: number, sz: number, v: number, vHi: number): void {
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

  // ---------------------------------------------------------------- execution

  /** Leave the current block after this op (paging changed, code written, machine stopping...). */
  requestBlockExit(): void {
    this.blockExit = true;
    this.limit = -Infinity;
  }

  /** Make `run` return at the next instruction boundary (the machine is stopping, or the scheduler must re-pick). */
  yieldNow(): void {
    this.blockExit = false;
    this.limit = -Infinity;
    this.savedLimit = -Infinity;
  }

  /** A device event was scheduled while this core runs: it must not run past that tick. */
  lowerLimit(tick: Tick): void {
    if (tick < this.savedLimit) this.savedLimit = tick;
    if (tick < this.limit) this.limit = tick;
  }

  /** True when the scheduler's limit has been reached (REP string ops check it between iterations). */
  shouldYield(): boolean { return this.time >= this.limit; }

  /**
   * Run instructions while this core is the one the global order picks:
   * time < limitLt (a lower-numbered core or a device event is due) and
   * time <= limitLe (a higher-numbered core is due; ties go to the lower id).
   * Both fold into one strict bound, `time < limit`, since for doubles
   * `t <= x` is exactly `t < nextUp(x)`.
   */
  run(limitLt: Tick, limitLe: Tick): void {
    this.limit = Math.min(limitLt, nextUp(limitLe));
    // An interrupt that arrives later than this core's clock (only after a spin sleeper resumes
    // early) is taken exactly at the first boundary at or after its arrival.
    if ((this.intrPending || this.nmiPending) && this.intrTick > this.time) this.limit = Math.min(this.limit, this.intrTick);
    this.savedLimit = this.limit;
    const events = this.host.events;
    const cacheBlocks = this.decode.cacheBlocks;
    while (this.state === RunState.Running) {
      if (this.time >= this.limit) {
        if (!this.blockExit) return;
        this.blockExit = false;
        this.limit = this.savedLimit;
        continue;
      }
      // Instruction boundary: pending external interrupts and NMIs (SDM §6.9 priority order).
      if (this.intrPending || this.nmiPending || this.interruptShadow) {
        if (this.interruptShadow) {
          this.interruptShadow = false;
          if (this.nmiPending || (this.intrPending && (this.rflagsRest & IF) !== 0)) {
            // The shadowed instruction runs alone, then the interrupt is taken.
            this.execOne(events.wants.retire);
            continue;
          }
        } else if (this.takeInterrupt()) continue;
      }
      // RFLAGS.TF: one instruction at a time, then a single-step #DB trap (SDM Vol. 3A §17.3.1.4).
      if ((this.rflagsRest & TF) !== 0) {
        const before = this.instructions;
        this.execOne(events.wants.retire);
        // TF was set when the instruction began; a faulting instruction did not complete and does not trap.
        if (this.instructions > before && (this.state as RunState) !== RunState.Stopped) this.raiseException(Vector.DB, null, 'single-step (RFLAGS.TF)');
        continue;
      }
      // Per-core direct-mapped block cache in front of the shared decode cache;
      // flushed with the TLB and on privilege changes, so a hit needs no translation.
      const rip = this.rip;
      const slot = rip & BLOCK_CACHE_MASK;
      let block = this.bcBlock[slot]!;
      if (this.bcTag[slot] !== rip || !block.valid || !cacheBlocks) {
        const b = this.decode.blockAt(this, rip);
        if (b === null) continue; // fetch faulted and was delivered (or stopped the machine)
        block = b;
        this.bcTag[slot] = rip;
        this.bcBlock[slot] = b;
      }
      if (events.wants.retire || this.precise) this.execBlockTraced(block);
      else this.execBlock(block);
    }
  }

  /**
   * The hot loop. Only the last op of a block may read or write RIP (every op
   * that does — branches, INT, HLT, IRET, REP string ops — ends its block), so
   * RIP is stored once per block, or at an early exit.
   */
  private execBlock(block: Block): void {
    const ops = block.ops;
    const last = ops.length - 1;
    let i = 0;
    try {
      for (; i < last; i++) {
        const op = ops[i]!;
        op.exec(this, op);
        this.time += op.cost;
        if (this.time >= this.limit) { this.instructions += i + 1; this.rip = op.next; return; }
      }
      const op = ops[last]!;
      this.rip = op.next;
      op.exec(this, op);
      this.time += op.cost;
      this.instructions += last + 1;
    } catch (e) {
      this.instructions += i;
      this.onThrow(e, ops[i]!);
    }
  }

  /**
   * Same semantics as execBlock, emitting a retire event per instruction
   * (debugger, traces, tests) and recording each instruction's start tick.
   */
  private execBlockTraced(block: Block): void {
    const ops = block.ops;
    const events = this.host.events;
    const traced = events.wants.retire;
    const last = ops.length - 1;
    for (let i = 0; i <= last; i++) {
      const op = ops[i]!;
      const before = this.instructions;
      this.opStart = this.time;
      this.rip = op.next;
      try {
        op.exec(this, op);
      } catch (e) {
        this.onThrow(e, op);
        return;
      }
      this.time += op.cost;
      this.instructions++;
      // A suspended REP op did not retire (its handler took the count back).
      if (traced && this.instructions > before) events.emit('retire', { core: this.id, rip: op.rip, tick: this.time });
      if (i < last && this.time >= this.limit) return;
    }
  }

  /** Execute exactly one instruction (after STI / MOV SS with an interrupt waiting). */
  private execOne(traced: boolean): void {
    const block = this.decode.blockAt(this, this.rip);
    if (block === null) return;
    const op = block.ops[0]!;
    const before = this.instructions;
    this.opStart = this.time;
    this.rip = op.next;
    try {
      op.exec(this, op);
    } catch (e) {
      this.onThrow(e, op);
      return;
    }
    this.time += op.cost;
    this.instructions++;
    if (traced && this.instructions > before) this.host.events.emit('retire', { core: this.id, rip: op.rip, tick: this.time });
  }

  /**
   * The APIC (or an NMI source) changed what this core should see. Called
   * from device events between the core's runs, or from the core's own APIC
   * writes mid-block (the block is left so the check happens at the next
   * instruction boundary).
   */
  signalInterrupt(pending: boolean, tick: Tick): void {
    this.intrPending = pending;
    if (!pending) return;
    this.intrTick = tick;
    if (this.state === RunState.Halted && (this.rflagsRest & IF) !== 0) this.wake(tick);
    else if (this.state === RunState.Spinning) this.spin!.onInterrupt(this, tick, false);
    this.requestBlockExit();
  }

  signalNmi(tick: Tick): void {
    this.nmiPending = true;
    this.intrTick = tick;
    if (this.state === RunState.Halted) this.wake(tick);
    else if (this.state === RunState.Spinning) this.spin!.onInterrupt(this, tick, true);
    this.requestBlockExit();
  }

  /** Leave HLT: the core's clock jumps to the moment the waking event arrived. */
  private wake(tick: Tick): void {
    this.state = RunState.Running;
    if (this.time < tick) this.time = tick;
    const ev = this.host.events;
    if (ev.wants.halt) ev.emit('halt', { core: this.id, tick: this.time, rip: this.rip, interruptsEnabled: true, woke: true });
  }

  /** Take an NMI or the APIC's interrupt if one is deliverable now; true if the core vectored. */
  private takeInterrupt(): boolean {
    if (this.time < this.intrTick) return false;
    if (this.spinTrack) this.spin!.onDirty(this);
    let vector = -1;
    if (this.nmiPending && !this.nmiBlocked) {
      this.nmiPending = false;
      this.nmiBlocked = true;
      vector = Vector.NMI;
    } else if (this.intrPending && (this.rflagsRest & IF) !== 0 && this.intr !== null) {
      vector = this.intr.acknowledge(this.time);
    }
    if (vector < 0) return false;
    const ev = this.host.events;
    if (ev.wants.interrupt) ev.emit('interrupt', { core: this.id, vector, tick: this.time, rip: this.rip });
    this.deliverEvent(vector, null, `interrupt vector 0x${vector.toString(16)}`, EventKind.External, this.rip, 0);
    return true;
  }

  /** A handler threw: deliver an exception, or stop the machine with a report. */
  onThrow(e: unknown, op: Op): void {
    if (e instanceof Fault) {
      this.rip = e.isTrap ? op.next : op.rip;
      this.time += op.cost;
      if (e.isTrap) this.instructions++;
      this.raiseException(e.vector, e.errorCode, e.detail, e.isTrap, op.rip);
      return;
    }
    if (e instanceof Unsupported) {
      this.rip = op.rip;
      this.host.stop('unsupported', this, e.detail);
      this.state = RunState.Stopped;
      return;
    }
    throw e;
  }

  setCpl(cpl: number): void {
    if (cpl !== this.cpl) { this.cpl = cpl; this.flushBlockCache(); }
  }

  flushBlockCache(): void { this.bcTag.fill(NaN); }

  /** Called by the decoder when fetching an instruction faults. */
  fetchFault(f: Fault): void {
    this.raiseException(f.vector, f.errorCode, f.detail);
  }

  /**
   * Deliver an exception through the IDT (SDM Vol. 3A §6.12, §6.14 64-bit
   * mode). A fault while delivering becomes #DF; a fault while delivering #DF
   * is a triple fault, which shuts the core down (the run stops with a report).
   */
  raiseException(vector: number, errorCode: number | null, detail: string, software = false, restartRip = this.rip): void {
    this.deliverEvent(vector, errorCode, detail, software ? EventKind.Software : EventKind.Exception, restartRip, 0);
  }

  /**
   * Deliver an exception, software interrupt or external interrupt through
   * the IDT, with the SDM's rules for faults that happen on the way (Vol. 3A
   * §6.15, Tables 6-4 and 6-5): a second fault is handled serially unless the
   * pair is contributory/contributory or page-fault/(contributory or page
   * fault), which becomes #DF; a fault while delivering #DF shuts the core
   * down (triple fault). Faults raised by the delivery of an event external
   * to the program carry EXT = 1 in their error code; a fault while
   * delivering INT n is reported at the INT instruction (`restartRip`).
   */
  private deliverEvent(vector: number, errorCode: number | null, detail: string, kind: EventKind, restartRip: number, depth: number): void {
    if (this.spinTrack) this.spin!.onDirty(this);
    const ev = this.host.events;
    if (ev.wants.exception && kind !== EventKind.External) {
      ev.emit('exception', { core: this.id, tick: this.time, vector, name: VECTOR_NAMES[vector] ?? `vector ${vector}`, rip: this.rip, errorCode });
    }
    if (depth > 8) { this.tripleFault(`${detail} (endless chain of faults while delivering exceptions)`); return; }
    try {
      const code = kind === EventKind.Exception && hasErrorCode(vector) ? (errorCode ?? 0) : null;
      this.deliverThroughIdt(vector, code, kind === EventKind.Software, kind !== EventKind.Software);
      this.time += this.costs.cls.exceptionDelivery;
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      const what = `${VECTOR_NAMES[vector] ?? `vector ${vector}`} (${detail}) could not be delivered: ${e.detail}`;
      if (kind === EventKind.Software) {
        // INT n faulted while vectoring: the fault belongs to the INT instruction itself.
        this.rip = restartRip;
        this.deliverEvent(e.vector, e.errorCode, what, EventKind.Exception, restartRip, depth + 1);
        return;
      }
      if (vector === Vector.DF) { this.tripleFault(what); return; }
      if (kind === EventKind.Exception && isDoubleFault(vector, e.vector)) {
        this.deliverEvent(Vector.DF, 0, what, EventKind.Exception, restartRip, depth + 1);
        return;
      }
      this.deliverEvent(e.vector, e.errorCode, what, EventKind.Exception, restartRip, depth + 1);
    }
  }

  private tripleFault(detail: string): void {
    this.state = RunState.Stopped;
    this.host.stop('triple-fault', this, detail);
  }

  /**
   * Vector through a 64-bit IDT gate: read the 16-byte gate, pick the stack
   * (TSS.RSP0 on a privilege change, TSS.ISTn if the gate names one), align it
   * to 16 bytes, push SS, RSP, RFLAGS, CS, RIP and the error code, clear IF for
   * interrupt gates, and jump (SDM Vol. 3A §6.14.2–6.14.5).
   */
  deliverThroughIdt(vector: number, errorCode: number | null, software: boolean, ext = !software): void {
    // Error code for a fault on the gate: IDT bit (1), EXT (0) (SDM Vol. 3A §6.13).
    const gateError = ((vector << 3) | 2 | (ext ? 1 : 0)) >>> 0;
    if (vector * 16 + 15 > this.idtrLimit) {
      throw new Fault(Vector.GP, gateError, this.idtrLimit === 0 ? 'no IDT loaded (IDTR limit 0)' : `vector ${vector} is beyond the IDT limit`);
    }
    const g = this.idtrBase + vector * 16;
    const w0 = this.readSystem(g, 4), w1 = this.readSystem(g + 4, 4), w2 = this.readSystem(g + 8, 4);
    const present = (w1 >>> 15) & 1;
    const type = (w1 >>> 8) & 0xf;
    const dpl = (w1 >>> 13) & 3;
    const ist = w1 & 7;
    if (type !== 0xe && type !== 0xf) throw new Fault(Vector.GP, gateError, `IDT gate ${vector} is not a 64-bit interrupt or trap gate (type 0x${type.toString(16)})`);
    if (software && dpl < this.cpl) throw new Fault(Vector.GP, gateError, `INT ${vector} from CPL ${this.cpl} to a DPL ${dpl} gate`);
    if (!present) throw new Fault(Vector.NP, gateError, `IDT gate ${vector} is not present`);
    const selector = (w0 >>> 16) & 0xffff;
    const target = (w2 | 0) * TWO32 + (((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0);
    const newCpl = selector & 3;

    const oldSs = this.segSel[SEG_SS]!, oldRsp = this.rsp(), oldCs = this.segSel[SEG_CS]!;
    const oldFlags = this.getRflags();
    let rsp = oldRsp;
    if (ist !== 0) rsp = this.readTss64(0x24 + 8 * (ist - 1));
    else if (newCpl < this.cpl) rsp = this.readTss64(4 + 8 * newCpl);
    rsp = Math.floor(rsp / 16) * 16;
    const frame = [oldSs, oldRsp, oldFlags, oldCs, this.rip];
    if (errorCode !== null) frame.push(errorCode);
    const prevCpl = this.cpl;
    if (newCpl < this.cpl) this.cpl = newCpl; // the frame is written with the new privilege (block cache flushed below)
    try {
      for (const v of frame) {
        rsp -= 8;
        const h = Math.floor(v / TWO32);
        this.write(rsp, 8, v - h * TWO32, h);
      }
    } catch (e) { this.cpl = prevCpl; throw e; }
    if (newCpl !== prevCpl) this.segSel[SEG_SS] = 0; // 64-bit mode loads a null SS on a privilege change
    this.setRsp(rsp);
    this.segSel[SEG_CS] = selector;
    this.cpl = prevCpl;
    this.setCpl(newCpl);
    this.rip = target;
    // Interrupt gates clear IF; both clear TF, NT, RF (SDM §6.14.2 / §6.12.1.3).
    this.rflagsRest &= ~((1 << 8) | (1 << 14) | (1 << 16));
    if (type === 0xe) this.rflagsRest &= ~IF;
  }

  /** Read a system structure (IDT, GDT, TSS) at supervisor privilege. */
  private readSystem(lin: number, sz: number): number {
    const cpl = this.cpl;
    this.cpl = 0;
    try { return this.read(lin, sz); } finally { this.cpl = cpl; }
  }

  private readTss64(offset: number): number {
    if (this.trLimit < offset + 7) throw new Fault(Vector.TS, this.trSel & ~3, 'TSS too small or not loaded');
    const lo = this.readSystem(this.trBase + offset, 4);
    const hi = this.readSystem(this.trBase + offset + 4, 4);
    return hi * TWO32 + (lo >>> 0);
  }

  get interruptsEnabled(): boolean { return (this.rflagsRest & IF) !== 0; }

  /** Snapshot used by the CLI's --json and by tests. */
  summary(): { id: number; instructions: number; cycles: number } {
    return { id: this.id, instructions: this.instructions, cycles: this.time };
  }
}

/** Hex of a signed canonical address or 64-bit value held in a double. */
export function hex(v: number): string {
  return BigInt.asUintN(64, BigInt(Math.trunc(v))).toString(16);
}

export { ACC_READ, ACC_WRITE, ACC_EXEC, SEG_FS, SEG_GS };
