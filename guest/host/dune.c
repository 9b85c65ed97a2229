/*
 * The Dune module inside the host kernel, as the paper's server had it
 * (kern/dune.ko loaded into Linux 4.4): the misc device /dev/dune
 * (kern/core.c: dune_dev_ioctl), and the dune_host_* services the module
 * (guest/dune/vmx.c, ept.c) asks of the kernel that carries it.
 *
 *  - DUNE_ENTER: the calling thread becomes a vCPU. VMX is turned on
 *    lazily, once per core (Dune does it for every core at module load;
 *    here a core that never runs a Dune thread keeps VMX off). The vCPU's
 *    exit loop runs inside the ioctl, on the thread's kernel stack, until
 *    the guest exits; the ioctl then returns to user mode (ring 3, root).
 *  - The vCPU's guest-physical space is the process's virtual address
 *    space: an EPT violation at a GPA maps the user page behind that
 *    address (follow_page on the thread's mm), 4 KiB at a time, as Dune's
 *    ept.c does with get_user_pages.
 *  - A VMCALL system call goes to this kernel's system-call table with the
 *    guest's registers (Dune's vmx_handle_syscall calling sys_call_table):
 *    no SYSCALL entry, no KAISER CR3 switch, no IBRS write, since the
 *    exit loop already runs in the kernel.
 */
#include "kernel.h"
#include "../dune/vmx.h"
#include "../dune/dune.h"

#define ENOENT 2
#define ENOTTY 25
#define EIO 5
#define ENOMEM 12
#define MSR_LSTAR_NR 0xc0000082u

/* ---- dune_host_*: what the module needs from its kernel ---- */

/* Pages for VMCS, VMXON regions, EPT tables, posted descriptors, virtual-APIC pages: in the kernel
 * image, which is identity-mapped (the module uses one address as both virtual and physical). */
static u8 dune_pages[160][PAGE_SIZE] __attribute__((aligned(4096)));
static u64 dune_pages_used;

void *dune_host_alloc_page(void) {
  u64 i = __atomic_fetch_add(&dune_pages_used, 1, __ATOMIC_SEQ_CST);
  if (i >= ARRAY_SIZE(dune_pages)) panic("dune: out of module pages");
  kmemset(dune_pages[i], 0, PAGE_SIZE);
  return dune_pages[i];
}

unsigned dune_host_cpu(void) { return (unsigned)smp_processor_id(); }
void dune_host_apic_eoi(void) { ack_APIC_irq(); }
uint32_t dune_host_apic_id(void) { return apic_read(0x20) >> 24; }
uint16_t dune_host_tr_selector(void) { return __TSS_SEL; }

/* __default_send_IPI_dest_field with interrupts off (the module's posted-IPI emulation). */
void dune_host_apic_send(uint32_t apic_id, uint32_t vector) {
  u64 flags = arch_local_irq_save();
  while (apic_read(0x300) & 0x1000) __asm__ volatile("pause");
  apic_write(0x310, apic_id << 24);
  apic_write(0x300, vector);
  arch_local_irq_restore(flags);
}

int dune_host_printk(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = rt_vprintf(fmt, ap);
  va_end(ap);
  return r;
}

/* dune_get_layout: the CPU's physical-address width, and the stack's 1 GiB window (kern/core.c:
 * base_stack = LG_ALIGN(mm->start_stack) - GPA_STACK_SIZE). */
#define LG_ALIGN(a) (((a) + (1UL << 30) - 1) & ~((1UL << 30) - 1))
static void dune_get_layout(struct dune_layout *l) {
  u32 a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
  l->phys_limit = 1UL << (a & 0xff);
  l->base_map = 0;
  l->base_stack = LG_ALIGN(current->mm->start_stack) - GPA_STACK_SIZE;
}

/* The module's EPT mirror of the process (kern/ept.c gpa_to_hva): the user page behind a GPA. */
uint64_t dune_host_gpa_to_hpa(uint64_t gpa) {
  struct dune_layout l;
  dune_get_layout(&l);
  u64 va;
  if (gpa >= l.phys_limit) return 0;
  if (gpa >= l.phys_limit - GPA_STACK_SIZE) va = gpa - (l.phys_limit - GPA_STACK_SIZE) + l.base_stack;
  else va = gpa;
  if (va >= TASK_SIZE_MAX) return 0;
  return follow_page(current->mm, va) & PTE_ADDR_MASK;
}

/*
 * A VMCALL system call (vmx_handle_syscall): the guest's registers as a pt_regs, the table's entry, the
 * result into RAX. Dune calls the Linux handlers directly: sigaltstack and iopl it refuses with -EINVAL;
 * clone and fork it replaces with its own (dune_clone, not modelled here: -ENOSYS), and rt_sigreturn,
 * which rewrites the thread's user frame, has no frame to rewrite here (-ENOSYS).
 */
#define __NR_rt_sigreturn 15
#define __NR_clone 56
#define __NR_fork 57
#define __NR_vfork 58
#define __NR_sigaltstack 131
#define __NR_iopl 172
void dune_host_syscall(struct vmx_vcpu *vcpu) {
  u64 nr = vcpu->regs[VCPU_RAX];
  if (unlikely(nr == __NR_sigaltstack || nr == __NR_iopl)) { vcpu->regs[VCPU_RAX] = (u64)-EINVAL; return; }
  if (unlikely(nr == __NR_rt_sigreturn || nr == __NR_clone || nr == __NR_fork || nr == __NR_vfork)) {
    vcpu->regs[VCPU_RAX] = (u64)-ENOSYS;
    return;
  }
  struct pt_regs regs;
  regs.orig_ax = nr;
  regs.di = vcpu->regs[VCPU_RDI];
  regs.si = vcpu->regs[VCPU_RSI];
  regs.dx = vcpu->regs[VCPU_RDX];
  regs.r10 = vcpu->regs[VCPU_R10];
  regs.r8 = vcpu->regs[VCPU_R8];
  regs.r9 = vcpu->regs[VCPU_R9];
  vcpu->regs[VCPU_RAX] = (u64)do_syscall_64(&regs);
}

/* ---- the device (kern/core.c) ---- */
static spinlock_t dune_lock;
static int vmx_initialized;
static u8 vmx_enabled_on[NR_CPUS];

/* hardware_enable, lazily: the module's global state once, VMXON on this core once. */
static int dune_hardware_enable(void) {
  int cpu = smp_processor_id();
  spin_lock(&dune_lock);
  if (!vmx_initialized) { vmx_init(); vmx_initialized = 1; }
  spin_unlock(&dune_lock);
  if (!vmx_enabled_on[cpu]) {
    if (vmx_enable_cpu() != 0) return -EIO;
    vmx_enabled_on[cpu] = 1;
  }
  return 0;
}

/* dune_enter: the calling thread runs as a vCPU until it leaves Dune mode. */
static long dune_enter(struct dune_ioctl_config __user *uconf) {
  struct dune_ioctl_config conf;
  if (copy_from_user(&conf, uconf, sizeof conf)) return -EFAULT;
  if (dune_hardware_enable() < 0) return -EIO;
  struct dune_config vc = { .rip = conf.rip, .rsp = conf.rsp, .cr3 = conf.cr3, .rdi = 0, .posted_intr = 1 };
  struct vmx_vcpu *vcpu = vmx_create_vcpu(&vc);
  if (!vcpu) return -ENOMEM;
  int ret = vmx_launch(vcpu);
  vmx_destroy_vcpu(vcpu);
  if ((ret >> 8) == DUNE_RET_EXIT) { conf.ret = DUNE_RET_EXIT; conf.status = ret & 0xff; }
  else { conf.ret = ret; conf.status = 0; }
  if (copy_to_user(uconf, &conf, sizeof conf)) return -EFAULT;
  return 0;
}

static long dune_dev_ioctl(u64 cmd, u64 arg) {
  if (cmd == DUNE_ENTER) return dune_enter((struct dune_ioctl_config __user *)arg);
  if (cmd == DUNE_GET_SYSCALL) {
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_LSTAR_NR));
    return (long)(((u64)hi << 32) | lo);
  }
  if (cmd == DUNE_GET_LAYOUT) {
    struct dune_layout l;
    dune_get_layout(&l);
    return copy_to_user((void __user *)arg, &l, sizeof l) ? -EFAULT : 0;
  }
  return -ENOTTY;
}

/* ---- the file calls for it: the one device file this kernel has ---- */
#define DUNE_FD 3
long sys_open(const char __user *path, long flags, long mode);
long sys_open(const char __user *path, long flags, long mode) {
  (void)flags; (void)mode;
  char name[sizeof DUNE_DEVICE];
  if (copy_from_user(name, path, sizeof name)) return -EFAULT;
  for (u64 i = 0; i < sizeof name; i++) if (name[i] != DUNE_DEVICE[i]) return -ENOENT;
  return DUNE_FD;
}

long sys_close(long fd);
long sys_close(long fd) { return fd == DUNE_FD || fd <= 2 ? 0 : -EBADF; }

long sys_ioctl(long fd, u64 cmd, u64 arg);
long sys_ioctl(long fd, u64 cmd, u64 arg) {
  if (fd != DUNE_FD) return fd >= 0 && fd <= 2 ? -ENOTTY : -EBADF;
  return dune_dev_ioctl(cmd, arg);
}
