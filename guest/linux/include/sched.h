#ifndef _SCHED_H
#define _SCHED_H
#include <sys/types.h>
typedef struct { unsigned long __bits[1024 / 64]; } cpu_set_t;
#define CPU_ZERO(s) do { for (int __i = 0; __i < 16; __i++) (s)->__bits[__i] = 0; } while (0)
#define CPU_SET(c, s) ((s)->__bits[(c) / 64] |= 1UL << ((c) % 64))
#define CPU_ISSET(c, s) (((s)->__bits[(c) / 64] >> ((c) % 64)) & 1)
int sched_yield(void);
int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *mask);
int sched_getaffinity(pid_t pid, size_t size, cpu_set_t *mask);
int sched_getcpu(void);
#endif
