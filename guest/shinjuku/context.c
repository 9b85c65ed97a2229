/*
 * makecontext and the context and stack pools (after Shinjuku's
 * dp/core/context.c): the dispatcher takes a ucontext and a stack for every
 * new request and gives both back when the request finishes. Stacks are
 * 2 KiB, as in Shinjuku; unlike its context_alloc, uc_stack.ss_size is the
 * stack's real size (the released code stores sizeof(pointer), so each
 * context runs on the stack below its own). The lowest word of every stack
 * holds a canary the dispatcher checks when it frees the stack.
 */
#include "dispatch.h"
#include "platform.h"
#include "rt.h"

#define STACK_BYTES 2048
#define STACK_CANARY 0x5354414b43414e59ull

extern void start_context_fast(void);

void makecontext_fast(ucontext_t *ucp, void (*fn)(uint64_t), uint64_t arg) {
  uint64_t top = ((uint64_t)(uintptr_t)ucp->uc_stack.ss_sp + ucp->uc_stack.ss_size) & ~15ull;
  uint64_t *sp = (uint64_t *)top;
  *--sp = (uint64_t)(uintptr_t)start_context_fast; /* fn's return address: RSP ≡ 8 (mod 16) at entry, as after a call */
  uint8_t *c = (uint8_t *)ucp;
  *(uint64_t *)(c + UC_RSP) = (uint64_t)(uintptr_t)sp;
  *(uint64_t *)(c + UC_RIP) = (uint64_t)(uintptr_t)fn;
  *(uint64_t *)(c + UC_RDI) = arg;
  *(uint64_t *)(c + UC_RBX) = (uint64_t)(uintptr_t)ucp;
}

static ucontext_t **ctx_free;
static uint8_t **stack_free;
static uint32_t ctx_top, stack_top;

void context_pools_init(uint32_t n) {
  ucontext_t *ctxs = platform_alloc((uint64_t)n * sizeof(ucontext_t), 64);
  uint8_t *stacks = platform_alloc((uint64_t)n * STACK_BYTES, 64);
  ctx_free = platform_alloc((uint64_t)n * sizeof(void *), 64);
  stack_free = platform_alloc((uint64_t)n * sizeof(void *), 64);
  for (uint32_t i = 0; i < n; i++) {
    ctx_free[i] = &ctxs[n - 1 - i];
    stack_free[i] = stacks + (uint64_t)(n - 1 - i) * STACK_BYTES;
    *(uint64_t *)stack_free[i] = STACK_CANARY;
  }
  ctx_top = stack_top = n;
}

ucontext_t *context_alloc(void) {
  if (ctx_top == 0 || stack_top == 0) return 0;
  ucontext_t *c = ctx_free[--ctx_top];
  c->uc_stack.ss_sp = stack_free[--stack_top];
  c->uc_stack.ss_size = STACK_BYTES;
  c->uc_link = 0;
  return c;
}

void context_free(ucontext_t *c) {
  uint8_t *stack = c->uc_stack.ss_sp;
  if (*(uint64_t *)stack != STACK_CANARY) { shinjuku_stats.stack_overflows++; *(uint64_t *)stack = STACK_CANARY; }
  stack_free[stack_top++] = stack;
  ctx_free[ctx_top++] = c;
}
