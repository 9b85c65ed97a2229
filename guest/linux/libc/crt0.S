/* Process entry (the x86-64 ELF ABI): argc at (%rsp), then argv[], NULL, envp[], NULL, auxv. */
	.text
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	leaq	8(%rsi,%rdi,8), %rdx	/* envp */
	andq	$-16, %rsp
	call	__libc_start_main
	hlt
