/*
 * Loops for the fast-forward guests (src/cpu/loopForward.ts). busy_wait is
 * the Shinjuku synthetic server's service loop (guest/shinjuku/app_spin.c):
 * it spins on RDTSC and counts only gaps shorter than 400 ticks (an
 * interrupt's gap is not its own). A function of its own, as there, so that
 * gcc keeps the loop one block ending in its back branch wherever it is
 * called.
 */
#ifndef SPIN_RDTSC_WAIT_H
#define SPIN_RDTSC_WAIT_H
#include <stdint.h>

static inline uint64_t tsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}

__attribute__((noinline)) static uint64_t busy_wait(uint64_t want) {
  uint64_t done = 0, prev = tsc();
  while (done < want) {
    uint64_t now = tsc();
    uint64_t d = now - prev;
    if (d < 400) done += d;
    prev = now;
  }
  return done;
}

/* A counted loop with affine registers (fast-forward jumps over it). */
static uint64_t counted(uint64_t n) {
  uint64_t a = 1, b = 1000000;
  for (uint64_t i = 0; i < n; i++) { a += 5; b -= 3; __asm__ volatile("" : "+r"(a), "+r"(b)); }
  return a ^ b;
}

#endif
