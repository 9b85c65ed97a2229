/*
 * Core 0 evicts the line the other cores poll from the shared L3 (touching
 * more lines of its L3 set than the L3 has ways), which back-invalidates the
 * pollers' copies: their next poll misses. Spin detection must notice that
 * eviction exactly as a store (test/spin.test.ts compares on and off).
 * L3 set stride: 24576 sets × 64 B = 1.5 MiB (src/memory/coherence.ts).
 */
#include "rt.h"

#define STRIDE (24576ul * 64)
#define WAYS 20

static volatile unsigned long go;
static volatile unsigned long done_count;
/* The flag's line and WAYS+4 more lines of the same L3 set. */
static volatile unsigned char arena[(WAYS + 6) * STRIDE] __attribute__((aligned(4096)));

int test_main_smp(long core, long ncores) {
  volatile unsigned long *flag = (volatile unsigned long *)&arena[0];
  if (core == 0) {
    unsigned long x = 1;
    for (int i = 0; i < 20000; i++) x = x * 3 + 1; /* let the pollers settle */
    for (unsigned long k = 1; k <= WAYS + 4; k++) x += arena[k * STRIDE];
    for (int i = 0; i < 20000; i++) x = x * 5 + 1;
    __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&done_count, __ATOMIC_ACQUIRE) != (unsigned long)(ncores - 1)) __builtin_ia32_pause();
    rt_printf("evict: %ld cores, %lu\n", ncores, x & 0xffff);
    return 0;
  }
  while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  __atomic_fetch_add(&done_count, 1, __ATOMIC_ACQ_REL);
  return 0;
}
