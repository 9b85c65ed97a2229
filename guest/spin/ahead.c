/*
 * Run-ahead (docs/architecture.md "Run-ahead"): core 1 computes a long
 * register-only hash (xorshift: no memory access, no clock) while core 0
 * walks an array and ends the run through the exit port in the middle of
 * that work. Core 1 goes past its scheduler limit on register-only ops all
 * along, so at the stop it is usually ahead of the stopping instruction and
 * must be rewound to it; with more cores the others do the same. The output
 * does not depend on timing.
 */
#include "rt.h"

static volatile uint64_t buf[2048];
static volatile uint64_t result;

int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 0) {
    uint64_t s = 0;
    for (int r = 0; r < 12; r++)
      for (int i = 0; i < 2048; i++) { buf[i] += (uint64_t)(i ^ r); s += buf[i]; }
    rt_printf("core 0: sum %lu\n", s);
    rt_exit(0);
  }
  uint64_t x = 88172645463325252ull + (uint64_t)core;
  for (long i = 0; i < 100000000; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; }
  result = x;
  return 0;
}
