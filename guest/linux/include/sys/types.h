/* Types of the user runtime's C library (the x86-64 Linux ABI, as glibc defines them). */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H
#include <stddef.h>
#include <stdint.h>
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef long ssize_t;
typedef long off_t;
typedef long time_t;
typedef int clockid_t;
#endif
