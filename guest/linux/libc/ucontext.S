/*
 * getcontext, setcontext, swapcontext and makecontext's trampoline, the way
 * glibc implements them on x86-64 (sysdeps/unix/sysv/linux/x86_64/
 * getcontext.S, setcontext.S, swapcontext.S, __start_context.S): the
 * callee-saved and argument registers, RIP and RSP move to and from the
 * ucontext_t; the x87 environment moves with FNSTENV/FLDENV and MXCSR with
 * STMXCSR/LDMXCSR (no x87/vector registers: the ABI does not preserve them
 * across calls); the signal mask with the rt_sigprocmask system call; and
 * the switch ends with `push new_rip; ret`, which the return stack buffer
 * cannot predict.
 */
#include "../ucontext_i.h"

	.text

/* int getcontext(ucontext_t *ucp) */
	.globl getcontext
	.type getcontext, @function
getcontext:
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
	movq	(%rsp), %rcx		/* the caller resumes at our return address ... */
	movq	%rcx, oRIP(%rdi)
	leaq	8(%rsp), %rcx		/* ... with that address popped */
	movq	%rcx, oRSP(%rdi)
	leaq	oFPREGSMEM(%rdi), %rcx	/* fpregs -> the area inside the context */
	movq	%rcx, oFPREGS(%rdi)
	fnstenv	(%rcx)
	fldenv	(%rcx)			/* FNSTENV masked every x87 exception: put the control word back */
	stmxcsr	oMXCSR(%rdi)
	/* The current mask, unchanged: rt_sigprocmask(SIG_BLOCK, NULL, &ucp->uc_sigmask, 8) */
	leaq	oSIGMASK(%rdi), %rdx
	xorl	%esi, %esi
	movl	$SIG_BLOCK_, %edi
	movl	$NSIG_BYTES, %r10d
	movl	$NR_rt_sigprocmask, %eax
	syscall
	cmpq	$-4095, %rax
	jae	.Lsyscall_error
	xorl	%eax, %eax
	ret

/* int setcontext(const ucontext_t *ucp) */
	.globl setcontext
	.type setcontext, @function
setcontext:
	pushq	%rdi			/* keep ucp across the system call (and keep RSP aligned for the error path) */
	/* rt_sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, NULL, 8) */
	leaq	oSIGMASK(%rdi), %rsi
	xorl	%edx, %edx
	movl	$SIG_SETMASK_, %edi
	movl	$NSIG_BYTES, %r10d
	movl	$NR_rt_sigprocmask, %eax
	syscall
	popq	%rdx
	cmpq	$-4095, %rax
	jae	.Lsyscall_error
	movq	oFPREGS(%rdx), %rcx
	fldenv	(%rcx)
	ldmxcsr	oMXCSR(%rdx)
	movq	oRSP(%rdx), %rsp
	movq	oRBX(%rdx), %rbx
	movq	oRBP(%rdx), %rbp
	movq	oR12(%rdx), %r12
	movq	oR13(%rdx), %r13
	movq	oR14(%rdx), %r14
	movq	oR15(%rdx), %r15
	movq	oRIP(%rdx), %rcx	/* where the context resumes: RET goes there */
	pushq	%rcx
	movq	oRDI(%rdx), %rdi
	movq	oRSI(%rdx), %rsi
	movq	oRCX(%rdx), %rcx
	movq	oR8(%rdx), %r8
	movq	oR9(%rdx), %r9
	movq	oRDX(%rdx), %rdx
	xorl	%eax, %eax
	ret

/* int swapcontext(ucontext_t *oucp, const ucontext_t *ucp) */
	.globl swapcontext
	.type swapcontext, @function
swapcontext:
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
	fnstenv	(%rcx)
	stmxcsr	oMXCSR(%rdi)
	movq	%rsi, %r12		/* ucp survives the system call in a register it already saved */
	/* rt_sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, &oucp->uc_sigmask, 8) */
	leaq	oSIGMASK(%rdi), %rdx
	leaq	oSIGMASK(%rsi), %rsi
	movl	$SIG_SETMASK_, %edi
	movl	$NSIG_BYTES, %r10d
	movl	$NR_rt_sigprocmask, %eax
	syscall
	cmpq	$-4095, %rax
	jae	.Lsyscall_error
	movq	%r12, %rdx
	movq	oFPREGS(%rdx), %rcx
	fldenv	(%rcx)
	ldmxcsr	oMXCSR(%rdx)
	movq	oRSP(%rdx), %rsp
	movq	oRBX(%rdx), %rbx
	movq	oRBP(%rdx), %rbp
	movq	oR12(%rdx), %r12
	movq	oR13(%rdx), %r13
	movq	oR14(%rdx), %r14
	movq	oR15(%rdx), %r15
	movq	oRIP(%rdx), %rcx
	pushq	%rcx
	movq	oRDI(%rdx), %rdi
	movq	oRSI(%rdx), %rsi
	movq	oRCX(%rdx), %rcx
	movq	oR8(%rdx), %r8
	movq	oR9(%rdx), %r9
	movq	oRDX(%rdx), %rdx
	xorl	%eax, %eax
	ret

.Lsyscall_error:
	negl	%eax
	movl	%eax, errno(%rip)
	movl	$-1, %eax
	ret

/*
 * Where a makecontext function returns to: RBX was set to the stack slot
 * holding uc_link; resume that context, or exit if there is none.
 */
	.globl __start_context
	.type __start_context, @function
__start_context:
	movq	%rbx, %rsp
	movq	(%rsp), %rdi
	testq	%rdi, %rdi
	je	1f
	call	setcontext
	movq	%rax, %rdi		/* setcontext failed: exit with its -1 */
1:
	call	exit
	hlt
