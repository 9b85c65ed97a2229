/*
 * Shinjuku's shared structures, after the released code's inc/ix/dispatch.h
 * (stanford-mast/shinjuku): one pair of 64-byte mailboxes per worker
 * (dispatcher_requests, worker_responses), one for the networking thread
 * (networker_pointers), the dispatcher's per-type task queues (tskq), and
 * the configuration the host writes before the run (shinjuku_cfg).
 */
#ifndef SHINJUKU_DISPATCH_H
#define SHINJUKU_DISPATCH_H

#include <stdint.h>
#include "context.h"

#define MAX_WORKERS 30
#define CFG_MAX_PORTS 16
#define ETH_RX_MAX_BATCH 6
#define PREEMPT_VECTOR 0xF2

/* dispatcher_request.flag */
#define WAITING 0
#define ACTIVE 1
/* worker_response.flag */
#define RUNNING 0
#define FINISHED 1
#define PREEMPTED 2
#define PROCESSED 3
/* category */
#define PACKET 1
#define CONTEXT 2

/* Policies and preemption modes (shinjuku_cfg.policy / .preempt). */
#define POLICY_SQ 0          /* one queue for every type */
#define POLICY_MQ 1          /* a queue per type, BVT-like selection (NSDI'19 §3.4, Algorithm 1) */
#define PREEMPT_OFF 0        /* c-FCFS: never preempt */
#define PREEMPT_WHEN_QUEUED 1 /* the paper (§3.4): preempt after the quantum only if something waits */
#define PREEMPT_ALWAYS 2     /* the released dispatcher: preempt whenever the quantum has expired */

#define SHINJUKU_CFG_MAGIC 0x4b4a4853u /* "SHJK" */

struct shinjuku_cfg {
  uint32_t magic;
  uint32_t num_workers;
  uint32_t num_ports;
  uint32_t rx_queues;
  uint32_t policy;
  uint32_t preempt;
  uint32_t pool_contexts;  /* contexts (and stacks) in the pools */
  uint32_t kv_keys;
  uint16_t ports[CFG_MAX_PORTS];
  uint8_t queue_head[CFG_MAX_PORTS]; /* per type: a preempted request goes back to the head (1) or tail (0) */
  uint64_t slo_ticks[CFG_MAX_PORTS];  /* per type, for MQ */
  double preemption_delay_ns;         /* the quantum */
  double tsc_per_ns;
  uint64_t mem_base, mem_size;        /* the region platform_alloc hands out */
  uint64_t kv_key_residual_q8;        /* the key-value store's per-key residual (profile kvStore.perKeyResidual), TSC ticks × 256 */
  uint64_t kv_db_base, kv_db_bytes;   /* the key-value store's files, laid out in memory by the host */
};

/* What the guest counts; the host reads it after the run. */
struct shinjuku_stats {
  uint64_t dispatched, finished, preempted, ipis, server_drops, bad_packets;
  uint64_t passes, busy_passes, busy_ticks, first_pass, last_pass;
  uint64_t net_batches, net_packets;
  uint64_t worker_requests[MAX_WORKERS];
  uint64_t worker_preemptions[MAX_WORKERS];
  uint64_t stack_overflows;
};

extern struct shinjuku_cfg shinjuku_cfg;
extern struct shinjuku_stats shinjuku_stats;

struct dispatcher_request {
  uint64_t flag;
  ucontext_t *rnbl;
  void *mbuf;
  uint8_t type;
  uint8_t category;
  uint16_t pad0;
  uint32_t preemptions;
  uint64_t timestamp;
  uint8_t pad[24];
} __attribute__((aligned(64)));

struct worker_response {
  uint64_t flag;
  ucontext_t *rnbl;
  void *mbuf;
  uint64_t timestamp;
  uint8_t type;
  uint8_t category;
  uint16_t pad0;
  uint32_t preemptions;
  uint8_t pad[24];
} __attribute__((aligned(64)));

struct networker_pointers_t {
  uint8_t cnt;
  uint8_t free_cnt;
  uint8_t types[ETH_RX_MAX_BATCH];
  void *pkts[ETH_RX_MAX_BATCH];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct dispatcher_request) == 64, "one cache line");
_Static_assert(sizeof(struct worker_response) == 64, "one cache line");
_Static_assert(sizeof(struct networker_pointers_t) == 64, "one cache line");

extern volatile struct dispatcher_request dispatcher_requests[MAX_WORKERS];
extern volatile struct worker_response worker_responses[MAX_WORKERS];
extern volatile struct networker_pointers_t networker_pointers;
/* Each worker's APIC ID (the dispatcher's preemption IPI destination), as libdune's apic_routing. */
extern volatile uint32_t apic_routing[MAX_WORKERS];
extern volatile uint32_t init_done, workers_ready;

/* Receive buffers: the networker allocates and frees them (it is the only core that does). */
void *mbuf_alloc(void);
void mbuf_free(void *m);

/* Context pools (context.c): a ucontext and a stack per request, taken and given back by the dispatcher. */
void context_pools_init(uint32_t n);
ucontext_t *context_alloc(void);
void context_free(ucontext_t *c);

void do_dispatching(void);
void do_networking(void);
void do_work(unsigned worker);
void init_worker(unsigned worker);
void networker_init(void);

#endif
