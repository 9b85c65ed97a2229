/*
 * A fixed register-only loop, run for N and then 2N iterations, for cycle
 * accounting against the profile (test/determinism.test.ts):
 *
 *   loop_pre:  mov %rdi, %rcx        the last instruction before the loop
 *   loop_top:  add $1, %rax          N times
 *              dec %rcx              N times
 *   loop_jnz:  jnz loop_top          N times, taken N - 1 times
 *
 * No memory operands, so only the instruction classes of the profile cost
 * time inside the loop. The global labels let the test find the
 * instructions' addresses in the ELF symbol table.
 */
#include "rt.h"

#ifndef N_ITER
#define N_ITER 1000
#endif

uint64_t timed_loop(uint64_t n);

__asm__(
  "  .text\n"
  "  .globl timed_loop, loop_pre, loop_top, loop_jnz\n"
  "timed_loop:\n"
  "  xorl %eax, %eax\n"
  "loop_pre:\n"
  "  movq %rdi, %rcx\n"
  "loop_top:\n"
  "  addq $1, %rax\n"
  "  decq %rcx\n"
  "loop_jnz:\n"
  "  jnz loop_top\n"
  "  ret\n");

int test_main(void) {
  uint64_t a = timed_loop(N_ITER);
  uint64_t b = timed_loop(2 * N_ITER);
  rt_printf("iterations %lu %lu\n", (unsigned long)a, (unsigned long)b);
  return 0;
}
