/*
 * VM-entry checks (1 core), one class of check per line, each naming its
 * SDM rule (Vol. 3C ch. 26 "VM Entries"):
 *   26.2.1 VMX controls          -> VMfailValid(7)
 *   26.2.2-26.2.4 host state     -> VMfailValid(8)
 *   26.3.1 guest state           -> VM-entry failure, exit reason 33 with bit 31 set
 *   26.4 VM-entry MSR-load list  -> VM-entry failure, exit reason 34, qualification = the entry
 * A VM-entry failure loads the host state like a VM exit (§26.7), so it comes
 * back through HOST_RIP; the exit-reason field then has bit 31 set.
 * Each case starts from a VMCS that enters and exits cleanly, breaks one
 * field, tries VMLAUNCH and restores the field.
 */
#include "vmx.h"

static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t vapic[4096] __attribute__((aligned(4096)));
static uint64_t msr_list[4][2] __attribute__((aligned(16)));
static uint64_t vmcs;
static struct vcpu v;

static void guest_entry(void) { for (;;) guest_vmcall(0); }

/* VMLAUNCH from a clear VMCS; describe the outcome. */
static const char *try_launch(void) {
  static char buf[96];
  vmclear(vmcs);
  vmptrld(vmcs);
  v.launched = 0;
  int r = vmx_launch(&v);
  if (r != 0) return vmx_outcome(r);
  uint32_t reason = (uint32_t)vmread(EXIT_REASON);
  if ((reason & 0x80000000u) == 0) {
    const char *p = reason == EXIT_VMCALL ? "VM entry, then the guest's VMCALL exit" : "VM entry, then an unexpected exit";
    return p;
  }
  /* "VM-entry failure: reason N, qualification Q" */
  char *b = buf;
  const char *s = "VM-entry failure, exit reason ";
  while (*s) *b++ = *s++;
  unsigned n = reason & 0xffff;
  if (n >= 10) *b++ = (char)('0' + n / 10);
  *b++ = (char)('0' + n % 10);
  s = " | bit 31, qualification ";
  while (*s) *b++ = *s++;
  *b++ = (char)('0' + (vmread(EXIT_QUALIFICATION) & 7));
  *b = 0;
  return buf;
}

static void check(const char *what, uint32_t field, uint64_t bad, const char *sdm) {
  uint64_t old = vmread(field);
  vmwrite(field, bad);
  rt_printf("%s: %s  [SDM %s]\n", what, try_launch(), sdm);
  vmwrite(field, old);
}

static void check2(const char *what, uint32_t f1, uint64_t v1, uint32_t f2, uint64_t v2, const char *sdm) {
  uint64_t o1 = vmread(f1), o2 = vmread(f2);
  vmwrite(f1, v1);
  vmwrite(f2, v2);
  rt_printf("%s: %s  [SDM %s]\n", what, try_launch(), sdm);
  vmwrite(f1, o1);
  vmwrite(f2, o2);
}

int test_main(void) {
  vmx_cpu_init(0);
  vmx_catch_faults();
  vmx_enable(0);
  vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest_entry, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  rt_printf("good VMCS: %s  [SDM 26 VM Entries]\n", try_launch());

  uint64_t pin = vmread(PIN_CONTROLS), proc = vmread(PROC_CONTROLS);
  uint64_t proc2_ok = proc | PROC_SECONDARY;
  uint64_t vapic_pa = (uint64_t)(uintptr_t)vapic;

  /* ---- 26.2.1 checks on VMX controls: VMfailValid(7) ---- */
  check("pin-based default1 bit 1 cleared", PIN_CONTROLS, pin & ~2ull, "26.2.1.1 reserved bits (IA32_VMX_TRUE_PINBASED_CTLS)");
  vmwrite(PROC_CONTROLS, proc2_ok);
  vmwrite(SECONDARY_CONTROLS, 0);
  check("secondary controls with an undefined bit 31", SECONDARY_CONTROLS, 1ull << 31, "26.2.1.1 reserved bits (IA32_VMX_PROCBASED_CTLS2)");
  check("CR3-target count 5", CR3_TARGET_COUNT, 5, "26.2.1.1 CR3-target count");
  check2("MSR bitmaps with an unaligned address", PROC_CONTROLS, proc2_ok | PROC_MSR_BITMAPS, MSR_BITMAP, vapic_pa + 8, "26.2.1.1 MSR-bitmap address");
  check2("I/O bitmaps with an address beyond the physical-address width", PROC_CONTROLS, proc2_ok | PROC_IO_BITMAPS, IO_BITMAP_A, 1ull << 52, "26.2.1.1 I/O-bitmap addresses");
  check("NMI-window exiting without virtual NMIs", PROC_CONTROLS, proc2_ok | (1u << 22), "26.2.1.1 NMI-window exiting requires virtual NMIs");
  check("virtual NMIs without NMI exiting", PIN_CONTROLS, pin | PIN_VIRTUAL_NMI, "26.2.1.1 virtual NMIs require NMI exiting");
  vmwrite(VIRTUAL_APIC_PAGE, vapic_pa);
  check("APIC-register virtualization without TPR shadow", SECONDARY_CONTROLS, PROC2_APIC_REG_VIRT, "26.2.1.1 use TPR shadow");
  vmwrite(PROC_CONTROLS, proc2_ok | PROC_TPR_SHADOW);
  vapic[0x80] = 0x20;
  check("TPR threshold above VTPR[7:4]", TPR_THRESHOLD, 3, "26.2.1.1 TPR threshold");
  check("TPR threshold with bits 31:4 set", TPR_THRESHOLD, 0x10, "26.2.1.1 TPR threshold");
  check("virtual-interrupt delivery without external-interrupt exiting", SECONDARY_CONTROLS, PROC2_VID, "26.2.1.1 virtual-interrupt delivery");
  vmwrite(APIC_ACCESS_ADDR, vapic_pa);
  check("virtualize x2APIC mode together with virtualize APIC accesses", SECONDARY_CONTROLS, PROC2_X2APIC | PROC2_APIC_ACCESS, "26.2.1.1 virtualize x2APIC mode");
  check2("virtual-APIC address not 4-KiB aligned", VIRTUAL_APIC_PAGE, vapic_pa + 0x40, SECONDARY_CONTROLS, 0, "26.2.1.1 virtual-APIC address");
  vmwrite(PROC_CONTROLS, proc2_ok);
  check2("enable VPID with VPID 0", SECONDARY_CONTROLS, PROC2_VPID, VPID, 0, "26.2.1.1 VPID");
  uint64_t eptp = ept_identity_map();
  check2("enable EPT with a page-walk length of 2", SECONDARY_CONTROLS, PROC2_EPT, EPT_POINTER, (eptp & ~0x38ull) | (1 << 3), "26.2.1.1 EPT pointer");
  check2("enable EPT with an uncacheable-but-reserved memory type 2", SECONDARY_CONTROLS, PROC2_EPT, EPT_POINTER, (eptp & ~7ull) | 2, "26.2.1.1 EPT pointer");
  check("unrestricted guest without EPT", SECONDARY_CONTROLS, PROC2_UNRESTRICTED, "26.2.1.1 unrestricted guest");
  vmwrite(PROC_CONTROLS, proc);
  uint64_t exitc = vmread(EXIT_CONTROLS), entryc = vmread(ENTRY_CONTROLS);
  check("save VMX-preemption timer value without the timer", EXIT_CONTROLS, exitc | EXIT_SAVE_PREEMPTION, "26.2.1.2 VM-exit controls");
  check2("VM-exit MSR-store list not 16-byte aligned", EXIT_MSR_STORE_COUNT, 1, EXIT_MSR_STORE_ADDR, (uint64_t)(uintptr_t)msr_list + 8, "26.2.1.2 VM-exit MSR-store address");
  check("VM-exit controls default1 bit 0 cleared", EXIT_CONTROLS, exitc & ~1ull, "26.2.1.2 reserved bits (IA32_VMX_TRUE_EXIT_CTLS)");
  check("entry to SMM outside SMM", ENTRY_CONTROLS, entryc | ENTRY_SMM, "26.2.1.3 VM-entry controls");
  check("event injection of reserved type 1", ENTRY_INTR_INFO, 0x80000100ull | 0x20, "26.2.1.3 VM-entry interruption-information");
  check("event injection of an NMI with vector 3", ENTRY_INTR_INFO, 0x80000203ull, "26.2.1.3 VM-entry interruption-information");
  check("event injection of #GP without an error code", ENTRY_INTR_INFO, 0x8000030dull, "26.2.1.3 deliver-error-code bit");
  check("event injection of #UD with an error code", ENTRY_INTR_INFO, 0x80000806ull | 0x300, "26.2.1.3 deliver-error-code bit");
  check2("event injection of INT 0x30 with instruction length 16", ENTRY_INTR_INFO, 0x80000430ull, ENTRY_INSTR_LEN, 16, "26.2.1.3 VM-entry instruction length");
  check2("VM-entry MSR-load list not 16-byte aligned", ENTRY_MSR_LOAD_COUNT, 1, ENTRY_MSR_LOAD_ADDR, (uint64_t)(uintptr_t)msr_list + 4, "26.2.1.3 VM-entry MSR-load address");

  /* ---- 26.2.2 - 26.2.4 checks on the host-state area: VMfailValid(8) ---- */
  uint64_t hcr0 = vmread(HOST_CR0);
  check("host CR0.PE cleared (IA32_VMX_CR0_FIXED0)", HOST_CR0, hcr0 & ~1ull, "26.2.2 host control registers");
  check("host CR4.VMXE cleared (IA32_VMX_CR4_FIXED0)", HOST_CR4, vmread(HOST_CR4) & ~(1ull << 13), "26.2.2 host control registers");
  check("host CR3 beyond the physical-address width", HOST_CR3, vmread(HOST_CR3) | (1ull << 60), "26.2.2 host control registers");
  check("host IA32_SYSENTER_EIP non-canonical", HOST_SYSENTER_EIP, 0x0000800000000000ull, "26.2.2 host MSRs");
  check("host DS selector with RPL 3", HOST_DS_SEL, 0x13, "26.2.3 host selector fields");
  check("host CS selector 0000H", HOST_CS_SEL, 0, "26.2.3 host selector fields");
  check("host TR selector 0000H", HOST_TR_SEL, 0, "26.2.3 host selector fields");
  check("host GS base non-canonical", HOST_GS_BASE, 0x0000900000000000ull, "26.2.3 host base-address fields");
  check("host address-space size 0 on a processor in IA-32e mode", EXIT_CONTROLS, exitc & ~(uint64_t)EXIT_HOST_64, "26.2.4 address-space size");
  check("host RIP non-canonical", HOST_RIP, 0x0000800000000000ull, "26.2.4 address-space size");

  /* ---- 26.3.1 checks on the guest-state area: VM-entry failure, reason 33 ---- */
  uint64_t gcr0 = vmread(GUEST_CR0);
  check("guest CR0.PE cleared without unrestricted guest", GUEST_CR0, gcr0 & ~1ull, "26.3.1.1 guest control registers");
  check("guest CR4.PAE cleared in an IA-32e mode guest", GUEST_CR4, vmread(GUEST_CR4) & ~(1ull << 5), "26.3.1.1 guest control registers");
  check("guest IA32_SYSENTER_ESP non-canonical", GUEST_SYSENTER_ESP, 0x0000800000000000ull, "26.3.1.1 guest MSRs");
  check("guest CS type 3 (data) without unrestricted guest", GUEST_CS_AR, 0xa093, "26.3.1.2 guest CS access rights");
  check("guest SS.RPL different from CS.RPL", GUEST_SS_SEL, 0x13, "26.3.1.2 guest selectors");
  check("guest DS not accessed (type 2)", GUEST_DS_AR, 0xc092, "26.3.1.2 guest data-segment access rights");
  check("guest CS limit FFFFFFFFH with G = 0", GUEST_CS_AR, 0x209b, "26.3.1.2 limit and granularity");
  check("guest TR type 3 (16-bit busy TSS) in an IA-32e mode guest", GUEST_TR_AR, 0x83, "26.3.1.2 guest TR");
  check("guest LDTR usable with type 3", GUEST_LDTR_AR, 0x83, "26.3.1.2 guest LDTR");
  check("guest GDTR limit bits 31:16 set", GUEST_GDTR_LIMIT, 0x10000, "26.3.1.3 guest descriptor-table registers");
  check("guest RFLAGS bit 1 cleared", GUEST_RFLAGS, 0, "26.3.1.4 guest RFLAGS");
  check("guest RFLAGS reserved bit 15 set", GUEST_RFLAGS, 0x8002, "26.3.1.4 guest RFLAGS");
  check2("injecting an external interrupt with RFLAGS.IF = 0", ENTRY_INTR_INFO, 0x80000030ull, GUEST_RFLAGS, 0x2, "26.3.1.4 guest RFLAGS");
  check("guest activity state 4", GUEST_ACTIVITY, 4, "26.3.1.5 activity state");
  check2("blocking by STI with RFLAGS.IF = 0", GUEST_INTERRUPTIBILITY, 1, GUEST_RFLAGS, 0x2, "26.3.1.5 interruptibility state");
  check("blocking by STI and by MOV SS together", GUEST_INTERRUPTIBILITY, 3, "26.3.1.5 interruptibility state");
  check("pending debug exceptions reserved bit 4", GUEST_PENDING_DEBUG, 0x10, "26.3.1.5 pending debug exceptions");
  check("VMCS link pointer not 4-KiB aligned", VMCS_LINK_POINTER, vmcs + 0x800, "26.3.1.5 VMCS link pointer (qualification 4)");

  /* ---- 26.4 loading MSRs: VM-entry failure, reason 34, qualification = failing entry ---- */
  msr_list[0][0] = 0xc0000102; msr_list[0][1] = 0; /* IA32_KERNEL_GS_BASE: fine */
  msr_list[1][0] = 0xc0000100; msr_list[1][1] = 0; /* IA32_FS_BASE: not allowed in the list */
  check2("VM-entry MSR-load of IA32_FS_BASE as entry 2", ENTRY_MSR_LOAD_COUNT, 2, ENTRY_MSR_LOAD_ADDR, (uint64_t)(uintptr_t)msr_list, "26.4 Loading MSRs");
  msr_list[0][0] = 0x100000102ull; /* reserved bits 63:32 of the index word */
  check2("VM-entry MSR-load entry with reserved bits set", ENTRY_MSR_LOAD_COUNT, 1, ENTRY_MSR_LOAD_ADDR, (uint64_t)(uintptr_t)msr_list, "26.4 Loading MSRs");
  msr_list[0][0] = 0x808; /* an x2APIC MSR */
  check2("VM-entry MSR-load of the x2APIC TPR MSR", ENTRY_MSR_LOAD_COUNT, 1, ENTRY_MSR_LOAD_ADDR, (uint64_t)(uintptr_t)msr_list, "26.4 Loading MSRs");

  rt_printf("good VMCS again: %s  [SDM 26 VM Entries]\n", try_launch());
  rt_printf("vmx_entry_checks: done\n");
  return 0;
}
