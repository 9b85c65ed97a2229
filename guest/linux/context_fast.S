/*
 * Shinjuku's context switches (stanford-mast/shinjuku dp/core/context_fast.S):
 * glibc's x86-64 swapcontext without the rt_sigprocmask system call, in
 * three strengths, plus getcontext without it. Same ucontext_t layout as
 * glibc, so they mix with getcontext/makecontext. The paper's Table 2 rows:
 *
 *   swapcontext_nomask           save + FNSTENV/STMXCSR + FLDENV/LDMXCSR   "No signal mask"
 *   swapcontext_fast_to_control  save + FNSTENV/STMXCSR, no FP restore     "No FP-restore"
 *   swapcontext_fast             save, FLDENV/LDMXCSR, no FP save          "No FP-save"
 *   swapcontext_very_fast        neither (a new request, or back from a finished one)
 *
 * Every one ends with `push new_rip; ret`. Built for the machine and, the
 * same file, natively against glibc (the differential tests).
 */
#include "ucontext_i.h"

	.text

/* Save the caller's callee-saved and argument registers, RIP and RSP into the context at RDI. */
.macro SAVE_REGS
	movq	%rbx, oRBX(%rdi)
	movq	%rbp, oRBP(%rdi)
	movq	%r12, oR12(%rdi)
	movq	%r13, oR13(%rdi)
	movq	%r14, oR14(%rdi)
	movq	%r15, oR15(%rdi)
	movq	%rdi, oRDI(%rdi)
	movq	%rsi, oRSI(%rdi)
	movq	%rdx, oRDX(%rdi)
	movq	%rcx, oRCX(%rdi)
	movq	%r8, oR8(%rdi)
	movq	%r9, oR9(%rdi)
	movq	(%rsp), %rcx
	movq	%rcx, oRIP(%rdi)
	leaq	8(%rsp), %rcx
	movq	%rcx, oRSP(%rdi)
	leaq	oFPREGSMEM(%rdi), %rcx
	movq	%rcx, oFPREGS(%rdi)
.endm

.macro SAVE_FP
	fnstenv	(%rcx)
	stmxcsr	oMXCSR(%rdi)
.endm

.macro RESTORE_FP
	movq	oFPREGS(%rsi), %rcx
	fldenv	(%rcx)
	ldmxcsr	oMXCSR(%rsi)
.endm

/* Load the context at RSI and resume it: its stack, registers, and RIP by push + ret. */
.macro LOAD_REGS_AND_RESUME
	movq	oRSP(%rsi), %rsp
	movq	oRBX(%rsi), %rbx
	movq	oRBP(%rsi), %rbp
	movq	oR12(%rsi), %r12
	movq	oR13(%rsi), %r13
	movq	oR14(%rsi), %r14
	movq	oR15(%rsi), %r15
	movq	oRIP(%rsi), %rcx
	pushq	%rcx
	movq	oRDI(%rsi), %rdi
	movq	oRDX(%rsi), %rdx
	movq	oRCX(%rsi), %rcx
	movq	oR8(%rsi), %r8
	movq	oR9(%rsi), %r9
	movq	oRSI(%rsi), %rsi
	xorl	%eax, %eax
	ret
.endm

/* int swapcontext_nomask(ucontext_t *oucp, ucontext_t *ucp) */
	.globl swapcontext_nomask
	.type swapcontext_nomask, @function
swapcontext_nomask:
	SAVE_REGS
	SAVE_FP
	RESTORE_FP
	LOAD_REGS_AND_RESUME

/* int swapcontext_fast_to_control(ucontext_t *oucp, ucontext_t *ucp): a preempted request to the worker's main loop */
	.globl swapcontext_fast_to_control
	.type swapcontext_fast_to_control, @function
swapcontext_fast_to_control:
	SAVE_REGS
	SAVE_FP
	LOAD_REGS_AND_RESUME

/* int swapcontext_fast(ucontext_t *oucp, ucontext_t *ucp): the worker's main loop back to a preempted request */
	.globl swapcontext_fast
	.type swapcontext_fast, @function
swapcontext_fast:
	SAVE_REGS
	RESTORE_FP
	LOAD_REGS_AND_RESUME

/* int swapcontext_very_fast(ucontext_t *oucp, ucontext_t *ucp) */
	.globl swapcontext_very_fast
	.type swapcontext_very_fast, @function
swapcontext_very_fast:
	SAVE_REGS
	LOAD_REGS_AND_RESUME

/* int getcontext_fast(ucontext_t *ucp): getcontext without reading the signal mask */
	.globl getcontext_fast
	.type getcontext_fast, @function
getcontext_fast:
	SAVE_REGS
	fnstenv	(%rcx)
	fldenv	(%rcx)
	stmxcsr	oMXCSR(%rdi)
	xorl	%eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
