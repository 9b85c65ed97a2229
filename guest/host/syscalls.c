/*
 * The system-call table (arch/x86/entry/syscall_64.c with the numbers of
 * arch/x86/entry/syscalls/syscall_64.tbl), the simple system calls, and the
 * work done on every return to user space (arch/x86/entry/common.c).
 *
 * do_syscall_64 is the dispatch as a C function, for callers outside the
 * SYSCALL entry: the Dune module forwards a Dune process's VMCALL system
 * calls through it (as Dune's vmx_handle_syscall calls the host table).
 */
#include "kernel.h"

#define __NR_write 1
#define __NR_open 2
#define __NR_close 3
#define __NR_ioctl 16
#define __NR_rt_sigaction 13
#define __NR_rt_sigprocmask 14
#define __NR_rt_sigreturn 15
#define __NR_sched_yield 24
#define __NR_getpid 39
#define __NR_clone 56
#define __NR_exit 60
#define __NR_kill 62
#define __NR_getuid 102
#define __NR_getgid 104
#define __NR_geteuid 107
#define __NR_getegid 108
#define __NR_getppid 110
#define __NR_rt_sigpending 127
#define __NR_gettid 186
#define __NR_tkill 200
#define __NR_sched_setaffinity 203
#define __NR_sched_getaffinity 204
#define __NR_clock_gettime 228
#define __NR_exit_group 231
#define __NR_tgkill 234

long sys_rt_sigaction(long, const void *, void *, u64);
long sys_rt_sigprocmask(long, sigset_t *, sigset_t *, u64);
long sys_rt_sigpending(sigset_t *, u64);
long sys_rt_sigreturn(void);
long sys_tgkill(long, long, long);
long sys_tkill(long, long);
long sys_kill(long, long);
long sys_clone(u64, u64, u64, u64, u64);
long sys_open(const char *, long, long);   /* dune.c: the one device file, /dev/dune */
long sys_close(long);
long sys_ioctl(long, u64, u64);
extern const char stub_rt_sigreturn[], stub_clone[];

static long sys_ni_syscall(void) { return -ENOSYS; }

/* write(2) to the console (fd 1 and 2): the bytes go out on port 0xE9. */
static long sys_write(long fd, const char __user *buf, u64 count) {
  if (fd != 1 && fd != 2) return -EBADF;
  char chunk[256];
  u64 done = 0;
  while (done < count) {
    u64 n = count - done < sizeof chunk ? count - done : sizeof chunk;
    if (copy_from_user(chunk, buf + done, n)) return done ? (long)done : -EFAULT;
    rt_write(chunk, n);
    done += n;
  }
  return (long)done;
}

static long sys_getpid(void) { return current->tgid; }
static long sys_gettid(void) { return current->pid; }
static long sys_getppid(void) { return 1; }
static long sys_getuid(void) { return 0; }
static long sys_sched_yield(void) { schedule(); return 0; }
static long sys_exit(long code) { do_exit(code & 0xff); }
static long sys_exit_group(long code) { do_group_exit(code & 0xff); }

/* Threads are pinned one per core: an affinity mask is accepted when it holds the thread's core. */
static long sys_sched_setaffinity(long pid, u64 len, const u64 __user *mask) {
  struct task_struct *p = pid ? find_task_by_vpid((int)pid) : current;
  u64 m;
  if (!p) return -ESRCH;
  if (len < sizeof m || copy_from_user(&m, mask, sizeof m)) return -EFAULT;
  return (m >> p->cpu) & 1 ? 0 : -EINVAL;
}
static long sys_sched_getaffinity(long pid, u64 len, u64 __user *mask) {
  struct task_struct *p = pid ? find_task_by_vpid((int)pid) : current;
  if (!p) return -ESRCH;
  if (len < sizeof(u64)) return -EINVAL;
  u64 m = 1UL << p->cpu;
  if (copy_to_user(mask, &m, sizeof m)) return -EFAULT;
  return sizeof m;
}

/* clock_gettime: the TSC at its constant rate (Linux calibrates tsc_khz at boot; this machine's is 2.2 GHz). */
#define TSC_KHZ 2200000UL
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
struct timespec_k { s64 tv_sec; s64 tv_nsec; };
static long sys_clock_gettime(long which, struct timespec_k __user *tp) {
  if (which < 0 || which > CLOCK_BOOTTIME || which == 2 || which == 3) return -EINVAL;
  u64 tsc = native_read_tsc();
  u64 ns = tsc / TSC_KHZ * 1000000UL + (tsc % TSC_KHZ) * 1000000UL / TSC_KHZ;
  struct timespec_k ts = { (s64)(ns / 1000000000UL), (s64)(ns % 1000000000UL) };
  if (which == CLOCK_REALTIME || which == CLOCK_REALTIME_COARSE) ts.tv_sec += 1500000000;   /* an epoch in 2017 */
  return copy_to_user(tp, &ts, sizeof ts) ? -EFAULT : 0;
}

#define S(nr, fn) [nr] = (sys_call_ptr_t)(void (*)(void))(fn)
const sys_call_ptr_t sys_call_table[NR_syscalls] = {
  [0 ... NR_syscalls - 1] = (sys_call_ptr_t)(void (*)(void))sys_ni_syscall,
  S(__NR_write, sys_write),
  S(__NR_open, sys_open),
  S(__NR_close, sys_close),
  S(__NR_ioctl, sys_ioctl),
  S(__NR_rt_sigaction, sys_rt_sigaction),
  S(__NR_rt_sigprocmask, sys_rt_sigprocmask),
  S(__NR_rt_sigreturn, stub_rt_sigreturn),
  S(__NR_sched_yield, sys_sched_yield),
  S(__NR_getpid, sys_getpid),
  S(__NR_clone, stub_clone),
  S(__NR_exit, sys_exit),
  S(__NR_kill, sys_kill),
  S(__NR_getuid, sys_getuid),
  S(__NR_getgid, sys_getuid),
  S(__NR_geteuid, sys_getuid),
  S(__NR_getegid, sys_getuid),
  S(__NR_getppid, sys_getppid),
  S(__NR_rt_sigpending, sys_rt_sigpending),
  S(__NR_gettid, sys_gettid),
  S(__NR_tkill, sys_tkill),
  S(__NR_sched_setaffinity, sys_sched_setaffinity),
  S(__NR_sched_getaffinity, sys_sched_getaffinity),
  S(__NR_clock_gettime, sys_clock_gettime),
  S(__NR_exit_group, sys_exit_group),
  S(__NR_tgkill, sys_tgkill),
};

/*
 * do_syscall_64: one system call for a frame built elsewhere (the Dune
 * module's VMCALL exit handler). The ptregs stubs (rt_sigreturn, clone)
 * are entry-path only; their C bodies are called directly.
 */
long do_syscall_64(struct pt_regs *regs) {
  u64 nr = regs->orig_ax;
  long ret;
  if (nr >= NR_syscalls) ret = -ENOSYS;
  else if (nr == __NR_rt_sigreturn) ret = sys_rt_sigreturn();
  else if (nr == __NR_clone) ret = sys_clone(regs->di, regs->si, regs->dx, regs->r10, regs->r8);
  else ret = sys_call_table[nr](regs->di, regs->si, regs->dx, regs->r10, regs->r8, regs->r9);
  regs->ax = (u64)ret;
  return ret;
}

/*
 * prepare_exit_to_usermode / exit_to_usermode_loop (arch/x86/entry/common.c):
 * with interrupts off, the thread's work flags; each pass handles them with
 * interrupts on, until none is left.
 */
void prepare_exit_to_usermode(struct pt_regs *regs) {
  for (;;) {
    u64 cached_flags = READ_ONCE(current->ti_flags);
    if (!(cached_flags & _TIF_ALLWORK_MASK)) break;
    local_irq_enable();
    if (cached_flags & _TIF_NEED_RESCHED) schedule();
    if (cached_flags & _TIF_SIGPENDING) do_signal(regs);
    local_irq_disable();
  }
}
