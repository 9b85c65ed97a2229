#ifndef _ERRNO_H
#define _ERRNO_H
/* One errno for the process: this runtime keeps no thread-local storage. */
extern int errno;
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38
#endif
