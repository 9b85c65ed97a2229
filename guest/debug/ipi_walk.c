/*
 * ipi_walk: one fixed IPI from core 0 to core 1 through the xAPIC, small
 * enough to step through instruction by instruction in `shinjuku-emu debug`
 * (docs/debugger.md walks through it; test/debugger*.test.ts drive it).
 *
 * Core 0 installs an IDT whose gate 0x40 is `ipi_entry`, waits for core 1,
 * then calls send_ipi(): two xAPIC ICR writes (SDM Vol. 3A §10.6.1, Figure
 * 10-12: the high doubleword holds the destination APIC ID in bits 63:56;
 * writing the low doubleword sends — fixed delivery, physical destination,
 * level assert, edge trigger, no shorthand, vector 0x40). While the message is
 * pending the ICR's delivery-status bit (12) reads 1.
 *
 * Core 1 loads the IDT, software-enables its APIC (SVR bit 8, spurious vector
 * 0xFF; SDM §10.4.7.1), says it is ready and waits with `sti; hlt` (STI's
 * shadow covers the HLT, so an IPI arriving in between still wakes it).
 *
 * What the hardware does (SDM §10.8.3.1, §10.8.4, §6.12.1, §6.14): the target
 * APIC accepts the message and sets IRR bit 0x40; at the next instruction
 * boundary with IF = 1 the core acknowledges it (IRR bit → ISR bit, PPR =
 * 0x40), pushes SS, RSP, RFLAGS, CS, RIP and enters `ipi_entry` through an
 * interrupt gate (IF = 0). The handler counts, writes 0 to EOI (0xFEE000B0),
 * which clears the highest ISR bit (PPR back to 0), and IRETQ returns to the
 * instruction after the HLT with IF = 1 again.
 *
 * The handler is written in assembly so that each of those steps is one
 * instruction: push %rax; lock incq ipi_count; mov $EOI,%eax; movl $0,(%rax);
 * pop %rax; iretq.
 */
#include "rt.h"

#define LAPIC_BASE 0xFEE00000ul
#define LAPIC_ID 0x020
#define LAPIC_SVR 0x0F0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define V_IPI 0x40
#define ICR_ASSERT (1u << 14)
#define ICR_BUSY (1u << 12)

struct gate {
  uint16_t offset_lo, selector;
  uint8_t ist, type_attr;
  uint16_t offset_mid;
  uint32_t offset_hi, reserved;
};

static struct gate idt[256] __attribute__((aligned(64)));
volatile uint64_t idt_ready, core1_ready, core1_apic_id, ipi_count, core1_woke;

extern const char ipi_entry[];
__asm__(
  "  .text\n"
  "  .globl ipi_entry\n"
  "  .type ipi_entry, @function\n"
  "ipi_entry:\n"
  "  pushq %rax\n"
  "  lock incq ipi_count(%rip)\n"
  "  movl $0xFEE000B0, %eax\n"
  "  movl $0, (%rax)\n"          /* EOI */
  "  popq %rax\n"
  "  iretq\n"
  "  .size ipi_entry, .-ipi_entry\n");

static inline uint32_t lapic_read(uint32_t off) { return *(volatile uint32_t *)(LAPIC_BASE + off); }
static inline void lapic_write(uint32_t off, uint32_t v) { *(volatile uint32_t *)(LAPIC_BASE + off) = v; }

static void set_gate(unsigned v, const void *entry) {
  uint64_t h = (uint64_t)(uintptr_t)entry;
  idt[v].offset_lo = (uint16_t)h;
  idt[v].selector = 0x18; /* the loader's 64-bit code segment */
  idt[v].ist = 0;
  idt[v].type_attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
  idt[v].offset_mid = (uint16_t)(h >> 16);
  idt[v].offset_hi = (uint32_t)(h >> 32);
  idt[v].reserved = 0;
}

static void load_idt(void) {
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

/* The two ICR writes: destination first, then the low word, which sends. */
__attribute__((noinline)) void send_ipi(uint32_t dest, uint32_t vector) {
  lapic_write(LAPIC_ICR_HI, dest << 24);
  lapic_write(LAPIC_ICR_LO, vector | ICR_ASSERT);
}

__attribute__((noinline)) static void wait_for(volatile uint64_t *p, uint64_t v) {
  while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < v) __asm__ volatile("pause");
}

static int core1(void) {
  wait_for(&idt_ready, 1);
  load_idt();
  lapic_write(LAPIC_SVR, 0x1FF);
  core1_apic_id = lapic_read(LAPIC_ID) >> 24;
  __atomic_store_n(&core1_ready, 1, __ATOMIC_RELEASE);
  while (__atomic_load_n(&ipi_count, __ATOMIC_ACQUIRE) == 0) __asm__ volatile("sti; hlt; cli" ::: "memory");
  __atomic_store_n(&core1_woke, 1, __ATOMIC_RELEASE);
  return 0;
}

int test_main_smp(long core, long ncores) {
  if (core == 1) return core1();
  if (core != 0) return 0;
  if (ncores < 2) { rt_printf("ipi_walk needs 2 cores\n"); return 2; }
  set_gate(V_IPI, ipi_entry);
  load_idt();
  __atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
  wait_for(&core1_ready, 1);
  send_ipi((uint32_t)core1_apic_id, V_IPI);
  while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY) __asm__ volatile("pause");
  wait_for(&core1_woke, 1);
  rt_printf("ipi_walk: ipi_count=%lu\n", (unsigned long)ipi_count);
  return ipi_count == 1 ? 0 : 1;
}
