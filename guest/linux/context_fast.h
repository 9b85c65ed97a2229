/* Shinjuku's fast context switches (context_fast.S). */
#ifndef CONTEXT_FAST_H
#define CONTEXT_FAST_H
#include <ucontext.h>
int swapcontext_nomask(ucontext_t *oucp, const ucontext_t *ucp);
int swapcontext_fast_to_control(ucontext_t *oucp, const ucontext_t *ucp);
int swapcontext_fast(ucontext_t *oucp, const ucontext_t *ucp);
int swapcontext_very_fast(ucontext_t *oucp, const ucontext_t *ucp);
int getcontext_fast(ucontext_t *ucp);
#endif
