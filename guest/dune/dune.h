/*
 * kern/dune.h: what the Dune module and libdune share — the device's ioctl
 * numbers and the configuration a thread hands the module when it enters
 * Dune mode (struct dune_config in Dune; named dune_ioctl_config here
 * because the module's own vCPU configuration, guest/dune/vmx.h, already
 * has that name). Only fixed-width types: both sides include it.
 */
#ifndef DUNE_DUNE_H
#define DUNE_DUNE_H

#include <stdint.h>

#ifndef DUNE_RET_EXIT
#define DUNE_RET_EXIT 1 /* as guest/dune/vmx.h */
#endif

#define DUNE_MINOR 233
#define DUNE_DEVICE "/dev/dune"

/* Linux's _IOC encoding (include/uapi/asm-generic/ioctl.h): dir 31:30, size 29:16, type 15:8, nr 7:0. */
#define DUNE_IOC(dir, nr, size) (((uint64_t)(dir) << 30) | ((uint64_t)(size) << 16) | ((uint64_t)DUNE_MINOR << 8) | (nr))

/* DUNE_ENTER: the calling thread continues in VMX non-root ring 0 at conf->rip on conf->rsp, with
 * conf->cr3 (a guest-physical address: the process's virtual address of libdune's page table) as
 * its CR3. The ioctl returns only when the vCPU has left Dune mode, with conf->ret and conf->status. */
struct dune_ioctl_config {
  uint64_t rip;
  uint64_t rsp;
  uint64_t cr3;
  int64_t ret;     /* DUNE_RET_* */
  int64_t status;  /* the exit status, when ret is DUNE_RET_EXIT */
};
#define DUNE_ENTER DUNE_IOC(2 /* _IOC_READ */, 0x01, sizeof(struct dune_ioctl_config))
/* DUNE_GET_SYSCALL: the host's IA32_LSTAR. SYSCALL in non-root operation jumps there (the MSR is not
 * switched on VM entry), so libdune maps its __dune_syscall stub at that virtual address. */
#define DUNE_GET_SYSCALL DUNE_IOC(0 /* _IOC_NONE */, 0x02, 0)

/* DUNE_GET_LAYOUT: where the process's virtual addresses sit in the guest-physical space. The low part
 * of the address space is guest-physical as it is (GPA = VA); addresses that do not fit the CPU's
 * physical-address width (the stack, just under 2^47) are moved under its top, phys_limit =
 * 2^MAXPHYADDR (CPUID 80000008H:EAX[7:0]): GPA_STACK_SIZE bytes from base_stack map to
 * [phys_limit - GPA_STACK_SIZE, phys_limit). A guest page table entry holding a GPA at or above
 * 2^MAXPHYADDR would have reserved bits set (SDM Vol. 3A §4.5, a #PF with RSVD). */
struct dune_layout {
  uint64_t phys_limit;
  uint64_t base_map;     /* mmap regions (Dune's GPA_MAP_SIZE window): none in this kernel */
  uint64_t base_stack;
};
#define GPA_STACK_SIZE (1ull << 30)
#define DUNE_GET_LAYOUT DUNE_IOC(1 /* _IOC_WRITE */, 0x03, sizeof(struct dune_layout))

/* dune_va_to_pa (libdune) and its inverse in the module (kern/ept.c gpa_to_hva). */
static inline uint64_t dune_va_to_pa(const struct dune_layout *l, uint64_t va) {
  return va >= l->base_stack ? va - l->base_stack + l->phys_limit - GPA_STACK_SIZE : va;
}

#endif
