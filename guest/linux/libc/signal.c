/* Signals, glibc-style: struct sigaction converted to the kernel's, SA_RESTORER with __restore_rt. */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "syscall.h"

/* The signal trampoline: a handler's RET lands here, on the rt_sigframe; rt_sigreturn restores everything. */
void __restore_rt(void);
__asm__(
  "  .text\n"
  "  .globl __restore_rt\n"
  "  .type __restore_rt, @function\n"
  "__restore_rt:\n"
  "  movq $15, %rax\n"   /* __NR_rt_sigreturn */
  "  syscall\n");

struct kernel_sigaction { void *handler; unsigned long flags; void (*restorer)(void); unsigned long mask; };

int sigaction(int sig, const struct sigaction *act, struct sigaction *oact) {
  struct kernel_sigaction k, ko;
  if (act) {
    k.handler = (void *)act->sa_handler;
    k.flags = (unsigned long)(unsigned)act->sa_flags | SA_RESTORER;
    k.restorer = __restore_rt;
    k.mask = act->sa_mask.__val[0];
  }
  long r = __syscall_ret(__syscall4(13, sig, act ? &k : 0, oact ? &ko : 0, 8));
  if (r < 0) return -1;
  if (oact) {
    memset(oact, 0, sizeof *oact);
    oact->sa_handler = (__sighandler_t)ko.handler;
    oact->sa_flags = (int)ko.flags;
    oact->sa_restorer = ko.restorer;
    oact->sa_mask.__val[0] = ko.mask;
  }
  return 0;
}

__sighandler_t signal(int sig, __sighandler_t handler) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  return sigaction(sig, &sa, &old) < 0 ? SIG_ERR : old.sa_handler;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *oset) {
  if (oset) memset(oset, 0, sizeof *oset);
  return (int)__syscall_ret(__syscall4(14, how, set, oset, 8));
}
int pthread_sigmask(int how, const sigset_t *set, sigset_t *oset) {
  long r = __syscall4(14, how, set, oset, 8);
  return r < 0 ? (int)-r : 0;
}
int sigpending(sigset_t *set) { memset(set, 0, sizeof *set); return (int)__syscall_ret(__syscall2(127, set, 8)); }

int sigemptyset(sigset_t *s) { memset(s, 0, sizeof *s); return 0; }
int sigfillset(sigset_t *s) { memset(s, 0xff, sizeof *s); return 0; }
int sigaddset(sigset_t *s, int sig) { s->__val[(sig - 1) / 64] |= 1UL << ((sig - 1) % 64); return 0; }
int sigdelset(sigset_t *s, int sig) { s->__val[(sig - 1) / 64] &= ~(1UL << ((sig - 1) % 64)); return 0; }
int sigismember(const sigset_t *s, int sig) { return (int)((s->__val[(sig - 1) / 64] >> ((sig - 1) % 64)) & 1); }

int kill(pid_t pid, int sig) { return (int)__syscall_ret(__syscall2(62, pid, sig)); }
int tgkill(pid_t tgid, pid_t tid, int sig) { return (int)__syscall_ret(__syscall3(234, tgid, tid, sig)); }
/* raise, as glibc does it: tgkill to the calling thread */
int raise(int sig) { return tgkill(getpid(), gettid(), sig); }
