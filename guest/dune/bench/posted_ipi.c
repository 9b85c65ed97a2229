/*
 * Table 1's IPI rows (Shinjuku NSDI'19 §3.2) as one Dune program, modelled
 * on kkaffes/dune bench/posted_ipi_send.c, posted_ipi_receive.c and
 * posted_ipi.c with their start and stop points. CPU 0 sends vector F2H to
 * CPU 1, whose handler (registered with libdune on F2H) EOIs and clears a
 * flag the sender spins on:
 *
 *   send     RDTSC right before the send call, RDTSCP right after it; then
 *            wait (untimed) for the handler. Average per send.
 *   receive  CPU 1 spins `start = RDTSC` with interrupts on; the handler's
 *            first statement is `end = RDTSCP`: from the last RDTSC before
 *            the interrupt to the handler's entry (its EOI and IRET are
 *            outside).
 *   total    one RDTSC before and one RDTSCP after N rounds of {send; spin
 *            until the handler clears the flag}.
 * Each subtracts the RDTSC -> RDTSCP overhead (the minimum of back-to-back
 * pairs). Untimed rounds first warm the caches and the EPT.
 *
 * The four rows are four configurations of this program and the module:
 * the sender is dune_apic_send_posted_ipi (no exit) or dune_apic_send_ipi
 * (WRMSR 830H: an exit), `table1_conf.sender_exit`; the receiver has posted
 * interrupts on or off, the module's parameter `dune_params.posted_intr`.
 *
 * Output: "table1 send <n> <cycles>", "table1 receive <n> <cycles>",
 * "table1 total <n> <cycles>" (sums over n rounds, overhead subtracted).
 * Global labels t1_* mark the timing instructions for the event-stream
 * measurement (src/bench/table1.ts).
 */
/* shinjuku-emu: link ../minihost.c ../vmx.c ../ept.c ../../libdune/trap.c ../../libdune/apic.c ../../libdune/dune.S ../../apic/idt.c */
#include "../../libdune/dune.h"
#include "rt.h"

#ifndef ITERATIONS
#define ITERATIONS 20
#endif
#include "table1.h"

/* The configuration; the machine's runner writes it before the run (src/bench/table1.ts), or a program
 * that includes this one defines its own (guest/dune/bench/vanilla_ipi.c): this one is weak. */
struct table1_conf table1_conf __attribute__((weak)) = { TABLE1_MAGIC, 0, ITERATIONS, 3 };

enum { MODE_SEND, MODE_RECEIVE, MODE_TOTAL };
static volatile int mode, receiver_ready, done;
static volatile int wait_flag = 1;
static volatile uint64_t start, recv_total, rdtsc_overhead;
static uint32_t receiver_apic_id;

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

/* The receive benchmark's handler (posted_ipi_receive.c): its first statement reads the TSC, where the
 * receive cell ends. */
static void receive_handler(struct dune_tf *tf) {
  (void)tf;
  uint32_t lo, hi, aux;
  __asm__ volatile(".globl t1_recv_end\nt1_recv_end:\n\trdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
  recv_total += (((uint64_t)hi << 32) | lo) - start - rdtsc_overhead;
  dune_apic_eoi();
  wait_flag = 0;
}

/* The send and total benchmarks' handler (posted_ipi.c): EOI, then release the sender. */
static void ipi_handler(struct dune_tf *tf) {
  (void)tf;
  dune_apic_eoi();
  __asm__ volatile(".globl t1_flag_clear\nt1_flag_clear:\n\tmovl $0, %0" : "=m"(wait_flag) : : "memory");
}

__attribute__((noinline, noclone)) static void receiver(void) {
  dune_register_intr_handler(POSTED_INTR_VECTOR, ipi_handler);
  rdtsc_overhead = measure_tsc_overhead();
  start = rdtsc_plain();
  __atomic_store_n(&receiver_ready, 1, __ATOMIC_SEQ_CST);
  while (!done) {
    if (mode == MODE_RECEIVE) {
      /* start = rdtsc(), with labels on the RDTSC and on the store of its value */
      __asm__ volatile(".globl t1_recv_spin, t1_recv_stored\nt1_recv_spin:\n\trdtsc\n\tshlq $32, %%rdx\n\torq %%rdx, %%rax\n"
                       "t1_recv_stored:\n\tmovq %%rax, %0" : "=m"(start) : : "rax", "rdx");
    }
  }
}

/* The send under test: one of libdune's two senders, chosen by the configuration (read each time, so
 * that the compiler keeps one copy of each timed loop and its labels). */
static volatile int sender_exit;
/* Rounds (volatile too: no copy of a timed region specialised for zero rounds). */
static volatile int n, warmup;
static inline __attribute__((always_inline)) void send(void) {
  if (sender_exit) dune_apic_send_ipi(POSTED_INTR_VECTOR, receiver_apic_id);
  else dune_apic_send_posted_ipi(POSTED_INTR_VECTOR, 1);
}

static void round_trip(void) {
  send();
  while (wait_flag) ;
  wait_flag = 1;
}

__attribute__((noinline, noclone)) static int sender(void) {
  while (!__atomic_load_n(&receiver_ready, __ATOMIC_SEQ_CST)) __asm__ volatile("pause");
  int error;
  receiver_apic_id = dune_apic_id_for_cpu(1, &error);
  if (error) { rt_printf("table1: no APIC routing entry for cpu 1\n"); return 1; }
  sender_exit = table1_conf.magic == TABLE1_MAGIC ? (int)table1_conf.sender_exit : 0;
  n = table1_conf.magic == TABLE1_MAGIC ? (int)table1_conf.iterations : ITERATIONS;
  warmup = table1_conf.magic == TABLE1_MAGIC ? (int)table1_conf.warmup : 3;
  uint64_t overhead = measure_tsc_overhead();

  /* send */
  mode = MODE_SEND;
  for (int i = 0; i < warmup; i++) round_trip();
  uint64_t send_total = 0;
  for (int i = 0; i < n; i++) {
    uint32_t lo, hi, lo2, hi2, aux;
    __asm__ volatile(".globl t1_send_begin\nt1_send_begin:\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    send();
    __asm__ volatile(".globl t1_send_end\nt1_send_end:\n\trdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux) : : "memory");
    send_total += ((((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo)) - overhead;
    while (wait_flag) ;
    wait_flag = 1;
  }
  rt_printf("table1 send %d %lu\n", n, (unsigned long)send_total);

  /* receive (the process's threads share one IDT callback table, as in libdune) */
  dune_register_intr_handler(POSTED_INTR_VECTOR, receive_handler);
  mode = MODE_RECEIVE;
  for (int i = 0; i < warmup; i++) round_trip();
  recv_total = 0;
  for (int i = 0; i < n; i++) round_trip();
  rt_printf("table1 receive %d %lu\n", n, (unsigned long)recv_total);

  /* total */
  dune_register_intr_handler(POSTED_INTR_VECTOR, ipi_handler);
  mode = MODE_TOTAL;
  for (int i = 0; i < warmup; i++) round_trip();
  uint32_t lo, hi, lo2, hi2, aux;
  __asm__ volatile(".globl t1_total_begin\nt1_total_begin:\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  for (int i = 0; i < n; i++) round_trip();
  __asm__ volatile(".globl t1_total_end\nt1_total_end:\n\trdtscp" : "=a"(lo2), "=d"(hi2), "=c"(aux) : : "memory");
  rt_printf("table1 total %d %lu\n", n, (unsigned long)((((uint64_t)hi2 << 32) | lo2) - (((uint64_t)hi << 32) | lo) - overhead));
  done = 1;
  return 0;
}

int dune_main(long cpu) {
  if (cpu == 1) { receiver(); return 0; }
  if (cpu == 0) return sender();
  return 0;
}
