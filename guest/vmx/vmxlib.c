/* See vmx.h. */
#include "vmx.h"

#define MAX_CORES 4

/* GDT: the loader's selectors keep their meaning (0x08 code32, 0x10 data, 0x18 code64), then
 * one 16-byte 64-bit TSS descriptor per core at 0x40 + 16 * core (SDM Vol. 3A §7.2.3). */
static uint64_t gdt[8 + 2 * MAX_CORES] __attribute__((aligned(16)));
struct __attribute__((packed)) tss64 {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3, iomap_base;
};
static struct tss64 tss[MAX_CORES] __attribute__((aligned(16)));

static uint8_t vmxon_regions[MAX_CORES][4096] __attribute__((aligned(4096)));
static uint8_t vmcs_regions[MAX_CORES][4][4096] __attribute__((aligned(4096)));

volatile uint64_t vmx_fault_vector, vmx_fault_resume;

const char *vmx_outcome(int r) {
  static char buf[MAX_CORES][32];
  static unsigned next;
  if (r == 0) return "VMsucceed";
  if (r == 1) return "VMfailInvalid";
  char *b = buf[next++ % MAX_CORES];
  /* VMfailValid(error number from the VM-instruction error field) */
  uint64_t err = vmread(VM_INSTRUCTION_ERROR);
  const char *p = "VMfailValid(";
  int i = 0;
  while (*p) b[i++] = *p++;
  if (err >= 10) b[i++] = (char)('0' + err / 10);
  b[i++] = (char)('0' + err % 10);
  b[i++] = ')';
  b[i] = 0;
  return b;
}

static void fault_handler(struct irq_frame *f) {
  vmx_fault_vector = f->vector;
  f->rip = vmx_fault_resume;
}

void vmx_catch_faults(void) {
  idt_set_handler(6, fault_handler);
  idt_set_handler(13, fault_handler);
}

void vmx_tss_rsp0(unsigned core, uint64_t rsp0) { tss[core].rsp[0] = rsp0; }

uint64_t vmxon_region(unsigned core) { return (uint64_t)(uintptr_t)vmxon_regions[core]; }
uint64_t vmcs_region(unsigned core, unsigned n) { return (uint64_t)(uintptr_t)vmcs_regions[core][n]; }

static uint16_t tr_selector(unsigned core) { return (uint16_t)(0x40 + 16 * core); }

static volatile unsigned gdt_ready;

void vmx_cpu_init(unsigned core) {
  if (core != 0) while (!gdt_ready) __asm__ volatile("pause"); /* core 0 builds the shared GDT and IDT */
  if (core == 0) {
    gdt[0] = 0;
    gdt[1] = 0x00cf9a000000ffffull; /* 0x08 code32 */
    gdt[2] = 0x00cf92000000ffffull; /* 0x10 data */
    gdt[3] = 0x00af9a000000ffffull; /* 0x18 code64 */
    gdt[6] = 0x00cff2000000ffffull; /* 0x30 user data (0x33 with RPL 3) */
    gdt[7] = 0x00affa000000ffffull; /* 0x38 user code64 (0x3B with RPL 3) */
    for (unsigned c = 0; c < MAX_CORES; c++) {
      uint64_t base = (uint64_t)(uintptr_t)&tss[c], limit = sizeof(struct tss64) - 1;
      tss[c].iomap_base = sizeof(struct tss64);
      gdt[8 + 2 * c] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
                       ((base >> 24) & 0xff) << 56;
      gdt[9 + 2 * c] = base >> 32;
    }
    idt_init();
    __asm__ volatile("" ::: "memory");
    gdt_ready = 1;
  }
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
  __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
  __asm__ volatile("ltr %0" : : "r"(tr_selector(core)) : "memory");
  idt_load();
  /* Firmware normally locks IA32_FEATURE_CONTROL with VMX allowed; if it did not, do it (SDM Vol. 3C §23.7). */
  if ((rdmsr(MSR_FEATURE_CONTROL) & 1) == 0) wrmsr(MSR_FEATURE_CONTROL, 5);
  write_cr4(read_cr4() | (1u << 13));
}

int vmx_enable(unsigned core) {
  *(uint32_t *)vmxon_regions[core] = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
  return vmxon(vmxon_region(core));
}

uint64_t adjust_controls(uint32_t msr, uint32_t want) {
  uint64_t cap = rdmsr(msr);
  return ((uint64_t)want | (uint32_t)cap) & (cap >> 32);
}

int vmcs_init_guest(unsigned core, void (*entry)(void), uint64_t stack_top) {
  int bad = 0;
#define W(f, v) bad |= vmwrite((f), (v))
  uint64_t gdt_base = (uint64_t)(uintptr_t)gdt;
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
  __asm__ volatile("sidt %0" : "=m"(idtr));
  W(PIN_CONTROLS, adjust_controls(MSR_VMX_TRUE_PINBASED, 0));
  W(PROC_CONTROLS, adjust_controls(MSR_VMX_TRUE_PROCBASED, 0));
  W(EXIT_CONTROLS, adjust_controls(MSR_VMX_TRUE_EXIT, EXIT_HOST_64));
  W(ENTRY_CONTROLS, adjust_controls(MSR_VMX_TRUE_ENTRY, ENTRY_IA32E));
  W(EXCEPTION_BITMAP, 0);
  W(CR3_TARGET_COUNT, 0);
  W(VMCS_LINK_POINTER, ~0ull);
  /* host state: this core as it runs now */
  W(HOST_CR0, read_cr0()); W(HOST_CR3, read_cr3()); W(HOST_CR4, read_cr4());
  W(HOST_CS_SEL, 0x18); W(HOST_SS_SEL, 0x10); W(HOST_DS_SEL, 0x10); W(HOST_ES_SEL, 0x10);
  W(HOST_FS_SEL, 0x10); W(HOST_GS_SEL, 0x10); W(HOST_TR_SEL, tr_selector(core));
  W(HOST_FS_BASE, 0); W(HOST_GS_BASE, 0); W(HOST_TR_BASE, (uint64_t)(uintptr_t)&tss[core]);
  W(HOST_GDTR_BASE, gdt_base); W(HOST_IDTR_BASE, idtr.base);
  W(HOST_SYSENTER_CS, 0); W(HOST_SYSENTER_ESP, 0); W(HOST_SYSENTER_EIP, 0);
  extern const char vmx_exit_entry[];
  W(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
  /* guest state: a flat 64-bit ring-0 guest on the host's paging, GDT and IDT */
  W(GUEST_CR0, read_cr0()); W(GUEST_CR3, read_cr3()); W(GUEST_CR4, read_cr4());
  W(GUEST_DR7, 0x400); W(GUEST_DEBUGCTL, 0);
  W(GUEST_RSP, stack_top - 8); W(GUEST_RIP, (uint64_t)(uintptr_t)entry); W(GUEST_RFLAGS, 0x2);
  static const uint32_t sels[] = { GUEST_ES_SEL, GUEST_SS_SEL, GUEST_DS_SEL, GUEST_FS_SEL, GUEST_GS_SEL };
  static const uint32_t lims[] = { GUEST_ES_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT };
  static const uint32_t ars[] = { GUEST_ES_AR, GUEST_SS_AR, GUEST_DS_AR, GUEST_FS_AR, GUEST_GS_AR };
  static const uint32_t bases[] = { GUEST_ES_BASE, GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE };
  for (unsigned i = 0; i < 5; i++) { W(sels[i], 0x10); W(lims[i], 0xffffffff); W(ars[i], 0xc093); W(bases[i], 0); }
  W(GUEST_CS_SEL, 0x18); W(GUEST_CS_LIMIT, 0xffffffff); W(GUEST_CS_AR, 0xa09b); W(GUEST_CS_BASE, 0);
  W(GUEST_LDTR_SEL, 0); W(GUEST_LDTR_LIMIT, 0); W(GUEST_LDTR_AR, 0x10000); W(GUEST_LDTR_BASE, 0);
  W(GUEST_TR_SEL, tr_selector(core)); W(GUEST_TR_LIMIT, sizeof(struct tss64) - 1); W(GUEST_TR_AR, 0x8b);
  W(GUEST_TR_BASE, (uint64_t)(uintptr_t)&tss[core]);
  W(GUEST_GDTR_BASE, gdt_base); W(GUEST_GDTR_LIMIT, sizeof gdt - 1);
  W(GUEST_IDTR_BASE, idtr.base); W(GUEST_IDTR_LIMIT, idtr.limit);
  W(GUEST_SYSENTER_CS, 0); W(GUEST_SYSENTER_ESP, 0); W(GUEST_SYSENTER_EIP, 0);
  W(GUEST_ACTIVITY, 0); W(GUEST_INTERRUPTIBILITY, 0); W(GUEST_PENDING_DEBUG, 0);
  W(CR0_MASK, 0); W(CR4_MASK, 0); W(CR0_SHADOW, read_cr0()); W(CR4_SHADOW, read_cr4());
#undef W
  return bad;
}

int vmx_run(struct vcpu *v) {
  int r = v->launched ? vmx_resume(v) : vmx_launch(v);
  if (r == 0) v->launched = 1;
  return r;
}

void vmx_skip_instruction(void) {
  vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSTR_LEN));
}

/* VM entry and the VM-exit landing point (SDM Vol. 3C §26, §27.5: the host resumes at HOST_RIP with
 * HOST_RSP). vmx_launch/vmx_resume(vcpu) save the callee-saved registers and the vcpu pointer, point
 * HOST_RSP at that pointer, load the guest's registers and enter; a failed entry falls through and
 * returns 1 (VMfailInvalid) or 2 (VMfailValid). vmx_exit_entry stores the guest's registers into the
 * vcpu and returns 0 from the same call. */
__asm__(
  "  .text\n"
  "  .globl vmx_launch, vmx_resume, vmx_exit_entry\n"
  ".macro VMX_ENTER insn\n"
  "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
  "  pushq %rdi\n"
  "  movl $0x6c14, %eax\n"
  "  vmwrite %rsp, %rax\n"
  "  movq 0(%rdi), %rax\n  movq 8(%rdi), %rbx\n  movq 16(%rdi), %rcx\n  movq 24(%rdi), %rdx\n"
  "  movq 32(%rdi), %rsi\n  movq 48(%rdi), %rbp\n  movq 56(%rdi), %r8\n  movq 64(%rdi), %r9\n"
  "  movq 72(%rdi), %r10\n  movq 80(%rdi), %r11\n  movq 88(%rdi), %r12\n  movq 96(%rdi), %r13\n"
  "  movq 104(%rdi), %r14\n  movq 112(%rdi), %r15\n  movq 40(%rdi), %rdi\n"
  "  \\insn\n"
  "  jmp vmx_entry_failed\n"
  ".endm\n"
  "vmx_launch:\n  VMX_ENTER vmlaunch\n"
  "vmx_resume:\n  VMX_ENTER vmresume\n"
  "vmx_entry_failed:\n"
  "  movl $2, %eax\n"
  "  jnc 1f\n"
  "  movl $1, %eax\n"
  "1:\n"
  "  addq $8, %rsp\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
  "  ret\n"
  "vmx_exit_entry:\n"
  "  pushq %rdi\n"
  "  movq 8(%rsp), %rdi\n"
  "  movq %rax, 0(%rdi)\n  movq %rbx, 8(%rdi)\n  movq %rcx, 16(%rdi)\n  movq %rdx, 24(%rdi)\n"
  "  movq %rsi, 32(%rdi)\n  movq %rbp, 48(%rdi)\n  movq %r8, 56(%rdi)\n  movq %r9, 64(%rdi)\n"
  "  movq %r10, 72(%rdi)\n  movq %r11, 80(%rdi)\n  movq %r12, 88(%rdi)\n  movq %r13, 96(%rdi)\n"
  "  movq %r14, 104(%rdi)\n  movq %r15, 112(%rdi)\n"
  "  popq %rax\n  movq %rax, 40(%rdi)\n"
  "  addq $8, %rsp\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
  "  xorl %eax, %eax\n"
  "  ret\n");

/* ---- EPT: identity map of 0-4 GiB (SDM Vol. 3C §28.2.2) ---- */
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[4][512] __attribute__((aligned(4096)));
static uint64_t ept_pt[4][512] __attribute__((aligned(4096)));
static unsigned ept_pts_used;

#define EPT_RWX 7ull
#define EPT_WB (6ull << 3)
#define EPT_LARGE (1ull << 7)

uint64_t ept_identity_map(void) {
  ept_pml4[0] = (uint64_t)(uintptr_t)ept_pdpt | EPT_RWX;
  for (unsigned i = 0; i < 4; i++) {
    ept_pdpt[i] = (uint64_t)(uintptr_t)ept_pd[i] | EPT_RWX;
    for (unsigned j = 0; j < 512; j++) {
      uint64_t addr = ((uint64_t)i << 30) | ((uint64_t)j << 21);
      /* the top GiB (MMIO: local APIC, I/O APIC) uncached, the rest write-back */
      ept_pd[i][j] = addr | EPT_RWX | EPT_LARGE | (i == 3 ? 0 : EPT_WB);
    }
  }
  ept_pts_used = 0;
  /* EPTP: WB structures, 4-level walk, accessed/dirty flags enabled (bit 6) */
  return (uint64_t)(uintptr_t)ept_pml4 | 6 | (3 << 3) | (1 << 6);
}

uint64_t *ept_pde(uint64_t gpa) { return &ept_pd[gpa >> 30][(gpa >> 21) & 511]; }

uint64_t *ept_split_4k(uint64_t gpa) {
  uint64_t *pde = ept_pde(gpa);
  if ((*pde & EPT_LARGE) == 0) return &((uint64_t *)(uintptr_t)(*pde & ~0xfffull))[(gpa >> 12) & 511]; /* already split */
  uint64_t *pt = ept_pt[ept_pts_used++];
  uint64_t base = gpa & ~0x1fffffull;
  for (unsigned k = 0; k < 512; k++) pt[k] = (base + ((uint64_t)k << 12)) | EPT_RWX | ((base >> 30) == 3 ? 0 : EPT_WB);
  *pde = (uint64_t)(uintptr_t)pt | EPT_RWX;
  return &pt[(gpa >> 12) & 511];
}
