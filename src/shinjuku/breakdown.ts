/**
 * Per-core time breakdown of a load run (`shinjuku-emu load --breakdown`),
 * from the event stream: every retired instruction (`retire`: core, rip,
 * start and end tick) is charged to what its function is — the request
 * (generic_work, the application, the reply's transmit), a context switch
 * (swapcontext_* and the code that prepares one: handle_new_packet,
 * handle_context, makecontext), the preemption interrupt (the stub, the
 * handler, the EOI, and the delivery itself: time between two instructions
 * across which an `interrupt` event arrived), idle (the worker's
 * wait_for_request poll; the networker's networker_idle), or other
 * bookkeeping (the worker loop, finish_request). Time is counted from the
 * client's first send to the end of the run.
 *
 * Listening to `retire` turns spin detection off (a sleeping core retires
 * nothing), which changes no cycle: the run's numbers are the same with or
 * without a breakdown, only slower to get.
 */
import type { Machine } from '../sim/machine.js';
import type { ElfImage } from '../loader/elf.js';

export const CATEGORIES = ['request', 'switch', 'interrupt', 'idle', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

const SWITCH = new Set(['swapcontext_fast', 'swapcontext_fast_to_control', 'swapcontext_very_fast', 'getcontext_fast', 'makecontext_fast', 'set_context_link', 'start_context_fast', 'handle_new_packet', 'handle_context']);
// The bare platform's stub and trap dispatch, or on Dune libdune's (dune.S's stubs, dune_trap_handler, the virtualized EOI).
const INTERRUPT = new Set(['platform_intr_f2', 'platform_trap', 'preempt_handler', 'platform_eoi', 'lapic_write', 'lapic_read',
  '__dune_intr', '__dune_intr_with_num', 'dune_trap_handler', 'dune_apic_eoi']);
const IDLE = new Set(['wait_for_request', 'networker_idle']);
/** The request: generic_work, the applications' functions (app_spin.c, app_kv.c), and the reply's transmit. */
const REQUEST = /^(generic_work|spin_|kv_|run_seek|value_sum|residual_spin|record_|key_|memcpy$|nic_tx_)/;

export interface CoreBreakdown {
  core: number;
  role: 'dispatcher' | 'networker' | 'worker';
  /** Ticks per category. */
  ticks: Record<Category, number>;
  total: number;
}

/** What one preemption costs a worker, from the same events: cycles per occurrence. */
export interface PreemptionCost {
  interrupts: number;
  /** Delivery, the stub, the handler and the EOI (the handler's switch excluded), per interrupt. */
  interruptCycles: number;
  /** swapcontext_fast_to_control (saves the FP environment; Table 2's "No FP-restore"), per call. */
  switchToMainCycles: number;
  /** swapcontext_fast, resuming a preempted request (restores it; Table 2's "No FP-save"), per call. */
  resumeCycles: number;
}

export interface Breakdown {
  preemption: PreemptionCost;
  cores: CoreBreakdown[];
  /** The workers together, fractions of their time. */
  workers: Record<Category, number>;
  windowTicks: number;
}

export class BreakdownRecorder {
  private readonly funcs: { start: number; end: number; cat: Category; name: string }[];
  private readonly cache = new Map<number, number>();
  /** Per function (index into funcs): ticks and calls on worker cores. */
  private fnTicks: Float64Array = new Float64Array(0);
  private fnCalls: Float64Array = new Float64Array(0);
  private workerIrqs = 0;
  private readonly last: Float64Array;
  private readonly pendingIrq: Uint8Array;
  private readonly ticks: Record<Category, number>[];
  private from = Infinity;
  private offs: (() => void)[] = [];

  constructor(private readonly m: Machine, image: ElfImage) {
    this.funcs = image.symbols.filter((s) => s.type === 'func' && s.size > 0).map((s) => ({ start: s.value, end: s.value + s.size, cat: categoryOf(s.name), name: s.name }));
    // Labels of the assembly stubs have no size: give each the span up to the next symbol.
    for (const s of image.symbols.filter((x) => (x.type === 'notype' || x.type === 'func') && x.size === 0 && (INTERRUPT.has(x.name) || SWITCH.has(x.name)))) {
      // libdune's __dune_intr heads 256 stubs of 16 bytes (dune.S); the others are short.
      const span = s.name === '__dune_intr' ? 256 * 16 : 256;
      const next = image.symbols.filter((y) => y.value > s.value).reduce((a, y) => Math.min(a, y.value), s.value + span);
      this.funcs.push({ start: s.value, end: next, cat: categoryOf(s.name), name: s.name });
    }
    this.funcs.sort((a, b) => a.start - b.start);
    this.fnTicks = new Float64Array(this.funcs.length);
    this.fnCalls = new Float64Array(this.funcs.length);
    const n = m.cores.length;
    this.last = new Float64Array(n).fill(NaN);
    this.pendingIrq = new Uint8Array(n);
    this.ticks = Array.from({ length: n }, () => ({ request: 0, switch: 0, interrupt: 0, idle: 0, other: 0 }));
  }

  attach(): this {
    this.offs.push(this.m.events.on('request', (e) => { if (e.phase === 'sent' && this.from === Infinity) this.from = e.tick; }));
    this.offs.push(this.m.events.on('interrupt', (e) => {
      this.pendingIrq[e.core] = 1;
      if (e.core >= 2 && e.tick >= this.from) this.workerIrqs++;
    }));
    this.offs.push(this.m.events.on('retire', (e) => {
      const c = e.core;
      const prev = this.last[c]!;
      this.last[c] = e.tick;
      if (e.start < this.from) return;
      const fi = this.fn(e.rip);
      const cat = fi < 0 ? 'other' : this.funcs[fi]!.cat;
      if (c >= 2 && fi >= 0) {
        this.fnTicks[fi] += e.tick - e.start;
        if (e.rip === this.funcs[fi]!.start) this.fnCalls[fi]++;
      }
      const t = this.ticks[c]!;
      const gapStart = Number.isNaN(prev) ? e.start : Math.max(this.from, prev);
      if (e.start > gapStart) t[this.pendingIrq[c] ? 'interrupt' : cat] += e.start - gapStart;
      this.pendingIrq[c] = 0;
      t[cat] += e.tick - e.start;
    }));
    return this;
  }

  detach(): void { for (const off of this.offs) off(); this.offs = []; }

  /** The index of the function holding rip, or −1. */
  private fn(rip: number): number {
    const c = this.cache.get(rip);
    if (c !== undefined) return c;
    let lo = 0, hi = this.funcs.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, f = this.funcs[mid]!;
      if (rip < f.start) hi = mid - 1;
      else if (rip >= f.end) lo = mid + 1;
      else { found = mid; break; }
    }
    this.cache.set(rip, found);
    return found;
  }

  /** Ticks and calls of the functions named `name` (clones included) on the workers. */
  private perCall(name: string): number {
    let t = 0, n = 0;
    this.funcs.forEach((f, i) => { if (f.name.split('.')[0] === name) { t += this.fnTicks[i]!; n += this.fnCalls[i]!; } });
    return n > 0 ? t / n : 0;
  }

  result(workers: number): Breakdown {
    const cores: CoreBreakdown[] = this.ticks.slice(0, workers + 2).map((t, core) => ({
      core, role: core === 0 ? 'dispatcher' : core === 1 ? 'networker' : 'worker',
      ticks: { ...t }, total: CATEGORIES.reduce((a, k) => a + t[k], 0),
    }));
    const w = cores.filter((c) => c.role === 'worker');
    const all = w.reduce((a, c) => a + c.total, 0);
    const frac = Object.fromEntries(CATEGORIES.map((k) => [k, all > 0 ? w.reduce((a, c) => a + c.ticks[k], 0) / all : 0])) as Record<Category, number>;
    const cyclesPerTick = this.m.config.profile.clock.coreHz.value / this.m.config.profile.clock.tscHz.value;
    const irqTicks = w.reduce((a, c) => a + c.ticks.interrupt, 0);
    const preemption: PreemptionCost = {
      interrupts: this.workerIrqs,
      interruptCycles: this.workerIrqs > 0 ? (irqTicks / this.workerIrqs) * cyclesPerTick : 0,
      switchToMainCycles: this.perCall('swapcontext_fast_to_control') * cyclesPerTick,
      resumeCycles: this.perCall('swapcontext_fast') * cyclesPerTick,
    };
    return { preemption, cores, workers: frac, windowTicks: Math.max(0, ...cores.map((c) => c.total)) };
  }
}

function categoryOf(full: string): Category {
  // gcc's clones keep the function's name before a suffix (.constprop.0, .isra.0, .part.0).
  const name = full.split('.')[0]!;
  if (SWITCH.has(name)) return 'switch';
  if (INTERRUPT.has(name)) return 'interrupt';
  if (IDLE.has(name)) return 'idle';
  if (REQUEST.test(name)) return 'request';
  return 'other';
}

const LABEL: Record<Category, string> = { request: 'request', switch: 'context switches', interrupt: 'interrupts', idle: 'idle', other: 'other' };

/** The table `load --breakdown` prints. */
export function breakdownTable(b: Breakdown): string {
  const pct = (v: number, t: number) => (t > 0 ? `${((100 * v) / t).toFixed(1)} %` : '-');
  const rows = [['core', 'role', ...CATEGORIES.map((k) => LABEL[k])]];
  // The dispatcher polls without a separate idle loop: its busy fraction (from its own TSC reads) says more.
  for (const c of b.cores.filter((x) => x.role !== 'dispatcher')) rows.push([String(c.core), c.role, ...CATEGORIES.map((k) => pct(c.ticks[k], c.total))]);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [
    `time per core from the first send to the end (the dispatcher: its busy fraction above); workers ${CATEGORIES.map((k) => `${LABEL[k]} ${(100 * b.workers[k]).toFixed(1)} %`).join(', ')}`,
    ...rows.map((r) => r.map((x, i) => (i < 2 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ')),
    ...(b.preemption.interrupts > 0 ? [`a preemption on a worker (${b.preemption.interrupts} interrupts): interrupt ${b.preemption.interruptCycles.toFixed(0)} cycles (delivery, stub, handler, EOI) + switch to the worker's main context ${b.preemption.switchToMainCycles.toFixed(0)} (swapcontext_fast_to_control) + resuming it later ${b.preemption.resumeCycles.toFixed(0)} (swapcontext_fast)`] : []),
  ].join('\n');
}
