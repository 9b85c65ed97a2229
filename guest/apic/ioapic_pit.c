/*
 * A device interrupt end to end: 8254 PIT channel 0 -> I/O APIC pin 2 ->
 * local APIC of core 0 -> IDT vector 0x30 (1 core).
 *
 * This is the oracle for the emulator's timer test device, which is to be a
 * PIT-compatible channel 0.
 *
 *  - 8254 (Intel 8254 datasheet; ports: control word 0x43, channel 0 data
 *    0x40): control word 0x34 = channel 0, access lobyte/hibyte, mode 2 (rate
 *    generator), binary; then the divisor, low byte first. 1193 at 1.193182
 *    MHz is about 1 kHz.
 *  - I/O APIC (Intel 82093AA datasheet §3.0, and the ICH/PCH datasheets): at
 *    0xFEC00000 (the PC default, also in the MP/ACPI tables of both peers),
 *    IOREGSEL at +0x00 selects a register, IOWIN at +0x10 reads/writes it.
 *    Register 1, IOAPICVER: bits 7:0 version, bits 23:16 maximum redirection
 *    entry (number of pins - 1). Redirection entry n: registers 0x10 + 2n (low)
 *    and 0x11 + 2n (high): vector 7:0, delivery mode 10:8 (000 fixed),
 *    destination mode 11 (0 physical), delivery status 12 (RO), polarity 13 (0
 *    high), remote IRR 14 (RO), trigger 15 (0 edge), mask 16; destination APIC
 *    ID in bits 63:56.
 *  - 8254 counter latch (control word 0x00, then low and high byte from
 *    0x40): a mode-2 counter counts from the divisor down to 1.
 *  - PC wiring: ISA IRQ 0 (PIT channel 0) reaches the I/O APIC on pin 2, not
 *    pin 0 (the ACPI MADT "interrupt source override" IRQ0 -> GSI 2 that
 *    both Bochs and QEMU publish; both models hard-wire it). Pin 0 is
 *    unmasked too, with its own vector 0x31, and must see nothing (on both
 *    peers it carries the 8259's INTR, and the 8259 is masked).
 *  - Edge-triggered: the handler writes only the local APIC EOI (SDM Vol. 3A
 *    §10.8.5: EOIs reach the I/O APIC only for level-triggered vectors).
 *  - While the vector is in service, its ISR bit is set (§10.8.4).
 *
 * The version differs between the peers (Bochs 0x11, QEMU q35 0x20; both are
 * real I/O APIC versions: 82093AA and ICH), so only "0x11 or 0x20" is printed.
 */
#include "apic.h"
#include "idt.h"
/* shinjuku-emu: link idt.c */

#define IOAPIC_BASE 0xFEC00000ul
#define V_PIT 0x30
#define PIN 2
#define V_PIN0 0x31
#define LIMIT 200000000ull

static uint32_t ioapic_read(uint32_t reg) {
  *(volatile uint32_t *)(IOAPIC_BASE + 0x00) = reg;
  return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}
static void ioapic_write(uint32_t reg, uint32_t v) {
  *(volatile uint32_t *)(IOAPIC_BASE + 0x00) = reg;
  *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}
static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static volatile uint64_t ticks, isr_in_handler = 1, if_in_handler, pin0_hits;
static void on_pin0(struct irq_frame *f) { (void)f; pin0_hits++; lapic_write(LAPIC_EOI, 0); }
static void on_pit(struct irq_frame *f) {
  (void)f;
  isr_in_handler &= (uint64_t)lapic_vec_bit(LAPIC_ISR0, V_PIT);
  if_in_handler |= read_rflags() >> 9 & 1;
  ticks++;
  lapic_write(LAPIC_EOI, 0);
}

int test_main(void) {
  idt_init();
  idt_set_handler(V_PIT, on_pit);
  idt_set_handler(V_PIN0, on_pin0);
  idt_load();
  rt_printf("ioapic_pit\n");

  uint32_t ver = ioapic_read(1);
  uint32_t max_entry = ver >> 16 & 0xFF;
  rt_printf("ioapic version 0x11 or 0x20: %s; max redirection entry: %u\n",
            (ver & 0xFF) == 0x11 || (ver & 0xFF) == 0x20 ? "yes" : "no", max_entry);

  /* PIT channel 0: mode 2, divisor 1193 */
  outb(0x43, 0x34);
  outb(0x40, 1193 & 0xFF);
  outb(0x40, 1193 >> 8);

  /* counter latch (control word 0x00: channel 0, latch), then low and high byte:
   * a mode-2 counter runs from the divisor down to 1 */
  outb(0x43, 0x00);
  uint32_t count = inb(0x40);
  count |= (uint32_t)inb(0x40) << 8;
  rt_printf("pit channel 0 latched count within 1..1193: %s\n", count >= 1 && count <= 1193 ? "yes" : "no");

  /* pin 0 unmasked too, with its own vector: the PIT must not arrive there */
  ioapic_write(0x11, lapic_id() << 24);
  ioapic_write(0x10, V_PIN0);
  uint32_t lo = V_PIT; /* fixed, physical, active high, edge, unmasked */
  ioapic_write(0x11 + 2 * PIN, lapic_id() << 24);
  ioapic_write(0x10 + 2 * PIN, lo);
  uint32_t rd_lo = ioapic_read(0x10 + 2 * PIN), rd_hi = ioapic_read(0x11 + 2 * PIN);
  rt_printf("redirection entry %d: low 0x%05x (without the read-only bits 12 and 14), destination = core 0: %s\n", PIN,
            rd_lo & ~0x5000u, (rd_hi >> 24) == lapic_id() ? "yes" : "no");

  irq_enable();
  uint64_t iters = 0;
  while (iters < LIMIT && ticks < 3) { cpu_relax(); iters++; }
  irq_disable();
  int got = ticks >= 3;
  rt_printf("at least 3 interrupts: %s\n", got ? "yes" : "no");
  rt_printf("in the handler: isr bit 0x30 set %s, if %lu\n", isr_in_handler ? "yes" : "no", (unsigned long)if_in_handler);
  rt_printf("interrupts through pin 0: %lu\n", (unsigned long)pin0_hits);

  ioapic_write(0x10 + 2 * PIN, lo | LVT_MASKED);
  ioapic_write(0x10, V_PIN0 | LVT_MASKED);
  uint32_t masked = ioapic_read(0x10 + 2 * PIN);
  /* a tick that reached the local APIC while IF was 0 is still in its IRR:
   * take it now, then count from there */
  __asm__ volatile("sti; nop; nop; cli" ::: "memory");
  uint64_t n = ticks;
  irq_enable();
  for (volatile uint64_t i = 0; i < 2 * iters + 1000; i++) cpu_relax(); /* two more times what 3 ticks took */
  irq_disable();
  rt_printf("masked (bit 16) %s; interrupts after masking: %lu\n", masked & LVT_MASKED ? "yes" : "no",
            (unsigned long)(ticks - n));
  int ok = max_entry >= 2 && ((ver & 0xFF) == 0x11 || (ver & 0xFF) == 0x20) && (rd_lo & ~0x5000u) == V_PIT && got &&
           isr_in_handler && if_in_handler == 0 && pin0_hits == 0 && count >= 1 && count <= 1193 && (masked & LVT_MASKED) && ticks == n;
  rt_printf("ioapic_pit: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
