/*
 * x87_cost.c — TSC ticks of N = 1000, 2000, 3000 iterations of a loop
 * around FNSTENV, FLDENV, and the pair FNSTENV + FLDENV (the x87 half of
 * what glibc's swapcontext saves and restores). test/x87.test.ts checks the
 * per-iteration difference against the machine profile: it must be exactly
 * the instruction classes' costs plus the memory accesses the 28-byte image
 * needs (7 doubleword stores or loads), not a number fitted anywhere.
 */
#include "rt.h"

static unsigned char env[28] __attribute__((aligned(64)));

static inline uint64_t tsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}

#define LOOP(name, body)                                                             \
  static uint64_t name(unsigned n) {                                                 \
    uint64_t t0 = tsc();                                                             \
    __asm__ volatile("1: " body "; dec %0; jnz 1b" : "+r"(n) : "m"(env) : "memory", "cc"); \
    return tsc() - t0;                                                               \
  }

LOOP(save_loop, "fnstenv %1")
LOOP(load_loop, "fldenv %1")
LOOP(pair_loop, "fnstenv %1; fldenv %1")

int test_main(void) {
  __asm__ volatile("fninit; fnstenv %0" : "=m"(env));
  const char *names[3] = {"fnstenv", "fldenv", "fnstenv+fldenv"};
  uint64_t (*loops[3])(unsigned) = {save_loop, load_loop, pair_loop};
  for (int k = 0; k < 3; k++) {
    loops[k](100); /* warm the line and the code */
    uint64_t d1 = loops[k](1000), d2 = loops[k](2000), d3 = loops[k](3000);
    rt_printf("%s: loop 1000 %lu 2000 %lu 3000 %lu\n", names[k], (unsigned long)d1, (unsigned long)d2, (unsigned long)d3);
  }
  return 0;
}
