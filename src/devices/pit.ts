/**
 * 8254 programmable interval timer, channel 0 (Intel 8254 datasheet): the
 * test device that raises an interrupt line on a timer. Its output drives
 * I/O APIC pin 2, the usual ISA IRQ0 override of PC firmware (and of QEMU
 * and Bochs), so one guest program runs unchanged on all three machines.
 * Modes 0 (interrupt on terminal count), 2 (rate generator) and 3 (square
 * wave); access modes lobyte, hibyte, lobyte/hibyte; the counter-latch
 * command.
 */
import type { EventQueue } from '../sim/scheduler.js';
import type { Tick } from '../sim/time.js';

export const PIT_HZ = 1193182;
export const PIT_PORTS = [0x40, 0x41, 0x42, 0x43];

export interface InterruptLine { setLine(pin: number, asserted: boolean, tick: Tick): void; }

export class Pit {
  private mode = 0;
  private access = 3;
  private reload = 0x10000;
  private writeLow = true;
  private pendingLow = 0;
  private readLow = true;
  private latched: number | null = null;
  private start = 0;
  private gen = 0;
  private running = false;

  constructor(
    private readonly queue: EventQueue,
    private readonly ioapic: InterruptLine,
    private readonly pin: number,
    /** TSC ticks per PIT clock (tscHz / 1.193182 MHz). */
    private readonly ticksPerClock: number,
  ) {}

  handles(port: number): boolean { return PIT_PORTS.includes(port); }

  out(port: number, value: number, tick: Tick): void {
    value &= 0xff;
    if (port === 0x43) {
      if ((value >> 6) !== 0) return; // only channel 0 is modelled; commands for channels 1–2 are accepted and ignored
      const access = (value >> 4) & 3;
      if (access === 0) { this.latched = this.count(tick); this.readLow = true; return; } // counter latch
      this.access = access;
      this.mode = (value >> 1) & 7;
      if (this.mode > 5) this.mode -= 4; // modes 6/7 alias 2/3
      this.writeLow = true;
      this.running = false;
      this.gen++;
      // The output level after a control word is not driven onto the line here: the guest sees an
      // interrupt edge only at terminal count, never at programming time.
      return;
    }
    if (port !== 0x40) return;
    if (this.access === 1) this.load(value, tick);
    else if (this.access === 2) this.load(value << 8, tick);
    else if (this.writeLow) { this.pendingLow = value; this.writeLow = false; }
    else { this.writeLow = true; this.load(this.pendingLow | (value << 8), tick); }
  }

  in(port: number, tick: Tick): number {
    if (port !== 0x40) return 0xff;
    const v = this.latched ?? this.count(tick);
    if (this.access === 1) { this.latched = null; return v & 0xff; }
    if (this.access === 2) { this.latched = null; return (v >> 8) & 0xff; }
    if (this.readLow) { this.readLow = false; return v & 0xff; }
    this.readLow = true;
    this.latched = null;
    return (v >> 8) & 0xff;
  }

  private load(count: number, tick: Tick): void {
    this.reload = count === 0 ? 0x10000 : count;
    this.start = tick;
    this.running = true;
    const gen = ++this.gen;
    this.schedule(tick + this.reload * this.ticksPerClock, gen);
  }

  private schedule(at: Tick, gen: number): void {
    this.queue.schedule(at, (t) => {
      if (gen !== this.gen) return;
      if (this.mode === 0) {
        // Output goes high at terminal count and stays high: one rising edge.
        this.ioapic.setLine(this.pin, false, t);
        this.ioapic.setLine(this.pin, true, t);
        this.running = false;
        return;
      }
      // Modes 2/3: one rising edge per period on the interrupt line.
      this.ioapic.setLine(this.pin, false, t);
      this.ioapic.setLine(this.pin, true, t);
      this.start = t;
      this.schedule(t + this.reload * this.ticksPerClock, gen);
    }, 0, 'PIT channel 0 terminal count (IRQ0 → I/O APIC pin 2)');
  }

  private count(tick: Tick): number {
    if (!this.running) return 0;
    const elapsed = Math.floor((tick - this.start) / this.ticksPerClock);
    return (this.reload - (elapsed % this.reload)) & 0xffff;
  }
}
