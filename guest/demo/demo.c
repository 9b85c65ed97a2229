/*
 * The `shinjuku-emu demo` program (also what `npm start` runs): a short tour
 * of the machine. Every core greets in turn, core 0 times a few things with
 * RDTSC, then all cores hammer one shared counter with LOCK XADD and core 0
 * checks that no update was lost.
 *
 * Kept to a few hundred thousand instructions so the demo finishes in well
 * under a second of host time. It also builds natively (-DRT_NATIVE), where
 * rt runs it as core 0 of 1, so nothing here may wait for a second core that
 * does not exist: every wait is for `ncores` arrivals.
 */
#include "rt.h"

/* Iterations of each timed loop; also what the per-iteration figures divide by. */
#define LOOP 1000
/* LOCK XADDs per core in the all-cores phase. */
#define SHARED_ADDS 2000

/* A cache line each (64 bytes on this machine, as on Haswell): variables
 * that share a line are one variable to the coherence protocol. With
 * `counter` next to `start_gate`, the "one core" loop below was not
 * uncontended at all - the waiting cores' reads of the gate kept pulling the
 * counter's line away from core 0 (104 ticks per LOCK XADD on 4 cores
 * against 21 on one). */
#define LINE __attribute__((aligned(64)))
static uint64_t turn LINE;        /* whose turn it is to greet */
static uint64_t counter LINE;     /* the contended counter */
static uint64_t arrived LINE;     /* cores finished with the shared phase */
static uint64_t start_gate LINE;  /* core 0 opens it so all cores start the shared phase together */

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  /* LFENCE first: otherwise, on real hardware, RDTSC may execute before the
   * loop it is meant to time has retired. */
  __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return (uint64_t)hi << 32 | lo;
}

static void wait_until(uint64_t *var, uint64_t value) {
  while (__atomic_load_n(var, __ATOMIC_ACQUIRE) != value) __builtin_ia32_pause();
}

/* Ticks as "whole.hundredths" per iteration; the guest has no floating point
 * (-mgeneral-regs-only), so this is fixed-point. */
static void print_per_iteration(const char *what, uint64_t ticks) {
  uint64_t centi = ticks * 100 / LOOP;
  rt_printf("  %s: %lu ticks for %d iterations, %lu.%02lu per iteration\n", what,
            (unsigned long)ticks, LOOP, (unsigned long)(centi / 100), (unsigned long)(centi % 100));
}

static void measure(void) {
  /* An LCG step per iteration: a serial multiply-add chain. The empty asm
   * hides x from the optimizer, which could otherwise compute the whole
   * loop at compile time. */
  uint64_t x = 1;
  uint64_t t0 = rdtsc();
  for (int i = 0; i < LOOP; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    __asm__ volatile("" : "+r"(x));
  }
  uint64_t t1 = rdtsc();
  print_per_iteration("integer multiply-add chain", t1 - t0);

  /* Uncontended: only core 0 touches `counter` while the others wait at the
   * gate, on a line of its own. The old value is kept so that gcc emits LOCK
   * XADD rather than LOCK ADD. */
  uint64_t old = 0;
  t0 = rdtsc();
  for (int i = 0; i < LOOP; i++) old = __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
  t1 = rdtsc();
  __asm__ volatile("" : : "r"(old));
  print_per_iteration("lock xadd, one core", t1 - t0);
  __atomic_store_n(&counter, 0, __ATOMIC_RELAXED);

  /* The empty asm keeps the loop from being deleted as having no effect. */
  t0 = rdtsc();
  for (int i = 0; i < LOOP; i++) __asm__ volatile("pause" ::: "memory");
  t1 = rdtsc();
  print_per_iteration("pause", t1 - t0);
}

int test_main_smp(long core, long ncores) {
  wait_until(&turn, (uint64_t)core);
  rt_printf("hello from core %ld of %ld\n", core, ncores);
  __atomic_store_n(&turn, (uint64_t)core + 1, __ATOMIC_RELEASE);

  if (core == 0) {
    wait_until(&turn, (uint64_t)ncores);
    rt_printf("core 0 timing with rdtsc:\n");
    measure();
    __atomic_store_n(&start_gate, 1, __ATOMIC_RELEASE);
  } else {
    wait_until(&start_gate, 1);
  }

  uint64_t t0 = rdtsc(), old = 0;
  for (int i = 0; i < SHARED_ADDS; i++) old = __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
  __asm__ volatile("" : : "r"(old));
  __atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
  if (core != 0) return 0;

  wait_until(&arrived, (uint64_t)ncores);
  uint64_t t1 = rdtsc();
  uint64_t want = (uint64_t)ncores * SHARED_ADDS;
  rt_printf("%ld core%s x %d lock xadd on one counter: total %lu (%s), %lu ticks\n", ncores,
            ncores == 1 ? "" : "s", SHARED_ADDS, (unsigned long)counter,
            counter == want ? "none lost" : "UPDATES LOST", (unsigned long)(t1 - t0));
  rt_printf("demo done on %ld core%s\n", ncores, ncores == 1 ? "" : "s");
  return counter == want ? 0 : 1;
}
