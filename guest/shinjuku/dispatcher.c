/*
 * The dispatcher (after Shinjuku's dp/core/dispatcher.c and the task queues
 * of inc/ix/dispatch.h): once per pass it reads the TSC, then for each
 * worker either handles a finished or preempted request and dispatches the
 * next one, or checks whether the running request has used up its quantum
 * and preempts it with an IPI; then it takes the networker's batch.
 *
 * Policies: SQ keeps one queue (every type goes to tskq[0]); MQ keeps one
 * per type and smart_tskq_dequeue picks the queue whose head has waited the
 * largest share of its SLO (NSDI'19 §3.4, Algorithm 1: max starts at 0, a
 * strict >, ties to the lowest index). A preempted request keeps its
 * arrival timestamp and goes back to the head or tail of its queue per type.
 * Preemption: off (c-FCFS), when something is queued (the paper), or
 * whenever the quantum has expired (the released dispatcher).
 */
#include "dispatch.h"
#include "platform.h"
#include "rt.h"

struct task {
  ucontext_t *runnable;
  void *mbuf;
  uint8_t type;
  uint8_t category;
  uint32_t preemptions;
  uint64_t timestamp;
  struct task *next;
};

struct task_queue { struct task *head, *tail; };

static struct task_queue tskq[CFG_MAX_PORTS];
static struct task *task_free_list;
static uint64_t timestamps[MAX_WORKERS];
static uint8_t preempt_check[MAX_WORKERS];
/* Finished requests' mbufs on their way back to the networker (Shinjuku's mqueue). */
static void **mqueue;
static uint32_t mqueue_len;

static inline unsigned queue_of(uint8_t type) { return shinjuku_cfg.policy == POLICY_MQ ? type : 0; }

static struct task *task_alloc(void) {
  struct task *t = task_free_list;
  if (t) task_free_list = t->next;
  return t;
}
static void task_free(struct task *t) { t->next = task_free_list; task_free_list = t; }

static void tskq_enqueue_tail(struct task_queue *q, struct task *t) {
  t->next = 0;
  if (q->tail) q->tail->next = t; else q->head = t;
  q->tail = t;
}
static void tskq_enqueue_head(struct task_queue *q, struct task *t) {
  t->next = q->head;
  q->head = t;
  if (!q->tail) q->tail = t;
}
static struct task *tskq_dequeue(struct task_queue *q) {
  struct task *t = q->head;
  if (!t) return 0;
  q->head = t->next;
  if (!q->head) q->tail = 0;
  return t;
}

/* Algorithm 1: the queue whose head's time in the system is the largest share of its SLO. */
static struct task *smart_tskq_dequeue(uint64_t cur_time) {
  if (shinjuku_cfg.policy != POLICY_MQ) return tskq_dequeue(&tskq[0]);
  double max = 0;
  int max_queue = -1;
  for (unsigned i = 0; i < shinjuku_cfg.num_ports; i++) {
    struct task *h = tskq[i].head;
    if (!h) continue;
    double ratio = (double)(cur_time - h->timestamp) / (double)shinjuku_cfg.slo_ticks[i];
    if (ratio > max) { max = ratio; max_queue = (int)i; }
  }
  return max_queue < 0 ? 0 : tskq_dequeue(&tskq[max_queue]);
}

static int queues_empty(void) {
  unsigned n = shinjuku_cfg.policy == POLICY_MQ ? shinjuku_cfg.num_ports : 1;
  for (unsigned i = 0; i < n; i++) if (tskq[i].head) return 0;
  return 1;
}

static void handle_finished(unsigned i) {
  context_free(worker_responses[i].rnbl);
  mqueue[mqueue_len++] = worker_responses[i].mbuf;
  preempt_check[i] = 0;
  shinjuku_stats.finished++;
  worker_responses[i].flag = PROCESSED;
}

static void handle_preempted(unsigned i) {
  struct task *t = task_alloc();
  t->runnable = worker_responses[i].rnbl;
  t->mbuf = worker_responses[i].mbuf;
  t->type = worker_responses[i].type;
  t->category = CONTEXT;
  t->timestamp = worker_responses[i].timestamp;
  t->preemptions = worker_responses[i].preemptions + 1;
  struct task_queue *q = &tskq[queue_of(t->type)];
  if (shinjuku_cfg.queue_head[t->type]) tskq_enqueue_head(q, t); else tskq_enqueue_tail(q, t);
  preempt_check[i] = 0;
  shinjuku_stats.preempted++;
  worker_responses[i].flag = PROCESSED;
}

static int dispatch_request(unsigned i, uint64_t cur_time) {
  struct task *t = smart_tskq_dequeue(cur_time);
  if (!t) return 0;
  worker_responses[i].flag = RUNNING;
  dispatcher_requests[i].rnbl = t->runnable;
  dispatcher_requests[i].mbuf = t->mbuf;
  dispatcher_requests[i].type = t->type;
  dispatcher_requests[i].category = t->category;
  dispatcher_requests[i].timestamp = t->timestamp;
  dispatcher_requests[i].preemptions = t->preemptions;
  timestamps[i] = cur_time;
  preempt_check[i] = shinjuku_cfg.preempt != PREEMPT_OFF;
  task_free(t);
  shinjuku_stats.dispatched++;
  __asm__ volatile("" ::: "memory"); /* the fields before the doorbell (x86 keeps stores in order) */
  dispatcher_requests[i].flag = ACTIVE;
  return 1;
}

static int preempt_worker(unsigned i, uint64_t cur_time) {
  if (!preempt_check[i]) return 0;
  /* The released dispatcher divides the TSC delta by a hard-coded 2.5 ticks/ns; here the profile's rate. */
  if ((double)(cur_time - timestamps[i]) / shinjuku_cfg.tsc_per_ns <= shinjuku_cfg.preemption_delay_ns) return 0;
  if (shinjuku_cfg.preempt == PREEMPT_WHEN_QUEUED && queues_empty()) return 0; /* check again next pass */
  preempt_check[i] = 0; /* one IPI per dispatch */
  shinjuku_stats.ipis++;
  platform_send_ipi(apic_routing[i], PREEMPT_VECTOR);
  return 1;
}

static int handle_networker(uint64_t cur_time) {
  unsigned cnt = networker_pointers.cnt;
  if (cnt == 0) return 0;
  for (unsigned j = 0; j < cnt; j++) {
    void *pkt = networker_pointers.pkts[j];
    uint8_t type = networker_pointers.types[j];
    ucontext_t *ctx = context_alloc();
    struct task *t = ctx ? task_alloc() : 0;
    if (!t) { /* no context left: the request is dropped, its mbuf goes back */
      if (ctx) context_free(ctx);
      mqueue[mqueue_len++] = pkt;
      shinjuku_stats.server_drops++;
      continue;
    }
    t->runnable = ctx;
    t->mbuf = pkt;
    t->type = type;
    t->category = PACKET;
    t->timestamp = cur_time;
    t->preemptions = 0;
    tskq_enqueue_tail(&tskq[queue_of(type)], t);
  }
  unsigned k = 0;
  while (k < ETH_RX_MAX_BATCH && mqueue_len > 0) networker_pointers.pkts[k++] = mqueue[--mqueue_len];
  networker_pointers.free_cnt = (uint8_t)k;
  __asm__ volatile("" ::: "memory");
  networker_pointers.cnt = 0;
  return 1;
}

void do_dispatching(void) {
  unsigned n = shinjuku_cfg.num_workers;
  uint32_t pool = shinjuku_cfg.pool_contexts;
  struct task *tasks = platform_alloc((uint64_t)pool * sizeof(struct task), 64);
  for (uint32_t i = 0; i < pool; i++) task_free(&tasks[i]);
  mqueue = platform_alloc((uint64_t)(pool + ETH_RX_MAX_BATCH) * sizeof(void *), 64);
  for (unsigned i = 0; i < n; i++) { timestamps[i] = UINT64_MAX; preempt_check[i] = 0; }
  uint64_t prev_time = rdtsc64();
  int prev_busy = 0;
  shinjuku_stats.first_pass = prev_time;
  for (;;) {
    uint64_t cur_time = rdtsc64();
    /* Busy time: a pass that did anything counts until the next pass starts (no extra TSC read). */
    if (prev_busy) { shinjuku_stats.busy_ticks += cur_time - prev_time; shinjuku_stats.busy_passes++; }
    shinjuku_stats.passes++;
    shinjuku_stats.last_pass = cur_time;
    prev_time = cur_time;
    int busy = 0;
    for (unsigned i = 0; i < n; i++) {
      uint64_t flag = worker_responses[i].flag;
      if (flag != RUNNING) {
        if (flag == FINISHED) { handle_finished(i); busy = 1; }
        else if (flag == PREEMPTED) { handle_preempted(i); busy = 1; }
        busy |= dispatch_request(i, cur_time);
      } else {
        busy |= preempt_worker(i, cur_time);
      }
    }
    busy |= handle_networker(cur_time);
    prev_busy = busy;
  }
}
