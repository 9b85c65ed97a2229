/*
 * Signal delivery semantics: handlers with siginfo, the mask during and
 * after a handler, SA_NODEFER, SA_RESETHAND, blocking and pending, order of
 * delivery, ignored signals, a handler that raises another signal.
 * Handlers only record; main prints.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>

static volatile int hits[65];
static volatile int order[16], norder;
static volatile int seen_blocked_self, seen_blocked_usr2, seen_code, seen_pid_ok, seen_signo;
static volatile unsigned long seen_uc_flags;

static void rec(int sig) { hits[sig]++; if (norder < 16) order[norder++] = sig; }

static void info_handler(int sig, siginfo_t *si, void *uc_) {
  ucontext_t *uc = uc_;
  sigset_t cur;
  rec(sig);
  sigprocmask(SIG_BLOCK, 0, &cur);
  seen_blocked_self = sigismember(&cur, sig);
  seen_blocked_usr2 = sigismember(&cur, SIGUSR2);
  seen_code = si->si_code;
  seen_signo = si->si_signo;
  seen_pid_ok = si->si_pid == getpid();
  seen_uc_flags = uc->uc_flags;
}

static void plain(int sig) { rec(sig); }

static void raiser(int sig) { rec(sig); raise(SIGUSR2); rec(100 + sig); }

static void set(int sig, void (*h)(int), int flags, int masked) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (masked) sigaddset(&sa.sa_mask, masked);
  sigaction(sig, &sa, 0);
}

static void show_order(const char *what) {
  printf("%s:", what);
  for (int i = 0; i < norder; i++) printf(" %d", order[i]);
  printf("\n");
  norder = 0;
}

int main(void) {
  struct sigaction sa, old;
  sigset_t s, cur;

  /* 1. SA_SIGINFO handler, sa_mask with SIGUSR2 */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("SIGUSR1 handled %d time(s): signo %d code %d (SI_TKILL %d) pid ok %d uc_flags %lu\n", hits[SIGUSR1], seen_signo, seen_code, SI_TKILL, seen_pid_ok, seen_uc_flags);
  printf("inside: the signal blocked %d, sa_mask's SIGUSR2 blocked %d\n", seen_blocked_self, seen_blocked_usr2);
  sigprocmask(SIG_BLOCK, 0, &cur);
  printf("after: SIGUSR1 blocked %d, SIGUSR2 blocked %d\n", sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2));
  sigaction(SIGUSR1, 0, &old);
  printf("sigaction reads back: siginfo flag %d, handler kept %d, mask has SIGUSR2 %d\n", (old.sa_flags & SA_SIGINFO) != 0, old.sa_sigaction == info_handler, sigismember(&old.sa_mask, SIGUSR2));

  /* 2. SA_NODEFER: the signal is not blocked in its own handler */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("SA_NODEFER: blocked inside %d\n", seen_blocked_self);

  /* 3. SA_RESETHAND: one-shot */
  set(SIGUSR2, plain, SA_RESETHAND, 0);
  raise(SIGUSR2);
  sigaction(SIGUSR2, 0, &old);
  printf("SA_RESETHAND: handled %d, handler now SIG_DFL %d\n", hits[SIGUSR2], old.sa_handler == SIG_DFL);

  /* 4. blocked signals stay pending; unblocking delivers them, lowest number first */
  norder = 0;
  set(SIGUSR1, plain, 0, 0);
  set(SIGUSR2, plain, 0, 0);
  set(SIGTERM, plain, 0, 0);
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_BLOCK, &s, 0);
  raise(SIGTERM);
  raise(SIGUSR2);
  raise(SIGUSR1);
  raise(SIGUSR1);   /* a standard signal is pending once */
  sigset_t pend;
  sigpending(&pend);
  printf("pending while blocked: USR1 %d USR2 %d TERM %d INT %d; delivered so far %d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2), sigismember(&pend, SIGTERM), sigismember(&pend, SIGINT), norder);
  sigprocmask(SIG_UNBLOCK, &s, 0);
  show_order("unblocked, delivered in order");

  /* 5. an ignored signal is discarded, even when it arrives blocked and is then ignored */
  set(SIGUSR1, (void (*)(int))SIG_IGN, 0, 0);
  raise(SIGUSR1);
  sigpending(&pend);
  printf("ignored: pending %d\n", sigismember(&pend, SIGUSR1));
  set(SIGUSR2, plain, 0, 0);
  sigprocmask(SIG_BLOCK, &s, 0);
  raise(SIGUSR2);
  set(SIGUSR2, (void (*)(int))SIG_IGN, 0, 0);
  sigpending(&pend);
  printf("ignoring discards the pending one: pending %d\n", sigismember(&pend, SIGUSR2));
  sigprocmask(SIG_UNBLOCK, &s, 0);
  show_order("nothing delivered");

  /* 6. a handler raising another signal: nested delivery before the first handler continues */
  set(SIGUSR1, raiser, 0, 0);
  set(SIGUSR2, plain, 0, 0);
  raise(SIGUSR1);
  show_order("nested");
  /* the same with SIGUSR2 in sa_mask: it waits for the first handler's return */
  set(SIGUSR1, raiser, 0, SIGUSR2);
  raise(SIGUSR1);
  show_order("nested but masked");

  /* 7. SIGCHLD's default action is to ignore */
  raise(SIGCHLD);
  printf("SIGCHLD default: still running\n");
  return 0;
}
