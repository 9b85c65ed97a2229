/*
 * VM exits and non-root behaviour (1 core): a guest runs a script of
 * instructions; before each step it tells the host which one with VMCALL
 * (RAX = step), the host sets the controls for that step and prints every
 * exit it gets — reason, qualification, instruction length, interruption
 * information — naming the SDM section (Vol. 3C ch. 25 "VMX Non-Root
 * Operation", ch. 27 "VM Exits", Tables 27-1 to 27-14; reasons in Vol. 3D
 * Appendix C). Covers CPUID, HLT, VMCALL, I/O with qualification (unconditional
 * and through I/O bitmaps), RDMSR/WRMSR through MSR bitmaps, CR accesses
 * (CR0/CR4 guest/host masks and read shadows, CR3 and CR8 exiting), RDTSC
 * exiting and TSC offsetting, INVLPG, the exception bitmap, event injection
 * (external interrupt, hardware exception, software interrupt), external
 * interrupts with and without "acknowledge interrupt on exit",
 * interrupt-window exiting and the VMX-preemption timer.
 */
#include "vmx.h"

static uint8_t guest_stack[16384] __attribute__((aligned(16)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmap_a[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmap_b[4096] __attribute__((aligned(4096)));

/* What the guest saw (written in non-root operation, printed by the host). */
static volatile uint64_t g_cr4_seen, g_tsc, g_handled_vector, g_handled_rip, g_intr_count, g_err;
extern const char g_int51_next[], g_sti_nop_done[], g_after_ud2[];

static void step(uint64_t n) { guest_vmcall(n); }

static void guest_irq(struct irq_frame *f) {
  g_handled_vector = f->vector;
  g_handled_rip = f->rip;
  g_err = f->error;
  g_intr_count++;
  if (f->vector >= 0x20) lapic_write(LAPIC_EOI, 0);
}

static void guest_main(void) {
  uint32_t r[4];
  uint64_t v;
  step(1); cpuid(0, 0, r);                                    /* CPUID exits unconditionally */
  step(2); __asm__ volatile("hlt");                           /* HLT exiting */
  step(3); __asm__ volatile("outb %%al, $0x80" : : "a"(0));    /* unconditional I/O exiting */
  step(4); __asm__ volatile("inw %%dx, %%ax" : : "d"(0x1234) : "rax");
  step(5); __asm__ volatile("inb $0x71, %%al" : : : "rax");     /* I/O bitmap A: port 0x71 set */
           __asm__ volatile("outl %%eax, %%dx" : : "a"(0), "d"(0x9002));  /* bitmap B: 0x9002 set */
           __asm__ volatile("outb %%al, $0x72" : : "a"(0));     /* bit clear: no exit */
  step(6); v = rdmsr(0x10);                                    /* read-low bitmap bit set */
           wrmsr(0xc0000102, 0x1234);                          /* write-high bitmap bit set */
           v = rdmsr(0xc0000102);                              /* read-high bit clear: no exit */
           __asm__ volatile("" : : "r"(v));
  step(7); g_cr4_seen = read_cr4();                            /* CR4.VMXE host-owned: the read shadow */
           write_cr4(read_cr4() | (1u << 13));                 /* differs from the shadow: exit */
  step(8); __asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax", "memory"); /* CR3 store, then load exiting */
  step(9); __asm__ volatile("mov $3, %%r9; mov %%r9, %%cr8" : : : "r9");  /* CR8 load exiting */
  step(10); g_tsc = rdtsc();                                   /* TSC offsetting, no exit */
  step(11); g_tsc = rdtsc();                                   /* RDTSC exiting */
  step(12); __asm__ volatile("invlpg (%0)" : : "r"(0x123000ul) : "memory");
  step(13); __asm__ volatile("int3");                          /* exception bitmap bit 3 */
  step(14); __asm__ volatile("ud2\n.globl g_after_ud2\ng_after_ud2:");  /* exception bitmap bit 6 */
  step(15);                                                    /* injected events land in the handlers */
  step(16); __asm__ volatile("sti; nop; .globl g_int51_next\ng_int51_next: nop; cli");  /* injected INT 0x51: RIP + length */
  step(17); __asm__ volatile("sti; nop; nop; nop; cli");       /* external interrupt, acknowledged on exit */
  step(18); __asm__ volatile("sti; nop; nop; nop; cli");       /* external interrupt, not acknowledged */
  step(19); __asm__ volatile("cli; nop; sti; nop; .globl g_sti_nop_done\ng_sti_nop_done: nop; cli"); /* interrupt window */
  step(20); for (;;) __asm__ volatile("pause");                /* preemption timer */
}

static void guest_entry(void) { guest_main(); for (;;) step(99); }

static void print_exit(const char *what, const char *sdm) {
  rt_printf("%s: reason %u, qualification 0x%lx, length %lu, interruption info 0x%lx  [SDM %s]\n", what,
            exit_reason(), (unsigned long)vmread(EXIT_QUALIFICATION), (unsigned long)vmread(EXIT_INSTR_LEN),
            (unsigned long)vmread(EXIT_INTR_INFO), sdm);
}

static struct vcpu v;
static uint32_t proc0, pin0;

/* Resume and expect the next step's VMCALL; return the step number. */
static uint64_t next_step(void) {
  if (vmx_run(&v) != 0 || exit_reason() != EXIT_VMCALL) {
    rt_printf("expected a step VMCALL, got reason %u\n", exit_reason());
    rt_exit(1);
  }
  vmx_skip_instruction();
  return v.rax;
}

/* Resume; the guest's next exit must have `reason`; print it. */
static void expect_exit(uint32_t reason, const char *what, const char *sdm) {
  int r = vmx_run(&v);
  if (r != 0) { rt_printf("%s: entry %s\n", what, vmx_outcome(r)); rt_exit(1); }
  if (exit_reason() != reason) rt_printf("%s: unexpected reason %u (wanted %u)\n", what, exit_reason(), reason);
  print_exit(what, sdm);
}

static void set_proc(uint32_t extra) { vmwrite(PROC_CONTROLS, adjust_controls(MSR_VMX_TRUE_PROCBASED, proc0 | extra)); }

int test_main(void) {
  vmx_cpu_init(0);
  vmx_catch_faults();
  lapic_enable();
  vmx_enable(0);
  uint64_t vmcs = vmcs_region(0, 0);
  *(uint32_t *)(uintptr_t)vmcs = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  vmclear(vmcs);
  vmptrld(vmcs);
  vmcs_init_guest(0, guest_entry, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack));
  proc0 = (uint32_t)vmread(PROC_CONTROLS);
  pin0 = (uint32_t)vmread(PIN_CONTROLS);

  /* 1: CPUID */
  next_step();
  expect_exit(10, "CPUID", "25.1.2 unconditional exits; 27.2.4 instruction length");
  vmx_skip_instruction();

  /* 2: HLT with HLT exiting */
  next_step();
  set_proc(PROC_HLT);
  expect_exit(12, "HLT with HLT exiting", "25.1.3; Appendix C reason 12");
  vmx_skip_instruction();
  set_proc(0);

  /* 3-4: unconditional I/O exiting; qualification (Table 27-5): size-1, direction (8 = IN), immediate (0x40), port << 16 */
  next_step();
  set_proc(PROC_UNCOND_IO);
  expect_exit(30, "OUT imm8 with unconditional I/O exiting", "27.2.1 Table 27-5 I/O instructions");
  vmx_skip_instruction();
  next_step();
  expect_exit(30, "IN AX, DX with unconditional I/O exiting", "27.2.1 Table 27-5 I/O instructions");
  vmx_skip_instruction();

  /* 5: I/O bitmaps (A: ports 0-7FFFH, B: 8000H-FFFFH) */
  next_step();
  io_bitmap_a[0x71 / 8] |= 1 << (0x71 % 8);
  io_bitmap_b[(0x9002 - 0x8000) / 8] |= 1 << (0x9002 % 8);
  vmwrite(IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmap_a);
  vmwrite(IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmap_b);
  set_proc(PROC_IO_BITMAPS);
  expect_exit(30, "IN AL, 0x71 through I/O bitmap A", "25.1.3 I/O bitmaps; Table 27-5");
  vmx_skip_instruction();
  expect_exit(30, "OUT DX (0x9002), EAX through I/O bitmap B", "25.1.3 I/O bitmaps; Table 27-5");
  vmx_skip_instruction();

  /* 6: MSR bitmaps (read-low 000H, read-high 400H, write-low 800H, write-high C00H) */
  next_step();
  msr_bitmap[0x10 / 8] |= 1 << (0x10 % 8);
  msr_bitmap[0xc00 + 0x102 / 8] |= 1 << (0x102 % 8);
  vmwrite(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
  set_proc(PROC_MSR_BITMAPS);
  expect_exit(31, "RDMSR 0x10 with its read-low bitmap bit set", "25.1.3 MSR bitmaps");
  rt_printf("  RCX in the exit: 0x%lx\n", (unsigned long)v.rcx);
  vmx_skip_instruction();
  expect_exit(32, "WRMSR 0xC0000102 with its write-high bitmap bit set", "25.1.3 MSR bitmaps");
  rt_printf("  RCX, EDX:EAX in the exit: 0x%lx, 0x%lx:0x%lx\n", (unsigned long)v.rcx, (unsigned long)v.rdx, (unsigned long)(v.rax & 0xffffffff));
  vmx_skip_instruction();

  /* 7: CR4 guest/host mask with VMXE host-owned and read as 0 from the shadow (RDMSR 0xC0000102 before it did not exit) */
  next_step();
  set_proc(0);
  vmwrite(CR4_MASK, 1u << 13);
  vmwrite(CR4_SHADOW, read_cr4() & ~(1u << 13));
  expect_exit(28, "MOV to CR4 setting a host-owned bit unlike its shadow", "25.1.3 CR0/CR4 masks; Table 27-3 (CR 4, type 0, GPR)");
  rt_printf("  guest read CR4.VMXE as %lu (read shadow)  [SDM 25.3 MOV from CR4]\n", (unsigned long)((g_cr4_seen >> 13) & 1));
  vmx_skip_instruction();

  /* 8: CR3 store and load exiting */
  next_step();
  set_proc(PROC_CR3_LOAD | PROC_CR3_STORE);
  vmwrite(CR3_TARGET_COUNT, 0);
  expect_exit(28, "MOV from CR3 with CR3-store exiting", "25.1.3; Table 27-3 (CR 3, type 1 MOV from CR, GPR RAX)");
  vmx_skip_instruction();
  expect_exit(28, "MOV to CR3 with CR3-load exiting", "25.1.3; Table 27-3 (CR 3, type 0 MOV to CR, GPR RAX)");
  vmx_skip_instruction();

  /* 9: CR8 load exiting */
  next_step();
  set_proc(PROC_CR8_LOAD);
  expect_exit(28, "MOV to CR8 with CR8-load exiting", "25.1.3; Table 27-3 (CR 8, type 0, GPR R9)");
  vmx_skip_instruction();
  set_proc(0);

  /* 10: TSC offsetting: RDTSC in the guest returns TSC + offset */
  next_step();
  vmwrite(TSC_OFFSET, 1ull << 60);
  set_proc(PROC_TSC_OFFSET);
  uint64_t before = rdtsc();
  next_step();
  rt_printf("TSC offsetting: guest RDTSC - host RDTSC - 2^60 is small and positive: %s  [SDM 25.3 RDTSC]\n",
            g_tsc - (1ull << 60) >= before && g_tsc - (1ull << 60) - before < 100000000ull ? "yes" : "no");
  /* 11: RDTSC exiting */
  set_proc(PROC_RDTSC);
  expect_exit(16, "RDTSC with RDTSC exiting", "25.1.3; Appendix C reason 16");
  vmx_skip_instruction();
  set_proc(0);

  /* 12: INVLPG exiting: qualification = the linear address */
  next_step();
  set_proc(PROC_INVLPG);
  expect_exit(14, "INVLPG with INVLPG exiting", "25.1.3; Table 27-1 (linear-address operand)");
  vmx_skip_instruction();
  set_proc(0);

  /* 13-14: exception bitmap: INT3 (#BP, software exception type 6) and UD2 (#UD, hardware exception type 3) */
  next_step();
  vmwrite(EXCEPTION_BITMAP, (1u << 3) | (1u << 6));
  expect_exit(0, "INT3 with exception-bitmap bit 3", "25.2 exceptions; 27.2.2 interruption information (type 6)");
  vmx_skip_instruction();
  next_step();
  expect_exit(0, "UD2 with exception-bitmap bit 6", "25.2 exceptions; 27.2.2 interruption information (type 3)");
  rt_printf("  guest RIP saved at the UD2: %s  [SDM 27.1 fault-like]\n", vmread(GUEST_RIP) + 2 == (uint64_t)(uintptr_t)g_after_ud2 ? "yes" : "no");
  vmx_skip_instruction();
  vmwrite(EXCEPTION_BITMAP, 0);

  /* 15: event injection: an external interrupt 0x50 and #GP with an error code, delivered through the guest IDT */
  next_step();
  idt_set_handler(0x50, guest_irq);
  idt_set_handler(0x51, guest_irq);
  vmwrite(GUEST_RFLAGS, vmread(GUEST_RFLAGS) | (1u << 9));
  vmwrite(ENTRY_INTR_INFO, 0x80000000u | (0u << 8) | 0x50);
  uint64_t rip_before = vmread(GUEST_RIP);
  next_step();
  rt_printf("injected external interrupt 0x50: handler ran with vector 0x%lx, return RIP = guest RIP: %s  [SDM 26.5.1 event injection]\n",
            (unsigned long)g_handled_vector, g_handled_rip == rip_before ? "yes" : "no");
  rt_printf("  VM-entry interruption-information valid bit after the next exit: %lu  [SDM 27.2.4: VM exits clear it]\n",
            (unsigned long)(vmread(ENTRY_INTR_INFO) >> 31));
  idt_set_handler(13, guest_irq);
  vmwrite(ENTRY_INTR_INFO, 0x80000000u | (3u << 8) | (1u << 11) | 13);
  vmwrite(ENTRY_EXCEPTION_ERROR, 0x1234);
  /* 16: INT 0x51 injected as a software interrupt (type 4): the handler returns to RIP + instruction length */
  (void)next_step();
  rt_printf("injected #GP with error code 0x1234: handler saw vector %lu, error 0x%lx  [SDM 26.5.1.1]\n", (unsigned long)g_handled_vector, (unsigned long)g_err);
  vmx_catch_faults();
  vmwrite(GUEST_RIP, (uint64_t)(uintptr_t)g_int51_next - 3);
  vmwrite(ENTRY_INTR_INFO, 0x80000000u | (4u << 8) | 0x51);
  vmwrite(ENTRY_INSTR_LEN, 3);
  next_step();
  rt_printf("injected INT 0x51 (software interrupt, length 3): return RIP is RIP + 3: %s  [SDM 26.5.1.1]\n",
            g_handled_rip == (uint64_t)(uintptr_t)g_int51_next ? "yes" : "no");

  /* 17: external-interrupt exiting with acknowledge on exit: the vector in the interruption information, IRR -> ISR */
  vmwrite(PIN_CONTROLS, adjust_controls(MSR_VMX_TRUE_PINBASED, pin0 | PIN_EXT_INTR));
  vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_ACK_INTR);
  lapic_write(LAPIC_ICR_LO, ICR_SELF | 0x60);
  lapic_wait_idle();
  expect_exit(1, "external interrupt 0x60 with acknowledge interrupt on exit", "25.2; 27.2.2 (vector in interruption info)");
  rt_printf("  vector 0x60 in service: %d, requested: %d  [SDM 27.2.2]\n", lapic_vec_bit(LAPIC_ISR0, 0x60), lapic_vec_bit(LAPIC_IRR0, 0x60));
  lapic_write(LAPIC_EOI, 0);
  /* 18: without acknowledge: interruption information invalid, the vector stays requested */
  (void)next_step();
  vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) & ~(uint64_t)EXIT_ACK_INTR);
  lapic_write(LAPIC_ICR_LO, ICR_SELF | 0x61);
  lapic_wait_idle();
  expect_exit(1, "external interrupt 0x61 without acknowledge interrupt on exit", "25.2; 27.2.2 (interruption info invalid)");
  rt_printf("  vector 0x61 in service: %d, requested: %d  [SDM 27.2.2]\n", lapic_vec_bit(LAPIC_ISR0, 0x61), lapic_vec_bit(LAPIC_IRR0, 0x61));
  vmwrite(PIN_CONTROLS, pin0);
  idt_set_handler(0x61, guest_irq);
  uint64_t handled = g_intr_count;
  (void)next_step();  /* RFLAGS.IF = 1 in the guest: 0x61 is now delivered through the guest IDT */
  rt_printf("  then with external-interrupt exiting off, the guest took 0x61: %s  [SDM 25.2]\n",
            g_intr_count == handled + 1 && g_handled_vector == 0x61 ? "yes" : "no");

  /* 19: interrupt-window exiting: no exit while RFLAGS.IF = 0 or in the STI shadow */
  set_proc(PROC_INTR_WINDOW);
  vmwrite(GUEST_RFLAGS, vmread(GUEST_RFLAGS) & ~(uint64_t)(1u << 9));
  expect_exit(7, "interrupt window", "25.2 interrupt-window exiting; 26.3.1.5");
  rt_printf("  exit after the instruction in the STI shadow: %s  [SDM 25.2, Table 24-3 blocking by STI]\n",
            vmread(GUEST_RIP) == (uint64_t)(uintptr_t)g_sti_nop_done ? "yes" : "no");
  set_proc(0);

  /* 20: VMX-preemption timer (the rate is model-specific: only the exit and the saved 0 are printed) */
  (void)next_step();
  vmwrite(PIN_CONTROLS, adjust_controls(MSR_VMX_TRUE_PINBASED, pin0 | PIN_PREEMPTION_TIMER));
  vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_SAVE_PREEMPTION);
  vmwrite(PREEMPTION_TIMER, 1000);
  expect_exit(52, "VMX-preemption timer", "25.5.1 VMX-preemption timer");
  rt_printf("  saved timer value: %lu  [SDM 27.3.4]\n", (unsigned long)vmread(PREEMPTION_TIMER));
  vmwrite(PREEMPTION_TIMER, 0);
  expect_exit(52, "VMX-preemption timer entered with 0", "25.5.1: exit before any guest instruction");

  rt_printf("vmx_exits: done\n");
  return 0;
}
