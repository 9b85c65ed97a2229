/**
 * I/O APIC (Intel 82093AA datasheet; the PCH's integrated I/O APIC keeps its
 * programming model): an indirect register window at 0xFEC00000 (IOREGSEL at
 * +0x00, IOWIN at +0x10, EOI at +0x40) and a redirection table that turns
 * device interrupt lines into messages on the interrupt bus.
 */
import type { MmioDevice } from '../memory/physical.js';
import type { InterruptBus, ApicMessage, EoiListener } from './bus.js';
import { Shorthand, DeliveryMode } from './registers.js';
import type { Tick } from '../sim/time.js';

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_PINS = 24;

/** Redirection-entry bits (82093AA §3.2.4). */
const RTE_MASKED = 1 << 16, RTE_LEVEL = 1 << 15, RTE_REMOTE_IRR = 1 << 14, RTE_LOGICAL = 1 << 11, RTE_DELIVERY_STATUS = 1 << 12;

export class IoApic implements MmioDevice, EoiListener {
  readonly name = 'I/O APIC';
  private index = 0;
  private id = 0;
  private readonly lo = new Uint32Array(IOAPIC_PINS).fill(RTE_MASKED);
  private readonly hi = new Uint32Array(IOAPIC_PINS);
  private readonly line = new Uint8Array(IOAPIC_PINS);

  /**
   * @param coreTime the clock of the core making an access: a message the
   *   access sends (an unmasked level line, an EOI) leaves at that core's
   *   time, as the local APIC's and the PIT's do.
   */
  constructor(private readonly bus: InterruptBus, private readonly coreTime: (core: number) => Tick, readonly accessCost: Tick) {
    bus.eoiListeners.push(this);
  }

  read(_core: number, offset: number, size: number, hiOut: Int32Array): number {
    hiOut[0] = 0;
    let v = 0;
    if (offset === 0x00) v = this.index;
    else if (offset === 0x10) v = this.readReg(this.index);
    return size >= 4 ? v | 0 : v & (size === 1 ? 0xff : 0xffff);
  }

  write(core: number, offset: number, _size: number, lo: number, _hi: number): void {
    if (offset === 0x00) this.index = lo & 0xff;
    else if (offset === 0x10) this.writeReg(this.index, lo >>> 0, this.coreTime(core));
    else if (offset === 0x40) this.eoi(lo & 0xff, this.coreTime(core));
  }

  private readReg(i: number): number {
    if (i === 0) return this.id << 24;
    if (i === 1) return ((IOAPIC_PINS - 1) << 16) | 0x20; // max redirection entry, version 20h
    if (i === 2) return this.id << 24;
    if (i >= 0x10 && i < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (i - 0x10) >> 1;
      return (i & 1) === 0 ? this.lo[pin]! : this.hi[pin]!;
    }
    return 0;
  }

  private writeReg(i: number, v: number, tick: Tick): void {
    if (i === 0) { this.id = (v >>> 24) & 0xf; return; }
    if (i >= 0x10 && i < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (i - 0x10) >> 1;
      if ((i & 1) === 0) {
        // Delivery status and Remote IRR are read-only.
        this.lo[pin] = ((v & ~(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)) | (this.lo[pin]! & RTE_REMOTE_IRR)) >>> 0;
        this.service(pin, tick);
      } else {
        this.hi[pin] = v & 0xff000000;
      }
    }
  }

  /** A device drives interrupt line `pin` (asserted = true). */
  setLine(pin: number, asserted: boolean, tick: Tick): void {
    const was = this.line[pin] === 1;
    this.line[pin] = asserted ? 1 : 0;
    const level = (this.lo[pin]! & RTE_LEVEL) !== 0;
    if (level ? asserted : asserted && !was) this.service(pin, tick, !level);
  }

  /** Send the pin's message if it is due: an edge just arrived, or a level is asserted with Remote IRR clear. */
  private service(pin: number, tick: Tick, edge = false): void {
    const rte = this.lo[pin]!;
    if (rte & RTE_MASKED) return; // an edge while masked is lost, as on the 82093AA
    const level = (rte & RTE_LEVEL) !== 0;
    if (level) {
      if (this.line[pin] !== 1 || (rte & RTE_REMOTE_IRR) !== 0) return;
    } else if (!edge) return;
    const msg: ApicMessage = {
      vector: rte & 0xff,
      mode: ((rte >>> 8) & 7) as DeliveryMode,
      logical: (rte & RTE_LOGICAL) !== 0,
      dest: this.hi[pin]! >>> 24,
      shorthand: Shorthand.None,
      level: true,
      triggerLevel: level,
      source: -1,
      x2apic: false,
    };
    if (this.bus.send(null, msg, tick) && level) this.lo[pin] = (this.lo[pin]! | RTE_REMOTE_IRR) >>> 0;
  }

  eoi(vector: number, tick: Tick): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const rte = this.lo[pin]!;
      if ((rte & RTE_REMOTE_IRR) && (rte & 0xff) === vector) {
        this.lo[pin] = (rte & ~RTE_REMOTE_IRR) >>> 0;
        this.service(pin, tick);
      }
    }
  }
}
