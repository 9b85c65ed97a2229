/*
 * Table 2 of the Shinjuku paper (NSDI'19 §3.3): the cost of one context
 * switch, for glibc's swapcontext and Shinjuku's three faster variants,
 * in a Linux process. Modelled on the benchmark behind it
 * (kkaffes/ucontext-testing benchmark.c): a main context and a function
 * context switch back and forth with the mechanism under test, and the
 * cost of one switch is the loop's time divided by the number of switches.
 * Timed with RDTSC/RDTSCP around the loop (minus the back-to-back
 * RDTSC/RDTSCP overhead, the minimum of a few pairs); the global labels
 * t2_begin_<row> / t2_end_<row> mark the two timing instructions for the
 * event-stream measurement (src/bench/table2.ts).
 *
 * Output, one line per row: "table2 <row> <switches> <cycles>" (cycles of
 * all the switches of the timed loop, overhead subtracted).
 *
 * Linked with libdune (guest/libdune/entry.c, after the C library) the
 * same program is the Dune column: main first enters Dune mode (dune_init,
 * dune_enter), so every switch runs in VMX non-root ring 0 and
 * swapcontext's rt_sigprocmask SYSCALL becomes libdune's VMCALL. A last row
 * then times the ring 3 -> 0 -> 3 round trip inside Dune: "table2 ring3 <n>
 * <cycles>". libdune's entry points are weak references, so that both
 * builds have the same code and data at the same addresses (libdune comes
 * after everything else): a cell can then differ between the columns only
 * by what Dune mode itself does.
 *
 * shinjuku-emu: link ../context_fast.S
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>
#include "context_fast.h"
#include "../../libdune/entry.h"

#ifndef ITERATIONS
#define ITERATIONS 100
#endif
#define WARMUP 4

static ucontext_t uctx_main, uctx_func;
static char func_stack[16384] __attribute__((aligned(64)));
static uint64_t overhead;

static uint64_t measure_overhead(void) {
  uint64_t best = ~0ull;
  for (int i = 0; i < 8; i++) {
    uint32_t lo, hi, lo2, hi2, aux;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    __asm__ volatile("rdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux));
    uint64_t d = (((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo);
    if (d < best) best = d;
  }
  return best;
}

#define ROW(row, SWITCH)                                                                   \
  static void func_##row(void) {                                                          \
    for (;;) if (SWITCH(&uctx_func, &uctx_main) == -1) abort();                           \
  }                                                                                       \
  static void run_##row(void) {                                                           \
    getcontext(&uctx_func);                                                               \
    uctx_func.uc_stack.ss_sp = func_stack;                                                \
    uctx_func.uc_stack.ss_size = sizeof func_stack;                                       \
    uctx_func.uc_link = &uctx_main;                                                       \
    makecontext(&uctx_func, func_##row, 0);                                               \
    for (int i = 0; i < WARMUP; i++) if (SWITCH(&uctx_main, &uctx_func) == -1) abort();   \
    uint32_t lo, hi, lo2, hi2, aux;                                                       \
    __asm__ volatile(".globl t2_begin_" #row "\nt2_begin_" #row ":\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory"); \
    for (int i = 0; i < ITERATIONS; i++) if (SWITCH(&uctx_main, &uctx_func) == -1) abort(); \
    __asm__ volatile(".globl t2_end_" #row "\nt2_end_" #row ":\n\trdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux) : : "memory"); \
    uint64_t t = (((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo) - overhead;  \
    printf("table2 %s %d %lu\n", #row, 2 * ITERATIONS, (unsigned long)t);                 \
  }

ROW(swapcontext, swapcontext)
ROW(nomask, swapcontext_nomask)
ROW(fp_restore_skipped, swapcontext_fast_to_control)
ROW(fp_save_skipped, swapcontext_fast)
ROW(baseline, swapcontext_very_fast)

int dune_init_and_enter(void) __attribute__((weak));
uint64_t dune_ring3_roundtrips(uint64_t n) __attribute__((weak));

int main(void) {
  if (dune_init_and_enter && dune_init_and_enter() != 0) return 1;
  overhead = measure_overhead();
  printf("table2 overhead %lu\n", (unsigned long)overhead);
  run_swapcontext();
  run_nomask();
  run_fp_restore_skipped();
  run_fp_save_skipped();
  run_baseline();
  if (dune_ring3_roundtrips) {
    dune_ring3_roundtrips(WARMUP);
    printf("table2 ring3 %d %lu\n", ITERATIONS, (unsigned long)(dune_ring3_roundtrips(ITERATIONS) - overhead));
  }
  return 0;
}
