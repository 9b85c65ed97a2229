/*
 * The fixed IPI of ipi_xapic.c, through the x2APIC MSR interface (2 cores).
 *
 * SDM Vol. 3A references:
 *  - §10.12.1: x2APIC support is CPUID.1:ECX[21]. Without it this program
 *    prints "x2apic supported: no" and exits with status 3 (QEMU 7.2 TCG has
 *    no x2APIC; only Bochs runs the rest).
 *  - §10.12.5, Table 10-5 / Figure 10-26: IA32_APIC_BASE (MSR 1Bh) bit 11 EN,
 *    bit 10 EXTD. From xAPIC mode (EN=1, EXTD=0) setting EXTD is a legal
 *    transition to x2APIC mode. Every core switches its own APIC (the mode is
 *    per local APIC). An AP's APIC leaves INIT with EN still set but
 *    software-disabled, so each core also writes the SVR (MSR 80Fh).
 *  - §10.12.1.2, Table 10-6: register at xAPIC offset X is MSR 800h + X/16:
 *    ID 802h, TPR 808h, PPR 80Ah, EOI 80Bh, LDR 80Dh, SVR 80Fh, ISR 810h-817h,
 *    IRR 820h-827h, ICR 830h (one 64-bit MSR), SELF IPI 83Fh.
 *  - §10.12.9: ICR in x2APIC mode: destination in bits 63:32, a single WRMSR
 *    sends; there is no delivery-status bit to poll.
 *  - §10.12.10.2: in x2APIC mode the logical ID (LDR) is derived from the x2APIC
 *    ID: LDR[31:16] = ID[19:4] (cluster), LDR[15:0] = 1 << ID[3:0], so core 0
 *    (ID 0) has LDR 1 and core 1 (ID 1) has LDR 2 right after the switch.
 *    Bochs 2.7 disagrees: it reads LDR = 0 after the xAPIC -> x2APIC switch,
 *    because its bx_local_apic_c::set_base() derives the LDR only when the
 *    APIC was *already* in x2APIC mode (it tests the old mode before updating
 *    it). The SDM is the reference: test/apic.test.ts expects
 *    "ldr derived from id: yes" where Bochs prints "no" (and so Bochs ends
 *    with "ipi_x2apic: FAILED", status 1; every other line is Bochs's).
 *  - §10.12.11: SELF IPI register: WRMSR 83Fh with a vector sends a fixed,
 *    edge-triggered self IPI.
 *  - EOI (§10.12.1.2, Table 10-6 note): WRMSR 80Bh with 0 (non-zero #GP).
 *  - ISR/IRR/PPR semantics as in ipi_xapic.c (§10.8.3.1, §10.8.4, §10.8.5).
 *
 * The timed rounds are those of ipi_xapic.c, with an x2APIC EOI in the stub;
 * their numbers go on "cycles:" lines only.
 */
#include "apic.h"
#include "idt.h"
/* shinjuku-emu: link idt.c */

#define V_IPI 0x40
#define V_TIMED 0x41
#define V_SELF 0x42
#define ROUNDS 16
#define LIMIT 200000000ull

#define X2_ID MSR_X2APIC(LAPIC_ID)
#define X2_PPR MSR_X2APIC(LAPIC_PPR)
#define X2_EOI MSR_X2APIC(LAPIC_EOI)
#define X2_LDR MSR_X2APIC(LAPIC_LDR)
#define X2_SVR MSR_X2APIC(LAPIC_SVR)
#define X2_ISR0 MSR_X2APIC(LAPIC_ISR0)
#define X2_IRR0 MSR_X2APIC(LAPIC_IRR0)
#define X2_ICR MSR_X2APIC(LAPIC_ICR_LO)
#define X2_SELF_IPI 0x83F

static inline int x2_vec_bit(uint32_t base_msr, unsigned v) {
  return (int)((rdmsr(base_msr + (v >> 5)) >> (v & 31)) & 1);
}

/* per core: APIC base after the switch, SVR, ID, LDR */
static volatile uint64_t st_base[2], st_svr[2], st_id[2], st_ldr[2];
static volatile uint64_t core1_ready, core1_done;
static volatile uint64_t hits, h_id, h_vector, h_isr_in, h_irr_in, h_ppr_in, h_if_in, h_isr_after, h_ppr_after;
static volatile uint64_t self_hits, self_vector, self_id;

volatile uint64_t timed_hits, t_delta, t_last;
static volatile uint64_t spin_round, recv_cost[ROUNDS];

static void on_ipi(struct irq_frame *f) {
  h_id = (uint32_t)rdmsr(X2_ID);
  h_vector = f->vector;
  h_isr_in = (uint64_t)x2_vec_bit(X2_ISR0, V_IPI);
  h_irr_in = (uint64_t)x2_vec_bit(X2_IRR0, V_IPI);
  h_ppr_in = rdmsr(X2_PPR);
  h_if_in = read_rflags() >> 9 & 1;
  wrmsr(X2_EOI, 0);
  h_isr_after = (uint64_t)x2_vec_bit(X2_ISR0, V_IPI);
  h_ppr_after = rdmsr(X2_PPR);
  __atomic_fetch_add(&hits, 1, __ATOMIC_RELEASE);
}

static void on_self(struct irq_frame *f) {
  self_vector = f->vector;
  self_id = (uint32_t)rdmsr(X2_ID);
  wrmsr(X2_EOI, 0);
  self_hits++;
}

/* Vector 0x41: RDTSC first (see ipi_xapic.c), then an x2APIC EOI. */
extern const char timed_entry[];
__asm__(
  "  .text\n"
  "timed_entry:\n"
  "  pushq %rax\n"
  "  pushq %rdx\n"
  "  pushq %rcx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq t_last(%rip), %rax\n"
  "  movq %rax, t_delta(%rip)\n"
  "  movl $0x80B, %ecx\n"
  "  xorl %eax, %eax\n"
  "  xorl %edx, %edx\n"
  "  wrmsr\n"                      /* EOI */
  "  lock incq timed_hits(%rip)\n"
  "  popq %rcx\n"
  "  popq %rdx\n"
  "  popq %rax\n"
  "  iretq\n");

static void switch_to_x2apic(int c) {
  uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
  wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
  st_base[c] = rdmsr(MSR_IA32_APIC_BASE);
  wrmsr(X2_SVR, 0x100 | 0xFF);
  st_svr[c] = rdmsr(X2_SVR);
  st_id[c] = rdmsr(X2_ID);
  st_ldr[c] = rdmsr(X2_LDR);
}

static int core1(void) {
  idt_load();
  switch_to_x2apic(1);
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

static uint64_t expected_ldr(uint64_t id) { return (id >> 4) << 16 | (1u << (id & 15)); }

int test_main_smp(long core, long ncores) {
  static volatile uint64_t go;  /* 1: IDT built; 2: x2APIC supported, go on; 3: stop */
  if (core == 0) {
    idt_init();
    idt_set_handler(V_IPI, on_ipi);
    idt_set_handler(V_SELF, on_self);
    idt_set_gate(V_TIMED, timed_entry, 0xE, 0);
    uint32_t r[4];
    cpuid(1, 0, r);
    int x2 = (r[2] >> 21) & 1;
    rt_printf("ipi_x2apic: %ld cores\n", ncores);
    rt_printf("x2apic supported (cpuid.1:ecx[21]): %s\n", x2 ? "yes" : "no");
    __atomic_store_n(&go, x2 ? 2 : 3, __ATOMIC_RELEASE);
    if (!x2) return 3;
  } else {
    while (__atomic_load_n(&go, __ATOMIC_ACQUIRE) == 0) cpu_relax();
    if (go != 2 || core != 1) return 0;
    return core1();
  }

  idt_load();
  if (ncores < 2) { rt_printf("needs 2 cores\n"); return 2; }
  int ok = 1;
  uint64_t before = rdmsr(MSR_IA32_APIC_BASE);
  rt_printf("core 0 before: apic base en = %lu, extd = %lu\n", (unsigned long)(before >> 11 & 1),
            (unsigned long)(before >> 10 & 1));
  switch_to_x2apic(0);
  ok &= wait_for(&core1_ready, 1, LIMIT);
  for (int c = 0; c < 2; c++) {
    rt_printf("core %d after: apic base en = %lu, extd = %lu, svr = 0x%lx, ldr derived from id: %s\n", c,
              (unsigned long)(st_base[c] >> 11 & 1), (unsigned long)(st_base[c] >> 10 & 1), (unsigned long)st_svr[c],
              st_ldr[c] == expected_ldr(st_id[c]) ? "yes" : "no");
    ok &= (st_base[c] & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD) && st_svr[c] == 0x1FF &&
          st_ldr[c] == expected_ldr(st_id[c]);
  }
  uint64_t dest = st_id[1];
  rt_printf("core 1 x2apic id differs from core 0: %s\n", dest != st_id[0] ? "yes" : "no");

  wrmsr(X2_ICR, dest << 32 | V_IPI | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | ICR_DEST_NONE);
  int got = wait_for(&hits, 1, LIMIT);
  rt_printf("handler ran: %s, on core 1: %s, times: %lu\n", got ? "yes" : "no", h_id == dest ? "yes" : "no",
            (unsigned long)hits);
  rt_printf("vector: 0x%lx\n", (unsigned long)h_vector);
  rt_printf("in handler: isr bit 0x40 = %lu, irr bit 0x40 = %lu, ppr = 0x%02lx, if = %lu\n",
            (unsigned long)h_isr_in, (unsigned long)h_irr_in, (unsigned long)h_ppr_in, (unsigned long)h_if_in);
  rt_printf("after eoi: isr bit 0x40 = %lu, ppr = 0x%02lx\n", (unsigned long)h_isr_after, (unsigned long)h_ppr_after);
  ok &= got && hits == 1 && h_id == dest && h_vector == V_IPI && h_isr_in == 1 && h_irr_in == 0 && h_ppr_in == 0x40 &&
        h_if_in == 0 && h_isr_after == 0 && h_ppr_after == 0;

  /* SELF IPI register: pending in IRR while IF = 0, taken after STI. */
  wrmsr(X2_SELF_IPI, V_SELF);
  uint64_t i;
  for (i = 0; i < LIMIT && !x2_vec_bit(X2_IRR0, V_SELF); i++) cpu_relax();
  int pending = x2_vec_bit(X2_IRR0, V_SELF);
  irq_enable();
  int self_got = wait_for(&self_hits, 1, LIMIT);
  irq_disable();
  rt_printf("self ipi register: pending with if = 0: %s, handled after sti: %s, vector 0x%lx, on core 0: %s\n",
            pending ? "yes" : "no", self_got ? "yes" : "no", (unsigned long)self_vector, self_id == st_id[0] ? "yes" : "no");
  ok &= pending && self_got && self_hits == 1 && self_vector == V_SELF && self_id == st_id[0];

  uint64_t send_cost[ROUNDS], rtt[ROUNDS];
  int timed_ok = 1;
  for (uint64_t r = 0; r < ROUNDS; r++) {
    timed_ok &= wait_for(&spin_round, r + 1, LIMIT);
    for (volatile int d = 0; d < 200; d++) cpu_relax();
    uint64_t t0 = rdtsc();
    wrmsr(X2_ICR, dest << 32 | V_TIMED | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | ICR_DEST_NONE);
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
  stats("ipi sender (one icr wrmsr)", send_cost);
  stats("ipi receiver (interrupted spin loop to handler's first rdtsc)", (const uint64_t *)recv_cost);
  stats("ipi round trip (icr wrmsr to handler's counter seen by sender)", rtt);
  rt_printf("ipi_x2apic: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
