/*
 * CLFLUSH evicts the line (test/clflush.test.ts). The same loop of loads
 * from one line runs with and without a CLFLUSH of that line before each
 * load, on a clean line and on a dirty one (a store first):
 *
 *   plain:    movq (%rdi), %rax;                 decq %rsi; jnz
 *   flushed:  clflush (%rdi); movq (%rdi), %rax; decq %rsi; jnz
 *   dirty:    movq %rsi, (%rdi); clflush (%rdi); movq (%rdi), %rax; decq %rsi; jnz
 *
 * Output: "cycles: <loop> <ticks>" for N iterations each. Then CLFLUSHOPT,
 * which CPUID does not advertise on this CPU (leaf 7 EBX bit 23 = 0): #UD.
 */
#include "rt.h"

#define N 100

static volatile uint64_t line[8] __attribute__((aligned(64)));

uint64_t plain_loop(volatile uint64_t *p, uint64_t n);
uint64_t flushed_loop(volatile uint64_t *p, uint64_t n);
uint64_t dirty_loop(volatile uint64_t *p, uint64_t n);

#define TIMED(name, body) \
  #name ":\n" \
  "  rdtsc\n" \
  "  shlq $32, %rdx\n" \
  "  orq %rax, %rdx\n" \
  "  movq %rdx, %r8\n" \
  "1:\n" body \
  "  decq %rsi\n" \
  "  jnz 1b\n" \
  "  rdtsc\n" \
  "  shlq $32, %rdx\n" \
  "  orq %rdx, %rax\n" \
  "  subq %r8, %rax\n" \
  "  ret\n"

__asm__(
  "  .text\n"
  TIMED(plain_loop, "  movq (%rdi), %rax\n")
  TIMED(flushed_loop, "  clflush (%rdi)\n  movq (%rdi), %rax\n")
  TIMED(dirty_loop, "  movq %rsi, (%rdi)\n  clflush (%rdi)\n  movq (%rdi), %rax\n"));

int test_main(void) {
  rt_trap_exceptions();
  plain_loop(line, 2); flushed_loop(line, 2); dirty_loop(line, 2);
  plain_loop(line, 2);
  rt_printf("cycles: plain %lu\n", (unsigned long)plain_loop(line, N));
  rt_printf("cycles: flushed %lu\n", (unsigned long)flushed_loop(line, N));
  rt_printf("cycles: dirty %lu\n", (unsigned long)dirty_loop(line, N));
  rt_printf("last stored value survived the flush: %s\n", line[0] == 1 ? "yes" : "no");
  __asm__ volatile("clflushopt (%0)" : : "r"(line) : "memory");
  rt_printf("not reached: clflushopt executed\n");
  return 1;
}
