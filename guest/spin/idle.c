/*
 * A mostly idle multi-core guest, for spin detection (src/sim/spin.ts):
 *  phase A: core 0 computes while every other core polls a flag with PAUSE;
 *  phase B: every other core arms its local APIC timer (one-shot), enables
 *           interrupts and polls a flag that only its timer handler sets —
 *           so a sleeping spinner must wake for an interrupt at the right
 *           instruction boundary;
 *  phase C: core 0 polls until every core has reported.
 * The printed results do not depend on timing; cycle counts are compared by
 * the test with detection on and off.
 */
#include "rt.h"
#include "../apic/apic.h"
#include "../apic/idt.h"
/* shinjuku-emu: link ../apic/idt.c */

#define TIMER_VECTOR 0x50

static volatile uint64_t idt_ready, go, done_count;
static volatile uint64_t timer_hits[32];
static volatile uint64_t seen[32];

static void on_timer(struct irq_frame *f) {
  (void)f;
  uint64_t me = lapic_id();
  timer_hits[me]++;
  seen[me] = 1;
  lapic_write(LAPIC_EOI, 0);
}

static uint64_t lcg_work(uint64_t n) {
  uint64_t x = 12345;
  for (uint64_t i = 0; i < n; i++) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

int test_main_smp(long core, long ncores) {
  if (core == 0) {
    idt_init();
    idt_set_handler(TIMER_VECTOR, on_timer);
    __atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
  } else {
    while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  }
  idt_load();
  lapic_write(LAPIC_SVR, 0x1FF);

  if (core == 0) {
    /* phase A */
    uint64_t r = lcg_work(200000);
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    /* phase C */
    while (__atomic_load_n(&done_count, __ATOMIC_ACQUIRE) != (uint64_t)(ncores - 1)) __builtin_ia32_pause();
    rt_printf("idle: %ld cores, work result %016lx\n", ncores, (unsigned long)r);
    for (long c = 1; c < ncores; c++) rt_printf("core %ld: timer interrupts %lu\n", c, (unsigned long)timer_hits[lapic_id() + c]);
    rt_printf("idle: ok\n");
    return 0;
  }
  /* phase A: spin on a flag another core writes */
  while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  /* phase B: spin until our own timer interrupt arrives */
  uint64_t me = lapic_id();
  lapic_write(LAPIC_TIMER_DIV, 0xB); /* divide by 1 */
  lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_ONESHOT | TIMER_VECTOR);
  lapic_write(LAPIC_TIMER_INIT, 5000 * (uint32_t)core);
  __asm__ volatile("sti");
  while (!__atomic_load_n(&seen[me], __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  __asm__ volatile("cli");
  __atomic_fetch_add(&done_count, 1, __ATOMIC_ACQ_REL);
  return 0;
}
