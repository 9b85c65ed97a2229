/*
 * Boot: every core enters start_kernel from the guest ABI's _start (ring 0,
 * the boot identity map, FP/SSE/AVX enabled by rt's start-up as a kernel's
 * fpu__init_cpu does). Core 0 builds the page tables and loads the user
 * program; every core then loads its own GDT, TSS and the IDT, switches to
 * the kernel page tables with PCID, programs the SYSCALL MSRs, turns on
 * IBRS-on-entry when the CPU enumerates it, enables its local APIC, and
 * either enters user space (core 0, the program's main thread) or idles
 * until clone() gives it a thread.
 *
 * shinjuku-emu: link entry_64.S mm.c apic.c sched.c exec.c syscalls.c signal.c fpu.c uaccess.c traps.c residual.c dune.c ../dune/vmx.c ../dune/ept.c
 */
#include "kernel.h"

/* ---- the per-CPU entry area: what KAISER maps for user space too ---------- */
struct percpu cpu_data[NR_CPUS] __user_mapped __attribute__((aligned(4096)));
static u64 gdt_table[NR_CPUS][16] __user_mapped __attribute__((aligned(4096)));

/* 64-bit TSS (SDM Vol. 3A §7.7, Figure 7-11). */
struct tss_struct {
  u32 reserved0;
  u64 sp0, sp1, sp2;
  u64 reserved1;
  u64 ist[7];
  u64 reserved2;
  u16 reserved3;
  u16 io_bitmap_base;
} __attribute__((packed));
static struct { struct tss_struct t; u8 pad[128 - sizeof(struct tss_struct)]; } cpu_tss[NR_CPUS] __user_mapped __attribute__((aligned(4096)));

/* The kernel stacks user threads enter on (TSS.RSP0 and cpu_current_top_of_stack). */
u8 task_stacks[NR_CPUS][THREAD_SIZE] __user_mapped __attribute__((aligned(4096)));

/* IDT gates (SDM Vol. 3A §6.14.1). */
struct gate_struct { u16 offset_low, segment; u8 ist, type; u16 offset_middle; u32 offset_high, zero; };
static struct gate_struct idt_table[256] __user_mapped __attribute__((aligned(4096)));

/* Each core's idle stack: where it runs kernel code before it has a thread. */
u8 idle_stacks[NR_CPUS][THREAD_SIZE] __attribute__((aligned(4096)));

int nr_cpu_ids;
volatile int kernel_ready;
static volatile int cpus_up;

/* ---- privileged instructions --------------------------------------------- */
static inline void wrmsrl(u32 msr, u64 v) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory"); }
static inline u64 rdmsrl(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
u64 native_read_tsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE (1 << 0)
#define EFER_NX (1 << 11)
#define X86_CR4_PGE (1 << 7)
#define X86_CR4_PCIDE (1 << 17)
/* IA32_FMASK: TF, DF, IF, IOPL, NT, AC cleared on SYSCALL (arch/x86/kernel/cpu/common.c syscall_init) */
#define SYSCALL_MASK (0x100 | 0x400 | 0x200 | 0x3000 | 0x4000 | 0x40000)

extern const char divide_error[], debug[], int3[], invalid_op[], device_not_available[], general_protection[], page_fault[],
    coprocessor_error[], alignment_check[], simd_coprocessor_error[], bad_exception[], bad_exception_with_code[];
extern const char irq_0xfd[], irq_0xff[];

static void set_gate(int n, const void *fn, int dpl) {
  u64 a = (u64)fn;
  idt_table[n] = (struct gate_struct){ (u16)a, __KERNEL_CS, 0, (u8)(0x8e | (dpl << 5)), (u16)(a >> 16), (u32)(a >> 32), 0 };
}

/* trap_init (arch/x86/kernel/traps.c) and the APIC vectors (apic_intr_init). */
static void trap_init(void) {
  for (int v = 0; v < 256; v++) {
    int code = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
    set_gate(v, code ? bad_exception_with_code : bad_exception, 0);
  }
  set_gate(0, divide_error, 0);
  set_gate(1, debug, 0);
  set_gate(3, int3, 3);
  set_gate(6, invalid_op, 0);
  set_gate(7, device_not_available, 0);
  set_gate(13, general_protection, 0);
  set_gate(14, page_fault, 0);
  set_gate(16, coprocessor_error, 0);
  set_gate(17, alignment_check, 0);
  set_gate(19, simd_coprocessor_error, 0);
  set_gate(RESCHEDULE_VECTOR, irq_0xfd, 0);
  set_gate(SPURIOUS_APIC_VECTOR, irq_0xff, 0);
}

/* Linux's GDT (arch/x86/kernel/cpu/common.c gdt_page): 64-bit kernel code and
 * data, 32-bit user code, user data, 64-bit user code, then the TSS. */
static void gdt_init(int cpu) {
  u64 *g = gdt_table[cpu];
  g[0] = 0;
  g[1] = 0x00cf9b000000ffffUL; /* KERNEL32_CS */
  g[2] = 0x00af9b000000ffffUL; /* KERNEL_CS: L = 1 */
  g[3] = 0x00cf93000000ffffUL; /* KERNEL_DS */
  g[4] = 0x00cffb000000ffffUL; /* USER32_CS, DPL 3 */
  g[5] = 0x00cff3000000ffffUL; /* USER_DS, DPL 3 */
  g[6] = 0x00affb000000ffffUL; /* USER_CS: L = 1, DPL 3 */
  g[7] = 0;
  u64 base = (u64)&cpu_tss[cpu].t, limit = sizeof(struct tss_struct) - 1;
  g[GDT_ENTRY_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
  g[GDT_ENTRY_TSS + 1] = base >> 32;
  struct __attribute__((packed)) { u16 limit; u64 base; } gdtr = { GDT_ENTRIES * 8 - 1, (u64)g };
  __asm__ volatile("lgdt %0" : : "m"(gdtr));
  /* reload CS with a far return, then the data segments */
  __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" : : "i"(__KERNEL_CS) : "rax", "memory");
  __asm__ volatile("movl %0, %%ds; movl %0, %%es; movl %0, %%ss" : : "r"(__KERNEL_DS));
  __asm__ volatile("movl %0, %%fs; movl %0, %%gs" : : "r"(0));
  cpu_tss[cpu].t.sp0 = (u64)(task_stacks[cpu] + THREAD_SIZE);
  cpu_tss[cpu].t.io_bitmap_base = sizeof(struct tss_struct);
  __asm__ volatile("ltr %w0" : : "r"(__TSS_SEL));
  struct __attribute__((packed)) { u16 limit; u64 base; } idtr = { sizeof idt_table - 1, (u64)idt_table };
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

/* cpu_init (arch/x86/kernel/cpu/common.c): this core's descriptor tables,
 * paging mode, SYSCALL MSRs, speculation control, per-CPU area, APIC. */
void cpu_init(int cpu) {
  struct percpu *p = &cpu_data[cpu];
  p->self = (u64)p;
  p->cpu_number = (u64)cpu;
  p->cpu_current_top_of_stack = (u64)(task_stacks[cpu] + THREAD_SIZE);
  p->x86_cr3_pcid_user = KAISER_USER_PCID | (1UL << X86_CR3_PCID_NOFLUSH_BIT);
  gdt_init(cpu);

  u32 a, b, c, d;
  cpuid(1, 0, &a, &b, &c, &d);
  u64 cr4 = read_cr4() | X86_CR4_PGE;
  write_cr4(cr4);
  wrmsrl(MSR_EFER, rdmsrl(MSR_EFER) | EFER_SCE | EFER_NX);
  load_cr3(__pa(init_mm.pgd));
  /* PCID (CPUID.1:ECX[17]): enabled while CR3[11:0] = 0, as the SDM requires. */
  if (c & (1u << 17)) write_cr4(read_cr4() | X86_CR4_PCIDE);
  else panic("the KAISER entry code of this kernel needs PCID (CPUID.1:ECX[17])");

  wrmsrl(MSR_STAR, ((u64)__USER32_CS << 48) | ((u64)__KERNEL_CS << 32));
  wrmsrl(MSR_LSTAR, (u64)entry_SYSCALL_64);
  wrmsrl(MSR_SYSCALL_MASK, SYSCALL_MASK);
  wrmsrl(MSR_GS_BASE, (u64)p);
  wrmsrl(MSR_KERNEL_GS_BASE, 0);

  /* IBRS on kernel entry when the microcode provides IA32_SPEC_CTRL (CPUID.(7,0):EDX[26]). */
  cpuid(7, 0, &a, &b, &c, &d);
  if (d & (1u << 26)) {
    p->spec_ctrl_pcp = SPEC_CTRL_PCP_IBRS_ENTRY | SPEC_CTRL_PCP_IBRS_EXIT;
    wrmsrl(MSR_IA32_SPEC_CTRL, SPEC_CTRL_IBRS);   /* the kernel runs with IBRS set */
  }
  p->active_mm = &init_mm;
  apic_init();
}

/* Every core's second stage, on its own idle stack. */
_Noreturn void start_secondary(long cpu);
_Noreturn void start_secondary(long cpu) {
  cpu_init((int)cpu);
  __atomic_add_fetch(&cpus_up, 1, __ATOMIC_SEQ_CST);
  if (cpu == 0) {
    while (READ_ONCE(cpus_up) < nr_cpu_ids) __asm__ volatile("pause");
    parse_boot_command_line();
    if (exec_user_program() < 0) panic("could not start the user program");
  }
  cpu_idle_loop();
}

/* The guest ABI's entry (rt.c calls test_main_smp on every core): start_kernel. */
int test_main_smp(long core, long ncores) {
  if (core == 0) {
    nr_cpu_ids = ncores > NR_CPUS ? NR_CPUS : (int)ncores;
    trap_init();
    paging_init();            /* builds init_mm on the boot identity map, then va_offset = PAGE_OFFSET */
    WRITE_ONCE(kernel_ready, 1);
  } else {
    while (!READ_ONCE(kernel_ready)) __asm__ volatile("pause");
    if (core >= NR_CPUS) for (;;) __asm__ volatile("cli; hlt");
  }
  /* Leave the machine's boot stack (not mapped once CR3 changes) for this core's idle stack. */
  __asm__ volatile("movq %0, %%rsp; movq %1, %%rdi; call start_secondary"
                   : : "r"(idle_stacks[core] + THREAD_SIZE), "r"(core) : "memory");
  __builtin_unreachable();
}
