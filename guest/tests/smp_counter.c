/*
 * Shared-memory atomics across cores: every core adds to shared counters with
 * lock xadd (fetch-add whose result is used), lock add (result unused), lock
 * cmpxchg (a compare-and-swap loop) and an xchg spinlock around a plain
 * increment, then reports its arrival; core 0 spins with pause until every
 * core has arrived and checks the totals. Lost updates show up as "no".
 *
 * The output must not depend on the core count, because the native reference
 * run has exactly one core.
 */
#include "rt.h"

#define K 5000

static uint64_t xadd_counter, add_counter, cas_counter, locked_counter, arrived;
static uint32_t lock;
static uint64_t not_monotonic;

static void spin_lock(uint32_t *l) {
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(l, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static void spin_unlock(uint32_t *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

int test_main_smp(long core, long ncores) {
  uint64_t last = 0;
  for (int i = 0; i < K; i++) {
    /* a core sees the values it gets from one counter strictly increase */
    uint64_t old = __atomic_fetch_add(&xadd_counter, 1, __ATOMIC_RELAXED);
    if (i && old <= last) __atomic_fetch_add(&not_monotonic, 1, __ATOMIC_RELAXED);
    last = old;
    __atomic_fetch_add(&add_counter, 3, __ATOMIC_RELAXED);
    if (i % 4 == 0) {
      uint64_t cur = __atomic_load_n(&cas_counter, __ATOMIC_RELAXED);
      while (!__atomic_compare_exchange_n(&cas_counter, &cur, cur + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        __builtin_ia32_pause();
    }
    if (i % 8 == 0) {
      spin_lock(&lock);
      locked_counter = locked_counter + 1;
      spin_unlock(&lock);
    }
  }
  __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
  if (core != 0) return 0;
  while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != (uint64_t)ncores) __builtin_ia32_pause();

  uint64_t n = (uint64_t)ncores;
  rt_printf("counter == ncores*K: %s\n", xadd_counter == n * K ? "yes" : "no");
  rt_printf("add counter == ncores*3K: %s\n", add_counter == n * 3 * K ? "yes" : "no");
  rt_printf("cas counter == ncores*K/4: %s\n", cas_counter == n * (K / 4) ? "yes" : "no");
  rt_printf("locked counter == ncores*K/8: %s\n", locked_counter == n * ((K + 7) / 8) ? "yes" : "no");
  rt_printf("fetch-add results increasing on every core: %s\n", not_monotonic == 0 ? "yes" : "no");
  return 0;
}
