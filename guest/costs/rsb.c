/*
 * The return stack buffer (test/returnStack.test.ts): loops whose returns
 * the 16-entry predictor gets right or wrong by construction, timed with
 * RDTSC. Each loop prints "cycles: <name> <ticks>" for its N iterations.
 *
 *   matched:    call leaf; leaf: ret                      - every return predicted
 *   push-ret:   push $1f; ret; 1:                         - every return mispredicted
 *   call-next:  call f; f: call 1f; 1: pop; ret           - a call to the next instruction
 *               pushes nothing, so f's ret is predicted
 *   depth-15:   call rec(15) = 16 nested calls            - fits: no mispredict
 *   depth-16:   call rec(16) = 17 nested calls            - the 17th overwrote the outermost
 *               entry: the return to the loop mispredicts once per iteration (the inner
 *               returns all go to the same address in rec, so stale entries still match)
 */
#include "rt.h"

#define N 64

uint64_t loop_matched(uint64_t n);
uint64_t loop_push_ret(uint64_t n);
uint64_t loop_call_next(uint64_t n);
uint64_t loop_rec(uint64_t n, uint64_t depth);

#define START "  rdtsc\n  shlq $32, %rdx\n  orq %rax, %rdx\n  movq %rdx, %r8\n"
#define STOP  "  rdtsc\n  shlq $32, %rdx\n  orq %rdx, %rax\n  subq %r8, %rax\n  ret\n"

__asm__(
  "  .text\n"
  "leaf:\n"
  "  ret\n"
  "loop_matched:\n"
  "  movq %rdi, %rcx\n"
  START
  "1:\n"
  "  call leaf\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  STOP
  "loop_push_ret:\n"
  "  movq %rdi, %rcx\n"
  START
  "1:\n"
  "  leaq 2f(%rip), %rax\n"
  "  pushq %rax\n"
  "  ret\n"
  "2:\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  STOP
  "getpc_leaf:\n"
  "  call 3f\n"
  "3:\n"
  "  popq %rax\n"
  "  ret\n"
  "loop_call_next:\n"
  "  movq %rdi, %rcx\n"
  START
  "1:\n"
  "  call getpc_leaf\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  STOP
  /* rec: depth in %rsi; calls itself depth times, then returns all the way out */
  "rec:\n"
  "  testq %rsi, %rsi\n"
  "  jz 4f\n"
  "  decq %rsi\n"
  "  call rec\n"
  "4:\n"
  "  ret\n"
  "loop_rec:\n"
  "  movq %rdi, %rcx\n"
  "  movq %rsi, %r9\n"
  START
  "1:\n"
  "  movq %r9, %rsi\n"
  "  call rec\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  STOP);

int test_main(void) {
  /* A first pass fills the predictor with this code's own addresses; the second is timed. */
  for (int pass = 0; pass < 2; pass++) {
    uint64_t a = loop_matched(N), b = loop_push_ret(N), c = loop_call_next(N);
    uint64_t d = loop_rec(N, 15), e = loop_rec(N, 16);
    if (pass == 1) {
      rt_printf("cycles: matched %lu\n", a);
      rt_printf("cycles: push-ret %lu\n", b);
      rt_printf("cycles: call-next %lu\n", c);
      rt_printf("cycles: depth-15 %lu\n", d);
      rt_printf("cycles: depth-16 %lu\n", e);
    }
  }
  return 0;
}
