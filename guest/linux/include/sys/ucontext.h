/* User contexts with glibc's x86-64 layout (sysdeps/unix/sysv/linux/x86_64/sys/ucontext.h). */
#ifndef _SYS_UCONTEXT_H
#define _SYS_UCONTEXT_H
#include <signal.h>

typedef long long int greg_t;
#define NGREG 23
typedef greg_t gregset_t[NGREG];
enum {
  REG_R8 = 0, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RDI, REG_RSI, REG_RBP, REG_RBX,
  REG_RDX, REG_RAX, REG_RCX, REG_RSP, REG_RIP, REG_EFL, REG_CSGSFS, REG_ERR, REG_TRAPNO, REG_OLDMASK, REG_CR2
};
struct _libc_fpxreg { unsigned short int significand[4]; unsigned short int exponent; unsigned short int __glibc_reserved1[3]; };
struct _libc_xmmreg { uint32_t element[4]; };
struct _libc_fpstate {
  uint16_t cwd, swd, ftw, fop;
  uint64_t rip, rdp;
  uint32_t mxcsr, mxcr_mask;
  struct _libc_fpxreg _st[8];
  struct _libc_xmmreg _xmm[16];
  uint32_t __glibc_reserved1[24];
};
typedef struct _libc_fpstate *fpregset_t;
typedef struct { gregset_t gregs; fpregset_t fpregs; unsigned long long __reserved1[8]; } mcontext_t;
typedef struct ucontext_t {
  unsigned long int uc_flags;
  struct ucontext_t *uc_link;
  stack_t uc_stack;
  mcontext_t uc_mcontext;
  sigset_t uc_sigmask;
  struct _libc_fpstate __fpregs_mem;
  unsigned long long int __ssp[4];
} ucontext_t;
#endif
