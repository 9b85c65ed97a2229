#ifndef _STDLIB_H
#define _STDLIB_H
#include <stddef.h>
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
_Noreturn void exit(int status);
_Noreturn void abort(void);
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);
int abs(int x);
long labs(long x);
int atoi(const char *s);
#endif
