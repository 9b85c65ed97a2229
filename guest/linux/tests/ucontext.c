/*
 * User contexts: getcontext/makecontext/swapcontext/setcontext with glibc's
 * semantics (arguments, uc_link, per-context signal masks and FP
 * environments), and Shinjuku's fast switches (context_fast.S), which skip
 * the mask (all of them) and the FP save or restore (two of them).
 * Natively this is glibc's ucontext; on the machine the user runtime's.
 *
 * shinjuku-emu: link ../context_fast.S
 */
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include "context_fast.h"

static ucontext_t uc_main, uc_a, uc_b, uc_done;
static char stack_a[16384] __attribute__((aligned(16))), stack_b[16384] __attribute__((aligned(16))), stack_d[16384] __attribute__((aligned(16)));
static volatile int trace[32], ntrace;
static void t(int v) { if (ntrace < 32) trace[ntrace++] = v; }

static int blocked(int sig) { sigset_t s; sigprocmask(SIG_BLOCK, 0, &s); return sigismember(&s, sig); }

/* A context with eight arguments (six in registers, two on its stack). */
static void func_a(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8) {
  t((int)(a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8));
  t(100 + blocked(SIGUSR1));         /* this context's mask: SIGUSR1 blocked */
  t(200 + (fegetround() == FE_UPWARD));
  swapcontext(&uc_a, &uc_b);
  t(300 + blocked(SIGUSR1));
  t(400 + (fegetround() == FE_UPWARD));
  /* returning ends this context: uc_link (uc_done) resumes */
}

static void func_b(void) {
  t(500 + blocked(SIGUSR1));
  t(600 + (fegetround() == FE_DOWNWARD));
  swapcontext(&uc_b, &uc_a);
  t(999);   /* never resumed */
}

static volatile int done_ran;
static void func_done(void) { done_ran = 1; setcontext(&uc_main); }

static void show(const char *what) {
  printf("%s:", what);
  for (int i = 0; i < ntrace; i++) printf(" %d", trace[i]);
  printf("\n");
  ntrace = 0;
}

/* For the fast switches: a context that records the rounding mode and mask it finds, then switches back. */
static ucontext_t fc_main, fc_other;
static volatile int seen_round, seen_mask;
static int (*fast_back)(ucontext_t *, const ucontext_t *);
static void fast_func(void) {
  for (;;) {
    seen_round = fegetround();
    seen_mask = blocked(SIGUSR2);
    fesetround(FE_TOWARDZERO);
    fast_back(&fc_other, &fc_main);
  }
}

static void try_fast(const char *name, int (*to)(ucontext_t *, const ucontext_t *), int (*back)(ucontext_t *, const ucontext_t *)) {
  static char st[16384] __attribute__((aligned(16)));
  getcontext(&fc_other);
  fc_other.uc_stack.ss_sp = st;
  fc_other.uc_stack.ss_size = sizeof st;
  fc_other.uc_link = 0;
  sigemptyset(&fc_other.uc_sigmask);          /* would unblock SIGUSR2 if a mask were loaded */
  makecontext(&fc_other, fast_func, 0);
  fesetround(FE_DOWNWARD);
  fc_other.uc_mcontext.fpregs->cwd = (unsigned short)((fc_other.uc_mcontext.fpregs->cwd & ~0xc00) | FE_UPWARD);
  fc_other.uc_mcontext.fpregs->mxcsr = (fc_other.uc_mcontext.fpregs->mxcsr & ~0x6000u) | (FE_UPWARD << 3);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_BLOCK, &s, 0);
  fast_back = back;
  to(&fc_main, &fc_other);
  int r1 = seen_round, m1 = seen_mask, after1 = fegetround();
  to(&fc_main, &fc_other);
  int r2 = seen_round;
  printf("%s: the other context found rounding %s then %s, SIGUSR2 blocked there %d; back here rounding %s, SIGUSR2 blocked %d\n", name,
         r1 == FE_UPWARD ? "up" : r1 == FE_DOWNWARD ? "down" : r1 == FE_TOWARDZERO ? "toward-zero" : "nearest",
         r2 == FE_UPWARD ? "up" : r2 == FE_DOWNWARD ? "down" : r2 == FE_TOWARDZERO ? "toward-zero" : "nearest",
         m1, after1 == FE_UPWARD ? "up" : after1 == FE_DOWNWARD ? "down" : after1 == FE_TOWARDZERO ? "toward-zero" : "nearest",
         blocked(SIGUSR2));
  sigprocmask(SIG_UNBLOCK, &s, 0);
  fesetround(FE_TONEAREST);
}

int main(void) {
  sigset_t s;
  /* context A: SIGUSR1 blocked, rounding up; context B: nothing blocked, rounding down */
  getcontext(&uc_a);
  uc_a.uc_stack.ss_sp = stack_a;
  uc_a.uc_stack.ss_size = sizeof stack_a;
  uc_a.uc_link = &uc_done;
  sigemptyset(&uc_a.uc_sigmask);
  sigaddset(&uc_a.uc_sigmask, SIGUSR1);
  makecontext(&uc_a, (void (*)(void))func_a, 8, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
  uc_a.uc_mcontext.fpregs->cwd = (unsigned short)((uc_a.uc_mcontext.fpregs->cwd & ~0xc00) | FE_UPWARD);
  uc_a.uc_mcontext.fpregs->mxcsr = (uc_a.uc_mcontext.fpregs->mxcsr & ~0x6000u) | (FE_UPWARD << 3);

  getcontext(&uc_b);
  uc_b.uc_stack.ss_sp = stack_b;
  uc_b.uc_stack.ss_size = sizeof stack_b;
  uc_b.uc_link = 0;
  sigemptyset(&uc_b.uc_sigmask);
  makecontext(&uc_b, func_b, 0);
  uc_b.uc_mcontext.fpregs->cwd = (unsigned short)((uc_b.uc_mcontext.fpregs->cwd & ~0xc00) | FE_DOWNWARD);
  uc_b.uc_mcontext.fpregs->mxcsr = (uc_b.uc_mcontext.fpregs->mxcsr & ~0x6000u) | (FE_DOWNWARD << 3);

  getcontext(&uc_done);
  uc_done.uc_stack.ss_sp = stack_d;
  uc_done.uc_stack.ss_size = sizeof stack_d;
  uc_done.uc_link = 0;
  makecontext(&uc_done, func_done, 0);

  /* main: SIGUSR2 blocked, rounding to nearest */
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_SETMASK, &s, 0);
  /* A runs, switches to B, B back to A, A returns: uc_link's context resumes main here */
  swapcontext(&uc_main, &uc_a);
  show("glibc contexts (sum of 8 arguments, masks, rounding, uc_link)");
  printf("uc_link context ran %d; back in main: SIGUSR2 blocked %d, SIGUSR1 blocked %d, rounding nearest %d\n",
         done_ran, blocked(SIGUSR2), blocked(SIGUSR1), fegetround() == FE_TONEAREST);
  sigprocmask(SIG_SETMASK, &(sigset_t){ { 0 } }, 0);

  try_fast("swapcontext", swapcontext, swapcontext);
  try_fast("swapcontext_nomask", swapcontext_nomask, swapcontext_nomask);
  try_fast("fast_to_control there, fast back", swapcontext_fast, swapcontext_fast_to_control);
  try_fast("very_fast both ways", swapcontext_very_fast, swapcontext_very_fast);

  getcontext_fast(&fc_other);
  printf("getcontext_fast: fpregs points into the context %d\n", (char *)fc_other.uc_mcontext.fpregs == (char *)&fc_other.__fpregs_mem);
  return 0;
}
