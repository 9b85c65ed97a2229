/*
 * FP and vector state across a signal: the handler starts from the initial
 * FPU state (MXCSR 1F80H, FCW 037FH), sees the interrupted state in the
 * frame (uc_mcontext.fpregs), and what it leaves in the registers is
 * dropped by rt_sigreturn, which restores the frame - including anything
 * the handler wrote into it. XMM, the upper halves of YMM and the x87
 * stack top are checked, all from one inline-assembly block around a raw
 * tgkill system call.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>

static volatile unsigned h_mxcsr, h_fcw, h_frame_mxcsr, h_frame_cwd, h_frame_xmm8, h_frame_st0_hi;

static void handler(int sig, siginfo_t *si, void *p) {
  ucontext_t *uc = p;
  unsigned mx; unsigned short cw;
  (void)sig; (void)si;
  __asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mx), "=m"(cw));
  h_mxcsr = mx;
  h_fcw = cw;
  h_frame_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  h_frame_cwd = uc->uc_mcontext.fpregs->cwd;
  h_frame_xmm8 = uc->uc_mcontext.fpregs->_xmm[8].element[0];
  h_frame_st0_hi = uc->uc_mcontext.fpregs->_st[0].exponent;
  /* change the live state (lost at sigreturn) ... */
  mx = 0x5f80;
  __asm__ volatile("ldmxcsr %0; movl $0x99, %%eax; movd %%eax, %%xmm8" : : "m"(mx) : "eax", "xmm8");
  /* ... and the saved one (restored at sigreturn) */
  uc->uc_mcontext.fpregs->_xmm[9].element[0] = 0x4242;
  uc->uc_mcontext.fpregs->mxcsr |= 0x8000;   /* FTZ */
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, 0);

  long pid = getpid(), tid = gettid();
  unsigned mx_in = 0x3f80, mx_out;          /* round down */
  unsigned short cw_in = 0x27f, cw_out;     /* 53-bit precision */
  unsigned x8, x9, y10hi;
  double one_and_half = 1.5, st0_out;
  __asm__ volatile(
    "ldmxcsr %[mxi]\n\t"
    "fldcw %[cwi]\n\t"
    "fldl %[onehalf]\n\t"
    "movl $0x1234, %%eax\n\t"
    "movd %%eax, %%xmm8\n\t"
    "movl $0x5678, %%eax\n\t"
    "movd %%eax, %%xmm9\n\t"
    "movl $0xabcd, %%eax\n\t"
    "movd %%eax, %%xmm11\n\t"
    "vinsertf128 $1, %%xmm11, %%ymm10, %%ymm10\n\t"
    "movl $234, %%eax\n\t"
    "syscall\n\t"
    "stmxcsr %[mxo]\n\t"
    "fnstcw %[cwo]\n\t"
    "fstpl %[st0]\n\t"
    "movd %%xmm8, %[x8]\n\t"
    "movd %%xmm9, %[x9]\n\t"
    "vextractf128 $1, %%ymm10, %%xmm11\n\t"
    "movd %%xmm11, %[y10]\n\t"
    "vzeroupper\n\t"
    : [mxo] "=m"(mx_out), [cwo] "=m"(cw_out), [st0] "=m"(st0_out), [x8] "=r"(x8), [x9] "=r"(x9), [y10] "=r"(y10hi)
    : [mxi] "m"(mx_in), [cwi] "m"(cw_in), [onehalf] "m"(one_and_half), "D"(pid), "S"(tid), "d"(SIGUSR1)
    : "rax", "rcx", "r11", "xmm8", "xmm9", "xmm10", "xmm11", "memory", "cc");
  unsigned short cw_default = 0x37f;
  __asm__ volatile("fldcw %0" : : "m"(cw_default));
  unsigned long long st0_bits;
  memcpy(&st0_bits, &st0_out, 8);
  printf("handler's own state: MXCSR %x FCW %x\n", h_mxcsr, h_fcw);
  printf("frame held: MXCSR %x FCW %x xmm8 %x st0 exponent %x\n", h_frame_mxcsr, h_frame_cwd, h_frame_xmm8, h_frame_st0_hi);
  printf("after sigreturn: MXCSR %x (FTZ from the frame) FCW %x xmm8 %x xmm9 %x (from the frame) ymm10[255:128] %x st0 %llx\n",
         mx_out, cw_out, x8, x9, y10hi, st0_bits);
  return 0;
}
