/*
 * Bad input to the local APIC and an interrupt nobody handles (1 core).
 *
 *  - ESR (SDM Vol. 3A §10.5.3): errors are collected and become visible in
 *    the ESR only after a write to it ("write before read"); bit 7 "Illegal
 *    Register Address" for an access to a reserved xAPIC offset, bit 5 "Send
 *    Illegal Vector" for an ICR vector 0..15, bit 2 "Send Accept Error" when
 *    no APIC accepts an IPI (a physical destination that does not exist).
 *  - -DUNHANDLED: a self-IPI taken with no IDT loaded (IDTR limit 0, as the
 *    boot state leaves it): the vectoring faults, the fault cannot be
 *    delivered either, and the core shuts down — the emulator's report must
 *    name the interrupt vector.
 */
#include "apic.h"

static uint32_t esr_latch(void) {
  lapic_write(LAPIC_ESR, 0);
  return lapic_read(LAPIC_ESR);
}

int test_main(void) {
  lapic_enable();
#ifdef UNHANDLED
  lapic_write(LAPIC_ICR_HI, 0);
  lapic_write(LAPIC_ICR_LO, 0x47 | ICR_SELF | ICR_ASSERT);
  __asm__ volatile("sti; hlt"); /* the self-IPI crosses the bus; wait for it */
  rt_printf("not reached\n");
  return 1;
#else
  rt_printf("esr at start 0x%02x\n", esr_latch());
  lapic_write(0x3A0, 0x1234); /* reserved offset */
  rt_printf("write to reserved offset 0x3a0: esr 0x%02x\n", esr_latch());
  (void)lapic_read(0x050);   /* reserved offset */
  rt_printf("read of reserved offset 0x050: esr 0x%02x\n", esr_latch());
  lapic_write(LAPIC_ICR_HI, 0x7Eu << 24);
  lapic_write(LAPIC_ICR_LO, 0x40 | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT);
  lapic_wait_idle();
  rt_printf("ipi to absent apic id 0x7e: esr 0x%02x\n", esr_latch());
  lapic_write(LAPIC_ICR_HI, 0);
  lapic_write(LAPIC_ICR_LO, 0x0A | ICR_SELF | ICR_ASSERT);
  rt_printf("self ipi with vector 0x0a: esr 0x%02x\n", esr_latch());
  rt_printf("esr after a clean latch 0x%02x\n", esr_latch());
  return 0;
#endif
}
