#ifndef _UCONTEXT_H
#define _UCONTEXT_H
#include <sys/ucontext.h>
int getcontext(ucontext_t *ucp);
int setcontext(const ucontext_t *ucp);
void makecontext(ucontext_t *ucp, void (*func)(void), int argc, ...);
int swapcontext(ucontext_t *__restrict oucp, const ucontext_t *__restrict ucp);
#endif
