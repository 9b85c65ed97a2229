/*
 * The cost of INT n and INT3 (test/intCost.test.ts): N software interrupts
 * to a handler that only returns, timed with RDTSC.
 *
 *   int_loop:  int $0x40 (or int3); decq %rcx; jnz int_loop
 *   handler:   iretq
 *
 * Each iteration is one IDT vectoring (gate read, frame push: SDM Vol. 3A
 * §6.14) and one IRETQ (five pops). Output: "cycles: int-n <ticks>" and
 * "cycles: int3 <ticks>" for N iterations each.
 */
#include "rt.h"
#include "../system/idt64.h"

#define N 100

static struct gate idt[256] __attribute__((aligned(16)));

uint64_t int_loop(uint64_t n);
uint64_t int3_loop(uint64_t n);
extern const char iret_only[];

__asm__(
  "  .text\n"
  "iret_only:\n"
  "  iretq\n"
  "int_loop:\n"
  "  movq %rdi, %rcx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r8\n"
  "1:\n"
  "  int $0x40\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r8, %rax\n"
  "  ret\n"
  "int3_loop:\n"
  "  movq %rdi, %rcx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r8\n"
  "1:\n"
  "  int3\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r8, %rax\n"
  "  ret\n");

int test_main(void) {
  idt[0x40] = idt64_gate(iret_only, 0x8E, 0);
  idt[3] = idt64_gate(iret_only, 0x8E, 0);
  idt64_load(idt, sizeof idt - 1);
  int_loop(2); int3_loop(2); /* warm the lines and the TLB */
  rt_printf("cycles: int-n %lu\n", (unsigned long)int_loop(N));
  rt_printf("cycles: int3 %lu\n", (unsigned long)int3_loop(N));
  return 0;
}
