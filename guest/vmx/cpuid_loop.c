/*
 * The VM entry + CPUID VM exit round trip, as github.com/yulyugin/vmlatency
 * measures it on real Haswell-EP parts (445-505 TSC ticks): the guest's only
 * instruction is CPUID (which always exits, SDM Vol. 3C §25.1.2), the host's
 * loop is VMRESUME and a counter. HOST_RIP is the loop itself, so no
 * register is saved or restored: CPUID never executes, and the guest's
 * registers are the host's. Prints the average round trip in TSC ticks
 * ("cycles:" lines are measurements, never compared between machines).
 */
#include "vmx.h"

#define N 200

static uint8_t guest_stack[4096] __attribute__((aligned(16)));
extern const char cpuid_guest[], cpuid_exit_point[];
uint64_t cpuid_loop(uint64_t n);

__asm__(
  "  .text\n"
  "cpuid_guest:\n"
  "  cpuid\n"
  "  jmp cpuid_guest\n"
  /* cpuid_loop(n): RDI iterations; returns the TSC ticks they took */
  "cpuid_loop:\n"
  "  pushq %rbx\n"
  "  movq %rdi, %r8\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r9\n"
  "  movl $0x6c14, %eax\n"
  "  vmwrite %rsp, %rax\n"
  "  vmlaunch\n"
  "  jmp 2f\n"
  "cpuid_exit_point:\n"
  "  decq %r8\n"
  "  jz 1f\n"
  "  vmresume\n"
  "2:\n"
  "  movq $-1, %rax\n"
  "  popq %rbx\n"
  "  ret\n"
  "1:\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r9, %rax\n"
  "  popq %rbx\n"
  "  ret\n");

int test_main(void) {
  vmx_cpu_init(0);
  vmx_enable(0);
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, (void (*)(void))(uintptr_t)cpuid_guest, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  vmwrite(HOST_RIP, (uint64_t)(uintptr_t)cpuid_exit_point);
  uint64_t t = cpuid_loop(N);
  if (t == ~0ull) { rt_printf("VM entry failed: %s\n", vmx_outcome(2)); return 1; }
  rt_printf("exit reason %u\n", exit_reason());
  rt_printf("cycles: VM entry + CPUID exit round trip avg %lu (%d rounds)\n", (unsigned long)(t / N), N);
  return 0;
}
