/*
 * The workers (after Shinjuku's dp/core/worker.c). A worker's main context
 * runs with interrupts disabled: it waits for its dispatcher_requests line,
 * starts a new request in a fresh context (PACKET) or resumes a preempted
 * one (CONTEXT), and when control comes back — the request finished, or the
 * preemption handler switched away from it — publishes FINISHED or
 * PREEMPTED in its worker_responses line. Requests run with interrupts
 * enabled (generic_work's sti), so the dispatcher's IPI can only land inside
 * one; the handler (a trap gate: IF is still set on entry) disables
 * interrupts, acknowledges, and switches to the worker's main context,
 * leaving its trap frame on the request's stack until the request resumes —
 * possibly on another worker. Replies go out on the worker's own TX queue.
 */
#include "dispatch.h"
#include "app.h"
#include "nic.h"
#include "platform.h"
#include "proto.h"
#include "rt.h"

#define TX_RING 256

struct worker_percpu {
  void *self;            /* %gs:0 */
  unsigned index;
  int finished;
  ucontext_t *cont;      /* the request running on this worker */
  ucontext_t uctx_main;
  struct nic_txq txq;
  uint32_t preemptions;  /* the running request's count so far (from the dispatcher) */
} __attribute__((aligned(64)));

static struct worker_percpu percpu_area[MAX_WORKERS];

static inline struct worker_percpu *me(void) { return platform_percpu(); }

/* The request: parse the frame, run the application, build and send the reply with interrupts off. */
__attribute__((noinline)) static void generic_work(uint64_t mbuf) {
  __asm__ volatile("sti" ::: "memory");
  uint8_t *f = (uint8_t *)(uintptr_t)mbuf;
  request *req = (request *)(f + PAYLOAD_OFF);
  reply *rep = shinjuku_app.handle_request(req);
  __asm__ volatile("cli" ::: "memory");
  /* Possibly another worker than the one that started the request. */
  struct worker_percpu *p = me();
  rep->preemptions = p->preemptions;
  rep->worker = p->index;
  /* udp_send: the request's frame with addresses and ports swapped (the IPv4 checksum is unchanged). */
  uint32_t len = PAYLOAD_OFF + sizeof(struct request_payload);
  uint8_t *o = nic_tx_buf(&p->txq);
  for (unsigned i = 0; i < 6; i++) { o[i] = f[6 + i]; o[6 + i] = f[i]; }
  for (unsigned i = 12; i < 26; i++) o[i] = f[i];
  for (unsigned i = 0; i < 4; i++) { o[26 + i] = f[30 + i]; o[30 + i] = f[26 + i]; }
  o[34] = f[36]; o[35] = f[37]; o[36] = f[34]; o[37] = f[35];
  o[38] = f[38]; o[39] = f[39]; o[40] = 0; o[41] = 0;
  memcpy(o + PAYLOAD_OFF, rep, sizeof(struct request_payload));
  nic_tx_send(&p->txq, len);
  p->finished = 1;
  swapcontext_very_fast(p->cont, &p->uctx_main);
}

/* The preemption handler (Shinjuku's test_handler on vector 0xF2). */
__attribute__((noinline)) static void preempt_handler(struct platform_tf *tf) {
  (void)tf;
  __asm__ volatile("cli" ::: "memory"); /* a trap gate leaves IF set */
  platform_eoi();
  struct worker_percpu *p = me();
  swapcontext_fast_to_control(p->cont, &p->uctx_main);
  /* Resumed (maybe elsewhere): return to the stub, whose IRETQ restores IF = 1. */
}

/* noinline: each step is its own symbol, so the per-core time breakdown (src/shinjuku/breakdown.ts) can tell them apart. */
__attribute__((noinline)) static void handle_new_packet(struct worker_percpu *p, unsigned i) {
  ucontext_t *cont = dispatcher_requests[i].rnbl;
  p->cont = cont;
  getcontext_fast(cont);
  set_context_link(cont, &p->uctx_main);
  makecontext_fast(cont, generic_work, (uint64_t)(uintptr_t)dispatcher_requests[i].mbuf);
  p->finished = 0;
  swapcontext_very_fast(&p->uctx_main, cont);
}

__attribute__((noinline)) static void handle_context(struct worker_percpu *p, unsigned i) {
  ucontext_t *cont = dispatcher_requests[i].rnbl;
  p->cont = cont;
  p->finished = 0;
  set_context_link(cont, &p->uctx_main);
  swapcontext_fast(&p->uctx_main, cont);
}

__attribute__((noinline)) static void finish_request(struct worker_percpu *p, unsigned i) {
  worker_responses[i].timestamp = dispatcher_requests[i].timestamp;
  worker_responses[i].type = dispatcher_requests[i].type;
  worker_responses[i].mbuf = dispatcher_requests[i].mbuf;
  worker_responses[i].preemptions = dispatcher_requests[i].preemptions;
  worker_responses[i].rnbl = p->cont;
  worker_responses[i].category = CONTEXT;
  __asm__ volatile("" ::: "memory");
  if (p->finished) { shinjuku_stats.worker_requests[i]++; worker_responses[i].flag = FINISHED; }
  else { shinjuku_stats.worker_preemptions[i]++; worker_responses[i].flag = PREEMPTED; }
}

void init_worker(unsigned i) {
  struct worker_percpu *p = &percpu_area[i];
  p->index = i;
  platform_init_core(i + 2, p);
  apic_routing[i] = platform_apic_id();
  void *ring = platform_alloc(TX_RING * sizeof(struct tx_desc), 128);
  uint8_t *bufs = platform_alloc((uint64_t)TX_RING * NIC_BUF_BYTES, 64);
  nic_txq_init(&p->txq, i, TX_RING, ring, bufs);
  platform_register_handler(PREEMPT_VECTOR, preempt_handler);
  shinjuku_app.init_per_core((int)i);
  __asm__ volatile("cli" ::: "memory");
  worker_responses[i].flag = PROCESSED;
}

/* The idle worker: one load per iteration, so the emulator's spin detection sleeps here until the dispatcher writes. */
__attribute__((noinline)) static void wait_for_request(volatile uint64_t *doorbell) {
  while (*doorbell == WAITING) __asm__ volatile("pause");
}

void do_work(unsigned i) {
  struct worker_percpu *p = &percpu_area[i];
  volatile uint64_t *doorbell = &dispatcher_requests[i].flag;
  for (;;) {
    wait_for_request(doorbell);
    dispatcher_requests[i].flag = WAITING;
    p->preemptions = dispatcher_requests[i].preemptions;
    if (dispatcher_requests[i].category == PACKET) handle_new_packet(p, i);
    else handle_context(p, i);
    finish_request(p, i);
  }
}
