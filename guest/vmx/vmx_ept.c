/*
 * EPT (1 core; SDM Vol. 3C §28.2 "The Extended Page Table Mechanism"): a
 * guest on an identity EPT map (4-level, 2-MiB pages, split into 4-KiB pages
 * where a test needs one; EPTP with accessed/dirty flags, VPID on) touches
 * pages whose EPT entries deny the access. Each EPT violation is printed
 * with its exit qualification (Table 27-7: bit 0 read, 1 write, 2 fetch,
 * 5:3 the R/W/X permissions of the translation, 7 guest-linear address
 * valid, 8 access to the page rather than a paging-structure entry) and its
 * guest-physical and guest-linear addresses; the host then grants the
 * access, runs INVEPT and resumes, and the instruction completes. Also: an
 * EPT misconfiguration (write without read, §28.2.3.1), EPT accessed and
 * dirty flags (§28.2.4), and the guest's own paging-structure accesses
 * counting as writes when those flags are on.
 */
#include "vmx.h"

static uint8_t guest_stack[16384] __attribute__((aligned(16)));
static uint8_t ro_page[4096] __attribute__((aligned(4096)));
static uint8_t np_page[4096] __attribute__((aligned(4096)));
static uint8_t xn_page[4096] __attribute__((aligned(4096)));
static uint8_t mis_page[4096] __attribute__((aligned(4096)));
static uint8_t ad_page[4096] __attribute__((aligned(4096)));
static volatile uint64_t sink;
/* A guest-physical 2-MiB region the identity map sends elsewhere: EPT maps it onto the local APIC's page. */
#define APIC_ALIAS 0xC0000000ul

static void step(uint64_t n) { guest_vmcall(n); }

static void guest_main(void) {
  step(1); sink = ro_page[0]; ro_page[16] = 1;          /* read allowed, write denied */
  step(2); sink = np_page[8];                           /* not present */
  step(3); ((void (*)(void))(uintptr_t)xn_page)();      /* fetch from a page without X */
  step(4); sink = mis_page[0];                          /* misconfigured: write without read */
  step(5); sink = ad_page[0]; step(6); ad_page[1] = 2; step(7);   /* EPT accessed and dirty flags */
  step(8); sink = ro_page[32];                          /* the walk hits a write-protected page directory */
  step(9);
  /* The local APIC's page reached at another guest-physical address through EPT (as Shinjuku's dispatcher
   * reaches it, paper §3.2): the ID register, then a self-IPI written to the real ICR. */
  sink = *(volatile uint32_t *)(uintptr_t)(APIC_ALIAS + LAPIC_ID);
  *(volatile uint32_t *)(uintptr_t)(APIC_ALIAS + LAPIC_ICR_LO) = ICR_SELF | 0x4a;
  step(10);
}
static void guest_entry(void) { guest_main(); for (;;) step(99); }

static struct vcpu v;

static uint64_t next_step(void) {
  int r = vmx_run(&v);
  if (r != 0 || exit_reason() != EXIT_VMCALL) { rt_printf("expected a step VMCALL, got %s reason %u\n", vmx_outcome(r), exit_reason()); rt_exit(1); }
  vmx_skip_instruction();
  return v.rax;
}

static void invept_all(void) { uint64_t d[2] = { 0, 0 }; invept(2, d); }

static void violation(const char *what, uint64_t want_gpa, uint64_t want_gla, const char *sdm) {
  int r = vmx_run(&v);
  uint32_t reason = r == 0 ? exit_reason() : 0;
  rt_printf("%s: reason %u, qualification 0x%lx, GPA %s, GLA %s  [SDM %s]\n", what, reason,
            (unsigned long)vmread(EXIT_QUALIFICATION),
            vmread(GUEST_PHYSICAL_ADDRESS) == want_gpa ? "the access" : "other",
            reason == EXIT_EPT_MISCONFIG ? "undefined" : vmread(GUEST_LINEAR_ADDRESS) == want_gla ? "the access" : "other", sdm);
}

int test_main(void) {
  vmx_cpu_init(0);
  vmx_catch_faults();
  vmx_enable(0);
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest_entry, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  uint64_t eptp = ept_identity_map();
  uint64_t *ro = ept_split_4k((uint64_t)(uintptr_t)ro_page);
  uint64_t *np = ept_split_4k((uint64_t)(uintptr_t)np_page);
  uint64_t *xn = ept_split_4k((uint64_t)(uintptr_t)xn_page);
  uint64_t *mis = ept_split_4k((uint64_t)(uintptr_t)mis_page);
  uint64_t *ad = ept_split_4k((uint64_t)(uintptr_t)ad_page);
  *ro &= ~2ull;        /* R-X */
  *np &= ~7ull;        /* not present */
  *xn &= ~4ull;        /* RW- */
  /* xn_page: mov $77, %eax; vmcall; ret */
  static const uint8_t code[] = { 0xb8, 77, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3 };
  for (unsigned i = 0; i < sizeof code; i++) xn_page[i] = code[i];
  vmwrite(EPT_POINTER, eptp);
  vmwrite(VPID, 1);
  vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) | PROC_SECONDARY);
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_VPID));
  invept_all();

  next_step();  /* step 1; its read goes through, its write exits */
  violation("write to an EPT read/execute page", (uint64_t)(uintptr_t)&ro_page[16], (uint64_t)(uintptr_t)&ro_page[16], "28.2.3.2 EPT violations; Table 27-7");
  *ro |= 2;
  invept_all();
  rt_printf("  after granting write and INVEPT the write completes: %s  [SDM 28.3.3.4 INVEPT]\n", next_step() == 2 && ro_page[16] == 1 ? "yes" : "no");

  violation("read of an EPT not-present page", (uint64_t)(uintptr_t)&np_page[8], (uint64_t)(uintptr_t)&np_page[8], "28.2.3.2 EPT violations; Table 27-7");
  *np |= 7;
  invept_all();
  rt_printf("  after granting read the guest goes on: %s\n", next_step() == 3 ? "yes" : "no");

  violation("instruction fetch from an EPT page without execute", (uint64_t)(uintptr_t)xn_page, (uint64_t)(uintptr_t)xn_page, "28.2.3.2 EPT violations; Table 27-7");
  *xn |= 4;
  invept_all();
  rt_printf("  after granting execute the page runs (VMCALL 77 from it): %s\n", next_step() == 77 ? "yes" : "no");
  rt_printf("  and returns: %s\n", next_step() == 4 ? "yes" : "no");

  *mis = (*mis & ~7ull) | 2;  /* write-only: a misconfiguration */
  invept_all();
  violation("read of a page whose EPT entry is write-only", (uint64_t)(uintptr_t)mis_page, 0, "28.2.3.1 EPT misconfigurations");
  *mis |= 7;
  invept_all();
  rt_printf("  after fixing the entry the guest goes on: %s\n", next_step() == 5 ? "yes" : "no");

  *ad &= ~((1ull << 8) | (1ull << 9));
  invept_all();
  next_step(); /* step 6: after the read */
  rt_printf("EPT PTE after a read: accessed %lu, dirty %lu  [SDM 28.2.4 accessed and dirty flags]\n", (unsigned long)((*ad >> 8) & 1), (unsigned long)((*ad >> 9) & 1));
  next_step(); /* step 7: after the write */
  rt_printf("EPT PTE after a write: accessed %lu, dirty %lu  [SDM 28.2.4 accessed and dirty flags]\n", (unsigned long)((*ad >> 8) & 1), (unsigned long)((*ad >> 9) & 1));

  /* The guest's page directory (found from CR3): its EPT entry read/execute only. With EPT A/D flags on,
   * the guest's paging-structure accesses are writes, so the next walk (the first fetch after INVEPT) exits. */
  uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
  uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
  uint64_t pd = pdpt[0] & 0x000ffffffffff000ull;
  uint64_t *pde_ept = ept_split_4k(pd);
  *pde_ept &= ~2ull;
  invept_all();
  uint64_t rip = vmread(GUEST_RIP);
  violation("guest page walk through a read/execute EPT page (A/D flags on)", pd + ((rip >> 21) & 511) * 8, rip, "28.2.4 guest paging-structure accesses are writes; Table 27-7 bit 8 = 0");
  *pde_ept |= 2;
  invept_all();
  rt_printf("  after granting write the guest goes on: %s\n", next_step() == 8 ? "yes" : "no");
  rt_printf("  step 9: %s\n", next_step() == 9 ? "yes" : "no");
  *ept_pde(APIC_ALIAS) = LAPIC_BASE | 7 | (1ull << 7); /* 2 MiB at 0xC0000000 -> 0xFEE00000, uncached */
  invept_all();
  lapic_enable();
  int reached = next_step() == 10;
  lapic_wait_idle();
  int requested = 0;
  for (int i = 0; i < 100000 && !requested; i++) requested = lapic_vec_bit(LAPIC_IRR0, 0x4a);
  rt_printf("guest writes through EPT onto the local APIC page: step 10 reached %s, ID read is the APIC's: %s, self-IPI 0x4a requested %d  [SDM 28.2 EPT; 10.6.1 ICR]\n",
            reached ? "yes" : "no", sink == lapic_read(LAPIC_ID) && (sink >> 24) == lapic_id() ? "yes" : "no", requested);
  rt_printf("vmx_ept: done\n");
  return 0;
}
