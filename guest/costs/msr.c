/*
 * RDMSR/WRMSR cost by MSR (test/msrCost.test.ts): the same loops on an
 * x2APIC register (TPR, MSR 808H, after switching the local APIC to x2APIC
 * mode: SDM Vol. 3A §10.12.1) and on an ordinary MSR (IA32_TSC_AUX,
 * C0000103H).
 *
 *   wrmsr_loop:  wrmsr; decq %rsi; jnz wrmsr_loop      (ECX = the MSR, EDX:EAX = 0)
 *   rdmsr_loop:  rdmsr; decq %rsi; jnz rdmsr_loop
 *
 * Output: "cycles: <loop> <ticks>" for N iterations each.
 */
#include "rt.h"

#define N 100
#define MSR_APIC_BASE 0x1B
#define X2APIC_TPR 0x808
#define TSC_AUX 0xC0000103

uint64_t wrmsr_loop(uint32_t msr, uint64_t n);
uint64_t rdmsr_loop(uint32_t msr, uint64_t n);

__asm__(
  "  .text\n"
  "wrmsr_loop:\n"
  "  movl %edi, %ecx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r8\n"
  "  xorl %eax, %eax\n"
  "  xorl %edx, %edx\n"
  "1:\n"
  "  wrmsr\n"
  "  decq %rsi\n"
  "  jnz 1b\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r8, %rax\n"
  "  ret\n"
  "rdmsr_loop:\n"
  "  movl %edi, %ecx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r8\n"
  "1:\n"
  "  rdmsr\n"
  "  decq %rsi\n"
  "  jnz 1b\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r8, %rax\n"
  "  ret\n");

static inline uint64_t rdmsr(uint32_t m) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m)); return ((uint64_t)hi << 32) | lo; }
static inline void wrmsr(uint32_t m, uint64_t v) { __asm__ volatile("wrmsr" :: "c"(m), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))); }

int test_main(void) {
  wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1ull << 10)); /* EN already set: xAPIC -> x2APIC */
  wrmsr_loop(X2APIC_TPR, 2); wrmsr_loop(TSC_AUX, 2);
  rt_printf("cycles: wrmsr-x2apic %lu\n", (unsigned long)wrmsr_loop(X2APIC_TPR, N));
  rt_printf("cycles: wrmsr-other %lu\n", (unsigned long)wrmsr_loop(TSC_AUX, N));
  rt_printf("cycles: rdmsr-x2apic %lu\n", (unsigned long)rdmsr_loop(X2APIC_TPR, N));
  rt_printf("cycles: rdmsr-other %lu\n", (unsigned long)rdmsr_loop(TSC_AUX, N));
  return 0;
}
