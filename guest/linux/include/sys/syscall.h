#ifndef _SYS_SYSCALL_H
#define _SYS_SYSCALL_H
/* x86-64 Linux system-call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define SYS_write 1
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_sched_yield 24
#define SYS_getpid 39
#define SYS_clone 56
#define SYS_exit 60
#define SYS_kill 62
#define SYS_getuid 102
#define SYS_getppid 110
#define SYS_rt_sigpending 127
#define SYS_gettid 186
#define SYS_tkill 200
#define SYS_sched_setaffinity 203
#define SYS_sched_getaffinity 204
#define SYS_clock_gettime 228
#define SYS_exit_group 231
#define SYS_tgkill 234
#define SYS_getcpu 309
#endif
