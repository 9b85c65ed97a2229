/*
 * Ring 3 and back: privilege checks and the stack switch on interrupts.
 *
 * Setup (ring 0): an own GDT with 64-bit user code (0x2b) and user data
 * (0x23) segments and a 64-bit TSS (SDM Vol. 3A §7.7: RSP0 at offset 4, IST1
 * at 0x24); own page tables whose first GiB is user-accessible except its
 * last 2 MiB page (supervisor-only); an IDT whose gates 0x80, 0x82 and 0x83
 * have DPL 3 (0x82 with IST 1) and whose gate 0x81 has DPL 0. IRETQ to ring 3
 * with RFLAGS = 0x2 (IF = 0, IOPL = 0).
 *
 * In ring 3 the user code executes one instruction per check; the ring-0
 * handler prints what the processor pushed and resumes ring 3 after it:
 *  - INT 0x80 (DPL 3 gate): a privilege change, so the processor switches to
 *    TSS.RSP0 aligned to 16 and pushes SS, RSP, RFLAGS, CS, RIP of ring 3;
 *    in 64-bit mode the new SS is a null selector (§6.14.4, §6.14.2);
 *  - INT 0x82 (gate with IST 1): the stack is TSS.IST1 (§6.14.5);
 *  - HLT, CLI, OUT, RDMSR, MOV from CR3 at CPL 3 with IOPL 0 -> #GP(0)
 *    (SDM Vol. 2 for each instruction; §5.9 privileged instructions);
 *  - a read and a write of a supervisor page -> #PF with U/S = 1: 5 and 7
 *    (§4.6, §4.7);
 *  - with -DWITH_DPL_FAULT, last: INT 0x81 through a DPL 0 gate ->
 *    #GP(0x81 << 3 | 2 = 0x40a) (Vol. 2B INT n: "IF software interrupt and
 *    gate DPL < CPL THEN #GP(error_code(vector_number,1,0))");
 *  - with -DWITH_INT1, last: INT1 (ICEBP, F1) through gate 1 of DPL 0 is
 *    delivered: the DPL check is for software interrupts and "does not
 *    apply to INT1" (same pseudocode), a #DB trap: RIP is the next
 *    instruction.
 * Ring 3 also records, for printing later: CS, SS, DS, ES after the IRETQ
 * (IRET to an outer level nulls DS/ES when their DPL < CPL, Vol. 2A IRET
 * "RETURN-TO-OUTER-PRIVILEGE-LEVEL"), RFLAGS after POPF of 0x202 (at CPL >
 * IOPL, POPF leaves IF unchanged, Vol. 2B POPF), and that RDTSC works
 * (CR4.TSD = 0).
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));
static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint8_t kstack[16384] __attribute__((aligned(16)));
static uint8_t iststack[16384] __attribute__((aligned(16)));
static uint8_t ustack[16384] __attribute__((aligned(16)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd0[512] __attribute__((aligned(4096)));

#define SUPERVISOR_PAGE 0x3fe00000ull /* last 2 MiB of the first GiB */

/* written by ring 3 (the first GiB is user-writable) */
volatile uint64_t recover_rip, user_rsp, u_cs, u_ss, u_ds, u_es, u_flags_after_popf, u_tsc_ok;
volatile uint64_t saved_krsp;

struct frame { uint64_t vector, err, rip, cs, rflags, rsp, ss; };

extern const char kstub01[], kstub0d[], kstub0e[], kstub80[], kstub81[], kstub82[], kstub83[], kstub_other[], user_entry[];
extern const char u_int80[], u_int82[], u_hlt[], u_cli[], u_out[], u_rdmsr[], u_movcr3[], u_rd_sup[], u_wr_sup[], u_int81[], u_int1[];
void enter_user(const void *entry, uint64_t rsp);
void kernel_record(struct frame *f);

#define KSTUB_NOERR(name, v) \
  "  .globl " name "\n" name ":\n  pushq $-1\n  pushq $" #v "\n  jmp kcommon\n"
#define KSTUB_ERR(name, v) \
  "  .globl " name "\n" name ":\n  pushq $" #v "\n  jmp kcommon\n"
/* one user check: recover_rip = after the instruction, RSP recorded, then the instruction at a global label */
#define UTEST(label, insn) \
  "  leaq 9f(%rip), %rax\n  movq %rax, recover_rip(%rip)\n  movq %rsp, user_rsp(%rip)\n" \
  "  .globl " label "\n" label ":\n  " insn "\n9:\n"

__asm__(
  "  .text\n"
  KSTUB_NOERR("kstub01", 1) KSTUB_ERR("kstub0d", 13) KSTUB_ERR("kstub0e", 14)
  KSTUB_NOERR("kstub80", 0x80) KSTUB_NOERR("kstub81", 0x81) KSTUB_NOERR("kstub82", 0x82)
  KSTUB_NOERR("kstub_other", 0xff)
  /* stack: vector, error (or -1), RIP, CS, RFLAGS, RSP, SS */
  "kcommon:\n"
  "  pushq %rax\n  pushq %rcx\n  pushq %rdx\n  pushq %rsi\n  pushq %rdi\n  pushq %r8\n  pushq %r9\n  pushq %r10\n  pushq %r11\n  pushq %rbx\n"
  "  leaq 80(%rsp), %rdi\n"
  "  movq %rsp, %rbx\n"
  "  andq $-16, %rsp\n"
  "  call kernel_record\n"
  "  movq %rbx, %rsp\n"
  "  popq %rbx\n  popq %r11\n  popq %r10\n  popq %r9\n  popq %r8\n  popq %rdi\n  popq %rsi\n  popq %rdx\n  popq %rcx\n  popq %rax\n"
  "  addq $16, %rsp\n"
  "  iretq\n"
  /* int 0x83 from ring 3: back to the kernel context saved by enter_user */
  "  .globl kstub83\n"
  "kstub83:\n"
  "  movl $0x10, %eax\n"
  "  movl %eax, %ss\n"
  "  movq saved_krsp(%rip), %rsp\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
  "  ret\n"
  /* enter_user(entry, rsp): IRETQ to CPL 3 with RFLAGS = 0x2 */
  "  .globl enter_user\n"
  "enter_user:\n"
  "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
  "  movq %rsp, saved_krsp(%rip)\n"
  "  pushq $0x23\n"
  "  pushq %rsi\n"
  "  pushq $0x2\n"
  "  pushq $0x2b\n"
  "  pushq %rdi\n"
  "  iretq\n"

  /* ring 3 */
  "  .globl user_entry\n"
  "user_entry:\n"
  "  movq %cs, %rax\n  movq %rax, u_cs(%rip)\n"
  "  movq %ss, %rax\n  movq %rax, u_ss(%rip)\n"
  "  movq %ds, %rax\n  movq %rax, u_ds(%rip)\n"
  "  movq %es, %rax\n  movq %rax, u_es(%rip)\n"
  "  pushq $0x202\n  popfq\n  pushfq\n  popq %rax\n  movq %rax, u_flags_after_popf(%rip)\n"
  "  rdtsc\n  movq $1, u_tsc_ok(%rip)\n"
  UTEST("u_int80", "int $0x80")
  UTEST("u_int82", "int $0x82")
  UTEST("u_hlt", "hlt")
  UTEST("u_cli", "cli")
  UTEST("u_out", "outb %al, $0xe9")
  "  movl $0x10, %ecx\n" /* IA32_TSC: a real MSR, so only the privilege check can fault */
  UTEST("u_rdmsr", "rdmsr")
  UTEST("u_movcr3", "movq %cr3, %rax")
  UTEST("u_rd_sup", "movq 0x3fe00000, %rax")
  UTEST("u_wr_sup", "movq %rax, 0x3fe00000")
#ifdef WITH_DPL_FAULT
  UTEST("u_int81", "int $0x81")
#endif
#ifdef WITH_INT1
  UTEST("u_int1", ".byte 0xf1")
#endif
  "  int $0x83\n"
  "  ud2\n");

static const char *yn(int c) { return c ? "yes" : "no"; }

/* trap: the instruction's length for a trap (the saved RIP is past it), 0 for a fault */
struct check { const char *name; const char *label; int trap; };
static const struct check checks[] = {
  { "int 0x80 (DPL 3 gate)", u_int80, 2 },
  { "int 0x82 (DPL 3 gate, IST 1)", u_int82, 2 },
  { "hlt", u_hlt, 0 },
  { "cli", u_cli, 0 },
  { "out 0xe9", u_out, 0 },
  { "rdmsr", u_rdmsr, 0 },
  { "mov cr3", u_movcr3, 0 },
  { "read supervisor page", u_rd_sup, 0 },
  { "write supervisor page", u_wr_sup, 0 },
#ifdef WITH_DPL_FAULT
  { "int 0x81 (DPL 0 gate)", u_int81, 0 },
#endif
#ifdef WITH_INT1
  { "int1 (DPL 0 gate 1)", u_int1, 1 },
#endif
};
static unsigned next_check;

void kernel_record(struct frame *f) {
  uint64_t ss, cs, cr2;
  __asm__ volatile("movq %%ss, %0; movq %%cs, %1; movq %%cr2, %2" : "=r"(ss), "=r"(cs), "=r"(cr2));
  const struct check *c = next_check < sizeof checks / sizeof checks[0] ? &checks[next_check++] : 0;
  if (!c || f->vector == 0xff) {
    rt_printf("unexpected vector %lu at rip 0x%lx\n", (unsigned long)f->vector, (unsigned long)f->rip);
    rt_exit(99);
  }
  /* where the processor's frame started: RSP on entry to the handler */
  uint64_t entry_rsp = (uint64_t)(uintptr_t)&f->rip - (f->err != ~0ull ? 8 : 0);
  uint64_t top = (uint64_t)(uintptr_t)(f->vector == 0x82 ? iststack + sizeof iststack : kstack + sizeof kstack);
  uint64_t at = (uint64_t)(uintptr_t)c->label;
  rt_printf("%s: vector %lu", c->name, (unsigned long)f->vector);
  if (f->err != ~0ull) rt_printf(", error code 0x%lx", (unsigned long)f->err);
  if (f->vector == 14) rt_printf(", cr2 0x%lx", (unsigned long)cr2);
  rt_printf(", rip = %s, cs 0x%lx, rflags 0x%lx, rsp = user rsp: %s, ss 0x%lx\n",
            c->trap ? (f->rip == at + (uint64_t)c->trap ? "next instruction" : "elsewhere") : (f->rip == at ? "the instruction" : "elsewhere"),
            (unsigned long)f->cs, (unsigned long)f->rflags, yn(f->rsp == user_rsp), (unsigned long)f->ss);
  rt_printf("  handler cs 0x%lx ss 0x%lx, entry rsp - %s top = %ld\n", (unsigned long)cs, (unsigned long)ss,
            f->vector == 0x82 ? "IST1" : "RSP0", (long)(entry_rsp - top));
  f->rip = recover_rip;
}

static void set_gate(int v, const void *h, int attr, int ist) { idt[v] = idt64_gate(h, (uint8_t)attr, (uint8_t)ist); }

int test_main(void) {
  /* GDT: the loader's four entries, user data (DPL 3), user code (64-bit, DPL 3), 16-byte TSS descriptor */
  gdt[0] = 0;
  gdt[1] = 0x00cf9a000000ffffull;
  gdt[2] = 0x00cf92000000ffffull;
  gdt[3] = 0x00af9a000000ffffull;
  gdt[4] = 0x00cff2000000ffffull; /* 0x20 | 3 = 0x23 */
  gdt[5] = 0x00affa000000ffffull; /* 0x28 | 3 = 0x2b */
  uint64_t t = (uint64_t)(uintptr_t)tss;
  gdt[6] = (sizeof tss - 1) | ((t & 0xffffff) << 16) | (0x89ull << 40) | (((t >> 24) & 0xff) << 56);
  gdt[7] = t >> 32;
  uint64_t rsp0 = (uint64_t)(uintptr_t)(kstack + sizeof kstack), ist1 = (uint64_t)(uintptr_t)(iststack + sizeof iststack);
  for (int i = 0; i < 8; i++) { tss[4 + i] = (uint8_t)(rsp0 >> (8 * i)); tss[0x24 + i] = (uint8_t)(ist1 >> (8 * i)); }
  tss[0x66] = sizeof tss; /* I/O map base beyond the limit: no I/O permission bitmap */
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
  __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
  __asm__ volatile("ltr %w0" : : "r"(0x30) : "memory");

  for (int v = 0; v < 256; v++) set_gate(v, kstub_other, 0x8e, 0);
  set_gate(1, kstub01, 0x8e, 0); /* DPL 0 */
  set_gate(13, kstub0d, 0x8e, 0);
  set_gate(14, kstub0e, 0x8e, 0);
  set_gate(0x80, kstub80, 0xee, 0); /* P, DPL 3, interrupt gate */
  set_gate(0x81, kstub81, 0x8e, 0); /* DPL 0 */
  set_gate(0x82, kstub82, 0xee, 1); /* DPL 3, IST 1 */
  set_gate(0x83, kstub83, 0xee, 0);
  idt64_load(idt, sizeof idt - 1);

  /* page tables: the first GiB user-accessible (2 MiB pages), except its last page */
  uint64_t cr3;
  __asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
  uint64_t *boot_l4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
  uint64_t *boot_l3 = (uint64_t *)(uintptr_t)(boot_l4[0] & 0x000ffffffffff000ull);
  for (uint64_t j = 0; j < 512; j++) pd0[j] = (j << 21) | 0x83 | (j == 511 ? 0 : 4);
  pdpt[0] = (uint64_t)(uintptr_t)pd0 | 7;
  for (int i = 1; i < 4; i++) pdpt[i] = boot_l3[i] | 4; /* their PD entries stay supervisor-only */
  pml4[0] = (uint64_t)(uintptr_t)pdpt | 7;
  __asm__ volatile("movq %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4) : "memory");

  enter_user(user_entry, (uint64_t)(uintptr_t)(ustack + sizeof ustack));

  uint64_t ss;
  __asm__ volatile("movq %%ss, %0" : "=r"(ss));
  rt_printf("back in ring 0, ss 0x%lx\n", (unsigned long)ss);
  rt_printf("ring 3 saw: cs 0x%lx ss 0x%lx ds 0x%lx es 0x%lx, rflags after popf 0x202: 0x%lx, rdtsc ok: %s\n",
            (unsigned long)u_cs, (unsigned long)u_ss, (unsigned long)u_ds, (unsigned long)u_es,
            (unsigned long)u_flags_after_popf, yn(u_tsc_ok == 1));
  __asm__ volatile("movq %0, %%cr3" : : "r"(cr3) : "memory");
  rt_printf("ring3 done\n");
  return 0;
}
