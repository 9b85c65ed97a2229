/*
 * Floating-point and extended state in VMX non-root operation (1 core). The
 * guest runs with the host's CR0 and CR4 (OSFXSR, OSXSAVE, as rt's start-up
 * set them, copied into the guest-state area) and XCR0, which VM entry and
 * exit neither load nor save (it is in neither state area), so it
 * can use SSE and XGETBV; the instructions that change that state exit or
 * follow the guest/host masks (SDM Vol. 3C ch. 25 "VMX Non-Root Operation",
 * ch. 27 "VM Exits"):
 *   1  SSE arithmetic and XGETBV in the guest: no exit (§25.1: neither is listed)
 *   2  XSETBV exits unconditionally (§25.1.2; reason 55, Appendix C)
 *   3  CLTS with CR0.TS guest-owned (mask bit 3 = 0) clears CR0.TS (§25.3)
 *   4  CLTS with mask bit 3 = 1 and read-shadow bit 3 = 0 leaves CR0.TS alone (§25.3)
 *   5  CLTS with mask and read-shadow bit 3 = 1 exits: CR access, type 2 (§25.1.3, Table 27-3)
 *   6  INT1 (ICEBP) with exception-bitmap bit 1: a privileged software
 *      exception, interruption type 5, with its instruction length (§25.2,
 *      §27.2.2, §27.2.4)
 */
#include "vmx.h"

static uint8_t guest_stack[16384] __attribute__((aligned(16)));

/* What the guest computed (written in non-root operation, printed by the host). */
static volatile double g_a = 1.5, g_b = 2.25, g_c = -0.125, g_result;
static volatile uint64_t g_xcr0;
extern const char g_icebp[];

static void step(uint64_t n) { guest_vmcall(n); }

static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static void guest_main(void) {
  step(1); g_result = g_a * g_b + g_c; g_xcr0 = xgetbv0();   /* SSE2 MULSD/ADDSD, XGETBV: no exit */
  step(2); {
    uint64_t x = xgetbv0();
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)x), "d"((uint32_t)(x >> 32)));  /* exits */
  }
  step(3); __asm__ volatile("clts");                          /* TS guest-owned: cleared */
  step(4); __asm__ volatile("clts");                          /* mask 1, shadow 0: unchanged */
  step(5); __asm__ volatile("clts");                          /* mask 1, shadow 1: exit */
  step(6); __asm__ volatile(".globl g_icebp\ng_icebp: .byte 0xf1");  /* INT1 */
}

static void guest_entry(void) { guest_main(); for (;;) step(99); }

static struct vcpu v;

static uint64_t next_step(void) {
  if (vmx_run(&v) != 0 || exit_reason() != EXIT_VMCALL) {
    rt_printf("expected a step VMCALL, got reason %u\n", exit_reason());
    rt_exit(1);
  }
  vmx_skip_instruction();
  return v.rax;
}

static void expect_exit(uint32_t reason, const char *what, const char *sdm) {
  int r = vmx_run(&v);
  if (r != 0) { rt_printf("%s: entry %s\n", what, vmx_outcome(r)); rt_exit(1); }
  if (exit_reason() != reason) rt_printf("%s: unexpected reason %u (wanted %u)\n", what, exit_reason(), reason);
  rt_printf("%s: reason %u, qualification 0x%lx, length %lu, interruption info 0x%lx  [SDM %s]\n", what,
            exit_reason(), (unsigned long)vmread(EXIT_QUALIFICATION), (unsigned long)vmread(EXIT_INSTR_LEN),
            (unsigned long)vmread(EXIT_INTR_INFO), sdm);
}

#define CR0_TS (1u << 3)

static unsigned guest_ts(void) { return (unsigned)((vmread(GUEST_CR0) >> 3) & 1); }

int test_main(void) {
  vmx_cpu_init(0);
  vmx_catch_faults();
  vmx_enable(0);
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest_entry, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  uint64_t host_xcr0 = xgetbv0();

  /* 1: SSE and XGETBV in the guest */
  next_step();
  next_step();
  rt_printf("SSE in the guest: 1.5 * 2.25 - 0.125 = %ld/1000; guest XGETBV = host XCR0: %s  [SDM 25.1; XCR0 is in neither the guest- nor the host-state area, 24.4-24.5]\n",
            (long)(g_result * 1000), g_xcr0 == host_xcr0 ? "yes" : "no");

  /* 2: XSETBV */
  expect_exit(55, "XSETBV", "25.1.2 unconditional exits; Appendix C reason 55");
  rt_printf("  guest ECX %lu, EDX:EAX = XCR0: %s\n", (unsigned long)v.rcx,
            (((v.rdx & 0xffffffffu) << 32) | (v.rax & 0xffffffffu)) == host_xcr0 ? "yes" : "no");
  vmx_skip_instruction();

  /* 3: CLTS, CR0.TS guest-owned */
  next_step();
  vmwrite(CR0_MASK, 0);
  vmwrite(GUEST_CR0, vmread(GUEST_CR0) | CR0_TS);
  next_step();
  rt_printf("CLTS with CR0 mask bit 3 = 0: guest CR0.TS %u -> %u  [SDM 25.3 CLTS]\n", 1u, guest_ts());

  /* 4: mask 1, shadow 0 */
  vmwrite(CR0_MASK, CR0_TS);
  vmwrite(CR0_SHADOW, vmread(GUEST_CR0) & ~(uint64_t)CR0_TS);
  vmwrite(GUEST_CR0, vmread(GUEST_CR0) | CR0_TS);
  next_step();
  rt_printf("CLTS with CR0 mask bit 3 = 1, read shadow bit 3 = 0: guest CR0.TS stays %u  [SDM 25.3 CLTS]\n", guest_ts());

  /* 5: mask 1, shadow 1 */
  vmwrite(CR0_SHADOW, vmread(CR0_SHADOW) | CR0_TS);
  expect_exit(EXIT_CR, "CLTS with CR0 mask and read shadow bit 3 = 1", "25.1.3; Table 27-3 (CR 0, type 2 CLTS)");
  rt_printf("  guest CR0.TS at the exit: %u\n", guest_ts());
  vmx_skip_instruction();
  vmwrite(CR0_MASK, 0);
  vmwrite(GUEST_CR0, vmread(GUEST_CR0) & ~(uint64_t)CR0_TS);

  /* 6: INT1 with exception-bitmap bit 1 */
  next_step();
  vmwrite(EXCEPTION_BITMAP, 1u << 1);
  expect_exit(EXIT_EXCEPTION, "INT1 with exception-bitmap bit 1", "25.2; 27.2.2 interruption information (type 5); 27.2.4 length");
  rt_printf("  guest RIP saved at the INT1: %s  [SDM 27.2.4 privileged software exception]\n",
            vmread(GUEST_RIP) == (uint64_t)(uintptr_t)g_icebp ? "yes" : "no");
  vmwrite(EXCEPTION_BITMAP, 0);

  rt_printf("vmx_fpstate: done\n");
  return 0;
}
