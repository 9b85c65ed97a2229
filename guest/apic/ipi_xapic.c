/*
 * A fixed IPI from core 0 to core 1 through the xAPIC (2 cores).
 *
 * SDM Vol. 3A references:
 *  - §10.4.7.1 / §10.9: an application processor's local APIC leaves INIT
 *    software-disabled; SVR bit 8 enables it (spurious vector 0xFF here).
 *  - §10.6.1, Figure 10-12: the ICR. Writing the high doubleword sets the
 *    destination (bits 63:56 in physical mode); writing the low doubleword
 *    sends. Delivery status (bit 12) is 1 while the send is pending; software
 *    waits for 0 before the next write. Fixed delivery (000b), physical
 *    destination mode, level = assert (bit 14), edge trigger, no shorthand.
 *  - §10.8.3.1 / §10.8.4, Figure 10-20: when the processor accepts a fixed
 *    interrupt it clears the vector's IRR bit and sets its ISR bit; PPR rises
 *    to the vector's priority class (TPR = 0 here); a write to EOI clears the
 *    highest ISR bit (§10.8.5), so PPR falls back to 0.
 *  - §6.12.1.3: through an interrupt gate IF is 0 in the handler.
 *  - Core 1 waits with "sti; hlt": STI's interrupt shadow covers the HLT, so an
 *    IPI that arrives in between wakes the HLT instead of being missed.
 *
 * Then, as in the Shinjuku paper's IPI measurements, timed rounds (vector
 * 0x41, whose handler is a raw asm stub that reads the TSC as its first
 * instruction): core 1 spins with IF = 1 storing RDTSC, core 0 sends.
 *   sender cost     core 0's TSC around the two ICR writes;
 *   receiver cost   core 1's TSC: handler's first RDTSC - last RDTSC stored by
 *                   the spin loop before the interrupt;
 *   round trip      core 0's TSC from before the ICR writes until it sees the
 *                   handler's counter change.
 * Those go on "cycles:" lines only: no two machines agree on them.
 */
#include "apic.h"
#include "idt.h"
/* shinjuku-emu: link idt.c */

#define V_IPI 0x40
#define V_TIMED 0x41
#define ROUNDS 16
#define LIMIT 200000000ull

static volatile uint64_t core1_ready, core1_apic_id, core1_svr;
static volatile uint64_t hits, h_apic_id, h_vector, h_isr_in, h_irr_in, h_ppr_in, h_if_in, h_isr_after, h_ppr_after;

/* timed rounds */
volatile uint64_t timed_hits, t_delta, t_last;
static volatile uint64_t spin_round, recv_cost[ROUNDS], core1_done;

static void on_ipi(struct irq_frame *f) {
  h_apic_id = lapic_id();
  h_vector = f->vector;
  h_isr_in = (uint64_t)lapic_vec_bit(LAPIC_ISR0, V_IPI);
  h_irr_in = (uint64_t)lapic_vec_bit(LAPIC_IRR0, V_IPI);
  h_ppr_in = lapic_read(LAPIC_PPR);
  h_if_in = read_rflags() >> 9 & 1;
  lapic_write(LAPIC_EOI, 0);
  h_isr_after = (uint64_t)lapic_vec_bit(LAPIC_ISR0, V_IPI);
  h_ppr_after = lapic_read(LAPIC_PPR);
  __atomic_fetch_add(&hits, 1, __ATOMIC_RELEASE);
}

/* Vector 0x41: RDTSC first; the receiver cost is computed right there from
 * t_last, which at that moment holds the spin loop's last RDTSC before the
 * interrupt (after IRET the loop may store once more before it sees the
 * counter). Then EOI and count. */
extern const char timed_entry[];
__asm__(
  "  .text\n"
  "timed_entry:\n"
  "  pushq %rax\n"
  "  pushq %rdx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq t_last(%rip), %rax\n"    /* the spin loop's last store before the interrupt */
  "  movq %rax, t_delta(%rip)\n"
  "  movl $0xFEE000B0, %eax\n"
  "  movl $0, (%rax)\n"            /* EOI */
  "  lock incq timed_hits(%rip)\n"
  "  popq %rdx\n"
  "  popq %rax\n"
  "  iretq\n");

static int core1(void) {
  idt_load();
  lapic_enable();
  core1_svr = lapic_read(LAPIC_SVR);
  core1_apic_id = lapic_id();
  __atomic_store_n(&core1_ready, 1, __ATOMIC_RELEASE);
  while (__atomic_load_n(&hits, __ATOMIC_ACQUIRE) == 0) irq_wait();

  for (uint64_t r = 0; r < ROUNDS; r++) {
    t_last = rdtsc();
    __atomic_store_n(&spin_round, r + 1, __ATOMIC_RELEASE);
    irq_enable();
    while (timed_hits <= r) t_last = rdtsc();
    irq_disable();
    recv_cost[r] = t_delta;
  }
  __atomic_store_n(&core1_done, 1, __ATOMIC_RELEASE);
  return 0;
}

static void stats(const char *what, const uint64_t *v) {
  uint64_t sum = 0, min = ~0ull;
  for (int i = 0; i < ROUNDS; i++) { sum += v[i]; if (v[i] < min) min = v[i]; }
  rt_printf("cycles: %s avg %lu min %lu (%d rounds)\n", what, (unsigned long)(sum / ROUNDS), (unsigned long)min, ROUNDS);
}

int test_main_smp(long core, long ncores) {
  if (core == 0) {
    idt_init();
    idt_set_handler(V_IPI, on_ipi);
    idt_set_gate(V_TIMED, timed_entry, 0xE, 0);
  }
  static volatile uint64_t idt_ready;
  if (core == 0) __atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
  else while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE)) cpu_relax();
  if (core == 1) return core1();
  if (core != 0) return 0;

  idt_load();
  rt_printf("ipi_xapic: %ld cores\n", ncores);
  if (ncores < 2) { rt_printf("needs 2 cores\n"); return 2; }
  int ok = 1;
  ok &= wait_for(&core1_ready, 1, LIMIT);
  rt_printf("core 1 apic software-enabled (svr bit 8): %s\n", core1_svr & 0x100 ? "yes" : "no");
  ok &= (core1_svr & 0x100) != 0;
  uint32_t dest = (uint32_t)core1_apic_id;
  rt_printf("core 1 apic id differs from core 0: %s\n", dest != lapic_id() ? "yes" : "no");

  int idle_before = (lapic_read(LAPIC_ICR_LO) & ICR_BUSY) == 0;
  lapic_write(LAPIC_ICR_HI, dest << 24);
  lapic_write(LAPIC_ICR_LO, V_IPI | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | ICR_DEST_NONE);
  uint64_t i;
  for (i = 0; i < LIMIT && (lapic_read(LAPIC_ICR_LO) & ICR_BUSY); i++) cpu_relax();
  int idle_after = i < LIMIT;
  rt_printf("icr idle before send: %s, after send: %s\n", idle_before ? "yes" : "no", idle_after ? "yes" : "no");
  rt_printf("icr high reads back the destination: %s\n", lapic_read(LAPIC_ICR_HI) == dest << 24 ? "yes" : "no");

  int got = wait_for(&hits, 1, LIMIT);
  rt_printf("handler ran: %s, on core 1: %s, times: %lu\n", got ? "yes" : "no",
            h_apic_id == dest ? "yes" : "no", (unsigned long)hits);
  rt_printf("vector: 0x%lx\n", (unsigned long)h_vector);
  rt_printf("in handler: isr bit 0x40 = %lu, irr bit 0x40 = %lu, ppr = 0x%02lx, if = %lu\n",
            (unsigned long)h_isr_in, (unsigned long)h_irr_in, (unsigned long)h_ppr_in, (unsigned long)h_if_in);
  rt_printf("after eoi: isr bit 0x40 = %lu, ppr = 0x%02lx\n", (unsigned long)h_isr_after, (unsigned long)h_ppr_after);
  ok &= idle_before && idle_after && got && hits == 1 && h_apic_id == dest && h_vector == V_IPI && h_isr_in == 1 &&
        h_irr_in == 0 && h_ppr_in == 0x40 && h_if_in == 0 && h_isr_after == 0 && h_ppr_after == 0;

  uint64_t send_cost[ROUNDS], rtt[ROUNDS];
  int timed_ok = 1;
  for (uint64_t r = 0; r < ROUNDS; r++) {
    timed_ok &= wait_for(&spin_round, r + 1, LIMIT);
    for (volatile int d = 0; d < 200; d++) cpu_relax(); /* let core 1 reach its spin loop */
    lapic_wait_idle();
    uint64_t t0 = rdtsc();
    lapic_write(LAPIC_ICR_HI, dest << 24);
    lapic_write(LAPIC_ICR_LO, V_TIMED | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | ICR_DEST_NONE);
    uint64_t t1 = rdtsc();
    for (i = 0; i < LIMIT && timed_hits <= r; i++) {}
    uint64_t t2 = rdtsc();
    timed_ok &= i < LIMIT;
    send_cost[r] = t1 - t0;
    rtt[r] = t2 - t0;
  }
  timed_ok &= wait_for(&core1_done, 1, LIMIT);
  rt_printf("timed ipis delivered: %lu of %d\n", (unsigned long)timed_hits, ROUNDS);
  ok &= timed_ok && timed_hits == ROUNDS;
  stats("ipi sender (two icr writes)", send_cost);
  stats("ipi receiver (interrupted spin loop to handler's first rdtsc)", (const uint64_t *)recv_cost);
  stats("ipi round trip (icr write to handler's counter seen by sender)", rtt);
  rt_printf("ipi_xapic: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
