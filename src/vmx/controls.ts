/**
 * VMX control bits by name (SDM Vol. 3C "VM-Execution Control Fields",
 * "VM-Exit Control Fields", "VM-Entry Control Fields"; Tables 24-5 to 24-13
 * in 2016-era editions). One table per control word drives the code (named
 * constants), VM-entry checks and the debugger's decoding.
 */

export interface ControlBit { readonly bit: number; readonly name: string; }

/** Pin-based VM-execution controls (SDM Table 24-5). */
export const PIN = {
  EXTERNAL_INTERRUPT_EXITING: 1 << 0,
  NMI_EXITING: 1 << 3,
  VIRTUAL_NMIS: 1 << 5,
  PREEMPTION_TIMER: 1 << 6,
  POSTED_INTERRUPTS: 1 << 7,
} as const;

/** Primary processor-based VM-execution controls (SDM Table 24-6). */
export const PROC = {
  INTERRUPT_WINDOW_EXITING: 1 << 2,
  TSC_OFFSETTING: 1 << 3,
  HLT_EXITING: 1 << 7,
  INVLPG_EXITING: 1 << 9,
  MWAIT_EXITING: 1 << 10,
  RDPMC_EXITING: 1 << 11,
  RDTSC_EXITING: 1 << 12,
  CR3_LOAD_EXITING: 1 << 15,
  CR3_STORE_EXITING: 1 << 16,
  CR8_LOAD_EXITING: 1 << 19,
  CR8_STORE_EXITING: 1 << 20,
  TPR_SHADOW: 1 << 21,
  NMI_WINDOW_EXITING: 1 << 22,
  MOV_DR_EXITING: 1 << 23,
  UNCONDITIONAL_IO_EXITING: 1 << 24,
  IO_BITMAPS: 1 << 25,
  MONITOR_TRAP_FLAG: 1 << 27,
  MSR_BITMAPS: 1 << 28,
  MONITOR_EXITING: 1 << 29,
  PAUSE_EXITING: 1 << 30,
  SECONDARY_CONTROLS: (1 << 31) >>> 0,
} as const;

/** Secondary processor-based VM-execution controls (SDM Table 24-7). */
export const PROC2 = {
  VIRTUALIZE_APIC_ACCESSES: 1 << 0,
  ENABLE_EPT: 1 << 1,
  DESCRIPTOR_TABLE_EXITING: 1 << 2,
  ENABLE_RDTSCP: 1 << 3,
  VIRTUALIZE_X2APIC_MODE: 1 << 4,
  ENABLE_VPID: 1 << 5,
  WBINVD_EXITING: 1 << 6,
  UNRESTRICTED_GUEST: 1 << 7,
  APIC_REGISTER_VIRTUALIZATION: 1 << 8,
  VIRTUAL_INTERRUPT_DELIVERY: 1 << 9,
  PAUSE_LOOP_EXITING: 1 << 10,
  RDRAND_EXITING: 1 << 11,
  ENABLE_INVPCID: 1 << 12,
  ENABLE_VM_FUNCTIONS: 1 << 13,
  VMCS_SHADOWING: 1 << 14,
  // Named so a VM entry that sets them can say which (IA32_VMX_PROCBASED_CTLS2 does not allow them on Haswell).
  ENABLE_PML: 1 << 17,
  EPT_VIOLATION_VE: 1 << 18,
  ENABLE_XSAVES_XRSTORS: 1 << 20,
  USE_TSC_SCALING: 1 << 25,
} as const;

/** VM-exit controls (SDM Table 24-10). */
export const EXIT = {
  SAVE_DEBUG_CONTROLS: 1 << 2,
  HOST_ADDRESS_SPACE_SIZE: 1 << 9,
  LOAD_PERF_GLOBAL_CTRL: 1 << 12,
  ACK_INTERRUPT_ON_EXIT: 1 << 15,
  SAVE_PAT: 1 << 18,
  LOAD_PAT: 1 << 19,
  SAVE_EFER: 1 << 20,
  LOAD_EFER: 1 << 21,
  SAVE_PREEMPTION_TIMER: 1 << 22,
} as const;

/** VM-entry controls (SDM Table 24-12). */
export const ENTRY = {
  LOAD_DEBUG_CONTROLS: 1 << 2,
  IA32E_MODE_GUEST: 1 << 9,
  ENTRY_TO_SMM: 1 << 10,
  DEACTIVATE_DUAL_MONITOR: 1 << 11,
  LOAD_PERF_GLOBAL_CTRL: 1 << 13,
  LOAD_PAT: 1 << 14,
  LOAD_EFER: 1 << 15,
} as const;

function table(o: Record<string, number>): ControlBit[] {
  return Object.entries(o).map(([name, v]) => ({ name: name.toLowerCase().replace(/_/g, '-'), bit: 31 - Math.clz32(v) }));
}

export const CONTROL_WORDS = {
  pin: { title: 'pin-based VM-execution controls', bits: table(PIN) },
  proc: { title: 'primary processor-based VM-execution controls', bits: table(PROC) },
  proc2: { title: 'secondary processor-based VM-execution controls', bits: table(PROC2) },
  exit: { title: 'VM-exit controls', bits: table(EXIT) },
  entry: { title: 'VM-entry controls', bits: table(ENTRY) },
} as const;

export type ControlWord = keyof typeof CONTROL_WORDS;

/**
 * Names of the set bits of a control word; bits the SDM does not name (the
 * reserved default-1 bits of Appendix A.3–A.5, or bits this machine does not
 * name) come last as one `reserved bits N, M` entry.
 */
export function controlNames(word: ControlWord, value: number): string[] {
  const out: string[] = [];
  const other: number[] = [];
  for (let b = 0; b < 32; b++) {
    if (((value >>> b) & 1) === 0) continue;
    const named = CONTROL_WORDS[word].bits.find((x) => x.bit === b);
    if (named) out.push(named.name); else other.push(b);
  }
  if (other.length > 0) out.push(`reserved bit${other.length === 1 ? '' : 's'} ${other.join(', ')}`);
  return out;
}

/** The name of one control bit, for reports ("process posted interrupts"). */
export function controlName(word: ControlWord, mask: number): string {
  const b = 31 - Math.clz32(mask);
  return CONTROL_WORDS[word].bits.find((x) => x.bit === b)?.name.replace(/-/g, ' ') ?? `${word} bit ${b}`;
}
