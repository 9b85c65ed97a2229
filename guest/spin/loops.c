/*
 * Register-only loops for fast-forward (src/cpu/loopForward.ts), whose
 * results must not change when it is on: a counted loop with affine
 * registers, a counted loop whose registers are not affine (a running sum:
 * fast-forward must refuse it), and RDTSC deadline waits shaped as the
 * Shinjuku synthetic server's (guest/shinjuku/app_spin.c) — on core 0 with
 * its periodic local APIC timer interrupting the waits, on core 1 while core
 * 0 sends it IPIs. What the waits measure depends on the machine's timing,
 * so the output is compared between runs of this machine, not with a native run.
 */
#include "rt.h"
#include "../apic/apic.h"
#include "../apic/idt.h"
#include "rdtsc_wait.h"
/* shinjuku-emu: link ../apic/idt.c */

#define TIMER_VECTOR 0x40
#define IPI_VECTOR 0x41

static volatile uint64_t ticks[2], ipis, ready, done1;
static volatile uint64_t idt_ready;

static void on_timer(struct irq_frame *f) { (void)f; ticks[lapic_id() & 1]++; lapic_write(LAPIC_EOI, 0); }
static void on_ipi(struct irq_frame *f) { (void)f; ipis++; lapic_write(LAPIC_EOI, 0); }

/* Until a deadline: the plain form. */
static uint64_t wait_until(uint64_t deadline) {
  uint64_t n = 0;
  while (tsc() < deadline) n++;
  return n;
}

/* A 32-bit counter that wraps through zero mid-loop: fast-forward must stop short of the wrap. */
static uint32_t wrap32(void) {
  uint32_t i = 0xFFFFF000u, n = 0;
  do { i += 3; n += 1; __asm__ volatile("" : "+r"(i), "+r"(n)); } while (i != 0x1328u);
  return n;
}

static uint64_t running_sum(uint64_t n) {
  uint64_t a = 0, b = 7;
  for (uint64_t i = 0; i < n; i++) { a += b; b += 3; __asm__ volatile("" : "+r"(a), "+r"(b)); }
  return a ^ b;
}

int test_main_smp(long core, long ncores) {
  if (core == 0) {
    idt_init();
    idt_set_handler(TIMER_VECTOR, on_timer);
    idt_set_handler(IPI_VECTOR, on_ipi);
    __atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
  } else {
    while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  }
  idt_load();
  lapic_write(LAPIC_SVR, 0x1FF);
  if (core == 0) {
    rt_printf("counted %lu\n", (unsigned long)counted(300000));
    rt_printf("running sum %lu\n", (unsigned long)running_sum(20000));
    rt_printf("wrap32 %u\n", wrap32());
    uint64_t t0 = tsc();
    uint64_t n = wait_until(t0 + 150000);
    rt_printf("plain wait: %s\n", n > 1000 ? "iterated" : "short");
    /* Waits under a periodic timer: each interrupt lands inside a wait. */
    lapic_write(LAPIC_TIMER_DIV, 0xB);
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INIT, 499);
    __asm__ volatile("sti");
    uint64_t sum = 0;
    for (int i = 0; i < 20; i++) sum += busy_wait(3000 + 1000 * (uint64_t)i);
    __asm__ volatile("cli");
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    rt_printf("waited %lu ticks, timer interrupts %lu\n", (unsigned long)sum, (unsigned long)ticks[0]);
    if (ncores > 1) {
      __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
      /* IPIs at irregular times while core 1 waits. */
      for (int i = 0; i < 12; i++) {
        wait_until(tsc() + 5000 + 777 * (uint64_t)i);
        lapic_write(LAPIC_ICR_HI, 1u << 24);
        lapic_write(LAPIC_ICR_LO, ICR_FIXED | ICR_ASSERT | IPI_VECTOR);
      }
      while (!__atomic_load_n(&done1, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
      rt_printf("core 1 took %s IPIs\n", ipis == 12 ? "all" : "not all");
    }
    rt_printf("loops: ok\n");
    return 0;
  }
  if (core == 1) {
    while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
    __asm__ volatile("sti");
    uint64_t got = 0;
    for (int i = 0; i < 10; i++) got += busy_wait(9000);
    while (ipis < 12) got += busy_wait(1000);
    __asm__ volatile("cli");
    __atomic_store_n(&done1, got, __ATOMIC_RELEASE);
  }
  return 0;
}
