/*
 * A small bare-metal VMX library for the guest/vmx test hypervisors: VMCS
 * field encodings (SDM Vol. 3D Appendix B), control bits (Vol. 3C §24.6-24.8),
 * the VMX instructions with their VMsucceed / VMfailInvalid / VMfailValid
 * outcome (Vol. 3C §30.2), and helpers that set up VMX operation and a VMCS
 * for a 64-bit guest that runs code of this same image on its own stack.
 *
 * The programs run unchanged on Bochs 2.7 / 3.0 (guest/vmx/record-bochs.ts) and on
 * shinjuku-emu; they print only what the SDM defines, never a value that is
 * model-specific (capability MSR words, the VMCS revision, the preemption
 * timer rate), so both machines print the same text.
 */
#ifndef VMX_H
#define VMX_H

#include "rt.h"
#include "../apic/apic.h"
#include "../apic/idt.h"

/* ---- MSRs (SDM Vol. 4; Vol. 3D Appendix A) ---- */
#define MSR_FEATURE_CONTROL 0x3A
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED2 0x48B
#define MSR_VMX_EPT_VPID_CAP 0x48C
#define MSR_VMX_TRUE_PINBASED 0x48D
#define MSR_VMX_TRUE_PROCBASED 0x48E
#define MSR_VMX_TRUE_EXIT 0x48F
#define MSR_VMX_TRUE_ENTRY 0x490
#define MSR_EFER 0xC0000080u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u

/* ---- VMCS fields (SDM Vol. 3D Appendix B) ---- */
enum {
  VPID = 0x0000, POSTED_INTR_NV = 0x0002,
  GUEST_ES_SEL = 0x0800, GUEST_CS_SEL = 0x0802, GUEST_SS_SEL = 0x0804, GUEST_DS_SEL = 0x0806,
  GUEST_FS_SEL = 0x0808, GUEST_GS_SEL = 0x080A, GUEST_LDTR_SEL = 0x080C, GUEST_TR_SEL = 0x080E,
  GUEST_INTR_STATUS = 0x0810,
  HOST_ES_SEL = 0x0C00, HOST_CS_SEL = 0x0C02, HOST_SS_SEL = 0x0C04, HOST_DS_SEL = 0x0C06,
  HOST_FS_SEL = 0x0C08, HOST_GS_SEL = 0x0C0A, HOST_TR_SEL = 0x0C0C,
  IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
  EXIT_MSR_STORE_ADDR = 0x2006, EXIT_MSR_LOAD_ADDR = 0x2008, ENTRY_MSR_LOAD_ADDR = 0x200A,
  TSC_OFFSET = 0x2010, VIRTUAL_APIC_PAGE = 0x2012, APIC_ACCESS_ADDR = 0x2014, POSTED_INTR_DESC = 0x2016,
  EPT_POINTER = 0x201A, EOI_EXIT_BITMAP0 = 0x201C, EOI_EXIT_BITMAP1 = 0x201E, EOI_EXIT_BITMAP2 = 0x2020,
  EOI_EXIT_BITMAP3 = 0x2022,
  GUEST_PHYSICAL_ADDRESS = 0x2400,
  VMCS_LINK_POINTER = 0x2800, GUEST_DEBUGCTL = 0x2802, GUEST_PAT = 0x2804, GUEST_EFER = 0x2806,
  HOST_PAT = 0x2C00, HOST_EFER = 0x2C02,
  PIN_CONTROLS = 0x4000, PROC_CONTROLS = 0x4002, EXCEPTION_BITMAP = 0x4004,
  PF_ERROR_MASK = 0x4006, PF_ERROR_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400A,
  EXIT_CONTROLS = 0x400C, EXIT_MSR_STORE_COUNT = 0x400E, EXIT_MSR_LOAD_COUNT = 0x4010,
  ENTRY_CONTROLS = 0x4012, ENTRY_MSR_LOAD_COUNT = 0x4014, ENTRY_INTR_INFO = 0x4016,
  ENTRY_EXCEPTION_ERROR = 0x4018, ENTRY_INSTR_LEN = 0x401A, TPR_THRESHOLD = 0x401C,
  SECONDARY_CONTROLS = 0x401E,
  VM_INSTRUCTION_ERROR = 0x4400, EXIT_REASON = 0x4402, EXIT_INTR_INFO = 0x4404, EXIT_INTR_ERROR = 0x4406,
  IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR = 0x440A, EXIT_INSTR_LEN = 0x440C, EXIT_INSTR_INFO = 0x440E,
  GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802, GUEST_SS_LIMIT = 0x4804, GUEST_DS_LIMIT = 0x4806,
  GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480A, GUEST_LDTR_LIMIT = 0x480C, GUEST_TR_LIMIT = 0x480E,
  GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
  GUEST_ES_AR = 0x4814, GUEST_CS_AR = 0x4816, GUEST_SS_AR = 0x4818, GUEST_DS_AR = 0x481A,
  GUEST_FS_AR = 0x481C, GUEST_GS_AR = 0x481E, GUEST_LDTR_AR = 0x4820, GUEST_TR_AR = 0x4822,
  GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY = 0x4826, GUEST_SYSENTER_CS = 0x482A,
  PREEMPTION_TIMER = 0x482E, HOST_SYSENTER_CS = 0x4C00,
  CR0_MASK = 0x6000, CR4_MASK = 0x6002, CR0_SHADOW = 0x6004, CR4_SHADOW = 0x6006,
  EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDRESS = 0x640A,
  GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
  GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680A, GUEST_DS_BASE = 0x680C,
  GUEST_FS_BASE = 0x680E, GUEST_GS_BASE = 0x6810, GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814,
  GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681A, GUEST_RSP = 0x681C,
  GUEST_RIP = 0x681E, GUEST_RFLAGS = 0x6820, GUEST_PENDING_DEBUG = 0x6822,
  GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
  HOST_CR0 = 0x6C00, HOST_CR3 = 0x6C02, HOST_CR4 = 0x6C04, HOST_FS_BASE = 0x6C06, HOST_GS_BASE = 0x6C08,
  HOST_TR_BASE = 0x6C0A, HOST_GDTR_BASE = 0x6C0C, HOST_IDTR_BASE = 0x6C0E,
  HOST_SYSENTER_ESP = 0x6C10, HOST_SYSENTER_EIP = 0x6C12, HOST_RSP = 0x6C14, HOST_RIP = 0x6C16,
};

/* ---- controls (SDM Vol. 3C Tables 24-5 to 24-13) ---- */
#define PIN_EXT_INTR (1u << 0)
#define PIN_NMI (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPTION_TIMER (1u << 6)
#define PIN_POSTED_INTR (1u << 7)
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT (1u << 7)
#define PROC_INVLPG (1u << 9)
#define PROC_RDTSC (1u << 12)
#define PROC_CR3_LOAD (1u << 15)
#define PROC_CR3_STORE (1u << 16)
#define PROC_CR8_LOAD (1u << 19)
#define PROC_CR8_STORE (1u << 20)
#define PROC_TPR_SHADOW (1u << 21)
#define PROC_UNCOND_IO (1u << 24)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MTF (1u << 27)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_PAUSE (1u << 30)
#define PROC_SECONDARY (1u << 31)
#define PROC2_APIC_ACCESS (1u << 0)
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_X2APIC (1u << 4)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_APIC_REG_VIRT (1u << 8)
#define PROC2_VID (1u << 9)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PREEMPTION (1u << 22)
#define ENTRY_IA32E (1u << 9)
#define ENTRY_SMM (1u << 10)

/* ---- exit reasons (SDM Vol. 3D Appendix C) ---- */
#define EXIT_EXCEPTION 0
#define EXIT_EXTINT 1
#define EXIT_INTR_WINDOW 7
#define EXIT_CPUID 10
#define EXIT_HLT 12
#define EXIT_VMCALL 18
#define EXIT_CR 28
#define EXIT_IO 30
#define EXIT_RDMSR 31
#define EXIT_WRMSR 32
#define EXIT_BAD_GUEST 33
#define EXIT_MSR_LOAD 34
#define EXIT_MTF 37
#define EXIT_TPR 43
#define EXIT_APIC_ACCESS 44
#define EXIT_EOI 45
#define EXIT_EPT_VIOLATION 48
#define EXIT_EPT_MISCONFIG 49
#define EXIT_PREEMPTION 52
#define EXIT_APIC_WRITE 56

/* ---- the VMX instructions: 0 VMsucceed, 1 VMfailInvalid (CF), 2 VMfailValid (ZF) ---- */
#define VMX_OUTCOME(insn, ...)                                                                     \
  ({ uint8_t cf_, zf_;                                                                              \
     __asm__ volatile(insn "\n\tsetc %0\n\tsetz %1" : "=qm"(cf_), "=qm"(zf_) : __VA_ARGS__ : "cc", "memory"); \
     cf_ ? 1 : zf_ ? 2 : 0; })

static inline int vmxon(uint64_t pa) { return VMX_OUTCOME("vmxon %2", "m"(pa)); }
static inline int vmxoff(void) { return VMX_OUTCOME("vmxoff", "i"(0)); }
static inline int vmclear(uint64_t pa) { return VMX_OUTCOME("vmclear %2", "m"(pa)); }
static inline int vmptrld(uint64_t pa) { return VMX_OUTCOME("vmptrld %2", "m"(pa)); }
static inline int vmptrst(uint64_t *pa) { return VMX_OUTCOME("vmptrst %2", "m"(*pa)); }
static inline int vmwrite(uint64_t field, uint64_t value) { return VMX_OUTCOME("vmwrite %3, %2", "r"(field), "rm"(value)); }
static inline int vmread_to(uint64_t field, uint64_t *value) {
  uint8_t cf, zf;
  uint64_t v = 0;
  __asm__ volatile("vmread %3, %0\n\tsetc %1\n\tsetz %2" : "+rm"(v), "=qm"(cf), "=qm"(zf) : "r"(field) : "cc", "memory");
  *value = v;
  return cf ? 1 : zf ? 2 : 0;
}
static inline uint64_t vmread(uint64_t field) { uint64_t v; vmread_to(field, &v); return v; }
static inline int vmcall_root(void) { return VMX_OUTCOME("vmcall", "i"(0)); }
static inline int invept(uint64_t type, const void *desc) { return VMX_OUTCOME("invept %2, %3", "m"(*(const char (*)[16])desc), "r"(type)); }
static inline int invvpid(uint64_t type, const void *desc) { return VMX_OUTCOME("invvpid %2, %3", "m"(*(const char (*)[16])desc), "r"(type)); }

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

/* The outcome as text: "VMsucceed", "VMfailInvalid", "VMfailValid(N)". */
const char *vmx_outcome(int r);

/* ---- faults in root-mode tests: run an instruction and catch #UD / #GP ---- */
/* Returns the vector of the exception the instruction raised, or -1. */
extern volatile uint64_t vmx_fault_vector, vmx_fault_resume;
#define VMX_TRY(insn, ...)                                                          \
  ({ vmx_fault_vector = (uint64_t)-1;                                               \
     __asm__ volatile("leaq 1f(%%rip), %%rax\n\tmovq %%rax, vmx_fault_resume(%%rip)\n\t" insn "\n1:" \
                      : : __VA_ARGS__ : "rax", "cc", "memory");                     \
     (int)(int64_t)vmx_fault_vector; })
void vmx_catch_faults(void);

/* ---- per-core VMX state and a 64-bit guest ---- */
struct vcpu {
  /* guest general-purpose registers (RSP lives in the VMCS), in this order for vmx_entry.S */
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
  int launched;
};

/* Per-core structures: GDT with a TSS per core, VMXON region, VMCS regions. */
void vmx_cpu_init(unsigned core);            /* own GDT + TSS, IDT loaded, CR4.VMXE, IA32_FEATURE_CONTROL */
int vmx_enable(unsigned core);               /* VMXON with this core's region: outcome */
void vmx_tss_rsp0(unsigned core, uint64_t rsp0); /* the ring-0 stack for interrupts from ring 3 */
uint64_t vmxon_region(unsigned core);
uint64_t vmcs_region(unsigned core, unsigned n); /* n = 0..3 */
uint64_t adjust_controls(uint32_t msr, uint32_t want); /* allowed-0 bits set, allowed-1 kept (Appendix A.3) */

/* A VMCS (current) set up for a 64-bit guest at `entry` on `stack_top`, sharing the
 * host's paging, GDT and IDT; minimal controls. Returns 0 if every VMWRITE succeeded. */
int vmcs_init_guest(unsigned core, void (*entry)(void), uint64_t stack_top);

/* Enter the guest: VMLAUNCH the first time, VMRESUME afterwards. 0 = VM exit, else the VMfail outcome. */
int vmx_run(struct vcpu *v);
int vmx_launch(struct vcpu *v);   /* raw asm entry points */
int vmx_resume(struct vcpu *v);
/* Skip the exiting instruction (guest RIP += VM-exit instruction length). */
void vmx_skip_instruction(void);

/* The exit reason's low 16 bits and the full field. */
static inline uint32_t exit_reason(void) { return (uint32_t)vmread(EXIT_REASON) & 0xFFFF; }

/* Guests' way out: VMCALL with RAX = code, forever. */
static inline void guest_vmcall(uint64_t code) { __asm__ volatile("vmcall" : : "a"(code) : "memory"); }

/* EPT: a 4-level identity map of 0-4 GiB with 2 MiB pages (RWX, WB), EPTP with A/D flags. */
uint64_t ept_identity_map(void);
/* The EPT PTE/PDE for a guest-physical address after ept_split_4k(gpa): the 2 MiB region holding gpa becomes a 4 KiB table. */
uint64_t *ept_split_4k(uint64_t gpa);
uint64_t *ept_pde(uint64_t gpa);

#endif
