/**
 * Basic exit reasons (SDM Vol. 3D Appendix C "VMX Basic Exit Reasons") and
 * VM-instruction error numbers (SDM Vol. 3C "VM Instruction Error Numbers",
 * Table 30-1 in 2016-era editions).
 */

export const enum ExitReason {
  ExceptionOrNmi = 0,
  ExternalInterrupt = 1,
  TripleFault = 2,
  InterruptWindow = 7,
  NmiWindow = 8,
  TaskSwitch = 9,
  Cpuid = 10,
  Getsec = 11,
  Hlt = 12,
  Invd = 13,
  Invlpg = 14,
  Rdpmc = 15,
  Rdtsc = 16,
  Vmcall = 18,
  Vmclear = 19,
  Vmlaunch = 20,
  Vmptrld = 21,
  Vmptrst = 22,
  Vmread = 23,
  Vmresume = 24,
  Vmwrite = 25,
  Vmxoff = 26,
  Vmxon = 27,
  CrAccess = 28,
  DrAccess = 29,
  IoInstruction = 30,
  Rdmsr = 31,
  Wrmsr = 32,
  EntryFailGuestState = 33,
  EntryFailMsrLoading = 34,
  Mwait = 36,
  MonitorTrapFlag = 37,
  Monitor = 39,
  Pause = 40,
  TprBelowThreshold = 43,
  ApicAccess = 44,
  VirtualizedEoi = 45,
  GdtrIdtrAccess = 46,
  LdtrTrAccess = 47,
  EptViolation = 48,
  EptMisconfig = 49,
  Invept = 50,
  Rdtscp = 51,
  PreemptionTimer = 52,
  Invvpid = 53,
  Wbinvd = 54,
  Xsetbv = 55,
  ApicWrite = 56,
  Rdrand = 57,
  Invpcid = 58,
  Vmfunc = 59,
}

/** Bit 31 of the exit-reason field: the exit is a VM-entry failure (SDM §26.7 / §27.2.1). */
export const EXIT_REASON_ENTRY_FAILURE = 0x80000000;

const REASON_NAMES: Record<number, string> = {
  0: 'exception or NMI', 1: 'external interrupt', 2: 'triple fault', 3: 'INIT signal', 4: 'SIPI', 5: 'I/O SMI', 6: 'other SMI',
  7: 'interrupt window', 8: 'NMI window', 9: 'task switch', 10: 'CPUID', 11: 'GETSEC', 12: 'HLT', 13: 'INVD', 14: 'INVLPG',
  15: 'RDPMC', 16: 'RDTSC', 17: 'RSM', 18: 'VMCALL', 19: 'VMCLEAR', 20: 'VMLAUNCH', 21: 'VMPTRLD', 22: 'VMPTRST', 23: 'VMREAD',
  24: 'VMRESUME', 25: 'VMWRITE', 26: 'VMXOFF', 27: 'VMXON', 28: 'control-register access', 29: 'MOV DR', 30: 'I/O instruction',
  31: 'RDMSR', 32: 'WRMSR', 33: 'VM-entry failure: invalid guest state', 34: 'VM-entry failure: MSR loading', 36: 'MWAIT',
  37: 'monitor trap flag', 39: 'MONITOR', 40: 'PAUSE', 41: 'VM-entry failure: machine check', 43: 'TPR below threshold',
  44: 'APIC access', 45: 'virtualized EOI', 46: 'GDTR/IDTR access', 47: 'LDTR/TR access', 48: 'EPT violation',
  49: 'EPT misconfiguration', 50: 'INVEPT', 51: 'RDTSCP', 52: 'VMX-preemption timer expired', 53: 'INVVPID', 54: 'WBINVD',
  55: 'XSETBV', 56: 'APIC write', 57: 'RDRAND', 58: 'INVPCID', 59: 'VMFUNC', 60: 'ENCLS', 61: 'RDSEED', 62: 'page-modification log full',
  63: 'XSAVES', 64: 'XRSTORS',
};

export function exitReasonName(reason: number): string {
  return REASON_NAMES[reason & 0xffff] ?? `reason ${reason & 0xffff}`;
}

/** Exit reason numbers by a name a debugger user types (`catch vmexit cpuid`). */
export function exitReasonByName(name: string): number | undefined {
  const n = name.toLowerCase().replace(/[-_ ]/g, '');
  for (const [k, v] of Object.entries(REASON_NAMES)) {
    if (v.toLowerCase().replace(/[-_ /:]/g, '') === n) return Number(k);
  }
  const aliases: Record<string, number> = { exception: 0, nmi: 0, extint: 1, external: 1, intwindow: 7, cr: 28, io: 30, ept: 48, eptviolation: 48, eptmisconfig: 49, preemption: 52, timer: 52, apicaccess: 44, apicwrite: 56, eoi: 45, tpr: 43, mtf: 37 };
  return aliases[n];
}

export const enum VmxError {
  VmcallInRoot = 1,
  VmclearInvalidAddress = 2,
  VmclearVmxonPointer = 3,
  VmlaunchNonClear = 4,
  VmresumeNonLaunched = 5,
  EntryInvalidControls = 7,
  EntryInvalidHostState = 8,
  VmptrldInvalidAddress = 9,
  VmptrldVmxonPointer = 10,
  VmptrldBadRevision = 11,
  UnsupportedComponent = 12,
  VmwriteReadOnly = 13,
  VmxonInRoot = 15,
  VmcallNonClear = 19,
  EntryMovSsBlocking = 26,
  InvalidInveptInvvpid = 28,
}

export const VMX_ERROR_NAMES: Record<number, string> = {
  1: 'VMCALL executed in VMX root operation',
  2: 'VMCLEAR with invalid physical address',
  3: 'VMCLEAR with VMXON pointer',
  4: 'VMLAUNCH with non-clear VMCS',
  5: 'VMRESUME with non-launched VMCS',
  6: 'VMRESUME after VMXOFF',
  7: 'VM entry with invalid control field(s)',
  8: 'VM entry with invalid host-state field(s)',
  9: 'VMPTRLD with invalid physical address',
  10: 'VMPTRLD with VMXON pointer',
  11: 'VMPTRLD with incorrect VMCS revision identifier',
  12: 'VMREAD/VMWRITE from/to unsupported VMCS component',
  13: 'VMWRITE to read-only VMCS component',
  15: 'VMXON executed in VMX root operation',
  19: 'VMCALL with non-clear VMCS',
  26: 'VM entry with events blocked by MOV SS',
  28: 'invalid operand to INVEPT/INVVPID',
};
