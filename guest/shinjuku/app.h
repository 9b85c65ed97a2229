/*
 * The application interface of NSDI'19 §3.5: "applications need to register
 * three callback functions: init() ... init_per_core(int core_num) ... and
 * reply *handle_request(request *)". The released Shinjuku compiles its
 * application into the worker instead (generic_work); this build links one
 * application that defines `shinjuku_app`.
 *
 * handle_request runs in the request's own context with interrupts enabled,
 * so it can be preempted anywhere; it returns the reply payload (here the
 * request's own payload with `result` filled in, which the worker sends back).
 * Code that must not be preempted brackets itself with call_safe().
 */
#ifndef SHINJUKU_APP_H
#define SHINJUKU_APP_H

#include "proto.h"

typedef struct request_payload request;
typedef struct request_payload reply;

struct shinjuku_app {
  const char *name;
  void (*init)(void);
  void (*init_per_core)(int core_num);
  reply *(*handle_request)(request *req);
};

extern const struct shinjuku_app shinjuku_app;

/* TSC ticks per nanosecond (from the configuration), for applications that time themselves. */
double app_tsc_per_ns(void);
/* Memory for the application's global state (zeroed), from the platform's pool region. */
void *app_alloc(uint64_t bytes);
/* Keys the key-value store holds (from the configuration). */
uint32_t app_kv_keys(void);
/* The key-value store's calibrated per-key residual (profile kvStore.perKeyResidual), in TSC ticks × 256. */
uint64_t app_kv_key_residual_q8(void);
/* The key-value store's database files in memory (src/shinjuku/kvdb.ts), or 0. */
const uint8_t *app_kv_db(void);

/* Run fn(arg) with interrupts (hence preemption) off: the paper's call_safe (§3.6). */
static inline void call_safe(void (*fn)(void *), void *arg) {
  __asm__ volatile("cli" ::: "memory");
  fn(arg);
  __asm__ volatile("sti" ::: "memory");
}

#endif
