/*
 * VMX operation and the VMX instructions in root mode (1 core): every
 * #UD / #GP(0) / VMfailInvalid / VMfailValid(n) condition of VMXON, VMXOFF,
 * VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMCALL,
 * INVEPT and INVVPID, each line naming the instruction page of the SDM
 * (Vol. 3C ch. 30 "VMX Instruction Reference" in 2016-era editions;
 * conventions in §30.2, error numbers in §30.4), and the CPUID/MSR
 * reporting of VMX (Vol. 3C §23.6-23.7, Vol. 3D Appendix A).
 *
 * Outcomes: VMsucceed (CF = ZF = 0), VMfailInvalid (CF = 1: no current
 * VMCS), VMfailValid(n) (ZF = 1, n from the VM-instruction error field).
 * CPL > 0 cases run in ring 3 (own page tables with U/S = 1).
 */
#include "vmx.h"

static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static void guest_entry(void) { for (;;) guest_vmcall(0); }

static void line(const char *what, const char *outcome, const char *sdm) {
  rt_printf("%s: %s  [SDM %s]\n", what, outcome, sdm);
}
static const char *fault(int v) { return v == 6 ? "#UD" : v == 13 ? "#GP(0)" : v == 14 ? "#PF" : v < 0 ? "no fault" : "other fault"; }

/* ---- ring 3 for the CPL > 0 checks ---- */
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
uint8_t ring3_stack[8192] __attribute__((aligned(16)));
static uint8_t ring0_stack[8192] __attribute__((aligned(16)));
uint64_t ring3_faults[8];
uint64_t saved_kernel_rsp;
uint64_t ring3_ptr;
extern const char ring3_code[], ring3_back[];
int enter_ring3(void);

__asm__(
  "  .text\n"
  /* enter_ring3: save callee-saved registers, IRETQ to ring3_code (CS 0x3B, SS 0x33) */
  "enter_ring3:\n"
  "  pushq %rbx\n  pushq %rbp\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
  "  movq %rsp, saved_kernel_rsp(%rip)\n"
  "  leaq ring3_stack+8192(%rip), %rax\n"
  "  pushq $0x33\n  pushq %rax\n  pushq $0x2\n  pushq $0x3b\n"
  "  leaq ring3_code(%rip), %rax\n  pushq %rax\n"
  "  iretq\n"
  /* in ring 3: each VMX instruction must #GP(0); the #GP handler records it and resumes at the label */
  "ring3_code:\n"
  "  leaq ring3_faults(%rip), %rbx\n"
  "  leaq 1f(%rip), %rax\n  movq %rax, vmx_fault_resume(%rip)\n  vmxon ring3_ptr(%rip)\n1:\n"
  "  movq vmx_fault_vector(%rip), %rax\n  movq %rax, 0(%rbx)\n"
  "  leaq 1f(%rip), %rax\n  movq %rax, vmx_fault_resume(%rip)\n  vmptrld ring3_ptr(%rip)\n1:\n"
  "  movq vmx_fault_vector(%rip), %rax\n  movq %rax, 8(%rbx)\n"
  "  leaq 1f(%rip), %rax\n  movq %rax, vmx_fault_resume(%rip)\n  xorl %ecx, %ecx\n  vmread %rcx, %rax\n1:\n"
  "  movq vmx_fault_vector(%rip), %rax\n  movq %rax, 16(%rbx)\n"
  "  leaq 1f(%rip), %rax\n  movq %rax, vmx_fault_resume(%rip)\n  vmlaunch\n1:\n"
  "  movq vmx_fault_vector(%rip), %rax\n  movq %rax, 24(%rbx)\n"
  "  leaq 1f(%rip), %rax\n  movq %rax, vmx_fault_resume(%rip)\n  vmxoff\n1:\n"
  "  movq vmx_fault_vector(%rip), %rax\n  movq %rax, 32(%rbx)\n"
  "  int $0x80\n"
  /* back in ring 0 through the DPL-3 gate */
  "ring3_back:\n"
  "  movl $0x10, %eax\n  movl %eax, %ss\n"
  "  movq saved_kernel_rsp(%rip), %rsp\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbp\n  popq %rbx\n"
  "  xorl %eax, %eax\n  ret\n");

static void ring3_setup(void) {
  for (unsigned i = 0; i < 4; i++) {
    pdpt[i] = (uint64_t)(uintptr_t)pd[i] | 7;
    for (unsigned j = 0; j < 512; j++) pd[i][j] = ((uint64_t)i << 30 | (uint64_t)j << 21) | 0x87 | (i == 3 ? 0x18 : 0);
  }
  pml4[0] = (uint64_t)(uintptr_t)pdpt | 7;
}

int test_main(void) {
  uint32_t r[4];
  cpuid(1, 0, r);
  line("CPUID.1:ECX.VMX[bit 5]", (r[2] >> 5) & 1 ? "1" : "0", "23.6 Discovering Support for VMX");
  uint64_t basic = rdmsr(MSR_VMX_BASIC);
  line("IA32_VMX_BASIC[55] (TRUE controls)", (basic >> 55) & 1 ? "1" : "0", "A.1 Basic VMX Information");
  line("IA32_VMX_BASIC[53:50] (VMCS memory type WB)", ((basic >> 50) & 15) == 6 ? "yes" : "no", "A.1 Basic VMX Information");
  line("IA32_FEATURE_CONTROL lock and VMX outside SMX", (rdmsr(MSR_FEATURE_CONTROL) & 5) == 5 ? "set" : "not set", "23.7 Enabling and Entering VMX Operation");

  vmx_cpu_init(0);
  vmx_catch_faults();
  uint64_t cr4 = read_cr4();
  uint64_t on = vmxon_region(0);
  *(uint32_t *)(uintptr_t)on = (uint32_t)basic & 0x7fffffff;

  /* ---- outside VMX operation ---- */
  write_cr4(cr4 & ~(1ull << 13));
  line("VMXON with CR4.VMXE = 0", fault(VMX_TRY("vmxon %0", "m"(on))), "30.3 VMXON");
  write_cr4(cr4);
  uint64_t any = vmcs_region(0, 0);
  line("VMXOFF outside VMX operation", fault(VMX_TRY("vmxoff", "i"(0))), "30.3 VMXOFF");
  line("VMCLEAR outside VMX operation", fault(VMX_TRY("vmclear %0", "m"(any))), "30.3 VMCLEAR");
  line("VMPTRLD outside VMX operation", fault(VMX_TRY("vmptrld %0", "m"(any))), "30.3 VMPTRLD");
  line("VMPTRST outside VMX operation", fault(VMX_TRY("vmptrst %0", "m"(any))), "30.3 VMPTRST");
  uint64_t scratch = 0;
  line("VMREAD outside VMX operation", fault(VMX_TRY("vmread %0, %1", "r"(0ul), "m"(scratch))), "30.3 VMREAD");
  line("VMWRITE outside VMX operation", fault(VMX_TRY("vmwrite %0, %0", "r"(0ul))), "30.3 VMWRITE");
  line("VMLAUNCH outside VMX operation", fault(VMX_TRY("vmlaunch", "i"(0))), "30.3 VMLAUNCH/VMRESUME");
  line("VMRESUME outside VMX operation", fault(VMX_TRY("vmresume", "i"(0))), "30.3 VMLAUNCH/VMRESUME");
  line("VMCALL outside VMX operation", fault(VMX_TRY("vmcall", "i"(0))), "30.3 VMCALL");
  uint64_t desc[2] = { 0, 0 };
  line("INVEPT outside VMX operation", fault(VMX_TRY("invept %0, %1", "m"(desc), "r"(2ul))), "30.3 INVEPT");
  line("INVVPID outside VMX operation", fault(VMX_TRY("invvpid %0, %1", "m"(desc), "r"(2ul))), "30.3 INVVPID");

  /* VMXON's own checks: CR0 bits fixed in VMX operation (#GP), then the pointer and revision (VMfailInvalid). */
  uint64_t cr0 = read_cr0();
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~(1ull << 5)) : "memory");
  line("VMXON with CR0.NE = 0 (IA32_VMX_CR0_FIXED0)", fault(VMX_TRY("vmxon %0", "m"(on))), "30.3 VMXON");
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
  uint64_t bad = on + 8;
  line("VMXON with a region not 4-KiB aligned", vmx_outcome(vmxon(bad)), "30.3 VMXON");
  bad = on | (1ull << 63);
  line("VMXON with an address beyond the physical-address width", vmx_outcome(vmxon(bad)), "30.3 VMXON");
  *(uint32_t *)(uintptr_t)on = 0;
  line("VMXON with a wrong revision identifier", vmx_outcome(vmxon(on)), "30.3 VMXON");
  *(uint32_t *)(uintptr_t)on = (uint32_t)basic & 0x7fffffff;
  line("VMXON", vmx_outcome(vmxon(on)), "30.3 VMXON");

  /* ---- in VMX root operation, no current VMCS ---- */
  line("VMXON in VMX root operation, no current VMCS", vmx_outcome(vmxon(on)), "30.3 VMXON");
  uint64_t p = 0;
  vmptrst(&p);
  line("VMPTRST with no current VMCS stores FFFFFFFF_FFFFFFFFH", p == ~0ull ? "yes" : "no", "30.3 VMPTRST");
  uint64_t val;
  line("VMREAD with no current VMCS", vmx_outcome(vmread_to(GUEST_RIP, &val)), "30.3 VMREAD");
  line("VMWRITE with no current VMCS", vmx_outcome(vmwrite(GUEST_RIP, 0)), "30.3 VMWRITE");
  line("VMLAUNCH with no current VMCS", vmx_outcome(VMX_OUTCOME("vmlaunch", "i"(0))), "30.3 VMLAUNCH/VMRESUME");
  line("VMCALL in root operation, no current VMCS", vmx_outcome(vmcall_root()), "30.3 VMCALL");
  line("CLEAR of CR4.VMXE in VMX operation", fault(VMX_TRY("mov %0, %%cr4", "r"(cr4 & ~(1ull << 13)))), "23.8 Restrictions on VMX Operation");

  /* VMCLEAR and VMPTRLD pointer checks, still without a current VMCS: VMfailInvalid. */
  uint64_t vmcs = vmcs_region(0, 0), vmcs2 = vmcs_region(0, 1);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)basic & 0x7fffffff;
  *(uint32_t *)(uintptr_t)vmcs2 = (uint32_t)basic & 0x7fffffff;
  bad = vmcs + 0x10;
  line("VMCLEAR of an unaligned address, no current VMCS", vmx_outcome(vmclear(bad)), "30.3 VMCLEAR");
  line("VMPTRLD of the VMXON pointer, no current VMCS", vmx_outcome(vmptrld(on)), "30.3 VMPTRLD");
  line("VMCLEAR", vmx_outcome(vmclear(vmcs)), "30.3 VMCLEAR");
  line("VMPTRLD", vmx_outcome(vmptrld(vmcs)), "30.3 VMPTRLD");
  vmptrst(&p);
  line("VMPTRST stores the current-VMCS pointer", p == vmcs ? "yes" : "no", "30.3 VMPTRST");

  /* ---- with a current VMCS: VMfailValid(n) ---- */
  line("VMXON in VMX root operation", vmx_outcome(vmxon(on)), "30.3 VMXON");
  bad = vmcs + 8;
  line("VMCLEAR with an address not 4-KiB aligned", vmx_outcome(vmclear(bad)), "30.3 VMCLEAR");
  bad = vmcs | (1ull << 62);
  line("VMCLEAR with an address beyond the physical-address width", vmx_outcome(vmclear(bad)), "30.3 VMCLEAR");
  line("VMCLEAR with the VMXON pointer", vmx_outcome(vmclear(on)), "30.3 VMCLEAR");
  bad = vmcs + 8;
  line("VMPTRLD with an address not 4-KiB aligned", vmx_outcome(vmptrld(bad)), "30.3 VMPTRLD");
  bad = vmcs | (1ull << 62);
  line("VMPTRLD with an address beyond the physical-address width", vmx_outcome(vmptrld(bad)), "30.3 VMPTRLD");
  line("VMPTRLD with the VMXON pointer", vmx_outcome(vmptrld(on)), "30.3 VMPTRLD");
  *(uint32_t *)(uintptr_t)vmcs2 = 0x1234;
  line("VMPTRLD with a wrong VMCS revision identifier", vmx_outcome(vmptrld(vmcs2)), "30.3 VMPTRLD");
  *(uint32_t *)(uintptr_t)vmcs2 = (uint32_t)basic & 0x7fffffff;

  line("VMREAD of an unsupported field (0x7ffe)", vmx_outcome(vmread_to(0x7ffe, &val)), "30.3 VMREAD");
  line("VMREAD with field operand bits 63:32 set", vmx_outcome(vmread_to(GUEST_RIP | (1ull << 32), &val)), "30.3 VMREAD");
  line("VMREAD of the high half of a natural-width field", vmx_outcome(vmread_to(GUEST_RIP | 1, &val)), "30.3 VMREAD");
  line("VMWRITE of an unsupported field (0x7ffe)", vmx_outcome(vmwrite(0x7ffe, 1)), "30.3 VMWRITE");
  int ro = vmwrite(EXIT_REASON, 5);
  int misc29 = (int)((rdmsr(MSR_VMX_MISC) >> 29) & 1);
  line("VMWRITE of a VM-exit information field agrees with IA32_VMX_MISC[29]",
       (misc29 && ro == 0) || (!misc29 && ro == 2 && vmread(VM_INSTRUCTION_ERROR) == 13) ? "yes" : "no", "30.3 VMWRITE");
  vmwrite(GUEST_ES_SEL, 0x12345678);
  line("VMWRITE of a 16-bit field keeps bits 15:0", vmread(GUEST_ES_SEL) == 0x5678 ? "yes" : "no", "24.11.2 VMREAD, VMWRITE, and Encodings");
  vmwrite(TSC_OFFSET, 0x1122334455667788ull);
  vmwrite(TSC_OFFSET | 1, 0xaabbccdd);
  line("VMWRITE/VMREAD of the high half of a 64-bit field", vmread(TSC_OFFSET) == 0xaabbccdd55667788ull && vmread(TSC_OFFSET | 1) == 0xaabbccdd ? "yes" : "no", "24.11.2 VMREAD, VMWRITE, and Encodings");

  line("VMRESUME with a clear VMCS", vmx_outcome(VMX_OUTCOME("vmresume", "i"(0))), "30.3 VMLAUNCH/VMRESUME");
  int mov_ss = VMX_OUTCOME("movl %2, %%ss\n\tvmlaunch", "r"(0x10u));
  line("VMLAUNCH right after MOV SS", vmx_outcome(mov_ss), "30.3 VMLAUNCH/VMRESUME");

  /* INVEPT / INVVPID operand checks (VMfailValid(28)) and the supported types. */
  uint64_t eptp = ept_identity_map();
  uint64_t d[2] = { 0, 0 };
  line("INVEPT type 0 (not an INVEPT type)", vmx_outcome(invept(0, d)), "30.3 INVEPT");
  line("INVEPT type 3 (not an INVEPT type)", vmx_outcome(invept(3, d)), "30.3 INVEPT");
  d[0] = eptp & ~0x38ull; /* page-walk length 1: an invalid EPTP */
  line("INVEPT single-context with an invalid EPTP", vmx_outcome(invept(1, d)), "30.3 INVEPT");
  d[0] = eptp;
  line("INVEPT single-context", vmx_outcome(invept(1, d)), "30.3 INVEPT");
  line("INVEPT all-context", vmx_outcome(invept(2, d)), "30.3 INVEPT");
  uint64_t vd[2] = { 1, 0x1000 };
  line("INVVPID type 4 (not an INVVPID type)", vmx_outcome(invvpid(4, vd)), "30.3 INVVPID");
  vd[0] = 1 | (1ull << 16);
  line("INVVPID with descriptor bits 63:16 set", vmx_outcome(invvpid(2, vd)), "30.3 INVVPID");
  vd[0] = 0;
  line("INVVPID individual-address with VPID 0", vmx_outcome(invvpid(0, vd)), "30.3 INVVPID");
  vd[0] = 1; vd[1] = 0x0000900000000000ull;
  line("INVVPID individual-address with a non-canonical address", vmx_outcome(invvpid(0, vd)), "30.3 INVVPID");
  vd[1] = 0x1000;
  line("INVVPID individual-address", vmx_outcome(invvpid(0, vd)), "30.3 INVVPID");
  vd[0] = 0;
  line("INVVPID single-context with VPID 0", vmx_outcome(invvpid(1, vd)), "30.3 INVVPID");
  line("INVVPID single-context retaining globals with VPID 0", vmx_outcome(invvpid(3, vd)), "30.3 INVVPID");
  vd[0] = 1;
  line("INVVPID single-context", vmx_outcome(invvpid(1, vd)), "30.3 INVVPID");
  line("INVVPID all-context", vmx_outcome(invvpid(2, vd)), "30.3 INVVPID");

  /* Launch state: VMLAUNCH a good VMCS; then VMLAUNCH again; VMRESUME works; VMCLEAR makes it clear. */
  vmcs_init_guest(0, guest_entry, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  struct vcpu v = { 0 };
  int rr = vmx_launch(&v);
  line("VMLAUNCH with a clear VMCS", rr == 0 ? "VM exit" : vmx_outcome(rr), "30.3 VMLAUNCH/VMRESUME");
  line("exit reason (VMCALL)", exit_reason() == EXIT_VMCALL ? "18" : "other", "Appendix C VMX Basic Exit Reasons");
  line("VMLAUNCH with a launched VMCS", vmx_outcome(VMX_OUTCOME("vmlaunch", "i"(0))), "30.3 VMLAUNCH/VMRESUME");
  /* The dual-monitor treatment of SMIs and SMM is not active: VMfail(1) whatever the launch state (SDM VMCALL
   * pseudo-code; error 19 belongs to the path that activates it). */
  line("VMCALL in root operation, launched VMCS", vmx_outcome(vmcall_root()), "30.3 VMCALL");
  vmx_skip_instruction();
  rr = vmx_resume(&v);
  line("VMRESUME with a launched VMCS", rr == 0 ? "VM exit" : vmx_outcome(rr), "30.3 VMLAUNCH/VMRESUME");
  /* VMCLEAR writes the VMCS to memory; VMPTRLD of it gives back what VMWRITE put there. */
  vmwrite(GUEST_RSP, 0x123456789aull);
  line("VMCLEAR of the current VMCS", vmx_outcome(vmclear(vmcs)), "30.3 VMCLEAR");
  vmptrst(&p);
  line("VMCLEAR of the current VMCS invalidates the current-VMCS pointer", p == ~0ull ? "yes" : "no", "30.3 VMCLEAR");
  vmptrld(vmcs);
  line("VMCS data survive VMCLEAR and VMPTRLD", vmread(GUEST_RSP) == 0x123456789aull ? "yes" : "no", "24.11.1 Software Use of Virtual-Machine Control Structures");
  line("VMRESUME after VMCLEAR (launch state clear)", vmx_outcome(VMX_OUTCOME("vmresume", "i"(0))), "30.3 VMLAUNCH/VMRESUME");

  /* CPL 3: every VMX instruction is #GP(0) there. */
  ring3_setup();
  uint64_t saved_cr3 = read_cr3();
  __asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4) : "memory");
  extern const char ring3_back[];
  idt_set_gate(0x80, ring3_back, 0xE, 3);
  vmx_tss_rsp0(0, (uint64_t)(uintptr_t)(ring0_stack + sizeof ring0_stack));
  ring3_ptr = vmcs;
  enter_ring3();
  __asm__ volatile("mov %0, %%cr3" : : "r"(saved_cr3) : "memory");
  line("VMXON at CPL 3", fault((int)ring3_faults[0]), "30.3 VMXON");
  line("VMPTRLD at CPL 3", fault((int)ring3_faults[1]), "30.3 VMPTRLD");
  line("VMREAD at CPL 3", fault((int)ring3_faults[2]), "30.3 VMREAD");
  line("VMLAUNCH at CPL 3", fault((int)ring3_faults[3]), "30.3 VMLAUNCH/VMRESUME");
  line("VMXOFF at CPL 3", fault((int)ring3_faults[4]), "30.3 VMXOFF");

  line("VMXOFF", vmx_outcome(vmxoff()), "30.3 VMXOFF");
  line("VMREAD after VMXOFF", fault(VMX_TRY("vmread %0, %1", "r"(0ul), "m"(scratch))), "30.3 VMREAD");
  rt_printf("vmx_instructions: done\n");
  return 0;
}
