/**
 * VM entry (SDM Vol. 3C ch. 26 "VM Entries"), one function per phase in the
 * SDM's order:
 *   26.1   basic checks (current VMCS, MOV-SS blocking, launch state),
 *   26.2.1 checks on VMX controls            → VMfailValid(7),
 *   26.2.2 checks on the host-state area     → VMfailValid(8),
 *   26.3.1 checks on the guest-state area    → VM-entry failure, reason 33,
 *   26.3.2 loading guest state,
 *   26.4   loading MSRs (VM-entry MSR-load)  → VM-entry failure, reason 34,
 *   26.5   event injection,
 *   26.6 / 29.2.1 TPR virtualization and evaluation of pending virtual
 *          interrupts.
 * Each check returns the rule it found broken, naming its SDM section; that
 * text goes on the event stream (`vmentryFail`) and into `info vmcs`.
 *
 * Configurations the SDM accepts but this machine does not model (a guest
 * that is not in 64-bit mode, PAUSE-loop exiting, VM functions, VMCS
 * shadowing, ...) stop the run as unsupported, naming the control or field.
 */
import { Unsupported } from '../cpu/fault.js';
import type { Op } from '../cpu/op.js';
import { RunState } from '../cpu/core.js';
import { MAXPHYADDR } from '../cpu/paging.js';
import { IA32_PAT } from '../cpu/msr.js';
import { EFER_LMA, EFER_LME, CR0_PE, CR0_PG, CR4_PAE } from '../cpu/coreMemory.js';
import { SEG_SS } from '../cpu/registers.js';
import { CAPS, CR3_TARGET_LIMIT, controlsAllowed, fixedBitsOk, VMCS_REVISION, type Pair } from './capabilities.js';
import { PIN, PROC, PROC2, EXIT, ENTRY, controlName, controlNames, type ControlWord } from './controls.js';
import { F } from './fields.js';
import { ExitReason, VmxError } from './reasons.js';
import type { Vmcs } from './vmcs.js';
import type { VmxCpu } from './vmxCpu.js';
import { eptPointerValid } from './ept.js';
import { SegmentState, checkGuestSegments, canonical, AR_L, HOST_SEL, SEG_TR } from './segments.js';
import { entryFailure, loadMsrList, BLOCKING_BY_STI, BLOCKING_BY_MOV_SS, BLOCKING_BY_NMI, ACTIVITY_ACTIVE, ACTIVITY_HLT } from './exit.js';
import { switchContext } from './tlbContext.js';
import { startPreemptionTimer } from './timer.js';
import { IntrType } from './nonroot.js';
import { pprVirtualization, evaluatePendingVirtualInterrupts, vload, VTPR } from './vapic.js';
import { VmExit } from './vmexit.js';
import { vmExit } from './exit.js';

const HI_BEYOND_WIDTH = ~((1 << (MAXPHYADDR - 32)) - 1);
const IA32_SYSENTER_CS = 0x174, IA32_SYSENTER_ESP = 0x175, IA32_SYSENTER_EIP = 0x176, IA32_DEBUGCTL = 0x1d9;

/** A physical address field: within MAXPHYADDR (and `align`-aligned). */
function addrOk(vmcs: Vmcs, enc: number, align: number): boolean {
  const lo = vmcs.u32(enc), hi = vmcs.hi32(enc);
  return (lo & (align - 1)) === 0 && (hi & HI_BEYOND_WIDTH) === 0;
}

/** Memory types valid in IA32_PAT (SDM Vol. 3A §11.12.2): each byte 0, 1, 4, 5, 6 or 7. */
function patValid(lo: number, hi: number): boolean {
  for (const w of [lo, hi]) for (let b = 0; b < 4; b++) { const t = (w >>> (8 * b)) & 0xff; if (t === 2 || t === 3 || t > 7) return false; }
  return true;
}

/** IA32_EFER bits this core implements (SCE, LME, LMA, NXE); the rest are reserved. */
const EFER_VALID = 0xd01;

// -------------------------------------------------------------- VM entry

/** VMLAUNCH / VMRESUME after their #UD/#GP/VM-exit checks (instructions.ts). */
export function vmEntry(v: VmxCpu, op: Op, launch: boolean): void {
  const c = v.core;
  const vmcs = v.current;
  const failCost = v.host.costs.cls.vmxInstruction;
  // 26.1 basic checks.
  if (vmcs === null || vmcs.shadow) { c.time += failCost; v.failInvalid(); return; }
  if (c.inShadow && c.shadowByMovSs) { c.time += failCost; v.failValid(VmxError.EntryMovSsBlocking); return; }
  if (launch && vmcs.launched) { c.time += failCost; v.failValid(VmxError.VmlaunchNonClear); return; }
  if (!launch && !vmcs.launched) { c.time += failCost; v.failValid(VmxError.VmresumeNonLaunched); return; }
  // 26.2 controls and host state.
  let rule = checkControls(v, vmcs);
  if (rule !== null) { fail(v, VmxError.EntryInvalidControls, rule, failCost); return; }
  rule = checkHostState(v, vmcs);
  if (rule !== null) { fail(v, VmxError.EntryInvalidHostState, rule, failCost); return; }
  refuseUnmodelledControls(vmcs);
  // 26.3.1 guest state.
  const seg = new SegmentState();
  seg.readFrom(vmcs);
  const bad = checkGuestState(v, vmcs, seg);
  if (bad !== null) { entryFailure(v, ExitReason.EntryFailGuestState, bad.qualification, bad.rule, false); return; }
  refuseUnmodelledGuest(vmcs, seg);
  // 26.3.2 load guest state: from here the processor is in VMX non-root operation.
  const start = c.time;
  c.time += v.host.costs.vmx.vmEntry;
  loadControls(v, vmcs);
  loadGuestState(v, vmcs, seg);
  // 26.4 VM-entry MSR-load list.
  const n = vmcs.u32(F.ENTRY_MSR_LOAD_COUNT);
  if (n > 0) {
    const msrFail = loadMsrList(v, vmcs.unum(F.ENTRY_MSR_LOAD_ADDR), n);
    if (msrFail !== null) {
      c.time -= v.host.costs.vmx.vmEntry; // entryFailure charges the entry and the exit
      entryFailure(v, ExitReason.EntryFailMsrLoading, msrFail.index, `SDM 26.4: VM-entry MSR-load entry ${msrFail.index}: ${msrFail.why}`, true);
      return;
    }
  }
  if (launch) vmcs.launched = true;
  // No VMsucceed: a successful VMLAUNCH/VMRESUME leaves RFLAGS as the guest-state area gave it (SDM Vol. 3C
  // §26.3.2.3 and the instructions' pseudocode, which sets flags only on VMfail). Clearing CF..OF here would
  // corrupt a guest interrupted between a compare and its branch by an exit.
  const ev = v.host.events;
  if (ev.wants.vmentry) ev.emit('vmentry', { core: c.id, tick: start, end: c.time, launch, rip: c.rip, vpid: v.g.vpid });
  // 26.5 event injection, then 26.6 / 29.2.1.
  try {
    injectEvent(v, vmcs);
    if ((v.g.proc & PROC.TPR_SHADOW) !== 0) tprVirtualizationAtEntry(v);
  } catch (e) {
    // A TPR-below-threshold exit right after entry (trap-like: nothing of the guest ran).
    if (e instanceof VmExit) { vmExit(v, e, c.rip, 0); return; }
    throw e;
  }
  void op;
}

function fail(v: VmxCpu, error: VmxError, rule: string, cost: number): void {
  const c = v.core;
  c.time += cost;
  v.failValid(error);
  const ev = v.host.events;
  if (ev.wants.vmentryFail) ev.emit('vmentryFail', { core: c.id, tick: c.time, error, rule });
  v.lastEntryFailure = rule;
}

// --------------------------------------- 26.2.1 checks on VMX controls

/**
 * Which bits of a control word the capability MSR does not allow, by name:
 * set where allowed-1 is 0 (a control this CPU does not support, such as
 * "enable XSAVES/XRSTORS" on a Haswell), clear where allowed-0 is 1.
 */
function badBits(word: ControlWord, value: number, cap: Pair): string {
  const out: string[] = [];
  const unsupported = (value & ~cap[1]) >>> 0;
  const required = (cap[0] & ~value) >>> 0;
  if (unsupported !== 0) out.push(`set ${controlNames(word, unsupported).map(quoteControl).join(', ')}, which this CPU does not support`);
  if (required !== 0) out.push(`clear ${controlNames(word, required).map(quoteControl).join(', ')}, which must be 1`);
  return out.join('; and ');
}

const quoteControl = (n: string) => n.startsWith('reserved') ? n : `"${n.replace(/-/g, ' ')}"`;

function checkControls(v: VmxCpu, vmcs: Vmcs): string | null {
  const s1 = 'SDM 26.2.1.1';
  const pin = vmcs.u32(F.PIN_BASED_CONTROLS);
  const proc = vmcs.u32(F.PROC_BASED_CONTROLS);
  const proc2 = (proc & PROC.SECONDARY_CONTROLS) !== 0 ? vmcs.u32(F.SECONDARY_CONTROLS) : 0;
  const exit = vmcs.u32(F.EXIT_CONTROLS);
  const entry = vmcs.u32(F.ENTRY_CONTROLS);
  // Reserved bits (IA32_VMX_TRUE_* as IA32_VMX_BASIC bit 55 is 1).
  if (!controlsAllowed(pin, CAPS.truePinbased)) return `${s1}: pin-based controls 0x${pin.toString(16)} ${badBits('pin', pin, CAPS.truePinbased)} (IA32_VMX_TRUE_PINBASED_CTLS)`;
  if (!controlsAllowed(proc, CAPS.trueProcbased)) return `${s1}: primary processor-based controls 0x${(proc >>> 0).toString(16)} ${badBits('proc', proc, CAPS.trueProcbased)} (IA32_VMX_TRUE_PROCBASED_CTLS)`;
  if (!controlsAllowed(proc2, CAPS.procbased2)) return `${s1}: secondary processor-based controls 0x${proc2.toString(16)} ${badBits('proc2', proc2, CAPS.procbased2)} (IA32_VMX_PROCBASED_CTLS2)`;
  if (vmcs.u32(F.CR3_TARGET_COUNT) > CR3_TARGET_LIMIT) return `${s1}: CR3-target count exceeds ${CR3_TARGET_LIMIT}`;
  if ((proc & PROC.IO_BITMAPS) !== 0 && (!addrOk(vmcs, F.IO_BITMAP_A, 4096) || !addrOk(vmcs, F.IO_BITMAP_B, 4096))) return `${s1}: I/O-bitmap addresses must be 4-KiB aligned and within the physical-address width`;
  if ((proc & PROC.MSR_BITMAPS) !== 0 && !addrOk(vmcs, F.MSR_BITMAP, 4096)) return `${s1}: MSR-bitmap address must be 4-KiB aligned and within the physical-address width`;
  const tprShadow = (proc & PROC.TPR_SHADOW) !== 0;
  const vid = (proc2 & PROC2.VIRTUAL_INTERRUPT_DELIVERY) !== 0;
  if (tprShadow) {
    if (!addrOk(vmcs, F.VIRTUAL_APIC_PAGE_ADDR, 4096)) return `${s1}: virtual-APIC address must be 4-KiB aligned and within the physical-address width ("use TPR shadow" = 1)`;
    const threshold = vmcs.u32(F.TPR_THRESHOLD);
    if (!vid && (threshold >>> 4) !== 0) return `${s1}: TPR threshold bits 31:4 must be 0 ("use TPR shadow" = 1, "virtual-interrupt delivery" = 0)`;
    if (!vid && (proc2 & PROC2.VIRTUALIZE_APIC_ACCESSES) === 0) {
      const page = vmcs.unum(F.VIRTUAL_APIC_PAGE_ADDR);
      const mem = v.host.mem;
      const vtpr = page + VTPR < mem.ramBytes ? mem.u8[page + VTPR]! : 0xff;
      if ((threshold & 0xf) > ((vtpr >>> 4) & 0xf)) return `${s1}: TPR threshold bits 3:0 must not exceed VTPR bits 7:4`;
    }
  } else if ((proc2 & (PROC2.VIRTUALIZE_X2APIC_MODE | PROC2.APIC_REGISTER_VIRTUALIZATION | PROC2.VIRTUAL_INTERRUPT_DELIVERY)) !== 0) {
    return `${s1}: "virtualize x2APIC mode", "APIC-register virtualization" and "virtual-interrupt delivery" require "use TPR shadow"`;
  }
  if ((pin & PIN.NMI_EXITING) === 0 && (pin & PIN.VIRTUAL_NMIS) !== 0) return `${s1}: "virtual NMIs" requires "NMI exiting"`;
  if ((pin & PIN.VIRTUAL_NMIS) === 0 && (proc & PROC.NMI_WINDOW_EXITING) !== 0) return `${s1}: "NMI-window exiting" requires "virtual NMIs"`;
  if ((proc2 & PROC2.VIRTUALIZE_APIC_ACCESSES) !== 0 && !addrOk(vmcs, F.APIC_ACCESS_ADDR, 4096)) return `${s1}: APIC-access address must be 4-KiB aligned and within the physical-address width`;
  if ((proc2 & PROC2.VIRTUALIZE_X2APIC_MODE) !== 0 && (proc2 & PROC2.VIRTUALIZE_APIC_ACCESSES) !== 0) return `${s1}: "virtualize x2APIC mode" and "virtualize APIC accesses" cannot both be 1`;
  if (vid && (pin & PIN.EXTERNAL_INTERRUPT_EXITING) === 0) return `${s1}: "virtual-interrupt delivery" requires "external-interrupt exiting"`;
  if ((pin & PIN.POSTED_INTERRUPTS) !== 0) {
    if (!vid) return `${s1}: "process posted interrupts" requires "virtual-interrupt delivery"`;
    if ((exit & EXIT.ACK_INTERRUPT_ON_EXIT) === 0) return `${s1}: "process posted interrupts" requires the "acknowledge interrupt on exit" VM-exit control`;
    if ((vmcs.u32(F.POSTED_INTR_NV) >>> 8) !== 0) return `${s1}: posted-interrupt notification vector bits 15:8 must be 0`;
    if ((vmcs.u32(F.POSTED_INTR_DESC_ADDR) & 0x3f) !== 0) return `${s1}: posted-interrupt descriptor address bits 5:0 must be 0 (64-byte aligned)`;
    if (!addrOk(vmcs, F.POSTED_INTR_DESC_ADDR, 1)) return `${s1}: posted-interrupt descriptor address must be within the physical-address width`;
  }
  if ((proc2 & PROC2.ENABLE_VPID) !== 0 && vmcs.u32(F.VPID) === 0) return `${s1}: VPID must not be 0 ("enable VPID" = 1)`;
  if ((proc2 & PROC2.ENABLE_EPT) !== 0 && !eptPointerValid(vmcs.u32(F.EPT_POINTER), vmcs.hi32(F.EPT_POINTER))) return `${s1}: EPT pointer is invalid (memory type, page-walk length, A/D enable or reserved bits)`;
  if ((proc2 & PROC2.UNRESTRICTED_GUEST) !== 0 && (proc2 & PROC2.ENABLE_EPT) === 0) return `${s1}: "unrestricted guest" requires "enable EPT"`;
  if ((proc2 & PROC2.ENABLE_VM_FUNCTIONS) !== 0) {
    const fn = vmcs.u32(F.VM_FUNCTION_CONTROLS), fnHi = vmcs.hi32(F.VM_FUNCTION_CONTROLS);
    if ((fn & ~CAPS.vmfunc[0]) !== 0 || fnHi !== 0) return `${s1}: VM-function controls have reserved bits set (IA32_VMX_VMFUNC)`;
    if ((fn & 1) !== 0 && ((proc2 & PROC2.ENABLE_EPT) === 0 || !addrOk(vmcs, F.EPTP_LIST_ADDR, 4096))) return `${s1}: EPTP switching requires "enable EPT" and a 4-KiB aligned EPTP-list address`;
  }
  if ((proc2 & PROC2.VMCS_SHADOWING) !== 0 && (!addrOk(vmcs, F.VMREAD_BITMAP, 4096) || !addrOk(vmcs, F.VMWRITE_BITMAP, 4096))) return `${s1}: VMREAD/VMWRITE-bitmap addresses must be 4-KiB aligned ("VMCS shadowing" = 1)`;
  // 26.2.1.2 VM-exit controls.
  const s2 = 'SDM 26.2.1.2';
  if (!controlsAllowed(exit, CAPS.trueExit)) return `${s2}: VM-exit controls 0x${exit.toString(16)} ${badBits('exit', exit, CAPS.trueExit)} (IA32_VMX_TRUE_EXIT_CTLS)`;
  if ((pin & PIN.PREEMPTION_TIMER) === 0 && (exit & EXIT.SAVE_PREEMPTION_TIMER) !== 0) return `${s2}: "save VMX-preemption timer value" requires "activate VMX-preemption timer"`;
  const msrList = (count: number, addr: number, what: string): string | null => {
    const n = vmcs.u32(count);
    if (n === 0) return null;
    if (!addrOk(vmcs, addr, 16)) return `${what} address must be 16-byte aligned and within the physical-address width`;
    if (vmcs.unum(addr) + n * 16 - 1 >= 2 ** MAXPHYADDR) return `${what} must end within the physical-address width`;
    return null;
  };
  let r = msrList(F.EXIT_MSR_STORE_COUNT, F.EXIT_MSR_STORE_ADDR, 'VM-exit MSR-store');
  if (r !== null) return `${s2}: ${r}`;
  r = msrList(F.EXIT_MSR_LOAD_COUNT, F.EXIT_MSR_LOAD_ADDR, 'VM-exit MSR-load');
  if (r !== null) return `${s2}: ${r}`;
  // 26.2.1.3 VM-entry controls.
  const s3 = 'SDM 26.2.1.3';
  if (!controlsAllowed(entry, CAPS.trueEntry)) return `${s3}: VM-entry controls 0x${entry.toString(16)} ${badBits('entry', entry, CAPS.trueEntry)} (IA32_VMX_TRUE_ENTRY_CTLS)`;
  const intr = vmcs.u32(F.ENTRY_INTR_INFO);
  if ((intr >>> 31) === 1) {
    const vector = intr & 0xff, type = (intr >>> 8) & 7, deliverError = (intr & (1 << 11)) !== 0;
    if (type === 1) return `${s3}: interruption type 1 is reserved`;
    if (type === IntrType.Nmi && vector !== 2) return `${s3}: an NMI (type 2) must have vector 2`;
    if (type === IntrType.HardwareException && vector > 31) return `${s3}: a hardware exception (type 3) must have a vector 0-31`;
    if (type === IntrType.Other && vector !== 0) return `${s3}: "other event" (type 7) must have vector 0 (pending MTF)`;
    const pe = (vmcs.u32(F.GUEST_CR0) & CR0_PE) !== 0;
    const needsError = type === IntrType.HardwareException && [8, 10, 11, 12, 13, 14, 17].includes(vector) && (pe || (proc2 & PROC2.UNRESTRICTED_GUEST) === 0);
    if (deliverError !== needsError) return `${s3}: "deliver error code" must be 1 exactly for hardware exceptions 8, 10-14 and 17`;
    if ((intr & 0x7ffff000) !== 0) return `${s3}: VM-entry interruption-information bits 30:12 are reserved`;
    if (deliverError && (vmcs.u32(F.ENTRY_EXCEPTION_ERROR_CODE) >>> 15) !== 0) return `${s3}: VM-entry exception error code bits 31:15 must be 0`;
    if (type >= IntrType.SoftwareInterrupt && type <= IntrType.SoftwareException) {
      const len = vmcs.u32(F.ENTRY_INSTRUCTION_LENGTH);
      if (len < 1 || len > 15) return `${s3}: VM-entry instruction length must be 1-15 for software interrupts and exceptions`;
    }
  }
  r = msrList(F.ENTRY_MSR_LOAD_COUNT, F.ENTRY_MSR_LOAD_ADDR, 'VM-entry MSR-load');
  if (r !== null) return `${s3}: ${r}`;
  if ((entry & (ENTRY.ENTRY_TO_SMM | ENTRY.DEACTIVATE_DUAL_MONITOR)) !== 0) return `${s3}: "entry to SMM" and "deactivate dual-monitor treatment" must be 0 outside SMM`;
  return null;
}

// ----------------------------------- 26.2.2 checks on the host-state area

function checkHostState(v: VmxCpu, vmcs: Vmcs): string | null {
  const s = 'SDM 26.2.2';
  const exit = vmcs.u32(F.EXIT_CONTROLS);
  const cr0 = vmcs.u32(F.HOST_CR0), cr4 = vmcs.u32(F.HOST_CR4);
  if (!fixedBitsOk(cr0, CAPS.cr0Fixed0, CAPS.cr0Fixed1) || vmcs.hi32(F.HOST_CR0) !== 0) return `${s}: host CR0 must satisfy IA32_VMX_CR0_FIXED0/FIXED1`;
  if (!fixedBitsOk(cr4, CAPS.cr4Fixed0, CAPS.cr4Fixed1) || vmcs.hi32(F.HOST_CR4) !== 0) return `${s}: host CR4 must satisfy IA32_VMX_CR4_FIXED0/FIXED1`;
  if ((vmcs.hi32(F.HOST_CR3) & HI_BEYOND_WIDTH) !== 0) return `${s}: host CR3 bits beyond the physical-address width must be 0`;
  if (!canonical(vmcs.num(F.HOST_IA32_SYSENTER_ESP)) || !canonical(vmcs.num(F.HOST_IA32_SYSENTER_EIP))) return `${s}: host IA32_SYSENTER_ESP/EIP must be canonical`;
  if ((exit & EXIT.LOAD_PAT) !== 0 && !patValid(vmcs.u32(F.HOST_IA32_PAT), vmcs.hi32(F.HOST_IA32_PAT))) return `${s}: host IA32_PAT has an invalid memory type ("load IA32_PAT" = 1)`;
  const hostLong = (exit & EXIT.HOST_ADDRESS_SPACE_SIZE) !== 0;
  if ((exit & EXIT.LOAD_EFER) !== 0) {
    const efer = vmcs.u32(F.HOST_IA32_EFER);
    if ((efer & ~EFER_VALID) !== 0 || vmcs.hi32(F.HOST_IA32_EFER) !== 0) return `${s}: host IA32_EFER reserved bits must be 0`;
    if (((efer & EFER_LMA) !== 0) !== hostLong || ((efer & EFER_LME) !== 0) !== hostLong) return `${s}: host IA32_EFER.LMA and LME must equal "host address-space size"`;
  }
  // 26.2.3 host segment and descriptor-table registers.
  const s3 = 'SDM 26.2.3';
  for (let i = 0; i < 6; i++) if ((vmcs.u32(HOST_SEL[i]!) & 7) !== 0) return `${s3}: host selector fields must have RPL and TI 0`;
  if ((vmcs.u32(F.HOST_TR_SELECTOR) & 7) !== 0) return `${s3}: host TR selector must have RPL and TI 0`;
  if (vmcs.u32(F.HOST_CS_SELECTOR) === 0) return `${s3}: host CS selector must not be 0000H`;
  if (vmcs.u32(F.HOST_TR_SELECTOR) === 0) return `${s3}: host TR selector must not be 0000H`;
  if (!hostLong && vmcs.u32(F.HOST_SS_SELECTOR) === 0) return `${s3}: host SS selector must not be 0000H when "host address-space size" is 0`;
  for (const [f, n] of [[F.HOST_FS_BASE, 'FS'], [F.HOST_GS_BASE, 'GS'], [F.HOST_GDTR_BASE, 'GDTR'], [F.HOST_IDTR_BASE, 'IDTR'], [F.HOST_TR_BASE, 'TR']] as const) {
    if (!canonical(vmcs.num(f))) return `${s3}: host ${n} base must be canonical`;
  }
  // 26.2.4 address-space size: a processor in IA-32e mode needs "host address-space size" = 1.
  const s4 = 'SDM 26.2.4';
  if ((v.core.efer & EFER_LMA) !== 0 && !hostLong) return `${s4}: "host address-space size" must be 1 on a processor in IA-32e mode`;
  if (hostLong) {
    if ((cr4 & CR4_PAE) === 0) return `${s4}: host CR4.PAE must be 1 when "host address-space size" is 1`;
    if (!canonical(vmcs.num(F.HOST_RIP))) return `${s4}: host RIP must be canonical`;
  } else {
    if ((vmcs.u32(F.ENTRY_CONTROLS) & ENTRY.IA32E_MODE_GUEST) !== 0) return `${s4}: "IA-32e mode guest" must be 0 when "host address-space size" is 0`;
  }
  return null;
}

// ---------------------------- what this machine does not model (stop)

function refuseUnmodelledControls(vmcs: Vmcs): void {
  const proc = vmcs.u32(F.PROC_BASED_CONTROLS);
  const proc2 = (proc & PROC.SECONDARY_CONTROLS) !== 0 ? vmcs.u32(F.SECONDARY_CONTROLS) : 0;
  const pin = vmcs.u32(F.PIN_BASED_CONTROLS);
  const no = (word: 'pin' | 'proc' | 'proc2' | 'exit' | 'entry', mask: number) => {
    throw new Unsupported(`VM entry with the "${controlName(word, mask)}" control set: not modelled by this machine`);
  };
  if ((pin & PIN.VIRTUAL_NMIS) !== 0) no('pin', PIN.VIRTUAL_NMIS);
  if ((proc2 & PROC2.PAUSE_LOOP_EXITING) !== 0) no('proc2', PROC2.PAUSE_LOOP_EXITING);
  if ((proc2 & PROC2.ENABLE_VM_FUNCTIONS) !== 0) no('proc2', PROC2.ENABLE_VM_FUNCTIONS);
  if ((proc2 & PROC2.VMCS_SHADOWING) !== 0) no('proc2', PROC2.VMCS_SHADOWING);
  if ((vmcs.u32(F.EXIT_CONTROLS) & EXIT.LOAD_PERF_GLOBAL_CTRL) !== 0) no('exit', EXIT.LOAD_PERF_GLOBAL_CTRL);
  if ((vmcs.u32(F.ENTRY_CONTROLS) & ENTRY.LOAD_PERF_GLOBAL_CTRL) !== 0) no('entry', ENTRY.LOAD_PERF_GLOBAL_CTRL);
}

function refuseUnmodelledGuest(vmcs: Vmcs, seg: SegmentState): void {
  if ((vmcs.u32(F.ENTRY_CONTROLS) & ENTRY.IA32E_MODE_GUEST) === 0) {
    throw new Unsupported('VM entry to a guest outside IA-32e mode ("IA-32e mode guest" = 0): this machine runs only 64-bit code');
  }
  if ((seg.ar[1]! & AR_L) === 0) throw new Unsupported('VM entry to a compatibility-mode guest (guest CS.L = 0): this machine runs only 64-bit code');
  const act = vmcs.u32(F.GUEST_ACTIVITY_STATE);
  if (act !== ACTIVITY_ACTIVE && act !== ACTIVITY_HLT) throw new Unsupported(`VM entry with guest activity state ${act} (${act === 2 ? 'shutdown' : 'wait-for-SIPI'}): not modelled`);
  if ((vmcs.u32(F.ENTRY_CONTROLS) & ENTRY.LOAD_DEBUG_CONTROLS) !== 0) {
    if ((vmcs.u32(F.GUEST_DR7) & 0xff) !== 0) throw new Unsupported('VM entry with breakpoints enabled in guest DR7: debug registers are not modelled');
    if (vmcs.u32(F.GUEST_IA32_DEBUGCTL) !== 0) throw new Unsupported('VM entry with a non-zero guest IA32_DEBUGCTL: branch tracing is not modelled');
  }
  if ((vmcs.u32(F.GUEST_PENDING_DEBUG) | vmcs.hi32(F.GUEST_PENDING_DEBUG)) !== 0) throw new Unsupported('VM entry with pending debug exceptions: not modelled');
}

// ------------------------------------ 26.3.1 checks on the guest state

interface GuestStateFailure { rule: string; qualification: number; }

function checkGuestState(v: VmxCpu, vmcs: Vmcs, seg: SegmentState): GuestStateFailure | null {
  const failed = (rule: string, qualification = 0): GuestStateFailure => ({ rule, qualification });
  const entry = vmcs.u32(F.ENTRY_CONTROLS);
  const proc = vmcs.u32(F.PROC_BASED_CONTROLS);
  const proc2 = (proc & PROC.SECONDARY_CONTROLS) !== 0 ? vmcs.u32(F.SECONDARY_CONTROLS) : 0;
  const unrestricted = (proc2 & PROC2.UNRESTRICTED_GUEST) !== 0;
  const ia32e = (entry & ENTRY.IA32E_MODE_GUEST) !== 0;
  const cr0 = vmcs.u32(F.GUEST_CR0), cr4 = vmcs.u32(F.GUEST_CR4);
  const rflags = vmcs.u32(F.GUEST_RFLAGS), rflagsHi = vmcs.hi32(F.GUEST_RFLAGS);
  const s1 = 'SDM 26.3.1.1';
  // Control registers, debug registers, MSRs.
  const fixed0 = unrestricted ? (CAPS.cr0Fixed0[0] & ~(CR0_PE | CR0_PG)) >>> 0 : CAPS.cr0Fixed0[0];
  if (!fixedBitsOk(cr0, [fixed0, 0], CAPS.cr0Fixed1) || vmcs.hi32(F.GUEST_CR0) !== 0) return failed(`${s1}: guest CR0 must satisfy IA32_VMX_CR0_FIXED0/FIXED1${unrestricted ? ' (PE and PG excepted)' : ''}`);
  if ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0) return failed(`${s1}: guest CR0.PG = 1 requires CR0.PE = 1`);
  if (!fixedBitsOk(cr4, CAPS.cr4Fixed0, CAPS.cr4Fixed1) || vmcs.hi32(F.GUEST_CR4) !== 0) return failed(`${s1}: guest CR4 must satisfy IA32_VMX_CR4_FIXED0/FIXED1`);
  if ((entry & ENTRY.LOAD_DEBUG_CONTROLS) !== 0 && vmcs.hi32(F.GUEST_DR7) !== 0) return failed(`${s1}: guest DR7 bits 63:32 must be 0 ("load debug controls" = 1)`);
  if (ia32e && ((cr0 & CR0_PG) === 0 || (cr4 & CR4_PAE) === 0)) return failed(`${s1}: an IA-32e mode guest needs CR0.PG = 1 and CR4.PAE = 1`);
  if (!ia32e && (cr4 & (1 << 17)) !== 0) return failed(`${s1}: guest CR4.PCIDE must be 0 outside IA-32e mode`);
  if ((vmcs.hi32(F.GUEST_CR3) & HI_BEYOND_WIDTH) !== 0) return failed(`${s1}: guest CR3 bits beyond the physical-address width must be 0`);
  if (!canonical(vmcs.num(F.GUEST_IA32_SYSENTER_ESP)) || !canonical(vmcs.num(F.GUEST_IA32_SYSENTER_EIP))) return failed(`${s1}: guest IA32_SYSENTER_ESP/EIP must be canonical`);
  if ((entry & ENTRY.LOAD_PAT) !== 0 && !patValid(vmcs.u32(F.GUEST_IA32_PAT), vmcs.hi32(F.GUEST_IA32_PAT))) return failed(`${s1}: guest IA32_PAT has an invalid memory type ("load IA32_PAT" = 1)`);
  if ((entry & ENTRY.LOAD_EFER) !== 0) {
    const efer = vmcs.u32(F.GUEST_IA32_EFER);
    if ((efer & ~EFER_VALID) !== 0 || vmcs.hi32(F.GUEST_IA32_EFER) !== 0) return failed(`${s1}: guest IA32_EFER reserved bits must be 0`);
    if (((efer & EFER_LMA) !== 0) !== ia32e) return failed(`${s1}: guest IA32_EFER.LMA must equal "IA-32e mode guest"`);
    if ((cr0 & CR0_PG) !== 0 && ((efer & EFER_LMA) !== 0) !== ((efer & EFER_LME) !== 0)) return failed(`${s1}: guest IA32_EFER.LME must equal LMA when CR0.PG = 1`);
  }
  // Segment registers (26.3.1.2).
  const v8086 = (rflags & (1 << 17)) !== 0;
  const segRule = checkGuestSegments(seg, { ia32e, unrestricted, v8086, pe: (cr0 & CR0_PE) !== 0 });
  if (segRule !== null) return failed(segRule);
  // Descriptor-table registers (26.3.1.3).
  const s3 = 'SDM 26.3.1.3';
  if (!canonical(vmcs.num(F.GUEST_GDTR_BASE)) || !canonical(vmcs.num(F.GUEST_IDTR_BASE))) return failed(`${s3}: guest GDTR and IDTR bases must be canonical`);
  if ((vmcs.u32(F.GUEST_GDTR_LIMIT) >>> 16) !== 0 || (vmcs.u32(F.GUEST_IDTR_LIMIT) >>> 16) !== 0) return failed(`${s3}: guest GDTR and IDTR limit bits 31:16 must be 0`);
  // RIP and RFLAGS (26.3.1.4).
  const s4 = 'SDM 26.3.1.4';
  const longCode = ia32e && (seg.ar[1]! & AR_L) !== 0;
  const rip = vmcs.num(F.GUEST_RIP);
  if (!longCode && vmcs.hi32(F.GUEST_RIP) !== 0) return failed(`${s4}: guest RIP bits 63:32 must be 0 outside 64-bit mode`);
  if (longCode && !canonical(rip)) return failed(`${s4}: guest RIP must be canonical in 64-bit mode`);
  if (rflagsHi !== 0 || (rflags & 0xffc08028) !== 0) return failed(`${s4}: guest RFLAGS reserved bits (63:22, 15, 5, 3) must be 0`);
  if ((rflags & 2) === 0) return failed(`${s4}: guest RFLAGS bit 1 must be 1`);
  if (v8086 && (ia32e || (cr0 & CR0_PE) === 0)) return failed(`${s4}: guest RFLAGS.VM must be 0 in IA-32e mode or with CR0.PE = 0`);
  const intrInfo = vmcs.u32(F.ENTRY_INTR_INFO);
  const injecting = (intrInfo >>> 31) === 1;
  const injType = (intrInfo >>> 8) & 7;
  if (injecting && injType === IntrType.External && (rflags & (1 << 9)) === 0) return failed(`${s4}: guest RFLAGS.IF must be 1 when injecting an external interrupt`);
  // Non-register state (26.3.1.5).
  const s5 = 'SDM 26.3.1.5';
  const act = vmcs.u32(F.GUEST_ACTIVITY_STATE);
  const intr = vmcs.u32(F.GUEST_INTERRUPTIBILITY);
  if (act > 3 || ((CAPS.misc[0] >>> (5 + act)) & 1) === 0 && act !== 0) return failed(`${s5}: guest activity state ${act} is not supported (IA32_VMX_MISC bits 8:6)`);
  if (act === ACTIVITY_HLT && ((seg.ar[SEG_SS]! >>> 5) & 3) !== 0) return failed(`${s5}: the HLT activity state needs SS.DPL = 0`);
  if ((intr & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) !== 0 && act !== ACTIVITY_ACTIVE) return failed(`${s5}: the activity state must be active with blocking by STI or MOV SS`);
  if (injecting && act === ACTIVITY_HLT) {
    const vector = intrInfo & 0xff;
    const allowed = injType === IntrType.External || injType === IntrType.Nmi || (injType === IntrType.HardwareException && (vector === 1 || vector === 18)) || (injType === IntrType.Other && vector === 0);
    if (!allowed) return failed(`${s5}: in the HLT activity state only external interrupts, NMIs, #DB, #MC and pending MTF can be injected`);
  }
  if ((intr >>> 5) !== 0) return failed(`${s5}: interruptibility-state bits 31:5 are reserved`);
  if ((intr & 3) === 3) return failed(`${s5}: blocking by STI and by MOV SS cannot both be 1`);
  if ((rflags & (1 << 9)) === 0 && (intr & BLOCKING_BY_STI) !== 0) return failed(`${s5}: blocking by STI must be 0 when RFLAGS.IF = 0`);
  if (injecting && (injType === IntrType.External || injType === IntrType.Nmi) && (intr & 3) !== 0) return failed(`${s5}: blocking by STI and MOV SS must be 0 when injecting an external interrupt or NMI`);
  if ((intr & 4) !== 0) return failed(`${s5}: blocking by SMI must be 0 outside SMM`);
  const pending = vmcs.u32(F.GUEST_PENDING_DEBUG), pendingHi = vmcs.hi32(F.GUEST_PENDING_DEBUG);
  if (pendingHi !== 0 || (pending & 0xffffaff0) !== 0) return failed(`${s5}: pending-debug-exceptions reserved bits (63:17, 15, 13:4) must be 0`);
  // VMCS link pointer: qualification 4 (SDM §26.7).
  const link = vmcs.unum(F.VMCS_LINK_POINTER);
  if (vmcs.u32(F.VMCS_LINK_POINTER) !== 0xffffffff || vmcs.hi32(F.VMCS_LINK_POINTER) !== 0xffffffff) {
    const lo = vmcs.u32(F.VMCS_LINK_POINTER), hi = vmcs.hi32(F.VMCS_LINK_POINTER);
    if ((lo & 0xfff) !== 0 || (hi & HI_BEYOND_WIDTH) !== 0) return failed(`${s5}: the VMCS link pointer must be FFFFFFFF_FFFFFFFFH or a 4-KiB aligned address within the physical-address width`, 4);
    const mem = v.host.mem;
    const rev = link + 4 <= mem.ramBytes ? mem.dv.getUint32(link, true) : 0xffffffff;
    const shadowing = (proc2 & PROC2.VMCS_SHADOWING) !== 0;
    if ((rev & 0x7fffffff) !== VMCS_REVISION || ((rev >>> 31) === 1) !== shadowing) return failed(`${s5}: the VMCS link pointer must reference a region with the VMCS revision identifier${shadowing ? ' and the shadow-VMCS indicator' : ''}`, 4);
    if (link === v.current!.pa) return failed(`${s5}: the VMCS link pointer must not be the current-VMCS pointer`, 4);
  }
  return null;
}

// ----------------------------------------- 26.3.2 loading guest state

/** The controls the running guest's non-root operation consults, cached at entry (the VMCS cannot change in non-root). */
function loadControls(v: VmxCpu, vmcs: Vmcs): void {
  const g = v.g;
  g.pin = vmcs.u32(F.PIN_BASED_CONTROLS);
  g.proc = vmcs.u32(F.PROC_BASED_CONTROLS);
  g.proc2 = (g.proc & PROC.SECONDARY_CONTROLS) !== 0 ? vmcs.u32(F.SECONDARY_CONTROLS) : 0;
  g.exit = vmcs.u32(F.EXIT_CONTROLS);
  g.entry = vmcs.u32(F.ENTRY_CONTROLS);
  g.exceptionBitmap = vmcs.u32(F.EXCEPTION_BITMAP);
  g.pfecMask = vmcs.u32(F.PAGE_FAULT_ERROR_CODE_MASK);
  g.pfecMatch = vmcs.u32(F.PAGE_FAULT_ERROR_CODE_MATCH);
  g.cr0Mask = vmcs.u32(F.CR0_GUEST_HOST_MASK);
  g.cr4Mask = vmcs.u32(F.CR4_GUEST_HOST_MASK);
  g.cr0Shadow = vmcs.u32(F.CR0_READ_SHADOW);
  g.cr4Shadow = vmcs.u32(F.CR4_READ_SHADOW);
  g.cr3TargetCount = vmcs.u32(F.CR3_TARGET_COUNT);
  for (let i = 0; i < 4; i++) g.cr3Targets[i] = vmcs.unum(F.CR3_TARGET0 + 2 * i);
  g.msrBitmap = vmcs.unum(F.MSR_BITMAP);
  g.ioBitmapA = vmcs.unum(F.IO_BITMAP_A);
  g.ioBitmapB = vmcs.unum(F.IO_BITMAP_B);
  g.vapicPage = vmcs.unum(F.VIRTUAL_APIC_PAGE_ADDR);
  g.apicAccessPage = (g.proc2 & PROC2.VIRTUALIZE_APIC_ACCESSES) !== 0 ? vmcs.unum(F.APIC_ACCESS_ADDR) : -1;
  g.tprThreshold = vmcs.u32(F.TPR_THRESHOLD);
  g.notificationVector = vmcs.u32(F.POSTED_INTR_NV);
  g.pidAddr = vmcs.unum(F.POSTED_INTR_DESC_ADDR);
  for (let i = 0; i < 4; i++) {
    g.eoiExitBitmap[2 * i] = vmcs.u32(F.EOI_EXIT_BITMAP0 + 2 * i);
    g.eoiExitBitmap[2 * i + 1] = vmcs.hi32(F.EOI_EXIT_BITMAP0 + 2 * i);
  }
  g.vpid = (g.proc2 & PROC2.ENABLE_VPID) !== 0 ? vmcs.u32(F.VPID) : 0;
  g.ept = (g.proc2 & PROC2.ENABLE_EPT) !== 0;
  g.eptp = vmcs.unum(F.EPT_POINTER);
}

function loadGuestState(v: VmxCpu, vmcs: Vmcs, seg: SegmentState): void {
  const c = v.core;
  const g = v.g;
  // Control registers, debug registers, MSRs (26.3.2.1).
  c.cr0 = vmcs.u32(F.GUEST_CR0) >>> 0;
  c.cr3 = vmcs.unum(F.GUEST_CR3);
  c.cr4 = vmcs.u32(F.GUEST_CR4) >>> 0;
  if ((g.entry & ENTRY.LOAD_DEBUG_CONTROLS) !== 0) {
    v.dr7 = vmcs.unum(F.GUEST_DR7);
    c.msr.write(IA32_DEBUGCTL, vmcs.u32(F.GUEST_IA32_DEBUGCTL) | 0, vmcs.hi32(F.GUEST_IA32_DEBUGCTL) | 0);
  }
  c.msr.write(IA32_SYSENTER_CS, vmcs.u32(F.GUEST_IA32_SYSENTER_CS) | 0, 0);
  c.msr.write(IA32_SYSENTER_ESP, vmcs.u32(F.GUEST_IA32_SYSENTER_ESP) | 0, vmcs.hi32(F.GUEST_IA32_SYSENTER_ESP) | 0);
  c.msr.write(IA32_SYSENTER_EIP, vmcs.u32(F.GUEST_IA32_SYSENTER_EIP) | 0, vmcs.hi32(F.GUEST_IA32_SYSENTER_EIP) | 0);
  if ((g.entry & ENTRY.LOAD_PAT) !== 0) c.msr.write(IA32_PAT, vmcs.u32(F.GUEST_IA32_PAT) | 0, vmcs.hi32(F.GUEST_IA32_PAT) | 0);
  const ia32e = (g.entry & ENTRY.IA32E_MODE_GUEST) !== 0;
  if ((g.entry & ENTRY.LOAD_EFER) !== 0) c.efer = vmcs.u32(F.GUEST_IA32_EFER);
  else c.efer = ia32e ? c.efer | EFER_LMA | EFER_LME : c.efer & ~(EFER_LMA | EFER_LME);
  // Segment and descriptor-table registers (26.3.2.2).
  for (let i = 0; i < 6; i++) { c.segSel[i] = seg.sel[i]!; c.segBase[i] = seg.base[i]!; }
  c.trSel = seg.sel[SEG_TR]!; c.trBase = seg.base[SEG_TR]!; c.trLimit = seg.limit[SEG_TR]!;
  v.seg.sel.set(seg.sel); v.seg.base.set(seg.base); v.seg.limit.set(seg.limit); v.seg.ar.set(seg.ar);
  c.gdtrBase = vmcs.num(F.GUEST_GDTR_BASE); c.gdtrLimit = vmcs.u32(F.GUEST_GDTR_LIMIT);
  c.idtrBase = vmcs.num(F.GUEST_IDTR_BASE); c.idtrLimit = vmcs.u32(F.GUEST_IDTR_LIMIT);
  // RIP, RSP, RFLAGS (26.3.2.3); CPL is SS.DPL.
  c.rip = vmcs.num(F.GUEST_RIP);
  c.setRsp(vmcs.num(F.GUEST_RSP));
  c.setRflags(vmcs.u32(F.GUEST_RFLAGS));
  c.setCpl((seg.ar[SEG_SS]! >>> 5) & 3);
  // Non-register state (26.3.2.5).
  const intr = vmcs.u32(F.GUEST_INTERRUPTIBILITY);
  c.interruptShadow = (intr & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) !== 0;
  c.shadowByMovSs = (intr & BLOCKING_BY_MOV_SS) !== 0;
  c.inShadow = false;
  if ((intr & BLOCKING_BY_NMI) !== 0) c.nmiBlocked = true;
  c.tscOffset = (g.proc & PROC.TSC_OFFSETTING) !== 0 ? vmcs.num(F.TSC_OFFSET) : 0;
  // Into VMX non-root operation: the guest's translation context (VPID/EPTP tags, §28.3.3).
  c.nonRoot = true;
  const n = v.nested;
  n.enabled = g.ept;
  n.pml4 = Math.floor(g.eptp / 4096) * 4096 % 2 ** 52;
  n.accessedDirty = (g.eptp % 128) >= 64;
  n.apicAccessPage = g.apicAccessPage;
  c.nested = g.ept || g.apicAccessPage >= 0 ? n : null;
  switchContext(v, g.vpid, g.ept ? n.pml4 : -1, g.apicAccessPage);
  c.requestBlockExit();
  // The guest's RVI and SVI (virtual-interrupt delivery): then PPR virtualization and evaluation (26.3.2.5, 29.2.1).
  if ((g.proc2 & PROC2.VIRTUAL_INTERRUPT_DELIVERY) !== 0) {
    const status = vmcs.u32(F.GUEST_INTR_STATUS);
    v.rvi = status & 0xff;
    v.svi = (status >>> 8) & 0xff;
  }
  v.guestHalted = vmcs.u32(F.GUEST_ACTIVITY_STATE) === ACTIVITY_HLT;
  if (v.guestHalted) c.state = RunState.Halted;
  c.vmxPending = (g.proc & (PROC.INTERRUPT_WINDOW_EXITING | PROC.NMI_WINDOW_EXITING)) !== 0 || c.intrPending || c.nmiPending;
  c.vmxStep = (g.proc & PROC.MONITOR_TRAP_FLAG) !== 0;
  if ((g.pin & PIN.PREEMPTION_TIMER) !== 0) startPreemptionTimer(v, vmcs.u32(F.PREEMPTION_TIMER_VALUE));
}

// ------------------------------------------------ 26.5 event injection

/**
 * Event injection (SDM §26.5): the event in the VM-entry
 * interruption-information field is delivered through the guest IDT as if
 * it had occurred right after VM entry; software interrupts and exceptions
 * push RIP + the VM-entry instruction length; type 7 vector 0 makes an MTF
 * VM exit pending.
 */
function injectEvent(v: VmxCpu, vmcs: Vmcs): void {
  const intr = vmcs.u32(F.ENTRY_INTR_INFO);
  if ((intr >>> 31) === 0) return;
  const c = v.core;
  const vector = intr & 0xff, type = (intr >>> 8) & 7;
  if (type === IntrType.Other) { v.mtfPending = true; c.vmxPending = true; return; }
  const error = (intr & (1 << 11)) !== 0 ? vmcs.u32(F.ENTRY_EXCEPTION_ERROR_CODE) : null;
  const soft = type === IntrType.SoftwareInterrupt || type === IntrType.SoftwareException || type === IntrType.PrivilegedSoftwareException;
  const len = soft ? vmcs.u32(F.ENTRY_INSTRUCTION_LENGTH) : 0;
  if (type === IntrType.Nmi) c.nmiBlocked = true;
  v.guestHalted = false;
  if (c.state === RunState.Halted) c.state = RunState.Running;
  c.injectEvent(vector, error, type, len);
}

/**
 * VM entry ends with TPR virtualization when "use TPR shadow" is 1 (SDM
 * §26.7.7? "VM Exits Induced by the TPR Threshold", §29.1.2): with
 * virtual-interrupt delivery, PPR virtualization and the evaluation of
 * pending virtual interrupts (§26.3.2.5); without, a TPR-below-threshold
 * VM exit right after entry if VTPR[7:4] is below the threshold.
 */
function tprVirtualizationAtEntry(v: VmxCpu): void {
  if ((v.g.proc2 & PROC2.VIRTUAL_INTERRUPT_DELIVERY) !== 0) {
    pprVirtualization(v);
    evaluatePendingVirtualInterrupts(v);
    return;
  }
  if (((vload(v, VTPR) >>> 4) & 0xf) < (v.g.tprThreshold & 0xf)) throw new VmExit(ExitReason.TprBelowThreshold, 0, true);
}
