/*
 * System calls of a small program, the same in a Linux process and in a
 * Dune process: linked with libdune (guest/libdune/entry.c, after the C
 * library) it enters Dune mode first, and every call below is a SYSCALL
 * in VMX non-root ring 0 that libdune's stub turns into a VMCALL the
 * module forwards to the host kernel. The output must not tell the two
 * apart (test/duneProcess.test.ts; not in guest/linux/tests, whose programs must
 * also match this host natively, where pids differ).
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include "../../linux/libc/syscall.h"

int dune_init_and_enter(void) __attribute__((weak));

int main(void) {
  if (dune_init_and_enter && dune_init_and_enter() != 0) return 1;
  long pid = __syscall0(39), tid = __syscall0(186);
  printf("getpid %ld gettid %ld same %d getppid %ld getuid %ld\n", pid, tid, pid == tid, (long)__syscall0(110), (long)__syscall0(102));
  static const char msg[] = "write: hello from the process\n";
  long n = __syscall3(1, 1, msg, sizeof msg - 1);
  printf("write returned %ld\n", n);
  printf("write to fd 7: %ld\n", (long)__syscall3(1, 7, msg, 1));
  struct timespec a, b;
  long r1 = __syscall2(228, CLOCK_MONOTONIC, &a);
  for (volatile int i = 0; i < 1000; i++) ;
  long r2 = __syscall2(228, CLOCK_MONOTONIC, &b);
  long later = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec);
  printf("clock_gettime %ld %ld later %ld nsec-in-range %d\n", r1, r2, later, a.tv_nsec >= 0 && a.tv_nsec < 1000000000 && b.tv_nsec >= 0 && b.tv_nsec < 1000000000);
  printf("clock_gettime bad clock: %ld\n", (long)__syscall2(228, 99, &a));
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  long m1 = __syscall4(14, SIG_BLOCK, &set, &old, 8);
  long m2 = __syscall4(14, SIG_SETMASK, &old, &set, 8);
  printf("rt_sigprocmask %ld %ld usr1-was-blocked %d\n", m1, m2, sigismember(&set, SIGUSR1));
  printf("unknown system call: %ld\n", (long)__syscall0(333));
  fflush(stdout);
  return 7;
}
