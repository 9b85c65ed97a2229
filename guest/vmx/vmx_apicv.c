/*
 * APIC virtualization (1 core; SDM Vol. 3C ch. 29 "APIC Virtualization and
 * Virtual Interrupts"): TPR shadow and TPR threshold (§29.1.2, §29.3 CR8),
 * the APIC-access page with and without APIC-register virtualization
 * (§29.4: virtualized reads, APIC-access exits with their qualification,
 * APIC-write exits), virtualize x2APIC mode (§29.5), virtual-interrupt
 * delivery with RVI/SVI/VPPR (§29.2), EOI virtualization with the EOI-exit
 * bitmap (§29.1.4) and self-IPI virtualization (§29.1.5). The guest reports
 * what it sees through its IDT handlers; the host prints exits and the
 * guest interrupt status.
 */
#include "vmx.h"

static uint8_t guest_stack[16384] __attribute__((aligned(16)));
static uint8_t vapic[4096] __attribute__((aligned(4096)));
static uint8_t apic_access[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static volatile uint64_t g_val, g_vectors[8], g_nvec, g_isr_seen;
static volatile uint32_t *const aa32 = (volatile uint32_t *)apic_access;

static void step(uint64_t n) { guest_vmcall(n); }
static uint32_t vreg(unsigned off) { return *(volatile uint32_t *)&vapic[off]; }
static void set_vreg(unsigned off, uint32_t v) { *(volatile uint32_t *)&vapic[off] = v; }

/* A virtual interrupt's handler in the guest: record the vector and the virtual ISR as RDMSR sees it, then EOI (80BH). */
static void guest_vintr(struct irq_frame *f) {
  g_vectors[g_nvec++ & 7] = f->vector;
  g_isr_seen = rdmsr(0x810 + (unsigned)(f->vector >> 5)) >> (f->vector & 31) & 1;
  wrmsr(0x80b, 0);
}

static void guest_main(void) {
  step(1); __asm__ volatile("mov %0, %%cr8" : : "r"(5ul));        /* TPR shadow: VTPR = 0x50, threshold 3: no exit */
           __asm__ volatile("mov %0, %%cr8" : : "r"(2ul));        /* below the threshold: TPR-below-threshold exit */
           { uint64_t c8; __asm__ volatile("mov %%cr8, %0" : "=r"(c8)); g_val = c8; }
  step(2); g_val = aa32[0x80 / 4];                                /* APIC-access page, TPR: virtualized read */
           g_val = aa32[0x20 / 4];                                /* ID without APIC-register virtualization: exit */
           aa32[0x80 / 4] = 0x10;                                 /* TPR write: virtualized, then TPR virtualization exit */
           aa32[0x320 / 4] = 0x10040;                             /* LVT timer write: APIC-access exit */
  step(3); g_val = aa32[0x20 / 4];                                /* APIC-register virtualization: ID from the virtual-APIC page */
           g_val = aa32[0xa0 / 4];                                /* PPR: not virtualized, exit */
           aa32[0x320 / 4] = 0x10041;                             /* LVT timer: stored, then an APIC-write exit */
  step(4); __asm__ volatile("sti; nop; nop; cli");                 /* RVI 0x50 from VM entry: delivered */
  step(5); g_val = rdmsr(0x802);                                  /* x2APIC ID, virtualized */
           __asm__ volatile("sti");
           wrmsr(0x83f, 0x51);                                    /* self-IPI virtualization: delivered at once */
           wrmsr(0x83f, 0x62);                                    /* EOI-exit bitmap bit: EOI-induced exit after the handler's EOI */
           __asm__ volatile("cli");
  step(6); wrmsr(0x808, 0x60);                                    /* VTPR 0x60: VPPR 0x60 */
           __asm__ volatile("sti");
           wrmsr(0x83f, 0x55);                                    /* class 5 <= 6: recognized later, not now */
           __asm__ volatile("cli");
  step(7); __asm__ volatile("sti");
           wrmsr(0x808, 0);                                       /* TPR virtualization re-evaluates: 0x55 is delivered */
           __asm__ volatile("cli");
  step(8);
}
static void guest_entry(void) { guest_main(); for (;;) step(99); }

static struct vcpu v;

static uint64_t next_step(void) {
  int r = vmx_run(&v);
  if (r != 0 || exit_reason() != EXIT_VMCALL) { rt_printf("expected a step VMCALL, got %s reason %u\n", vmx_outcome(r), exit_reason()); rt_exit(1); }
  vmx_skip_instruction();
  return v.rax;
}

static void expect_exit(uint32_t reason, const char *what, const char *sdm) {
  int r = vmx_run(&v);
  rt_printf("%s: reason %u, qualification 0x%lx  [SDM %s]\n", what, r == 0 ? exit_reason() : 0, (unsigned long)vmread(EXIT_QUALIFICATION), sdm);
  if (r != 0 || exit_reason() != reason) rt_exit(1);
}

static void status(const char *when) {
  uint64_t s = vmread(GUEST_INTR_STATUS);
  rt_printf("  %s: RVI 0x%lx, SVI 0x%lx, VPPR 0x%x  [SDM 29.1.1 virtual-APIC state]\n", when, (unsigned long)(s & 0xff), (unsigned long)(s >> 8), vreg(0xa0));
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
  uint32_t proc = (uint32_t)vmread(PROC_CONTROLS);
  vmwrite(VIRTUAL_APIC_PAGE, (uint64_t)(uintptr_t)vapic);
  vmwrite(APIC_ACCESS_ADDR, (uint64_t)(uintptr_t)apic_access);
  set_vreg(0x80, 0x70);

  /* 1: TPR shadow, threshold 3 (VM entry requires threshold <= VTPR[7:4] without APIC-access virtualization) */
  vmwrite(TPR_THRESHOLD, 3);
  vmwrite(PROC_CONTROLS, proc | PROC_TPR_SHADOW);
  next_step();
  expect_exit(EXIT_TPR, "MOV to CR8 below the TPR threshold", "29.3 CR8 virtualization; 29.1.2 TPR virtualization (trap-like)");
  rt_printf("  VTPR after MOV CR8, 2: 0x%x\n", vreg(0x80));
  vmwrite(TPR_THRESHOLD, 0); /* else VM entry fails: the threshold may not exceed VTPR[7:4] (26.2.1.1) */
  rt_printf("  resumed without skipping, the guest reaches its next step (the exit was trap-like): %s\n", next_step() == 2 ? "yes" : "no");
  rt_printf("  MOV from CR8 read VTPR[7:4]: %lu  [SDM 29.3]\n", (unsigned long)g_val);

  /* 2: virtualize APIC accesses, no APIC-register virtualization */
  vmwrite(PROC_CONTROLS, proc | PROC_TPR_SHADOW | PROC_SECONDARY);
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, PROC2_APIC_ACCESS));
  vmwrite(TPR_THRESHOLD, 0);
  set_vreg(0x80, 0x40);
  expect_exit(EXIT_APIC_ACCESS, "read of the APIC-access page at 20H (ID)", "29.4.2 virtualizing reads; Table 27-6 (offset, type 0 linear read)");
  rt_printf("  the TPR read before it returned VTPR: 0x%lx  [SDM 29.4.2]\n", (unsigned long)g_val);
  vmx_skip_instruction();
  vmwrite(TPR_THRESHOLD, 2);
  expect_exit(EXIT_TPR, "write of 10H to the APIC-access page at 80H (TPR)", "29.4.3 virtualizing writes; 29.1.2 TPR virtualization");
  rt_printf("  VTPR after the write: 0x%x\n", vreg(0x80));
  vmwrite(TPR_THRESHOLD, 0);
  expect_exit(EXIT_APIC_ACCESS, "write to the APIC-access page at 320H (LVT timer)", "29.4.3; Table 27-6 (type 1 linear write)");
  vmx_skip_instruction();

  /* 3: APIC-register virtualization */
  next_step();
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, PROC2_APIC_ACCESS | PROC2_APIC_REG_VIRT));
  set_vreg(0x20, 0x0a000000);
  expect_exit(EXIT_APIC_ACCESS, "read of PPR (A0H) with APIC-register virtualization", "29.4.2: PPR is not virtualized");
  rt_printf("  the ID read before it came from the virtual-APIC page: 0x%lx  [SDM 29.4.2]\n", (unsigned long)g_val);
  vmx_skip_instruction();
  expect_exit(EXIT_APIC_WRITE, "write to 320H (LVT timer) with APIC-register virtualization", "29.4.3.2 APIC-write emulation (trap-like)");
  rt_printf("  the virtual-APIC page holds the write: 0x%x  [SDM 29.4.3.1]\n", vreg(0x320));

  /* 4: virtual-interrupt delivery with virtualize x2APIC mode: RVI from VM entry */
  next_step();
  for (unsigned i = 0; i < sizeof msr_bitmap; i++) msr_bitmap[i] = 0;
  vmwrite(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
  vmwrite(PROC_CONTROLS, proc | PROC_TPR_SHADOW | PROC_SECONDARY | PROC_MSR_BITMAPS);
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, PROC2_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VID));
  vmwrite(PIN_CONTROLS, vmread(PIN_CONTROLS) | PIN_EXT_INTR);
  for (unsigned v2 = 0x50; v2 < 0x70; v2++) idt_set_handler(v2, guest_vintr);
  set_vreg(0x80, 0);
  set_vreg(0x200 + (0x50 >> 5) * 16, 1u << (0x50 & 31)); /* VIRR bit 0x50 */
  vmwrite(GUEST_INTR_STATUS, 0x50);                      /* RVI = 0x50, SVI = 0 */
  vmwrite(EOI_EXIT_BITMAP0 + 2 * (0x62 >> 6), 1ull << (0x62 & 63));
  next_step();
  rt_printf("virtual interrupt 0x50 from RVI at VM entry: delivered %lu time(s), vector 0x%lx, VISR bit seen in the handler %lu  [SDM 29.2.2 delivery]\n",
            (unsigned long)g_nvec, (unsigned long)g_vectors[0], (unsigned long)g_isr_seen);
  status("after its virtualized EOI");

  /* 5: self-IPI virtualization and the EOI-exit bitmap */
  expect_exit(EXIT_EOI, "EOI of vector 0x62 with its EOI-exit bitmap bit set", "29.1.4 EOI virtualization: EOI-induced exit, qualification = vector");
  rt_printf("  x2APIC ID read (802H, APIC-register virtualization): 0x%lx  [SDM 29.5]\n", (unsigned long)g_val);
  rt_printf("  vectors delivered so far: 0x%lx 0x%lx 0x%lx  [SDM 29.1.5 self-IPI virtualization]\n",
            (unsigned long)g_vectors[0], (unsigned long)g_vectors[1], (unsigned long)g_vectors[2]);
  status("at the EOI-induced exit");

  /* 6: VPPR blocks a lower class; 7: lowering VTPR delivers it */
  next_step();
  next_step();
  rt_printf("self-IPI 0x55 with VTPR 0x60: delivered %s  [SDM 29.2.1 evaluation: RVI[7:4] > VPPR[7:4]]\n", g_nvec == 3 ? "no" : "yes");
  status("pending");
  next_step();
  rt_printf("after VTPR 0: vector 0x%lx delivered  [SDM 29.1.2 TPR virtualization re-evaluates]\n", (unsigned long)g_vectors[3]);
  status("done");
  rt_printf("vmx_apicv: done\n");
  return 0;
}
