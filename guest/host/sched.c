/*
 * Tasks: one thread pinned per core, as the paper's benchmarks pin theirs.
 * clone() places a new thread on an idle core and kicks it with a
 * reschedule IPI; exit() returns the core to idle; exit_group() ends the
 * machine run with the status. No time slicing: schedule() only clears
 * TIF_NEED_RESCHED (there is never a second runnable thread on a core).
 */
#include "kernel.h"

struct task_struct task_pool[NR_CPUS];
struct task_struct *pid_hash[PID_MAX];
static int last_pid = 99;   /* the first process is pid 100 */
static spinlock_t tasklist_lock;
extern u8 task_stacks[NR_CPUS][THREAD_SIZE];

/* Per-task FPU state handed to a new thread (the parent's, as fork copies it): XSAVE areas. */
static u8 task_fpu[NR_CPUS][1024] __attribute__((aligned(64)));

struct task_struct *find_task_by_vpid(int pid) {
  /* pid_hash: a direct-mapped table, as the pid hash's first bucket would be */
  struct task_struct *t = pid_hash[pid % PID_MAX];
  return t && t->pid == pid && t->state != TASK_DEAD ? t : 0;
}

/* A new task for `cpu`, its user frame at the top of that core's task stack. */
static struct task_struct *alloc_task(int cpu) {
  struct task_struct *t = &task_pool[cpu];
  kmemset(t, 0, sizeof *t);
  spin_lock(&tasklist_lock);
  t->pid = ++last_pid;
  pid_hash[t->pid % PID_MAX] = t;
  spin_unlock(&tasklist_lock);
  t->cpu = cpu;
  t->state = TASK_RUNNING;
  t->regs = (struct pt_regs *)(task_stacks[cpu] + THREAD_SIZE) - 1;
  INIT_LIST_HEAD(&t->pending.list);
  return t;
}

static int find_idle_cpu(void) {
  for (int cpu = 0; cpu < nr_cpu_ids; cpu++)
    if (cpu_data[cpu].current_task == 0 && cpu_data[cpu].next_task == 0) return cpu;
  return -1;
}

/* The main thread of a new process (exec_user_program), on core 0. */
struct task_struct *create_init_task(struct mm_struct *mm, struct sighand_struct *sh, struct signal_struct *sig);
struct task_struct *create_init_task(struct mm_struct *mm, struct sighand_struct *sh, struct signal_struct *sig) {
  struct task_struct *t = alloc_task(0);
  t->tgid = t->pid;
  t->group_leader = t;
  t->mm = mm;
  t->sighand = sh;
  t->signal = sig;
  sig->nr_threads = 1;
  sig->live = 1;
  fpu__init_user();
  __asm__ volatile("xsave %0" : "=m"(task_fpu[0]) : "a"(-1), "d"(-1) : "memory");
  return t;
}

#define CLONE_VM 0x00000100
#define CLONE_SIGHAND 0x00000800
#define CLONE_THREAD 0x00010000

/* sys_clone (kernel/fork.c, _do_fork), threads only: same mm, sighand and thread group. */
long sys_clone(u64 clone_flags, u64 newsp, u64 parent_tidptr, u64 child_tidptr, u64 tls);
long sys_clone(u64 clone_flags, u64 newsp, u64 parent_tidptr, u64 child_tidptr, u64 tls) {
  (void)parent_tidptr; (void)child_tidptr; (void)tls;
  if ((clone_flags & (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)) != (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)) return -EINVAL;
  struct task_struct *parent = current;
  int cpu = find_idle_cpu();
  if (cpu < 0) return -EAGAIN;
  struct task_struct *p = alloc_task(cpu);
  p->tgid = parent->tgid;
  p->group_leader = parent->group_leader;
  p->mm = parent->mm;
  p->sighand = parent->sighand;
  p->signal = parent->signal;
  p->blocked = parent->blocked;
  __atomic_add_fetch(&p->signal->nr_threads, 1, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&p->signal->live, 1, __ATOMIC_SEQ_CST);
  *p->regs = *parent->regs;     /* copy_thread: the child returns 0 on its own stack */
  p->regs->ax = 0;
  if (newsp) p->regs->sp = newsp;
  __asm__ volatile("xsave %0" : "=m"(task_fpu[cpu]) : "a"(-1), "d"(-1) : "memory");
  wake_up_new_task(p);
  return p->pid;
}

/* wake_up_new_task: hand the thread to its core and kick it out of HLT. */
void wake_up_new_task(struct task_struct *p) {
  WRITE_ONCE(cpu_data[p->cpu].next_task, p);
  if (p->cpu != smp_processor_id()) smp_send_reschedule(p->cpu);
}

/* try_to_wake_up, as far as a thread that is always running needs it. */
int wake_up_state(struct task_struct *p, long state) {
  u64 flags;
  int success = 0;
  spin_lock_irqsave(&p->pi_lock, flags);
  if (READ_ONCE(p->state) & state) { p->state = TASK_RUNNING; success = 1; }
  spin_unlock_irqrestore(&p->pi_lock, flags);
  return success;
}

/* kick_process (kernel/sched/core.c): a thread running on another core is
 * interrupted so that it notices its new signal on the way back to user space. */
void kick_process(struct task_struct *p) {
  int cpu = READ_ONCE(p->cpu);
  if (cpu != smp_processor_id() && READ_ONCE(p->on_cpu)) smp_send_reschedule(cpu);
}

void schedule(void) { clear_bit(TIF_NEED_RESCHED, &current->ti_flags); }

extern void enter_first_thread(struct pt_regs *regs) __attribute__((noreturn));
__asm__(
  "  .text\n"
  "enter_first_thread:\n"
  "  movq %rdi, %rsp\n"
  "  jmp ret_from_fork\n");

/* Start running `p` on this (idle) core: its mm, its FPU state, then user space. */
static _Noreturn void run_task(struct task_struct *p) {
  struct percpu *c = this_cpu();
  c->current_task = p;
  c->next_task = 0;
  p->on_cpu = 1;
  switch_mm(p->mm);
  __asm__ volatile("xrstor %0" : : "m"(task_fpu[p->cpu]), "a"(-1), "d"(-1) : "memory");
  enter_first_thread(p->regs);
}

/* The idle loop (default_idle: `sti; hlt`), until clone() assigns a thread. */
_Noreturn void cpu_idle_loop(void) {
  for (;;) {
    local_irq_disable();
    struct task_struct *p = READ_ONCE(this_cpu()->next_task);
    if (p) run_task(p);
    __asm__ volatile("sti; hlt" ::: "memory");
  }
}

/* do_exit: this thread is done; its core idles. The last thread ends the group. */
_Noreturn void do_exit(long code) {
  struct task_struct *t = current;
  local_irq_disable();
  if (__atomic_sub_fetch(&t->signal->live, 1, __ATOMIC_SEQ_CST) == 0) do_group_exit(code);
  t->state = TASK_DEAD;
  t->on_cpu = 0;
  this_cpu()->current_task = 0;
  switch_mm(&init_mm);
  /* back to this core's idle stack (the task stack will hold the next thread's frame) */
  extern u8 idle_stacks[NR_CPUS][THREAD_SIZE];
  __asm__ volatile("movq %0, %%rsp; call cpu_idle_loop" : : "r"(idle_stacks[smp_processor_id()] + THREAD_SIZE) : "memory");
  __builtin_unreachable();
}

/* do_group_exit: the process is the machine's only program, so its exit status ends the run. */
_Noreturn void do_group_exit(long code) { rt_exit((int)(code & 0xff)); }
