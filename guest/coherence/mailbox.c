/*
 * Shinjuku's cache-line mailbox (NSDI'19 §3.5 "Inter-thread communication"):
 * a pair of threads talks over one 64-byte line per direction. The sender
 * fills the line with the message (here the fields of Shinjuku's
 * dispatcher_request: a context pointer, an mbuf pointer, type, category,
 * timestamp) and then sets the byte the receiver polls; the receiver spins
 * on that byte with `pause`, reads the message and answers the same way
 * through the other line.
 *
 * Core 0 is the dispatcher: it sends ROUND_TRIPS messages, each after the
 * previous answer came back, and times them with rdtsc. Core 1 is the
 * worker. Nothing here knows what a round trip should cost: the time comes
 * out of the coherence model (the worker's miss on a line the dispatcher
 * just wrote, and back) plus the instructions' own costs.
 *
 * Output: "mailbox round trip: <cycles>.<tenth> cycles (<n> round trips)",
 * exit status 0 when every answer matched its message.
 */
#include "rt.h"

#define WARMUP 16
#define ROUND_TRIPS 1000

struct mailbox {
  uint8_t flag; /* the byte the receiver polls: the message's sequence number, never 0 */
  uint8_t type;
  uint8_t category;
  uint8_t pad0[5];
  uint64_t rnbl;
  uint64_t mbuf;
  uint64_t timestamp;
  uint8_t pad[32];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct mailbox) == 64, "a mailbox is one cache line");

/* One line per direction, nothing else on either line. */
static struct mailbox request, response;

static uint8_t seq_of(long i) { return (uint8_t)(i % 255 + 1); }

static void send(struct mailbox *m, uint8_t seq, uint64_t rnbl, uint64_t mbuf, uint64_t ts) {
  m->rnbl = rnbl;
  m->mbuf = mbuf;
  m->timestamp = ts;
  m->type = 1;
  m->category = 1;
  __atomic_store_n(&m->flag, seq, __ATOMIC_RELEASE);
}

static void wait_for(struct mailbox *m, uint8_t seq) {
  while (__atomic_load_n(&m->flag, __ATOMIC_ACQUIRE) != seq) __builtin_ia32_pause();
}

static void worker(void) {
  for (long i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    uint8_t seq = seq_of(i);
    wait_for(&request, seq);
    send(&response, seq, request.rnbl + 1, request.mbuf ^ 0xff, request.timestamp);
  }
}

static long dispatcher(void) {
  long mismatches = 0;
  uint64_t t0 = 0;
  for (long i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    if (i == WARMUP) t0 = __builtin_ia32_rdtsc();
    uint8_t seq = seq_of(i);
    send(&request, seq, (uint64_t)i, (uint64_t)i << 8, (uint64_t)i);
    wait_for(&response, seq);
    /* take the answer out of the mailbox, then check it */
    uint64_t rnbl = __atomic_load_n(&response.rnbl, __ATOMIC_RELAXED);
    uint64_t mbuf = __atomic_load_n(&response.mbuf, __ATOMIC_RELAXED);
    uint64_t ts = __atomic_load_n(&response.timestamp, __ATOMIC_RELAXED);
    if (rnbl != (uint64_t)i + 1 || mbuf != (((uint64_t)i << 8) ^ 0xff) || ts != (uint64_t)i) mismatches++;
  }
  uint64_t t1 = __builtin_ia32_rdtsc();
  uint64_t tenths = (t1 - t0) * 10 / ROUND_TRIPS;
  rt_printf("mailbox round trip: %lu.%lu cycles (%d round trips)\n", (unsigned long)(tenths / 10), (unsigned long)(tenths % 10), ROUND_TRIPS);
  rt_printf("answers matching their messages: %s\n", mismatches == 0 ? "all" : "NOT ALL");
  return mismatches;
}

int test_main_smp(long core, long ncores) {
  if (ncores < 2) {
    if (core == 0) rt_printf("mailbox needs 2 cores\n");
    return 1;
  }
  if (core == 0) return dispatcher() == 0 ? 0 : 1;
  if (core == 1) worker();
  return 0;
}
