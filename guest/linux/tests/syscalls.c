/*
 * System calls as a Linux process sees them: identities, write, clocks,
 * scheduling, and the errors Linux returns for bad arguments. Runs
 * natively (glibc, and the user runtime under this host's Linux) and on the
 * machine under the host kernel; the outputs must be equal.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void) {
  pid_t pid = getpid(), tid = gettid();
  printf("getpid positive: %d, stable: %d\n", pid > 0, getpid() == pid);
  printf("main thread: gettid == getpid: %d\n", tid == pid);
  printf("raw syscall getpid agrees: %d\n", syscall(SYS_getpid) == pid);

  const char msg[] = "written with write(2)\n";
  fflush(stdout);   /* glibc buffers printf; the runtime writes at once */
  ssize_t n = write(1, msg, strlen(msg));
  printf("write returned %ld\n", (long)n);
  errno = 0;
  long w = (long)write(-1, msg, 1);
  printf("write to a bad descriptor: %ld errno %d\n", w, errno);

  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (volatile int i = 0; i < 1000; i++) ;
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long d = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  printf("CLOCK_MONOTONIC advances: %d, nsec in range: %d\n", d > 0, a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
  errno = 0;
  int c = clock_gettime(-1, &a);
  printf("clock_gettime(-1): %d errno %d\n", c, errno);

  printf("sched_yield: %d\n", sched_yield());
  errno = 0;
  long r = syscall(499);
  printf("unknown system call: %ld errno %d\n", r, errno);

  /* rt_sigprocmask insists on the kernel's 8-byte sigset */
  errno = 0;
  r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 4);
  printf("rt_sigprocmask with sigsetsize 4: %ld errno %d\n", r, errno);
  errno = 0;
  r = syscall(SYS_rt_sigprocmask, 7, (sigset_t *)&a, 0, 8);
  printf("rt_sigprocmask with how 7: %ld errno %d\n", r, errno);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  errno = 0;
  c = sigaction(SIGKILL, &sa, 0);
  printf("sigaction(SIGKILL): %d errno %d\n", c, errno);
  errno = 0;
  c = sigaction(65, &sa, 0);
  printf("sigaction(65): %d errno %d\n", c, errno);
  errno = 0;
  c = tgkill(pid, pid + 100000, SIGUSR1);
  printf("tgkill to a thread that does not exist: %d errno %d\n", c, errno);
  printf("tgkill with signal 0 to itself: %d\n", tgkill(pid, tid, 0));
  errno = 0;
  c = tgkill(pid, tid, 99);
  printf("tgkill with signal 99: %d errno %d\n", c, errno);
  return 3;
}
