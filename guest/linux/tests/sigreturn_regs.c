/*
 * rt_sigreturn restores the interrupted registers from the frame, with
 * whatever the handler wrote there: a signal sent by the thread to itself
 * from inline assembly (the raw tgkill system call), a handler that checks
 * and rewrites uc_mcontext, and the registers read right after the SYSCALL.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>

extern const char after_syscall[];
static volatile long h_rip_ok, h_r12, h_r15, h_rbx, h_rax, h_rdi, h_sig, h_frame_aligned;

static void handler(int sig, siginfo_t *si, void *p) {
  ucontext_t *uc = p;
  (void)si;
  h_sig = sig;
  h_rip_ok = uc->uc_mcontext.gregs[REG_RIP] == (greg_t)after_syscall;
  h_r12 = uc->uc_mcontext.gregs[REG_R12];
  h_r15 = uc->uc_mcontext.gregs[REG_R15];
  h_rbx = uc->uc_mcontext.gregs[REG_RBX];
  h_rax = uc->uc_mcontext.gregs[REG_RAX];
  h_rdi = uc->uc_mcontext.gregs[REG_RDI];
  /* the ABI's stack alignment at a handler's first instruction: RSP + 8 is a multiple of 16 */
  h_frame_aligned = (((unsigned long)__builtin_frame_address(0)) & 15) == 0;
  uc->uc_mcontext.gregs[REG_R12] = 0x1212;
  uc->uc_mcontext.gregs[REG_R15] += 1;
  uc->uc_mcontext.gregs[REG_RAX] = 77;
  uc->uc_mcontext.gregs[REG_EFL] |= 1;   /* CF */
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, 0);

  long pid = getpid(), tid = gettid();
  unsigned long r12, r15, rbx, rax;
  unsigned char cf;
  __asm__ volatile(
    "movq $0x1111, %%r12\n\t"
    "movq $0x5555, %%r15\n\t"
    "movq $0xbbbb, %%rbx\n\t"
    "movl $234, %%eax\n\t"        /* tgkill(pid, tid, SIGUSR1) */
    "syscall\n\t"
    ".globl after_syscall\n"
    "after_syscall:\n\t"
    "setc %b4\n\t"
    "movq %%r12, %0\n\t"
    "movq %%r15, %1\n\t"
    "movq %%rbx, %2\n\t"
    "movq %%rax, %3\n\t"
    : "=m"(r12), "=m"(r15), "=m"(rbx), "=m"(rax), "=q"(cf)
    : "D"(pid), "S"(tid), "d"(SIGUSR1)
    : "rax", "rcx", "r11", "r12", "r15", "rbx", "memory", "cc");
  printf("handler: signal %ld, RIP is after the SYSCALL %ld, aligned frame %ld\n", h_sig, h_rip_ok, h_frame_aligned);
  printf("handler saw r12 %lx r15 %lx rbx %lx rax %ld rdi==pid %d\n", h_r12, h_r15, h_rbx, h_rax, h_rdi == pid);
  printf("after sigreturn: r12 %lx r15 %lx rbx %lx rax %ld CF %d\n", r12, r15, rbx, rax, cf);
  return 0;
}
