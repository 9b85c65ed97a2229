/*
 * User-level contexts with glibc's x86-64 ucontext_t layout (sysdeps/unix/
 * sysv/linux/x86_64/ucontext_i.sym), and the fast switch routines of
 * Shinjuku's dp/core/context_fast.S (NSDI'19 §3.3, Table 2): glibc's
 * swapcontext without the sigprocmask system call, and with the FP
 * environment saved only when a request is torn off by preemption
 * (swapcontext_fast_to_control) and restored only when it resumes
 * (swapcontext_fast). No vector registers are saved (as in Shinjuku).
 *
 * These are this build's own routines (context_fast.S); the host kernel's
 * glibc-style ones live in guest/host/.
 */
#ifndef SHINJUKU_CONTEXT_H
#define SHINJUKU_CONTEXT_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* Offsets into ucontext_t (glibc x86-64). */
#define UC_LINK 0x08
#define UC_SS_SP 0x10
#define UC_SS_SIZE 0x20
#define UC_R8 0x28
#define UC_R9 0x30
#define UC_R12 0x48
#define UC_R13 0x50
#define UC_R14 0x58
#define UC_R15 0x60
#define UC_RDI 0x68
#define UC_RSI 0x70
#define UC_RBP 0x78
#define UC_RBX 0x80
#define UC_RDX 0x88
#define UC_RCX 0x98
#define UC_RSP 0xa0
#define UC_RIP 0xa8
#define UC_FPREGS 0xe0
#define UC_FPREGS_MEM 0x1a8
#define UC_MXCSR 0x1c0
#define UC_SIZE 968

#ifndef __ASSEMBLER__
typedef struct ucontext {
  uint64_t uc_flags;
  struct ucontext *uc_link;
  struct { void *ss_sp; int32_t ss_flags; uint64_t ss_size; } uc_stack;
  uint8_t rest[UC_SIZE - 40];
} ucontext_t;
_Static_assert(sizeof(ucontext_t) == UC_SIZE, "glibc's x86-64 ucontext_t is 968 bytes");

/* Capture the FP environment and MXCSR as a template for makecontext (Shinjuku's getcontext_fast). */
int getcontext_fast(ucontext_t *ucp);
/* Save registers into oucp and run ucp, restoring its FP environment; no FP save. */
int swapcontext_fast(ucontext_t *oucp, const ucontext_t *ucp);
/* Save registers and the FP environment into oucp and run ucp without restoring FP state. */
int swapcontext_fast_to_control(ucontext_t *oucp, const ucontext_t *ucp);
/* Neither FP save nor restore: starting a new request, and a finished request returning to the worker. */
int swapcontext_very_fast(ucontext_t *oucp, const ucontext_t *ucp);
/* Make ucp run fn(arg) on its stack (uc_stack); when fn returns, the context at uc_link resumes. */
void makecontext_fast(ucontext_t *ucp, void (*fn)(uint64_t), uint64_t arg);
/* Point the context's uc_link at this worker's main context (a context can finish on another worker). */
static inline void set_context_link(ucontext_t *ucp, ucontext_t *link) { ucp->uc_link = link; }
#endif

#endif
