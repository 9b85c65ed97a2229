/*
 * Threads: clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
 * CLONE_THREAD | CLONE_SYSVSEM) on a stack from a static pool, as glibc's
 * clone.S starts one (the function and its argument ride on the new
 * stack). On the host kernel each new thread gets the next free core; under
 * Linux natively the scheduler places it. pthread_join spins on a flag the
 * thread sets just before it exits.
 */
#include <pthread.h>
#include <unistd.h>
#include <errno.h>
#include "syscall.h"

#define MAX_THREADS 8
#define THREAD_STACK (64 * 1024)
struct pthread {
  volatile int tid;
  volatile int done;
  void *(*fn)(void *);
  void *arg;
  void *ret;
};
static struct pthread threads[MAX_THREADS + 1];   /* [0] is the main thread */
static char stacks[MAX_THREADS][THREAD_STACK] __attribute__((aligned(64)));
static int nthreads;

void __pthread_init_main(void);
void __pthread_init_main(void) { threads[0].tid = gettid(); }

_Noreturn void __thread_start(struct pthread *t);
_Noreturn void __thread_start(struct pthread *t) {
  t->tid = gettid();
  t->ret = t->fn(t->arg);
  __atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
  for (;;) __syscall1(60 /* exit: this thread only */, 0);
}

long __clone_thread(unsigned long flags, void *stack, struct pthread *t);
__asm__(
  "  .text\n"
  "__clone_thread:\n"
  "  movq %rdx, -8(%rsi)\n"      /* the thread structure, for the child */
  "  subq $16, %rsi\n"           /* the child starts with RSP 16-byte aligned */
  "  xorl %edx, %edx\n"          /* parent_tid */
  "  xorl %r10d, %r10d\n"        /* child_tid */
  "  xorl %r8d, %r8d\n"          /* tls */
  "  movl $56, %eax\n"           /* __NR_clone */
  "  syscall\n"
  "  testq %rax, %rax\n"
  "  jz 1f\n"
  "  ret\n"
  "1:\n"
  "  xorl %ebp, %ebp\n"
  "  movq 8(%rsp), %rdi\n"
  "  call __thread_start\n"
  "  hlt\n");

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
  (void)attr;
  int n = __atomic_fetch_add(&nthreads, 1, __ATOMIC_SEQ_CST);
  if (n >= MAX_THREADS) return EAGAIN;
  struct pthread *t = &threads[n + 1];
  t->fn = fn;
  t->arg = arg;
  const unsigned long flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000;
  long r = __clone_thread(flags, stacks[n] + THREAD_STACK, t);
  if (r < 0) return (int)-r;
  t->tid = (int)r;
  *thread = (pthread_t)t;
  return 0;
}

int pthread_join(pthread_t thread, void **ret) {
  struct pthread *t = (struct pthread *)thread;
  while (!__atomic_load_n(&t->done, __ATOMIC_ACQUIRE)) __asm__ volatile("pause");
  if (ret) *ret = t->ret;
  return 0;
}

pthread_t pthread_self(void) {
  int tid = gettid();
  for (int i = 0; i <= MAX_THREADS; i++) if (threads[i].tid == tid) return (pthread_t)&threads[i];
  return 0;
}

int pthread_kill(pthread_t thread, int sig) {
  long r = __syscall3(234, getpid(), ((struct pthread *)thread)->tid, sig);
  return r < 0 ? (int)-r : 0;
}
