/*
 * RFLAGS across VM entries and exits (SDM Vol. 3C §26.3.2.3: VM entry loads
 * RFLAGS from the guest-state area; §27.3.3: a VM exit saves it; a
 * successful VMLAUNCH/VMRESUME sets no flags of its own, its pseudocode
 * writes RFLAGS only on VMfail):
 *  - the guest's first instruction (PUSHFQ) sees the RFLAGS the host wrote;
 *  - flags the guest computed before a VMCALL exit are still there after the
 *    VMRESUME (an exit between a compare and its branch must not change the
 *    branch).
 */
#include "vmx.h"

static uint8_t guest_stack[4096] __attribute__((aligned(16)));

/* Guest: RBX <- RFLAGS at entry; arithmetic that leaves CF, PF, AF, ZF set; VMCALL; RCX <- RFLAGS; VMCALL. */
extern const char rflags_guest[];
__asm__(
  "  .text\n"
  "rflags_guest:\n"
  "  pushfq\n"
  "  popq %rbx\n"
  "  movl $-1, %eax\n"
  "  addl $1, %eax\n"
  "  vmcall\n"
  "  pushfq\n"
  "  popq %rcx\n"
  "  vmcall\n"
  "  jmp rflags_guest\n");

int test_main(void) {
  vmx_cpu_init(0);
  vmx_enable(0);
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, (void (*)(void))(uintptr_t)rflags_guest, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  vmwrite(GUEST_RFLAGS, 0x2 | 0x1 | 0x80); /* CF and SF set */
  struct vcpu v = { 0 };
  int r = vmx_run(&v);
  rt_printf("first exit: %s, reason %u  [SDM 27.2.1]\n", vmx_outcome(r), exit_reason());
  rt_printf("RFLAGS at the guest's first instruction: 0x%lx  [SDM 26.3.2.3: loaded from the guest-state area]\n", (unsigned long)v.rbx);
  rt_printf("guest RFLAGS saved by the exit: 0x%lx  [SDM 27.3.3]\n", (unsigned long)vmread(GUEST_RFLAGS));
  vmx_skip_instruction();
  r = vmx_run(&v);
  rt_printf("second exit: %s, reason %u\n", vmx_outcome(r), exit_reason());
  rt_printf("RFLAGS after VMRESUME: 0x%lx  [no VMsucceed on a successful entry]\n", (unsigned long)v.rcx);
  return 0;
}
