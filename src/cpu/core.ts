/**
 * One x86-64 logical core: architectural state, address translation with a
 * TLB, guest memory access, the execute loop and exception delivery.
 *
 * Time: `time` is this core's local clock in ticks (docs/architecture.md). Each op adds
 * its class cost after its handler runs; each memory access adds what the
 * memory system says. The global scheduler (src/sim/machine.ts) calls `run`
 * with the limits that keep the core with the smallest (time, id) running.
 */
import { IF, TF } from './flags.js';
import { AheadSnapshot } from './aheadSnapshot.js';
import { deliverThroughIdt } from './idtGate.js';
import type { Op, Block } from './op.js';
import { Fault, Unsupported, Vector, VECTOR_NAMES, describeUndelivered, hasErrorCode, vectorShortName, type Undelivered } from './fault.js';
import { ACC_READ, ACC_WRITE, ACC_EXEC } from './paging.js';
import { SEG_FS, SEG_GS } from './registers.js';
import type { PhysicalMemory } from '../memory/physical.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import type { TickCosts } from '../profile/load.js';
import type { EventStream, StopReason } from '../sim/events.js';
import { nextUp, type Tick } from '../sim/time.js';
import type { DecodeCache } from './decoder.js';
import { CoreMemory, LOAD_REPLAY, NOT_RETIRED, type TlbArrays } from './coreMemory.js';
import type { TlbConfig } from './tlb.js';
import { X87State } from './fpu/x87.js';
import { ReturnStackBuffer } from './returnStack.js';
import type { VmxCpu } from '../vmx/vmxCpu.js';
import type { VmExit } from '../vmx/vmexit.js';
import { compileBlock, COMPILE_THRESHOLD, type CompiledCore } from './blockCompiler.js';
import { LoopTracker, applyUnits, unitsBefore, type LoopProof } from './loopForward.js';

export { CR0_PE, CR0_MP, CR0_EM, CR0_TS, CR0_NE, CR0_WP, CR0_PG, CR4_PAE, CR4_PGE, CR4_OSFXSR, CR4_OSXMMEXCPT, EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE, hex } from './coreMemory.js';

/**
 * What is being delivered: a fault or trap, INT n/INT3 (privilege-checked),
 * an external interrupt / NMI, or INT1 (ICEBP): a #DB trap raised by an
 * instruction but delivered like a hardware exception - no DPL check, EXT set
 * (SDM Vol. 2A INT n/INTO/INT3/INT1, "does not apply to INT1").
 */
const enum EventKind { Exception = 0, Software = 1, External = 2, PrivilegedSoftware = 3 }

/**
 * The VMX interruption type of an event (SDM Vol. 3C Table 24-15): external 0,
 * NMI 2, hardware exception 3, software interrupt 4, privileged software
 * exception 5 (INT1), software exception 6.
 */
function intrType(vector: number, kind: EventKind): number {
  if (kind === EventKind.External) return vector === Vector.NMI ? 2 : 0;
  if (kind === EventKind.Software) return vector === Vector.BP || vector === Vector.OF ? 6 : 4;
  if (kind === EventKind.PrivilegedSoftware) return 5;
  return 3;
}

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
  /** Logical processors in the package (CPUID leaf 1 reports it). */
  readonly coreCount: number;
  ioIn(core: number, port: number, size: number): number;
  ioOut(core: number, port: number, size: number, value: number): void;
  /** End the whole run; a triple fault passes the events it could not deliver, the original first. */
  stop(reason: StopReason, core: Core | null, detail: string, undelivered?: readonly Undelivered[]): void;
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
  /** Sleep through a proven register-only loop (loopForward.ts) until its proof runs out or an interrupt comes; false if not now. */
  loopSleep(c: Core, p: LoopProof): boolean;
  /** The core fell asleep in a loop while running ahead and goes back to before it (Core.rewindAhead): it is no sleeper any more. */
  cancelLoopSleep(c: Core): void;
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

const BLOCK_CACHE_SIZE = 1024;
const BLOCK_CACHE_MASK = BLOCK_CACHE_SIZE - 1;


export class Core extends CoreMemory {
  /** Instructions retired. */
  instructions = 0;
  /** x87 FPU state (src/cpu/fpu/x87.ts). */
  readonly x87 = new X87State();
  /** The return stack buffer: CALL/RET prediction and its mispredict penalty (returnStack.ts). */
  readonly rsb: ReturnStackBuffer;
  private runState: RunState = RunState.Running;
  /** Told of every change of `state` (the machine's core heap, src/sim/coreHeap.ts). */
  onStateChange: ((id: number) => void) | null = null;
  get state(): RunState { return this.runState; }
  set state(s: RunState) {
    this.runState = s;
    if (this.onStateChange !== null) this.onStateChange(this.id);
  }
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
  /**
   * Start tick of the instruction executing (or last executed): the machine's
   * position (stops, pauses, run-ahead rewinds) and the tick a store wakes a
   * spin sleeper at. Every executor records it — the interpreter for every
   * op, a compiled block for every op that can store, stop or fault and at
   * every exit.
   */
  opStart = 0;
  /** The VMX hardware of this logical processor (src/vmx); null on a machine without VMX. */
  vmx: VmxCpu | null = null;
  /** VMX non-root operation has something to look at at the next instruction boundary (src/vmx/nonroot.ts `boundary`). */
  vmxPending = false;
  /** Monitor trap flag: a VM exit after each guest instruction (SDM Vol. 3C §25.5.2). */
  vmxStep = false;
  /** The instruction executing now is the one in an STI or MOV-SS shadow (VMX saves it as interruptibility state). */
  inShadow = false;
  /** The pending or current shadow comes from MOV SS (else from STI). */
  shadowByMovSs = false;
  /** Length of the instruction whose exception is being delivered (VMX records it as the VM-exit instruction length). */
  faultLength = 0;
  // Scheduler limit: run while time < limit (see run()).
  private limit = 0;
  private savedLimit = 0;
  private blockExit = false;
  /**
   * Run-ahead bound (docs/architecture.md "Run-ahead"): past its scheduler
   * limit the core may go on through register-only ops that start before
   * this tick. The machine sets it for one `run` call; -Infinity otherwise.
   */
  aheadLimit = -Infinity;
  /** The state at the first op run ahead in this slice, to rewind to if the machine stops or pauses before it. */
  private aheadSaved = false;
  private readonly ahead = new AheadSnapshot();
  /** Counters for tests and the bench: ops run ahead, blocks entered ahead, and rewinds at a stop or pause. */
  aheadOps = 0;
  aheadBlocks = 0;
  aheadRewinds = 0;
  private bcTag: Float64Array = new Float64Array(BLOCK_CACHE_SIZE).fill(NaN);
  private bcBlock: (Block | null)[] = new Array(BLOCK_CACHE_SIZE).fill(null);

  constructor(id: number, mem: PhysicalMemory, memsys: MemorySystem, costs: TickCosts, readonly decode: DecodeCache, host: CoreHost, tlb: TlbConfig) {
    super(id, mem, memsys, costs, host, tlb);
    this.rsb = new ReturnStackBuffer(costs.branch.returnStackEntries, costs.branch.mispredict);
  }

  // ---------------------------------------------------------------- execution

  /** Leave the current block after this op (paging changed, code written, machine stopping...). */
  requestBlockExit(): void {
    this.blockExit = true;
    this.limit = -Infinity;
  }

  /** Make `run` return at the next instruction boundary (the machine is stopping, or the scheduler must re-pick). */
  yieldNow(): void {
    this.aheadLimit = -Infinity;
    this.blockExit = false;
    this.limit = -Infinity;
    this.savedLimit = -Infinity;
  }

  /** A device event was scheduled while this core runs: it must not run past that tick. */
  lowerLimit(tick: Tick): void {
    if (tick < this.aheadLimit) this.aheadLimit = tick;
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
    // The core is first in the global order again: what it ran ahead is behind every other core now.
    this.aheadSaved = false;
    this.limit = Math.min(limitLt, nextUp(limitLe));
    // An interrupt that arrives later than this core's clock (only after a spin sleeper resumes
    // early) is taken exactly at the first boundary at or after its arrival.
    if ((this.intrPending || this.nmiPending) && this.intrTick > this.time) this.limit = Math.min(this.limit, this.intrTick);
    this.savedLimit = this.limit;
    const events = this.host.events;
    const cacheBlocks = this.decode.cacheBlocks;
    while (this.state === RunState.Running) {
      if (this.time >= this.limit) {
        if (!this.blockExit) {
          if (this.aheadLimit > this.time) this.runAheadAcrossBlocks();
          return;
        }
        this.blockExit = false;
        this.limit = this.savedLimit;
        continue;
      }
      // Instruction boundary: pending external interrupts and NMIs (SDM §6.9 priority order),
      // and in VMX non-root operation the VMX events (src/vmx/nonroot.ts).
      if (this.intrPending || this.nmiPending || this.interruptShadow || this.vmxPending) {
        if (this.interruptShadow) {
          // The shadowed instruction runs alone (interrupts are taken after it; VMX records the
          // blocking if it exits, and VMLAUNCH fails under a MOV-SS shadow).
          this.interruptShadow = false;
          const before = this.instructions;
          this.inShadow = true;
          this.execOne(events.wants.retire);
          this.inShadow = false;
          // A load replay means it has not completed yet: the shadow still covers it.
          if (this.instructions === before && this.replayArmed) this.interruptShadow = true;
          continue;
        } else if (this.nonRoot) {
          if (this.vmx!.boundary()) continue;
          if ((this.state as RunState) !== RunState.Running) continue;
        } else if (this.takeInterrupt()) continue;
      }
      // Monitor trap flag: one guest instruction, then an MTF VM exit (SDM Vol. 3C §25.5.2).
      if (this.vmxStep) {
        this.execOne(events.wants.retire);
        if (this.nonRoot && this.vmxStep) this.vmx!.mtfExit();
        continue;
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
      if (block.loop >= 0 && this.loopForward && !events.wants.retire && this.tryLoop(block)) continue;
      if (events.wants.retire) this.execBlockTraced(block);
      else if (block.fn !== null) block.fn(this);
      else if (this.blockCompile && ++block.runs >= this.compileThreshold) {
        block.fn = compileBlock(block, 'limit') as (c: CompiledCore) => void;
        block.fn(this);
      } else this.execBlock(block);
    }
  }

  /** Run hot blocks as compiled functions (blockCompiler.ts); the machine sets it. */
  blockCompile = false;
  /** Runs of a block before it is compiled (tests set 1 to compile every block at once). */
  compileThreshold = COMPILE_THRESHOLD;
  /** Fast-forward of register-only loops (loopForward.ts); off for comparison. */
  loopForward = true;
  readonly loopTracker = new LoopTracker();

  /**
   * An iteration of a candidate loop block is about to start: jump over the
   * iterations that provably repeat, in place when the scheduler's bound is
   * far enough, else by sleeping through them while the other cores run
   * (woken by the proof's end or an interrupt, src/sim/spin.ts). True when
   * the core went to sleep.
   */
  private tryLoop(b: Block): boolean {
    if (this.nonRoot) return false; // RDTSC may exit, and the preemption timer counts
    const p = this.loopTracker.enter(this, b, this.costs.cls.branchTaken);
    if (p === null) return false;
    const t = this.loopTracker;
    let slept = false;
    const k = unitsBefore(p, this.limit);
    if (k >= 2) {
      applyUnits(this, p, k);
      t.jumped(b, k * p.m);
    } else if (p.units >= 8 && this.spin !== null && !this.intrPending && !this.nmiPending && this.spin.loopSleep(this, p)) {
      // Not with an interrupt or NMI pending: its arrival has already been announced (onInterrupt), so nothing would wake the sleeper for it.
      slept = true;
      t.jumped(b, 0);
    } else {
      // The proof holds but is short (the loop is about to leave): no back-off, the next run of it may be long.
      return false;
    }
    return slept;
  }

  /**
   * Run-ahead reached the head of a candidate loop block (runAheadAcrossBlocks):
   * the same jump as `tryLoop`, bounded by the run-ahead bound instead of the
   * scheduler's. Jumping over proven register-only iterations is running them
   * ahead (they are run-ahead ops: pureOps.ts covers every op loopShape
   * admits), so the snapshot to rewind to is saved first, and a rewind reruns
   * them one by one with fast-forward off. Without this, a loop that slices
   * keep cutting (a server worker's service loop while the dispatcher runs)
   * is entered alternately from run() and from run-ahead and is never seen
   * for three consecutive iterations.
   */
  private loopAhead(b: Block): boolean {
    const p = this.loopTracker.enter(this, b, this.costs.cls.branchTaken);
    if (p === null) return false;
    const t = this.loopTracker;
    const k = unitsBefore(p, this.aheadLimit);
    // In place when the whole proven stretch fits before the bound (no wake-up event needed).
    const sleep = k < p.units && p.units >= 8 && this.spin !== null;
    if (!sleep && k < 2) return false;
    this.saveAhead(b.rip);
    // A long loop is slept through, as from run(): its units are register-only, so it does not
    // matter that they start ahead of the other cores; no interrupt can reach the core before
    // the run-ahead bound, so every wake-up lands at or after the sleep's start. A stop or pause
    // before the sleep's start cancels it and rewinds (rewindAhead).
    if (sleep && this.spin!.loopSleep(this, p)) { t.aheadSleeps++; t.jumped(b, 0); return true; }
    if (k < 2) return false;
    applyUnits(this, p, k);
    t.aheadJumps++; t.jumped(b, k * p.m);
    return false;
  }

  /**
   * The hot loop. Only the last op of a block may read or write RIP (every op
   * that does — branches, INT, HLT, IRET, REP string ops — ends its block), so
   * RIP is stored once per block, or at an early exit.
   */
  private execBlock(block: Block): void { this.execFrom(block, 0); }

  /**
   * Run the block's ops from index `start` (a compiled block hands over here
   * when a run of its ops would reach the scheduler bound). Counts the
   * instructions it runs.
   */
  execFrom(block: Block, start: number): void {
    const ops = block.ops;
    const last = ops.length - 1;
    let i = start;
    try {
      for (; i < last; i++) {
        const op = ops[i]!;
        this.opStart = this.time; // the machine's stop position (run-ahead rewinds to it)
        this.curOp = op;
        op.exec(this, op);
        this.time += op.cost;
        if (this.time >= this.limit) {
          this.instructions += i + 1 - start;
          this.leaveBlock(ops, i + 1);
          return;
        }
      }
      const op = ops[last]!;
      this.opStart = this.time;
      this.curOp = op;
      this.rip = op.next;
      op.exec(this, op);
      this.time += op.cost;
      this.instructions += last + 1 - start;
    } catch (e) {
      this.instructions += i - start;
      this.onThrow(e, ops[i]!);
    }
  }

  /**
   * The slice ended before ops[j] (the ops before it are counted): run ahead
   * if allowed, and leave RIP at the next op (the interpreter and compiled
   * blocks both leave a block this way).
   */
  leaveBlock(ops: Op[], j: number): void {
    if (this.aheadLimit > this.time) {
      const k = this.runAhead(ops, j);
      this.instructions += k - j;
      j = k;
    }
    if (j < ops.length) this.rip = ops[j]!.rip;
  }

  /**
   * Same semantics as execBlock, emitting a retire event per instruction
   * (debugger, traces, tests) and recording each instruction's start tick.
   */
  private execBlockTraced(block: Block): void {
    const ops = block.ops;
    const last = ops.length - 1;
    // No run-ahead here: the machine never sets a run-ahead bound while retire events are wanted.
    for (let i = 0; i <= last; i++) {
      if (!this.stepOp(ops[i]!, true)) return;
      if (i < last && this.time >= this.limit) return;
    }
  }

  /**
   * Past the scheduler limit: run register-only ops (src/cpu/pureOps.ts) of
   * this block from index j while they start before `aheadLimit`; returns the
   * index of the first op not run (every op before ops[j] is already counted).
   * The first op run ahead in a slice saves the state to rewind to.
   */
  private runAhead(ops: Op[], j: number): number {
    if (this.aheadBlocked()) return j;
    const last = ops.length - 1;
    for (; j <= last; j++) {
      const op = ops[j]!;
      if (!op.pure || this.time >= this.aheadLimit) break;
      this.saveAhead(op.rip);
      this.opStart = this.time;
      this.curOp = op;
      if (j === last) this.rip = op.next;
      op.exec(this, op);
      this.time += op.cost;
      this.aheadOps++;
    }
    return j;
  }

  /** The core is about to run the op at `rip` ahead: the first such op in a slice saves the state to rewind to. */
  private saveAhead(rip: number): void {
    if (!this.aheadSaved) { this.ahead.save(this, rip, this.instructions); this.aheadSaved = true; }
  }

  /** Nothing may run ahead: a block exit, an event or a single-step is pending, or the core is in VMX non-root operation. */
  private aheadBlocked(): boolean {
    return this.blockExit || this.intrPending || this.nmiPending || this.nonRoot || this.vmxStep || (this.rflagsRest & TF) !== 0;
  }

  /**
   * The slice ended at a block boundary: run ahead into the following
   * blocks (their register-only prefixes) as within a block. Only blocks
   * already in this core's block cache: looking one up must not fetch,
   * translate or fault ahead of the order. Not in an interrupt shadow or with
   * VMX events pending (those are handled at the boundary by `run`).
   */
  private runAheadAcrossBlocks(): void {
    if (this.interruptShadow || this.vmxPending || this.state !== RunState.Running || this.aheadLimit === Infinity) return;
    for (;;) {
      const rip = this.rip;
      const slot = rip & BLOCK_CACHE_MASK;
      const b = this.bcBlock[slot]!;
      if (this.bcTag[slot] !== rip || !b.valid || !this.decode.cacheBlocks) return;
      if (b.loop >= 0 && this.loopForward && !this.aheadBlocked() && this.loopAhead(b)) return; // asleep in the loop
      const ops = b.ops;
      const j = this.runAhead(ops, 0);
      if (j > 0) this.aheadBlocks++;
      this.instructions += j;
      if (j < ops.length) {
        if (j > 0) this.rip = ops[j]!.rip;
        return;
      }
    }
  }

  /**
   * The machine stops or pauses at the instruction (tick, id) — in the plain
   * order every other core has then run exactly its instructions ordered
   * before that one — while this core ran ahead of it on register-only ops.
   * Go back to where it started running ahead and run again (no run-ahead,
   * no fast-forward) just the ops ordered before (tick, id). They touch
   * nothing shared and no interrupt can reach the core in between (the
   * run-ahead bound), so they compute the same.
   */
  rewindAhead(tick: Tick, id: number): void {
    if (!this.aheadSaved) return;
    this.aheadSaved = false;
    this.aheadRewinds++;
    if (this.state === RunState.Spinning) this.spin!.cancelLoopSleep(this); // it fell asleep in a loop while ahead
    this.ahead.restore(this);
    this.loopTracker.reset(); // its record may lie past the point the core goes back to
    const lf = this.loopForward;
    this.loopForward = false;
    this.aheadLimit = -Infinity;
    if (this.id < id) this.run(Infinity, tick); else this.run(tick, Infinity);
    this.loopForward = lf;
  }

  /** Execute exactly one instruction (after STI / MOV SS with an interrupt waiting, or with RFLAGS.TF). */
  private execOne(traced: boolean): void {
    const block = this.decode.blockAt(this, this.rip);
    if (block !== null) this.stepOp(block.ops[0]!, traced);
  }

  /** One op with its start tick recorded and, if `traced`, a retire event; false if it faulted. */
  private stepOp(op: Op, traced: boolean): boolean {
    this.opStart = this.time;
    this.curOp = op;
    this.rip = op.next;
    try {
      op.exec(this, op);
    } catch (e) {
      this.onThrow(e, op);
      return false;
    }
    this.time += op.cost;
    this.instructions++;
    if (traced) this.host.events.emit('retire', { core: this.id, rip: op.rip, tick: this.time, start: this.opStart });
    return true;
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
    // In VMX non-root operation with "external-interrupt exiting", RFLAGS.IF does not block it (SDM Vol. 3C §25.2).
    if (this.state === RunState.Halted && ((this.rflagsRest & IF) !== 0 || (this.nonRoot && this.vmx!.externalInterruptExiting))) this.wake(tick);
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

  /** A VMX event (preemption timer, virtual interrupt) needs the core: it leaves HLT or a spin sleep. */
  wakeForVmx(tick: Tick): void {
    if (this.state === RunState.Halted) this.wake(tick);
    else if (this.state === RunState.Spinning) this.spin!.onInterrupt(this, tick, false);
    this.requestBlockExit();
  }

  /** Back to HLT after a VMX event that did not end the guest's halt (posted-interrupt processing with nothing to deliver). */
  haltAgain(): void { this.state = RunState.Halted; }

  /** Leave HLT: the core's clock jumps to the moment the waking event arrived. */
  private wake(tick: Tick): void {
    this.state = RunState.Running;
    if (this.time < tick) this.time = tick;
    const ev = this.host.events;
    if (ev.wants.halt) ev.emit('halt', { core: this.id, tick: this.time, rip: this.rip, interruptsEnabled: true, woke: true });
  }

  /** Take an NMI or the APIC's interrupt if one is deliverable now; true if the core vectored. */
  takeInterrupt(): boolean {
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
    this.replayArmed = false; // an op interrupted between its stall and its replay stalls again later
    this.curOp = null;
    const ev = this.host.events;
    if (ev.wants.interrupt) ev.emit('interrupt', { core: this.id, vector, tick: this.time, rip: this.rip });
    this.deliverEvent(vector, null, `interrupt vector 0x${vector.toString(16)}`, EventKind.External, this.rip, 0, null);
    return true;
  }

  /** A handler threw: deliver an exception, or stop the machine with a report. */
  onThrow(e: unknown, op: Op): void {
    if (e === LOAD_REPLAY) {
      // The op stalled on a remote miss and runs again (CoreMemory.replayableLoad); it has not retired.
      this.rip = op.rip;
      this.requestBlockExit();
      return;
    }
    // A REP op suspended by the scheduler, or a PAUSE the core sleeps at (each ends its block); it has not retired.
    if (e === NOT_RETIRED) return;
    this.replayArmed = false;
    this.curOp = null; // exception delivery's own memory accesses are not the op's
    if (e instanceof Fault) {
      if (e.vector < 0) {
        // A VM exit caused by the instruction (src/vmx): fault-like ones leave it unexecuted and uncharged.
        const x = e as VmExit;
        if (x.trap) { this.time += op.cost; this.instructions++; }
        this.vmx!.instructionExit(x, op);
        return;
      }
      this.rip = e.isTrap ? op.next : op.rip;
      this.faultLength = op.len;
      this.time += op.cost;
      if (e.isTrap) this.instructions++;
      const kind = e.software ? EventKind.Software : e.isTrap ? EventKind.PrivilegedSoftware : EventKind.Exception;
      this.deliverEvent(e.vector, e.errorCode, e.detail, kind, op.rip, 0, null);
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

  override exportTlb(): TlbArrays {
    const t = super.exportTlb();
    t.bcTag = this.bcTag;
    t.bcBlock = this.bcBlock;
    return t;
  }

  override importTlb(t: TlbArrays): void {
    super.importTlb(t);
    this.bcTag = t.bcTag!;
    this.bcBlock = t.bcBlock as (Block | null)[];
  }

  override newTlbArrays(): TlbArrays {
    const t = super.newTlbArrays();
    t.bcTag = new Float64Array(BLOCK_CACHE_SIZE).fill(NaN);
    t.bcBlock = new Array(BLOCK_CACHE_SIZE).fill(null);
    return t;
  }

  /** Called by the decoder when fetching an instruction faults. */
  fetchFault(f: Fault): void {
    this.curOp = null;
    this.faultLength = 0;
    if (f.vector < 0) { this.vmx!.eventExit(f as VmExit, this.rip); return; } // an EPT violation or APIC access while fetching
    this.raiseException(f.vector, f.errorCode, f.detail);
  }

  /** VM entry's event injection (SDM Vol. 3C §26.5): deliver through the guest IDT; software types push RIP + `len`. */
  injectEvent(vector: number, errorCode: number | null, type: number, len: number): void {
    this.curOp = null;
    const software = type === 4 || type === 6;
    const restart = this.rip;
    if (software || type === 5) this.rip += len;
    const kind = software ? EventKind.Software : type === 5 ? EventKind.PrivilegedSoftware : type === 0 || type === 2 ? EventKind.External : EventKind.Exception;
    this.deliverEvent(vector, errorCode, `event injected by VM entry (vector 0x${vector.toString(16)})`, kind, restart, 0, null);
  }

  /** Virtual-interrupt delivery (SDM Vol. 3C §29.2.2) vectors through the guest IDT like an external interrupt. */
  deliverVirtualInterrupt(vector: number): void {
    this.curOp = null;
    this.deliverEvent(vector, null, `virtual interrupt 0x${vector.toString(16)}`, EventKind.External, this.rip, 0, null);
  }

  /**
   * Deliver an exception through the IDT (SDM Vol. 3A §6.12, §6.14 64-bit
   * mode). A fault while delivering becomes #DF; a fault while delivering #DF
   * is a triple fault, which shuts the core down (the run stops with a report).
   */
  raiseException(vector: number, errorCode: number | null, detail: string, software = false, restartRip = this.rip): void {
    this.deliverEvent(vector, errorCode, detail, software ? EventKind.Software : EventKind.Exception, restartRip, 0, null);
  }

  /**
   * Deliver an exception, software interrupt or external interrupt through
   * the IDT, with the SDM's rules for faults that happen on the way (Vol. 3A
   * §6.15, Tables 6-4 and 6-5): a second fault is handled serially unless the
   * pair is contributory/contributory or page-fault/(contributory or page
   * fault), which becomes #DF; a fault while delivering #DF shuts the core
   * down (triple fault). Faults raised by the delivery of an event external
   * to the program carry EXT = 1 in their error code; a fault while
   * delivering INT n (or INT1) is reported at the instruction (`restartRip`).
   * `failed` collects the events that could not be delivered, for the report
   * of a triple fault (allocated only once something fails).
   */
  private deliverEvent(vector: number, errorCode: number | null, detail: string, kind: EventKind, restartRip: number, depth: number, failed: Undelivered[] | null): void {
    if (this.spinTrack) this.spin!.onDirty(this);
    // VMX non-root operation: the exception bitmap may turn the event into a VM exit (SDM Vol. 3C §25.2).
    if (this.nonRoot && this.vmx!.interceptEvent(vector, errorCode, intrType(vector, kind), restartRip)) return;
    const ev = this.host.events;
    if (ev.wants.exception && kind !== EventKind.External) {
      ev.emit('exception', { core: this.id, tick: this.time, vector, name: VECTOR_NAMES[vector] ?? `vector ${vector}`, rip: this.rip, errorCode });
    }
    if (depth > 8) { this.tripleFault(failed ?? [], ' (an endless chain of faults while delivering exceptions)'); return; }
    try {
      const code = kind === EventKind.Exception && hasErrorCode(vector) ? (errorCode ?? 0) : null;
      deliverThroughIdt(this, vector, code, kind === EventKind.Software, kind !== EventKind.Software);
      this.time += this.costs.cls.exceptionDelivery;
      if (this.nonRoot) this.vmx!.delivered();
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      if (e.vector < 0) {
        // A VM exit while delivering (an EPT violation pushing the frame...): IDT-vectoring information records the event.
        this.vmx!.eventExit(e as VmExit, kind === EventKind.Software || kind === EventKind.PrivilegedSoftware ? restartRip : this.rip);
        return;
      }
      const chain = failed ?? [];
      chain.push({ vector, detail, reason: e.detail });
      if (kind === EventKind.Software || kind === EventKind.PrivilegedSoftware) {
        // INT n faulted while vectoring: the fault belongs to the INT instruction itself.
        this.rip = restartRip;
        this.deliverEvent(e.vector, e.errorCode, e.detail, EventKind.Exception, restartRip, depth + 1, chain);
        return;
      }
      if (vector === Vector.DF) { this.tripleFault(chain, ''); return; }
      if (kind === EventKind.Exception && isDoubleFault(vector, e.vector)) {
        this.deliverEvent(Vector.DF, 0, `${vectorShortName(e.vector)} while delivering ${vectorShortName(vector)}`, EventKind.Exception, restartRip, depth + 1, chain);
        return;
      }
      this.deliverEvent(e.vector, e.errorCode, e.detail, EventKind.Exception, restartRip, depth + 1, chain);
    }
  }

  /**
   * Shutdown (SDM Vol. 3A §6.15, Interrupt 8): the core stops and the run ends
   * with a report; in VMX non-root operation a triple fault is a VM exit
   * instead (reason 2, SDM Vol. 3C §25.2).
   */
  private tripleFault(chain: Undelivered[], why: string): void {
    const detail = `${describeUndelivered(chain) || 'exception delivery'}${why}: triple fault`;
    if (this.nonRoot) { this.vmx!.tripleFaultExit(detail); return; }
    this.state = RunState.Stopped;
    this.host.stop('triple-fault', this, detail, chain);
  }

  get interruptsEnabled(): boolean { return (this.rflagsRest & IF) !== 0; }

  /** Snapshot used by the CLI's --json and by tests. */
  summary(): { id: number; instructions: number; cycles: number } {
    return { id: this.id, instructions: this.instructions, cycles: this.time };
  }
}

export { ACC_READ, ACC_WRITE, ACC_EXEC, SEG_FS, SEG_GS };
