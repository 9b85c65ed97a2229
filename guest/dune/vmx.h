/*
 * The Dune module (kkaffes/dune kern/vmx.c, kern/ept.c, kern/dune.h) as a
 * root-mode library: per core VMXON and a VMCS configured as Dune's
 * setup_vmcs_config / vmx_setup_vmcs / setup_vapic do, EPT built lazily on
 * EPT-violation exits, and the exit loop vmx_launch with the structure of
 * Dune's (read exit reason and interruption info, handle the external
 * interrupt, step RIP, dispatch by reason, merge queued posted interrupts
 * into VIRR and RVI, VMRESUME).
 *
 * The module needs a few things from the kernel that carries it (Linux in
 * the paper; guest/dune/minihost.c here, the host kernel of guest/host
 * later): pages, the current CPU, the console, and the local APIC (EOI and
 * sending a vector to an APIC ID). They are the dune_host_* functions below,
 * which the carrying kernel defines.
 */
#ifndef DUNE_VMX_H
#define DUNE_VMX_H

#include <stdint.h>

/* kern/dune.h */
#define POSTED_INTR_VECTOR 0xF2
#define DUNE_MAX_CPUS 16
#define NUM_RT_ENTRIES 100 /* kern/apic.c: APIC ID -> CPU table */

/* Exit codes vmx_launch returns (kern/dune.h DUNE_RET_*). */
#define DUNE_RET_EXIT 1
#define DUNE_RET_UNHANDLED_VMEXIT 5
#define DUNE_RET_EPT_VIOLATION 3
#define DUNE_RET_NOENTER 7

/* The guest's system calls arrive as VMCALL with the number in RAX (libdune's __dune_syscall). */
#define DUNE_SYS_EXIT 60

/* Posted-interrupt descriptor (SDM Vol. 3C §29.6): PIR, then ON in bit 0 of the next word. */
struct pi_desc {
  uint32_t pir[8];
  uint32_t control; /* bit 0: ON */
  uint32_t rsvd[7];
} __attribute__((aligned(64)));

/* Guest registers in the order vmx_run_vcpu stores them. */
enum { VCPU_RAX, VCPU_RBX, VCPU_RCX, VCPU_RDX, VCPU_RSI, VCPU_RDI, VCPU_RBP, VCPU_R8, VCPU_R9, VCPU_R10,
       VCPU_R11, VCPU_R12, VCPU_R13, VCPU_R14, VCPU_R15, NR_VCPU_REGS };

struct vmx_vcpu {
  uint64_t regs[NR_VCPU_REGS];
  uint64_t cr2;
  uint64_t host_rsp;   /* the HOST_RSP last written (vmx_run_vcpu rewrites it only when it moves) */
  int launched;
  int cpu;
  uint16_t vpid;
  uint64_t vmcs;       /* physical address of the VMCS region */
  uint64_t eptp;
  uint64_t ept_root;
  int shutdown;
  int ret_code;
  uint32_t exit_reason;
  uint64_t exits[64];  /* VM exits by basic reason (statistics for the host) */
};

/* What the carrying kernel offers a Dune vCPU. */
struct dune_config {
  uint64_t rip, rsp, cr3;  /* where the guest starts */
  uint64_t rdi;            /* its first argument */
  int posted_intr;         /* pin-based "process posted interrupts" (Dune's optional control) */
};

/* The module's parameters (what `insmod dune.ko ...` would set), defined by the carrying kernel. */
#define DUNE_PARAMS_MAGIC 0x454e5544u /* "DUNE" */
struct dune_params {
  uint32_t magic;
  uint32_t posted_intr; /* pin-based "process posted interrupts" for every vCPU */
};
extern struct dune_params dune_params;

/* ---- the carrying kernel's side (defined by it) ---- */
void *dune_host_alloc_page(void);               /* a zeroed 4 KiB page, identity-mapped */
unsigned dune_host_cpu(void);                   /* this core's CPU number */
void dune_host_apic_eoi(void);                  /* EOI to this core's local APIC */
void dune_host_apic_send(uint32_t apic_id, uint32_t vector); /* a fixed IPI */
uint32_t dune_host_apic_id(void);               /* this core's local APIC ID */
uint16_t dune_host_tr_selector(void);           /* this core's TSS selector (Linux: GDT_ENTRY_TSS * 8) */
int dune_host_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Optional (weak: a kernel that does not define them keeps the module's own behaviour):
 *  - dune_host_syscall: a VMCALL system call other than exit / exit_group, forwarded to the carrying
 *    kernel's system-call table (Dune's vmx_handle_syscall calls Linux's sys_call_table); the result
 *    goes into the vCPU's RAX.
 *  - dune_host_gpa_to_hpa: the host-physical page behind a guest-physical address, 0 if none. Dune's
 *    guest-physical space is the process's virtual address space (kern/ept.c ept_lookup_gpa with
 *    get_user_pages); a kernel that defines this gets that mirror, 4 KiB pages on demand. */
void dune_host_syscall(struct vmx_vcpu *vcpu) __attribute__((weak));
uint64_t dune_host_gpa_to_hpa(uint64_t gpa) __attribute__((weak));

/* ---- the module ---- */
int vmx_init(void);                             /* once: descriptors, virtual-APIC pages, MSR bitmap */
int vmx_enable_cpu(void);                       /* per core: VMXON */
struct vmx_vcpu *vmx_create_vcpu(const struct dune_config *conf);
int vmx_launch(struct vmx_vcpu *vcpu);          /* run until the guest exits; returns DUNE_RET_* */
void vmx_destroy_vcpu(struct vmx_vcpu *vcpu);

/* The posted-interrupt descriptor of a physical CPU (what libdune's posted sender writes). */
struct pi_desc *vmx_posted_desc(unsigned cpu);
extern struct pi_desc *posted_interrupt_desc_region;

/* kern/apic.c: the APIC ID -> CPU table the exiting sender's emulation uses. */
void apic_init_rt_entry(unsigned cpu, uint32_t apic_id);

/* kern/ept.c */
uint64_t vmx_init_ept(struct vmx_vcpu *vcpu);   /* an empty EPT root; returns the EPTP */
int vmx_do_ept_fault(struct vmx_vcpu *vcpu, uint64_t gpa, uint64_t gva, int fault_flags);

#endif
