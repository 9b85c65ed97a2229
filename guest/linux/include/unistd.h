#ifndef _UNISTD_H
#define _UNISTD_H
#include <sys/types.h>
ssize_t write(int fd, const void *buf, size_t n);
_Noreturn void _exit(int status);
pid_t getpid(void);
pid_t getppid(void);
pid_t gettid(void);
uid_t getuid(void);
long syscall(long number, ...);
#endif
