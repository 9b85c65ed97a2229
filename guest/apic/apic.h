/*
 * Inline helpers shared by the guest/apic programs: local APIC registers
 * (xAPIC MMIO and x2APIC MSRs), MSRs, CPUID, the TSC and interrupt-flag
 * control. Register offsets and bit positions: SDM Vol. 3A, chapter 10
 * ("Advanced Programmable Interrupt Controller"), Table 10-1 (xAPIC register
 * map) and Table 10-6 (x2APIC MSRs: MSR = 0x800 + offset / 16).
 *
 * Guest ABI (docs/architecture.md): the identity map covers 0-4 GiB and
 * the top GiB is uncached, so the xAPIC page at 0xFEE00000 and the I/O APIC
 * at 0xFEC00000 are plain (UC) memory accesses.
 */
#ifndef APIC_H
#define APIC_H

#include "rt.h"

#define LAPIC_BASE 0xFEE00000ul

/* xAPIC register offsets (SDM Vol. 3A Table 10-1) */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_PPR 0x0A0
#define LAPIC_EOI 0x0B0
#define LAPIC_LDR 0x0D0
#define LAPIC_DFR 0x0E0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR0 0x100 /* 8 registers, 0x10 apart: vectors 32*i .. 32*i+31 */
#define LAPIC_TMR0 0x180
#define LAPIC_IRR0 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0

/* ICR low fields (SDM Vol. 3A §10.6.1, Figure 10-12) */
#define ICR_FIXED (0u << 8)
#define ICR_PHYSICAL (0u << 11)
#define ICR_BUSY (1u << 12)  /* delivery status: send pending (xAPIC only) */
#define ICR_ASSERT (1u << 14)
#define ICR_EDGE (0u << 15)
#define ICR_DEST_NONE (0u << 18) /* destination shorthand: use the destination field */
#define ICR_SELF (1u << 18)
#define ICR_ALL_INCL (2u << 18)
#define ICR_ALL_EXCL (3u << 18)

/* LVT fields (SDM Vol. 3A §10.5.1, Figure 10-8) */
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_ONESHOT (0u << 17)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

/* MSRs (SDM Vol. 4) */
#define MSR_IA32_APIC_BASE 0x1B
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define MSR_IA32_TSC_DEADLINE 0x6E0
#define MSR_X2APIC(off) (0x800u + ((off) >> 4))

static inline uint32_t lapic_read(uint32_t off) {
  return *(volatile uint32_t *)(LAPIC_BASE + off);
}
static inline void lapic_write(uint32_t off, uint32_t v) {
  *(volatile uint32_t *)(LAPIC_BASE + off) = v;
}

/* Vector v's bit in the 256-bit ISR/IRR/TMR (base = LAPIC_ISR0 / IRR0 / TMR0):
 * register base + 0x10 * (v / 32), bit v % 32 (SDM Vol. 3A §10.8.4, Figure 10-20). */
static inline int lapic_vec_bit(uint32_t base, unsigned v) {
  return (int)((lapic_read(base + 0x10 * (v >> 5)) >> (v & 31)) & 1);
}

static inline uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
/* STI's interrupt shadow covers the HLT (SDM STI), so an interrupt that is
 * already pending wakes the HLT instead of being taken before it. */
static inline void irq_wait(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

static inline uint64_t read_rflags(void) {
  uint64_t f;
  __asm__ volatile("pushfq; popq %0" : "=r"(f));
  return f;
}

/* xAPIC ICR: wait until no send is pending (delivery status, bit 12), write
 * the high half (destination, bits 63:56) and then the low half, which sends
 * (SDM Vol. 3A §10.6.1: "the act of writing to the low doubleword of the ICR
 * causes the IPI to be sent"). Waits for idle again afterwards. */
static inline void lapic_wait_idle(void) {
  while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY) cpu_relax();
}
static inline void lapic_send_ipi(uint32_t dest_apic_id, uint32_t low) {
  lapic_wait_idle();
  lapic_write(LAPIC_ICR_HI, dest_apic_id << 24);
  lapic_write(LAPIC_ICR_LO, low);
  lapic_wait_idle();
}

/* Software-enable the local APIC: SVR bit 8, spurious vector 0xFF (SDM Vol.
 * 3A §10.9, Figure 10-23). Cores other than the boot core come out of INIT
 * software-disabled (§10.4.7.1). */
static inline void lapic_enable(void) { lapic_write(LAPIC_SVR, 0x100 | 0xFF); }

/* A bounded wait: spins until *flag reaches at least `want` or `limit`
 * iterations passed; returns whether it got there. The limits are far beyond
 * what the peers and the emulator need; they only turn a lost interrupt into
 * a printed "no" instead of a hang. */
static inline int wait_for(volatile uint64_t *flag, uint64_t want, uint64_t limit) {
  for (uint64_t i = 0; i < limit; i++) {
    if (*flag >= want) return 1;
    cpu_relax();
  }
  return *flag >= want;
}

#endif
