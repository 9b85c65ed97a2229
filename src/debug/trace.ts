/**
 * Chrome Trace Event JSON (the format Perfetto opens) from the machine's
 * event stream.
 *
 * Tracks: one thread per core, the interrupt bus (one lane per overlapping
 * message, so slices nest), the I/O APIC and the console. Time: 1 cycle
 * (TSC tick) = 1 ns, so `ts` = floor(tick) / 1000 µs; exact cycles are in
 * every event's args.
 *   - slices (X): an interrupt handler from vectoring to its EOI, HLT
 *     periods, each IPI on the bus from the ICR write to its arrival, and a
 *     zero-length "send" slice on the sender at the ICR write;
 *   - instants (i): IRR set on acceptance, EOI, exceptions, console lines,
 *     the guest's exit, the machine's stop;
 *   - a counter (C) of IPIs in flight;
 *   - flow arrows (flow v2: bind_id + flow_out / flow_in) from each IPI's
 *     send, along the bus, into the handler it caused.
 * VMX: VM exits and VM entries are slices on their core (from the start of
 * the hardware sequence to the first instruction after it); each core that
 * enters a guest gets a second track, "core N: VMX non-root", with one slice
 * per stay in the guest (entry done → next exit begins), so root and
 * non-root time per core read off the timeline (totals in otherData).
 * Posted-interrupt processing is a slice from the acknowledge of the
 * notification vector to the evaluation (§29.6 steps 1–7, PIR vectors in its
 * args) instead of an interrupt handler, and a virtually delivered interrupt
 * is a slice from its delivery to its virtualized EOI. The notification IPI's
 * flow goes on from the sender's ICR write (after its PIR write), along the
 * bus, into the posted-interrupt processing, into the virtual interrupt it
 * made pending. EPT violations, VM-entry failures and self-IPIs are instants.
 * A window [from, to] keeps only what overlaps it (spans are clipped), so a
 * long run gives a small file. The builder only listens: tracing changes
 * nothing, and costs nothing when no one traces.
 */
import type { EventMap } from '../sim/events.js';
import type { Machine, StopInfo } from '../sim/machine.js';
import { LOGGED_KINDS, type LogRecord, type LoggedKind } from './eventlog.js';
import { vectorsOf } from './format.js';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M' | 'C';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
  bind_id?: number;
  flow_in?: boolean;
  flow_out?: boolean;
}

export interface TraceJson {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, string | number>;
}

export interface TraceStats { ipis: number; flows: number; interrupts: number; slices: number; instants: number; vmExits: number; vmEntries: number; posted: number; }

export interface TraceOptions { from?: number; to?: number; title?: string; }

const PID = 1;
const TID_IOAPIC = 900;
const TID_CONSOLE = 901;
const TID_BUS = 1000;
/** Core N's VMX non-root track. */
const TID_GUEST = 2000;

interface Slice { tid: number; name: string; cat: string; start: number; end: number; args: Record<string, unknown>; }
interface IpiFlow { id: number; parts: Slice[]; }

const vec = (v: number) => '0x' + v.toString(16).padStart(2, '0');
const hex = (v: number) => '0x' + v.toString(16);
const ns = (tick: number) => Math.floor(tick);
const us = (n: number) => n / 1000;

/**
 * Builds the trace from events fed in stream order (`add`), live from a
 * machine (`attach`) or from a debugger session's EventLog records.
 */
export class TraceBuilder {
  private readonly from: number;
  private readonly to: number;
  private readonly slices: Slice[] = [];
  private readonly instants: TraceEvent[] = [];
  private readonly counters: TraceEvent[] = [];
  private readonly flows: IpiFlow[] = [];
  private readonly openHandlers: { vector: number; start: number; flow: IpiFlow | null }[][];
  private readonly openHalt: ({ start: number; stopped: boolean } | null)[];
  /** IPIs accepted and not yet vectored, by "core:vector". */
  private readonly accepted = new Map<string, IpiFlow[]>();
  /** IPIs sent and not yet accepted, by "core:vector:arrival". */
  private readonly onBus = new Map<string, IpiFlow[]>();
  private inFlight = 0;
  private nextIpi = 0;
  private lanes: number[] = [];
  private usedLanes = 0;
  private lineBuf = '';
  private lineStart = 0;
  private readonly stats: TraceStats = { ipis: 0, flows: 0, interrupts: 0, slices: 0, instants: 0, vmExits: 0, vmEntries: 0, posted: 0 };
  /** Per core: since when it is in VMX non-root operation (null: root). */
  private readonly guestSince: (number | null)[];
  /** Cycles each core spent in VMX non-root operation (closed stays). */
  private readonly nonRootCycles: number[];
  /** Per core: the posted-interrupt processing under way (from the notification's acknowledge). */
  private readonly openPosted: ({ start: number; vector: number; pid: number; flow: IpiFlow | null; pir: number[] } | null)[];
  /** Per core: virtual interrupts made pending by a posted notification, by vector, with the flow that carried them. */
  private readonly postedVirtual: Map<number, IpiFlow>[];
  /** Per core: virtual interrupts being serviced (delivered, not yet EOI-virtualized). */
  private readonly openVirtual: { vector: number; start: number; flow: IpiFlow | null }[][];
  private unsub: (() => void)[] = [];

  constructor(readonly cores: number, opts: TraceOptions = {}, private readonly title = opts.title ?? 'shinjuku-emu') {
    this.from = opts.from ?? 0;
    this.to = opts.to ?? Infinity;
    this.openHandlers = Array.from({ length: cores }, () => []);
    this.openHalt = Array.from({ length: cores }, () => null);
    this.guestSince = Array.from({ length: cores }, () => null);
    this.nonRootCycles = Array.from({ length: cores }, () => 0);
    this.openPosted = Array.from({ length: cores }, () => null);
    this.postedVirtual = Array.from({ length: cores }, () => new Map());
    this.openVirtual = Array.from({ length: cores }, () => []);
  }

  /** Listen to a machine's event stream from now on. */
  attach(m: Machine): this {
    let seq = 0;
    for (const kind of LOGGED_KINDS) {
      this.unsub.push(m.events.on(kind, (e: EventMap[typeof kind]) => this.add({ kind, seq: seq++, e } as LogRecord)));
    }
    return this;
  }

  detach(): void { for (const u of this.unsub.splice(0)) u(); }

  private inWindow(t: number): boolean { return t >= this.from && t <= this.to; }

  private instant(tid: number, tick: number, name: string, cat: string, args: Record<string, unknown>, scope: 't' | 'g' = 't'): void {
    if (!this.inWindow(tick)) return;
    this.instants.push({ name, cat, ph: 'i', s: scope, pid: PID, tid, ts: us(ns(tick)), args: { cycle: tick, ...args } });
  }

  private slice(s: Slice): Slice | null {
    if (s.end < this.from || s.start > this.to) return null;
    this.slices.push(s);
    return s;
  }

  add(r: LogRecord | { kind: LoggedKind; e: unknown }): void {
    const rec = r as LogRecord;
    switch (rec.kind) {
      case 'ipi': return this.ipi(rec.e);
      case 'interrupt': return this.interrupt(rec.e);
      case 'eoi': return this.eoi(rec.e);
      case 'exception': {
        const e = rec.e;
        this.instant(e.core, e.tick, `exception ${e.name}`, 'exception', { vector: e.vector, rip: '0x' + e.rip.toString(16), errorCode: e.errorCode });
        return;
      }
      case 'halt': return this.halt(rec.e);
      case 'io': return this.io(rec.e);
      case 'stop': {
        this.flushLine(rec.e.tick);
        this.instant(TID_CONSOLE, rec.e.tick, `machine stop: ${rec.e.reason}`, 'machine', { reason: rec.e.reason, detail: rec.e.detail }, 'g');
        return;
      }
      case 'vmexit': return this.vmexit(rec.e);
      case 'vmentry': return this.vmentry(rec.e);
      case 'vmentryFail': {
        const e = rec.e;
        this.instant(e.core, e.tick, `VM entry failed: VMfailValid(${e.error})`, 'vmx', { error: e.error, rule: e.rule });
        return;
      }
      case 'eptViolation': {
        const e = rec.e;
        this.instant(e.core, e.tick, `EPT ${e.misconfig ? 'misconfiguration' : 'violation'} at ${hex(e.gpa)}`, 'vmx', { gpa: hex(e.gpa), gla: e.gla === null ? null : hex(e.gla), qualification: hex(e.qualification), rip: hex(e.rip) });
        return;
      }
      case 'posted': return this.posted(rec.e);
      case 'vintr': return this.vintr(rec.e);
    }
  }

  private vmexit(e: EventMap['vmexit']): void {
    this.stats.vmExits++;
    const since = this.guestSince[e.core];
    if (since !== null && since !== undefined) {
      this.slice({ tid: TID_GUEST + e.core, name: 'guest (VMX non-root)', cat: 'vmx', start: since, end: e.tick, args: { cycle: since, end_cycle: e.tick, cycles: e.tick - since, exit_reason: e.name } });
      this.nonRootCycles[e.core]! += e.tick - since;
      this.guestSince[e.core] = null;
    }
    const name = e.entryFailure ? `VM-entry failure: ${e.name}` : `VM exit: ${e.name}`;
    this.slice({
      tid: e.core, name, cat: 'vmx', start: e.tick, end: e.end,
      args: { reason: e.reason, qualification: hex(e.qualification), guest_rip: e.guestRip === null ? null : hex(e.guestRip), gpa: e.gpa === null ? null : hex(e.gpa), cycle: e.tick, end_cycle: e.end, cycles: e.end - e.tick, ...(e.entryFailure ? { detail: e.detail } : {}) },
    });
  }

  private vmentry(e: EventMap['vmentry']): void {
    this.stats.vmEntries++;
    this.slice({ tid: e.core, name: e.launch ? 'VM entry (VMLAUNCH)' : 'VM entry (VMRESUME)', cat: 'vmx', start: e.tick, end: e.end, args: { guest_rip: hex(e.rip), vpid: e.vpid, cycle: e.tick, end_cycle: e.end, cycles: e.end - e.tick } });
    this.guestSince[e.core] = e.end;
  }

  private posted(e: EventMap['posted']): void {
    const core = e.core;
    if (e.step === 'notification') {
      this.stats.posted++;
      // The acknowledge opened a handler for the notification vector: the processing takes its place (and its flow).
      const stack = this.openHandlers[core]!;
      let flow: IpiFlow | null = null;
      let start = e.tick;
      const top = stack[stack.length - 1];
      if (top && top.vector === e.vector) { stack.pop(); flow = top.flow; start = top.start; }
      this.openPosted[core] = { start, vector: e.vector, pid: e.pid, flow, pir: [] };
      return;
    }
    const p = this.openPosted[core];
    if (!p) return;
    if (e.step === 'pir-to-virr') {
      p.pir = vectorsOf(e.pir ?? []);
      // The first of these vectors to be delivered carries the notification's flow on.
      if (p.flow) for (const v of p.pir) if (!this.postedVirtual[core]!.has(v)) { this.postedVirtual[core]!.set(v, p.flow); break; }
      return;
    }
    if (e.step !== 'evaluate') return;
    this.openPosted[core] = null;
    const s = this.slice({
      tid: core, name: `posted-interrupt processing (notification ${vec(p.vector)})`, cat: 'posted', start: p.start, end: e.tick,
      args: { notification_vector: vec(p.vector), descriptor: hex(p.pid), pir: p.pir.map(vec), rvi: vec(e.rvi), recognized: e.recognized, cycle: p.start, end_cycle: e.tick, cycles: e.tick - p.start },
    });
    if (s && p.flow) p.flow.parts.push(s);
  }

  private vintr(e: EventMap['vintr']): void {
    const core = e.core;
    switch (e.phase) {
      case 'delivered': {
        const m = this.postedVirtual[core]!;
        const flow = m.get(e.vector) ?? null;
        m.delete(e.vector);
        this.openVirtual[core]!.push({ vector: e.vector, start: e.tick, flow });
        return;
      }
      case 'eoi': {
        const stack = this.openVirtual[core]!;
        let i = stack.length - 1;
        while (i >= 0 && stack[i]!.vector !== e.vector) i--;
        if (i >= 0) for (const h of stack.splice(i).reverse()) this.closeVirtual(core, h, e.tick, h.vector === e.vector);
        this.instant(core, e.tick, `virtual EOI (SVI ${vec(e.vector)} → ${vec(e.svi)})`, 'vmx', { vector: vec(e.vector), rvi: vec(e.rvi), svi: vec(e.svi), vppr: vec(e.vppr) });
        return;
      }
      case 'self-ipi':
        this.instant(core, e.tick, `virtual self-IPI ${vec(e.vector)}`, 'vmx', { vector: vec(e.vector), rvi: vec(e.rvi) });
        return;
      default:
        return;
    }
  }

  private closeVirtual(core: number, h: { vector: number; start: number; flow: IpiFlow | null }, end: number, eoi: boolean): void {
    const s = this.slice({ tid: core, name: `virtual interrupt ${vec(h.vector)}`, cat: 'vmx', start: h.start, end, args: { vector: vec(h.vector), cycle: h.start, end_cycle: end, cycles: end - h.start, eoi } });
    if (s && h.flow) h.flow.parts.push(s);
  }

  private ipi(e: EventMap['ipi']): void {
    if (e.phase === 'sent') {
      const f: IpiFlow = { id: ++this.nextIpi, parts: [] };
      this.stats.ipis++;
      const from = e.from >= 0 ? `core ${e.from}` : 'I/O APIC';
      const args = { vector: vec(e.vector), from: e.from, to: e.to, cycle: e.tick, arrival_cycle: e.arrival, latency_cycles: e.arrival - e.tick };
      // The ICR write (or I/O APIC message) on the sender: a zero-length slice the arrow starts from.
      const sender = this.slice({ tid: e.from >= 0 ? e.from : TID_IOAPIC, name: `send IPI ${vec(e.vector)} → core ${e.to}`, cat: 'ipi', start: e.tick, end: e.tick, args });
      if (sender) f.parts.push(sender);
      // On the bus from send to arrival, one lane per overlapping message.
      let lane = this.lanes.findIndex((free) => free <= e.tick);
      if (lane < 0) { lane = this.lanes.length; this.lanes.push(0); }
      this.lanes[lane] = e.arrival + 1e-9;
      const bus = this.slice({ tid: TID_BUS + lane, name: `IPI ${vec(e.vector)} ${from} → core ${e.to}`, cat: 'ipi', start: e.tick, end: e.arrival, args });
      if (bus) { f.parts.push(bus); this.usedLanes = Math.max(this.usedLanes, lane + 1); }
      this.flows.push(f);
      const key = `${e.to}:${e.vector}:${e.arrival}`;
      const l = this.onBus.get(key); if (l) l.push(f); else this.onBus.set(key, [f]);
      this.inFlight++;
      if (this.inWindow(e.tick)) this.counters.push({ name: 'interrupt bus', ph: 'C', pid: PID, ts: us(ns(e.tick)), args: { 'IPIs in flight': this.inFlight } });
      return;
    }
    const key = `${e.to}:${e.vector}:${e.tick}`;
    const f = this.onBus.get(key)?.shift() ?? null;
    if (f) {
      const k = `${e.to}:${e.vector}`;
      const l = this.accepted.get(k); if (l) l.push(f); else this.accepted.set(k, [f]);
    }
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.instant(e.to, e.tick, `IRR[${vec(e.vector)}] ← 1 (IPI accepted)`, 'apic', { vector: vec(e.vector), from: e.from });
    if (this.inWindow(e.tick)) this.counters.push({ name: 'interrupt bus', ph: 'C', pid: PID, ts: us(ns(e.tick)), args: { 'IPIs in flight': this.inFlight } });
  }

  private interrupt(e: EventMap['interrupt']): void {
    this.stats.interrupts++;
    if (e.vector < 32) {
      // NMI: no ISR bit and no EOI; an instant.
      this.instant(e.core, e.tick, `NMI (vector ${e.vector})`, 'interrupt', { vector: e.vector });
      return;
    }
    const f = this.accepted.get(`${e.core}:${e.vector}`)?.shift() ?? null;
    this.openHandlers[e.core]!.push({ vector: e.vector, start: e.tick, flow: f });
  }

  private eoi(e: EventMap['eoi']): void {
    const stack = this.openHandlers[e.core]!;
    let i = stack.length - 1;
    while (i >= 0 && stack[i]!.vector !== e.vector) i--;
    if (i >= 0) {
      // Handlers nest: EOI clears the highest ISR bit, which is the innermost handler.
      const inner = stack.splice(i);
      const h = inner[0]!;
      for (const x of inner.slice(1)) this.closeHandler(e.core, x, e.tick, false);
      this.closeHandler(e.core, h, e.tick, true);
    }
    this.instant(e.core, e.tick, `EOI (ISR[${vec(e.vector)}] ← 0)`, 'apic', { vector: vec(e.vector) });
  }

  private closeHandler(core: number, h: { vector: number; start: number; flow: IpiFlow | null }, end: number, eoi: boolean): void {
    const s = this.slice({ tid: core, name: `interrupt ${vec(h.vector)}`, cat: 'interrupt', start: h.start, end, args: { vector: vec(h.vector), cycle: h.start, end_cycle: end, cycles: end - h.start, eoi } });
    if (s && h.flow) h.flow.parts.push(s);
  }

  private halt(e: EventMap['halt']): void {
    if (e.woke) {
      const h = this.openHalt[e.core];
      if (h) this.slice({ tid: e.core, name: 'HLT', cat: 'halt', start: h.start, end: e.tick, args: { cycle: h.start, end_cycle: e.tick, cycles: e.tick - h.start } });
      this.openHalt[e.core] = null;
      return;
    }
    this.openHalt[e.core] = { start: e.tick, stopped: !e.interruptsEnabled };
  }

  private io(e: EventMap['io']): void {
    if (e.port === 0xe9) {
      const ch = String.fromCharCode(e.value & 0xff);
      if (this.lineBuf === '') this.lineStart = e.tick;
      if (ch === '\n') this.flushLine(e.tick); else this.lineBuf += ch;
      return;
    }
    if (e.port === 0xf4) this.instant(TID_CONSOLE, e.tick, `guest exit (status ${e.value >>> 0})`, 'io', { core: e.core, status: e.value >>> 0 });
    else this.instant(e.core, e.tick, `out ${'0x' + e.port.toString(16)} ← 0x${(e.value >>> 0).toString(16)}`, 'io', { port: e.port, value: e.value >>> 0, size: e.size });
  }

  private flushLine(tick: number): void {
    if (this.lineBuf === '') return;
    this.instant(TID_CONSOLE, this.lineStart, this.lineBuf.length > 60 ? this.lineBuf.slice(0, 57) + '...' : this.lineBuf, 'console', { text: this.lineBuf, end_cycle: tick });
    this.lineBuf = '';
  }

  /** The trace as of `endTick` (spans still open are closed there). */
  build(endTick: number): { json: TraceJson; stats: TraceStats } {
    const end = Math.min(endTick, this.to);
    this.flushLine(end);
    // Close what is still open, on copies: the builder can go on listening.
    const extra: Slice[] = [];
    this.openHandlers.forEach((stack, core) => {
      for (const h of stack) {
        if (h.start > this.to) continue;
        const s: Slice = { tid: core, name: `interrupt ${vec(h.vector)}`, cat: 'interrupt', start: h.start, end: Math.max(h.start, end), args: { vector: vec(h.vector), cycle: h.start, eoi: false, open: true } };
        extra.push(s);
        if (h.flow) h.flow.parts.push(s);
      }
    });
    this.openHalt.forEach((h, core) => {
      if (h && h.start <= this.to) extra.push({ tid: core, name: h.stopped ? 'HLT (IF=0: stopped)' : 'HLT', cat: 'halt', start: h.start, end: Math.max(h.start, end), args: { cycle: h.start, open: true } });
    });
    const nonRoot = [...this.nonRootCycles];
    this.guestSince.forEach((since, core) => {
      if (since === null || since > end) return;
      nonRoot[core]! += end - since;
      if (since <= this.to) extra.push({ tid: TID_GUEST + core, name: 'guest (VMX non-root)', cat: 'vmx', start: since, end: Math.max(since, end), args: { cycle: since, open: true } });
    });
    this.openVirtual.forEach((stack, core) => {
      for (const h of stack) {
        if (h.start > this.to) continue;
        const s: Slice = { tid: core, name: `virtual interrupt ${vec(h.vector)}`, cat: 'vmx', start: h.start, end: Math.max(h.start, end), args: { vector: vec(h.vector), cycle: h.start, eoi: false, open: true } };
        extra.push(s);
        if (h.flow) h.flow.parts.push(s);
      }
    });
    const all = [...this.slices, ...extra.filter((s) => !(s.end < this.from))];
    const kept = new Set(all);
    const events: TraceEvent[] = [];
    const meta = (tid: number, name: string, sort: number) => {
      events.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name } });
      events.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid, args: { sort_index: sort } });
    };
    events.push({ name: 'process_name', ph: 'M', pid: PID, args: { name: `${this.title} (${this.cores} core${this.cores === 1 ? '' : 's'}; 1 cycle = 1 ns)` } });
    for (let i = 0; i < this.cores; i++) meta(i, `core ${i}`, i);
    for (let l = 0; l < Math.max(1, this.usedLanes); l++) meta(TID_BUS + l, l === 0 ? 'interrupt bus' : `interrupt bus (lane ${l})`, 100 + l);
    const guests = new Set(all.filter((x) => x.tid >= TID_GUEST).map((x) => x.tid - TID_GUEST));
    for (const i of [...guests].sort((a, b) => a - b)) meta(TID_GUEST + i, `core ${i}: VMX non-root`, 50 + i);
    meta(TID_IOAPIC, 'I/O APIC', 200);
    meta(TID_CONSOLE, 'console / machine', 201);
    // Flows: the parts of each IPI that made it into the window, in causal order.
    const flowOf = new Map<Slice, { id: number; role: 'out' | 'step' | 'in' }>();
    for (const f of this.flows) {
      const parts = f.parts.filter((p) => kept.has(p));
      if (parts.length < 2) continue;
      this.stats.flows++;
      parts.forEach((p, i) => flowOf.set(p, { id: f.id, role: i === 0 ? 'out' : i === parts.length - 1 ? 'in' : 'step' }));
    }
    const lo = this.from, hi = end;
    const sorted: TraceEvent[] = [];
    for (const s of all) {
      const a = Math.max(s.start, lo), b = Math.min(Math.max(s.end, s.start), Math.max(hi, a));
      const ev: TraceEvent = { name: s.name, cat: s.cat, ph: 'X', pid: PID, tid: s.tid, ts: us(ns(a)), dur: us(ns(b) - ns(a)), args: { ...s.args, ...(a !== s.start || b !== s.end ? { clipped_to_window: true } : {}) } };
      const fl = flowOf.get(s);
      if (fl) {
        ev.bind_id = fl.id;
        if (fl.role !== 'in') ev.flow_out = true;
        if (fl.role !== 'out') ev.flow_in = true;
      }
      sorted.push(ev);
    }
    this.stats.slices = sorted.length;
    this.stats.instants = this.instants.length;
    sorted.push(...this.instants, ...this.counters);
    // By time; at one time, enclosing slices before the ones they contain, instants after.
    const rank = (e: TraceEvent) => (e.ph === 'X' ? 0 : e.ph === 'C' ? 1 : 2);
    sorted.sort((x, y) => x.ts! - y.ts! || rank(x) - rank(y) || (y.dur ?? 0) - (x.dur ?? 0));
    events.push(...sorted);
    return {
      json: {
        traceEvents: events,
        displayTimeUnit: 'ns',
        otherData: {
          generator: 'shinjuku-emu',
          timeUnit: '1 ns in this trace = 1 TSC cycle of the emulated machine; exact cycles in each event\'s args',
          windowFrom: this.from,
          windowTo: Number.isFinite(this.to) ? this.to : end,
          ...(this.stats.vmEntries > 0 ? Object.fromEntries(nonRoot.map((n, i) => [`core${i}NonRootCycles`, n])) : {}),
        },
      },
      stats: { ...this.stats },
    };
  }
}

/** A trace from a debugger session's event log (kept from boot). */
export function buildChromeTrace(log: { records: LogRecord[] }, m: Machine, opts: TraceOptions & { end: number }): { json: TraceJson; stats: TraceStats } {
  const b = new TraceBuilder(m.cores.length, opts);
  for (const r of log.records) b.add(r);
  return b.build(opts.end);
}

export interface TraceRunResult {
  json: TraceJson;
  stats: TraceStats;
  /** Why the run ended: the machine's own stop, or the end of the window. */
  stop: StopInfo | null;
  /** Cycle the trace ends at. */
  end: number;
}

/**
 * Run a machine with a TraceBuilder listening, stopping at the window's end
 * (`to`) if the guest has not finished by then.
 */
export function traceMachine(m: Machine, opts: TraceOptions): TraceRunResult {
  const b = new TraceBuilder(m.cores.length, opts).attach(m);
  let stop: StopInfo | null;
  if (opts.to !== undefined && Number.isFinite(opts.to)) {
    // A device event at the window's end (before the machine's own events at that tick) pauses the run there.
    m.queue.schedule(opts.to, () => m.requestPause(), -100);
    stop = m.runUntilPause();
  } else {
    stop = m.run();
  }
  b.detach();
  const end = stop !== null ? Math.max(stop.tick, ...m.cores.map((c) => c.time)) : opts.to!;
  const t = b.build(end);
  return { ...t, stop, end };
}
