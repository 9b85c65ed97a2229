/*
 * Kernel entry and exit (arch/x86/entry/entry_64.S of Linux 4.4, with the
 * two mitigations the paper's Ubuntu 4.4 kernel carried in 2018):
 *
 *  - KAISER / page-table isolation: user space runs on a shadow PGD (the
 *    kernel PGD + 4 KiB) that maps only this section, the per-CPU entry
 *    data, the GDT/IDT/TSS and the kernel stacks. Every entry switches CR3
 *    to the kernel PGD (PCID 0, no flush) and every exit back (the user
 *    PCID, no flush unless the mm asked for one): _SWITCH_TO_KERNEL_CR3 and
 *    _SWITCH_TO_USER_CR3 below.
 *  - IBRS on entry: IA32_SPEC_CTRL.IBRS is set once on kernel entry and
 *    cleared on exit, by WRMSR (IBRS_ENTRY / IBRS_EXIT, as the distribution
 *    kernels' speculation-control patches did).
 *
 * Everything here runs with the costs of its instructions: SWAPGS, the MOV
 * to and from CR3, WRMSR, the pushes and pops of pt_regs, SYSRET or IRETQ.
 */
#include "asm-offsets.h"

	/* A section the linker brackets with __start_entry_text / __stop_entry_text: the KAISER shadow PGD maps it. */
	.section entry_text, "ax"
	.balign 4096

/* ---- KAISER CR3 switches (arch/x86/include/asm/kaiser.h, 4.4 backport) --- */
.macro _SWITCH_TO_KERNEL_CR3 reg
	movq	%cr3, \reg
	andq	$(~(X86_CR3_PCID_ASID_MASK | KAISER_SHADOW_PGD_OFFSET)), \reg
	bts	$X86_CR3_PCID_NOFLUSH_BIT, \reg
	movq	\reg, %cr3
.endm

/* The user PCID word is KAISER_USER_PCID | NOFLUSH; when the mm changed it
 * has NOFLUSH clear (a positive value): this switch then flushes the user
 * PCID once and sets the byte back (the "js 9f / movb" of the backport). */
.macro _SWITCH_TO_USER_CR3 reg regb
	movq	%cr3, \reg
	orq	%gs:PCPU_x86_cr3_pcid_user, \reg
	orq	$KAISER_SHADOW_PGD_OFFSET, \reg
	js	9f
	movb	$0x80, %gs:(PCPU_x86_cr3_pcid_user + 7)
9:
	movq	\reg, %cr3
.endm

.macro SWITCH_KERNEL_CR3
	pushq	%rax
	_SWITCH_TO_KERNEL_CR3 %rax
	popq	%rax
.endm

.macro SWITCH_USER_CR3
	pushq	%rax
	_SWITCH_TO_USER_CR3 %rax %al
	popq	%rax
.endm

/* No stack to use yet (SYSCALL entry): a per-CPU scratch word instead. */
.macro SWITCH_KERNEL_CR3_NO_STACK
	movq	%rax, %gs:PCPU_unsafe_stack_register_backup
	_SWITCH_TO_KERNEL_CR3 %rax
	movq	%gs:PCPU_unsafe_stack_register_backup, %rax
.endm

/* ---- IBRS (the distribution kernels' spec_ctrl.h) ------------------------- */
.macro IBRS_ENTRY
	testl	$SPEC_CTRL_PCP_IBRS_ENTRY, %gs:PCPU_spec_ctrl_pcp
	jz	.Lskip_\@
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movl	$0, %edx
	movl	$MSR_IA32_SPEC_CTRL, %ecx
	movl	$SPEC_CTRL_IBRS, %eax
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rax
	jmp	.Lend_\@
.Lskip_\@:
	lfence
.Lend_\@:
.endm

.macro IBRS_EXIT
	testl	$SPEC_CTRL_PCP_IBRS_EXIT, %gs:PCPU_spec_ctrl_pcp
	jz	.Lskip_\@
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movl	$0, %edx
	movl	$MSR_IA32_SPEC_CTRL, %ecx
	movl	$0, %eax
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rax
.Lskip_\@:
.endm

/* ---- pt_regs helpers (arch/x86/entry/calling.h) --------------------------- */
.macro SAVE_EXTRA_REGS offset=0
	movq	%r15, 0*8+\offset(%rsp)
	movq	%r14, 1*8+\offset(%rsp)
	movq	%r13, 2*8+\offset(%rsp)
	movq	%r12, 3*8+\offset(%rsp)
	movq	%rbp, 4*8+\offset(%rsp)
	movq	%rbx, 5*8+\offset(%rsp)
.endm
.macro RESTORE_EXTRA_REGS offset=0
	movq	0*8+\offset(%rsp), %r15
	movq	1*8+\offset(%rsp), %r14
	movq	2*8+\offset(%rsp), %r13
	movq	3*8+\offset(%rsp), %r12
	movq	4*8+\offset(%rsp), %rbp
	movq	5*8+\offset(%rsp), %rbx
.endm
.macro SAVE_C_REGS
	movq	%r11, R11(%rsp)
	movq	%r10, R10(%rsp)
	movq	%r9, R9(%rsp)
	movq	%r8, R8(%rsp)
	movq	%rax, RAX(%rsp)
	movq	%rcx, RCX(%rsp)
	movq	%rdx, RDX(%rsp)
	movq	%rsi, RSI(%rsp)
	movq	%rdi, RDI(%rsp)
.endm
.macro RESTORE_C_REGS_EXCEPT_RCX_R11
	movq	R10(%rsp), %r10
	movq	R9(%rsp), %r9
	movq	R8(%rsp), %r8
	movq	RAX(%rsp), %rax
	movq	RDX(%rsp), %rdx
	movq	RSI(%rsp), %rsi
	movq	RDI(%rsp), %rdi
.endm
.macro RESTORE_C_REGS
	RESTORE_C_REGS_EXCEPT_RCX_R11
	movq	RCX(%rsp), %rcx
	movq	R11(%rsp), %r11
.endm

/*
 * entry_SYSCALL_64: the 64-bit system call (SDM SYSCALL: RCX = user RIP,
 * R11 = user RFLAGS, CPL 0, IF cleared by IA32_FMASK). Arguments in RDI,
 * RSI, RDX, R10, R8, R9; the number in RAX.
 */
	.globl entry_SYSCALL_64
	.type entry_SYSCALL_64, @function
entry_SYSCALL_64:
	swapgs
	SWITCH_KERNEL_CR3_NO_STACK
	movq	%rsp, %gs:PCPU_rsp_scratch
	movq	%gs:PCPU_cpu_current_top_of_stack, %rsp

	/* Construct struct pt_regs on the stack */
	pushq	$__USER_DS			/* pt_regs->ss */
	pushq	%gs:PCPU_rsp_scratch		/* pt_regs->sp */
	pushq	%r11				/* pt_regs->flags */
	pushq	$__USER_CS			/* pt_regs->cs */
	pushq	%rcx				/* pt_regs->ip */
	pushq	%rax				/* pt_regs->orig_ax */
	pushq	%rdi				/* pt_regs->di */
	pushq	%rsi				/* pt_regs->si */
	pushq	%rdx				/* pt_regs->dx */
	pushq	%rcx				/* pt_regs->cx */
	pushq	$-ENOSYS			/* pt_regs->ax */
	pushq	%r8				/* pt_regs->r8 */
	pushq	%r9				/* pt_regs->r9 */
	pushq	%r10				/* pt_regs->r10 */
	pushq	%r11				/* pt_regs->r11 */
	subq	$(6*8), %rsp			/* pt_regs->bp, bx, r12-15 not saved */
	IBRS_ENTRY

	movq	%gs:PCPU_current_task, %r11
	testl	$_TIF_WORK_SYSCALL_ENTRY, TASK_ti_flags(%r11)
	jnz	tracesys
	.globl entry_SYSCALL_64_fastpath
entry_SYSCALL_64_fastpath:
	sti
	cmpq	$(NR_syscalls - 1), %rax
	ja	1f
	movq	%r10, %rcx
	call	*sys_call_table(, %rax, 8)
	movq	%rax, RAX(%rsp)
1:
	/* Syscall return path ending with SYSRET (fast path): no work pending. */
	cli
	movq	%gs:PCPU_current_task, %r11
	testl	$_TIF_ALLWORK_MASK, TASK_ti_flags(%r11)
	jnz	int_ret_from_sys_call_irqs_off
	IBRS_EXIT
	movq	RIP(%rsp), %rcx
	movq	EFLAGS(%rsp), %r11
	RESTORE_C_REGS_EXCEPT_RCX_R11
	SWITCH_USER_CR3
	movq	RSP(%rsp), %rsp
	swapgs
	sysretq

tracesys:
	/* No tracing in this kernel: _TIF_WORK_SYSCALL_ENTRY is 0, so this is never taken. */
	jmp	entry_SYSCALL_64_fastpath

/*
 * The slow return (work pending: a signal to deliver, or a syscall that
 * changed pt_regs wholesale). The full register set is in pt_regs; return
 * with SYSRET when the frame allows it ("opportunistic SYSRET"), else IRET.
 */
	.globl int_ret_from_sys_call
int_ret_from_sys_call:
	cli
int_ret_from_sys_call_irqs_off:
	SAVE_EXTRA_REGS
	movq	%rsp, %rdi
	call	prepare_exit_to_usermode
	RESTORE_EXTRA_REGS
	/* SYSRET needs RCX == RIP, R11 == RFLAGS, the standard selectors, a canonical RIP, no TF/RF. */
	movq	RCX(%rsp), %rcx
	movq	RIP(%rsp), %r11
	cmpq	%rcx, %r11
	jne	opportunistic_sysret_failed
	shlq	$16, %rcx
	sarq	$16, %rcx
	cmpq	%rcx, %r11
	jne	opportunistic_sysret_failed
	cmpq	$__USER_CS, CS(%rsp)
	jne	opportunistic_sysret_failed
	movq	R11(%rsp), %r11
	cmpq	%r11, EFLAGS(%rsp)
	jne	opportunistic_sysret_failed
	testq	$(0x100 | 0x10000), %r11	/* TF, RF */
	jnz	opportunistic_sysret_failed
	cmpq	$__USER_DS, SS(%rsp)
	jne	opportunistic_sysret_failed
	IBRS_EXIT
	RESTORE_C_REGS_EXCEPT_RCX_R11
	SWITCH_USER_CR3
	movq	RSP(%rsp), %rsp
	swapgs
	sysretq
opportunistic_sysret_failed:
	IBRS_EXIT
	SWITCH_USER_CR3
	swapgs
	jmp	restore_c_regs_and_iret

/* System calls that read or rewrite the whole pt_regs (rt_sigreturn, clone): the extra registers first. */
	.globl stub_rt_sigreturn
stub_rt_sigreturn:
	SAVE_EXTRA_REGS 8
	call	sys_rt_sigreturn
return_from_stub:
	addq	$8, %rsp
	RESTORE_EXTRA_REGS
	movq	%rax, RAX(%rsp)
	jmp	int_ret_from_sys_call

	.globl stub_clone
stub_clone:
	SAVE_EXTRA_REGS 8
	call	sys_clone
	jmp	return_from_stub

/*
 * A new thread's first return to user space: its pt_regs were copied from
 * the parent's (ax = 0) onto this CPU's stack; RSP points at them.
 */
	.globl ret_from_fork
ret_from_fork:
	cli
	movq	%rsp, %rdi
	call	prepare_exit_to_usermode
	IBRS_EXIT
	SWITCH_USER_CR3
	swapgs
	RESTORE_EXTRA_REGS
	jmp	restore_c_regs_and_iret

/*
 * Interrupts (the `interrupt` and `apicinterrupt` macros): the CPU pushed
 * SS, RSP, RFLAGS, CS, RIP on this CPU's kernel stack (TSS.RSP0 when it came
 * from user space); the stub pushed ~vector as orig_ax.
 */
.macro interrupt func
	subq	$(15*8), %rsp		/* ALLOC_PT_GPREGS_ON_STACK: up to orig_ax */
	SAVE_C_REGS
	SAVE_EXTRA_REGS
	testb	$3, CS(%rsp)
	jz	1f
	swapgs
	SWITCH_KERNEL_CR3
	IBRS_ENTRY
1:
	incq	%gs:PCPU_irq_count
	movq	%rsp, %rdi
	call	\func
	decq	%gs:PCPU_irq_count
.endm

.macro apicinterrupt num do_sym
	.globl irq_\num
irq_\num:
	pushq	$~(\num)
	interrupt \do_sym
	jmp	ret_from_intr
.endm

	apicinterrupt RESCHEDULE_VECTOR smp_reschedule_interrupt
	apicinterrupt SPURIOUS_APIC_VECTOR smp_spurious_interrupt

ret_from_intr:
	cli
	testb	$3, CS(%rsp)
	jz	retint_kernel
	/* Interrupt came from user space */
	.globl retint_user
retint_user:
	movq	%rsp, %rdi
	call	prepare_exit_to_usermode
	IBRS_EXIT
	SWITCH_USER_CR3
	swapgs
	jmp	restore_regs_and_iret
retint_kernel:
restore_regs_and_iret:
	RESTORE_EXTRA_REGS
restore_c_regs_and_iret:
	RESTORE_C_REGS
	addq	$(15*8 + 8), %rsp	/* REMOVE_PT_GPREGS_FROM_STACK 8: down to the iret frame */
	iretq

/*
 * Exceptions (idtentry): a stub per vector pushes an error code if the CPU
 * did not, then the common path saves pt_regs and calls do_<name>(regs, error_code).
 */
.macro idtentry sym do_sym has_error_code
	.globl \sym
\sym:
	.if \has_error_code == 0
	pushq	$-1
	.endif
	subq	$(15*8), %rsp
	SAVE_C_REGS
	SAVE_EXTRA_REGS
	testb	$3, CS(%rsp)
	jz	1f
	swapgs
	SWITCH_KERNEL_CR3
	IBRS_ENTRY
1:
	movq	%rsp, %rdi
	movq	ORIG_RAX(%rsp), %rsi
	movq	$-1, ORIG_RAX(%rsp)
	call	\do_sym
	jmp	ret_from_intr
.endm

	idtentry divide_error do_divide_error 0
	idtentry debug do_debug 0
	idtentry int3 do_int3 0
	idtentry invalid_op do_invalid_op 0
	idtentry device_not_available do_device_not_available 0
	idtentry general_protection do_general_protection 1
	idtentry page_fault do_page_fault 1
	idtentry coprocessor_error do_coprocessor_error 0
	idtentry alignment_check do_alignment_check 1
	idtentry simd_coprocessor_error do_simd_coprocessor_error 0
	idtentry bad_exception do_bad_exception 0
	idtentry bad_exception_with_code do_bad_exception 1

	.balign 4096

	.section .note.GNU-stack, "", @progbits
