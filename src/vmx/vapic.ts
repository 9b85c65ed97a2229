/**
 * APIC virtualization (SDM Vol. 3C ch. 29 "APIC Virtualization and Virtual
 * Interrupts"): the virtual-APIC page (VTPR 80H, VPPR A0H, VEOI B0H, VISR
 * 100H–170H, VIRR 200H–270H, VICR 300H/310H) and the guest interrupt status
 * (RVI, SVI), with the SDM's named operations:
 *   TPR virtualization (§29.1.2), PPR virtualization (§29.1.3), EOI
 *   virtualization (§29.1.4), self-IPI virtualization (§29.1.5), evaluation
 *   and delivery of pending virtual interrupts (§29.2.1, §29.2.2),
 *   virtualized accesses to the APIC-access page (§29.4) and to x2APIC MSRs
 *   (§29.5).
 * Every virtual-APIC page access goes through the memory system like any
 * other access of the core (it is ordinary memory the VMM can read).
 */
import type { MmioDevice } from '../memory/physical.js';
import { Fault, Vector } from '../cpu/fault.js';
import { PROC, PROC2 } from './controls.js';
import { ExitReason } from './reasons.js';
import { VmExit } from './vmexit.js';
import type { VmxCpu } from './vmxCpu.js';

export const VTPR = 0x80, VPPR = 0xa0, VEOI = 0xb0, VISR = 0x100, VIRR = 0x200, VICR_LO = 0x300, VICR_HI = 0x310;

// ------------------------------------------------------ virtual-APIC page

/** A 32-bit read of the virtual-APIC page at `off`, through the memory system. */
export function vload(v: VmxCpu, off: number): number {
  const c = v.core;
  const op = c.curOp;
  c.curOp = null; // never a replayable load: this access belongs to the processor, not the instruction
  try { return c.readPhys(v.g.vapicPage + off, 4) >>> 0; } finally { c.curOp = op; }
}

/** The same bytes for an event's payload or a debugger view: no access, no cost (observing must not perturb). */
export function vpeek(v: VmxCpu, off: number): number {
  const mem = v.host.mem;
  const pa = v.g.vapicPage + off;
  return pa + 4 <= mem.ramBytes ? mem.dv.getUint32(pa, true) : 0;
}

export function vstore(v: VmxCpu, off: number, value: number): void {
  v.core.writePhys(v.g.vapicPage + off, 4, value | 0, 0);
}

/** Highest set bit of the 256-bit VISR/VIRR array at `base`, or -1. */
function highest(v: VmxCpu, base: number): number {
  for (let w = 7; w >= 0; w--) {
    const x = vload(v, base + w * 16);
    if (x !== 0) return w * 32 + 31 - Math.clz32(x);
  }
  return -1;
}

function setVector(v: VmxCpu, base: number, vector: number): void {
  const off = base + (vector >>> 5) * 16;
  vstore(v, off, vload(v, off) | (1 << (vector & 31)));
}

function clearVector(v: VmxCpu, base: number, vector: number): void {
  const off = base + (vector >>> 5) * 16;
  vstore(v, off, vload(v, off) & ~(1 << (vector & 31)));
}

const vidOn = (v: VmxCpu) => (v.g.proc2 & PROC2.VIRTUAL_INTERRUPT_DELIVERY) !== 0;

// --------------------------------------------- the virtualizing operations

/** PPR virtualization (SDM §29.1.3): VPPR ← VTPR if VTPR[7:4] ≥ SVI[7:4], else SVI & F0H. */
export function pprVirtualization(v: VmxCpu): void {
  const vtpr = vload(v, VTPR) & 0xff;
  const vppr = (vtpr >>> 4) >= (v.svi >>> 4) ? vtpr : v.svi & 0xf0;
  vstore(v, VPPR, vppr);
}

/**
 * Evaluation of pending virtual interrupts (SDM §29.2.1): a virtual
 * interrupt is recognized iff "interrupt-window exiting" is 0 and
 * RVI[7:4] > VPPR[7:4]. It is delivered at a later instruction boundary.
 */
export function evaluatePendingVirtualInterrupts(v: VmxCpu): void {
  const c = v.core;
  const vppr = vload(v, VPPR) & 0xff;
  const recognized = (v.g.proc & PROC.INTERRUPT_WINDOW_EXITING) === 0 && (v.rvi >>> 4) > (vppr >>> 4);
  v.viRecognized = recognized;
  const ev = v.host.events;
  if (ev.wants.vintr) ev.emit('vintr', { core: c.id, tick: c.time, phase: recognized ? 'recognized' : 'evaluated', vector: v.rvi, rvi: v.rvi, svi: v.svi, vppr });
  if (recognized) {
    c.vmxPending = true;
    c.requestBlockExit();
    v.wakeIfHalted(c.time);
  }
}

/**
 * Virtual-interrupt delivery (SDM §29.2.2): Vector ← RVI; VISR[Vector] ← 1;
 * SVI ← Vector; VPPR ← Vector & F0H; VIRR[Vector] ← 0; RVI ← highest VIRR
 * bit or 0; then the vector is delivered through the guest IDT like an
 * external interrupt.
 */
export function deliverVirtualInterrupt(v: VmxCpu): void {
  const c = v.core;
  const t0 = c.time;
  const vector = v.rvi;
  v.viRecognized = false;
  c.time += v.host.costs.vmx.virtualInterruptDelivery;
  setVector(v, VISR, vector);
  v.svi = vector;
  vstore(v, VPPR, vector & 0xf0);
  clearVector(v, VIRR, vector);
  v.rvi = Math.max(highest(v, VIRR), 0);
  const ev = v.host.events;
  if (ev.wants.vintr) ev.emit('vintr', { core: c.id, tick: t0, phase: 'delivered', vector, rvi: v.rvi, svi: v.svi, vppr: vector & 0xf0 });
  v.guestHalted = false;
  c.deliverVirtualInterrupt(vector);
}

/**
 * TPR virtualization (SDM §29.1.2), after a write to VTPR: with
 * virtual-interrupt delivery, PPR virtualization and evaluation; without,
 * a TPR-below-threshold VM exit (trap-like) if VTPR[7:4] < TPR threshold.
 */
export function tprVirtualization(v: VmxCpu): void {
  v.core.time += v.host.costs.vmx.apicVirtualization;
  if (vidOn(v)) {
    pprVirtualization(v);
    evaluatePendingVirtualInterrupts(v);
    return;
  }
  if (((vload(v, VTPR) >>> 4) & 0xf) < (v.g.tprThreshold & 0xf)) throw new VmExit(ExitReason.TprBelowThreshold, 0, true);
}

/**
 * EOI virtualization (SDM §29.1.4): Vector ← SVI; VISR[Vector] ← 0; SVI ←
 * highest VISR bit or 0; PPR virtualization; an EOI-induced VM exit
 * (trap-like, qualification = vector) if EOI_exit_bitmap[Vector] = 1, else
 * evaluation of pending virtual interrupts.
 */
export function eoiVirtualization(v: VmxCpu): void {
  const c = v.core;
  const t0 = c.time;
  c.time += v.host.costs.vmx.eoiVirtualization;
  vstore(v, VEOI, 0);
  const vector = v.svi;
  clearVector(v, VISR, vector);
  v.svi = Math.max(highest(v, VISR), 0);
  pprVirtualization(v);
  const ev = v.host.events;
  if (ev.wants.vintr) ev.emit('vintr', { core: c.id, tick: t0, phase: 'eoi', vector, rvi: v.rvi, svi: v.svi, vppr: vpeek(v, VPPR) & 0xff });
  if (((v.g.eoiExitBitmap[vector >>> 5]! >>> (vector & 31)) & 1) !== 0) throw new VmExit(ExitReason.VirtualizedEoi, vector, true);
  evaluatePendingVirtualInterrupts(v);
}

/** Self-IPI virtualization (SDM §29.1.5): VIRR[Vector] ← 1; RVI ← max(RVI, Vector); evaluation. */
export function selfIpiVirtualization(v: VmxCpu, vector: number): void {
  const c = v.core;
  c.time += v.host.costs.vmx.apicVirtualization;
  setVector(v, VIRR, vector);
  if (vector > v.rvi) v.rvi = vector;
  const ev = v.host.events;
  if (ev.wants.vintr) ev.emit('vintr', { core: c.id, tick: c.time, phase: 'self-ipi', vector, rvi: v.rvi, svi: v.svi, vppr: vpeek(v, VPPR) & 0xff });
  evaluatePendingVirtualInterrupts(v);
}

// ------------------------------------- the APIC-access page (§29.4)

/** Offsets whose reads APIC-register virtualization satisfies from the virtual-APIC page (§29.4.2). */
function readVirtualized(off: number): boolean {
  const r = off & 0xff0;
  return r === 0x20 || r === 0x30 || r === 0x80 || r === 0xb0 || r === 0xd0 || r === 0xe0 || r === 0xf0 ||
    (r >= 0x100 && r <= 0x270) || r === 0x280 || r === 0x300 || r === 0x310 || (r >= 0x320 && r <= 0x370) || r === 0x380 || r === 0x3e0;
}

/** Offsets whose writes APIC-register virtualization stores to the virtual-APIC page (§29.4.3.1). */
function writeVirtualized(off: number): boolean {
  const r = off & 0xff0;
  return r === 0x20 || r === 0x80 || r === 0xb0 || r === 0xd0 || r === 0xe0 || r === 0xf0 || r === 0x280 || r === 0x300 || r === 0x310 ||
    (r >= 0x320 && r <= 0x370) || r === 0x380 || r === 0x3e0;
}

/** The access lies within bytes 0–3 of a 16-byte register (anything else exits). */
const withinRegister = (off: number, size: number) => (off & 0xc) === 0 && (off & 3) + size <= 4 && off < 0x400;

function apicAccessExit(v: VmxCpu, off: number, write: boolean): VmExit {
  // Access type (Table 27-6): 0 linear read, 1 linear write, 3 during event delivery.
  const type = v.vectoring.active ? 3 : write ? 1 : 0;
  return new VmExit(ExitReason.ApicAccess, off | (type << 12), false, `APIC access at offset 0x${off.toString(16)}`);
}

/** A guest read of the APIC-access page (SDM §29.4.2): virtualized from the virtual-APIC page, or an APIC-access VM exit. */
export function apicAccessRead(v: VmxCpu, off: number, size: number): number {
  const regs = (v.g.proc2 & PROC2.APIC_REGISTER_VIRTUALIZATION) !== 0;
  const ok = withinRegister(off, size) && (regs ? readVirtualized(off) : (off & 0xff0) === VTPR);
  if (!ok) throw apicAccessExit(v, off, false);
  v.core.time += v.host.costs.vmx.apicVirtualization;
  const x = vload(v, off & 0xffc) >>> ((off & 3) * 8);
  return size === 1 ? x & 0xff : size === 2 ? x & 0xffff : x;
}

/**
 * A guest write to the APIC-access page (SDM §29.4.3): stored to the
 * virtual-APIC page and followed, after the instruction, by APIC-write
 * emulation (TPR/EOI/self-IPI virtualization or an APIC-write VM exit), or
 * an APIC-access VM exit instead of the write.
 */
export function apicAccessWrite(v: VmxCpu, off: number, size: number, value: number): void {
  const regs = (v.g.proc2 & PROC2.APIC_REGISTER_VIRTUALIZATION) !== 0;
  const r = off & 0xff0;
  const ok = withinRegister(off, size) &&
    (r === VTPR || (regs && writeVirtualized(off)) || (vidOn(v) && (r === VEOI || r === VICR_LO)));
  if (!ok) throw apicAccessExit(v, off, true);
  const c = v.core;
  c.time += v.host.costs.vmx.apicVirtualization;
  const dword = off & 0xffc;
  const shift = (off & 3) * 8;
  const mask = size >= 4 ? 0xffffffff : (((1 << (size * 8)) - 1) << shift) >>> 0;
  const old = size >= 4 ? 0 : vload(v, dword);
  vstore(v, dword, ((old & ~mask) | ((value << shift) & mask)) >>> 0);
  // APIC-write emulation happens after the instruction completes (trap-like): at the next boundary.
  v.apicTrap = r;
  c.vmxPending = true;
  c.requestBlockExit();
}

/** APIC-write emulation (SDM §29.4.3.2), at the boundary after a virtualized write. */
export function apicWriteEmulation(v: VmxCpu): void {
  const off = v.apicTrap;
  v.apicTrap = -1;
  if (off === VTPR) { tprVirtualization(v); return; }
  if (off === VEOI && vidOn(v)) { eoiVirtualization(v); return; }
  if (off === VICR_LO && vidOn(v)) {
    const icr = vload(v, VICR_LO);
    // Self-IPI: reserved bits, delivery status, level/trigger clear; fixed delivery; "self" shorthand; vector ≥ 16.
    if ((icr & 0xfff3b700) === 0 && ((icr >>> 18) & 3) === 1 && (icr & 0xff) >= 16) { selfIpiVirtualization(v, icr & 0xff); return; }
  }
  if (off === VICR_HI && (v.g.proc2 & PROC2.APIC_REGISTER_VIRTUALIZATION) !== 0) {
    vstore(v, VICR_HI, vload(v, VICR_HI) & 0xff000000);
    return;
  }
  throw new VmExit(ExitReason.ApicWrite, off, true);
}

/**
 * The APIC-access window: where translations of the APIC-access page are
 * sent (ept.ts). Reached only in VMX non-root operation; the accessing
 * core's VMX state decides.
 */
export class ApicAccessWindow implements MmioDevice {
  readonly name = 'APIC-access page (VMX)';
  readonly accessCost = 0;
  constructor(private readonly vmxOf: (core: number) => VmxCpu | null) {}

  read(core: number, offset: number, size: number, hiOut: Int32Array): number {
    hiOut[0] = 0;
    const v = this.vmxOf(core);
    if (v === null || !v.core.nonRoot) return -1;
    return apicAccessRead(v, offset, Math.min(size, 8)) | 0;
  }

  write(core: number, offset: number, size: number, lo: number, _hi: number): void {
    const v = this.vmxOf(core);
    if (v === null || !v.core.nonRoot) return;
    apicAccessWrite(v, offset, size, lo);
  }
}

// ------------------------------------------ x2APIC MSRs (§29.5)

/** x2APIC MSRs whose RDMSR APIC-register virtualization reads from the virtual-APIC page (§29.5). */
function x2ReadVirtualized(index: number): boolean {
  return index === 0x802 || index === 0x803 || index === 0x808 || index === 0x80a || index === 0x80d || index === 0x80f ||
    (index >= 0x810 && index <= 0x828) || index === 0x830 || (index >= 0x832 && index <= 0x838) || index === 0x83e;
}

/**
 * RDMSR of an x2APIC MSR with "virtualize x2APIC mode" = 1 (SDM §29.5):
 * [lo, hi] from the virtual-APIC page, or null for "operates normally".
 */
export function x2apicRdmsr(v: VmxCpu, index: number): [number, number] | null {
  const regs = (v.g.proc2 & PROC2.APIC_REGISTER_VIRTUALIZATION) !== 0;
  if (!regs && index !== 0x808) return null;
  if (regs && !x2ReadVirtualized(index)) throw new Fault(Vector.GP, 0, `RDMSR of x2APIC MSR 0x${index.toString(16)}, which APIC-register virtualization does not read`);
  v.core.time += v.host.costs.vmx.apicVirtualization;
  const off = (index & 0xff) << 4;
  return [vload(v, off), index === 0x830 ? vload(v, VICR_HI) : 0];
}

/**
 * WRMSR of an x2APIC MSR with "virtualize x2APIC mode" = 1 (SDM §29.5):
 * VTPR (808H) with TPR virtualization; with virtual-interrupt delivery, EOI
 * (80BH) with EOI virtualization and SELF IPI (83FH) with self-IPI
 * virtualization. Returns false for "operates normally".
 */
export function x2apicWrmsr(v: VmxCpu, index: number, lo: number, hi: number): boolean {
  if (index === 0x808) {
    if (hi !== 0 || (lo >>> 8) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR VTPR (808H) with bits 63:8 set');
    vstore(v, VTPR, lo & 0xff);
    tprVirtualization(v);
    return true;
  }
  if (!vidOn(v)) return false;
  if (index === 0x80b) {
    if (hi !== 0 || lo !== 0) throw new Fault(Vector.GP, 0, 'WRMSR of a non-zero value to the virtualized EOI MSR (80BH)');
    eoiVirtualization(v);
    return true;
  }
  if (index === 0x83f) {
    if (hi !== 0 || (lo >>> 8) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR SELF IPI (83FH) with bits 63:8 set');
    const vector = lo & 0xff;
    if (vector < 16) {
      // Illegal vectors are left to the VMM: the write goes to the virtual-APIC page and an APIC-write exit follows.
      vstore(v, 0x3f0, vector);
      throw new VmExit(ExitReason.ApicWrite, 0x3f0, true);
    }
    selfIpiVirtualization(v, vector);
    return true;
  }
  return false;
}
