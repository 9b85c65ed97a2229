/**
 * Local APIC register map and control bits (Intel SDM Vol. 3A, "Advanced
 * Programmable Interrupt Controller (APIC)": Table "Local APIC Register
 * Address Map" and the x2APIC MSR table; chapter 10 in 2016–2021 editions,
 * 11 in newer ones). xAPIC offsets are from the 4 KiB page at 0xFEE00000;
 * the x2APIC MSR of offset o is 0x800 + (o >> 4).
 */
export const APIC_BASE_DEFAULT = 0xfee00000;

export const enum Reg {
  ID = 0x020,
  VERSION = 0x030,
  TPR = 0x080,
  APR = 0x090,
  PPR = 0x0a0,
  EOI = 0x0b0,
  RRD = 0x0c0,
  LDR = 0x0d0,
  DFR = 0x0e0,
  SVR = 0x0f0,
  ISR0 = 0x100,
  TMR0 = 0x180,
  IRR0 = 0x200,
  ESR = 0x280,
  LVT_CMCI = 0x2f0,
  ICR_LO = 0x300,
  ICR_HI = 0x310,
  LVT_TIMER = 0x320,
  LVT_THERMAL = 0x330,
  LVT_PERF = 0x340,
  LVT_LINT0 = 0x350,
  LVT_LINT1 = 0x360,
  LVT_ERROR = 0x370,
  TIMER_INITIAL = 0x380,
  TIMER_CURRENT = 0x390,
  TIMER_DIVIDE = 0x3e0,
  /** x2APIC only (MSR 0x83F). */
  SELF_IPI = 0x3f0,
}

export const MSR_X2APIC_FIRST = 0x800;
export const MSR_X2APIC_LAST = 0x8ff;
export const MSR_APIC_BASE = 0x1b;
export const MSR_TSC_DEADLINE = 0x6e0;

/** IA32_APIC_BASE bits (SDM "Local APIC Status and Location"). */
export const APIC_BASE_BSP = 1 << 8;
export const APIC_BASE_EXTD = 1 << 10;
export const APIC_BASE_EN = 1 << 11;

/** SVR: APIC software enable (bit 8), focus processor checking (bit 9), EOI-broadcast suppression (bit 12). */
export const SVR_ENABLE = 1 << 8;

/** ICR low-word fields. */
export const ICR_VECTOR = 0xff;
export const ICR_DELIVERY_MODE_SHIFT = 8;
export const ICR_DEST_LOGICAL = 1 << 11;
export const ICR_DELIVERY_STATUS = 1 << 12;
export const ICR_LEVEL_ASSERT = 1 << 14;
export const ICR_TRIGGER_LEVEL = 1 << 15;
export const ICR_SHORTHAND_SHIFT = 18;

export const enum DeliveryMode { Fixed = 0, LowestPriority = 1, Smi = 2, Nmi = 4, Init = 5, StartUp = 6, ExtInt = 7 }
export const enum Shorthand { None = 0, Self = 1, AllIncludingSelf = 2, AllExcludingSelf = 3 }

/** LVT bits. */
export const LVT_MASKED = 1 << 16;
export const LVT_TIMER_MODE_SHIFT = 17;
export const enum TimerMode { OneShot = 0, Periodic = 1, TscDeadline = 2 }

/** ESR bits (SDM "Error Handling"). */
export const ESR_SEND_ACCEPT = 1 << 2;
export const ESR_RECEIVE_ACCEPT = 1 << 3;
export const ESR_REDIRECTABLE_IPI = 1 << 4;
export const ESR_SEND_ILLEGAL_VECTOR = 1 << 5;
export const ESR_RECEIVE_ILLEGAL_VECTOR = 1 << 6;
export const ESR_ILLEGAL_REGISTER = 1 << 7;

/**
 * Version register: version 15h (integrated xAPIC of Core-family parts) and
 * max LVT entry 6 (seven LVT entries, including CMCI).
 */
export const APIC_VERSION = 0x15 | (6 << 16);

/** The LVT registers in offset order, with the bits each one implements. */
export const LVT_WRITABLE: Record<number, number> = {
  [Reg.LVT_CMCI]: 0x000117ff,
  [Reg.LVT_TIMER]: 0x000710ff,
  [Reg.LVT_THERMAL]: 0x000117ff,
  [Reg.LVT_PERF]: 0x000117ff,
  [Reg.LVT_LINT0]: 0x0001f7ff,
  [Reg.LVT_LINT1]: 0x0001f7ff,
  [Reg.LVT_ERROR]: 0x000110ff,
};
