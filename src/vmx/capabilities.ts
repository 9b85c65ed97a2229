/**
 * The VMX capability MSRs of a Haswell-EP (SDM Vol. 3D Appendix A "VMX
 * Capability Reporting Facility" defines their format) and
 * IA32_FEATURE_CONTROL (SDM Vol. 3C "Enabling and Entering VMX Operation").
 *
 * Where the values come from:
 *  - The control words, MISC, CR0 fixed bits, EPT/VPID capabilities and the
 *    BASIC word are the MSR dump of a Haswell-generation Intel core in
 *    VirtualBox's CPU database (src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_5600U.h,
 *    "Generated ... by VBoxCpuReport": a Broadwell i7-5600U, the Haswell
 *    core's die shrink; VMCS revision 0x12, 1 KiB VMCS, WB, true controls).
 *  - The features a Haswell has that this client part lacks, and the ones
 *    it has that a Haswell lacks, follow QEMU's "Haswell" CPU model
 *    (target/i386/cpu.c, FEAT_VMX_* lists; QEMU takes them from hardware):
 *    the server parts' APIC virtualization — posted-interrupt processing
 *    (pin-based bit 7), APIC-register virtualization and virtual-interrupt
 *    delivery (secondary bits 8 and 9) — are added; Broadwell's
 *    RDSEED exiting and EPT-violation #VE (secondary bits 16 and 18) and SMAP
 *    (CR4 bit 21) are removed.
 *  - IA32_VMX_VMCS_ENUM is derived from the fields this machine supports
 *    (fields.ts), as SDM §A.9 defines it (the highest index is 23, the
 *    VMX-preemption timer value, 482EH).
 */
import { Fault, Vector } from '../cpu/fault.js';
import type { MsrDevice } from '../cpu/msr.js';
import { HIGHEST_FIELD_INDEX } from './fields.js';

export const IA32_FEATURE_CONTROL = 0x3a;
export const IA32_VMX_BASIC = 0x480;
export const IA32_VMX_PINBASED_CTLS = 0x481;
export const IA32_VMX_PROCBASED_CTLS = 0x482;
export const IA32_VMX_EXIT_CTLS = 0x483;
export const IA32_VMX_ENTRY_CTLS = 0x484;
export const IA32_VMX_MISC = 0x485;
export const IA32_VMX_CR0_FIXED0 = 0x486;
export const IA32_VMX_CR0_FIXED1 = 0x487;
export const IA32_VMX_CR4_FIXED0 = 0x488;
export const IA32_VMX_CR4_FIXED1 = 0x489;
export const IA32_VMX_VMCS_ENUM = 0x48a;
export const IA32_VMX_PROCBASED_CTLS2 = 0x48b;
export const IA32_VMX_EPT_VPID_CAP = 0x48c;
export const IA32_VMX_TRUE_PINBASED_CTLS = 0x48d;
export const IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e;
export const IA32_VMX_TRUE_EXIT_CTLS = 0x48f;
export const IA32_VMX_TRUE_ENTRY_CTLS = 0x490;
export const IA32_VMX_VMFUNC = 0x491;

/** IA32_FEATURE_CONTROL bits: lock (0), VMX inside SMX (1), VMX outside SMX (2). */
export const FEATURE_CONTROL_LOCK = 1 << 0;
export const FEATURE_CONTROL_VMX_OUTSIDE_SMX = 1 << 2;
/** What server firmware leaves: locked, VMX allowed outside SMX (Bochs's BIOS does the same). */
export const FEATURE_CONTROL_FIRMWARE = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;

/** VMCS revision identifier (IA32_VMX_BASIC bits 30:0) and region size (bits 44:32). */
export const VMCS_REVISION = 0x12;
export const VMCS_REGION_BYTES = 0x400;

/** A 64-bit capability value as [low, high] 32-bit halves: [allowed-0 settings, allowed-1 settings] for control MSRs. */
export type Pair = readonly [number, number];

export const CAPS = {
  // revision 0x12 | size 0x400 << 32 | WB (6) << 50 | INS/OUTS info (bit 54) | true controls (bit 55)
  basic: [VMCS_REVISION, 0x00da0400] as Pair,
  pinbased: [0x00000016, 0x000000ff] as Pair,
  procbased: [0x0401e172, 0xfff9fffe] as Pair,
  exit: [0x00036dff, 0x007fffff] as Pair,
  entry: [0x000011ff, 0x0000ffff] as Pair,
  // preemption timer rate 5 (TSC bit 5), stores LMA, HLT/shutdown/wait-for-SIPI, 4 CR3 targets, 512 MSRs, VMWRITE to exit fields (bit 29)
  misc: [0x300481e5, 0] as Pair,
  cr0Fixed0: [0x80000021, 0] as Pair,
  cr0Fixed1: [0xffffffff, 0] as Pair,
  cr4Fixed0: [0x00002000, 0] as Pair,
  cr4Fixed1: [0x001767ff, 0] as Pair,
  vmcsEnum: [HIGHEST_FIELD_INDEX << 1, 0] as Pair,
  procbased2: [0, 0x00007fff] as Pair,
  // execute-only, 4-level walks, UC and WB EPT structures, 2 MiB and 1 GiB pages, INVEPT (single, all),
  // EPT A/D flags; INVVPID (individual address, single, all, single retaining globals)
  eptVpid: [0x06334141, 0x00000f01] as Pair,
  truePinbased: [0x00000016, 0x000000ff] as Pair,
  trueProcbased: [0x04006172, 0xfff9fffe] as Pair,
  trueExit: [0x00036dfb, 0x007fffff] as Pair,
  trueEntry: [0x000011fb, 0x0000ffff] as Pair,
  vmfunc: [0x1, 0] as Pair,
} as const;

/** IA32_VMX_MISC bits 4:0: the preemption timer counts down once each time this TSC bit changes (SDM §25.5.1). */
export const PREEMPTION_TIMER_RATE = CAPS.misc[0] & 0x1f;
/** IA32_VMX_MISC bits 24:16. */
export const CR3_TARGET_LIMIT = (CAPS.misc[0] >>> 16) & 0x1ff;
/** IA32_VMX_MISC bit 29: VMWRITE may write the VM-exit information fields. */
export const VMWRITE_ANY_FIELD = ((CAPS.misc[0] >>> 29) & 1) === 1;

/** EPT/VPID capability bits (SDM §A.10). */
export const EPT_CAP = {
  EXECUTE_ONLY: 1 << 0,
  WALK_LENGTH_4: 1 << 6,
  MEMTYPE_UC: 1 << 8,
  MEMTYPE_WB: 1 << 14,
  PAGE_2M: 1 << 16,
  PAGE_1G: 1 << 17,
  INVEPT: 1 << 20,
  ACCESSED_DIRTY: 1 << 21,
  INVEPT_SINGLE: 1 << 25,
  INVEPT_ALL: 1 << 26,
} as const;
/** INVVPID types supported (high word bits 8..11: individual address, single context, all context, single context retaining globals). */
export const INVVPID_TYPES = (CAPS.eptVpid[1] >>> 8) & 0xf;
export const eptCap = (bit: number): boolean => (CAPS.eptVpid[0] & bit) !== 0;

const BY_INDEX: Record<number, Pair> = {
  [IA32_VMX_BASIC]: CAPS.basic,
  [IA32_VMX_PINBASED_CTLS]: CAPS.pinbased,
  [IA32_VMX_PROCBASED_CTLS]: CAPS.procbased,
  [IA32_VMX_EXIT_CTLS]: CAPS.exit,
  [IA32_VMX_ENTRY_CTLS]: CAPS.entry,
  [IA32_VMX_MISC]: CAPS.misc,
  [IA32_VMX_CR0_FIXED0]: CAPS.cr0Fixed0,
  [IA32_VMX_CR0_FIXED1]: CAPS.cr0Fixed1,
  [IA32_VMX_CR4_FIXED0]: CAPS.cr4Fixed0,
  [IA32_VMX_CR4_FIXED1]: CAPS.cr4Fixed1,
  [IA32_VMX_VMCS_ENUM]: CAPS.vmcsEnum,
  [IA32_VMX_PROCBASED_CTLS2]: CAPS.procbased2,
  [IA32_VMX_EPT_VPID_CAP]: CAPS.eptVpid,
  [IA32_VMX_TRUE_PINBASED_CTLS]: CAPS.truePinbased,
  [IA32_VMX_TRUE_PROCBASED_CTLS]: CAPS.trueProcbased,
  [IA32_VMX_TRUE_EXIT_CTLS]: CAPS.trueExit,
  [IA32_VMX_TRUE_ENTRY_CTLS]: CAPS.trueEntry,
  [IA32_VMX_VMFUNC]: CAPS.vmfunc,
};

/** A control word is valid iff every allowed-0 (must-be-1) bit is set and no bit outside allowed-1 is set (SDM §A.3). */
export function controlsAllowed(value: number, cap: Pair): boolean {
  return ((value & cap[0]) >>> 0) === (cap[0] >>> 0) && ((value & ~cap[1]) >>> 0) === 0;
}

/** CR0/CR4 satisfy the VMX fixed bits (SDM §A.7, §A.8). */
export function fixedBitsOk(value: number, fixed0: Pair, fixed1: Pair): boolean {
  return ((value & fixed0[0]) >>> 0) === (fixed0[0] >>> 0) && ((value & ~fixed1[0]) >>> 0) === 0;
}

/**
 * The capability MSRs (read-only: WRMSR is #GP, SDM Vol. 4 "IA32_VMX_*")
 * and IA32_FEATURE_CONTROL (writable until locked).
 */
export class VmxMsrs implements MsrDevice {
  featureControl = FEATURE_CONTROL_FIRMWARE;

  handles(index: number): boolean {
    return index === IA32_FEATURE_CONTROL || BY_INDEX[index] !== undefined;
  }

  rdmsr(index: number, hiOut: Int32Array): number {
    if (index === IA32_FEATURE_CONTROL) { hiOut[0] = 0; return this.featureControl; }
    const v = BY_INDEX[index]!;
    hiOut[0] = v[1] | 0;
    return v[0] | 0;
  }

  wrmsr(index: number, lo: number, hi: number): void {
    if (index !== IA32_FEATURE_CONTROL) throw new Fault(Vector.GP, 0, `WRMSR to the read-only VMX capability MSR 0x${index.toString(16)}`);
    // Once locked, IA32_FEATURE_CONTROL cannot be written until reset (SDM Vol. 3C §23.7).
    if ((this.featureControl & FEATURE_CONTROL_LOCK) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR to IA32_FEATURE_CONTROL while it is locked');
    // Lock and VMX-outside-SMX; the SMX bits (1, 14:8) are reserved since CPUID.1:ECX.SMX = 0 (SDM Vol. 4, IA32_FEATURE_CONTROL).
    if (hi !== 0 || (lo & ~0x5) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR IA32_FEATURE_CONTROL with reserved bits set');
    this.featureControl = lo & 0x5;
  }
}
