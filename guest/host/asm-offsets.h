/*
 * Constants shared by the host kernel's C and its entry assembly
 * (entry_64.S): segment selectors, the pt_regs frame, the per-CPU area, the
 * thread flags, the KAISER (page-table isolation) and IBRS constants. As in
 * Linux these are what arch/x86/kernel/asm-offsets.c would generate; here
 * they are written once and checked against the C structures with
 * _Static_assert in kernel.h.
 */
#ifndef HOST_ASM_OFFSETS_H
#define HOST_ASM_OFFSETS_H

/* GDT layout of Linux x86-64 (arch/x86/include/asm/segment.h): SYSRET needs
 * USER32_CS, USER_DS, USER_CS in that order (STAR[63:48] = __USER32_CS). */
#define __KERNEL_CS   0x10
#define __KERNEL_DS   0x18
#define __USER32_CS   0x23
#define __USER_DS     0x2b
#define __USER_CS     0x33
#define GDT_ENTRY_TSS 8
#define __TSS_SEL     (GDT_ENTRY_TSS * 8)
#define GDT_ENTRIES   10

/* struct pt_regs (arch/x86/include/asm/ptrace.h, x86-64): what the entry
 * code pushes, lowest address first. */
#define R15       0
#define R14       8
#define R13       16
#define R12       24
#define RBP       32
#define RBX       40
#define R11       48
#define R10       56
#define R9        64
#define R8        72
#define RAX       80
#define RCX       88
#define RDX       96
#define RSI       104
#define RDI       112
#define ORIG_RAX  120
#define RIP       128
#define CS        136
#define EFLAGS    144
#define RSP       152
#define SS        160
#define SIZEOF_PTREGS 168

/* The per-CPU area, reached through %gs in the kernel (struct percpu). */
#define PCPU_self                          0
#define PCPU_rsp_scratch                   8
#define PCPU_cpu_current_top_of_stack      16
#define PCPU_unsafe_stack_register_backup  24
#define PCPU_x86_cr3_pcid_user             32
#define PCPU_spec_ctrl_pcp                 40
#define PCPU_current_task                  48
#define PCPU_cpu_number                    56
#define PCPU_irq_count                     64

/* Thread-information flags (arch/x86/include/asm/thread_info.h). */
#define TIF_SIGPENDING       2
#define TIF_NEED_RESCHED     3
#define _TIF_SIGPENDING      (1 << TIF_SIGPENDING)
#define _TIF_NEED_RESCHED    (1 << TIF_NEED_RESCHED)
#define _TIF_WORK_SYSCALL_ENTRY 0          /* no tracing, seccomp or audit here */
#define _TIF_ALLWORK_MASK    (_TIF_SIGPENDING | _TIF_NEED_RESCHED)
#define TASK_ti_flags        0             /* offsetof(struct task_struct, ti_flags) */

/* KAISER (page-table isolation, the 4.4 backport): each process has an 8 KiB
 * pair of PGDs, kernel then user; the user one is 4 KiB above. With PCID the
 * kernel runs under PCID 0 and user space under KAISER_USER_PCID. */
#define KAISER_SHADOW_PGD_OFFSET 0x1000
#define X86_CR3_PCID_ASID_MASK   0xfff
#define X86_CR3_PCID_NOFLUSH_BIT 63
#define KAISER_USER_PCID         0x80

/* IBRS on kernel entry, cleared on exit (the early-2018 distribution kernels'
 * Spectre v2 mitigation): spec_ctrl_pcp bits say whether entry/exit write
 * IA32_SPEC_CTRL. */
#define MSR_IA32_SPEC_CTRL       0x48
#define SPEC_CTRL_IBRS           1
#define SPEC_CTRL_PCP_IBRS_ENTRY 1
#define SPEC_CTRL_PCP_IBRS_EXIT  2

/* Vectors (arch/x86/include/asm/irq_vectors.h). */
#define RESCHEDULE_VECTOR        0xfd
#define SPURIOUS_APIC_VECTOR     0xff

#define THREAD_SIZE              16384
#define NR_syscalls              335
#define ENOSYS                   38

#endif
