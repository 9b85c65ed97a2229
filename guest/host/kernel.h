/*
 * The host kernel: a small x86-64 kernel with Linux's structure and names,
 * the host the paper's Shinjuku ran on (Ubuntu 16.04, Linux 4.4). It boots
 * every core, runs ring-3 processes with one thread pinned per core, and
 * serves Linux-numbered system calls and signals with the entry work the
 * paper's kernel did on Haswell: KAISER page-table isolation with PCID and
 * IBRS on kernel entry. docs/architecture.md ("The host kernel") has the
 * design; the data structures below follow include/linux/sched.h,
 * include/linux/signal.h and arch/x86 where a reader would look for them.
 */
#ifndef HOST_KERNEL_H
#define HOST_KERNEL_H

#include "rt.h"
#include "asm-offsets.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define NR_CPUS 32
#define PAGE_SIZE 4096UL
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define __user
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ volatile("" ::: "memory")
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Data the KAISER shadow PGD maps for user space too: the linker brackets it with __start_user_mapped / __stop_user_mapped. */
#define __user_mapped __attribute__((section("user_mapped")))
#define __cacheline_aligned __attribute__((aligned(64)))

/* Errors (include/uapi/asm-generic/errno-base.h). */
#define EPERM 1
#define ESRCH 3
#define EFAULT 14
#define EBADF 9
#define EAGAIN 11
#define EINVAL 22

/* ---- virtual memory layout ------------------------------------------------
 * The kernel image runs identity-mapped in low memory (the guest ABI loads
 * it at its link address, 16 MiB); the rest of physical memory is reached
 * through the direct map at PAGE_OFFSET, as in Linux. User space is the low
 * canonical half up to TASK_SIZE_MAX.
 */
#define PAGE_OFFSET     0xffff880000000000UL
#define DIRECT_MAP_SIZE (1UL << 30)
#define TASK_SIZE_MAX   0x00007ffffffff000UL
#define STACK_TOP       TASK_SIZE_MAX
#define USER_STACK_SIZE (128UL * 1024)
#define FRAME_POOL_START 0x4000000UL   /* 64 MiB: page frames for tables, processes */
#define FRAME_POOL_END   0x10000000UL  /* 256 MiB: the machine's boot area starts here */
#define APIC_PHYS        0xfee00000UL

extern u64 va_offset;   /* 0 while core 0 builds the first tables on the boot identity map, PAGE_OFFSET after */
static inline void *__va(u64 pa) { return (void *)(pa + va_offset); }
static inline u64 __pa(const void *va) { return (u64)va >= PAGE_OFFSET ? (u64)va - PAGE_OFFSET : (u64)va; }

/* Page-table entry bits (SDM Vol. 3A §4.5, Table 4-19). */
#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_PWT      0x008UL
#define _PAGE_PCD      0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_GLOBAL   0x100UL
#define _PAGE_NX       (1UL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000UL

/* ---- lists and locks ------------------------------------------------------ */
struct list_head { struct list_head *next, *prev; };
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline int list_empty(const struct list_head *l) { return READ_ONCE(l->next) == l; }
static inline void list_add_tail(struct list_head *n, struct list_head *h) {
  struct list_head *p = h->prev;
  n->next = h; n->prev = p; p->next = n; h->prev = n;
}
static inline void list_del_init(struct list_head *e) {
  e->prev->next = e->next; e->next->prev = e->prev;
  INIT_LIST_HEAD(e);
}
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))

/* Queued spinlock, fast path only (kernel/locking/qspinlock.c): one locked
 * cmpxchg 0 -> 1 to take it, a byte store to release it (the x86 release is
 * a plain store). Contention spins with PAUSE instead of queueing. */
typedef struct { volatile u32 val; } spinlock_t;
static inline void spin_lock(spinlock_t *l) {
  for (;;) {
    u32 old = 0;
    if (__atomic_compare_exchange_n(&l->val, &old, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    while (READ_ONCE(l->val) != 0) __asm__ volatile("pause");
  }
}
static inline void spin_unlock(spinlock_t *l) { __asm__ volatile("movb $0, %0" : "+m"(*(volatile u8 *)&l->val) : : "memory"); }

static inline void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void local_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
/* native_save_fl / native_restore_fl (arch/x86/include/asm/irqflags.h) */
static inline u64 arch_local_irq_save(void) {
  u64 f;
  __asm__ volatile("pushfq; popq %0; cli" : "=rm"(f) : : "memory");
  return f;
}
static inline void arch_local_irq_restore(u64 f) { __asm__ volatile("pushq %0; popfq" : : "g"(f) : "memory", "cc"); }
static inline void spin_lock_irq(spinlock_t *l) { local_irq_disable(); spin_lock(l); }
static inline void spin_unlock_irq(spinlock_t *l) { spin_unlock(l); local_irq_enable(); }
#define spin_lock_irqsave(l, f) do { (f) = arch_local_irq_save(); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) do { spin_unlock(l); arch_local_irq_restore(f); } while (0)

static inline void set_bit(int nr, volatile u64 *addr) { __asm__ volatile("lock btsq %1, %0" : "+m"(*addr) : "Ir"((u64)nr) : "memory"); }
static inline void clear_bit(int nr, volatile u64 *addr) { __asm__ volatile("lock btrq %1, %0" : "+m"(*addr) : "Ir"((u64)nr) : "memory"); }
static inline int test_bit(int nr, const volatile u64 *addr) { return (int)((*addr >> nr) & 1); }

/* ---- signals (include/linux/signal.h, include/uapi/asm-generic/signal.h) -- */
#define _NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGURG 23
#define SIGWINCH 28
#define SIGSYS 31
#define SIG_DFL ((u64)0)
#define SIG_IGN ((u64)1)
#define SA_SIGINFO 0x00000004UL
#define SA_ONSTACK 0x08000000UL
#define SA_RESTART 0x10000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL
#define SA_RESTORER 0x04000000UL
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define sigmask(sig) (1UL << ((sig) - 1))
#define SYNCHRONOUS_MASK (sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | sigmask(SIGFPE) | sigmask(SIGSYS))

typedef struct { u64 sig[1]; } sigset_t;

/* siginfo_t (include/uapi/asm-generic/siginfo.h): 128 bytes. */
typedef struct {
  int si_signo, si_errno, si_code, _pad0;
  union {
    struct { int pid; u32 uid; } kill;
    struct { u64 addr; } fault;
    int _pad[28];
  } fields;
} siginfo_t;
_Static_assert(sizeof(siginfo_t) == 128, "siginfo_t is 128 bytes");

/* The kernel's struct sigaction as rt_sigaction passes it (arch/x86/include/uapi/asm/signal.h). */
struct k_sigaction { u64 handler; u64 flags; u64 restorer; sigset_t mask; };

struct sigpending { struct list_head list; sigset_t signal; };
struct sigqueue {
  struct list_head list;
  int flags;
  siginfo_t info;
  struct user_struct *user;
  int home_cpu;            /* whose per-CPU cache it returns to (the SLUB-like kmem_cache below) */
  struct sigqueue *free_next;
};

/* One user (uid 0): counts queued signals, as RLIMIT_SIGPENDING needs. */
struct user_struct { volatile long sigpending; } __cacheline_aligned;

struct sighand_struct {
  long count;
  struct k_sigaction action[_NSIG];
  spinlock_t siglock __cacheline_aligned;
} __cacheline_aligned;

struct signal_struct {
  long live;
  struct sigpending shared_pending;
  int group_exit_code;
  int nr_threads;
} __cacheline_aligned;

/* ---- memory descriptors (include/linux/mm_types.h) -----------------------
 * What a module (Dune) walks to mirror a process: the VMAs and, per page,
 * follow_page(). */
#define VM_READ  0x1UL
#define VM_WRITE 0x2UL
#define VM_EXEC  0x4UL
#define VM_GROWSDOWN 0x100UL
struct vm_area_struct {
  u64 vm_start, vm_end, vm_flags;
  struct vm_area_struct *vm_next;
};
struct mm_struct {
  u64 *pgd;            /* kernel PGD; the KAISER user PGD is pgd + 512 (4 KiB above) */
  struct vm_area_struct *mmap;
  int map_count;
  u64 start_code, end_code, start_stack;
  spinlock_t page_table_lock;
};
extern struct mm_struct init_mm;
u64 follow_page(struct mm_struct *mm, u64 addr);      /* physical address of a user page, 0 if unmapped */
int map_user_page(struct mm_struct *mm, u64 va, u64 pa, u64 vm_flags);
struct vm_area_struct *find_vma(struct mm_struct *mm, u64 addr);
struct mm_struct *mm_alloc(void);
void switch_mm(struct mm_struct *next);

/* ---- tasks (include/linux/sched.h) -----------------------------------------
 * Fields a signal's sender and receiver both touch sit on separate cache
 * lines, as they do in Linux's much larger task_struct: the thread flags
 * (thread_info, at the bottom of the kernel stack in 4.4), the run state,
 * pi_lock, the signal state. */
#define TASK_RUNNING 0
#define TASK_INTERRUPTIBLE 1
#define TASK_DEAD 64
struct pt_regs {
  u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
_Static_assert(sizeof(struct pt_regs) == SIZEOF_PTREGS, "pt_regs layout");
_Static_assert(offsetof(struct pt_regs, ax) == RAX && offsetof(struct pt_regs, ip) == RIP && offsetof(struct pt_regs, ss) == SS, "pt_regs offsets");

struct thread_struct { u64 cr2, trap_nr, error_code; };

struct task_struct {
  volatile u64 ti_flags;                 /* thread_info.flags: TIF_SIGPENDING, TIF_NEED_RESCHED */
  u64 _ti_pad[7];
  volatile long state __cacheline_aligned;
  int pid, tgid;
  int cpu;
  volatile int on_cpu;
  struct mm_struct *mm;
  struct task_struct *group_leader;
  struct pt_regs *regs;                  /* the user frame at the top of its kernel stack */
  spinlock_t pi_lock __cacheline_aligned;
  struct signal_struct *signal __cacheline_aligned;
  struct sighand_struct *sighand;
  sigset_t blocked, real_blocked, saved_sigmask;
  struct sigpending pending;
  struct thread_struct thread;
  int exit_code;
} __cacheline_aligned;
_Static_assert(offsetof(struct task_struct, ti_flags) == TASK_ti_flags, "ti_flags offset");

#define PID_MAX 64
extern struct task_struct *pid_hash[PID_MAX];
struct task_struct *find_task_by_vpid(int pid);

/* ---- per-CPU data (reached through %gs, asm-offsets.h) --------------------- */
struct percpu {
  u64 self;
  u64 rsp_scratch;
  u64 cpu_current_top_of_stack;
  u64 unsafe_stack_register_backup;
  u64 x86_cr3_pcid_user;
  u64 spec_ctrl_pcp;
  struct task_struct *current_task;
  u64 cpu_number;
  u64 irq_count;
  struct task_struct *volatile next_task;   /* set by clone: the thread this idle CPU is to run */
  struct mm_struct *active_mm;
  struct sigqueue *sigqueue_free;           /* kmem_cache per-CPU freelist */
  struct sigqueue *volatile sigqueue_remote_free;
  u64 irq_resched_count;
} __attribute__((aligned(128)));
_Static_assert(offsetof(struct percpu, rsp_scratch) == PCPU_rsp_scratch, "percpu");
_Static_assert(offsetof(struct percpu, x86_cr3_pcid_user) == PCPU_x86_cr3_pcid_user, "percpu");
_Static_assert(offsetof(struct percpu, spec_ctrl_pcp) == PCPU_spec_ctrl_pcp, "percpu");
_Static_assert(offsetof(struct percpu, current_task) == PCPU_current_task, "percpu");
_Static_assert(offsetof(struct percpu, irq_count) == PCPU_irq_count, "percpu");
extern struct percpu cpu_data[NR_CPUS];
extern int nr_cpu_ids;

static inline struct percpu *this_cpu(void) {
  struct percpu *p;
  __asm__("movq %%gs:0, %0" : "=r"(p));
  return p;
}
static inline struct task_struct *get_current(void) {
  struct task_struct *t;
  __asm__("movq %%gs:" "48" ", %0" : "=r"(t));
  return t;
}
#define current get_current()
static inline int smp_processor_id(void) { return (int)this_cpu()->cpu_number; }
static inline struct pt_regs *current_pt_regs(void) { return current->regs; }

/* ---- the rest of the kernel's interface --------------------------------- */
/* mm.c */
u64 alloc_page_phys(void);
void paging_init(void);
void load_cr3(u64 cr3);
/* boot.c / cpu */
extern volatile int kernel_ready;
void cpu_init(int cpu);
u64 native_read_tsc(void);
/* apic.c */
void apic_init(void);
void apic_write(u32 reg, u32 v);
u32 apic_read(u32 reg);
void smp_send_reschedule(int cpu);
void ack_APIC_irq(void);
/* sched.c */
extern struct task_struct task_pool[NR_CPUS];
void wake_up_new_task(struct task_struct *p);
int wake_up_state(struct task_struct *p, long state);
void kick_process(struct task_struct *p);
void schedule(void);
_Noreturn void cpu_idle_loop(void);
_Noreturn void do_exit(long code);
_Noreturn void do_group_exit(long code);
/* exec.c */
int exec_user_program(void);
/* signal.c */
void do_signal(struct pt_regs *regs);
void force_sig(int sig, struct task_struct *t, u64 addr);
int send_sig_info(int sig, siginfo_t *info, struct task_struct *p);
void recalc_sigpending(void);
/* entry (entry_64.S) */
extern const char entry_SYSCALL_64[], ret_from_fork[];
extern const char __start_entry_text[], __stop_entry_text[];
extern const char __start_user_mapped[], __stop_user_mapped[];
void prepare_exit_to_usermode(struct pt_regs *regs);
/* syscalls.c: the table (also what Dune's VMCALL forwarding calls) */
typedef long (*sys_call_ptr_t)(u64, u64, u64, u64, u64, u64);
extern const sys_call_ptr_t sys_call_table[NR_syscalls];
long do_syscall_64(struct pt_regs *regs);
/* the calibrated residuals (residual.c): what Linux 4.4 does on a path that this kernel does not */
void linux_residual(int path);
enum { RESIDUAL_SIGNAL_SEND, RESIDUAL_SIGNAL_DELIVERY, RESIDUAL_SIGPROCMASK, NR_RESIDUALS };
void parse_boot_command_line(void);
/* fpu.c */
void fpu__init_user(void);
int copy_fpstate_to_sigframe(void __user *buf_fx);
int fpu__restore_sig(void __user *buf_fx);
u64 xstate_sigframe_size(void);
/* uaccess.c */
static inline int access_ok(const void __user *p, u64 n) { u64 a = (u64)p; return a + n >= a && a + n <= TASK_SIZE_MAX; }
u64 copy_from_user(void *to, const void __user *from, u64 n);
u64 copy_to_user(void __user *to, const void *from, u64 n);
void *kmemset(void *s, int c, u64 n);
void *kmemcpy(void *d, const void *s, u64 n);

#define panic(...) do { rt_printf("Kernel panic - not syncing: " __VA_ARGS__); rt_printf("\n"); rt_exit(119); } while (0)

#endif
