/*
 * Shinjuku on the machine: core 0 is the dispatcher, core 1 the networking
 * thread, cores 2.. the workers (the released code's cpu list: dispatcher,
 * networker, workers). The host writes shinjuku_cfg into the image before
 * the run; the networker prints "shinjuku: ready" once every worker has
 * registered, which is when the load generator starts.
 */
/* The platform (platform_bare.c or platform_dune.c) is the image's third source (src/shinjuku/server.ts);
 * it owns the entry point and calls shinjuku_main on every core. */
/* shinjuku-emu: link platform_alloc.c context_fast.S context.c dispatcher.c networker.c worker.c nic.c */
#include "dispatch.h"
#include "app.h"
#include "platform.h"
#include "rt.h"

struct shinjuku_cfg shinjuku_cfg __attribute__((aligned(64))) = { .magic = 0 };
struct shinjuku_stats shinjuku_stats __attribute__((aligned(64)));
volatile struct dispatcher_request dispatcher_requests[MAX_WORKERS];
volatile struct worker_response worker_responses[MAX_WORKERS];
volatile struct networker_pointers_t networker_pointers;
volatile uint32_t apic_routing[MAX_WORKERS];
volatile uint32_t init_done, workers_ready;

static struct { void *self; } dispatcher_percpu, networker_percpu;

double app_tsc_per_ns(void) { return shinjuku_cfg.tsc_per_ns; }
void *app_alloc(uint64_t bytes) { return platform_alloc(bytes, 64); }
uint32_t app_kv_keys(void) { return shinjuku_cfg.kv_keys; }
uint64_t app_kv_key_residual_q8(void) { return shinjuku_cfg.kv_key_residual_q8; }
const uint8_t *app_kv_db(void) { return (const uint8_t *)(uintptr_t)shinjuku_cfg.kv_db_base; }

int shinjuku_main(long core, long ncores) {
  if (core == 0) {
    if (shinjuku_cfg.magic != SHINJUKU_CFG_MAGIC) { rt_printf("shinjuku: no configuration (the host writes shinjuku_cfg)\n"); return 2; }
    if (shinjuku_cfg.num_workers == 0 || shinjuku_cfg.num_workers > MAX_WORKERS || shinjuku_cfg.num_workers + 2 > (unsigned long)ncores) {
      rt_printf("shinjuku: %u workers need %u cores, the machine has %ld\n", shinjuku_cfg.num_workers, shinjuku_cfg.num_workers + 2, ncores);
      return 2;
    }
    platform_init(shinjuku_cfg.mem_base, shinjuku_cfg.mem_size);
    platform_init_core(0, &dispatcher_percpu);
    context_pools_init(shinjuku_cfg.pool_contexts);
    shinjuku_app.init();
    networker_init();
    __asm__ volatile("" ::: "memory");
    init_done = 1;
    do_dispatching();
  }
  while (!init_done) cpu_relax();
  if (core == 1) {
    platform_init_core(1, &networker_percpu);
    for (unsigned i = 0; i < shinjuku_cfg.num_workers; i++) while (worker_responses[i].flag != PROCESSED) cpu_relax();
    rt_printf("shinjuku: %s, %u workers: ready\n", shinjuku_app.name, shinjuku_cfg.num_workers);
    do_networking();
  }
  if ((unsigned long)core - 2 < shinjuku_cfg.num_workers) {
    init_worker((unsigned)core - 2);
    do_work((unsigned)core - 2);
  }
  return 0;
}
