/**
 * The VMX state of one logical processor (SDM Vol. 3C "Introduction to
 * Virtual Machine Extensions"): whether it is in VMX operation, the VMXON
 * pointer, the current-VMCS pointer and the VMCSs active on it, plus the
 * VMfail/VMsucceed conventions every VMX instruction reports with
 * (SDM §30.2 "Conventions").
 *
 * VMX non-root operation is the core's `nonRoot` flag; what happens on VM
 * entry, VM exit and in non-root operation lives in entry.ts, exit.ts,
 * nonroot.ts, ept.ts, vapic.ts and posted.ts, each following its SDM
 * chapter.
 */
import type { Core } from '../cpu/core.js';
import { CF, ZF } from '../cpu/flags.js';
import type { PhysicalMemory } from '../memory/physical.js';
import type { MemorySystem } from '../memory/memorySystem.js';
import type { TickCosts } from '../profile/load.js';
import type { EventStream } from '../sim/events.js';
import type { EventQueue } from '../sim/scheduler.js';
import type { LocalApic } from '../apic/localApic.js';
import { VmxMsrs } from './capabilities.js';
import { Vmcs } from './vmcs.js';
import { F } from './fields.js';
import type { VmxError } from './reasons.js';
import { TlbContexts } from './tlbContext.js';
import { SegmentState } from './segments.js';
import { NestedTranslation } from './ept.js';
import { RunState } from '../cpu/core.js';
import type { Tick } from '../sim/time.js';
import type { Op } from '../cpu/op.js';
import { PIN } from './controls.js';
import { ExitReason } from './reasons.js';
import { VmExit } from './vmexit.js';
import { vmExit } from './exit.js';
import { boundary, instructionExit, interceptEvent, type IntrType } from './nonroot.js';

/**
 * The controls and addresses of the guest running in VMX non-root
 * operation, read from the VMCS at VM entry (software cannot change the
 * current VMCS until the next VM exit).
 */
export class GuestControls {
  pin = 0; proc = 0; proc2 = 0; exit = 0; entry = 0;
  exceptionBitmap = 0; pfecMask = 0; pfecMatch = 0;
  cr0Mask = 0; cr4Mask = 0; cr0Shadow = 0; cr4Shadow = 0;
  cr3TargetCount = 0;
  readonly cr3Targets = new Float64Array(4);
  msrBitmap = 0; ioBitmapA = 0; ioBitmapB = 0;
  vapicPage = 0;
  /** APIC-access page, or -1 when "virtualize APIC accesses" is 0. */
  apicAccessPage = -1;
  tprThreshold = 0;
  notificationVector = 0;
  pidAddr = 0;
  readonly eoiExitBitmap = new Uint32Array(8);
  vpid = 0;
  ept = false;
  eptp = 0;
}

/** The event being delivered through the guest IDT, for the IDT-vectoring information of an exit during delivery (SDM §27.2.3). */
export class Vectoring {
  active = false;
  info = 0;
  error = 0;
  instrLen = 0;
}

/** The machine around a logical processor's VMX hardware. */
export interface VmxHost {
  readonly mem: PhysicalMemory;
  readonly memsys: MemorySystem;
  readonly costs: TickCosts;
  readonly events: EventStream;
  readonly queue: EventQueue;
  readonly apic: LocalApic;
}

/** The current-VMCS pointer's "invalid" value FFFFFFFF_FFFFFFFFH, as -1. */
export const INVALID_POINTER = -1;

export class VmxCpu {
  /** In VMX operation (root or non-root), after VMXON and until VMXOFF. */
  inVmx = false;
  vmxonPointer = INVALID_POINTER;
  /** The current VMCS, or null when the current-VMCS pointer is FFFFFFFF_FFFFFFFFH. */
  current: Vmcs | null = null;
  /** VMCSs active on this processor (made current since their last VMCLEAR), by region address. */
  readonly active = new Map<number, Vmcs>();
  readonly msrs = new VmxMsrs();
  /** TLB contexts tagged by VPID/EPTP. */
  readonly tlb = new TlbContexts();

  // ------------------------------------------- VMX non-root operation
  readonly g = new GuestControls();
  /** Guest segment registers as VM entry loaded them (the core keeps selectors and FS/GS bases only). */
  readonly seg = new SegmentState();
  readonly vectoring = new Vectoring();
  readonly nested: NestedTranslation;
  /** DR7 (the core has no debug registers; VMX saves and loads it). */
  dr7 = 0x400;
  /** The guest is in the HLT activity state. */
  guestHalted = false;
  /** Requesting and servicing virtual interrupts (guest interrupt status, SDM §24.4.2). */
  rvi = 0;
  svi = 0;
  /** A virtual interrupt is recognized (SDM §29.2.1) and waits for a boundary with RFLAGS.IF = 1. */
  viRecognized = false;
  /** APIC-write emulation owed after a virtualized APIC-access page write: the register offset, or -1. */
  apicTrap = -1;
  /** An MTF VM exit is pending (injected "other event" 0). */
  mtfPending = false;
  /** VMX-preemption timer. */
  timerGen = 0;
  timerDeadline: Tick = 0;
  timerExpired = false;
  /** The rule the last failed VM entry broke (debugger). */
  lastEntryFailure = '';

  constructor(readonly core: Core, readonly host: VmxHost) {
    this.nested = new NestedTranslation(host.mem);
  }

  // --------------------------------------------- the core's VMX hooks

  /** An instruction boundary in non-root operation with something pending (nonroot.ts). */
  boundary(): boolean { return boundary(this); }

  /** The instruction `op` caused a VM exit. */
  instructionExit(e: VmExit, op: Op): void { instructionExit(this, e, op); }

  /** A VM exit while fetching or delivering an event; `rip` is the guest RIP to save. */
  eventExit(e: VmExit, rip: number): void { vmExit(this, e, rip, 0); }

  /** An event about to be delivered through the guest IDT: true if it caused a VM exit instead. */
  interceptEvent(vector: number, errorCode: number | null, type: IntrType, restartRip: number): boolean {
    return interceptEvent(this, vector, errorCode, type, restartRip, null);
  }

  /** The event being delivered reached its handler: no IDT-vectoring information is left to report. */
  delivered(): void {
    this.vectoring.active = false;
    this.guestHalted = false;
  }

  /** A triple fault in VMX non-root operation is a VM exit (SDM §25.2). */
  tripleFaultExit(detail: string): void {
    this.vectoring.active = false;
    vmExit(this, new VmExit(ExitReason.TripleFault, 0, false, detail), this.core.rip, 0);
  }

  /** The monitor trap flag's VM exit after a guest instruction (SDM §25.5.2). */
  mtfExit(): void { vmExit(this, new VmExit(ExitReason.MonitorTrapFlag, 0), this.core.rip, 0); }

  get externalInterruptExiting(): boolean { return (this.g.pin & PIN.EXTERNAL_INTERRUPT_EXITING) !== 0; }

  /** A virtual interrupt became deliverable: a halted guest wakes (SDM §29.2.2). */
  wakeIfHalted(tick: Tick): void {
    if (this.core.state === RunState.Halted && this.core.nonRoot) this.core.wakeForVmx(tick);
  }

  get currentPointer(): number { return this.current === null ? INVALID_POINTER : this.current.pa; }

  // ---------------------------------------- VMsucceed / VMfail (SDM §30.2)

  /** CF, PF, AF, ZF, SF, OF ← 0. */
  succeed(): void { this.core.setArithFlags(0); }

  /** CF ← 1; PF, AF, ZF, SF, OF ← 0. */
  failInvalid(): void { this.core.setArithFlags(CF); }

  /** ZF ← 1; CF, PF, AF, SF, OF ← 0; the error number goes to the VM-instruction error field. */
  failValid(error: VmxError): void {
    this.core.setArithFlags(ZF);
    this.current!.set32(F.VM_INSTRUCTION_ERROR, error);
  }

  /** VMfail(ErrorNumber): VMfailValid if there is a current VMCS, else VMfailInvalid. */
  fail(error: VmxError): void {
    if (this.current !== null) this.failValid(error);
    else this.failInvalid();
  }

  // ------------------------------------------------------------ VMCS cache

  /** Make the VMCS at `pa` current, loading it from its region unless it is already active here. */
  makeCurrent(pa: number): Vmcs {
    let v = this.active.get(pa);
    if (v === undefined) {
      v = new Vmcs(pa);
      v.loadFrom(this.host.mem);
      this.active.set(pa, v);
    }
    this.current = v;
    return v;
  }

  /** VMCLEAR: the VMCS's data reaches its region, its launch state becomes clear and it is no longer active. */
  clear(pa: number): void {
    const mem = this.host.mem;
    const v = this.active.get(pa);
    if (v !== undefined) {
      v.launched = false;
      v.storeTo(mem);
      this.active.delete(pa);
    } else if (pa + 12 <= mem.ramBytes) {
      mem.dv.setUint32(pa + 8, 0, true); // launch state "clear" in the region's own format
    }
    if (this.current !== null && this.current.pa === pa) this.current = null;
  }
}
