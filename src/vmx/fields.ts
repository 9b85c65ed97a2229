/**
 * VMCS fields (Intel SDM Vol. 3D Appendix B "Field Encoding in VMCS", and
 * Vol. 3C "Virtual Machine Control Structures"): the encoding of every
 * field a Haswell-EP supports, its width and its group. The encoding says
 * both: bits 14:13 are the width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural
 * width), bits 11:10 the type (0 control, 1 VM-exit information (read-only),
 * 2 guest state, 3 host state), bits 9:1 the index and bit 0 the access type
 * (1 = the high 32 bits of a 64-bit field).
 *
 * One table drives VMREAD/VMWRITE validity, the VMCS's in-memory layout
 * (vmcs.ts) and the debugger's `info vmcs`.
 */

export type FieldWidth = 16 | 32 | 64 | 'natural';
export type FieldGroup = 'control' | 'exit-info' | 'guest' | 'host';

export interface FieldInfo {
  readonly name: string;
  readonly enc: number;
  readonly width: FieldWidth;
  readonly group: FieldGroup;
}

/** Field encodings by name (SDM Vol. 3D Appendix B, tables B-1 to B-14). */
export const F = {
  // 16-bit control (B.1.1), guest (B.1.2), host (B.1.3)
  VPID: 0x0000,
  POSTED_INTR_NV: 0x0002,
  GUEST_ES_SELECTOR: 0x0800,
  GUEST_CS_SELECTOR: 0x0802,
  GUEST_SS_SELECTOR: 0x0804,
  GUEST_DS_SELECTOR: 0x0806,
  GUEST_FS_SELECTOR: 0x0808,
  GUEST_GS_SELECTOR: 0x080a,
  GUEST_LDTR_SELECTOR: 0x080c,
  GUEST_TR_SELECTOR: 0x080e,
  GUEST_INTR_STATUS: 0x0810,
  HOST_ES_SELECTOR: 0x0c00,
  HOST_CS_SELECTOR: 0x0c02,
  HOST_SS_SELECTOR: 0x0c04,
  HOST_DS_SELECTOR: 0x0c06,
  HOST_FS_SELECTOR: 0x0c08,
  HOST_GS_SELECTOR: 0x0c0a,
  HOST_TR_SELECTOR: 0x0c0c,
  // 64-bit control (B.2.1)
  IO_BITMAP_A: 0x2000,
  IO_BITMAP_B: 0x2002,
  MSR_BITMAP: 0x2004,
  EXIT_MSR_STORE_ADDR: 0x2006,
  EXIT_MSR_LOAD_ADDR: 0x2008,
  ENTRY_MSR_LOAD_ADDR: 0x200a,
  EXECUTIVE_VMCS_POINTER: 0x200c,
  TSC_OFFSET: 0x2010,
  VIRTUAL_APIC_PAGE_ADDR: 0x2012,
  APIC_ACCESS_ADDR: 0x2014,
  POSTED_INTR_DESC_ADDR: 0x2016,
  VM_FUNCTION_CONTROLS: 0x2018,
  EPT_POINTER: 0x201a,
  EOI_EXIT_BITMAP0: 0x201c,
  EOI_EXIT_BITMAP1: 0x201e,
  EOI_EXIT_BITMAP2: 0x2020,
  EOI_EXIT_BITMAP3: 0x2022,
  EPTP_LIST_ADDR: 0x2024,
  VMREAD_BITMAP: 0x2026,
  VMWRITE_BITMAP: 0x2028,
  // 64-bit read-only (B.2.2), guest (B.2.3), host (B.2.4)
  GUEST_PHYSICAL_ADDRESS: 0x2400,
  VMCS_LINK_POINTER: 0x2800,
  GUEST_IA32_DEBUGCTL: 0x2802,
  GUEST_IA32_PAT: 0x2804,
  GUEST_IA32_EFER: 0x2806,
  GUEST_IA32_PERF_GLOBAL_CTRL: 0x2808,
  GUEST_PDPTE0: 0x280a,
  GUEST_PDPTE1: 0x280c,
  GUEST_PDPTE2: 0x280e,
  GUEST_PDPTE3: 0x2810,
  HOST_IA32_PAT: 0x2c00,
  HOST_IA32_EFER: 0x2c02,
  HOST_IA32_PERF_GLOBAL_CTRL: 0x2c04,
  // 32-bit control (B.3.1)
  PIN_BASED_CONTROLS: 0x4000,
  PROC_BASED_CONTROLS: 0x4002,
  EXCEPTION_BITMAP: 0x4004,
  PAGE_FAULT_ERROR_CODE_MASK: 0x4006,
  PAGE_FAULT_ERROR_CODE_MATCH: 0x4008,
  CR3_TARGET_COUNT: 0x400a,
  EXIT_CONTROLS: 0x400c,
  EXIT_MSR_STORE_COUNT: 0x400e,
  EXIT_MSR_LOAD_COUNT: 0x4010,
  ENTRY_CONTROLS: 0x4012,
  ENTRY_MSR_LOAD_COUNT: 0x4014,
  ENTRY_INTR_INFO: 0x4016,
  ENTRY_EXCEPTION_ERROR_CODE: 0x4018,
  ENTRY_INSTRUCTION_LENGTH: 0x401a,
  TPR_THRESHOLD: 0x401c,
  SECONDARY_CONTROLS: 0x401e,
  PLE_GAP: 0x4020,
  PLE_WINDOW: 0x4022,
  // 32-bit read-only (B.3.2)
  VM_INSTRUCTION_ERROR: 0x4400,
  EXIT_REASON: 0x4402,
  EXIT_INTR_INFO: 0x4404,
  EXIT_INTR_ERROR_CODE: 0x4406,
  IDT_VECTORING_INFO: 0x4408,
  IDT_VECTORING_ERROR_CODE: 0x440a,
  EXIT_INSTRUCTION_LENGTH: 0x440c,
  EXIT_INSTRUCTION_INFO: 0x440e,
  // 32-bit guest (B.3.3), host (B.3.4)
  GUEST_ES_LIMIT: 0x4800,
  GUEST_CS_LIMIT: 0x4802,
  GUEST_SS_LIMIT: 0x4804,
  GUEST_DS_LIMIT: 0x4806,
  GUEST_FS_LIMIT: 0x4808,
  GUEST_GS_LIMIT: 0x480a,
  GUEST_LDTR_LIMIT: 0x480c,
  GUEST_TR_LIMIT: 0x480e,
  GUEST_GDTR_LIMIT: 0x4810,
  GUEST_IDTR_LIMIT: 0x4812,
  GUEST_ES_AR: 0x4814,
  GUEST_CS_AR: 0x4816,
  GUEST_SS_AR: 0x4818,
  GUEST_DS_AR: 0x481a,
  GUEST_FS_AR: 0x481c,
  GUEST_GS_AR: 0x481e,
  GUEST_LDTR_AR: 0x4820,
  GUEST_TR_AR: 0x4822,
  GUEST_INTERRUPTIBILITY: 0x4824,
  GUEST_ACTIVITY_STATE: 0x4826,
  GUEST_SMBASE: 0x4828,
  GUEST_IA32_SYSENTER_CS: 0x482a,
  PREEMPTION_TIMER_VALUE: 0x482e,
  HOST_IA32_SYSENTER_CS: 0x4c00,
  // natural-width control (B.4.1)
  CR0_GUEST_HOST_MASK: 0x6000,
  CR4_GUEST_HOST_MASK: 0x6002,
  CR0_READ_SHADOW: 0x6004,
  CR4_READ_SHADOW: 0x6006,
  CR3_TARGET0: 0x6008,
  CR3_TARGET1: 0x600a,
  CR3_TARGET2: 0x600c,
  CR3_TARGET3: 0x600e,
  // natural-width read-only (B.4.2)
  EXIT_QUALIFICATION: 0x6400,
  IO_RCX: 0x6402,
  IO_RSI: 0x6404,
  IO_RDI: 0x6406,
  IO_RIP: 0x6408,
  GUEST_LINEAR_ADDRESS: 0x640a,
  // natural-width guest (B.4.3)
  GUEST_CR0: 0x6800,
  GUEST_CR3: 0x6802,
  GUEST_CR4: 0x6804,
  GUEST_ES_BASE: 0x6806,
  GUEST_CS_BASE: 0x6808,
  GUEST_SS_BASE: 0x680a,
  GUEST_DS_BASE: 0x680c,
  GUEST_FS_BASE: 0x680e,
  GUEST_GS_BASE: 0x6810,
  GUEST_LDTR_BASE: 0x6812,
  GUEST_TR_BASE: 0x6814,
  GUEST_GDTR_BASE: 0x6816,
  GUEST_IDTR_BASE: 0x6818,
  GUEST_DR7: 0x681a,
  GUEST_RSP: 0x681c,
  GUEST_RIP: 0x681e,
  GUEST_RFLAGS: 0x6820,
  GUEST_PENDING_DEBUG: 0x6822,
  GUEST_IA32_SYSENTER_ESP: 0x6824,
  GUEST_IA32_SYSENTER_EIP: 0x6826,
  // natural-width host (B.4.4)
  HOST_CR0: 0x6c00,
  HOST_CR3: 0x6c02,
  HOST_CR4: 0x6c04,
  HOST_FS_BASE: 0x6c06,
  HOST_GS_BASE: 0x6c08,
  HOST_TR_BASE: 0x6c0a,
  HOST_GDTR_BASE: 0x6c0c,
  HOST_IDTR_BASE: 0x6c0e,
  HOST_IA32_SYSENTER_ESP: 0x6c10,
  HOST_IA32_SYSENTER_EIP: 0x6c12,
  HOST_RSP: 0x6c14,
  HOST_RIP: 0x6c16,
} as const;

export type FieldName = keyof typeof F;

function widthOf(enc: number): FieldWidth {
  switch ((enc >>> 13) & 3) {
    case 0: return 16;
    case 1: return 64;
    case 2: return 32;
    default: return 'natural';
  }
}

function groupOf(enc: number): FieldGroup {
  return (['control', 'exit-info', 'guest', 'host'] as const)[(enc >>> 10) & 3]!;
}

/** Every supported field, in encoding order. */
export const FIELDS: readonly FieldInfo[] = Object.entries(F)
  .map(([name, enc]) => ({ name, enc, width: widthOf(enc), group: groupOf(enc) }))
  .sort((a, b) => a.enc - b.enc);

/** Field slot by full encoding (bit 0 clear); -1 if the field is not supported. */
const SLOT = new Int16Array(0x8000).fill(-1);
FIELDS.forEach((f, i) => { SLOT[f.enc] = i; });

export const FIELD_COUNT = FIELDS.length;

/** Slot of a field (constant encodings from `F`). */
export function slotOf(enc: number): number {
  const s = SLOT[enc]!;
  if (s < 0) throw new Error(`VMCS field 0x${enc.toString(16)} is not in the field table`);
  return s;
}

/**
 * Decode a VMREAD/VMWRITE field operand (SDM Vol. 3C "VMREAD"/"VMWRITE" and
 * Appendix B): the slot, and whether the access is the high half of a
 * 64-bit field. Returns -1 for an unsupported component (VM-instruction
 * error 12): bits 63:15 set, an encoding the processor does not have, or a
 * high-half access to a field that is not 64 bits wide.
 */
export function decodeFieldOperand(lo: number, hi: number): { slot: number; high: boolean } | null {
  if (hi !== 0 || (lo >>> 15) !== 0) return null;
  const high = (lo & 1) === 1;
  const s = SLOT[lo & 0x7ffe]!;
  if (s < 0) return null;
  if (high && FIELDS[s]!.width !== 64) return null;
  return { slot: s, high };
}

/** Byte width of a field as stored. */
export function fieldBytes(f: FieldInfo): number {
  return f.width === 16 ? 2 : f.width === 32 ? 4 : 8;
}

/** Highest index (encoding bits 9:1) of any supported field: IA32_VMX_VMCS_ENUM bits 9:1 (SDM Vol. 3D §A.9). */
export const HIGHEST_FIELD_INDEX = Math.max(...FIELDS.map((f) => (f.enc >>> 1) & 0x1ff));
