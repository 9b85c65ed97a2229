/**
 * VMX non-root operation (SDM Vol. 3C ch. 25 "VMX Non-Root Operation"):
 * which instructions exit (unconditionally, or by control: HLT, RDTSC,
 * CR and I/O accesses, MSR bitmaps, PAUSE, INVLPG, ...), how instructions
 * that do not exit behave differently (CR read shadows, TSC offsetting,
 * the TPR shadow, x2APIC virtualization), and what happens at an
 * instruction boundary (SDM §6.9 priorities with the VMX events of §25.2 and
 * §29.2: MTF, VMX-preemption timer, NMI window, NMIs, interrupt window,
 * virtual interrupts, external interrupts with "external-interrupt exiting"
 * and posted-interrupt processing).
 */
import type { Core } from '../cpu/core.js';
import type { Op } from '../cpu/op.js';
import { K } from '../cpu/op.js';
import { Fault, Vector } from '../cpu/fault.js';
import { IF } from '../cpu/flags.js';
import { RSP, RBP } from '../cpu/registers.js';
import { PIN, PROC, PROC2, EXIT } from './controls.js';
import { ExitReason } from './reasons.js';
import { VmExit } from './vmexit.js';
import { vmExit } from './exit.js';
import type { VmxCpu } from './vmxCpu.js';
import { apicWriteEmulation, deliverVirtualInterrupt, VTPR, vload, vstore, tprVirtualization, x2apicRdmsr, x2apicWrmsr } from './vapic.js';
import { postedInterruptProcessing } from './posted.js';

const TWO32 = 4294967296;

/** Interruption-information types (SDM Table 24-15). */
export const enum IntrType { External = 0, Nmi = 2, HardwareException = 3, SoftwareInterrupt = 4, PrivilegedSoftwareException = 5, SoftwareException = 6, Other = 7 }

const info = (vector: number, type: IntrType, errorCode: boolean) => (0x80000000 | (errorCode ? 1 << 11 : 0) | (type << 8) | vector) >>> 0;

// ---------------------------------------------------------- exit helpers

/** A VM exit raised by the instruction `op` (thrown from its handler): fault-like unless `e.trap`. */
export function instructionExit(v: VmxCpu, e: VmExit, op: Op): void {
  vmExit(v, e, e.trap ? op.next : op.rip, op.len);
}

/**
 * The VM-exit instruction-information field for VMX instructions and
 * descriptor-table instructions (SDM §27.2.4, Tables 27-10, 27-11, 27-13):
 * scaling, address size, segment, index and base registers of the memory
 * operand, or the register operand (bit 10), and Reg2 (bits 31:28).
 */
export function instructionInfo(op: Op, rm: 0 | 1, reg2: boolean, identity = -1): number {
  const isMem = (rm === 0 ? op.k0 : op.k1) === K.Mem;
  let x = 0;
  if (isMem) {
    x |= op.mShift & 3;
    x |= (op.addr32 ? 1 : 2) << 7;
    const seg = op.mSeg >= 0 ? op.mSeg : op.mBase === RSP || op.mBase === RBP ? 2 : 3;
    x |= seg << 15;
    if (op.mIndex >= 0) x |= op.mIndex << 18; else x |= 1 << 22;
    if (op.mBase >= 0) x |= op.mBase << 23; else x |= 1 << 27;
  } else {
    x |= 1 << 10;
    x |= ((rm === 0 ? op.r0 : op.r1) & 15) << 3;
  }
  // Reg2: the register operand that is not the r/m one (VMREAD's field, VMWRITE's field, INVEPT/INVVPID's type).
  if (reg2) x |= ((rm === 0 ? op.r1 : op.r0) & 15) << 28;
  if (identity >= 0) x |= identity << 28;
  return x >>> 0;
}

function exitIf(cond: boolean, reason: ExitReason, qualification = 0): void {
  if (cond) throw new VmExit(reason, qualification);
}

// ------------------------------------------- instructions (SDM §25.1)

/** CPUID, INVD, GETSEC, XSETBV exit unconditionally (§25.1.2). */
export function unconditionalExit(reason: ExitReason): never {
  throw new VmExit(reason, 0);
}

export function hltInGuest(c: Core): void {
  const v = c.vmx!;
  exitIf((v.g.proc & PROC.HLT_EXITING) !== 0, ExitReason.Hlt);
}

/** RDTSC/RDTSCP (§25.1.3, §25.3): exit with "RDTSC exiting"; RDTSCP is #UD unless "enable RDTSCP". */
export function rdtscInGuest(c: Core, rdtscp: boolean): void {
  const v = c.vmx!;
  if (rdtscp && (v.g.proc2 & PROC2.ENABLE_RDTSCP) === 0) throw new Fault(Vector.UD, null, 'RDTSCP in VMX non-root operation with "enable RDTSCP" = 0');
  exitIf((v.g.proc & PROC.RDTSC_EXITING) !== 0, rdtscp ? ExitReason.Rdtscp : ExitReason.Rdtsc);
}

export function pauseInGuest(c: Core): void {
  exitIf((c.vmx!.g.proc & PROC.PAUSE_EXITING) !== 0, ExitReason.Pause);
}

export function invlpgInGuest(c: Core, lin: number): void {
  exitIf((c.vmx!.g.proc & PROC.INVLPG_EXITING) !== 0, ExitReason.Invlpg, lin);
}

export function wbinvdInGuest(c: Core): void {
  exitIf((c.vmx!.g.proc2 & PROC2.WBINVD_EXITING) !== 0, ExitReason.Wbinvd);
}

/** LGDT/LIDT/SGDT/SIDT (identity 2/3/0/1) and LTR (identity 3 of the LDTR/TR group) with "descriptor-table exiting". */
export function descriptorTableInGuest(c: Core, op: Op, tr: boolean, identity: number): void {
  if ((c.vmx!.g.proc2 & PROC2.DESCRIPTOR_TABLE_EXITING) === 0) return;
  const e = new VmExit(tr ? ExitReason.LdtrTrAccess : ExitReason.GdtrIdtrAccess, op.k0 === K.Mem ? op.mDispHi * TWO32 + (op.mDispLo >>> 0) : 0);
  e.instrInfo = instructionInfo(op, 0, false, identity);
  throw e;
}

/**
 * RDMSR/WRMSR (§25.1.3): exit through the MSR bitmaps (read-low 000H,
 * read-high 400H, write-low 800H, write-high C00H; MSRs outside 0–1FFFH and
 * C0000000H–C0001FFFH always exit), or without "use MSR bitmaps"; else
 * x2APIC virtualization (§29.5). Returns the value for a virtualized
 * RDMSR, true for a virtualized WRMSR, null to operate normally.
 */
export function msrInGuest(c: Core, index: number, write: boolean, lo: number, hi: number): [number, number] | boolean | null {
  const v = c.vmx!;
  const g = v.g;
  let exit = true;
  if ((g.proc & PROC.MSR_BITMAPS) !== 0) {
    let base = -1;
    if (index <= 0x1fff) base = 0;
    else if (index >= 0xc0000000 && index <= 0xc0001fff) base = 0x400;
    if (base >= 0) {
      const addr = g.msrBitmap + base + (write ? 0x800 : 0) + ((index & 0x1fff) >>> 3);
      exit = ((bitmapByte(c, addr) >>> (index & 7)) & 1) === 1;
    }
  }
  if (exit) throw new VmExit(write ? ExitReason.Wrmsr : ExitReason.Rdmsr, 0);
  if ((g.proc2 & PROC2.VIRTUALIZE_X2APIC_MODE) !== 0 && index >= 0x800 && index <= 0x8ff) {
    return write ? x2apicWrmsr(v, index, lo, hi) : x2apicRdmsr(v, index);
  }
  return null;
}

/** A byte of an exiting bitmap, read through the memory system (the processor reads it like data). */
function bitmapByte(c: Core, addr: number): number {
  const op = c.curOp;
  c.curOp = null;
  try { return c.readPhys(addr, 1); } finally { c.curOp = op; }
}

/**
 * IN/OUT (§25.1.3): exit with "unconditional I/O exiting", or through I/O
 * bitmaps A (ports 0–7FFFH) and B (8000H–FFFFH) when any byte of the access
 * has its bit set (an access wrapping past FFFFH exits). Qualification
 * (Table 27-5): size − 1, direction (1 = IN), string, REP, operand encoding
 * (1 = immediate), port.
 */
export function ioInGuest(c: Core, op: Op, port: number, size: number, isIn: boolean, immediate: boolean): void {
  const g = c.vmx!.g;
  let exit: boolean;
  if ((g.proc & PROC.IO_BITMAPS) !== 0) {
    exit = false;
    for (let p = port; p < port + size; p++) {
      if (p > 0xffff) { exit = true; break; }
      const addr = (p < 0x8000 ? g.ioBitmapA : g.ioBitmapB) + ((p & 0x7fff) >>> 3);
      if (((bitmapByte(c, addr) >>> (p & 7)) & 1) === 1) { exit = true; break; }
    }
  } else {
    exit = (g.proc & PROC.UNCONDITIONAL_IO_EXITING) !== 0;
  }
  if (!exit) return;
  void op;
  const q = (size - 1) | (isIn ? 8 : 0) | (immediate ? 64 : 0) | (port << 16);
  throw new VmExit(ExitReason.IoInstruction, q >>> 0);
}

/**
 * MOV to/from CR0, CR3, CR4, CR8 (§25.1.3, §25.3). Qualification (Table
 * 27-3): CR number, access type (0 MOV to CR, 1 MOV from CR), GPR (bits
 * 11:8). Returns the value a MOV from CR reads (read shadows, VTPR), or
 * the value to write for MOV to CR0/CR4 (guest-owned bits only change),
 * or null when the core's normal behaviour applies.
 */
export function movCrInGuest(c: Core, cr: number, toCr: boolean, gpr: number, value: number): number | null {
  const v = c.vmx!;
  const g = v.g;
  const q = cr | (toCr ? 0 : 1 << 4) | (gpr << 8);
  switch (cr) {
    case 0: case 4: {
      const mask = cr === 0 ? g.cr0Mask : g.cr4Mask;
      const shadow = cr === 0 ? g.cr0Shadow : g.cr4Shadow;
      const actual = cr === 0 ? c.cr0 : c.cr4;
      if (!toCr) return ((actual & ~mask) | (shadow & mask)) >>> 0;
      // MOV to CR0/CR4 exits if any host-owned bit would differ from its read shadow.
      exitIf(((value ^ shadow) & mask) !== 0, ExitReason.CrAccess, q);
      return ((value & ~mask) | (actual & mask)) >>> 0;
    }
    case 3:
      if (!toCr) { exitIf((g.proc & PROC.CR3_STORE_EXITING) !== 0, ExitReason.CrAccess, q); return null; }
      if ((g.proc & PROC.CR3_LOAD_EXITING) !== 0) {
        let target = false;
        for (let i = 0; i < g.cr3TargetCount; i++) if (g.cr3Targets[i] === value) target = true;
        exitIf(!target, ExitReason.CrAccess, q);
      }
      return null;
    case 8:
      if (!toCr) {
        exitIf((g.proc & PROC.CR8_STORE_EXITING) !== 0, ExitReason.CrAccess, q);
        if ((g.proc & PROC.TPR_SHADOW) !== 0) return (vload(v, VTPR) >>> 4) & 0xf;
        return null;
      }
      exitIf((g.proc & PROC.CR8_LOAD_EXITING) !== 0, ExitReason.CrAccess, q);
      if ((g.proc & PROC.TPR_SHADOW) !== 0) {
        // VTPR[7:4] ← CR8 value, VTPR[3:0] ← 0; then TPR virtualization (§29.3).
        vstore(v, VTPR, (value & 0xf) << 4);
        tprVirtualization(v);
        return -1;
      }
      return null;
  }
  return null;
}

/**
 * CLTS (§25.1.3, §25.3), by bit 3 (CR0.TS) of the CR0 guest/host mask and
 * read shadow: both 1, a VM exit (CR access, access type 2, Table 27-3);
 * mask 1 and shadow 0, CLTS completes without changing CR0.TS; mask 0, it
 * clears CR0.TS as usual. Returns true when the core should clear CR0.TS.
 */
export function cltsInGuest(c: Core): boolean {
  const g = c.vmx!.g;
  const TS = 1 << 3;
  if ((g.cr0Mask & TS) === 0) return true;
  exitIf((g.cr0Shadow & TS) !== 0, ExitReason.CrAccess, 2 << 4);
  return false;
}

// --------------------------------------------- exceptions (§25.2)

/**
 * An exception or NMI about to be delivered through the guest's IDT
 * (§25.2): a VM exit if the exception bitmap intercepts it (for #PF, with
 * the error-code mask and match), else delivery goes on and the event is
 * remembered as IDT-vectoring information for an exit during delivery.
 * `vector` -1 is a VM exit raised while fetching or delivering.
 */
export function interceptEvent(v: VmxCpu, vector: number, errorCode: number | null, type: IntrType, restartRip: number, e: unknown): boolean {
  const c = v.core;
  if (vector < 0) {
    vmExit(v, e as VmExit, c.rip, 0);
    return true;
  }
  if (type === IntrType.HardwareException || type === IntrType.SoftwareException || type === IntrType.PrivilegedSoftwareException) {
    const bitmap = v.g.exceptionBitmap;
    let exits = ((bitmap >>> vector) & 1) === 1;
    if (vector === Vector.PF) {
      const match = ((errorCode ?? 0) & v.g.pfecMask) === v.g.pfecMatch;
      exits = exits ? match : !match;
    }
    if (exits) {
      const qual = vector === Vector.PF ? c.cr2 : 0;
      if (vector === Vector.PF) c.cr2 = c.cr2Before; // CR2 is not written when #PF causes a VM exit (§27.1)
      const x = new VmExit(ExitReason.ExceptionOrNmi, qual);
      x.intrInfo = info(vector, type, errorCode !== null);
      x.intrError = errorCode ?? 0;
      // A software exception (INT3, INTO) or privileged software exception (INT1) saves the RIP of the
      // instruction and its length (§27.1, §27.2.4); a fault saves the faulting instruction (the core's RIP
      // already), a trap the next one. The length is defined for those instruction-caused exceptions only;
      // for a fault it is the faulting instruction's, as Bochs saves it.
      const soft = type === IntrType.SoftwareException || type === IntrType.PrivilegedSoftwareException;
      vmExit(v, x, soft ? restartRip : c.rip, soft ? c.rip - restartRip : c.faultLength);
      return true;
    }
  }
  // Not intercepted: delivered through the guest IDT; an exit during delivery reports it (§27.2.3).
  v.vectoring.active = true;
  v.vectoring.info = (info(vector, type, errorCode !== null) & 0x7fffffff) >>> 0;
  v.vectoring.error = errorCode ?? 0;
  v.vectoring.instrLen = type >= IntrType.SoftwareInterrupt && type <= IntrType.SoftwareException ? c.rip - restartRip : 0;
  return false;
}

// -------------------------------------- instruction boundaries

/**
 * At an instruction boundary in non-root operation with something pending:
 * the SDM's priority order (§6.9 with §25.2, §25.5, §29.2). Returns true if
 * the core vectored, exited or otherwise changed where it runs.
 */
export function boundary(v: VmxCpu): boolean {
  const c = v.core;
  const g = v.g;
  const ifSet = (c.rflagsRest & IF) !== 0;
  // APIC-write emulation of a virtualized APIC-access page write (trap-like, after its instruction).
  if (v.apicTrap >= 0) {
    try { apicWriteEmulation(v); } catch (e) { if (e instanceof VmExit) { vmExit(v, e, c.rip, 0); return true; } throw e; }
  }
  if (v.mtfPending) {
    v.mtfPending = false;
    vmExit(v, new VmExit(ExitReason.MonitorTrapFlag, 0), c.rip, 0);
    return true;
  }
  if (v.timerExpired) {
    vmExit(v, new VmExit(ExitReason.PreemptionTimer, 0), c.rip, 0);
    return true;
  }
  if ((g.proc & PROC.NMI_WINDOW_EXITING) !== 0 && !c.nmiBlocked) {
    vmExit(v, new VmExit(ExitReason.NmiWindow, 0), c.rip, 0);
    return true;
  }
  if (c.nmiPending && c.time >= c.intrTick && !c.nmiBlocked) {
    if ((g.pin & PIN.NMI_EXITING) !== 0) {
      c.nmiPending = false;
      const x = new VmExit(ExitReason.ExceptionOrNmi, 0);
      x.intrInfo = info(Vector.NMI, IntrType.Nmi, false);
      vmExit(v, x, c.rip, 0);
      return true;
    }
    return c.takeInterrupt();
  }
  if ((g.proc & PROC.INTERRUPT_WINDOW_EXITING) !== 0 && ifSet) {
    vmExit(v, new VmExit(ExitReason.InterruptWindow, 0), c.rip, 0);
    return true;
  }
  if (v.viRecognized && ifSet) {
    deliverVirtualInterrupt(v);
    return true;
  }
  if (c.intrPending && c.time >= c.intrTick) {
    if ((g.pin & PIN.EXTERNAL_INTERRUPT_EXITING) === 0) return ifSet ? c.takeInterrupt() : false;
    return externalInterrupt(v);
  }
  // Nothing to do now: keep checking only while something can still become due at a boundary.
  c.vmxPending = v.apicTrap >= 0 || v.viRecognized || (g.proc & (PROC.INTERRUPT_WINDOW_EXITING | PROC.NMI_WINDOW_EXITING)) !== 0;
  return false;
}

/**
 * An external interrupt with "external-interrupt exiting" = 1 (§25.2): RFLAGS.IF
 * does not block it. With "process posted interrupts", the APIC is
 * acknowledged and the notification vector processed without an exit
 * (§29.6); otherwise a VM exit, acknowledging the APIC first when
 * "acknowledge interrupt on exit" is 1 (§27.2.2).
 */
function externalInterrupt(v: VmxCpu): boolean {
  const c = v.core;
  const g = v.g;
  const apic = v.host.apic;
  const ack = (g.exit & EXIT.ACK_INTERRUPT_ON_EXIT) !== 0;
  const wasHalted = v.guestHalted;
  if (c.spinTrack) c.spin!.onDirty(c);
  if (!ack) {
    vmExit(v, new VmExit(ExitReason.ExternalInterrupt, 0), c.rip, 0);
    return true;
  }
  // Step 1 of §29.6 (and the acknowledge of §27.2.2): INTA.
  const vector = apic.acknowledge(c.time);
  if (vector < 0) return false;
  const ev = v.host.events;
  if (ev.wants.interrupt) ev.emit('interrupt', { core: c.id, vector, tick: c.time, rip: c.rip });
  if ((g.pin & PIN.POSTED_INTERRUPTS) !== 0 && vector === g.notificationVector) {
    postedInterruptProcessing(v, vector);
    // Back to HLT unless a virtual interrupt is delivered (the next boundary decides).
    if (wasHalted && !(v.viRecognized && (c.rflagsRest & IF) !== 0)) c.haltAgain();
    return true;
  }
  const x = new VmExit(ExitReason.ExternalInterrupt, 0);
  x.intrInfo = info(vector, IntrType.External, false);
  vmExit(v, x, c.rip, 0);
  return true;
}
