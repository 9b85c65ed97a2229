/*
 * Ring 3 -> ring 0 -> ring 3 through SYSCALL/SYSRET, and back to ring 0
 * through a DPL-3 interrupt gate (1 core). No APIC involved; it lives here
 * because it is the other half of the paper's §3.6 costs (Dune's ring 3 -> 0
 * -> 3 round trip: 84 cycles), measured on a "cycles:" line.
 *
 * Own GDT (SDM Vol. 3A §3.4.5, §5.8.8 for SYSCALL/SYSRET; Vol. 2B SYSCALL,
 * SYSRET). The loader's selectors 0x08/0x10/0x18 keep their meaning, so the
 * shared IDT (selector 0x18) and the running DS/ES/SS stay valid:
 *   0x08 kernel code32   0x10 kernel data   0x18 kernel code64
 *   0x20 kernel data     SYSCALL: CS = STAR[47:32] = 0x18, SS = STAR[47:32]+8 = 0x20
 *   0x28 user code32     SYSRET (64-bit): base STAR[63:48] = 0x28,
 *   0x30 user data         SS = base+8 | 3 = 0x33,
 *   0x38 user code64       CS = base+16 | 3 = 0x3B
 *   0x40 64-bit TSS (16 bytes; §7.2.3, Figure 7-11), RSP0 = a kernel stack, LTR 0x40
 * Paging: own PML4/PDPT/4 PDs identity-mapping 0-4 GiB with 2 MiB pages, all
 * with U/S = 1 (§4.6: user-mode accesses need U/S = 1 at every level), the
 * top GiB PCD|PWT as in the loader's tables.
 * IA32_EFER.SCE (bit 0) enables SYSCALL; IA32_STAR C000_0081h, IA32_LSTAR
 * C000_0082h (entry), IA32_FMASK C000_0084h (RFLAGS bits to clear: TF, IF, DF,
 * IOPL, NT, AC = 0x47700). SYSCALL saves RIP in RCX and RFLAGS in R11;
 * SYSRET restores them (RFLAGS = R11 with the fixed bits).
 *
 * Sequence: IRETQ to ring 3 (CS 0x3B, SS 0x33, RFLAGS 0x202); in ring 3:
 *  - INT 0x81 through a DPL-0 gate: #GP with error code 0x81 << 3 | 2 = 0x40A
 *    (§6.12.1.1: gate DPL < CPL; §6.13, Figure 6-6: bit 1 IDT, bits 15:3 the
 *    index of the IDT gate, i.e. the vector, also in IA-32e mode where gates
 *    are 16 bytes); the #GP handler records it and IRETQs back to ring 3
 *    past the INT.
 *    Bochs 2.7 reports 0x40A. QEMU 7.2 reports 0x812 = 0x81 * 16 + 2: its
 *    64-bit interrupt path puts the gate's byte offset in the IDT (vector *
 *    16) where the SDM's error-code format has the index (vector * 8) - QEMU
 *    issue 1382, "i386: Emit correct error code for 64-bit IDT entry", fixed
 *    after 7.2 - so QEMU 7.2 ends with "syscall_ring3: FAILED". The test expects the SDM's (and
 *    Bochs's) 0x40a;
 *  - N syscalls (RAX = 7, RDI = i; the kernel returns 3 i + 7 in RAX), first
 *    checked, then timed with RDTSC (allowed in ring 3: CR4.TSD = 0);
 *  - INT 0x80 through a DPL-3 interrupt gate back to ring 0: the processor
 *    switches to TSS.RSP0 (§6.14.2: RSP is loaded from the TSS on a privilege
 *    change; the new SS is NULL) and pushes SS, RSP, RFLAGS, CS, RIP of ring 3.
 */
#include "apic.h"
#include "idt.h"
/* shinjuku-emu: link idt.c */

#define N 1000
#define MSR_EFER 0xC0000080u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_FMASK 0xC0000084u

static uint64_t gdt[10] __attribute__((aligned(16)));
struct __attribute__((packed)) tss64 {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3, iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");
static struct tss64 tss __attribute__((aligned(16)));

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));

static uint8_t rsp0_stack[8192] __attribute__((aligned(16)));
static uint8_t syscall_stack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));

/* shared by the asm below (hence not static) */
uint64_t kernel_saved_rsp, user_rsp_saved, syscall_rsp_top, user_stack_top, rsp0_top;
volatile uint64_t k_calls, k_rflags, k_rcx, k_r11;
volatile uint16_t k_cs, k_ss;
volatile uint64_t i80_cs, i80_ss, i80_rsp, i80_rflags, i80_arg, i80_frame_at;
volatile uint64_t gp_err, gp_cs, gp_count;

/* filled in ring 3 */
static volatile uint64_t u_cs, u_ss, u_rflags, u_rflags_after, u_cs_after, u_ss_after, u_bad, u_calls, u_cycles;
static volatile uint64_t u_ret_rcx_ok, u_gp_resumed;

extern const char syscall_entry[], int80_entry[], gp_entry[], user_entry[];
uint64_t enter_user(void);

__asm__(
  "  .text\n"
  /* SYSCALL lands here in ring 0 (CS 0x18, SS 0x20) on the user stack */
  "syscall_entry:\n"
  "  movq %rsp, user_rsp_saved(%rip)\n"
  "  movq syscall_rsp_top(%rip), %rsp\n"
  "  movw %cs, k_cs(%rip)\n"
  "  movw %ss, k_ss(%rip)\n"
  "  pushfq\n"
  "  popq k_rflags(%rip)\n"
  "  movq %rcx, k_rcx(%rip)\n"
  "  movq %r11, k_r11(%rip)\n"
  "  incq k_calls(%rip)\n"
  "  leaq (%rdi,%rdi,2), %rdx\n"
  "  addq %rdx, %rax\n"           /* return 3 * arg + nr */
  "  movq user_rsp_saved(%rip), %rsp\n"
  "  sysretq\n"

  /* INT 0x80 from ring 3: record the frame, return from enter_user() */
  "int80_entry:\n"
  "  movq %rsp, i80_frame_at(%rip)\n"
  "  movq 8(%rsp), %rax\n  movq %rax, i80_cs(%rip)\n"
  "  movq 16(%rsp), %rax\n movq %rax, i80_rflags(%rip)\n"
  "  movq 24(%rsp), %rax\n movq %rax, i80_rsp(%rip)\n"
  "  movq 32(%rsp), %rax\n movq %rax, i80_ss(%rip)\n"
  "  movq %rdi, i80_arg(%rip)\n"
  "  movl $0x10, %eax\n"
  "  movl %eax, %ss\n"            /* SS was made NULL by the privilege change */
  "  movq kernel_saved_rsp(%rip), %rsp\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbp\n  popq %rbx\n"
  "  movq i80_arg(%rip), %rax\n"
  "  ret\n"

  /* #GP: record error code and CS, skip the 2-byte INT imm8, back to ring 3 */
  "gp_entry:\n"
  "  pushq %rax\n"
  "  movq 8(%rsp), %rax\n  movq %rax, gp_err(%rip)\n"
  "  movq 24(%rsp), %rax\n movq %rax, gp_cs(%rip)\n"
  "  incq gp_count(%rip)\n"
  "  addq $2, 16(%rsp)\n"
  "  popq %rax\n"
  "  addq $8, %rsp\n"             /* the error code */
  "  iretq\n"

  /* uint64_t enter_user(void): IRETQ to ring 3 at user_entry; comes back
   * through int80_entry with RAX = the ring-3 RDI */
  "  .globl enter_user\n"
  "enter_user:\n"
  "  pushq %rbx\n  pushq %rbp\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
  "  movq %rsp, kernel_saved_rsp(%rip)\n"
  "  pushq $0x33\n"               /* SS */
  "  pushq user_stack_top(%rip)\n" /* RSP */
  "  pushq $0x202\n"              /* RFLAGS: IF, IOPL 0 */
  "  pushq $0x3B\n"               /* CS */
  "  leaq user_entry(%rip), %rax\n"
  "  pushq %rax\n"
  "  iretq\n"

  "user_entry:\n"
  "  call user_main\n"
  "  ud2\n");

static inline uint64_t do_syscall(uint64_t nr, uint64_t arg) {
  uint64_t ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(arg) : "rcx", "r11", "rdx", "memory");
  return ret;
}
static inline uint64_t read_cs(void) { uint64_t v = 0; __asm__ volatile("movw %%cs, %w0" : "+r"(v)); return v; }
static inline uint64_t read_ss(void) { uint64_t v = 0; __asm__ volatile("movw %%ss, %w0" : "+r"(v)); return v; }

/* Runs in ring 3: no port I/O, no printing. */
void user_main(void);
void user_main(void) {
  u_cs = read_cs();
  u_ss = read_ss();
  u_rflags = read_rflags();
  /* INT 0x81: DPL-0 gate -> #GP(0x40A), resumed after the INT */
  __asm__ volatile("int $0x81" ::: "memory");
  u_gp_resumed = 1;
  /* RCX after SYSRET holds the return RIP the kernel saw */
  uint64_t rcx_after;
  __asm__ volatile("syscall\n\tmovq %%rcx, %0" : "=r"(rcx_after) : "a"(0ull), "D"(0ull) : "rcx", "r11", "rdx", "memory");
  u_ret_rcx_ok = rcx_after == k_rcx;
  for (uint64_t i = 0; i < N; i++) {
    if (do_syscall(7, i) != 3 * i + 7) u_bad++;
    u_calls++;
  }
  uint64_t t0 = rdtsc();
  for (uint64_t i = 0; i < N; i++) do_syscall(7, i);
  uint64_t t1 = rdtsc();
  u_cycles = t1 - t0;
  u_rflags_after = read_rflags();
  u_cs_after = read_cs();
  u_ss_after = read_ss();
  __asm__ volatile("int $0x80" : : "D"(0x5157ull) : "memory");
  for (;;) {}
}

static uint64_t seg(uint64_t access, uint64_t flags) {
  /* base 0, limit 0xFFFFF (4 GiB with G): access byte bits 47:40, flags 55:52 */
  return 0xFFFFull | 0xFull << 48 | access << 40 | flags << 52;
}

static const char *yn(int b) { return b ? "yes" : "no"; }

int test_main(void) {
  idt_init();
  idt_set_gate(0x80, int80_entry, 0xE, 3);
  idt_set_gate(13, gp_entry, 0xE, 0);
  idt_load();
  rt_printf("syscall_ring3\n");

  /* GDT */
  gdt[0] = 0;
  gdt[1] = seg(0x9A, 0xC); /* 0x08 code32, DPL 0 */
  gdt[2] = seg(0x92, 0xC); /* 0x10 data */
  gdt[3] = seg(0x9A, 0xA); /* 0x18 code64 (L = 1, D = 0) */
  gdt[4] = seg(0x92, 0xC); /* 0x20 data */
  gdt[5] = seg(0xFA, 0xC); /* 0x28 user code32 */
  gdt[6] = seg(0xF2, 0xC); /* 0x30 user data */
  gdt[7] = seg(0xFA, 0xA); /* 0x38 user code64 */
  uint64_t tb = (uint64_t)(uintptr_t)&tss;
  gdt[8] = (sizeof tss - 1) | (tb & 0xFFFFFF) << 16 | 0x89ull << 40 | (tb >> 24 & 0xFF) << 56; /* present, 64-bit TSS (available) */
  gdt[9] = tb >> 32;
  rsp0_top = (uint64_t)(uintptr_t)(rsp0_stack + sizeof rsp0_stack);
  tss.rsp[0] = rsp0_top;
  tss.iomap_base = sizeof tss; /* no I/O bitmap: ring 3 port I/O faults */
  syscall_rsp_top = (uint64_t)(uintptr_t)(syscall_stack + sizeof syscall_stack);
  user_stack_top = (uint64_t)(uintptr_t)(user_stack + sizeof user_stack);

  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
  /* CS keeps selector 0x18, whose descriptor in the new GDT is the same
   * 64-bit code segment as the loader's, so it needs no far transfer; the
   * data segments are reloaded from the new table. */
  __asm__ volatile(
    "lgdt %0\n\t"
    "movl $0x10, %%eax\n\t"
    "movl %%eax, %%ds\n\t"
    "movl %%eax, %%es\n\t"
    "movl %%eax, %%ss\n\t"
    "movw $0x40, %%ax\n\t"
    "ltr %%ax"
    : : "m"(gdtr) : "rax", "memory");
  rt_printf("gdt: busy bit set in the tss descriptor by ltr: %s\n", yn((gdt[8] >> 40 & 0xF) == 0xB));

  /* page tables with U/S = 1 */
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 512; j++)
      pd[i][j] = ((uint64_t)i << 30 | (uint64_t)j << 21) | 0x87 | (i == 3 ? 0x18 : 0); /* P RW US PS [PWT PCD] */
    pdpt[i] = (uint64_t)(uintptr_t)pd[i] | 0x7;
  }
  pml4[0] = (uint64_t)(uintptr_t)pdpt | 0x7;
  __asm__ volatile("movq %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4) : "memory");

  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);
  wrmsr(MSR_STAR, 0x28ull << 48 | 0x18ull << 32);
  wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
  wrmsr(MSR_FMASK, 0x47700);

  uint64_t back = enter_user();

  uint64_t cs_now = read_cs();
  rt_printf("ring 3 via iretq: cs 0x%lx ss 0x%lx, rflags if %lu iopl %lu\n", (unsigned long)u_cs, (unsigned long)u_ss,
            (unsigned long)(u_rflags >> 9 & 1), (unsigned long)(u_rflags >> 12 & 3));
  rt_printf("int 0x81 (dpl-0 gate) from ring 3: #gp %lu time(s), error code 0x%lx, from cs 0x%lx, resumed in ring 3 %s\n",
            (unsigned long)gp_count, (unsigned long)gp_err, (unsigned long)gp_cs, yn((int)u_gp_resumed));
  rt_printf("in the syscall handler: cs 0x%x ss 0x%x, rflags if %lu (fmask), r11 (ring-3 rflags) if %lu, "
            "rcx = return rip %s\n", k_cs, k_ss, (unsigned long)(k_rflags >> 9 & 1), (unsigned long)(k_r11 >> 9 & 1),
            yn((int)u_ret_rcx_ok));
  rt_printf("syscalls: %lu handled, %lu results wrong\n", (unsigned long)k_calls, (unsigned long)u_bad);
  rt_printf("after sysret: cs 0x%lx ss 0x%lx, rflags if %lu\n", (unsigned long)u_cs_after, (unsigned long)u_ss_after,
            (unsigned long)(u_rflags_after >> 9 & 1));
  rt_printf("int 0x80 (dpl-3 gate) to ring 0: frame cs 0x%lx ss 0x%lx, rflags if %lu, ring-3 rsp on the user stack %s, "
            "frame on the tss rsp0 stack %s, rdi 0x%lx\n", (unsigned long)i80_cs, (unsigned long)i80_ss,
            (unsigned long)(i80_rflags >> 9 & 1),
            yn(i80_rsp > (uint64_t)(uintptr_t)user_stack && i80_rsp <= user_stack_top),
            yn(i80_frame_at == rsp0_top - 40), (unsigned long)back);
  rt_printf("back in ring 0: cs 0x%lx\n", (unsigned long)cs_now);
  rt_printf("cycles: syscall+sysret round trip (ring 3 -> 0 -> 3) avg %lu over %d\n", (unsigned long)(u_cycles / N), N);

  int ok = u_cs == 0x3B && u_ss == 0x33 && (u_rflags >> 9 & 1) && gp_count == 1 && gp_err == 0x40A && gp_cs == 0x3B &&
           u_gp_resumed && k_cs == 0x18 && k_ss == 0x20 && !(k_rflags >> 9 & 1) &&
           (k_r11 >> 9 & 1) && u_ret_rcx_ok && k_calls == 2 * N + 1 && u_bad == 0 &&
           u_cs_after == 0x3B && u_ss_after == 0x33 && (u_rflags_after >> 9 & 1) && i80_cs == 0x3B && i80_ss == 0x33 &&
           i80_frame_at == rsp0_top - 40 && back == 0x5157 && cs_now == 0x18;
  rt_printf("syscall_ring3: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
