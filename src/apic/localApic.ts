/**
 * The local APIC of one logical core (Intel SDM Vol. 3A, APIC chapter), in
 * xAPIC mode (MMIO page at 0xFEE00000, each core sees its own) and x2APIC
 * mode (MSRs 0x800–0x8FF), with the IA32_APIC_BASE state machine, IRR/ISR/TMR,
 * TPR/PPR, EOI, ESR, the ICR, the LVT and the timer (one-shot, periodic,
 * TSC-deadline).
 *
 * Interrupt flow (SDM "Interrupt Handling with the Pentium 4 and Intel Xeon
 * Processors" and "Interrupt, Task, and Processor Priority"): an accepted
 * fixed interrupt sets IRR; the highest IRR vector is offered to the core
 * when its priority class exceeds PPR's; the core acknowledges it at an
 * instruction boundary (IRR → ISR); EOI clears the highest ISR bit.
 */
import {
  Reg, APIC_VERSION, APIC_BASE_DEFAULT, APIC_BASE_BSP, APIC_BASE_EN, APIC_BASE_EXTD, SVR_ENABLE,
  MSR_APIC_BASE, MSR_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST,
  ICR_DELIVERY_STATUS, ICR_DEST_LOGICAL, ICR_LEVEL_ASSERT, ICR_TRIGGER_LEVEL, ICR_SHORTHAND_SHIFT, ICR_DELIVERY_MODE_SHIFT,
  DeliveryMode, Shorthand, LVT_MASKED, LVT_TIMER_MODE_SHIFT, TimerMode, LVT_WRITABLE,
  ESR_SEND_ACCEPT, ESR_SEND_ILLEGAL_VECTOR, ESR_RECEIVE_ILLEGAL_VECTOR, ESR_ILLEGAL_REGISTER,
} from './registers.js';
import type { InterruptBus, ApicMessage } from './bus.js';
import type { Core, InterruptController } from '../cpu/core.js';
import type { MsrDevice } from '../cpu/msr.js';
import { Fault, Unsupported, Vector } from '../cpu/fault.js';
import type { EventQueue } from '../sim/scheduler.js';
import type { EventStream } from '../sim/events.js';
import type { Tick } from '../sim/time.js';

export type ApicMode = 'disabled' | 'xapic' | 'x2apic';

export interface ApicCosts {
  /** Ticks per timer count at divide-by-1 (tscHz / timerHz). */
  ticksPerTimerCount: number;
}

const LVT_OFFSETS = [Reg.LVT_CMCI, Reg.LVT_TIMER, Reg.LVT_THERMAL, Reg.LVT_PERF, Reg.LVT_LINT0, Reg.LVT_LINT1, Reg.LVT_ERROR];

function highestBit(words: Uint32Array): number {
  for (let w = 7; w >= 0; w--) {
    const x = words[w]!;
    if (x !== 0) return w * 32 + 31 - Math.clz32(x);
  }
  return -1;
}
const setBit = (a: Uint32Array, v: number) => { a[v >>> 5] = (a[v >>> 5]! | (1 << (v & 31))) >>> 0; };
const clearBit = (a: Uint32Array, v: number) => { a[v >>> 5] = (a[v >>> 5]! & ~(1 << (v & 31))) >>> 0; };
const testBit = (a: Uint32Array, v: number) => ((a[v >>> 5]! >>> (v & 31)) & 1) === 1;

export class LocalApic implements MsrDevice, InterruptController {
  mode: ApicMode = 'xapic';
  /** IA32_APIC_BASE low word (base address bits 31:12 and flags). */
  private baseMsr: number;
  tpr = 0;
  svr = 0xff;
  /** xAPIC LDR (bits 31:24) and DFR model (bits 31:28). */
  private ldr = 0;
  private dfr = 0xffffffff;
  /** ESR as last latched by a write, and the errors collected since. */
  private esr = 0;
  private esrPending = 0;
  icrLo = 0;
  icrHi = 0;
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  private readonly lvt = new Map<number, number>();
  private timerInitial = 0;
  private timerDivide = 0;
  /** Tick at which the current count was loaded, and the timer's generation (stale expiry events are ignored). */
  private timerStart = 0;
  private timerGen = 0;
  private tscDeadline = 0;
  /** Sends whose delivery status is still pending (xAPIC ICR bit 12). */
  private sendsInFlight = 0;

  constructor(
    readonly index: number,
    readonly apicId: number,
    readonly core: Core,
    private readonly bus: InterruptBus,
    private readonly queue: EventQueue,
    private readonly events: EventStream,
    private readonly costs: ApicCosts,
    bsp: boolean,
  ) {
    this.baseMsr = (APIC_BASE_DEFAULT | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0)) >>> 0;
    for (const o of LVT_OFFSETS) this.lvt.set(o, LVT_MASKED);
  }

  get softwareEnabled(): boolean { return (this.svr & SVR_ENABLE) !== 0; }

  /** Put the APIC in the state the peers' loader leaves (boot core enabled with spurious vector 0xFF and LINT0 masked). */
  bootState(enabled: boolean): void {
    this.svr = enabled ? 0x1ff : 0xff;
  }

  // ------------------------------------------------------------- priorities

  /** PPR (SDM "Processor Priority Register"): TPR if its class ≥ the in-service class, else the in-service class. */
  ppr(): number {
    const isrv = Math.max(highestBit(this.isr), 0);
    return (this.tpr >> 4) >= (isrv >> 4) ? this.tpr & 0xff : isrv & 0xf0;
  }

  /** The vector the APIC would offer the core now, or -1. */
  pendingVector(): number {
    const v = highestBit(this.irr);
    if (v < 0) return -1;
    return (v >> 4) > (this.ppr() >> 4) ? v : -1;
  }

  /** INTA cycle: the core takes the offered interrupt; IRR → ISR. */
  acknowledge(tick: Tick): number {
    const v = this.pendingVector();
    if (v < 0) { this.update(tick); return -1; }
    clearBit(this.irr, v);
    setBit(this.isr, v);
    this.update(tick);
    return v;
  }

  /** Re-evaluate what the core should see (after any IRR/ISR/TPR change). */
  private update(tick: Tick): void {
    this.core.signalInterrupt(this.pendingVector() >= 0, tick);
  }

  /** A message from the bus reached this APIC (SDM "Interrupt Acceptance for Fixed Interrupts"). */
  accept(msg: ApicMessage, tick: Tick): void {
    switch (msg.mode) {
      case DeliveryMode.Fixed:
      case DeliveryMode.LowestPriority: {
        if (msg.vector < 16) { this.error(ESR_RECEIVE_ILLEGAL_VECTOR, tick); return; }
        setBit(this.irr, msg.vector);
        if (msg.triggerLevel) setBit(this.tmr, msg.vector); else clearBit(this.tmr, msg.vector);
        if (this.events.wants.ipi) this.events.emit('ipi', { phase: 'accepted', from: msg.source, to: this.index, vector: msg.vector, tick, arrival: tick });
        this.update(tick);
        return;
      }
      case DeliveryMode.Nmi:
        this.core.signalNmi(tick);
        return;
      default:
        throw new Unsupported(`local APIC ${this.index}: delivery mode ${msg.mode} (INIT/SIPI/SMI/ExtINT) is not modelled`);
    }
  }

  private eoi(tick: Tick): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    clearBit(this.isr, v);
    // Level-triggered: tell the I/O APICs (SDM "EOI Register"; broadcast suppression not modelled).
    if (testBit(this.tmr, v)) this.bus.eoiBroadcast(v, tick);
    if (this.events.wants.eoi) this.events.emit('eoi', { core: this.index, vector: v, tick });
    this.update(tick);
  }

  /** Record an APIC error and raise the error LVT if it is unmasked (SDM "Error Handling"). */
  private error(bit: number, tick: Tick): void {
    this.esrPending |= bit;
    const lvt = this.lvt.get(Reg.LVT_ERROR)!;
    if ((lvt & LVT_MASKED) === 0) this.selfInterrupt(lvt & 0xff, tick);
  }

  /** An interrupt sourced inside this APIC (LVT): straight into IRR, no bus. */
  private selfInterrupt(vector: number, tick: Tick): void {
    if (vector < 16) { this.esrPending |= ESR_RECEIVE_ILLEGAL_VECTOR; return; }
    setBit(this.irr, vector);
    clearBit(this.tmr, vector);
    this.update(tick);
  }

  // ------------------------------------------------------------- registers

  /** Register read shared by both modes; `x2` selects x2APIC semantics (#GP instead of ESR for bad registers). */
  readReg(off: number, x2: boolean): number {
    const tick = this.core.time;
    switch (off) {
      case Reg.ID: return x2 ? this.apicId : this.apicId << 24;
      case Reg.VERSION: return APIC_VERSION;
      case Reg.TPR: return this.tpr;
      case Reg.PPR: return this.ppr();
      case Reg.EOI: if (x2) this.gp('read of the write-only EOI MSR'); return 0;
      case Reg.LDR: return x2 ? this.x2Ldr() : this.ldr;
      case Reg.DFR: if (x2) this.gp('DFR does not exist in x2APIC mode'); return this.dfr;
      case Reg.SVR: return this.svr;
      case Reg.ESR: return this.esr;
      // x2APIC reads the 64-bit ICR through MSR 0x830 in rdmsr(); this is the xAPIC view (delivery status live).
      case Reg.ICR_LO: return (this.icrLo & ~ICR_DELIVERY_STATUS) | (this.sendsInFlight > 0 ? ICR_DELIVERY_STATUS : 0);
      case Reg.ICR_HI: if (x2) this.gp('ICR is one 64-bit MSR (0x830) in x2APIC mode'); return this.icrHi;
      case Reg.TIMER_INITIAL: return this.timerInitial;
      case Reg.TIMER_CURRENT: return this.currentCount(tick);
      case Reg.TIMER_DIVIDE: return this.timerDivide;
      case Reg.SELF_IPI: if (x2) this.gp('read of the write-only SELF IPI MSR'); break;
      case Reg.APR: if (x2) this.gp('APR does not exist in x2APIC mode'); return 0;
    }
    if (off >= Reg.ISR0 && off < Reg.ISR0 + 0x80) return this.isr[(off - Reg.ISR0) >> 4]! | 0;
    if (off >= Reg.TMR0 && off < Reg.TMR0 + 0x80) return this.tmr[(off - Reg.TMR0) >> 4]! | 0;
    if (off >= Reg.IRR0 && off < Reg.IRR0 + 0x80) return this.irr[(off - Reg.IRR0) >> 4]! | 0;
    const lvt = this.lvt.get(off);
    if (lvt !== undefined) return lvt;
    if (x2) this.gp(`read of reserved x2APIC MSR 0x${(MSR_X2APIC_FIRST + (off >> 4)).toString(16)}`);
    this.esrPending |= ESR_ILLEGAL_REGISTER;
    return 0;
  }

  writeReg(off: number, v: number, x2: boolean): void {
    const tick = this.core.time;
    v >>>= 0;
    switch (off) {
      case Reg.TPR: this.tpr = v & 0xff; this.update(tick); return;
      case Reg.EOI:
        if (x2 && v !== 0) this.gp('WRMSR of a non-zero value to the x2APIC EOI MSR');
        this.eoi(tick);
        return;
      case Reg.LDR: if (x2) this.gp('LDR is read-only in x2APIC mode'); this.ldr = v & 0xff000000; return;
      case Reg.DFR: if (x2) this.gp('DFR does not exist in x2APIC mode'); this.dfr = (v | 0x0fffffff) >>> 0; return;
      case Reg.SVR: {
        this.svr = v & 0x13ff;
        // Software-disabling masks every LVT entry (SDM "Local APIC State After It Has Been Software Disabled").
        if (!this.softwareEnabled) for (const o of LVT_OFFSETS) this.lvt.set(o, this.lvt.get(o)! | LVT_MASKED);
        this.update(tick);
        return;
      }
      case Reg.ESR:
        // A write latches the errors collected since the last write (SDM "Error Status Register").
        if (x2 && v !== 0) this.gp('WRMSR of a non-zero value to the x2APIC ESR');
        this.esr = this.esrPending;
        this.esrPending = 0;
        return;
      case Reg.ICR_LO:
        // xAPIC only: x2APIC writes the 64-bit ICR through MSR 0x830 in wrmsr().
        this.icrLo = v & ~ICR_DELIVERY_STATUS;
        this.sendIpi(this.icrLo, this.icrHi >>> 24, false, tick);
        return;
      case Reg.ICR_HI: if (x2) this.gp('ICR is one 64-bit MSR (0x830) in x2APIC mode'); this.icrHi = v & 0xff000000; return;
      case Reg.TIMER_INITIAL: this.setInitialCount(v, tick); return;
      case Reg.TIMER_DIVIDE: this.timerDivide = v & 0xb; return;
      case Reg.SELF_IPI:
        if (!x2) break;
        this.sendIpi((v & 0xff) | (Shorthand.Self << ICR_SHORTHAND_SHIFT), 0, true, tick);
        return;
      case Reg.ID: case Reg.VERSION: case Reg.PPR: case Reg.APR: case Reg.RRD: case Reg.TIMER_CURRENT:
        if (x2) this.gp('write to a read-only x2APIC register');
        return; // read-only in xAPIC mode: the write is ignored
    }
    if ((off >= Reg.ISR0 && off < Reg.IRR0 + 0x80)) {
      if (x2) this.gp('write to a read-only x2APIC register');
      return;
    }
    const writable = LVT_WRITABLE[off];
    if (writable !== undefined) {
      let nv = v & writable;
      if (!this.softwareEnabled) nv |= LVT_MASKED;
      if (off === Reg.LVT_TIMER) {
        const old = this.lvt.get(off)!;
        // Changing between TSC-deadline and the count modes disarms the timer (SDM "TSC-Deadline Mode").
        if (((old ^ nv) >> LVT_TIMER_MODE_SHIFT) & 3) { this.timerGen++; this.tscDeadline = 0; this.timerInitial = 0; }
      }
      this.lvt.set(off, nv);
      return;
    }
    if (x2) this.gp(`write to reserved x2APIC MSR 0x${(MSR_X2APIC_FIRST + (off >> 4)).toString(16)}`);
    this.esrPending |= ESR_ILLEGAL_REGISTER;
  }

  private x2Ldr(): number {
    // x2APIC logical ID is derived from the x2APIC ID (SDM "Logical Destination Mode in x2APIC Mode").
    return (((this.apicId >>> 4) << 16) | (1 << (this.apicId & 0xf))) >>> 0;
  }

  private gp(why: string): never {
    throw new Fault(Vector.GP, 0, why);
  }

  // ----------------------------------------------------------------- ICR

  /**
   * Send the IPI the ICR describes (SDM "Interrupt Command Register"). In
   * xAPIC mode the delivery-status bit reads 1 until the bus has delivered
   * the message.
   */
  private sendIpi(lo: number, dest: number, x2: boolean, tick: Tick): void {
    const mode = ((lo >>> ICR_DELIVERY_MODE_SHIFT) & 7) as DeliveryMode;
    const vector = lo & 0xff;
    if ((mode === DeliveryMode.Fixed || mode === DeliveryMode.LowestPriority) && vector < 16) {
      this.error(ESR_SEND_ILLEGAL_VECTOR, tick);
      return;
    }
    if (mode === DeliveryMode.Init || mode === DeliveryMode.StartUp || mode === DeliveryMode.Smi || mode === DeliveryMode.ExtInt) {
      throw new Unsupported(`IPI with delivery mode ${mode} (INIT/SIPI/SMI/ExtINT) is not supported by this machine`);
    }
    const msg: ApicMessage = {
      vector,
      mode,
      logical: (lo & ICR_DEST_LOGICAL) !== 0,
      dest,
      shorthand: ((lo >>> ICR_SHORTHAND_SHIFT) & 3) as Shorthand,
      level: (lo & ICR_LEVEL_ASSERT) !== 0,
      triggerLevel: (lo & ICR_TRIGGER_LEVEL) !== 0,
      source: this.index,
      x2apic: x2, // sendIpi is reached through the xAPIC page only in xAPIC mode, through MSRs only in x2APIC mode
    };
    const sent = this.bus.send(this, msg, tick);
    if (!sent) { this.error(ESR_SEND_ACCEPT, tick); return; }
    if (!msg.x2apic) this.sendsInFlight++;
  }

  /** The bus has delivered one of our messages: delivery status goes idle. */
  sendCompleted(): void {
    if (this.sendsInFlight > 0) this.sendsInFlight--;
  }

  /** Does this APIC match a destination (SDM "Determining IPI Destination")? */
  matches(msg: ApicMessage): boolean {
    if (this.mode === 'disabled') return false;
    if (msg.x2apic) {
      if (msg.dest === 0xffffffff) return true;
      if (!msg.logical) return this.apicId === msg.dest;
      const ldr = this.x2Ldr();
      return (msg.dest >>> 16) === (ldr >>> 16) && (msg.dest & ldr & 0xffff) !== 0;
    }
    const d = msg.dest & 0xff;
    if (d === 0xff) return true;
    if (!msg.logical) return this.apicId === d;
    const l = this.ldr >>> 24;
    if ((this.dfr >>> 28) === 0xf) return (l & d) !== 0; // flat model
    return (l >>> 4) === (d >>> 4) && (l & d & 0xf) !== 0; // cluster model
  }

  // --------------------------------------------------------------- timer

  private timerMode(): TimerMode {
    return ((this.lvt.get(Reg.LVT_TIMER)! >>> LVT_TIMER_MODE_SHIFT) & 3) as TimerMode;
  }

  /** Divide configuration → divisor (SDM "Divide Configuration Register": bits 3,1,0). */
  private divisor(): number {
    const code = ((this.timerDivide >> 1) & 4) | (this.timerDivide & 3);
    return code === 7 ? 1 : 2 << code;
  }

  private ticksPerCount(): number { return this.costs.ticksPerTimerCount * this.divisor(); }

  private setInitialCount(v: number, tick: Tick): void {
    if (this.timerMode() === TimerMode.TscDeadline) return; // ignored in TSC-deadline mode
    this.timerInitial = v;
    this.timerGen++;
    if (v === 0) return;
    this.timerStart = tick;
    this.armCountTimer(tick + v * this.ticksPerCount());
  }

  private armCountTimer(at: Tick): void {
    const gen = this.timerGen;
    this.queue.schedule(at, (t) => {
      if (gen !== this.timerGen) return;
      const lvt = this.lvt.get(Reg.LVT_TIMER)!;
      if ((lvt & LVT_MASKED) === 0) this.selfInterrupt(lvt & 0xff, t);
      if (this.timerMode() === TimerMode.Periodic) {
        this.timerStart = t;
        this.armCountTimer(t + this.timerInitial * this.ticksPerCount());
      } else {
        this.timerGen++; // one-shot: the count stays at 0
      }
    }, 0, `core ${this.index}'s APIC timer reaches 0 (unless re-armed since)`);
  }

  private currentCount(tick: Tick): number {
    if (this.timerInitial === 0 || this.timerMode() === TimerMode.TscDeadline) return 0;
    const elapsed = Math.floor((tick - this.timerStart) / this.ticksPerCount());
    if (this.timerMode() === TimerMode.Periodic) return this.timerInitial - (elapsed % this.timerInitial);
    return Math.max(0, this.timerInitial - elapsed);
  }

  private setTscDeadline(deadline: number, tick: Tick): void {
    if (this.timerMode() !== TimerMode.TscDeadline) return; // writes outside TSC-deadline mode are ignored
    this.tscDeadline = deadline;
    this.timerGen++;
    if (deadline === 0) return; // disarm
    const gen = this.timerGen;
    this.queue.schedule(Math.max(deadline, tick), (t) => {
      if (gen !== this.timerGen) return;
      this.tscDeadline = 0;
      const lvt = this.lvt.get(Reg.LVT_TIMER)!;
      if ((lvt & LVT_MASKED) === 0) this.selfInterrupt(lvt & 0xff, t);
    }, 0, `core ${this.index}'s TSC deadline (unless re-armed since)`);
  }

  // ------------------------------------------------------------- MSRs

  handles(index: number): boolean {
    return index === MSR_APIC_BASE || index === MSR_TSC_DEADLINE || (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST);
  }

  rdmsr(index: number, hiOut: Int32Array): number {
    hiOut[0] = 0;
    if (index === MSR_APIC_BASE) return this.baseMsr | 0;
    if (index === MSR_TSC_DEADLINE) {
      const d = this.tscDeadline;
      hiOut[0] = Math.floor(d / 4294967296) | 0;
      return (d % 4294967296) | 0;
    }
    if (this.mode !== 'x2apic') this.gp('x2APIC MSR access while the APIC is not in x2APIC mode');
    if (index === 0x830) { hiOut[0] = this.icrHi; return this.icrLo; }
    return this.readReg((index - MSR_X2APIC_FIRST) << 4, true);
  }

  wrmsr(index: number, lo: number, hi: number): void {
    const tick = this.core.time;
    if (index === MSR_APIC_BASE) { this.writeApicBase(lo >>> 0, hi); return; }
    if (index === MSR_TSC_DEADLINE) { this.setTscDeadline((hi >>> 0) * 4294967296 + (lo >>> 0), tick); return; }
    if (this.mode !== 'x2apic') this.gp('x2APIC MSR access while the APIC is not in x2APIC mode');
    if (index === 0x830) {
      // One 64-bit write sends (SDM "Interrupt Command Register in x2APIC Mode").
      this.icrLo = lo & ~ICR_DELIVERY_STATUS;
      this.icrHi = hi >>> 0;
      this.sendIpi(this.icrLo, this.icrHi, true, tick);
      return;
    }
    if (hi !== 0) this.gp('WRMSR with non-zero high half to a 32-bit x2APIC register');
    this.writeReg((index - MSR_X2APIC_FIRST) << 4, lo, true);
  }

  /**
   * IA32_APIC_BASE: EN and EXTD move the APIC between disabled, xAPIC and
   * x2APIC; x2APIC → xAPIC directly, and disabled → x2APIC directly, are
   * illegal (#GP) (SDM "x2APIC State Transitions"). Relocating the base is
   * not modelled.
   */
  private writeApicBase(lo: number, hi: number): void {
    if (hi !== 0 || (lo & 0x2ff) !== 0) this.gp('WRMSR IA32_APIC_BASE with reserved bits set');
    if ((lo & 0xfffff000) >>> 0 !== APIC_BASE_DEFAULT) throw new Unsupported('relocating the local APIC base is not modelled');
    const en = (lo & APIC_BASE_EN) !== 0, extd = (lo & APIC_BASE_EXTD) !== 0;
    const next: ApicMode = !en ? 'disabled' : extd ? 'x2apic' : 'xapic';
    if (!en && extd) this.gp('IA32_APIC_BASE: EXTD set with EN clear is invalid');
    if (this.mode === 'x2apic' && next === 'xapic') this.gp('x2APIC → xAPIC is an illegal transition (disable first)');
    if (this.mode === 'disabled' && next === 'x2apic') this.gp('disabled → x2APIC is an illegal transition (enable xAPIC first)');
    if (next === 'disabled' && this.mode !== 'disabled') this.resetToDisabled();
    this.mode = next;
    this.baseMsr = ((lo & ~0xfff) | (lo & (APIC_BASE_EN | APIC_BASE_EXTD)) | (this.baseMsr & APIC_BASE_BSP)) >>> 0;
    this.update(this.core.time);
  }

  /** Hardware disable: the APIC returns to its power-up state (SDM "Enabling or Disabling the Local APIC"). */
  private resetToDisabled(): void {
    this.irr.fill(0); this.isr.fill(0); this.tmr.fill(0);
    this.tpr = 0; this.svr = 0xff; this.ldr = 0; this.dfr = 0xffffffff;
    this.esr = 0; this.esrPending = 0; this.icrLo = 0; this.icrHi = 0;
    for (const o of LVT_OFFSETS) this.lvt.set(o, LVT_MASKED);
    this.timerInitial = 0; this.timerDivide = 0; this.timerGen++; this.tscDeadline = 0;
  }

  // --------------------------------------------------------- debugger view

  snapshot(): Record<string, number | string> {
    return {
      mode: this.mode, id: this.apicId, tpr: this.tpr, ppr: this.ppr(), svr: this.svr, esr: this.esr,
      icrLo: this.icrLo, icrHi: this.icrHi, irrHighest: highestBit(this.irr), isrHighest: highestBit(this.isr),
      timerInitial: this.timerInitial, timerCurrent: this.currentCount(this.core.time), lvtTimer: this.lvt.get(Reg.LVT_TIMER)!,
    };
  }
}
