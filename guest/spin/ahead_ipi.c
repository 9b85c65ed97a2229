/*
 * Run-ahead against interrupts (docs/architecture.md "Run-ahead"): core 1
 * computes a register-only hash with interrupts enabled while core 0 walks
 * memory and sends it IPIs. Core 1 runs ahead of core 0 on that hash, so an
 * IPI could arrive at a tick core 1 has already passed: the run-ahead bound
 * (the interrupt bus's latency after the other cores' clocks) must keep it
 * behind every arrival, so that each IPI is taken at the same instruction
 * boundary as in the plain order. The handler records where it interrupted.
 */
#include "../apic/apic.h"
#include "../apic/idt.h"
/* shinjuku-emu: link ../apic/idt.c */

#define V_IPI 0x40
#define K 400

static volatile uint64_t ready, idt_ready, hits, where[K];
static volatile uint64_t buf[1024];
static volatile uint64_t result;

static void on_ipi(struct irq_frame *f) {
  where[hits % K] = f->rip;
  lapic_write(LAPIC_EOI, 0);
  __atomic_fetch_add(&hits, 1, __ATOMIC_RELEASE);
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
    uint64_t x = 88172645463325252ull;
    /* Long straight-line blocks of register-only work (the unrolled body), so that a core past its
     * limit could run well past an IPI's arrival if nothing bounded it. */
    while (__atomic_load_n(&hits, __ATOMIC_ACQUIRE) < K) {
#pragma GCC unroll 16
      for (int i = 0; i < 512; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x *= 0x2545F4914F6CDD1Dull; }
    }
    irq_disable();
    result = x;
    return 0;
  }
  if (core != 0) {
    uint64_t x = (uint64_t)core;
    for (long i = 0; i < 200000; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; }
    result = x;
    return 0;
  }
  while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) cpu_relax();
  uint32_t dest = (uint32_t)(ready - 1);
  uint64_t s = 0;
  for (int k = 0; k < K; k++) {
    for (int i = 0; i < 24; i++) { buf[i] += (uint64_t)(i ^ k); s += buf[i]; }
    lapic_send_ipi(dest, V_IPI | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | ICR_DEST_NONE);
    /* One IPI at a time: a second one sent before the first is taken would merge with it in the IRR. */
    while (__atomic_load_n(&hits, __ATOMIC_ACQUIRE) <= (uint64_t)k) cpu_relax();
  }
  while (__atomic_load_n(&hits, __ATOMIC_ACQUIRE) < K) cpu_relax();
  rt_printf("ahead_ipi: %d IPIs taken, sum %lu\n", K, (unsigned long)s);
  return 0;
}
