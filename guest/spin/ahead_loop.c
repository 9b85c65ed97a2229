/*
 * Fast-forward of loops that run-ahead reaches (src/cpu/core.ts loopAhead):
 * the Shinjuku server's shape. Core 0 never sleeps — it walks memory like
 * the dispatcher's passes — so core 1's slices end every few hundred
 * cycles, and core 1 enters its loops mostly while running ahead of core 0.
 * Core 1 runs RDTSC waits shaped as the synthetic server's service loop
 * (guest/shinjuku/app_spin.c) with interrupts enabled while core 0 sends it
 * IPIs at irregular points, and an affine counted loop. At the end core 1
 * waits on and on, and core 0 exits just after core 1 starts a wait: the
 * exit finds core 1 asleep in a loop it began ahead of the exit.
 * What the waits measure depends on the machine's timing: the output is
 * compared between runs of this machine with and without fast-forward.
 */
#include "../apic/apic.h"
#include "../apic/idt.h"
#include "rdtsc_wait.h"
/* shinjuku-emu: link ../apic/idt.c */

#define V_IPI 0x40
#define WAITS 40
#ifndef TAIL
#define TAIL 3 /* core 0 exits when core 1 starts its TAIL-th wait after the report */
#endif

static volatile uint64_t ready, idt_ready, ipis, done1, waits;
static volatile uint64_t buf[4096];

static void on_ipi(struct irq_frame *f) {
  (void)f;
  lapic_write(LAPIC_EOI, 0);
  ipis++;
}

int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 0) {
    idt_init();
    idt_set_handler(V_IPI, on_ipi);
    __atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
  } else {
    while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE)) cpu_relax();
  }
  idt_load();
  if (core == 1) {
    lapic_enable();
    __atomic_store_n(&ready, lapic_id() + 1, __ATOMIC_RELEASE);
    irq_enable();
    uint64_t got = 0;
    for (int i = 0; i < WAITS; i++) {
      got += busy_wait(2000 + 300 * (uint64_t)i);
      got ^= counted(40 + 7 * (uint64_t)i);
    }
    __atomic_store_n(&done1, got | 1, __ATOMIC_RELEASE);
    for (;;) { waits++; busy_wait(2500); }
  }
  if (core != 0) return 0;
  while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) cpu_relax();
  uint32_t dest = (uint32_t)(ready - 1);
  uint64_t s = 0, sent = 0;
  /* The dispatcher's shape: passes over memory, no PAUSE, until core 1 is done; an IPI now and then. */
  for (uint64_t k = 0; !__atomic_load_n(&done1, __ATOMIC_ACQUIRE); k++) {
    for (int i = 0; i < 48; i++) { buf[(i * 67 + k) & 4095] += (uint64_t)i ^ k; s += buf[(i * 31 + 2 * k) & 4095]; }
    if (k % 23 == 7) {
      lapic_send_ipi(dest, V_IPI | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | ICR_DEST_NONE);
      sent++;
    }
  }
  rt_printf("ahead_loop: core 1 waited %lu, %lu IPIs sent, %lu taken, sum %lu\n", (unsigned long)done1,
            (unsigned long)sent, (unsigned long)ipis, (unsigned long)s);
  /* Exit as soon as core 1 starts its TAIL-th wait after that: the exit finds it just inside the loop. */
  uint64_t w0 = waits;
  while (waits < w0 + TAIL) s += buf[s & 4095];
  return 0;
}
