/*
 * Posted interrupts (2 cores; SDM Vol. 3C §29.6 "Posted-Interrupt
 * Processing"; checked on the Bochs 3.0 build, which implements them), with
 * the VMCS configured as Dune's kern/vmx.c does: external-interrupt exiting,
 * "process posted interrupts" with notification vector F2H, acknowledge
 * interrupt on exit, TPR shadow, virtualize x2APIC mode, APIC-register
 * virtualization, virtual-interrupt delivery, and an MSR bitmap that passes
 * only the x2APIC ID (802H) read and EOI (80BH) write through.
 *
 *  - the VM-entry checks for posted interrupts (§26.2.1.1), each VMfailValid(7);
 *  - core 0 posts a vector into the descriptor of core 1's running guest
 *    (locked BTS of the PIR bit and of ON, then an IPI with F2H to core 1's
 *    APIC): core 1 processes it without a VM exit and its guest takes the
 *    vector through its IDT; afterwards ON and PIR are clear;
 *  - a vector other than F2H still causes an external-interrupt exit;
 *  - the monitor trap flag (§25.5.2) and an external-interrupt exit from the
 *    HLT activity state (§27.3.4 saves HLT as the activity state).
 */
#include "vmx.h"

#define NV 0xF2
#define VEC 0x45

struct pid { uint32_t pir[8]; uint32_t on; uint32_t rest[7]; } __attribute__((aligned(64)));
static struct pid pid1;
static uint8_t vapic1[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t stack0[16384] __attribute__((aligned(16)));
static uint8_t stack1[16384] __attribute__((aligned(16)));

static volatile uint64_t core1_apic_id, guest1_ready, guest1_got, guest1_vector, core1_exits, core1_exit_reason, core1_done;
static volatile uint64_t go_second;

/* ---------- core 1's guest: wait for posted interrupts ---------- */
static void guest1_handler(struct irq_frame *f) {
  guest1_vector = f->vector;
  guest1_got++;
  wrmsr(0x80b, 0); /* virtualized EOI (passed through by the MSR bitmap) */
}

static void guest1_entry(void) {
  __asm__ volatile("sti");
  guest1_ready = 1;
  while (guest1_got < 1) __asm__ volatile("pause");
  guest1_ready = 2;
  while (guest1_got < 2 && go_second < 2) __asm__ volatile("pause");
  for (;;) guest_vmcall(0x99);
}

/* The Dune-style configuration of a posted-interrupt VMCS on top of vmcs_init_guest. */
static void configure_posted(struct pid *p, uint8_t *vapic) {
  vmwrite(PIN_CONTROLS, adjust_controls(MSR_VMX_TRUE_PINBASED, PIN_EXT_INTR | PIN_POSTED_INTR));
  vmwrite(PROC_CONTROLS, adjust_controls(MSR_VMX_TRUE_PROCBASED, PROC_TPR_SHADOW | PROC_MSR_BITMAPS | PROC_SECONDARY));
  vmwrite(SECONDARY_CONTROLS, adjust_controls(MSR_VMX_PROCBASED2, PROC2_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VID));
  vmwrite(EXIT_CONTROLS, adjust_controls(MSR_VMX_TRUE_EXIT, EXIT_HOST_64 | EXIT_ACK_INTR));
  vmwrite(POSTED_INTR_NV, NV);
  vmwrite(POSTED_INTR_DESC, (uint64_t)(uintptr_t)p);
  vmwrite(VIRTUAL_APIC_PAGE, (uint64_t)(uintptr_t)vapic);
  vmwrite(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
  vmwrite(GUEST_INTR_STATUS, 0);
  vmwrite(EOI_EXIT_BITMAP0, 0); vmwrite(EOI_EXIT_BITMAP1, 0); vmwrite(EOI_EXIT_BITMAP2, 0); vmwrite(EOI_EXIT_BITMAP3, 0);
}

static void core1_main(void) {
  vmx_cpu_init(1);
  lapic_enable();
  core1_apic_id = lapic_id();
  vmx_enable(1);
  uint64_t vmcs = vmcs_region(1, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(1, guest1_entry, (uint64_t)(uintptr_t)(stack1 + sizeof stack1));
  configure_posted(&pid1, vapic1);
  struct vcpu v = { 0 };
  for (;;) {
    int r = vmx_run(&v);
    if (r != 0) { core1_exit_reason = 1000 + (uint64_t)r; break; }
    core1_exits++;
    uint32_t reason = exit_reason();
    if (reason == EXIT_VMCALL) { core1_exit_reason = reason; break; }
    if (reason == EXIT_EXTINT) {
      core1_exit_reason = reason | (vmread(EXIT_INTR_INFO) & 0xff) << 8;
      lapic_write(LAPIC_EOI, 0);  /* acknowledged on exit: the host EOIs it */
      go_second = 2;
      continue;
    }
    core1_exit_reason = reason;
    break;
  }
  core1_done = 1;
}

/* Post `vector` into `p` the way Dune's sender does: locked BTS of the PIR bit and of ON, then the notification IPI. */
static void post(struct pid *p, unsigned vector, uint32_t apic_id, unsigned nv) {
  __asm__ volatile("lock btsl %1, %0" : "+m"(*(volatile uint32_t (*)[8])p->pir) : "r"(vector) : "memory", "cc");
  __asm__ volatile("lock btsl $0, %0" : "+m"(p->on) : : "memory", "cc");
  lapic_send_ipi(apic_id, nv | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT);
}

/* ---------- core 0 ---------- */
static uint8_t vapic0[4096] __attribute__((aligned(4096)));
static struct pid pid0;
static volatile uint64_t g0_steps;
extern const char g0_mtf_1[], g0_mtf_2[];
static void guest0_entry(void) {
  __asm__ volatile("nop\n.globl g0_mtf_1\ng0_mtf_1: nop\n.globl g0_mtf_2\ng0_mtf_2: nop");
  guest_vmcall(1);
  __asm__ volatile("sti; hlt; cli");
  for (;;) guest_vmcall(2);
}

static void check(const char *what, uint32_t field, uint64_t bad) {
  uint64_t old = vmread(field);
  vmwrite(field, bad);
  uint64_t vmcs;
  vmptrst(&vmcs);
  vmclear(vmcs);
  vmptrld(vmcs);
  struct vcpu v = { 0 };
  int r = vmx_launch(&v);
  rt_printf("%s: %s  [SDM 26.2.1.1 posted interrupts]\n", what, r == 0 ? "VM entry" : vmx_outcome(r));
  vmwrite(field, old);
}

int test_main_smp(long core, long ncores) {
  if (core == 1) { core1_main(); return 0; }
  if (ncores < 2) { rt_printf("needs 2 cores\n"); return 1; }
  vmx_cpu_init(0);
  vmx_catch_faults();
  vmx_enable(0);
  for (unsigned i = 0; i < sizeof msr_bitmap; i++) msr_bitmap[i] = 0xff;
  msr_bitmap[0x802 / 8] &= (uint8_t)~(1 << (0x802 % 8));               /* read 802H (x2APIC ID) passes */
  msr_bitmap[0x800 + 0x80b / 8] &= (uint8_t)~(1 << (0x80b % 8));       /* write 80BH (EOI) passes */
  idt_set_handler(VEC, guest1_handler);
  idt_set_handler(VEC + 1, guest1_handler);

  /* ---- entry checks ---- */
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest0_entry, (uint64_t)(uintptr_t)(stack0 + sizeof stack0));
  configure_posted(&pid0, vapic0);
  uint64_t proc2 = vmread(SECONDARY_CONTROLS), exitc = vmread(EXIT_CONTROLS);
  check("posted interrupts without virtual-interrupt delivery", SECONDARY_CONTROLS, proc2 & ~(uint64_t)PROC2_VID);
  check("posted interrupts without acknowledge interrupt on exit", EXIT_CONTROLS, exitc & ~(uint64_t)EXIT_ACK_INTR);
  check("notification vector with bits 15:8 set (0x1F2)", POSTED_INTR_NV, 0x1f2);
  check("descriptor address not 64-byte aligned", POSTED_INTR_DESC, (uint64_t)(uintptr_t)&pid0 + 32);
  check("descriptor address beyond the physical-address width", POSTED_INTR_DESC, 1ull << 50);

  /* ---- core 0 posts to core 1's running guest ---- */
  while (guest1_ready != 1) cpu_relax();
  post(&pid1, VEC, (uint32_t)core1_apic_id, NV);
  while (guest1_ready != 2) cpu_relax();
  rt_printf("core 0 posted vector 0x%x to core 1's guest: delivered through the guest IDT as 0x%lx, VM exits on core 1: %lu  [SDM 29.6 posted-interrupt processing]\n",
            VEC, (unsigned long)guest1_vector, (unsigned long)core1_exits);
  rt_printf("  descriptor after processing: ON %u, PIR word 2 0x%x  [SDM 29.6 steps 3, 5]\n", pid1.on & 1, pid1.pir[VEC >> 5]);
  /* a vector other than the notification vector: an external-interrupt exit, vector acknowledged */
  lapic_send_ipi((uint32_t)core1_apic_id, 0x61 | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT);
  while (!core1_done) cpu_relax();
  rt_printf("vector 0x61 to core 1's guest: external-interrupt exit with vector 0x%lx, then the guest finished with VMCALL: %s  [SDM 29.6 step 2]\n",
            (unsigned long)(core1_exit_reason == EXIT_VMCALL ? 0x61 : core1_exit_reason >> 8), core1_exit_reason == EXIT_VMCALL ? "yes" : "no");

  /* ---- monitor trap flag on core 0: one instruction, then an exit ---- */
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest0_entry, (uint64_t)(uintptr_t)(stack0 + sizeof stack0));
  vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) | PROC_MTF);
  struct vcpu v = { 0 };
  int r = vmx_run(&v);
  rt_printf("MTF: reason %u after one instruction: %s  [SDM 25.5.2 monitor trap flag]\n", r == 0 ? exit_reason() : 0,
            vmread(GUEST_RIP) == (uint64_t)(uintptr_t)g0_mtf_1 ? "yes" : "no");
  r = vmx_run(&v);
  rt_printf("MTF: reason %u after the next one: %s\n", r == 0 ? exit_reason() : 0, vmread(GUEST_RIP) == (uint64_t)(uintptr_t)g0_mtf_2 ? "yes" : "no");
  vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) & ~(uint64_t)PROC_MTF);

  /* ---- an external-interrupt exit from the HLT activity state ---- */
  r = vmx_run(&v);                 /* to the guest's VMCALL 1 */
  vmx_skip_instruction();
  vmwrite(PIN_CONTROLS, vmread(PIN_CONTROLS) | PIN_EXT_INTR);
  vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_ACK_INTR);
  lapic_enable();
  lapic_write(LAPIC_TIMER_DIV, 0xb);             /* divide by 1 */
  lapic_write(LAPIC_LVT_TIMER, 0x70);            /* one-shot, vector 0x70 */
  lapic_write(LAPIC_TIMER_INIT, 20000);
  r = vmx_run(&v);
  rt_printf("timer interrupt while the guest is in HLT: reason %u, vector 0x%lx, saved activity state %lu  [SDM 27.3.4: HLT is saved]\n",
            r == 0 ? exit_reason() : 0, (unsigned long)(vmread(EXIT_INTR_INFO) & 0xff), (unsigned long)vmread(GUEST_ACTIVITY));
  lapic_write(LAPIC_EOI, 0);
  rt_printf("vmx_posted: done\n");
  return 0;
}
