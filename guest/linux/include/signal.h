/*
 * Signals of the user runtime, with glibc's x86-64 layouts (a sigset_t of
 * 1024 bits, struct sigaction with sa_mask before sa_flags), so that a
 * program written for glibc compiles unchanged. The library converts to
 * the kernel's rt_sigaction structures, as glibc does.
 */
#ifndef _SIGNAL_H
#define _SIGNAL_H
#include <sys/types.h>

typedef struct { unsigned long __val[1024 / (8 * sizeof(unsigned long))]; } __sigset_t;
typedef __sigset_t sigset_t;
typedef void (*__sighandler_t)(int);
typedef __sighandler_t sighandler_t;
typedef int sig_atomic_t;

union sigval { int sival_int; void *sival_ptr; };
typedef struct {
  int si_signo, si_errno, si_code, __pad0;
  union {
    int _pad[28];
    struct { pid_t si_pid; uid_t si_uid; } _kill;
    struct { void *si_addr; } _sigfault;
    struct { pid_t si_pid; uid_t si_uid; union sigval si_sigval; } _rt;
  } _sifields;
} siginfo_t;
#define si_pid _sifields._kill.si_pid
#define si_uid _sifields._kill.si_uid
#define si_addr _sifields._sigfault.si_addr
#define si_value _sifields._rt.si_sigval

struct sigaction {
  union { __sighandler_t sa_handler; void (*sa_sigaction)(int, siginfo_t *, void *); } __sigaction_handler;
  __sigset_t sa_mask;
  int sa_flags;
  void (*sa_restorer)(void);
};
#define sa_handler __sigaction_handler.sa_handler
#define sa_sigaction __sigaction_handler.sa_sigaction

typedef struct { void *ss_sp; int ss_flags; size_t ss_size; } stack_t;

#define SIG_ERR ((__sighandler_t)-1)
#define SIG_DFL ((__sighandler_t)0)
#define SIG_IGN ((__sighandler_t)1)
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGURG 23
#define SIGWINCH 28
#define SIGSYS 31
#define SIGRTMIN 34
#define SIGRTMAX 64
#define NSIG 65
#define SA_NOCLDSTOP 1
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTORER 0x04000000
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)

int sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
__sighandler_t signal(int sig, __sighandler_t handler);
int sigprocmask(int how, const sigset_t *set, sigset_t *oset);
int sigpending(sigset_t *set);
int sigemptyset(sigset_t *s);
int sigfillset(sigset_t *s);
int sigaddset(sigset_t *s, int sig);
int sigdelset(sigset_t *s, int sig);
int sigismember(const sigset_t *s, int sig);
int kill(pid_t pid, int sig);
int raise(int sig);
int tgkill(pid_t tgid, pid_t tid, int sig);
int pthread_sigmask(int how, const sigset_t *set, sigset_t *oset);
#endif
