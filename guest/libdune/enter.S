/*
 * libdune/dune.S for a Linux process: __dune_enter (the DUNE_ENTER ioctl
 * with the caller's registers on its stack), __dune_ret (where the vCPU
 * starts), the system-call stub __dune_syscall that dune_init copies to the
 * host's LSTAR address, and the ring-3 round trip of dune_ring3_roundtrips.
 */
#define DUNE_ENTER 0x8028e901           /* guest/dune/dune.h, checked by entry.c */
#define CONF_RIP 0
#define CONF_RSP 8
#define PERCPU_IN_USERMODE 8            /* struct dune_percpu (entry.c) */
#define DUNE_SYS_LEAVE_USER -2          /* from ring 3: continue at ring 0 after the SYSCALL */
#define __NR_ioctl 16

	.text
/* long __dune_enter(long fd, struct dune_ioctl_config *conf): 0 in Dune mode, or the ioctl's error. */
	.globl __dune_enter
	.type __dune_enter, @function
__dune_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, CONF_RSP(%rsi)
	leaq	__dune_ret(%rip), %rax
	movq	%rax, CONF_RIP(%rsi)
	movq	%rsi, %rdx
	movl	$DUNE_ENTER, %esi		/* zero-extended: bit 31 is set */
	movl	$__NR_ioctl, %eax
	syscall
	testq	%rax, %rax
	jnz	1f
	/* 0: the vCPU ran and has left Dune mode; its memory moved on, so no return: on_dune_exit. RDX survives SYSCALL. */
	movq	%rdx, %rdi
	subq	$8, %rsp
	call	dune_on_exit
1:	/* the ioctl failed before entering: nothing ran, the stack is as we left it */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
	.size __dune_enter, .-__dune_enter

/* The vCPU's first instruction: VMX non-root, ring 0, RSP = conf->rsp, RAX = 0. */
	.globl __dune_ret
	.type __dune_ret, @function
__dune_ret:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	xorl	%eax, %eax
	ret
	.size __dune_ret, .-__dune_ret

/*
 * __dune_syscall: copied by dune_init to the host's LSTAR address, so position-independent. From ring 0
 * (glibc's SYSCALL in a Dune process): restore RFLAGS from R11 (SYSCALL masked IF and the rest with
 * IA32_FMASK), VMCALL (the module runs the system call, RAX = its result), back to the instruction
 * after the SYSCALL (RCX). The two LEAs step over the caller's 128-byte red zone before the PUSH
 * (a leaf function may keep locals below RSP across an inline SYSCALL; Linux's SYSCALL writes no stack).
 * From ring 3 (Dune's user mode): the null system call returns at once with SYSRETQ; DUNE_SYS_LEAVE_USER
 * continues at ring 0.
 */
	.balign 16
	.globl __dune_syscall, __dune_syscall_end
__dune_syscall:
	testq	$1, %gs:PERCPU_IN_USERMODE
	jnz	1f
	leaq	-128(%rsp), %rsp
	pushq	%r11
	popfq
	leaq	128(%rsp), %rsp
	vmcall
	jmp	*%rcx
1:	cmpq	$DUNE_SYS_LEAVE_USER, %rax
	je	2f
	sysretq
2:	movq	$0, %gs:PERCPU_IN_USERMODE
	pushq	%r11
	popfq
	jmp	*%rcx
__dune_syscall_end:

/* uint64_t dune_ring3_roundtrips(uint64_t n) (entry.h). */
	.globl dune_ring3_roundtrips
	.type dune_ring3_roundtrips, @function
dune_ring3_roundtrips:
	pushq	%rbx
	pushq	%r12
	movq	%rdi, %r12
	movq	$1, %gs:PERCPU_IN_USERMODE
	leaq	1f(%rip), %rcx
	pushfq
	popq	%r11
	sysretq				/* to ring 3 at 1f, on this stack */
1:
	.globl t2_begin_ring3
t2_begin_ring3:
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	movq	%rdx, %rbx
2:	xorl	%eax, %eax		/* any number but DUNE_SYS_LEAVE_USER */
	syscall
	decq	%r12
	jnz	2b
	.globl t2_end_ring3
t2_end_ring3:
	rdtscp
	shlq	$32, %rdx
	orq	%rax, %rdx
	subq	%rbx, %rdx
	movq	%rdx, %rbx
	movq	$DUNE_SYS_LEAVE_USER, %rax
	syscall				/* back to ring 0 */
	movq	%rbx, %rax
	popq	%r12
	popq	%rbx
	ret
	.size dune_ring3_roundtrips, .-dune_ring3_roundtrips

	.section .note.GNU-stack, "", @progbits
