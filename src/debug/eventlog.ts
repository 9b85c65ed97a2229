/**
 * A record of the machine's event stream (everything but the per-instruction
 * `retire` and `mem` kinds), kept from boot: the debugger's timeline, `info
 * bus` / `info events` and the trace exporter all read it.
 *
 * It only listens, so it changes nothing in the run; it also counts every
 * event of each kind from boot, which is how the debugger names a stop point
 * ("the 3rd ipi event") for deterministic replay.
 */
import type { EventMap } from '../sim/events.js';
import type { Machine } from '../sim/machine.js';
import type { Tick } from '../sim/time.js';

/** The kinds recorded (cheap: a few per interrupt, one per console byte). */
export const LOGGED_KINDS = ['ipi', 'interrupt', 'eoi', 'exception', 'halt', 'io', 'stop', 'vmexit', 'vmentry', 'vmentryFail', 'posted', 'vintr', 'eptViolation'] as const;
export type LoggedKind = (typeof LOGGED_KINDS)[number];

export type LogRecord = { [K in LoggedKind]: { kind: K; seq: number; e: EventMap[K] } }[LoggedKind];

/** An IPI on the bus: from its 'sent' event until its 'accepted' one. */
export interface InFlight { id: number; from: number; to: number; vector: number; sent: Tick; arrival: Tick; }

export interface EventLogOptions {
  /** Keep only events with tick in [from, to] (counting still covers everything). */
  from?: number;
  to?: number;
  /** Keep at most this many records (the oldest go first). Default 200,000. */
  cap?: number;
}

export class EventLog {
  readonly records: LogRecord[] = [];
  /** Events of each kind since boot (not only the kept ones). */
  readonly counts: Record<LoggedKind, number> = { ipi: 0, interrupt: 0, eoi: 0, exception: 0, halt: 0, io: 0, stop: 0, vmexit: 0, vmentry: 0, vmentryFail: 0, posted: 0, vintr: 0, eptViolation: 0 };
  /** Messages on the bus now, in send order. */
  readonly inFlight: InFlight[] = [];
  /** Every IPI seen (sent, and accepted when it was), by id = ordinal of its 'sent' event. */
  private nextIpi = 0;
  private seq = 0;
  dropped = 0;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly from: number;
  private readonly to: number;
  private readonly cap: number;

  constructor(m: Machine, opts: EventLogOptions = {}) {
    this.from = opts.from ?? -Infinity;
    this.to = opts.to ?? Infinity;
    this.cap = opts.cap ?? 200_000;
    for (const kind of LOGGED_KINDS) {
      this.unsubscribe.push(m.events.on(kind, (e: EventMap[typeof kind]) => this.add(kind, e)));
    }
  }

  detach(): void { for (const u of this.unsubscribe.splice(0)) u(); }

  private add<K extends LoggedKind>(kind: K, e: EventMap[K]): void {
    this.counts[kind]++;
    this.seq++;
    if (kind === 'ipi') {
      const ev = e as EventMap['ipi'];
      if (ev.phase === 'sent') this.inFlight.push({ id: this.nextIpi++, from: ev.from, to: ev.to, vector: ev.vector, sent: ev.tick, arrival: ev.arrival });
      else {
        const i = this.inFlight.findIndex((f) => f.to === ev.to && f.vector === ev.vector && f.arrival === ev.tick);
        if (i >= 0) this.inFlight.splice(i, 1);
      }
    }
    const tick = (e as { tick: number }).tick;
    if (tick < this.from || tick > this.to) return;
    this.records.push({ kind, seq: this.seq, e: { ...e } } as unknown as LogRecord);
    if (this.records.length > this.cap) {
      const n = Math.max(1, this.cap >> 4);
      this.records.splice(0, n);
      this.dropped += n;
    }
  }
}
