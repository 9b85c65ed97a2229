/**
 * The debugger's engine: one machine under observation, run control through
 * the global scheduler, breakpoints / catchpoints / watchpoints, and
 * reverse-step by deterministic replay.
 *
 * Observing never perturbs. Everything here is a listener on the machine's
 * one event stream plus `Machine.requestPause()`, which returns from
 * `runUntilPause()` at the next instruction boundary; the machine's results
 * are the same at any run granularity, so a debugged run has exactly the
 * cycles of an undebugged one (test/debugger.test.ts checks it). Memory and
 * registers are read without side effects (peek.ts).
 *
 * Stop points. Every stop is named by a Position that a fresh machine can be
 * run to from boot: "core c has retired n instructions", "the k-th event of
 * kind K has happened" (counted by the EventLog from boot), or "every core
 * has reached tick T" (a device event the debugger schedules). Reverse-step
 * rebuilds the machine from the same image and options and runs it to the
 * previous stop's Position, then checks a fingerprint of the state recorded
 * at that stop (cycles, instruction counts, RIPs, APIC IRR/ISR).
 */
import { performance } from 'node:perf_hooks';
import { RunState, type Core } from '../cpu/core.js';
import { parseElf, type ElfImage } from '../loader/elf.js';
import type { Profile } from '../profile/schema.js';
import type { EventMap } from '../sim/events.js';
import { Machine, type StopInfo } from '../sim/machine.js';
import { decodeAt } from './disasm.js';
import { EventLog, type LoggedKind } from './eventlog.js';
import { evaluate, checkSyntax, ExprError, type ExprContext } from './expr.js';
import { cyc, hx } from './format.js';
import { readLinear, le, PeekError, translate } from './peek.js';
import { SymbolTable } from './symbols.js';
import { coreStates, describeIpi, fingerprint, registerValue, REGISTER_NAMES, stateName, type CoreState } from './machineState.js';
import { RunCtl } from './runctl.js';
import { describeVmxEvent } from './vmxText.js';
import { CATCH_KINDS, TRANSFER_SOURCES, STEP_EVENT_KINDS, type Position, type CatchKind, type CatchFilter, type Breakpoint, type Catchpoint, type Watchpoint, type Point, type StepEventKind, type Hit, type Stop } from './points.js';
export { CATCH_KINDS, TRANSFER_SOURCES, STEP_EVENT_KINDS, type Position, type CatchKind, type CatchFilter, type Breakpoint, type Catchpoint, type Watchpoint, type Point, type StepEventKind, type Hit, type Stop };


export { coreStates, describeIpi, fingerprint, registerValue, REGISTER_NAMES, stateName, type CoreState };

/** A user mistake in a command: shown as one line, the session goes on. */
export class CommandError extends Error { override name = 'CommandError'; }

export interface SessionOptions {
  cores: number;
  memoryBytes: number;
  profile: Profile;
  maxCycles?: number;
  /** Guest console bytes as they are produced (not during replay). */
  onConsole?: (byte: number) => void;
}

const DEBUG_PRIORITY = -100; // debugger events go first at their tick (gem5's Debug_Break_Pri)

export class DebugSession {
  readonly image: ElfImage;
  readonly symbols: SymbolTable;
  m!: Machine;
  log!: EventLog;
  /** The core commands apply to by default. */
  selected = 0;
  readonly points = new Map<number, Point>();
  private nextPoint = 1;
  /** Stop positions so far (reverse-step walks back along them). */
  history: { position: Position; fingerprint: string; stop: Stop }[] = [];
  lastStop: Stop | null = null;
  /** Guest console output since boot. */
  consoleText = '';
  private commandConsole = '';
  private replaying = false;
  /** Set from outside (the REPL's Ctrl-C) to stop a long run at the next slice. */
  interruptRequested = false;
  /** When set, long runs return to the event loop every few milliseconds (REPL: Ctrl-C works). */
  yieldToHost: (() => Promise<void>) | null = null;
  private sliceTicks = 200_000;
  /** Debugger-owned events pending in the device queue (shown apart in `info events`). */
  internalEvents = 0;
  private ended: StopInfo | null = null;

  constructor(readonly elfBytes: Uint8Array, readonly opts: SessionOptions) {
    this.image = parseElf(elfBytes, { ramBytes: opts.memoryBytes });
    this.symbols = new SymbolTable(this.image.symbols);
    this.boot();
  }

  // ------------------------------------------------------------ machines

  /** A fresh machine at boot, with the event log attached from the first instruction. */
  private boot(): void {
    this.m = new Machine({
      cores: this.opts.cores,
      memoryBytes: this.opts.memoryBytes,
      profile: this.opts.profile,
      maxCycles: this.opts.maxCycles,
      // Cores never sleep in spin loops while debugged: their state is always current.
      // (Detection changes no result; test/debugger.test.ts compares with a run that uses it.)
      spinDetection: false,
      onConsole: (b) => {
        const ch = String.fromCharCode(b);
        this.consoleText += ch;
        if (!this.replaying) { this.commandConsole += ch; this.opts.onConsole?.(b); }
      },
    });
    this.m.boot(this.image);
    this.log = new EventLog(this.m);
    this.consoleText = '';
    this.ended = null;
    this.internalEvents = 0;
  }

  get machine(): Machine { return this.m; }
  get stopped(): StopInfo | null { return this.ended; }

  core(id = this.selected): Core {
    const c = this.m.cores[id];
    if (!c) throw new CommandError(`no core ${id}: the machine has ${this.m.cores.length} core${this.m.cores.length === 1 ? '' : 's'} (0-${this.m.cores.length - 1})`);
    return c;
  }

  /** Earliest clock among running cores: where the machine "is". */
  now(): number { return this.m.now(); }

  // ------------------------------------------------------------ expressions

  exprContext(coreId = this.selected): ExprContext {
    const m = this.m;
    const c = this.core(coreId);
    return {
      register: (name) => registerValue(c, name),
      symbol: (name) => {
        const s = this.symbols.lookup(name);
        return s ? BigInt(s.value) : undefined;
      },
      variable: (name) => {
        switch (name) {
          case 'core': return BigInt(c.id);
          case 'cycle': case 'time': case 'tick': return BigInt(Math.floor(c.time));
          case 'now': return BigInt(Math.floor(this.now()));
          case 'instructions': case 'icount': return BigInt(c.instructions);
          case 'ncores': return BigInt(m.cores.length);
          case 'pc': return registerValue(c, 'rip');
          case 'sp': return registerValue(c, 'rsp');
          default: return registerValue(c, name);
        }
      },
      readMem: (addr, size) => {
        try {
          return le(readLinear(m, c, Number(BigInt.asIntN(64, addr)), size));
        } catch (e) {
          if (e instanceof PeekError) throw new ExprError(`cannot read ${size} bytes at ${hx(addr)}: ${e.message}`);
          throw e;
        }
      },
    };
  }

  /** Evaluate an expression for a core; user errors become CommandError. */
  eval(src: string, coreId = this.selected): bigint {
    try {
      return evaluate(src, this.exprContext(coreId));
    } catch (e) {
      if (e instanceof ExprError) throw new CommandError(`bad expression '${src.trim()}': ${e.message}`);
      throw e;
    }
  }

  /** An address-valued expression as the signed canonical number the machine uses. */
  evalAddress(src: string, coreId = this.selected): number {
    return Number(BigInt.asIntN(64, this.eval(src, coreId)));
  }

  // ------------------------------------------------------------ breakpoints

  addBreak(addrExpr: string, core: number | null, cond: string | null): Breakpoint {
    const addr = this.evalAddress(addrExpr);
    if (core !== null) this.core(core);
    if (cond !== null) this.checkCond(cond);
    const label = this.symbols.label(addr);
    try { translate(this.m, this.core(core ?? this.selected), addr); } catch (e) {
      if (e instanceof PeekError) throw new CommandError(`cannot break at ${hx(addr)}: ${e.message}`);
      throw e;
    }
    const bp: Breakpoint = { id: this.nextPoint++, kind: 'break', addr, where: label ? `${hx(addr)} <${label}>` : hx(addr), core, cond, enabled: true, hits: 0 };
    this.points.set(bp.id, bp);
    return bp;
  }

  addCatch(what: CatchKind, filter: CatchFilter, cond: string | null): Catchpoint {
    if (filter.core !== undefined) this.core(filter.core);
    if (cond !== null) this.checkCond(cond);
    const cp: Catchpoint = { id: this.nextPoint++, kind: 'catch', what, filter, cond, enabled: true, hits: 0 };
    this.points.set(cp.id, cp);
    return cp;
  }

  addWatch(pa: number, len: number, access: 'w' | 'r' | 'rw', where: string, cond: string | null): Watchpoint {
    if (!Number.isFinite(pa) || pa < 0 || pa >= 2 ** 52) throw new CommandError(`${where} is not a physical address`);
    if (!Number.isInteger(len) || len < 1 || len > 1 << 20) throw new CommandError(`watch length ${len} must be 1 to 1048576 bytes`);
    if (cond !== null) this.checkCond(cond);
    const wp: Watchpoint = { id: this.nextPoint++, kind: 'watch', pa, len, access, where, cond, enabled: true, hits: 0 };
    this.points.set(wp.id, wp);
    return wp;
  }

  private checkCond(cond: string): void {
    try { checkSyntax(cond); } catch (e) {
      if (e instanceof ExprError) throw new CommandError(`bad condition '${cond}': ${e.message}`);
      throw e;
    }
  }

  deletePoint(id: number): void {
    if (!this.points.delete(id)) throw new CommandError(`no breakpoint, catchpoint or watchpoint number ${id}`);
  }

  // ------------------------------------------------------------ run control

  private ensureRunnable(): void {
    if (this.ended) throw new CommandError(`the machine has stopped (${this.ended.reason}${this.ended.exitStatus !== null ? `, exit status ${this.ended.exitStatus}` : ''}): use reverse-step or restart`);
  }

  /** Run until a breakpoint, catchpoint or watchpoint fires, or the machine stops. */
  cont(): Promise<Stop> { this.ensureRunnable(); return this.runWith(() => []); }

  /**
   * `count` steps of core `coreId`: an instruction retired, or an interrupt
   * or exception delivered (the core vectoring is a step too, so stepping
   * shows the hardware entering a handler). Other cores run as the global
   * scheduler says; breakpoints on the way stop the step early.
   */
  step(coreId: number, count: number): Promise<Stop> {
    this.ensureRunnable();
    const c = this.core(coreId);
    if (!Number.isInteger(count) || count < 1) throw new CommandError(`step count must be a positive whole number, got ${count}`);
    if (c.state === RunState.Stopped) throw new CommandError(`core ${coreId} is stopped (HLT with interrupts disabled, or shut down): it will not run again`);
    this.selected = coreId;
    return this.runWith((ctl) => {
      let left = count;
      const tick = (pos: () => Position, what: string) => {
        if (--left === 0) ctl.hit({ text: what, kind: 'step', position: pos(), core: coreId });
      };
      return [
        this.m.events.on('retire', (e) => {
          if (e.core === coreId) tick(() => ({ type: 'retire', core: coreId, n: c.instructions }), `step: core ${coreId} executed ${count === 1 ? 'one instruction' : `${count} steps`}`);
          else ctl.noteOther(e.core, e.rip);
        }),
        this.m.events.on('interrupt', (e) => {
          if (e.core === coreId) tick(() => ({ type: 'event', kind: 'interrupt', ordinal: this.log.counts.interrupt }), `step: core ${coreId} took interrupt ${hx(e.vector, 2)}`);
        }),
        this.m.events.on('exception', (e) => {
          if (e.core === coreId) tick(() => ({ type: 'event', kind: 'exception', ordinal: this.log.counts.exception }), `step: core ${coreId} raised ${e.name}`);
        }),
      ];
    });
  }

  /** One instruction of the selected core, stepping over calls. */
  next(coreId: number): Promise<Stop> {
    this.ensureRunnable();
    const c = this.core(coreId);
    this.selected = coreId;
    let insn;
    try { insn = decodeAt(this.m, c, c.rip); } catch { insn = null; }
    if (!insn || insn.flow !== 'call') return this.step(coreId, 1);
    const len = insn.length;
    const ret = c.rip + len;
    const sp = c.rsp();
    return this.runWith((ctl) => [
      this.m.events.on('retire', (e) => {
        if (e.core !== coreId) { ctl.noteOther(e.core, e.rip); return; }
        if (c.rip === ret && c.rsp() >= sp) ctl.hit({ text: `next: core ${coreId} returned from the call at ${hx(ret - len)}`, kind: 'next', position: { type: 'retire', core: coreId, n: c.instructions }, core: coreId });
      }),
    ]);
  }

  /** Run until the current function of core `coreId` returns (a RET or IRET that pops above the current stack pointer). */
  finish(coreId: number): Promise<Stop> {
    this.ensureRunnable();
    const c = this.core(coreId);
    this.selected = coreId;
    const sp0 = c.rsp();
    const fn = this.symbols.label(c.rip).replace(/\+.*/, '') || hx(c.rip);
    const isRet = new Map<number, boolean>();
    return this.runWith((ctl) => [
      this.m.events.on('retire', (e) => {
        if (e.core !== coreId || c.rsp() <= sp0) return;
        let r = isRet.get(e.rip);
        if (r === undefined) {
          try { r = decodeAt(this.m, c, e.rip)?.flow === 'ret'; } catch { r = false; }
          isRet.set(e.rip, r);
        }
        if (r) ctl.hit({ text: `finish: core ${coreId} returned from ${fn}`, kind: 'finish', position: { type: 'retire', core: coreId, n: c.instructions }, core: coreId });
      }),
    ]);
  }

  /** Run until every running core has reached cycle `tick`. */
  until(tick: number): Promise<Stop> {
    this.ensureRunnable();
    if (!Number.isFinite(tick) || tick < 0) throw new CommandError(`cycle ${tick} is not a cycle count`);
    if (tick <= this.now()) throw new CommandError(`cycle ${cyc(tick)} is in the past: the machine is at ${cyc(this.now())}`);
    return this.runWith((ctl) => {
      const h = this.schedule(tick, () => ctl.hit({ text: `until: every running core has reached cycle ${cyc(tick)}`, kind: 'until', position: { type: 'tick', tick }, core: null }));
      return [() => h.cancel()];
    });
  }

  /** Run to the next event of a kind (default: any IPI, interrupt, EOI, exception or HLT). */
  stepEvent(kind: StepEventKind | null): Promise<Stop> {
    this.ensureRunnable();
    const k = kind ?? 'any';
    return this.runWith((ctl) => {
      const subs: (() => void)[] = [];
      const want = (x: StepEventKind) => k === x || (k === 'any' && x !== 'io' && x !== 'sent' && x !== 'accepted' && x !== 'wake' && x !== 'vmentry' && x !== 'posted' && x !== 'vintr');
      const ev = (kindName: LoggedKind, text: string, core: number | null, e: object) => ctl.hit({ text, kind: 'event', position: { type: 'event', kind: kindName, ordinal: this.log.counts[kindName] }, core, event: { kind: kindName, ...e } });
      if (want('ipi') || k === 'sent' || k === 'accepted') {
        subs.push(this.m.events.on('ipi', (e) => {
          if (k === 'sent' && e.phase !== 'sent') return;
          if (k === 'accepted' && e.phase !== 'accepted') return;
          ev('ipi', describeIpi(e), e.phase === 'sent' ? (e.from >= 0 ? e.from : null) : e.to, e);
        }));
      }
      if (want('interrupt')) subs.push(this.m.events.on('interrupt', (e) => ev('interrupt', this.describeInterrupt(e), e.core, e)));
      if (want('eoi')) subs.push(this.m.events.on('eoi', (e) => ev('eoi', `EOI on core ${e.core}: ISR bit ${hx(e.vector, 2)} cleared`, e.core, e)));
      if (want('exception')) subs.push(this.m.events.on('exception', (e) => ev('exception', `core ${e.core} raised ${e.name} (vector ${e.vector}) at ${hx(e.rip)}`, e.core, e)));
      if (want('halt') || k === 'wake') {
        subs.push(this.m.events.on('halt', (e) => {
          if (k === 'halt' && e.woke) return;
          if (k === 'wake' && !e.woke) return;
          ev('halt', e.woke ? `core ${e.core} woke from HLT` : `core ${e.core} executed HLT (${e.interruptsEnabled ? 'waits for an interrupt' : 'interrupts disabled: stops for good'})`, e.core, e);
        }));
      }
      if (k === 'io') subs.push(this.m.events.on('io', (e) => ev('io', `core ${e.core} wrote ${hx(e.value)} to port ${hx(e.port)}`, e.core, e)));
      // VMX: an exit (or a VM-entry failure) is in the default set; entries, posted-interrupt steps and virtual interrupts when named.
      if (want('vmexit')) subs.push(this.m.events.on('vmexit', (e) => ev('vmexit', describeVmxEvent('vmexit', e), e.core, e)));
      if (k === 'vmentry') {
        subs.push(this.m.events.on('vmentry', (e) => ev('vmentry', describeVmxEvent('vmentry', e), e.core, e)));
        subs.push(this.m.events.on('vmentryFail', (e) => ev('vmentryFail', describeVmxEvent('vmentryFail', e), e.core, e)));
      }
      if (k === 'posted') subs.push(this.m.events.on('posted', (e) => ev('posted', describeVmxEvent('posted', e), e.core, e)));
      if (k === 'vintr') subs.push(this.m.events.on('vintr', (e) => ev('vintr', describeVmxEvent('vintr', e), e.core, e)));
      if (k === 'line') {
        // A transfer happens inside an instruction: the stop is at the end of that instruction.
        const pending: (Hit | null)[] = this.m.cores.map(() => null);
        subs.push(this.m.events.on('line', (e) => {
          if (!TRANSFER_SOURCES.has(e.source) || pending[e.core]) return;
          pending[e.core] = { text: lineText(this, e), kind: 'event', position: { type: 'boot' }, core: e.core, event: { ...e, access: e.kind, kind: 'line' } };
        }));
        subs.push(this.m.events.on('retire', (e) => {
          const h = pending[e.core];
          if (!h) return;
          pending[e.core] = null;
          h.position = { type: 'retire', core: e.core, n: this.m.cores[e.core]!.instructions };
          ctl.hit(h);
        }));
      }
      return subs;
    });
  }

  describeInterrupt(e: EventMap['interrupt']): string {
    const target = this.gateTarget(e.core, e.vector);
    const where = target === null ? '' : ` → ${hx(target)}${this.symbols.label(target) ? ` <${this.symbols.label(target)}>` : ''}`;
    return `core ${e.core} takes interrupt ${hx(e.vector, 2)} (IRR → ISR, vectors through its IDT)${where}`;
  }

  /** Where the IDT gate for `vector` on core `coreId` points (read-only), or null. */
  gateTarget(coreId: number, vector: number): number | null {
    const c = this.m.cores[coreId]!;
    if (vector * 16 + 15 > c.idtrLimit) return null;
    try {
      const g = readLinear(this.m, c, c.idtrBase + vector * 16, 16);
      const lo = g[0]! | (g[1]! << 8), mid = g[6]! | (g[7]! << 8);
      const hi = (g[8]! | (g[9]! << 8) | (g[10]! << 16) | (g[11]! << 24)) | 0;
      return hi * 4294967296 + (((mid << 16) | lo) >>> 0);
    } catch { return null; }
  }

  /**
   * The run loop shared by every run-control command: installs the user's
   * points and the command's own triggers, runs until a confirmed hit or
   * the end, and records the stop.
   */
  private async runWith(triggers: (ctl: RunCtl) => (() => void)[]): Promise<Stop> {
    const before = coreStates(this.m);
    this.commandConsole = '';
    const ctl = new RunCtl(this.m);
    const subs = [...this.installPoints(ctl), ...triggers(ctl)];
    let end: StopInfo | null = null;
    let confirmed: Hit[] = [];
    try {
      for (;;) {
        const slice = this.yieldToHost ? this.armSlice(ctl) : null;
        const t0 = performance.now();
        end = this.m.runUntilPause();
        const hits = ctl.take();
        confirmed = hits.filter((h) => {
          if (h.point && h.point.cond !== null) {
            const coreId = h.core ?? this.selected;
            let ok: boolean;
            try { ok = this.eval(h.point.cond, coreId) !== 0n; } catch (e) {
              // A condition that cannot be evaluated stops the run and says why.
              h.text += ` (condition '${h.point.cond}' failed: ${(e as Error).message})`;
              ok = true;
            }
            if (!ok) return false;
          }
          return !h.confirm || h.confirm();
        });
        if (slice) slice.cancel();
        if (end !== null || confirmed.length > 0) break;
        if (slice && slice.fired) {
          const took = performance.now() - t0;
          if (took < 15) this.sliceTicks = Math.min(this.sliceTicks * 2, 1e12);
          else if (took > 60) this.sliceTicks = Math.max(this.sliceTicks / 2, 1000);
          if (this.interruptRequested) {
            this.interruptRequested = false;
            confirmed = [{ text: `interrupted (Ctrl-C): every running core has reached cycle ${cyc(slice.tick)}`, kind: 'interrupted', position: { type: 'tick', tick: slice.tick }, core: null }];
            break;
          }
          await this.yieldToHost!();
        }
      }
    } finally {
      for (const u of subs) u();
    }
    for (const h of confirmed) if (h.point) h.point.hits++;
    if (end !== null) this.ended = end;
    const position: Position = end !== null ? { type: 'end' } : confirmed[0]!.position;
    const primary = confirmed[0];
    if (primary && primary.core !== null && primary.core >= 0) this.selected = primary.core;
    else if (end !== null && end.core !== null) this.selected = end.core;
    const stop: Stop = {
      kind: end !== null ? 'end' : primary!.kind,
      hits: confirmed,
      end,
      position,
      fingerprint: fingerprint(this.m),
      core: primary?.core ?? end?.core ?? null,
      before,
      meanwhile: ctl.meanwhile,
      console: this.commandConsole,
      replayed: false,
    };
    this.history.push({ position, fingerprint: stop.fingerprint, stop });
    this.lastStop = stop;
    return stop;
  }

  /** Listeners for the user's enabled breakpoints, catchpoints and watchpoints. */
  private installPoints(ctl: RunCtl): (() => void)[] {
    const m = this.m;
    const subs: (() => void)[] = [];
    const pts = [...this.points.values()].filter((p) => p.enabled);
    const breaks = pts.filter((p): p is Breakpoint => p.kind === 'break');
    const catches = pts.filter((p): p is Catchpoint => p.kind === 'catch');
    const watches = pts.filter((p): p is Watchpoint => p.kind === 'watch');
    const byAddr = new Map<number, Breakpoint[]>();
    for (const b of breaks) { const l = byAddr.get(b.addr); if (l) l.push(b); else byAddr.set(b.addr, [b]); }
    const bpText = (b: Breakpoint, coreId: number) => `breakpoint ${b.id}: core ${coreId} at ${b.where}`;

    // Watchpoints stop at the end of the instruction that made the access (a REP string op included).
    const pendingWatch: (Hit | null)[] = m.cores.map(() => null);
    const lines = catches.filter((p) => p.what === 'line');
    if (lines.length > 0) {
      subs.push(m.events.on('line', (e) => {
        if (!TRANSFER_SOURCES.has(e.source) || pendingWatch[e.core]) return;
        for (const p of lines) {
          if (p.filter.addr !== undefined && Math.floor(p.filter.addr / 64) !== Math.floor(e.pa / 64)) continue;
          if (p.filter.core !== undefined && p.filter.core !== e.core) continue;
          pendingWatch[e.core] = { text: `catchpoint ${p.id}: ${lineText(this, e)}`, kind: 'catchpoint', position: { type: 'boot' }, core: e.core, point: p, event: { ...e, access: e.kind, kind: 'line' } };
          break;
        }
      }));
    }
    if (watches.length > 0) {
      subs.push(m.events.on('mem', (e) => {
        for (const w of watches) {
          if (e.pa + e.size <= w.pa || e.pa >= w.pa + w.len) continue;
          if (w.access === 'w' && !e.write) continue;
          if (w.access === 'r' && e.write) continue;
          if (pendingWatch[e.core] === null) {
            pendingWatch[e.core] = { text: `watchpoint ${w.id}: core ${e.core} ${e.write ? 'wrote' : 'read'} ${e.size} byte${e.size === 1 ? '' : 's'} at physical ${hx(e.pa)} (${w.where})`, kind: 'watchpoint', position: { type: 'boot' }, core: e.core, point: w, event: { kind: 'mem', ...e } };
          }
        }
      }));
    }
    if (byAddr.size > 0 || watches.length > 0 || lines.length > 0) {
      subs.push(m.events.on('retire', (e) => {
        const c = m.cores[e.core]!;
        const pw = pendingWatch[e.core];
        if (pw) {
          pendingWatch[e.core] = null;
          pw.position = { type: 'retire', core: e.core, n: c.instructions };
          ctl.hit(pw);
        }
        const list = byAddr.get(c.rip);
        if (list) {
          for (const b of list) {
            if (b.core !== null && b.core !== e.core) continue;
            ctl.hit({ text: bpText(b, e.core), kind: 'breakpoint', position: { type: 'retire', core: e.core, n: c.instructions }, core: e.core, point: b });
          }
        }
      }));
    }
    // A breakpoint on a handler's first instruction is reached by vectoring, not by a retire.
    const gateBreak = (coreId: number, vector: number, pos: () => Position) => {
      if (byAddr.size === 0) return;
      const target = this.gateTarget(coreId, vector);
      if (target === null) return;
      for (const b of byAddr.get(target) ?? []) {
        if (b.core !== null && b.core !== coreId) continue;
        ctl.hit({ text: bpText(b, coreId) + ` (entered through IDT vector ${hx(vector, 2)})`, kind: 'breakpoint', position: pos(), core: coreId, point: b });
      }
    };
    const ofKind = (w: CatchKind) => catches.filter((p) => p.what === w);
    const vecOk = (f: CatchFilter, v: number) => f.vector === undefined || f.vector === v;
    const coreOk = (f: CatchFilter, cid: number) => f.core === undefined || f.core === cid;
    const cpHit = (p: Catchpoint, text: string, kind: LoggedKind, core: number | null, e: object) =>
      ctl.hit({ text: `catchpoint ${p.id}: ${text}`, kind: 'catchpoint', position: { type: 'event', kind, ordinal: this.log.counts[kind] }, core, point: p, event: { kind, ...e } });

    const ipis = ofKind('ipi');
    if (ipis.length > 0) {
      subs.push(m.events.on('ipi', (e) => {
        for (const p of ipis) {
          const f = p.filter;
          if (f.phase !== undefined && f.phase !== e.phase) continue;
          if (f.from !== undefined && f.from !== e.from) continue;
          if (f.to !== undefined && f.to !== e.to) continue;
          if (!vecOk(f, e.vector)) continue;
          cpHit(p, describeIpi(e), 'ipi', e.phase === 'sent' ? (e.from >= 0 ? e.from : null) : e.to, e);
        }
      }));
    }
    const ints = ofKind('interrupt');
    subs.push(m.events.on('interrupt', (e) => {
      for (const p of ints) if (vecOk(p.filter, e.vector) && coreOk(p.filter, e.core)) cpHit(p, this.describeInterrupt(e), 'interrupt', e.core, e);
      gateBreak(e.core, e.vector, () => ({ type: 'event', kind: 'interrupt', ordinal: this.log.counts.interrupt }));
    }));
    const excs = ofKind('exception');
    subs.push(m.events.on('exception', (e) => {
      for (const p of excs) if (vecOk(p.filter, e.vector) && coreOk(p.filter, e.core)) cpHit(p, `core ${e.core} raised ${e.name} (vector ${e.vector}) at ${hx(e.rip)}${e.errorCode !== null ? `, error code ${hx(e.errorCode)}` : ''}`, 'exception', e.core, e);
      gateBreak(e.core, e.vector, () => ({ type: 'event', kind: 'exception', ordinal: this.log.counts.exception }));
    }));
    const eois = ofKind('eoi');
    if (eois.length > 0) {
      subs.push(m.events.on('eoi', (e) => {
        for (const p of eois) if (vecOk(p.filter, e.vector) && coreOk(p.filter, e.core)) cpHit(p, `EOI on core ${e.core}: ISR bit ${hx(e.vector, 2)} cleared`, 'eoi', e.core, e);
      }));
    }
    const halts = ofKind('halt'), wakes = ofKind('wake');
    if (halts.length + wakes.length > 0) {
      subs.push(m.events.on('halt', (e) => {
        for (const p of e.woke ? wakes : halts) {
          if (!coreOk(p.filter, e.core)) continue;
          cpHit(p, e.woke ? `core ${e.core} woke from HLT` : `core ${e.core} executed HLT${e.interruptsEnabled ? '' : ' with interrupts disabled'}`, 'halt', e.core, e);
        }
      }));
    }
    const ios = ofKind('io');
    if (ios.length > 0) {
      subs.push(m.events.on('io', (e) => {
        for (const p of ios) {
          if (p.filter.port !== undefined && p.filter.port !== e.port) continue;
          if (!coreOk(p.filter, e.core)) continue;
          cpHit(p, `core ${e.core} wrote ${hx(e.value)} to port ${hx(e.port)}`, 'io', e.core, e);
        }
      }));
    }
    const vmexits = ofKind('vmexit');
    if (vmexits.length > 0) {
      subs.push(m.events.on('vmexit', (e) => {
        for (const p of vmexits) {
          if (p.filter.reason !== undefined && p.filter.reason !== e.reason) continue;
          if (coreOk(p.filter, e.core)) cpHit(p, describeVmxEvent('vmexit', e), 'vmexit', e.core, e);
        }
      }));
    }
    const vmentries = ofKind('vmentry');
    if (vmentries.length > 0) {
      subs.push(m.events.on('vmentry', (e) => {
        for (const p of vmentries) if (coreOk(p.filter, e.core)) cpHit(p, describeVmxEvent('vmentry', e), 'vmentry', e.core, e);
      }));
      subs.push(m.events.on('vmentryFail', (e) => {
        for (const p of vmentries) if (coreOk(p.filter, e.core)) cpHit(p, describeVmxEvent('vmentryFail', e), 'vmentryFail', e.core, e);
      }));
    }
    const posteds = ofKind('posted');
    if (posteds.length > 0) {
      subs.push(m.events.on('posted', (e) => {
        for (const p of posteds) {
          if (p.filter.step !== undefined && p.filter.step !== e.step) continue;
          if (coreOk(p.filter, e.core)) cpHit(p, describeVmxEvent('posted', e), 'posted', e.core, e);
        }
      }));
    }
    return subs;
  }

  /** A debugger-owned device event at `tick` (goes before the machine's own events at that tick). */
  private schedule(tick: number, fn: () => void): { cancel(): void } {
    let live = true;
    this.internalEvents++;
    this.m.queue.schedule(tick, () => { this.internalEvents--; if (live) fn(); }, DEBUG_PRIORITY, 'debugger timer');
    return { cancel: () => { live = false; } };
  }

  /** A pause every few milliseconds of host time, so that the REPL stays responsive (Ctrl-C). */
  private armSlice(ctl: RunCtl): { fired: boolean; tick: number; cancel(): void } | null {
    const m = this.m;
    if (m.queue.length - this.internalEvents === 0 && !m.cores.some((c) => c.state === RunState.Running)) return null;
    const tick = Math.max(this.now(), ...m.cores.map((c) => (c.state === RunState.Running ? c.time : 0))) + this.sliceTicks;
    const s = { fired: false, tick, cancel: () => {} };
    const h = this.schedule(tick, () => { s.fired = true; ctl.pauseOnly(); });
    s.cancel = h.cancel;
    return s;
  }

  // ------------------------------------------------------------ replay

  /** Back to the state at boot (breakpoints and displays stay). */
  restart(): void {
    this.boot();
    this.history = [];
    this.lastStop = null;
    this.selected = 0;
  }

  /**
   * Go back `n` stops: a fresh machine from the same image runs to the
   * earlier stop's position; its state must match what was recorded there.
   */
  reverseStep(n = 1): Stop | null {
    if (!Number.isInteger(n) || n < 1) throw new CommandError(`reverse-step count must be a positive whole number, got ${n}`);
    if (this.history.length === 0) throw new CommandError('nothing to go back to: the machine is at boot');
    const keep = Math.max(0, this.history.length - n);
    const target = keep > 0 ? this.history[keep - 1]! : null;
    const selected = this.selected;
    this.boot();
    this.replaying = true;
    try {
      if (target) this.replayTo(target.position);
    } finally {
      this.replaying = false;
    }
    this.history = this.history.slice(0, keep);
    if (target === null) { this.lastStop = null; this.selected = Math.min(selected, this.m.cores.length - 1); return null; }
    const fp = fingerprint(this.m);
    if (fp !== target.fingerprint) throw new Error(`replay diverged: the machine's state at ${JSON.stringify(target.position)} differs from the recorded one (the emulator is not deterministic here; please report)`);
    const stop: Stop = { ...target.stop, replayed: true, console: '' };
    this.lastStop = stop;
    this.selected = stop.core ?? selected;
    return stop;
  }

  /** Run this (fresh) machine to a recorded position. */
  private replayTo(p: Position): void {
    const m = this.m;
    const pause = () => m.requestPause();
    let unsub: (() => void) | null = null;
    switch (p.type) {
      case 'boot': return;
      case 'end': this.ended = m.run(); return;
      case 'retire': {
        const c = m.cores[p.core]!;
        unsub = m.events.on('retire', (e) => { if (e.core === p.core && c.instructions === p.n) pause(); });
        break;
      }
      case 'event': {
        const kind = p.kind;
        unsub = m.events.on(kind, () => { if (this.log.counts[kind] === p.ordinal) pause(); });
        break;
      }
      case 'tick': this.schedule(p.tick, pause); break;
    }
    try {
      const end = m.runUntilPause();
      if (end !== null) throw new Error(`replay ended (${end.reason}) before reaching ${JSON.stringify(p)}`);
    } finally {
      unsub?.();
    }
  }
}

function lineText(s: DebugSession, e: EventMap['line']): string {
  const from = e.source === 'remoteModified' ? "another core's Modified copy" : e.source === 'remoteClean' ? "another core's clean copy" : 'the other socket';
  const label = s.symbols.label(e.pa);
  return `line ${hx(e.pa)}${label ? ` <${label}>` : ''} moved to core ${e.core} (${e.kind}) from ${from}, ${cyc(e.cost)} cycles`;
}
