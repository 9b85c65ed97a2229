/*
 * Offsets into glibc's x86-64 ucontext_t (sys/ucontext.h), for the context
 * switches in assembly: the general registers are uc_mcontext.gregs[REG_*]
 * (8 bytes each from offset 40), fpregs points at __fpregs_mem, an FXSAVE-
 * layout area whose first 28 bytes take FNSTENV's environment and whose
 * MXCSR slot (offset 24 in it) takes STMXCSR.
 */
#ifndef UCONTEXT_I_H
#define UCONTEXT_I_H
#define oRBP       0x78
#define oRSP       0xa0
#define oRBX       0x80
#define oR8        0x28
#define oR9        0x30
#define oR12       0x48
#define oR13       0x50
#define oR14       0x58
#define oR15       0x60
#define oRDI       0x68
#define oRSI       0x70
#define oRDX       0x88
#define oRCX       0x98
#define oRIP       0xa8
#define oFPREGS    0xe0
#define oSIGMASK   0x128
#define oFPREGSMEM 0x1a8
#define oMXCSR     0x1c0
#define SIG_BLOCK_  0
#define SIG_SETMASK_ 2
#define NSIG_BYTES 8       /* _NSIG / 8: the kernel's sigset size */
#define NR_rt_sigprocmask 14
#endif
