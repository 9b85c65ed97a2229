/*
 * An I/O APIC message leaves at the clock of the core whose access sent it
 * (test/ioapicClock.test.ts), 2 cores.
 *
 * Core 1 enables interrupts and polls a flag with PAUSE (an idle core: the
 * emulator's spin detection lets it sleep, its clock left behind). Core 0
 * programs PIT channel 0 in mode 0 (interrupt on terminal count: the output
 * goes high and stays high, 8254 datasheet) with pin 2 of the I/O APIC
 * masked, level-triggered, to core 1; waits well past the terminal count;
 * reads the TSC; unmasks the pin. The line is asserted, so unmasking sends
 * the message (82093AA: a level interrupt is delivered while the line is
 * asserted and Remote IRR is clear). Core 1's handler reads the TSC as its
 * first instruction, masks the pin (so the EOI does not send it again) and
 * EOIs its local APIC.
 *
 * Output: whether the handler ran after the write that sent the message, and
 * "cycles: write-to-handler <ticks>".
 */
#include "../apic/apic.h"
#include "../apic/idt.h"

#define IOAPIC_BASE 0xFEC00000ul
#define PIN 2
#define V_PIN 0x50
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

static void ioapic_write(uint32_t reg, uint32_t v) {
  *(volatile uint32_t *)(IOAPIC_BASE + 0x00) = reg;
  *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}
static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

volatile uint64_t t_handler, t_write;
static volatile uint64_t core1_ready, done;

/* The handler's first instruction reads the TSC. */
extern const char pin_entry[];
void pin_handler(void);
__asm__(
  "  .text\n"
  "pin_entry:\n"
  "  pushq %rax\n"
  "  pushq %rdx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  movq %rax, t_handler(%rip)\n"
  "  pushq %rcx\n"
  "  pushq %rsi\n"
  "  pushq %rdi\n"
  "  pushq %r8\n"
  "  pushq %r9\n"
  "  pushq %r10\n"
  "  pushq %r11\n"
  "  call pin_handler\n"
  "  popq %r11\n"
  "  popq %r10\n"
  "  popq %r9\n"
  "  popq %r8\n"
  "  popq %rdi\n"
  "  popq %rsi\n"
  "  popq %rcx\n"
  "  popq %rdx\n"
  "  popq %rax\n"
  "  iretq\n");

void pin_handler(void) {
  ioapic_write(0x10 + 2 * PIN, V_PIN | RTE_LEVEL | RTE_MASKED);
  lapic_write(LAPIC_EOI, 0);
  done = 1;
}

int test_main_smp(long core, long ncores) {
  static volatile uint64_t idt_ready;
  if (ncores < 2) { if (core == 0) rt_printf("needs 2 cores\n"); return 2; }
  if (core == 0) {
    idt_init();
    idt_set_gate(V_PIN, pin_entry, 0xE, 0);
    idt_ready = 1;
  } else {
    while (!idt_ready) cpu_relax();
  }
  idt_load();
  if (core == 1) {
    lapic_enable();
    core1_ready = 1;
    irq_enable();
    while (!done) cpu_relax();
    irq_disable();
    return 0;
  }
  if (core != 0) return 0;
  while (!core1_ready) cpu_relax();
  ioapic_write(0x11 + 2 * PIN, 1u << 24); /* destination: APIC ID 1 (core 1) */
  ioapic_write(0x10 + 2 * PIN, V_PIN | RTE_LEVEL | RTE_MASKED);
  outb(0x43, 0x30); /* channel 0, lobyte/hibyte, mode 0 */
  outb(0x40, 100);
  outb(0x40, 0);    /* 100 PIT clocks: about 84 us */
  for (volatile uint64_t i = 0; i < 100000; i++) cpu_relax(); /* well past the terminal count */
  t_write = rdtsc();
  ioapic_write(0x10 + 2 * PIN, V_PIN | RTE_LEVEL); /* unmask: the asserted line sends */
  while (!done) cpu_relax();
  int after = t_handler > t_write;
  rt_printf("handler ran after the write that sent the message: %s\n", after ? "yes" : "no");
  rt_printf("cycles: write-to-handler %ld\n", (long)(t_handler - t_write));
  return after ? 0 : 1;
}
