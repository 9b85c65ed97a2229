/*
 * The Dune module's VMX core (kkaffes/dune kern/vmx.c), as root-mode guest
 * code. Names follow Dune's; what differs from the Linux module says why.
 * SDM references: Vol. 3C (2016 numbering), chapters 24-29.
 */
#include "vmx.h"
#include "vmcs.h" /* VMCS field encodings and control bits */

#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define X2APIC_ID 0x802
#define X2APIC_EOI 0x80B
#define X2APIC_ICR 0x830

#define INTR_INFO_VECTOR_MASK 0xffu
#define INTR_INFO_INTR_TYPE_MASK 0x700u
#define INTR_TYPE_EXT_INTR (0u << 8)
#define INTR_TYPE_NMI_INTR (2u << 8)
#define INTR_INFO_VALID_MASK 0x80000000u

#define EXIT_REASON_EXCEPTION_NMI 0
#define EXIT_REASON_EXTERNAL_INTERRUPT 1
#define EXIT_REASON_CPUID 10
#define EXIT_REASON_HLT 12
#define EXIT_REASON_VMCALL 18
#define EXIT_REASON_MSR_WRITE 32
#define EXIT_REASON_EPT_VIOLATION 48
#define VMX_EXIT_REASONS_FAILED_VMENTRY 0x80000000u

/* ---- VMCS accessors (Dune's vmcs_readl / vmcs_writel: VMREAD/VMWRITE of the current VMCS) ---- */
static unsigned long vmwrite_errors;

static inline uint64_t vmcs_readl(uint64_t field) {
  uint64_t value;
  __asm__ volatile("vmread %1, %0" : "=r"(value) : "r"(field) : "cc");
  return value;
}
static inline uint32_t vmcs_read32(uint64_t field) { return (uint32_t)vmcs_readl(field); }
static inline uint16_t vmcs_read16(uint64_t field) { return (uint16_t)vmcs_readl(field); }

static inline void vmcs_writel(uint64_t field, uint64_t value) {
  uint8_t error;
  __asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(error) : "r"(field), "rm"(value) : "cc");
  if (__builtin_expect(error, 0)) vmwrite_errors++;
}
#define vmcs_write16 vmcs_writel
#define vmcs_write32 vmcs_writel
#define vmcs_write64 vmcs_writel

static inline uint64_t rdmsrl(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}
static inline void wrmsrl(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* ---- per-CPU state (Dune: DEFINE_PER_CPU local_vcpu, vmxarea, posted descriptors, vAPIC pages) ---- */
struct pi_desc *posted_interrupt_desc_region;
static uint8_t *virtual_apic_pages[DUNE_MAX_CPUS];
static uint8_t *msr_bitmap;
static void *vmxarea[DUNE_MAX_CPUS];
static struct vmx_vcpu *local_vcpu[DUNE_MAX_CPUS];
/* The "current" thread's flags that vmx_launch polls each time round (need_resched, signal_pending). */
static volatile unsigned long thread_flags[DUNE_MAX_CPUS];
#define TIF_NEED_RESCHED 1ul
#define TIF_SIGPENDING 2ul

static struct vmcs_config {
  uint32_t pin_based_exec_ctrl, cpu_based_exec_ctrl, cpu_based_2nd_exec_ctrl, vmexit_ctrl, vmentry_ctrl;
  uint32_t revision_id;
} vmcs_config;

/* kern/apic.c: APIC ID -> CPU (filled when a vCPU is created on a CPU). */
static int apic_id_to_cpu_table[NUM_RT_ENTRIES];

void apic_init_rt_entry(unsigned cpu, uint32_t apic_id) {
  if (apic_id < NUM_RT_ENTRIES) apic_id_to_cpu_table[apic_id] = (int)cpu;
}

static int apic_id_to_cpu(uint32_t apic_id) {
  return apic_id < NUM_RT_ENTRIES ? apic_id_to_cpu_table[apic_id] : -1;
}

struct pi_desc *vmx_posted_desc(unsigned cpu) {
  return (struct pi_desc *)((uint8_t *)posted_interrupt_desc_region + 4096ul * cpu);
}

/* adjust_vmx_controls (SDM Vol. 3D Appendix A.3: allowed-0 bits forced on, allowed-1 bits kept). */
static uint32_t adjust_vmx_controls(uint32_t required, uint32_t optional, uint32_t msr) {
  uint64_t cap = rdmsrl(msr);
  uint32_t ctl = required | optional;
  ctl &= (uint32_t)(cap >> 32);
  ctl |= (uint32_t)cap;
  return ctl;
}

/* setup_vmcs_config: the controls Dune asks for (required | optional), trimmed to what the CPU offers. */
static void setup_vmcs_config(int posted_intr) {
  uint32_t pin_req = PIN_EXT_INTR | PIN_NMI;
  uint32_t pin_opt = posted_intr ? PIN_POSTED_INTR : 0;
  /* With TPR shadow the CR8 exits go; with EPT the CR3 and INVLPG exits go (Dune drops them the same way). */
  uint32_t proc_req = PROC_TSC_OFFSET | (1u << 23) /* MOV-DR exiting */;
  uint32_t proc_opt = PROC_TPR_SHADOW | PROC_MSR_BITMAPS | PROC_SECONDARY;
  uint32_t proc2_opt = PROC2_EPT | PROC2_VPID | PROC2_RDTSCP | (1u << 6) /* WBINVD exiting */ |
                       PROC2_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VID;
  vmcs_config.pin_based_exec_ctrl = adjust_vmx_controls(pin_req, pin_opt, MSR_VMX_TRUE_PINBASED);
  vmcs_config.cpu_based_exec_ctrl = adjust_vmx_controls(proc_req, proc_opt, MSR_VMX_TRUE_PROCBASED) &
                                    ~(PROC_CR3_LOAD | PROC_CR3_STORE | PROC_INVLPG | PROC_CR8_LOAD | PROC_CR8_STORE);
  vmcs_config.cpu_based_2nd_exec_ctrl = adjust_vmx_controls(0, proc2_opt, MSR_VMX_PROCBASED2);
  vmcs_config.vmexit_ctrl = adjust_vmx_controls(EXIT_HOST_64, EXIT_ACK_INTR, MSR_VMX_TRUE_EXIT);
  vmcs_config.vmentry_ctrl = adjust_vmx_controls(ENTRY_IA32E, 0, MSR_VMX_TRUE_ENTRY);
  vmcs_config.revision_id = (uint32_t)rdmsrl(MSR_VMX_BASIC) & 0x7fffffff;
}

/* __vmx_disable_intercept_for_msr: clear the read and write bits of an MSR in the bitmap (SDM §24.6.9). */
static void vmx_disable_intercept_for_msr(uint8_t *bitmap, uint32_t msr) {
  uint32_t base = msr >= 0xC0000000u ? 0x400 : 0;
  uint32_t idx = msr & 0x1fff;
  bitmap[base + idx / 8] &= (uint8_t)~(1u << (idx % 8));          /* read */
  bitmap[0x800 + base + idx / 8] &= (uint8_t)~(1u << (idx % 8));  /* write */
}

static volatile int vmx_init_done;

int vmx_init(void) {
  /* One descriptor per possible CPU, each at the start of its own page, all contiguous (vmx_init). */
  uint8_t *first = dune_host_alloc_page();
  for (unsigned i = 1; i < DUNE_MAX_CPUS; i++) dune_host_alloc_page();
  posted_interrupt_desc_region = (struct pi_desc *)first;
  for (unsigned i = 0; i < DUNE_MAX_CPUS; i++) virtual_apic_pages[i] = dune_host_alloc_page();
  msr_bitmap = dune_host_alloc_page();
  for (unsigned i = 0; i < 4096; i++) msr_bitmap[i] = 0xff;
  vmx_disable_intercept_for_msr(msr_bitmap, MSR_FS_BASE);
  vmx_disable_intercept_for_msr(msr_bitmap, MSR_GS_BASE);
  vmx_disable_intercept_for_msr(msr_bitmap, X2APIC_ID);
  vmx_disable_intercept_for_msr(msr_bitmap, X2APIC_EOI);
  /* The ICR (830H) stays intercepted: a guest WRMSR to it exits and vmx_emulate_icr_write posts it. */
  for (unsigned i = 0; i < NUM_RT_ENTRIES; i++) apic_id_to_cpu_table[i] = -1;
  __asm__ volatile("" ::: "memory");
  vmx_init_done = 1;
  return 0;
}

/* vmx_enable: VMXON with this CPU's region (SDM §23.7, §30.3 VMXON). */
int vmx_enable_cpu(void) {
  while (!vmx_init_done) __asm__ volatile("pause");
  unsigned cpu = dune_host_cpu();
  if ((rdmsrl(MSR_FEATURE_CONTROL) & 1) == 0) wrmsrl(MSR_FEATURE_CONTROL, 5);
  uint64_t cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1u << 13)) : "memory");
  uint32_t *region = dune_host_alloc_page();
  region[0] = (uint32_t)rdmsrl(MSR_VMX_BASIC) & 0x7fffffff;
  vmxarea[cpu] = region;
  return vmxon((uint64_t)(uintptr_t)region);
}

/* ---- host and guest state (vmx_setup_constant_host_state, vmx_setup_initial_guest_state) ---- */
struct __attribute__((packed)) desc_ptr { uint16_t limit; uint64_t base; };

static uint64_t segment_base(uint64_t gdt_base, uint16_t sel) {
  const uint64_t *d = (const uint64_t *)(uintptr_t)(gdt_base + (sel & ~7u));
  uint64_t base = ((d[0] >> 16) & 0xffffff) | ((d[0] >> 32) & 0xff000000ull);
  if (((d[0] >> 44) & 1) == 0) base |= d[1] << 32; /* a system descriptor (TSS) is 16 bytes in IA-32e mode */
  return base;
}

extern const char vmx_return[];

static void vmx_setup_constant_host_state(void) {
  uint64_t cr0, cr3, cr4;
  __asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2" : "=r"(cr0), "=r"(cr3), "=r"(cr4));
  vmcs_writel(HOST_CR0, cr0);
  vmcs_writel(HOST_CR3, cr3);
  vmcs_writel(HOST_CR4, cr4);
  uint16_t cs, ss, tr = dune_host_tr_selector();
  __asm__ volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
  vmcs_write16(HOST_CS_SEL, cs);
  vmcs_write16(HOST_SS_SEL, ss);
  vmcs_write16(HOST_DS_SEL, ss);
  vmcs_write16(HOST_ES_SEL, ss);
  vmcs_write16(HOST_FS_SEL, 0);
  vmcs_write16(HOST_GS_SEL, 0);
  vmcs_write16(HOST_TR_SEL, tr);
  struct desc_ptr gdt, idt;
  __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
  vmcs_writel(HOST_GDTR_BASE, gdt.base);
  vmcs_writel(HOST_IDTR_BASE, idt.base);
  vmcs_writel(HOST_TR_BASE, segment_base(gdt.base, tr));
  vmcs_writel(HOST_FS_BASE, rdmsrl(MSR_FS_BASE));
  vmcs_writel(HOST_GS_BASE, rdmsrl(MSR_GS_BASE));
  vmcs_write32(HOST_SYSENTER_CS, rdmsrl(MSR_IA32_SYSENTER_CS));
  vmcs_writel(HOST_SYSENTER_ESP, rdmsrl(MSR_IA32_SYSENTER_ESP));
  vmcs_writel(HOST_SYSENTER_EIP, rdmsrl(MSR_IA32_SYSENTER_EIP));
  vmcs_writel(HOST_RIP, (uint64_t)(uintptr_t)vmx_return);
}

/* The guest starts as Dune's does: 64-bit ring 0 on a flat code and data segment, RFLAGS 0x2, IDTR empty
 * (libdune loads its own IDT). Departures: the guest keeps the carrying kernel's GDT and TSS (Dune gives
 * GDTR base 0 and libdune loads a private GDT and TSS), and CR0/CR4 are the host's (which already hold
 * Dune's PG/PE/WP/MP/ET/NE and PAE/PGE/OSFXSR/OSXMMEXCPT/VMXE). */
static void vmx_setup_initial_guest_state(const struct dune_config *conf) {
  uint64_t cr0, cr4;
  __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
  vmcs_writel(GUEST_CR0, cr0);
  vmcs_writel(CR0_SHADOW, cr0);
  vmcs_writel(GUEST_CR3, conf->cr3);
  vmcs_writel(GUEST_CR4, cr4);
  vmcs_writel(CR4_SHADOW, cr4);
  /* Every guest write to CR0/CR4 exits (masks all ones), as in Dune. */
  vmcs_writel(CR0_MASK, ~0ul);
  vmcs_writel(CR4_MASK, ~0ul);
  vmcs_writel(GUEST_RIP, conf->rip);
  vmcs_writel(GUEST_RSP, conf->rsp);
  vmcs_writel(GUEST_RFLAGS, 0x02);
  vmcs_writel(GUEST_DR7, 0x400);
  vmcs_write64(GUEST_DEBUGCTL, 0);
  uint16_t cs, ds, tr = dune_host_tr_selector();
  __asm__ volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ds));
  static const uint32_t sels[] = { GUEST_ES_SEL, GUEST_SS_SEL, GUEST_DS_SEL, GUEST_FS_SEL, GUEST_GS_SEL };
  static const uint32_t lims[] = { GUEST_ES_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT };
  static const uint32_t ars[] = { GUEST_ES_AR, GUEST_SS_AR, GUEST_DS_AR, GUEST_FS_AR, GUEST_GS_AR };
  static const uint32_t bases[] = { GUEST_ES_BASE, GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE };
  for (unsigned i = 0; i < 5; i++) {
    vmcs_write16(sels[i], ds);
    vmcs_write32(lims[i], 0xffffffff);
    vmcs_write32(ars[i], 0xc093);
    vmcs_writel(bases[i], 0);
  }
  vmcs_write16(GUEST_CS_SEL, cs);
  vmcs_write32(GUEST_CS_LIMIT, 0xffffffff);
  vmcs_write32(GUEST_CS_AR, 0xa09b);
  vmcs_writel(GUEST_CS_BASE, 0);
  struct desc_ptr gdt;
  __asm__ volatile("sgdt %0" : "=m"(gdt));
  vmcs_writel(GUEST_GDTR_BASE, gdt.base);
  vmcs_write32(GUEST_GDTR_LIMIT, gdt.limit);
  vmcs_writel(GUEST_IDTR_BASE, 0);
  vmcs_write32(GUEST_IDTR_LIMIT, 0);
  vmcs_write16(GUEST_LDTR_SEL, 0);
  vmcs_writel(GUEST_LDTR_BASE, 0);
  vmcs_write32(GUEST_LDTR_LIMIT, 0);
  vmcs_write32(GUEST_LDTR_AR, 0x10000);
  vmcs_write16(GUEST_TR_SEL, tr);
  vmcs_writel(GUEST_TR_BASE, segment_base(gdt.base, tr));
  vmcs_write32(GUEST_TR_LIMIT, 0x67);
  vmcs_write32(GUEST_TR_AR, 0x8b);
  vmcs_write32(GUEST_ACTIVITY, 0);
  vmcs_write32(GUEST_INTERRUPTIBILITY, 0);
  vmcs_writel(GUEST_PENDING_DEBUG, 0);
  vmcs_write32(GUEST_SYSENTER_CS, 0);
  vmcs_writel(GUEST_SYSENTER_ESP, 0);
  vmcs_writel(GUEST_SYSENTER_EIP, 0);
}

/* setup_vapic / update_vapic_addresses: this CPU's descriptor and virtual-APIC page, NV = F2H. */
static void setup_vapic(struct vmx_vcpu *vcpu) {
  uint8_t *vapic = virtual_apic_pages[vcpu->cpu];
  /* vapic_write: offset 20H holds the host APIC ID (what a virtualized read of x2APIC 802H returns). */
  *(volatile uint32_t *)(vapic + 0x20) = dune_host_apic_id();
  vmcs_write16(POSTED_INTR_NV, POSTED_INTR_VECTOR);
  vmcs_write64(POSTED_INTR_DESC, (uint64_t)(uintptr_t)vmx_posted_desc((unsigned)vcpu->cpu));
  vmcs_write64(VIRTUAL_APIC_PAGE, (uint64_t)(uintptr_t)vapic);
  vmcs_write16(GUEST_INTR_STATUS, 0);
  vmcs_write64(EOI_EXIT_BITMAP0, 0);
  vmcs_write64(EOI_EXIT_BITMAP1, 0);
  vmcs_write64(EOI_EXIT_BITMAP2, 0);
  vmcs_write64(EOI_EXIT_BITMAP3, 0);
  vmcs_write32(TPR_THRESHOLD, 0);
}

static void vmx_setup_vmcs(struct vmx_vcpu *vcpu) {
  vmcs_write16(VPID, vcpu->vpid);
  vmcs_write64(VMCS_LINK_POINTER, ~0ull);
  vmcs_write32(PIN_CONTROLS, vmcs_config.pin_based_exec_ctrl);
  vmcs_write32(PROC_CONTROLS, vmcs_config.cpu_based_exec_ctrl);
  vmcs_write32(SECONDARY_CONTROLS, vmcs_config.cpu_based_2nd_exec_ctrl);
  vmcs_write64(EPT_POINTER, vcpu->eptp);
  vmcs_write32(PF_ERROR_MASK, 0);
  vmcs_write32(PF_ERROR_MATCH, 0);
  vmcs_write32(CR3_TARGET_COUNT, 0);
  vmcs_write64(MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
  vmcs_write32(EXIT_MSR_STORE_COUNT, 0);
  vmcs_write32(EXIT_MSR_LOAD_COUNT, 0);
  vmcs_write32(ENTRY_MSR_LOAD_COUNT, 0);
  vmcs_write32(ENTRY_INTR_INFO, 0);
  vmcs_write32(EXIT_CONTROLS, vmcs_config.vmexit_ctrl);
  vmcs_write32(ENTRY_CONTROLS, vmcs_config.vmentry_ctrl);
  /* #DB and #BP exit so that a debugger outside can take them (libdune/debug.c). */
  vmcs_write32(EXCEPTION_BITMAP, (1u << 1) | (1u << 3));
  vmcs_write64(TSC_OFFSET, 0);
  setup_vapic(vcpu);
  vmx_setup_constant_host_state();
}

static struct vmx_vcpu vcpus[DUNE_MAX_CPUS];

struct vmx_vcpu *vmx_create_vcpu(const struct dune_config *conf) {
  unsigned cpu = dune_host_cpu();
  struct vmx_vcpu *vcpu = &vcpus[cpu];
  if (cpu == 0 || vmcs_config.revision_id == 0) setup_vmcs_config(conf->posted_intr);
  vcpu->cpu = (int)cpu;
  vcpu->vpid = (uint16_t)(cpu + 1);
  uint32_t *vmcs = dune_host_alloc_page();
  vmcs[0] = vmcs_config.revision_id;
  vcpu->vmcs = (uint64_t)(uintptr_t)vmcs;
  vmclear(vcpu->vmcs);
  vmptrld(vcpu->vmcs);
  local_vcpu[cpu] = vcpu;
  vcpu->eptp = vmx_init_ept(vcpu);
  vmx_setup_vmcs(vcpu);
  vmx_setup_initial_guest_state(conf);
  vcpu->regs[VCPU_RDI] = conf->rdi;
  vcpu->regs[VCPU_RSI] = (uint64_t)(uintptr_t)posted_interrupt_desc_region;
  apic_init_rt_entry(cpu, dune_host_apic_id());
  return vmwrite_errors ? 0 : vcpu;
}

void vmx_destroy_vcpu(struct vmx_vcpu *vcpu) {
  vmclear(vcpu->vmcs);
  local_vcpu[vcpu->cpu] = 0;
}

/* ---- running the vCPU (vmx_run_vcpu) ----
 * Saves the host's callee-saved registers, rewrites HOST_RSP only if the stack moved, loads the guest's
 * registers and VMLAUNCHes or VMRESUMEs. A VM exit lands at vmx_return (HOST_RIP) on HOST_RSP, where the
 * vCPU pointer waits; the guest's registers go back into the vCPU. Returns 0 after a VM exit, 1 if the
 * entry failed (VMfailInvalid / VMfailValid: CF or ZF set). */
int vmx_run_vcpu_asm(struct vmx_vcpu *vcpu);
__asm__(
  "  .text\n"
  "  .globl vmx_run_vcpu_asm, vmx_return\n"
  "  .type vmx_run_vcpu_asm, @function\n"
  "vmx_run_vcpu_asm:\n"
  "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
  "  pushq %rdi\n"                        /* the vCPU, found again at (%rsp) after the exit */
  "  cmpq %rsp, 128(%rdi)\n"              /* vcpu->host_rsp */
  "  je 1f\n"
  "  movq %rsp, 128(%rdi)\n"
  "  movl $0x6c14, %eax\n"                /* HOST_RSP */
  "  vmwrite %rsp, %rax\n"
  "1:\n"
  "  movq 120(%rdi), %rax\n"              /* reload CR2 if the guest's differs */
  "  movq %cr2, %rdx\n"
  "  cmpq %rax, %rdx\n"
  "  je 2f\n"
  "  movq %rax, %cr2\n"
  "2:\n"
  "  cmpl $0, 136(%rdi)\n"                /* vcpu->launched */
  "  movq 0(%rdi), %rax\n  movq 8(%rdi), %rbx\n  movq 16(%rdi), %rcx\n  movq 24(%rdi), %rdx\n"
  "  movq 32(%rdi), %rsi\n  movq 48(%rdi), %rbp\n  movq 56(%rdi), %r8\n  movq 64(%rdi), %r9\n"
  "  movq 72(%rdi), %r10\n  movq 80(%rdi), %r11\n  movq 88(%rdi), %r12\n  movq 96(%rdi), %r13\n"
  "  movq 104(%rdi), %r14\n  movq 112(%rdi), %r15\n  movq 40(%rdi), %rdi\n"
  "  jne 3f\n"
  "  vmlaunch\n"
  "  jmp 4f\n"
  "3:\n"
  "  vmresume\n"
  "4:\n"                                  /* entry failed: the guest's registers are still loaded */
  "  popq %rdi\n"
  "  movl $1, %eax\n"
  "  jmp 5f\n"
  "vmx_return:\n"
  "  xchgq %rdi, (%rsp)\n"                /* the vCPU in RDI, the guest's RDI on the stack */
  "  movq %rax, 0(%rdi)\n  movq %rbx, 8(%rdi)\n  movq %rcx, 16(%rdi)\n  movq %rdx, 24(%rdi)\n"
  "  movq %rsi, 32(%rdi)\n  movq %rbp, 48(%rdi)\n  movq %r8, 56(%rdi)\n  movq %r9, 64(%rdi)\n"
  "  movq %r10, 72(%rdi)\n  movq %r11, 80(%rdi)\n  movq %r12, 88(%rdi)\n  movq %r13, 96(%rdi)\n"
  "  movq %r14, 104(%rdi)\n  movq %r15, 112(%rdi)\n"
  "  popq %rax\n  movq %rax, 40(%rdi)\n"
  "  movq %cr2, %rax\n  movq %rax, 120(%rdi)\n"
  "  xorl %eax, %eax\n"
  "5:\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
  "  ret\n"
  "  .size vmx_run_vcpu_asm, .-vmx_run_vcpu_asm\n");
_Static_assert(__builtin_offsetof(struct vmx_vcpu, cr2) == 120, "vmx_run_vcpu_asm's offsets");
_Static_assert(__builtin_offsetof(struct vmx_vcpu, host_rsp) == 128, "vmx_run_vcpu_asm's offsets");
_Static_assert(__builtin_offsetof(struct vmx_vcpu, launched) == 136, "vmx_run_vcpu_asm's offsets");

static uint32_t vmx_run_vcpu(struct vmx_vcpu *vcpu) {
  int fail = vmx_run_vcpu_asm(vcpu);
  vcpu->launched = 1;
  if (__builtin_expect(fail, 0)) return VMX_EXIT_REASONS_FAILED_VMENTRY;
  return vmcs_read32(EXIT_REASON);
}

/* ---- the loop's helpers ----
 * The handlers on Table 1's paths stay functions (noinline) so that a debugger and the event stream's
 * phases see them by name, as they would see Dune's. */
static inline void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void local_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }

/* vmx_get_cpu / vmx_put_cpu: the guest's KERNEL_GS_BASE lives in the MSR while the vCPU owns the CPU
 * (Dune keeps it in the vCPU between runs; SWAPGS in the guest uses it). */
static uint64_t guest_kernel_gs_base[DUNE_MAX_CPUS];
static void vmx_get_cpu(struct vmx_vcpu *vcpu) { wrmsrl(MSR_KERNEL_GS_BASE, guest_kernel_gs_base[vcpu->cpu]); }
static void vmx_put_cpu(struct vmx_vcpu *vcpu) { guest_kernel_gs_base[vcpu->cpu] = rdmsrl(MSR_KERNEL_GS_BASE); }

/* setup_perf_msrs: no perf events are active, so no MSR is switched on entry or exit. */
static void setup_perf_msrs(struct vmx_vcpu *vcpu) {
  (void)vcpu;
  vmcs_write32(EXIT_MSR_LOAD_COUNT, 0);
  vmcs_write32(ENTRY_MSR_LOAD_COUNT, 0);
}

static void vmx_step_instruction(void) {
  vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + vmcs_read32(EXIT_INSTR_LEN));
}

/* vmx_handle_queued_interrupts: a post that arrived while this CPU was in root mode (or, without posted
 * processing, the one whose notification just caused an exit) is still in the descriptor: take ON and
 * PIR atomically, set the bits in the virtual-APIC page's VIRR, and OR the highest into RVI (Dune ORs,
 * it does not take the max; harmless while F2H is the only vector). VM entry then evaluates and
 * delivers it (SDM §26.3.2.5, §29.2.1). */
__attribute__((noinline)) static void vmx_handle_queued_interrupts(struct vmx_vcpu *vcpu) {
  struct pi_desc *desc = vmx_posted_desc((unsigned)vcpu->cpu);
  uint32_t on = __atomic_exchange_n(&desc->control, 0, __ATOMIC_SEQ_CST);
  if ((on & 1) == 0) return;
  uint8_t *vapic = virtual_apic_pages[vcpu->cpu];
  int max_vector = -1;
  for (unsigned i = 0; i < 4; i++) {
    uint64_t pir = __atomic_exchange_n((uint64_t *)desc->pir + i, 0, __ATOMIC_SEQ_CST);
    while (pir) {
      unsigned bit = (unsigned)__builtin_ctzll(pir);
      unsigned v = i * 64 + bit;
      pir &= pir - 1;
      *(volatile uint32_t *)(vapic + 0x200 + 0x10 * (v >> 5)) |= 1u << (v & 31);
      if ((int)v > max_vector) max_vector = (int)v;
    }
  }
  if (max_vector < 0) return;
  uint16_t status = vmcs_read16(GUEST_INTR_STATUS);
  status |= (uint16_t)max_vector;
  vmcs_write16(GUEST_INTR_STATUS, status);
}

/* vmx_handle_external_interrupt: acknowledged on exit, the vector is in the interruption information.
 * F2H (a posted-interrupt notification that found posted processing off) only needs its EOI; the post
 * itself waits in the descriptor for vmx_handle_queued_interrupts. Linux would call the host's handler
 * for any other vector; the carrying kernel here has none to call, so it EOIs and counts it. */
static unsigned long foreign_interrupts;
__attribute__((noinline)) static void vmx_handle_external_interrupt(struct vmx_vcpu *vcpu, uint32_t intr_info) {
  (void)vcpu;
  if ((intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) != (INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR)) return;
  unsigned vector = intr_info & INTR_INFO_VECTOR_MASK;
  if (vector == POSTED_INTR_VECTOR) { dune_host_apic_eoi(); return; }
  foreign_interrupts++;
  dune_host_apic_eoi();
}

/* send_posted_ipi (kern/vmx.c): set the vector in the target CPU's PIR and ON, each with a locked
 * test-and-set (nothing to do if either was set already), then notify the target's APIC with F2H. */
__attribute__((noinline)) static void send_posted_ipi(uint32_t apic_id, uint8_t vector) {
  int cpu = apic_id_to_cpu(apic_id);
  if (cpu < 0) return;
  struct pi_desc *desc = vmx_posted_desc((unsigned)cpu);
  uint8_t old;
  __asm__ volatile("lock btsl %2, %0; setc %1" : "+m"(*(volatile uint32_t (*)[8])desc->pir), "=q"(old) : "r"((uint32_t)vector) : "memory", "cc");
  if (old) return;
  __asm__ volatile("lock btsl $0, %0; setc %1" : "+m"(desc->control), "=q"(old) : : "memory", "cc");
  if (old) return;
  dune_host_apic_send(apic_id, POSTED_INTR_VECTOR);
}

/* vmx_emulate_icr_write: the guest's x2APIC ICR (destination in 63:32, vector in 7:0) becomes a post. */
static void vmx_emulate_icr_write(struct vmx_vcpu *vcpu, uint64_t value) {
  (void)vcpu;
  send_posted_ipi((uint32_t)(value >> 32), (uint8_t)value);
}

__attribute__((noinline)) static int vmx_handle_msr_write(struct vmx_vcpu *vcpu) {
  uint32_t msr = (uint32_t)vcpu->regs[VCPU_RCX];
  uint64_t value = vcpu->regs[VCPU_RDX] << 32 | (uint32_t)vcpu->regs[VCPU_RAX];
  if (msr == X2APIC_ICR) { vmx_emulate_icr_write(vcpu, value); return 0; }
  dune_host_printk("dune: unhandled guest WRMSR to %x\n", msr);
  return 1;
}

/* vmx_handle_syscall: a VMCALL is a system call (RAX = number). exit / exit_group end the vCPU; the
 * carrying kernel's system-call table answers the rest when it offers one (dune_host_syscall). */
static void vmx_handle_syscall(struct vmx_vcpu *vcpu) {
  uint64_t nr = vcpu->regs[VCPU_RAX];
  if (nr == DUNE_SYS_EXIT || nr == 231) {
    vcpu->shutdown = 1;
    vcpu->ret_code = (int)((DUNE_RET_EXIT << 8) | (vcpu->regs[VCPU_RDI] & 0xff));
    return;
  }
  if (dune_host_syscall) { dune_host_syscall(vcpu); return; }
  vcpu->regs[VCPU_RAX] = (uint64_t)-38; /* -ENOSYS */
}

static void vmx_handle_cpuid(struct vmx_vcpu *vcpu) {
  uint32_t a = (uint32_t)vcpu->regs[VCPU_RAX], b, c = (uint32_t)vcpu->regs[VCPU_RCX], d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  vcpu->regs[VCPU_RAX] = a;
  vcpu->regs[VCPU_RBX] = b;
  vcpu->regs[VCPU_RCX] = c;
  vcpu->regs[VCPU_RDX] = d;
}

static int vmx_handle_ept_violation(struct vmx_vcpu *vcpu) {
  uint64_t gpa = vmcs_readl(GUEST_PHYSICAL_ADDRESS);
  uint64_t gva = vmcs_readl(GUEST_LINEAR_ADDRESS);
  uint64_t qual = vmcs_readl(EXIT_QUALIFICATION);
  int ret = vmx_do_ept_fault(vcpu, gpa, gva, (int)qual);
  if (ret) {
    dune_host_printk("dune: EPT violation at GPA %lx (qualification %lx) not handled\n", (unsigned long)gpa, (unsigned long)qual);
    vcpu->ret_code = DUNE_RET_EPT_VIOLATION;
  }
  return ret;
}

/* HLT does not exit in Dune's configuration (no HLT exiting); if a carrying kernel turns it on, the
 * vCPU waits for an interrupt in root mode and resumes after the HLT. */
static void vmx_handle_hlt(struct vmx_vcpu *vcpu) {
  (void)vcpu;
  vmx_step_instruction();
  __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* #DB / #BP (the exception bitmap): Dune leaves non-root mode for a debugger. */
static int vmx_handle_nmi_exception(struct vmx_vcpu *vcpu) {
  uint32_t intr_info = vmcs_read32(EXIT_INTR_INFO);
  if ((intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) return 0;
  dune_host_printk("dune: guest exception %u at %lx\n", intr_info & 0xff, (unsigned long)vmcs_readl(GUEST_RIP));
  vcpu->ret_code = 4; /* DUNE_RET_INTERRUPT */
  return 1;
}

/* vmx_launch: the exit loop. */
int vmx_launch(struct vmx_vcpu *vcpu) {
  int done = 0;
  unsigned cpu = (unsigned)vcpu->cpu;
  while (1) {
    vmx_get_cpu(vcpu);
    local_irq_disable();
    if (__builtin_expect(thread_flags[cpu] & TIF_NEED_RESCHED, 0)) { local_irq_enable(); continue; }
    if (__builtin_expect(thread_flags[cpu] & TIF_SIGPENDING, 0)) { vcpu->ret_code = 2; break; }
    setup_perf_msrs(vcpu);
    vmx_handle_queued_interrupts(vcpu);
    uint32_t ret = vmx_run_vcpu(vcpu);
    if (ret == VMX_EXIT_REASONS_FAILED_VMENTRY) {
      local_irq_enable();
      dune_host_printk("dune: VM entry failed (VM-instruction error %lu)\n", (unsigned long)vmcs_readl(VM_INSTRUCTION_ERROR));
      vcpu->ret_code = DUNE_RET_NOENTER;
      break;
    }
    /* NMIs before interrupts are enabled. */
    uint32_t exit_intr_info = vmcs_read32(EXIT_INTR_INFO);
    if ((exit_intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) == (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
      __asm__ volatile("int $2");
    vmx_handle_external_interrupt(vcpu, exit_intr_info);
    local_irq_enable();
    uint32_t reason = ret & 0xffff;
    vcpu->exit_reason = ret;
    if (reason < 64) vcpu->exits[reason]++;
    if (reason == EXIT_REASON_VMCALL || reason == EXIT_REASON_CPUID || reason == EXIT_REASON_MSR_WRITE)
      vmx_step_instruction();
    vmx_put_cpu(vcpu);
    if (reason == EXIT_REASON_VMCALL) vmx_handle_syscall(vcpu);
    else if (reason == EXIT_REASON_CPUID) vmx_handle_cpuid(vcpu);
    else if (reason == EXIT_REASON_EPT_VIOLATION) done = vmx_handle_ept_violation(vcpu);
    else if (reason == EXIT_REASON_EXCEPTION_NMI) done = vmx_handle_nmi_exception(vcpu);
    else if (reason == EXIT_REASON_MSR_WRITE) done = vmx_handle_msr_write(vcpu);
    else if (reason == EXIT_REASON_HLT) vmx_handle_hlt(vcpu);
    else if (reason != EXIT_REASON_EXTERNAL_INTERRUPT) {
      dune_host_printk("dune: unhandled exit: reason %u, qualification %lx, guest RIP %lx\n", reason,
                       (unsigned long)vmcs_readl(EXIT_QUALIFICATION), (unsigned long)vmcs_readl(GUEST_RIP));
      vcpu->ret_code = DUNE_RET_UNHANDLED_VMEXIT;
      done = 1;
    }
    if (done || vcpu->shutdown) break;
  }
  return vcpu->ret_code;
}
