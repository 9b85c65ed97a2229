/*
 * The synthetic server (the paper's synthetic workload, NSDI'19 §4.1): each
 * request spins for the service time its payload asks for. It measures its
 * own running time with RDTSC and does not count gaps where it was not
 * running (a preemption, or an interrupt): a gap longer than any iteration
 * can take means the request was switched out, so the service time is CPU
 * time, as the released generic_work's iteration count is.
 */
#include "app.h"

#define GAP_TICKS 400 /* far above one iteration (an RDTSC and a few ALU ops), far below a preemption */

static uint64_t tsc_per_ns_q32; /* TSC ticks per ns, 32.32 fixed point */

static void spin_init(void) { tsc_per_ns_q32 = (uint64_t)(app_tsc_per_ns() * 4294967296.0); }
static void spin_init_per_core(int core) { (void)core; }

static inline uint64_t rdtsc_now(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}

static reply *spin_handle_request(request *req) {
  uint64_t want = (uint64_t)(((unsigned __int128)req->arg0 * tsc_per_ns_q32) >> 32);
  uint64_t done = 0, prev = rdtsc_now();
  while (done < want) {
    uint64_t now = rdtsc_now();
    uint64_t d = now - prev;
    if (d < GAP_TICKS) done += d;
    prev = now;
  }
  req->result = done;
  return req;
}

const struct shinjuku_app shinjuku_app = { "synthetic", spin_init, spin_init_per_core, spin_handle_request };
