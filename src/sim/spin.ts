/**
 * Spin detection (docs/architecture.md "Spin detection"): a core polling an unchanged cache line with
 * PAUSE sleeps until the line is written or an interrupt arrives, then
 * resumes at exactly the state and cycle it would have reached by spinning.
 * It is an optimization: cycles, instruction counts and outputs are identical
 * with detection on and off (test/spin.test.ts runs guests both ways).
 *
 * Why it is exact. The tracker watches each iteration between two PAUSEs at
 * the same RIP. When two consecutive iterations are identical — same
 * registers and flags at the PAUSE, one load from the same address of the
 * same value at the same offset, no store, no I/O, no interrupt, same length
 * in ticks (P) and instructions (I) — every later iteration is a copy of the
 * last one for as long as that memory does not change and no interrupt is
 * taken. So iteration k starts at s0 + k·P with the same registers, and its
 * load executes at s0 + k·P + o. The core then sleeps:
 *  - a store to the line by core B in an instruction that started at tB is
 *    first seen by the first iteration whose load is ordered after it in the
 *    global (time, core id) order; the core resumes at that iteration's start
 *    (the instructions before the load touch no memory, so running them late
 *    changes nothing);
 *  - an interrupt arriving at tA resumes the core at the last iteration start
 *    ≤ tA, and the core takes it at the first instruction boundary ≥ tA, as
 *    it would have;
 *  - when the run stops, each sleeper is caught up to the stopping
 *    instruction by running its loop (which has no side effects).
 * Times stay exact because every cost and event time lies on the time grid
 * (src/sim/time.ts); detection refuses to sleep off it. No sleeping happens
 * while anyone listens to retire or mem events, so traces are unchanged.
 */
import { Core, RunState, type SpinHooks } from '../cpu/core.js';
import { IF } from '../cpu/flags.js';
import type { Op } from '../cpu/op.js';
import { applyUnits, type LoopProof } from '../cpu/loopForward.js';
import { nextUp, onGrid, type Tick } from './time.js';

class Tracker {
  rip = NaN;
  /** State at the last PAUSE: time, instructions retired, registers, flags. */
  t0 = 0;
  n0 = 0;
  readonly lo = new Int32Array(16);
  readonly hi = new Int32Array(16);
  flags = 0;
  // The iteration in progress since that PAUSE.
  reads = 0;
  dirty = false;
  readPa = -1;
  readOffset = 0;
  readSize = 0;
  readLo = 0;
  readHi = 0;
  /** Coherence version of the line when it was read (a store by anyone since then changes cache state). */
  readVersion = 0;
  // Summary of the previous complete iteration (NaN: none yet, or not clean).
  prevP = NaN;
  prevI = NaN;
  prevPa = -1;
  prevOffset = NaN;

  reset(): void { this.rip = NaN; this.prevP = NaN; }
}

interface Sleeper {
  core: Core;
  s0: Tick;
  n0: number;
  P: Tick;
  I: number;
  offset: Tick;
  /** The polled line; -1 for a loop sleeper, which polls nothing. */
  line: number;
  rip: number;
  /**
   * A register-only loop (src/cpu/loopForward.ts) rather than a poll: its
   * registers move by a fixed step per unit, it leaves by itself after
   * `proof.units` units (a wake-up event then), and only an interrupt ends
   * it sooner.
   */
  proof: LoopProof | null;
}

/** The memory system's per-line store counter, when it keeps one (the coherence model does). */
function lineVersion(c: Core, pa: number): number {
  const m = c.memsys as unknown as { lineVersion?: (pa: number) => number };
  return m.lineVersion ? m.lineVersion(pa) : 0;
}

export class SpinDetector implements SpinHooks {
  enabled = true;
  /** Counters for the benchmark and the closing note. */
  sleeps = 0;
  skippedIterations = 0;
  private readonly trackers: Tracker[];
  private readonly sleepers = new Map<Core, Sleeper>();
  /** Loop sleeps (src/cpu/loopForward.ts) and the iterations they skipped. */
  loopSleeps = 0;
  loopSkipped = 0;
  /** Loop sleeps begun ahead of a stop or pause and undone by the machine's rewind (Core.loopAhead). */
  loopSleepsRewound = 0;
  /** Schedules a device-queue event (the machine's EventQueue): a loop sleeper's wake-up. */
  schedule: ((tick: Tick, cb: (tick: Tick) => void) => void) | null = null;
  /** Sleepers are being brought up to date: nobody goes to sleep meanwhile. */
  private settling = false;
  /** Number of sleepers watching each 64-byte line of RAM. */
  readonly watch: Uint8Array;

  constructor(cores: Core[], ramBytes: number) {
    this.trackers = cores.map(() => new Tracker());
    this.watch = new Uint8Array(Math.ceil(ramBytes / 64));
  }

  get sleeping(): number { return this.sleepers.size; }

  // ------------------------------------------------------------ tracking

  /** PAUSE executed by `c` (before its cost): returns true if the core went to sleep (the PAUSE then does not retire: it runs again on waking). */
  onPause(c: Core, op: Op): boolean {
    const tr = this.trackers[c.id]!;
    if (!this.enabled || c.host.events.wants.retire || c.host.events.wants.mem) { tr.reset(); c.spinTrack = false; return false; }
    const t = c.time;
    const n = c.instructions;
    const flags = c.getRflags();
    let same = tr.rip === op.rip && !tr.dirty && tr.reads === 1 && flags === tr.flags;
    for (let i = 0; same && i < 16; i++) same = c.lo[i] === tr.lo[i] && c.hi[i] === tr.hi[i];
    // The value the loop read must still be in memory: the next iteration reads the same.
    if (same) same = this.valueUnchanged(c, tr);
    if (same) {
      const P = t - tr.t0, I = n - tr.n0;
      if (P === tr.prevP && I === tr.prevI && tr.readPa === tr.prevPa && tr.readOffset === tr.prevOffset &&
          P > 0 && onGrid(P) && onGrid(t) && onGrid(tr.readOffset)) {
        this.sleep(c, op, { core: c, s0: t, n0: n, P, I, offset: tr.readOffset, line: Math.floor(tr.readPa / 64), rip: op.rip, proof: null });
        return true;
      }
      tr.prevP = P; tr.prevI = I; tr.prevPa = tr.readPa; tr.prevOffset = tr.readOffset;
    } else {
      tr.prevP = NaN;
    }
    tr.rip = op.rip; tr.t0 = t; tr.n0 = n; tr.flags = flags;
    tr.lo.set(c.lo); tr.hi.set(c.hi);
    tr.reads = 0; tr.dirty = false; tr.readPa = -1;
    c.spinTrack = true;
    return false;
  }

  /**
   * The next load must behave exactly like the last: same value, and no store
   * to the line since (a store, even of the same value, changes the line's
   * coherence state, so the next load would miss and cost more).
   */
  private valueUnchanged(c: Core, tr: Tracker): boolean {
    const pa = tr.readPa;
    if (pa < 0 || pa + tr.readSize > c.mem.ramBytes) return false;
    if (lineVersion(c, pa) !== tr.readVersion) return false;
    const dv = c.mem.dv;
    switch (tr.readSize) {
      case 1: return c.mem.u8[pa] === tr.readLo;
      case 2: return dv.getUint16(pa, true) === tr.readLo;
      case 4: return dv.getInt32(pa, true) === tr.readLo;
      default: return dv.getInt32(pa, true) === tr.readLo && dv.getInt32(pa + 4, true) === tr.readHi;
    }
  }

  /** A load by a tracked core (first memory access of its instruction). */
  onRead(c: Core, pa: number, size: number, lo: number, hi: number, tick: Tick): void {
    const tr = this.trackers[c.id]!;
    if (++tr.reads === 1) {
      tr.readPa = pa; tr.readSize = size; tr.readLo = lo; tr.readHi = hi;
      tr.readOffset = tick - tr.t0;
      tr.readVersion = lineVersion(c, pa);
    } else {
      c.spinTrack = false; // a second load: this iteration cannot repeat the last; the next PAUSE tracks again
    }
  }

  /** Anything but a plain load happened in the iteration (store, I/O, interrupt, exception...). */
  onDirty(c: Core): void {
    this.trackers[c.id]!.dirty = true;
    // Nothing more to learn from this iteration: the core's loads and stores go untracked until its next PAUSE
    // (a worker that polled once and then runs a request would otherwise be tracked all along).
    c.spinTrack = false;
  }

  // ------------------------------------------------------------ sleeping

  private sleep(c: Core, op: Op, s: Sleeper): void {
    c.rip = op.rip; // resume on the PAUSE that starts the next iteration
    c.opStart = s.s0; // the machine's position is this PAUSE (the core ran in the untraced loop until now)
    c.state = RunState.Spinning;
    c.spinTrack = false;
    this.trackers[c.id]!.reset();
    this.sleepers.set(c, s);
    this.watch[s.line]!++;
    this.sleeps++;
  }

  /**
   * Sleep through a proven loop (loopForward.ts): the core leaves the
   * scheduler until the proof runs out — an event at that unit's start
   * wakes it there — or an interrupt reaches it. Like a poller's sleep, a
   * stop brings the sleeper up to the exact instruction: every executor
   * records each instruction's start tick (`Core.opStart`).
   */
  loopSleep(c: Core, p: LoopProof): boolean {
    if (this.settling || this.schedule === null) return false;
    const s: Sleeper = { core: c, s0: p.t0, n0: p.n0, P: p.Q, I: p.I, offset: 0, line: -1, rip: p.block.rip, proof: p };
    c.rip = p.block.rip;
    c.opStart = p.t0;
    c.state = RunState.Spinning;
    this.sleepers.set(c, s);
    this.loopSleeps++;
    this.schedule(p.t0 + p.units * p.Q, () => { if (this.sleepers.get(c) === s) this.resume(s, p.units); });
    return true;
  }

  /**
   * A core that fell asleep in a loop while running ahead (Core.loopAhead)
   * goes back to before it ran ahead (Core.rewindAhead, at a pause ordered
   * before the sleep's start): it is no sleeper any more.
   */
  cancelLoopSleep(c: Core): void {
    const s = this.sleepers.get(c);
    if (s === undefined || s.proof === null) throw new Error(`core ${c.id}: only a loop sleep begun while running ahead can be cancelled`);
    this.sleepers.delete(c); // its wake-up event finds no sleeper and does nothing
    c.state = RunState.Running;
    this.loopSleepsRewound++;
  }

  private resume(s: Sleeper, k: number): void {
    const c = s.core;
    this.sleepers.delete(c);
    if (s.proof !== null) {
      k = Math.min(k, s.proof.units);
      applyUnits(c, s.proof, k);
      this.loopSkipped += k * s.proof.m;
    } else {
      this.watch[s.line]!--;
      c.time = s.s0 + k * s.P;
      c.instructions = s.n0 + k * s.I;
      this.skippedIterations += k;
    }
    c.rip = s.rip;
    c.state = RunState.Running;
  }

  /** (t1, id1) comes after (t2, id2) in the global order. */
  private static after(t1: Tick, id1: number, t2: Tick, id2: number): boolean {
    return t1 > t2 || (t1 === t2 && id1 > id2);
  }

  /** `writer` stored to a watched line in an instruction that started at writer.opStart. */
  onWatchedWrite(writer: Core, pa: number): void {
    const line = Math.floor(pa / 64);
    for (const s of [...this.sleepers.values()]) {
      if (s.line !== line) continue;
      const tB = writer.opStart;
      // First iteration k whose load is ordered after the store.
      let k = Math.max(0, Math.floor((tB - s.s0 - s.offset) / s.P));
      while (!SpinDetector.after(s.s0 + k * s.P + s.offset, s.core.id, tB, writer.id)) k++;
      while (k > 0 && SpinDetector.after(s.s0 + (k - 1) * s.P + s.offset, s.core.id, tB, writer.id)) k--;
      this.resume(s, k);
      // The writer must not run past the woken core's next instruction.
      const t = s.core.time;
      writer.lowerLimit(s.core.id < writer.id ? t : nextUp(t));
    }
  }

  /**
   * A device wrote the line (DMA) in an event at `tick`. Events run before
   * any instruction at the same tick, so the first iteration whose load is
   * at or after `tick` sees the new bytes.
   */
  onDeviceWrite(line: number, tick: Tick): void {
    if (this.watch[line] === 0) return;
    for (const s of [...this.sleepers.values()]) {
      if (s.line !== line) continue;
      let k = Math.max(0, Math.ceil((tick - s.s0 - s.offset) / s.P));
      while (k > 0 && s.s0 + (k - 1) * s.P + s.offset >= tick) k--;
      while (s.s0 + k * s.P + s.offset < tick) k++;
      this.resume(s, k);
    }
  }

  /** An interrupt (or NMI) reaches a sleeping core at `tick`: resume at the last iteration start ≤ tick. */
  onInterrupt(c: Core, tick: Tick, nmi: boolean): void {
    const s = this.sleepers.get(c);
    if (!s) return;
    if (!nmi && (c.rflagsRest & IF) === 0) return; // masked: the loop keeps spinning
    const k = Math.max(0, Math.floor((tick - s.s0) / s.P));
    this.resume(s, k);
  }

  /**
   * The run is stopping at the instruction (tick, id): bring every sleeper to
   * the state it would have: all its instructions ordered before that one
   * have run. Its loop has no side effects, so running it now is safe.
   */
  catchUp(tick: Tick, id: number): void {
    const was = this.enabled, wasSettling = this.settling;
    this.enabled = false;
    this.settling = true;
    for (const s of [...this.sleepers.values()]) {
      const k = Math.max(0, Math.floor((tick - s.s0) / s.P));
      this.resume(s, k);
      const c = s.core;
      // A loop sleep that began ahead of the stop (Core.loopAhead) has nothing to run: the
      // machine's rewind takes the core back to before it ran ahead.
      if (SpinDetector.after(c.time, c.id, tick, id)) { if (s.proof !== null) this.loopSleepsRewound++; continue; }
      if (c.id < id) c.run(Infinity, tick); else c.run(tick, Infinity);
    }
    this.enabled = was;
    this.settling = wasSettling;
  }

  /** Wake every sleeper at `tick` (the cycle limit): they run on as plain cores from there. */
  wakeAllAt(tick: Tick): void {
    this.enabled = false; // past this point the run ends at the limit; no more sleeping
    this.settling = true;
    for (const s of [...this.sleepers.values()]) this.resume(s, Math.max(0, Math.floor((tick - s.s0) / s.P)));
  }
}

