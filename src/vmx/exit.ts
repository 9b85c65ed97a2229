/**
 * VM exits (SDM Vol. 3C ch. 27 "VM Exits"), one function per step in the
 * SDM's order:
 *   27.2 record the exit information (reason, qualification, guest-linear
 *        and guest-physical address, interruption and IDT-vectoring
 *        information, instruction length and information),
 *   27.3 save the guest state,
 *   27.4 save MSRs (VM-exit MSR-store list),
 *   27.5 load the host state,
 *   27.6 load MSRs (VM-exit MSR-load list; a failure is a VMX abort, §27.7).
 * A VM-entry failure after the guest-state checks (§26.7) records its reason
 * and qualification and then does 27.5 and 27.6 the same way.
 */
import { Unsupported } from '../cpu/fault.js';
import { RunState } from '../cpu/core.js';
import { IA32_PAT, IA32_EFER } from '../cpu/msr.js';
import { SEG_CS, SEG_SS, SEG_FS, SEG_GS } from '../cpu/registers.js';
import { EFER_LMA, EFER_LME } from '../cpu/coreMemory.js';
import { F } from './fields.js';
import { EXIT, ENTRY, PROC2 } from './controls.js';
import { ExitReason, EXIT_REASON_ENTRY_FAILURE, exitReasonName } from './reasons.js';
import { GUEST_SEL, GUEST_BASE, GUEST_LIMIT, GUEST_AR, HOST_SEL, AR_UNUSABLE, SEG_LDTR, SEG_TR } from './segments.js';
import { switchContext } from './tlbContext.js';
import type { VmxCpu } from './vmxCpu.js';
import type { VmExit } from './vmexit.js';
import type { Vmcs } from './vmcs.js';
import { stopPreemptionTimer, preemptionTimerRemaining } from './timer.js';

const IA32_SYSENTER_CS = 0x174, IA32_SYSENTER_ESP = 0x175, IA32_SYSENTER_EIP = 0x176, IA32_DEBUGCTL = 0x1d9;

/** Interruptibility-state bits (SDM Table 24-3). */
export const BLOCKING_BY_STI = 1, BLOCKING_BY_MOV_SS = 2, BLOCKING_BY_NMI = 8;
/** Activity states (SDM Table 24-4). */
export const ACTIVITY_ACTIVE = 0, ACTIVITY_HLT = 1;

/**
 * A VM exit from VMX non-root operation. `rip` is the guest RIP to save
 * (the exiting instruction for fault-like exits, the next one for
 * trap-like exits and exits between instructions), `instrLen` the VM-exit
 * instruction length (0 when the reason does not define it).
 */
export function vmExit(v: VmxCpu, e: VmExit, rip: number, instrLen: number): void {
  const c = v.core;
  const vmcs = v.current!;
  const start = c.time;
  recordExitInformation(v, vmcs, e, instrLen);
  saveGuestState(v, vmcs, rip);
  saveMsrs(v, vmcs);
  loadHostState(v, vmcs);
  c.time += v.host.costs.vmx.vmExit;
  leaveNonRoot(v);
  loadMsrsOnExit(v, vmcs);
  const ev = v.host.events;
  if (ev.wants.vmexit) {
    ev.emit('vmexit', {
      core: c.id, tick: start, end: c.time, reason: e.reason, name: exitReasonName(e.reason), qualification: e.qualification,
      guestRip: rip, entryFailure: false, gpa: Number.isNaN(e.gpa) ? null : e.gpa, detail: e.detail,
    });
  }
  if (ev.wants.eptViolation && (e.reason === ExitReason.EptViolation || e.reason === ExitReason.EptMisconfig)) {
    ev.emit('eptViolation', { core: c.id, tick: start, gpa: e.gpa, gla: Number.isNaN(e.gla) ? null : e.gla, qualification: e.qualification, misconfig: e.reason === ExitReason.EptMisconfig, rip });
  }
}

/**
 * A VM entry that fails after its guest-state checks or while loading MSRs
 * (SDM §26.7): exit reason with bit 31 set, the qualification, then the
 * host state as a VM exit loads it. The guest state is not saved.
 */
export function entryFailure(v: VmxCpu, reason: number, qualification: number, rule: string, guestLoaded: boolean): void {
  const c = v.core;
  const vmcs = v.current!;
  const start = c.time;
  vmcs.set32(F.EXIT_REASON, (reason | EXIT_REASON_ENTRY_FAILURE) >>> 0);
  vmcs.setNum(F.EXIT_QUALIFICATION, qualification);
  loadHostState(v, vmcs);
  c.time += v.host.costs.vmx.vmEntry + v.host.costs.vmx.vmExit;
  if (guestLoaded) leaveNonRoot(v);
  loadMsrsOnExit(v, vmcs);
  const ev = v.host.events;
  if (ev.wants.vmexit) {
    ev.emit('vmexit', { core: c.id, tick: start, end: c.time, reason, name: exitReasonName(reason), qualification, guestRip: null, entryFailure: true, gpa: null, detail: rule });
  }
}

// ------------------------------------------- 27.2 exit information

function recordExitInformation(v: VmxCpu, vmcs: Vmcs, e: VmExit, instrLen: number): void {
  vmcs.set32(F.EXIT_REASON, e.reason);
  vmcs.setNum(F.EXIT_QUALIFICATION, e.qualification);
  if (!Number.isNaN(e.gla)) vmcs.setNum(F.GUEST_LINEAR_ADDRESS, e.gla);
  if (!Number.isNaN(e.gpa)) vmcs.setNum(F.GUEST_PHYSICAL_ADDRESS, e.gpa);
  vmcs.set32(F.EXIT_INTR_INFO, e.intrInfo);
  if ((e.intrInfo & (1 << 11)) !== 0) vmcs.set32(F.EXIT_INTR_ERROR_CODE, e.intrError);
  // IDT-vectoring information (§27.2.3): the event whose delivery the exit interrupted.
  const vec = v.vectoring;
  vmcs.set32(F.IDT_VECTORING_INFO, vec.active ? (vec.info | 0x80000000) >>> 0 : 0);
  if (vec.active && (vec.info & (1 << 11)) !== 0) vmcs.set32(F.IDT_VECTORING_ERROR_CODE, vec.error);
  vmcs.set32(F.EXIT_INSTRUCTION_LENGTH, vec.active && vec.instrLen > 0 ? vec.instrLen : instrLen);
  vmcs.set32(F.EXIT_INSTRUCTION_INFO, e.instrInfo);
  vec.active = false;
  // Every VM exit clears the valid bit of the VM-entry interruption-information field (§27.2.5? "Updating... VM-entry").
  vmcs.set32(F.ENTRY_INTR_INFO, vmcs.u32(F.ENTRY_INTR_INFO) & 0x7fffffff);
}

// ---------------------------------------------- 27.3 saving guest state

function saveGuestState(v: VmxCpu, vmcs: Vmcs, rip: number): void {
  const c = v.core;
  const g = v.g;
  // 27.3.1 control registers, debug registers, MSRs.
  vmcs.setNum(F.GUEST_CR0, c.cr0 >>> 0);
  vmcs.setNum(F.GUEST_CR3, c.cr3);
  vmcs.setNum(F.GUEST_CR4, c.cr4 >>> 0);
  if ((g.exit & EXIT.SAVE_DEBUG_CONTROLS) !== 0) {
    vmcs.setNum(F.GUEST_DR7, v.dr7);
    vmcs.setPair(F.GUEST_IA32_DEBUGCTL, c.msr.read(IA32_DEBUGCTL), c.tHi);
  }
  vmcs.set32(F.GUEST_IA32_SYSENTER_CS, c.msr.read(IA32_SYSENTER_CS));
  vmcs.setPair(F.GUEST_IA32_SYSENTER_ESP, c.msr.read(IA32_SYSENTER_ESP), c.tHi);
  vmcs.setPair(F.GUEST_IA32_SYSENTER_EIP, c.msr.read(IA32_SYSENTER_EIP), c.tHi);
  if ((g.exit & EXIT.SAVE_PAT) !== 0) vmcs.setPair(F.GUEST_IA32_PAT, c.msr.read(IA32_PAT), c.tHi);
  if ((g.exit & EXIT.SAVE_EFER) !== 0) vmcs.setPair(F.GUEST_IA32_EFER, c.efer, 0);
  // 27.3.2 segment registers and descriptor-table registers.
  saveGuestSegments(v, vmcs);
  vmcs.setNum(F.GUEST_GDTR_BASE, c.gdtrBase);
  vmcs.set32(F.GUEST_GDTR_LIMIT, c.gdtrLimit);
  vmcs.setNum(F.GUEST_IDTR_BASE, c.idtrBase);
  vmcs.set32(F.GUEST_IDTR_LIMIT, c.idtrLimit);
  // 27.3.3 RIP, RSP, RFLAGS (RFLAGS.RF is not modelled).
  vmcs.setNum(F.GUEST_RIP, rip);
  vmcs.setNum(F.GUEST_RSP, c.rsp());
  vmcs.setNum(F.GUEST_RFLAGS, c.getRflags());
  // 27.3.4 non-register state.
  vmcs.set32(F.GUEST_ACTIVITY_STATE, v.guestHalted ? ACTIVITY_HLT : ACTIVITY_ACTIVE);
  let intr = 0;
  if (c.inShadow) intr |= c.shadowByMovSs ? BLOCKING_BY_MOV_SS : BLOCKING_BY_STI;
  if (c.nmiBlocked) intr |= BLOCKING_BY_NMI;
  vmcs.set32(F.GUEST_INTERRUPTIBILITY, intr);
  vmcs.setNum(F.GUEST_PENDING_DEBUG, 0);
  if ((g.exit & EXIT.SAVE_PREEMPTION_TIMER) !== 0) vmcs.set32(F.PREEMPTION_TIMER_VALUE, preemptionTimerRemaining(v));
  // "IA-32e mode guest" ← IA32_EFER.LMA (IA32_VMX_MISC bit 5).
  const entry = vmcs.u32(F.ENTRY_CONTROLS);
  vmcs.set32(F.ENTRY_CONTROLS, (c.efer & EFER_LMA) !== 0 ? entry | ENTRY.IA32E_MODE_GUEST : entry & ~ENTRY.IA32E_MODE_GUEST);
  // The guest interrupt status (RVI, SVI) with virtual-interrupt delivery (§27.3.4).
  if ((g.proc2 & PROC2.VIRTUAL_INTERRUPT_DELIVERY) !== 0) vmcs.set32(F.GUEST_INTR_STATUS, v.rvi | (v.svi << 8));
}

/**
 * Segment registers (SDM §27.3.2). The core keeps selectors and FS/GS bases
 * only; a register whose selector is what VM entry loaded keeps the
 * descriptor VM entry loaded. A selector the guest has loaded since (IRET,
 * SYSRET, MOV to a segment register, interrupt delivery) is saved with the
 * flat 64-bit descriptor a long-mode kernel uses (base 0, limit FFFFFFFFH;
 * null selectors unusable), as the core does not model descriptor caches.
 */
function saveGuestSegments(v: VmxCpu, vmcs: Vmcs): void {
  const c = v.core;
  const s = v.seg;
  for (let i = 0; i < 6; i++) {
    const sel = c.segSel[i]!;
    let base = s.base[i]!, limit = s.limit[i]!, ar = s.ar[i]!;
    if (sel !== s.sel[i]) {
      const rpl = sel & 3;
      base = 0;
      limit = 0xffffffff;
      if (i === SEG_CS) ar = 0xa09b | (c.cpl << 5);
      else if ((sel & ~3) === 0) ar = AR_UNUSABLE | (i === SEG_SS ? c.cpl << 5 : 0);
      else ar = 0xc093 | ((i === SEG_SS ? c.cpl : rpl) << 5);
    }
    if (i === SEG_FS || i === SEG_GS) base = c.segBase[i]!;
    vmcs.set32(GUEST_SEL[i]!, sel);
    vmcs.setNum(GUEST_BASE[i]!, base);
    vmcs.set32(GUEST_LIMIT[i]!, limit);
    vmcs.set32(GUEST_AR[i]!, ar);
  }
  vmcs.set32(GUEST_SEL[SEG_LDTR]!, s.sel[SEG_LDTR]!);
  vmcs.setNum(GUEST_BASE[SEG_LDTR]!, s.base[SEG_LDTR]!);
  vmcs.set32(GUEST_LIMIT[SEG_LDTR]!, s.limit[SEG_LDTR]!);
  vmcs.set32(GUEST_AR[SEG_LDTR]!, s.ar[SEG_LDTR]!);
  const trChanged = c.trSel !== s.sel[SEG_TR] || c.trBase !== s.base[SEG_TR];
  vmcs.set32(GUEST_SEL[SEG_TR]!, c.trSel);
  vmcs.setNum(GUEST_BASE[SEG_TR]!, c.trBase);
  vmcs.set32(GUEST_LIMIT[SEG_TR]!, c.trLimit);
  vmcs.set32(GUEST_AR[SEG_TR]!, trChanged ? 0x8b : s.ar[SEG_TR]!);
}

// --------------------------------------------- 27.4 saving MSRs

function saveMsrs(v: VmxCpu, vmcs: Vmcs): void {
  const n = vmcs.u32(F.EXIT_MSR_STORE_COUNT);
  if (n === 0) return;
  const c = v.core;
  let a = vmcs.unum(F.EXIT_MSR_STORE_ADDR);
  for (let i = 0; i < n; i++, a += 16) {
    const index = c.readPhys(a, 4) >>> 0;
    const reserved = c.readPhys(a + 4, 4);
    if (reserved !== 0 || (index >>> 8) === 0x8 || index === 0x1ba /* IA32_SMBASE */) vmxAbort(v, `VM-exit MSR-store entry ${i + 1} names MSR 0x${index.toString(16)}, which the list cannot store (SDM §27.4)`);
    let lo: number, hi: number;
    try {
      lo = c.msr.read(index); hi = c.tHi;
    } catch {
      return vmxAbort(v, `VM-exit MSR-store entry ${i + 1}: RDMSR 0x${index.toString(16)} faults (SDM §27.4)`);
    }
    c.writePhys(a + 8, 8, lo, hi);
  }
}

// ------------------------------------------- 27.5 loading host state

function loadHostState(v: VmxCpu, vmcs: Vmcs): void {
  const c = v.core;
  const exitCtl = vmcs.u32(F.EXIT_CONTROLS);
  // 27.5.1 control registers, debug registers, MSRs. CR0 bits 63:32, 28:19, 17, 15:6, ET (4),
  // CD and NW keep their values; so do CR4's fixed bits (VMXE).
  const keep0 = 0x7ffaffd0;
  c.cr0 = ((c.cr0 & keep0) | (vmcs.u32(F.HOST_CR0) & ~keep0)) >>> 0;
  c.cr3 = vmcs.unum(F.HOST_CR3);
  c.cr4 = vmcs.u32(F.HOST_CR4) >>> 0;
  v.dr7 = 0x400;
  c.msr.write(IA32_DEBUGCTL, 0, 0);
  c.msr.write(IA32_SYSENTER_CS, vmcs.u32(F.HOST_IA32_SYSENTER_CS), 0);
  c.msr.write(IA32_SYSENTER_ESP, vmcs.u32(F.HOST_IA32_SYSENTER_ESP) | 0, vmcs.hi32(F.HOST_IA32_SYSENTER_ESP) | 0);
  c.msr.write(IA32_SYSENTER_EIP, vmcs.u32(F.HOST_IA32_SYSENTER_EIP) | 0, vmcs.hi32(F.HOST_IA32_SYSENTER_EIP) | 0);
  if ((exitCtl & EXIT.LOAD_PAT) !== 0) c.msr.write(IA32_PAT, vmcs.u32(F.HOST_IA32_PAT) | 0, vmcs.hi32(F.HOST_IA32_PAT) | 0);
  if ((exitCtl & EXIT.LOAD_EFER) !== 0) c.efer = vmcs.u32(F.HOST_IA32_EFER);
  else c.efer = (exitCtl & EXIT.HOST_ADDRESS_SPACE_SIZE) !== 0 ? c.efer | EFER_LMA | EFER_LME : c.efer & ~(EFER_LMA | EFER_LME);
  // 27.5.2 segment and descriptor-table registers.
  for (let i = 0; i < 6; i++) c.segSel[i] = vmcs.u32(HOST_SEL[i]!);
  c.segBase.fill(0);
  c.segBase[SEG_FS] = vmcs.num(F.HOST_FS_BASE);
  c.segBase[SEG_GS] = vmcs.num(F.HOST_GS_BASE);
  c.trSel = vmcs.u32(F.HOST_TR_SELECTOR);
  c.trBase = vmcs.num(F.HOST_TR_BASE);
  c.trLimit = 0x67;
  c.gdtrBase = vmcs.num(F.HOST_GDTR_BASE);
  c.gdtrLimit = 0xffff;
  c.idtrBase = vmcs.num(F.HOST_IDTR_BASE);
  c.idtrLimit = 0xffff;
  // 27.5.3 RIP, RSP, RFLAGS; CPL 0.
  c.rip = vmcs.num(F.HOST_RIP);
  c.setRsp(vmcs.num(F.HOST_RSP));
  c.setRflags(0x2);
  c.setCpl(0);
  // 27.5.4 non-register state: no blocking by STI or MOV SS; the logical processor is active.
  c.interruptShadow = false;
  c.inShadow = false;
  if (c.state === RunState.Halted) c.state = RunState.Running;
}

/** Back to VMX root operation: translation context, TSC offset, pending-event state. */
function leaveNonRoot(v: VmxCpu): void {
  const c = v.core;
  c.nonRoot = false;
  c.nested = null;
  c.tscOffset = 0;
  c.vmxPending = false;
  c.vmxStep = false;
  v.guestHalted = false;
  v.viRecognized = false;
  v.apicTrap = -1;
  v.mtfPending = false;
  stopPreemptionTimer(v);
  switchContext(v, 0, -1, -1);
  c.requestBlockExit();
}

// --------------------------------------------- 27.6 loading MSRs

function loadMsrsOnExit(v: VmxCpu, vmcs: Vmcs): void {
  const n = vmcs.u32(F.EXIT_MSR_LOAD_COUNT);
  if (n === 0) return;
  const bad = loadMsrList(v, vmcs.unum(F.EXIT_MSR_LOAD_ADDR), n);
  if (bad !== null) vmxAbort(v, `VM-exit MSR-load entry ${bad.index}: ${bad.why} (SDM §27.6)`);
}

/**
 * Load an MSR list (VM-entry MSR-load, VM-exit MSR-load): 16-byte entries
 * of index, reserved, value (SDM §24.7.2, §26.4, §27.6). Returns the
 * 1-based index of the failing entry and why, or null.
 */
export function loadMsrList(v: VmxCpu, addr: number, n: number): { index: number; why: string } | null {
  const c = v.core;
  let a = addr;
  for (let i = 1; i <= n; i++, a += 16) {
    const index = c.readPhys(a, 4) >>> 0;
    const reserved = c.readPhys(a + 4, 4);
    const lo = c.readPhys(a + 8, 8), hi = c.tHi;
    if (reserved !== 0) return { index: i, why: 'bits 63:32 of the MSR index are reserved' };
    if (index === 0xc0000100 || index === 0xc0000101) return { index: i, why: `MSR 0x${index.toString(16)} (FS/GS base) cannot be loaded from the list` };
    if ((index >>> 8) === 0x8) return { index: i, why: `x2APIC MSR 0x${index.toString(16)} cannot be loaded from the list` };
    if (index === 0x9b || index === 0x9e) return { index: i, why: `MSR 0x${index.toString(16)} (SMM) cannot be loaded from the list` };
    try {
      c.msr.write(index, lo, hi);
    } catch (e) {
      if (e instanceof Unsupported) throw e;
      return { index: i, why: `WRMSR 0x${index.toString(16)} would fault` };
    }
    if (index === IA32_EFER) c.flushTlb();
  }
  return null;
}

/** A VMX abort (SDM §27.7): the logical processor shuts down. The run stops with a report. */
function vmxAbort(_v: VmxCpu, why: string): never {
  throw new Unsupported(`VMX abort (the processor would shut down): ${why}`);
}
