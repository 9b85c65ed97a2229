/*
 * Core 0 ends the run while every other core is still polling a flag that
 * nobody will ever set: with spin detection the pollers are asleep when the
 * exit port is written, and must be brought up to that instant exactly.
 */
#include "rt.h"

static volatile unsigned long never;

static unsigned long work(unsigned long n) {
  unsigned long x = 7;
  for (unsigned long i = 0; i < n; i++) x = x * 2862933555777941757ul + 3037000493ul;
  return x;
}

int test_main_smp(long core, long ncores) {
  if (core == 0) {
    unsigned long r = work(50000 + 1000 * (unsigned long)ncores);
    rt_printf("abandon: %ld cores, %016lx\n", ncores, r);
    return 0;
  }
  while (!__atomic_load_n(&never, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  return 1;
}
