/*
 * Table 1, row "Linux Signal" (Shinjuku NSDI'19 §3.2): a thread on one core
 * preempts a thread spinning in user space on another core with a signal
 * (tgkill), measured with the three benchmark shapes the paper's IPI rows
 * used (kkaffes/dune bench/posted_ipi_send.c, posted_ipi_receive.c,
 * posted_ipi.c), the IPI send replaced by tgkill and the interrupt handler
 * by a signal handler:
 *
 *   send     RDTSC right before tgkill, RDTSCP right after it; then wait
 *            (untimed) for the handler to clear the flag. Average per send.
 *   receive  the receiver spins `start = RDTSC` in user space; the handler's
 *            first statement is `end = RDTSCP`; end - start is the cost from
 *            the last RDTSC before the interrupt to the handler.
 *   total    one RDTSC before and one RDTSCP after N rounds of {tgkill;
 *            spin until the handler clears the flag}.
 * Each subtracts the RDTSC -> RDTSCP overhead (the minimum of back-to-back
 * pairs). A few untimed rounds first warm the caches.
 *
 * Output: "table1 send <n> <cycles>", "table1 receive <n> <cycles>",
 * "table1 total <n> <cycles>" (sums over the n rounds, overhead subtracted).
 * Global labels t1_* mark the timing instructions for the event-stream
 * measurement (src/bench/linuxSignal.ts).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifndef ITERATIONS
#define ITERATIONS 20
#endif
#define WARMUP 3

enum { MODE_SEND, MODE_RECEIVE, MODE_TOTAL };
static volatile int mode, t2_ready, done, t2_tid;
static volatile int wait_flag = 1;
static volatile uint64_t start, total, rdtsc_overhead;

static inline uint64_t rdtsc_plain(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }

static uint64_t measure_tsc_overhead(void) {
  uint64_t best = ~0ull;
  for (int i = 0; i < 64; i++) {
    uint32_t lo, hi, lo2, hi2, aux;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    __asm__ volatile("rdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux));
    uint64_t d = (((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo);
    if (d < best) best = d;
  }
  return best;
}

static void handler(int sig) {
  (void)sig;
  if (mode == MODE_RECEIVE) {
    uint32_t lo, hi, aux;
    __asm__ volatile(".globl t1_recv_end\nt1_recv_end:\n\trdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    uint64_t end = ((uint64_t)hi << 32) | lo;
    total += end - start - rdtsc_overhead;
  }
  wait_flag = 0;
}

static void *t2_start(void *arg) {
  (void)arg;
  t2_tid = gettid();
  rdtsc_overhead = measure_tsc_overhead();
  start = rdtsc_plain();
  __atomic_store_n(&t2_ready, 1, __ATOMIC_SEQ_CST);
  while (!done) {
    if (mode == MODE_RECEIVE) {
      /* start = rdtsc(), with labels on the RDTSC and on the store of its value */
      __asm__ volatile(".globl t1_recv_spin, t1_recv_stored\nt1_recv_spin:\n\trdtsc\n\tshlq $32, %%rdx\n\torq %%rdx, %%rax\n"
                       "t1_recv_stored:\n\tmovq %%rax, %0" : "=m"(start) : : "rax", "rdx");
    }
  }
  return 0;
}

static void round_trip(pid_t pid) {
  tgkill(pid, t2_tid, SIGUSR1);
  while (wait_flag) ;
  wait_flag = 1;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGUSR1, &sa, 0);
  pthread_t t2;
  pthread_create(&t2, 0, t2_start, 0);
  while (!__atomic_load_n(&t2_ready, __ATOMIC_SEQ_CST)) ;
  pid_t pid = getpid();
  uint64_t overhead = measure_tsc_overhead();

  /* send */
  mode = MODE_SEND;
  for (int i = 0; i < WARMUP; i++) round_trip(pid);
  uint64_t send_total = 0;
  for (int i = 0; i < ITERATIONS; i++) {
    uint32_t lo, hi, lo2, hi2, aux;
    __asm__ volatile(".globl t1_send_begin\nt1_send_begin:\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    tgkill(pid, t2_tid, SIGUSR1);
    __asm__ volatile(".globl t1_send_end\nt1_send_end:\n\trdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux) : : "memory");
    send_total += ((((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo)) - overhead;
    while (wait_flag) ;
    wait_flag = 1;
  }
  printf("table1 send %d %lu\n", ITERATIONS, (unsigned long)send_total);

  /* receive */
  mode = MODE_RECEIVE;
  for (int i = 0; i < WARMUP; i++) round_trip(pid);
  total = 0;
  for (int i = 0; i < ITERATIONS; i++) round_trip(pid);
  printf("table1 receive %d %lu\n", ITERATIONS, (unsigned long)total);

  /* total */
  mode = MODE_TOTAL;
  for (int i = 0; i < WARMUP; i++) round_trip(pid);
  uint32_t lo, hi, lo2, hi2, aux;
  __asm__ volatile(".globl t1_total_begin\nt1_total_begin:\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  for (int i = 0; i < ITERATIONS; i++) round_trip(pid);
  __asm__ volatile(".globl t1_total_end\nt1_total_end:\n\trdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux) : : "memory");
  printf("table1 total %d %lu\n", ITERATIONS, (unsigned long)((((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo) - overhead));

  done = 1;
  pthread_join(t2, 0);
  return 0;
}
