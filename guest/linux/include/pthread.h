/* One thread per core: pthread_create clones onto the next free core (the kernel pins it there). */
#ifndef _PTHREAD_H
#define _PTHREAD_H
#include <signal.h>
typedef unsigned long int pthread_t;
typedef union { char __size[56]; long int __align; } pthread_attr_t;
int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int pthread_join(pthread_t t, void **ret);
pthread_t pthread_self(void);
int pthread_kill(pthread_t t, int sig);
#endif
