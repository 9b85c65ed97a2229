/**
 * Device-event queue of the global scheduler (docs/architecture.md). Events are
 * ordered by (tick, priority, sequence): the sequence number makes ties
 * deterministic, as in gem5's EventQueue. A binary heap over parallel typed
 * arrays plus a slot table of callbacks: scheduling allocates nothing once the
 * arrays have grown.
 */
import { gridCeil, type Tick } from './time.js';

export type EventCallback = (tick: Tick) => void;

export class EventQueue {
  private ticks = new Float64Array(64);
  private prio = new Int32Array(64);
  private seqs = new Float64Array(64);
  private cbs: (EventCallback | null)[] = new Array(64).fill(null);
  /** What each pending event is, for the debugger's `info events` (costs one store per event). */
  private labels: string[] = new Array(64).fill('');
  private size = 0;
  private seq = 0;
  /**
   * Called for every newly scheduled event: a core that is running while it
   * schedules one (an ICR write, a timer) must stop at that event's tick.
   */
  onSchedule: ((tick: Tick) => void) | null = null;

  get length(): number { return this.size; }

  /** Tick of the earliest event, or +Infinity. */
  peekTick(): Tick { return this.size > 0 ? this.ticks[0]! : Infinity; }

  schedule(tick: Tick, cb: EventCallback, priority = 0, label = ''): void {
    // Device times (wire serialization, arrivals) fall anywhere; they happen at the next grid point (src/sim/time.ts).
    tick = gridCeil(tick);
    if (this.size === this.ticks.length) this.grow();
    let i = this.size++;
    const s = this.seq++;
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(tick, priority, s, p)) break;
      this.move(p, i);
      i = p;
    }
    this.ticks[i] = tick; this.prio[i] = priority; this.seqs[i] = s; this.cbs[i] = cb; this.labels[i] = label;
    if (this.onSchedule !== null) this.onSchedule(tick);
  }

  /** Remove and run the earliest event. */
  runNext(): void {
    const tick = this.ticks[0]!;
    const cb = this.cbs[0]!;
    const n = --this.size;
    if (n > 0) {
      const t = this.ticks[n]!, p = this.prio[n]!, s = this.seqs[n]!, c = this.cbs[n]!, l = this.labels[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && this.lessIdx(r, l) ? r : l;
        if (!this.less(this.ticks[m]!, this.prio[m]!, this.seqs[m]!, -1, t, p, s)) break;
        this.move(m, i);
        i = m;
      }
      this.ticks[i] = t; this.prio[i] = p; this.seqs[i] = s; this.cbs[i] = c; this.labels[i] = l;
    }
    this.cbs[n] = null;
    cb(tick);
  }

  private less(t: Tick, p: number, s: number, j: number, tj?: Tick, pj?: number, sj?: number): boolean {
    const bt = j >= 0 ? this.ticks[j]! : tj!;
    const bp = j >= 0 ? this.prio[j]! : pj!;
    const bs = j >= 0 ? this.seqs[j]! : sj!;
    return t < bt || (t === bt && (p < bp || (p === bp && s < bs)));
  }
  private lessIdx(a: number, b: number): boolean { return this.less(this.ticks[a]!, this.prio[a]!, this.seqs[a]!, b); }
  private move(from: number, to: number): void {
    this.ticks[to] = this.ticks[from]!; this.prio[to] = this.prio[from]!; this.seqs[to] = this.seqs[from]!; this.cbs[to] = this.cbs[from]!;
    this.labels[to] = this.labels[from]!;
  }

  /** The pending events in the order they will run (debugger views; not a hot path). */
  pending(): { tick: Tick; priority: number; label: string }[] {
    const out: { tick: Tick; priority: number; label: string; seq: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ tick: this.ticks[i]!, priority: this.prio[i]!, label: this.labels[i]!, seq: this.seqs[i]! });
    out.sort((a, b) => a.tick - b.tick || a.priority - b.priority || a.seq - b.seq);
    return out.map(({ tick, priority, label }) => ({ tick, priority, label }));
  }
  private grow(): void {
    const n = this.ticks.length * 2;
    const t = new Float64Array(n); t.set(this.ticks); this.ticks = t;
    const p = new Int32Array(n); p.set(this.prio); this.prio = p;
    const s = new Float64Array(n); s.set(this.seqs); this.seqs = s;
    this.cbs.length = n; this.cbs.fill(null, this.size);
    this.labels.length = n; this.labels.fill('', this.size);
  }
}
