/*
 * libdune/dune.S: the 256 interrupt stubs and the common entry. Each stub is
 * 16 bytes: a placeholder error code for vectors without one (SDM Vol. 3A
 * Table 6-1), push RAX, the vector into RAX, jump to __dune_intr_with_num,
 * which saves the other 14 registers into a struct dune_tf, calls
 * dune_trap_handler(vector, tf), restores them and returns with IRETQ.
 * No FPU/SSE state is saved (libdune does not either).
 */
	.text
	.globl __dune_intr
	.balign 16
__dune_intr:
	.set vec, 0
	.rept 256
	.balign 16, 0xcc
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq %rax
	movl $vec, %eax
	jmp __dune_intr_with_num
	.set vec, vec + 1
	.endr

	.globl __dune_intr_with_num
	.type __dune_intr_with_num, @function
__dune_intr_with_num:
	subq $112, %rsp
	movq %rdi, 0(%rsp)
	movq %rsi, 8(%rsp)
	movq %rdx, 16(%rsp)
	movq %r8, 24(%rsp)
	movq %r9, 32(%rsp)
	movq %r10, 40(%rsp)
	movq %r11, 48(%rsp)
	movq %rcx, 56(%rsp)
	movq %rbx, 64(%rsp)
	movq %rbp, 72(%rsp)
	movq %r12, 80(%rsp)
	movq %r13, 88(%rsp)
	movq %r14, 96(%rsp)
	movq %r15, 104(%rsp)
	movl %eax, %edi
	movq %rsp, %rsi
	/* 168 bytes on an interrupt-aligned stack leave it 8 off the ABI's 16 at the call */
	subq $8, %rsp
	call dune_trap_handler
	addq $8, %rsp
	movq 0(%rsp), %rdi
	movq 8(%rsp), %rsi
	movq 16(%rsp), %rdx
	movq 24(%rsp), %r8
	movq 32(%rsp), %r9
	movq 40(%rsp), %r10
	movq 48(%rsp), %r11
	movq 56(%rsp), %rcx
	movq 64(%rsp), %rbx
	movq 72(%rsp), %rbp
	movq 80(%rsp), %r12
	movq 88(%rsp), %r13
	movq 96(%rsp), %r14
	movq 104(%rsp), %r15
	addq $112, %rsp
	popq %rax
	addq $8, %rsp
	iretq
	.size __dune_intr_with_num, .-__dune_intr_with_num
