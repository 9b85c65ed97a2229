/*
 * Signals between threads (tgkill): the main thread signals a worker that
 * spins in user space on another core, so the kernel must interrupt that
 * core (the reschedule IPI) for the signal to be delivered; the worker
 * signals back; a blocked signal waits in the worker's own pending set
 * until the worker unblocks it; a process-directed kill() reaches the
 * thread that does not block it. Everyone synchronizes through flags; only
 * main prints.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS 5
static volatile int worker_tid, worker_ready, stop, acks, main_hits, worker_hits, usr2_in_worker;
static volatile int handler_tid_ok = 1, pending_seen, kill_went_to_worker;
static pid_t main_tid;

static void on_usr1(int sig) {
  (void)sig;
  if (gettid() == main_tid) { main_hits++; return; }
  if (gettid() != worker_tid) handler_tid_ok = 0;
  worker_hits++;
  __atomic_add_fetch(&acks, 1, __ATOMIC_SEQ_CST);
}
static void on_usr2(int sig) { (void)sig; usr2_in_worker = gettid() == worker_tid; }
static void on_term(int sig) { (void)sig; kill_went_to_worker = gettid() == worker_tid; }

static void *worker(void *arg) {
  (void)arg;
  worker_tid = gettid();
  __atomic_store_n(&worker_ready, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) __asm__ volatile("pause");   /* user space, never entering the kernel */
  /* 3: block SIGUSR2, be told, then look at the pending set and unblock */
  sigset_t s, pend;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &s, 0);
  __atomic_store_n(&worker_ready, 2, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&stop, __ATOMIC_SEQ_CST) < 2) __asm__ volatile("pause");
  sigpending(&pend);
  pending_seen = sigismember(&pend, SIGUSR2);
  pthread_sigmask(SIG_UNBLOCK, &s, 0);
  /* 4: main blocks SIGTERM; a kill() to the process must land here */
  __atomic_store_n(&worker_ready, 3, __ATOMIC_SEQ_CST);
  while (!kill_went_to_worker) __asm__ volatile("pause");
  /* 5: signal the main thread */
  tgkill(getpid(), main_tid, SIGUSR1);
  return (void *)42;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, 0);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, 0);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, 0);
  main_tid = gettid();

  pthread_t t;
  if (pthread_create(&t, 0, worker, 0) != 0) { printf("pthread_create failed\n"); return 1; }
  while (!__atomic_load_n(&worker_ready, __ATOMIC_SEQ_CST)) __asm__ volatile("pause");
  printf("worker is another thread of this process: %d\n", worker_tid != main_tid && worker_tid > 0);

  /* 1-2: signals to the spinning worker, one at a time */
  for (int i = 1; i <= ROUNDS; i++) {
    tgkill(getpid(), worker_tid, SIGUSR1);
    while (__atomic_load_n(&acks, __ATOMIC_SEQ_CST) < i) __asm__ volatile("pause");
  }
  printf("worker handled %d of %d, in the worker thread %d; main handled %d\n", worker_hits, ROUNDS, handler_tid_ok, main_hits);

  __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&worker_ready, __ATOMIC_SEQ_CST) < 2) __asm__ volatile("pause");
  tgkill(getpid(), worker_tid, SIGUSR2);
  __atomic_store_n(&stop, 2, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&worker_ready, __ATOMIC_SEQ_CST) < 3) __asm__ volatile("pause");
  printf("blocked in the worker: pending there %d, delivered on unblock %d\n", pending_seen, usr2_in_worker);

  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_BLOCK, &s, 0);
  kill(getpid(), SIGTERM);
  void *ret;
  pthread_join(t, &ret);
  while (!main_hits) __asm__ volatile("pause");
  printf("kill() went to the thread that did not block it: %d\n", kill_went_to_worker);
  printf("worker returned %ld; main was signalled by it %d time(s)\n", (long)ret, main_hits);
  return 0;
}
