/**
 * The interrupt bus between local APICs and I/O APICs (on Haswell, messages
 * on the ring/QPI; the SDM calls it the system bus). A message takes the
 * profile's latency to arrive; while it travels it is "in flight" (visible
 * to the event stream and the debugger). Destinations are resolved when the
 * message is sent.
 */
import type { LocalApic } from './localApic.js';
import { DeliveryMode, Shorthand } from './registers.js';
import type { EventQueue } from '../sim/scheduler.js';
import type { EventStream } from '../sim/events.js';
import type { Tick } from '../sim/time.js';

export interface ApicMessage {
  vector: number;
  mode: DeliveryMode;
  logical: boolean;
  /** Destination field: 8-bit (xAPIC) or 32-bit (x2APIC). */
  dest: number;
  shorthand: Shorthand;
  level: boolean;
  triggerLevel: boolean;
  /** Sending local APIC index, or -1 for an I/O APIC. */
  source: number;
  /** Destination interpreted with x2APIC rules (32-bit IDs). */
  x2apic: boolean;
}

export interface EoiListener { eoi(vector: number, tick: Tick): void; }

export interface BusLatency {
  /** Ticks for a message between cores of one socket, and across sockets. */
  sameSocket: Tick;
  crossSocket: Tick;
  /** Socket of each core index. */
  socketOf: (core: number) => number;
}

export class InterruptBus {
  readonly apics: LocalApic[] = [];
  readonly eoiListeners: EoiListener[] = [];

  constructor(private readonly queue: EventQueue, private readonly events: EventStream, private readonly latency: BusLatency) {}

  /** Resolve destinations (SDM "Determining IPI Destination", "Lowest Priority Delivery Mode"). */
  destinations(from: LocalApic | null, msg: ApicMessage): LocalApic[] {
    switch (msg.shorthand) {
      case Shorthand.Self: return from ? [from] : [];
      case Shorthand.AllIncludingSelf: return this.apics.filter((a) => a.mode !== 'disabled');
      case Shorthand.AllExcludingSelf: return this.apics.filter((a) => a !== from && a.mode !== 'disabled');
    }
    const hits = this.apics.filter((a) => a.matches(msg));
    if (msg.mode === DeliveryMode.LowestPriority && hits.length > 1) {
      // Lowest TPR wins; ties go to the lowest APIC index (the arbitration order is model-specific).
      let best = hits[0]!;
      for (const a of hits) if ((a.tpr & 0xf0) < (best.tpr & 0xf0)) best = a;
      return [best];
    }
    return hits;
  }

  /** Put a message on the bus at `tick`; false if no APIC accepts it. */
  send(from: LocalApic | null, msg: ApicMessage, tick: Tick): boolean {
    const targets = this.destinations(from, msg);
    if (targets.length === 0) return false;
    const srcSocket = from ? this.latency.socketOf(from.index) : 0;
    for (const t of targets) {
      const lat = this.latency.socketOf(t.index) === srcSocket ? this.latency.sameSocket : this.latency.crossSocket;
      const arrival = tick + lat;
      if (this.events.wants.ipi) this.events.emit('ipi', { phase: 'sent', from: msg.source, to: t.index, vector: msg.vector, tick, arrival });
      this.queue.schedule(arrival, (at) => t.accept(msg, at), 0, `IPI 0x${msg.vector.toString(16)} from ${msg.source >= 0 ? `core ${msg.source}` : 'the I/O APIC'} reaches core ${t.index}'s APIC`);
    }
    if (from) {
      // Delivery status goes idle when the last copy has been accepted.
      let last = tick;
      for (const t of targets) last = Math.max(last, tick + (this.latency.socketOf(t.index) === srcSocket ? this.latency.sameSocket : this.latency.crossSocket));
      this.queue.schedule(last, () => from.sendCompleted(), 1, `core ${from.index}'s ICR delivery status goes idle`);
    }
    return true;
  }

  /** A local APIC EOI'd a level-triggered vector: I/O APICs clear Remote IRR for it. */
  eoiBroadcast(vector: number, tick: Tick): void {
    for (const l of this.eoiListeners) l.eoi(vector, tick);
  }
}
