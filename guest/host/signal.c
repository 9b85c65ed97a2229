/*
 * Signals: generation (kernel/signal.c: do_tkill, do_send_sig_info,
 * __send_signal, complete_signal, signal_wake_up), delivery on the way back
 * to user space (get_signal, dequeue_signal; arch/x86/kernel/signal.c:
 * do_signal, handle_signal, setup_rt_frame with the Linux x86-64
 * rt_sigframe), rt_sigreturn, and the mask system calls (rt_sigaction,
 * rt_sigprocmask, rt_sigpending).
 */
#include "kernel.h"

static struct user_struct root_user;

/* ---- sigset helpers --------------------------------------------------------- */
static inline void sigaddset(sigset_t *s, int sig) { s->sig[0] |= sigmask(sig); }
static inline void sigdelset(sigset_t *s, int sig) { s->sig[0] &= ~sigmask(sig); }
static inline int sigismember(const sigset_t *s, int sig) { return (int)((s->sig[0] >> (sig - 1)) & 1); }
static inline void sigdelsetmask(sigset_t *s, u64 m) { s->sig[0] &= ~m; }
static inline int valid_signal(u64 sig) { return sig <= _NSIG; }
#define sig_kernel_only(sig) ((sig) == SIGKILL || (sig) == SIGSTOP)
/* Signals whose default action is to be ignored (include/linux/signal.h SIG_KERNEL_IGNORE_MASK). */
#define SIG_KERNEL_IGNORE_MASK (sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG))
static inline int sig_kernel_ignore(int sig) { return sig < 32 && (SIG_KERNEL_IGNORE_MASK & sigmask(sig)); }

/* ---- the sigqueue cache (a SLUB-like kmem_cache) -------------------------------
 * Per-CPU freelists: an allocation pops this CPU's list; a free from another
 * CPU pushes onto the owner's remote list with a locked cmpxchg (SLUB's
 * remote free to the slab page), which the owner takes over when its own
 * list runs dry. */
#define SIGQUEUES_PER_CPU 64
static struct sigqueue sigqueue_slab[NR_CPUS][SIGQUEUES_PER_CPU] __cacheline_aligned;
static int sigqueue_cache_ready[NR_CPUS];

static struct sigqueue *kmem_cache_alloc_sigqueue(void) {
  struct percpu *c = this_cpu();
  int cpu = (int)c->cpu_number;
  if (!sigqueue_cache_ready[cpu]) {
    for (int i = 0; i < SIGQUEUES_PER_CPU; i++) {
      sigqueue_slab[cpu][i].home_cpu = cpu;
      sigqueue_slab[cpu][i].free_next = i + 1 < SIGQUEUES_PER_CPU ? &sigqueue_slab[cpu][i + 1] : 0;
    }
    c->sigqueue_free = &sigqueue_slab[cpu][0];
    sigqueue_cache_ready[cpu] = 1;
  }
  struct sigqueue *q = c->sigqueue_free;
  if (!q) q = __atomic_exchange_n(&c->sigqueue_remote_free, (struct sigqueue *)0, __ATOMIC_ACQ_REL);
  if (!q) return 0;
  c->sigqueue_free = q->free_next;
  return q;
}

static void kmem_cache_free_sigqueue(struct sigqueue *q) {
  struct percpu *home = &cpu_data[q->home_cpu];
  if (q->home_cpu == smp_processor_id()) { q->free_next = home->sigqueue_free; home->sigqueue_free = q; return; }
  struct sigqueue *old = READ_ONCE(home->sigqueue_remote_free);
  do q->free_next = old;
  while (!__atomic_compare_exchange_n(&home->sigqueue_remote_free, &old, q, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* __sigqueue_alloc: counts the signal against the user (RLIMIT_SIGPENDING). */
static struct sigqueue *__sigqueue_alloc(void) {
  __atomic_add_fetch(&root_user.sigpending, 1, __ATOMIC_SEQ_CST);
  struct sigqueue *q = kmem_cache_alloc_sigqueue();
  if (!q) { __atomic_sub_fetch(&root_user.sigpending, 1, __ATOMIC_SEQ_CST); return 0; }
  INIT_LIST_HEAD(&q->list);
  q->flags = 0;
  q->user = &root_user;
  return q;
}

static void __sigqueue_free(struct sigqueue *q) {
  __atomic_sub_fetch(&q->user->sigpending, 1, __ATOMIC_SEQ_CST);
  kmem_cache_free_sigqueue(q);
}

/* ---- pending-state bookkeeping ---------------------------------------------- */
static inline int has_pending_signals(const sigset_t *signal, const sigset_t *blocked) { return (signal->sig[0] & ~blocked->sig[0]) != 0; }

static int recalc_sigpending_tsk(struct task_struct *t) {
  if (has_pending_signals(&t->pending.signal, &t->blocked) || has_pending_signals(&t->signal->shared_pending.signal, &t->blocked)) {
    set_bit(TIF_SIGPENDING, &t->ti_flags);
    return 1;
  }
  return 0;
}

void recalc_sigpending(void) {
  if (!recalc_sigpending_tsk(current)) clear_bit(TIF_SIGPENDING, &current->ti_flags);
}

/* signal_wake_up_state: TIF_SIGPENDING, then wake it or, if it runs elsewhere, kick its core. */
static void signal_wake_up(struct task_struct *t) {
  set_bit(TIF_SIGPENDING, &t->ti_flags);
  if (!wake_up_state(t, TASK_INTERRUPTIBLE)) kick_process(t);
}

static int sig_handler_ignored(u64 handler, int sig) { return handler == SIG_IGN || (handler == SIG_DFL && sig_kernel_ignore(sig)); }

/* prepare_signal: an ignored signal is dropped at generation, unless blocked. */
static int prepare_signal(int sig, struct task_struct *p) {
  if (sigismember(&p->blocked, sig)) return 1;
  return !sig_handler_ignored(p->sighand->action[sig - 1].handler, sig);
}

static int wants_signal(int sig, struct task_struct *p) {
  if (sigismember(&p->blocked, sig)) return 0;
  if (p->state == TASK_DEAD) return 0;
  if (sig == SIGKILL) return 1;
  return !test_bit(TIF_SIGPENDING, &p->ti_flags) || p == current || p->on_cpu;
}

/* complete_signal: find a thread to take it and wake that thread. */
static void complete_signal(int sig, struct task_struct *p, int group) {
  struct task_struct *t = p;
  if (!wants_signal(sig, p)) {
    if (!group) return;   /* thread-directed and blocked: it waits in p's pending set */
    t = 0;
    for (int cpu = 0; cpu < nr_cpu_ids; cpu++) {
      struct task_struct *q = &task_pool[cpu];
      if (q->tgid == p->tgid && q->state != TASK_DEAD && wants_signal(sig, q)) { t = q; break; }
    }
    if (!t) return;
  }
  signal_wake_up(t);
}

static int __send_signal(int sig, siginfo_t *info, struct task_struct *t, int group) {
  if (!prepare_signal(sig, t)) return 0;
  struct sigpending *pending = group ? &t->signal->shared_pending : &t->pending;
  /* legacy_queue: a non-realtime signal already pending is not queued twice */
  if (sig < 32 && sigismember(&pending->signal, sig)) return 0;
  struct sigqueue *q = __sigqueue_alloc();
  if (q) {
    list_add_tail(&q->list, &pending->list);
    q->info = *info;
  }
  sigaddset(&pending->signal, sig);
  complete_signal(sig, t, group);
  return 0;
}

/* do_send_sig_info: under the target's siglock (lock_task_sighand). */
static int do_send_sig_info(int sig, siginfo_t *info, struct task_struct *p, int group) {
  u64 flags;
  spin_lock_irqsave(&p->sighand->siglock, flags);
  int ret = __send_signal(sig, info, p, group);
  spin_unlock_irqrestore(&p->sighand->siglock, flags);
  return ret;
}

int send_sig_info(int sig, siginfo_t *info, struct task_struct *p) { return do_send_sig_info(sig, info, p, 0); }

/* do_send_specific / do_tkill (kernel/signal.c) */
static int do_send_specific(int tgid, int pid, int sig, siginfo_t *info) {
  linux_residual(RESIDUAL_SIGNAL_SEND);
  struct task_struct *p = find_task_by_vpid(pid);
  if (!p || (tgid > 0 && p->tgid != tgid)) return -ESRCH;
  if (p->tgid != current->tgid) return -EPERM;   /* check_kill_permission: one process, one user */
  if (!sig) return 0;
  return do_send_sig_info(sig, info, p, 0);
}

static int do_tkill(int tgid, int pid, int sig) {
  siginfo_t info;
  kmemset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_code = SI_TKILL;
  info.fields.kill.pid = current->tgid;
  info.fields.kill.uid = 0;
  return do_send_specific(tgid, pid, sig, &info);
}

long sys_tgkill(long tgid, long pid, long sig);
long sys_tgkill(long tgid, long pid, long sig) {
  if (pid <= 0 || tgid <= 0 || !valid_signal((u64)sig)) return -EINVAL;
  return do_tkill((int)tgid, (int)pid, (int)sig);
}

long sys_tkill(long pid, long sig);
long sys_tkill(long pid, long sig) {
  if (pid <= 0 || !valid_signal((u64)sig)) return -EINVAL;
  return do_tkill(0, (int)pid, (int)sig);
}

/* kill(2) of this process: a group-directed signal (the shared pending set). */
long sys_kill(long pid, long sig);
long sys_kill(long pid, long sig) {
  if (!valid_signal((u64)sig)) return -EINVAL;
  struct task_struct *p = find_task_by_vpid((int)pid);
  if (pid <= 0 || !p || p != p->group_leader) return -ESRCH;
  if (!sig) return 0;
  siginfo_t info;
  kmemset(&info, 0, sizeof info);
  info.si_signo = (int)sig;
  info.si_code = SI_USER;
  info.fields.kill.pid = current->tgid;
  return do_send_sig_info((int)sig, &info, p, 1);
}

/* force_sig_info: a synchronous signal from an exception; it cannot be blocked or ignored away. */
void force_sig(int sig, struct task_struct *t, u64 addr) {
  u64 flags;
  siginfo_t info;
  kmemset(&info, 0, sizeof info);
  info.si_signo = sig;
  info.si_code = SI_KERNEL;
  info.fields.fault.addr = addr;
  spin_lock_irqsave(&t->sighand->siglock, flags);
  struct k_sigaction *ka = &t->sighand->action[sig - 1];
  if (ka->handler == SIG_IGN || sigismember(&t->blocked, sig)) {
    if (sigismember(&t->blocked, sig)) ka->handler = SIG_DFL;
    sigdelset(&t->blocked, sig);
    if (ka->handler == SIG_IGN) ka->handler = SIG_DFL;
  }
  __send_signal(sig, &info, t, 0);
  spin_unlock_irqrestore(&t->sighand->siglock, flags);
}

/* ---- dequeue and delivery ------------------------------------------------------ */
static int next_signal(struct sigpending *pending, const sigset_t *mask) {
  u64 x = pending->signal.sig[0] & ~mask->sig[0];
  if (!x) return 0;
  if (x & SYNCHRONOUS_MASK) x &= SYNCHRONOUS_MASK;
  return __builtin_ctzll(x) + 1;
}

static void collect_signal(int sig, struct sigpending *list, siginfo_t *info) {
  struct sigqueue *first = 0;
  int still_pending = 0;
  for (struct list_head *l = list->list.next; l != &list->list; l = l->next) {
    struct sigqueue *q = container_of(l, struct sigqueue, list);
    if (q->info.si_signo == sig) {
      if (first) { still_pending = 1; break; }
      first = q;
    }
  }
  if (!still_pending) sigdelset(&list->signal, sig);
  if (first) {
    list_del_init(&first->list);
    *info = first->info;
    __sigqueue_free(first);
  } else {
    kmemset(info, 0, sizeof *info);
    info->si_signo = sig;
    info->si_code = SI_USER;
  }
}

static int __dequeue_signal(struct sigpending *pending, const sigset_t *mask, siginfo_t *info) {
  int sig = next_signal(pending, mask);
  if (sig) collect_signal(sig, pending, info);
  return sig;
}

/* dequeue_signal: the thread's own pending set first, then the process's. */
static int dequeue_signal(struct task_struct *tsk, const sigset_t *mask, siginfo_t *info) {
  int signr = __dequeue_signal(&tsk->pending, mask, info);
  if (!signr) signr = __dequeue_signal(&tsk->signal->shared_pending, mask, info);
  recalc_sigpending();
  return signr;
}

struct ksignal { struct k_sigaction ka; siginfo_t info; int sig; };

/* get_signal (kernel/signal.c): the next signal to handle, or a default action taken here. */
static int get_signal(struct ksignal *ksig) {
  struct sighand_struct *sighand = current->sighand;
  int signr;
  spin_lock_irq(&sighand->siglock);
  for (;;) {
    signr = dequeue_signal(current, &current->blocked, &ksig->info);
    if (!signr) break;
    struct k_sigaction *ka = &sighand->action[signr - 1];
    if (ka->handler == SIG_IGN) continue;
    if (ka->handler != SIG_DFL) {
      ksig->ka = *ka;
      if (ka->flags & SA_RESETHAND) ka->handler = SIG_DFL;
      break;
    }
    if (sig_kernel_ignore(signr)) continue;
    /* The default action of every other signal here is to end the process (no stop, no core dump). */
    spin_unlock_irq(&sighand->siglock);
    rt_printf("[kernel] pid %d killed by signal %d\n", current->tgid, signr);
    do_group_exit(64 + signr);
  }
  spin_unlock_irq(&sighand->siglock);
  ksig->sig = signr;
  return signr > 0;
}

/* __set_task_blocked / set_current_blocked */
static void __set_current_blocked(const sigset_t *newset) {
  struct task_struct *tsk = current;
  spin_lock_irq(&tsk->sighand->siglock);
  tsk->blocked = *newset;
  recalc_sigpending();
  spin_unlock_irq(&tsk->sighand->siglock);
}

static void set_current_blocked(sigset_t *newset) {
  sigdelsetmask(newset, sigmask(SIGKILL) | sigmask(SIGSTOP));
  __set_current_blocked(newset);
}

/* ---- the x86-64 signal frame (arch/x86/include/asm/sigframe.h, uapi sigcontext.h) ---- */
struct sigcontext_64 {
  u64 r8, r9, r10, r11, r12, r13, r14, r15, di, si, bp, bx, dx, ax, cx, sp, ip, flags;
  u16 cs, gs, fs, ss;
  u64 err, trapno, oldmask, cr2, fpstate, reserved1[8];
};
typedef struct { u64 ss_sp; int ss_flags; int _pad; u64 ss_size; } stack_t;
struct ucontext {
  u64 uc_flags;
  u64 uc_link;
  stack_t uc_stack;
  struct sigcontext_64 uc_mcontext;
  sigset_t uc_sigmask;
};
struct rt_sigframe {
  u64 pretcode;
  struct ucontext uc;
  siginfo_t info;
  /* fp state follows, 64-byte aligned, below the red zone */
};
_Static_assert(sizeof(struct sigcontext_64) == 256, "sigcontext");
_Static_assert(sizeof(struct rt_sigframe) == 440, "rt_sigframe is 440 bytes on x86-64");
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SS_DISABLE 2
#define X86_EFLAGS_CF 0x1UL
#define X86_EFLAGS_PF 0x4UL
#define X86_EFLAGS_AF 0x10UL
#define X86_EFLAGS_ZF 0x40UL
#define X86_EFLAGS_SF 0x80UL
#define X86_EFLAGS_TF 0x100UL
#define X86_EFLAGS_DF 0x400UL
#define X86_EFLAGS_OF 0x800UL
#define X86_EFLAGS_RF 0x10000UL
#define X86_EFLAGS_AC 0x40000UL
/* The flags a signal handler may change in the frame (arch/x86/kernel/signal.c FIX_EFLAGS). */
#define FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF | \
                    X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF)

/* get_sigframe: below the red zone, the XSAVE area (64-aligned), then the frame (16-aligned - 8). */
static struct rt_sigframe *get_sigframe(struct pt_regs *regs, u64 *fpstate) {
  u64 sp = regs->sp - 128;
  sp = (sp - xstate_sigframe_size()) & ~63UL;
  *fpstate = sp;
  sp = ((sp - sizeof(struct rt_sigframe)) & ~15UL) - 8;
  return (struct rt_sigframe *)sp;
}

static int setup_sigcontext(struct sigcontext_64 *sc, u64 fpstate, struct pt_regs *regs, u64 mask) {
  struct thread_struct *th = &current->thread;
  sc->di = regs->di; sc->si = regs->si; sc->bp = regs->bp; sc->sp = regs->sp;
  sc->bx = regs->bx; sc->dx = regs->dx; sc->cx = regs->cx; sc->ax = regs->ax;
  sc->r8 = regs->r8; sc->r9 = regs->r9; sc->r10 = regs->r10; sc->r11 = regs->r11;
  sc->r12 = regs->r12; sc->r13 = regs->r13; sc->r14 = regs->r14; sc->r15 = regs->r15;
  sc->trapno = th->trap_nr; sc->err = th->error_code;
  sc->ip = regs->ip; sc->flags = regs->flags;
  sc->cs = (u16)regs->cs; sc->gs = 0; sc->fs = 0; sc->ss = (u16)regs->ss;
  sc->fpstate = fpstate;
  sc->oldmask = mask;
  sc->cr2 = th->cr2;
  return 0;
}

/* __setup_rt_frame (x86-64) */
static int setup_rt_frame(struct ksignal *ksig, struct pt_regs *regs) {
  sigset_t *set = &current->blocked;
  u64 fp;
  struct rt_sigframe *frame = get_sigframe(regs, &fp);
  if (!access_ok(frame, sizeof *frame)) return -EFAULT;
  if (copy_fpstate_to_sigframe((void *)fp)) return -EFAULT;
  if (ksig->ka.flags & SA_SIGINFO) frame->info = ksig->info;
  frame->uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
  frame->uc.uc_link = 0;
  frame->uc.uc_stack.ss_sp = 0;                 /* save_altstack_ex: no alternate stack */
  frame->uc.uc_stack.ss_flags = SS_DISABLE;
  frame->uc.uc_stack._pad = 0;
  frame->uc.uc_stack.ss_size = 0;
  /* Set up to return from userspace: x86-64 requires SA_RESTORER (there is no vDSO stub). */
  if (!(ksig->ka.flags & SA_RESTORER)) return -EFAULT;
  frame->pretcode = ksig->ka.restorer;
  setup_sigcontext(&frame->uc.uc_mcontext, fp, regs, set->sig[0]);
  frame->uc.uc_sigmask = *set;
  /* Set up registers for the signal handler */
  regs->di = (u64)ksig->sig;
  regs->ax = 0;   /* in case the handler is not declared as taking arguments */
  regs->si = (u64)&frame->info;
  regs->dx = (u64)&frame->uc;
  regs->ip = ksig->ka.handler;
  regs->sp = (u64)frame;
  regs->cs = __USER_CS;
  regs->ss = __USER_DS;
  return 0;
}

/* signal_delivered: block sa_mask and, unless SA_NODEFER, the signal itself. */
static void signal_delivered(struct ksignal *ksig) {
  sigset_t blocked;
  blocked.sig[0] = current->blocked.sig[0] | ksig->ka.mask.sig[0];
  if (!(ksig->ka.flags & SA_NODEFER)) sigaddset(&blocked, ksig->sig);
  set_current_blocked(&blocked);
}

static void handle_signal(struct ksignal *ksig, struct pt_regs *regs) {
  if (setup_rt_frame(ksig, regs) < 0) {
    /* force_sigsegv: the frame could not be written */
    current->sighand->action[SIGSEGV - 1].handler = SIG_DFL;
    force_sig(SIGSEGV, current, 0);
    return;
  }
  /* The handler starts with DF, TF and RF clear and a clean FPU (fpu__clear). */
  regs->flags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
  fpu__init_user();
  signal_delivered(ksig);
}

/* do_signal (arch/x86/kernel/signal.c), from exit_to_usermode_loop when TIF_SIGPENDING is set. */
void do_signal(struct pt_regs *regs) {
  struct ksignal ksig;
  linux_residual(RESIDUAL_SIGNAL_DELIVERY);
  if (get_signal(&ksig)) handle_signal(&ksig, regs);
}

/* sys_rt_sigreturn: the frame is where the restorer's RET left RSP, minus the popped pretcode. */
long sys_rt_sigreturn(void);
long sys_rt_sigreturn(void) {
  struct pt_regs *regs = current_pt_regs();
  struct rt_sigframe *frame = (struct rt_sigframe *)(regs->sp - sizeof(u64));
  sigset_t set;
  if (!access_ok(frame, sizeof *frame)) goto badframe;
  if (copy_from_user(&set, &frame->uc.uc_sigmask, sizeof set)) goto badframe;
  set_current_blocked(&set);
  /* restore_sigcontext */
  struct sigcontext_64 sc;
  if (copy_from_user(&sc, &frame->uc.uc_mcontext, sizeof sc)) goto badframe;
  regs->bx = sc.bx; regs->cx = sc.cx; regs->dx = sc.dx; regs->si = sc.si; regs->di = sc.di;
  regs->bp = sc.bp; regs->ax = sc.ax; regs->sp = sc.sp; regs->ip = sc.ip;
  regs->r8 = sc.r8; regs->r9 = sc.r9; regs->r10 = sc.r10; regs->r11 = sc.r11;
  regs->r12 = sc.r12; regs->r13 = sc.r13; regs->r14 = sc.r14; regs->r15 = sc.r15;
  regs->flags = (regs->flags & ~FIX_EFLAGS) | (sc.flags & FIX_EFLAGS);
  regs->cs = __USER_CS;
  regs->ss = __USER_DS;
  regs->orig_ax = (u64)-1;   /* disable syscall checks */
  if (fpu__restore_sig((void *)sc.fpstate)) goto badframe;
  return (long)regs->ax;
badframe:
  force_sig(SIGSEGV, current, 0);
  return 0;
}

/* ---- rt_sigaction, rt_sigprocmask, rt_sigpending ------------------------------------ */

/* flush_sigqueue_mask: drop the signals of `mask` from a pending set, queue entries included. */
static void flush_sigqueue_mask(u64 mask, struct sigpending *s) {
  if (!(s->signal.sig[0] & mask)) return;
  s->signal.sig[0] &= ~mask;
  for (struct list_head *l = s->list.next, *n; l != &s->list; l = n) {
    n = l->next;
    struct sigqueue *q = container_of(l, struct sigqueue, list);
    if (mask & sigmask(q->info.si_signo)) { list_del_init(&q->list); __sigqueue_free(q); }
  }
}

static int do_sigaction(int sig, struct k_sigaction *act, struct k_sigaction *oact) {
  struct task_struct *p = current;
  if (!valid_signal((u64)sig) || sig < 1 || (act && sig_kernel_only(sig))) return -EINVAL;
  struct k_sigaction *k = &p->sighand->action[sig - 1];
  spin_lock_irq(&p->sighand->siglock);
  if (oact) *oact = *k;
  if (act) {
    sigdelsetmask(&act->mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
    *k = *act;
    /* POSIX: setting an action to ignore discards the signal pending in every thread. */
    if (sig_handler_ignored(k->handler, sig)) {
      flush_sigqueue_mask(sigmask(sig), &p->signal->shared_pending);
      for (int cpu = 0; cpu < nr_cpu_ids; cpu++)
        if (task_pool[cpu].tgid == p->tgid && task_pool[cpu].state != TASK_DEAD) flush_sigqueue_mask(sigmask(sig), &task_pool[cpu].pending);
    }
  }
  spin_unlock_irq(&p->sighand->siglock);
  return 0;
}

long sys_rt_sigaction(long sig, const struct k_sigaction __user *act, struct k_sigaction __user *oact, u64 sigsetsize);
long sys_rt_sigaction(long sig, const struct k_sigaction __user *act, struct k_sigaction __user *oact, u64 sigsetsize) {
  struct k_sigaction new_sa, old_sa;
  if (sigsetsize != sizeof(sigset_t)) return -EINVAL;
  if (act && copy_from_user(&new_sa, act, sizeof new_sa)) return -EFAULT;
  int ret = do_sigaction((int)sig, act ? &new_sa : 0, oact ? &old_sa : 0);
  if (!ret && oact && copy_to_user(oact, &old_sa, sizeof old_sa)) return -EFAULT;
  return ret;
}

static int sigprocmask(int how, sigset_t *set) {
  struct task_struct *tsk = current;
  sigset_t newset;
  switch (how) {
    case SIG_BLOCK: newset.sig[0] = tsk->blocked.sig[0] | set->sig[0]; break;
    case SIG_UNBLOCK: newset.sig[0] = tsk->blocked.sig[0] & ~set->sig[0]; break;
    case SIG_SETMASK: newset = *set; break;
    default: return -EINVAL;
  }
  __set_current_blocked(&newset);
  return 0;
}

/* SYSCALL_DEFINE4(rt_sigprocmask, ...) (kernel/signal.c) */
long sys_rt_sigprocmask(long how, sigset_t __user *nset, sigset_t __user *oset, u64 sigsetsize);
long sys_rt_sigprocmask(long how, sigset_t __user *nset, sigset_t __user *oset, u64 sigsetsize) {
  sigset_t old_set, new_set;
  if (sigsetsize != sizeof(sigset_t)) return -EINVAL;
  linux_residual(RESIDUAL_SIGPROCMASK);
  old_set = current->blocked;
  if (nset) {
    if (copy_from_user(&new_set, nset, sizeof new_set)) return -EFAULT;
    sigdelsetmask(&new_set, sigmask(SIGKILL) | sigmask(SIGSTOP));
    int error = sigprocmask((int)how, &new_set);
    if (error) return error;
  }
  if (oset && copy_to_user(oset, &old_set, sizeof old_set)) return -EFAULT;
  return 0;
}

long sys_rt_sigpending(sigset_t __user *uset, u64 sigsetsize);
long sys_rt_sigpending(sigset_t __user *uset, u64 sigsetsize) {
  if (sigsetsize > sizeof(sigset_t)) return -EINVAL;
  struct task_struct *t = current;
  sigset_t pending;
  spin_lock_irq(&t->sighand->siglock);
  pending.sig[0] = (t->pending.signal.sig[0] | t->signal->shared_pending.signal.sig[0]) & t->blocked.sig[0];
  spin_unlock_irq(&t->sighand->siglock);
  return copy_to_user(uset, &pending, sigsetsize) ? -EFAULT : 0;
}
