/*
 * A VM entry with something this machine does not model (built with
 * -DCASE=N): the run must stop with a report naming the control or field,
 * never enter a guest that would misbehave. Not a peer test: on hardware or
 * Bochs these entries succeed.
 *   CASE 1: "PAUSE-loop exiting" (secondary control bit 10)
 *   CASE 2: a guest outside IA-32e mode ("IA-32e mode guest" = 0, 32-bit protected mode)
 *   CASE 3: "VMCS shadowing" (secondary control bit 14)
 *   CASE 4: "enable XSAVES/XRSTORS" (secondary control bit 20), which a
 *           Haswell does not offer (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit
 *           20 is 0): VMfailValid(7) as on that CPU, and the rule names it.
 */
#include "vmx.h"

static uint8_t guest_stack[4096] __attribute__((aligned(16)));
static uint8_t bitmap[4096] __attribute__((aligned(4096)));
static uint8_t shadow_vmcs[4096] __attribute__((aligned(4096)));
static void guest_entry(void) { for (;;) guest_vmcall(0); }

int test_main(void) {
  vmx_cpu_init(0);
  vmx_enable(0);
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest_entry, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) | PROC_SECONDARY);
#if CASE == 1
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, 1u << 10));
#elif CASE == 2
  /* 32-bit protected mode with paging (PAE), a 32-bit code segment */
  vmwrite(ENTRY_CONTROLS, vmread(ENTRY_CONTROLS) & ~(uint64_t)ENTRY_IA32E);
  vmwrite(GUEST_CS_AR, 0xc09b);
  vmwrite(GUEST_TR_AR, 0x8b);
#elif CASE == 3
  *(uint32_t *)shadow_vmcs = ((uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff) | 0x80000000u;
  vmwrite(0x2026, (uint64_t)(uintptr_t)bitmap);  /* VMREAD bitmap */
  vmwrite(0x2028, (uint64_t)(uintptr_t)bitmap);  /* VMWRITE bitmap */
  vmwrite(VMCS_LINK_POINTER, (uint64_t)(uintptr_t)shadow_vmcs);
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, 1u << 14));
#elif CASE == 4
  vmwrite(SECONDARY_CONTROLS, 1u << 20);
#endif
  struct vcpu v = { 0 };
  int r = vmx_run(&v);
  rt_printf("entered: %s, reason %u\n", vmx_outcome(r), exit_reason());
  return 0;
}
