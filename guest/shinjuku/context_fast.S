/*
 * Context switches for Shinjuku's workers (see context.h). Each routine
 * saves the callee-saved registers plus RDI, RSI, RDX, RCX, R8, R9, the
 * return address as RIP and the caller's RSP into the first context, then
 * loads the second context's RSP, pushes its RIP, loads its registers and
 * returns into it with RAX = 0 — glibc's swapcontext (sysdeps/unix/sysv/
 * linux/x86_64/swapcontext.S) without the rt_sigprocmask system call, with
 * the FP save/restore each variant keeps.
 */
#include "context.h"

        .text

.macro SAVE_REGS
        movq    %rbx, UC_RBX(%rdi)
        movq    %rbp, UC_RBP(%rdi)
        movq    %r12, UC_R12(%rdi)
        movq    %r13, UC_R13(%rdi)
        movq    %r14, UC_R14(%rdi)
        movq    %r15, UC_R15(%rdi)
        movq    %rdi, UC_RDI(%rdi)
        movq    %rsi, UC_RSI(%rdi)
        movq    %rdx, UC_RDX(%rdi)
        movq    %rcx, UC_RCX(%rdi)
        movq    %r8, UC_R8(%rdi)
        movq    %r9, UC_R9(%rdi)
        movq    (%rsp), %rcx
        movq    %rcx, UC_RIP(%rdi)
        leaq    8(%rsp), %rcx
        movq    %rcx, UC_RSP(%rdi)
.endm

.macro SAVE_FP
        leaq    UC_FPREGS_MEM(%rdi), %rcx
        movq    %rcx, UC_FPREGS(%rdi)
        fnstenv (%rcx)
        fldenv  (%rcx)          /* fnstenv masks all x87 exceptions: put the control word back */
        stmxcsr UC_MXCSR(%rdi)
.endm

.macro RESTORE_FP
        movq    UC_FPREGS(%rsi), %rcx
        fldenv  (%rcx)
        ldmxcsr UC_MXCSR(%rsi)
.endm

.macro LOAD_REGS
        movq    UC_RSP(%rsi), %rsp
        movq    UC_RBX(%rsi), %rbx
        movq    UC_RBP(%rsi), %rbp
        movq    UC_R12(%rsi), %r12
        movq    UC_R13(%rsi), %r13
        movq    UC_R14(%rsi), %r14
        movq    UC_R15(%rsi), %r15
        movq    UC_RIP(%rsi), %rcx
        pushq   %rcx
        movq    UC_RDI(%rsi), %rdi
        movq    UC_RDX(%rsi), %rdx
        movq    UC_RCX(%rsi), %rcx
        movq    UC_R8(%rsi), %r8
        movq    UC_R9(%rsi), %r9
        movq    UC_RSI(%rsi), %rsi
        xorl    %eax, %eax
        ret
.endm

        .globl  getcontext_fast
        .type   getcontext_fast, @function
getcontext_fast:
        SAVE_REGS
        SAVE_FP
        xorl    %eax, %eax
        ret
        .size   getcontext_fast, .-getcontext_fast

        .globl  swapcontext_fast
        .type   swapcontext_fast, @function
swapcontext_fast:
        SAVE_REGS
        RESTORE_FP
        LOAD_REGS
        .size   swapcontext_fast, .-swapcontext_fast

        .globl  swapcontext_fast_to_control
        .type   swapcontext_fast_to_control, @function
swapcontext_fast_to_control:
        SAVE_REGS
        SAVE_FP
        LOAD_REGS
        .size   swapcontext_fast_to_control, .-swapcontext_fast_to_control

        .globl  swapcontext_very_fast
        .type   swapcontext_very_fast, @function
swapcontext_very_fast:
        SAVE_REGS
        LOAD_REGS
        .size   swapcontext_very_fast, .-swapcontext_very_fast

/* A context function returned: resume uc_link (RBX holds the context, as glibc's __start_context). */
        .globl  start_context_fast
        .type   start_context_fast, @function
start_context_fast:
        movq    UC_LINK(%rbx), %rsi
        testq   %rsi, %rsi
        jz      1f
        movq    %rbx, %rdi
        jmp     swapcontext_very_fast
1:      cli
        hlt
        jmp     1b
        .size   start_context_fast, .-start_context_fast
