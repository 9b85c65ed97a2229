/*
 * Non-canonical addresses in 64-bit mode (SDM Vol. 3A §3.3.7.1 "Canonical
 * Addressing", §6.15 interrupts 12 and 13): a memory reference to a
 * non-canonical linear address is #SS(0) when it uses the stack segment
 * (RSP or RBP as the base register) and #GP(0) otherwise; a near branch to a
 * non-canonical target is #GP(0) on the branch itself (Vol. 2A JMP, 64-bit
 * mode exceptions: "#GP(0) If the target operand is non-canonical"); WRMSR of
 * a non-canonical IA32_FS_BASE is #GP(0) (Vol. 4, Vol. 2B WRMSR). All are
 * faults: the saved RIP is the instruction.
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));

volatile uint64_t rec_vector, rec_err, rec_rip, rec_saved_rax, recover_rip;

extern const char stub12[], stub13[], stub_other[];
extern const char t_load_insn[], t_load_rbp_insn[], t_jmp_insn[], t_wrmsr_insn[];
void t_load(uint64_t a), t_load_rbp(uint64_t a), t_jmp(uint64_t a), t_wrmsr(uint64_t v);

#define STUB(v) \
  "  .globl stub" #v "\nstub" #v ":\n  movq $" #v ", rec_vector(%rip)\n  jmp err_common\n"
#define SNIPPET(name, setup, insn) \
  "  .globl t_" name ", t_" name "_insn\nt_" name ":\n  pushq %rbp\n  leaq 1f(%rip), %rax\n  movq %rax, recover_rip(%rip)\n" \
  "  " setup "\nt_" name "_insn:\n  " insn "\n1:\n  popq %rbp\n  ret\n"

__asm__(
  "  .text\n"
  STUB(12) STUB(13)
  "err_common:\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n  movq %rax, rec_err(%rip)\n"
  "  movq 8(%rsp), %rax\n  movq %rax, rec_rip(%rip)\n"
  "  movq recover_rip(%rip), %rax\n  movq %rax, 8(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  addq $8, %rsp\n"
  "  iretq\n"
  "  .globl stub_other\nstub_other:\n  andq $-16, %rsp\n  call unexpected\n  ud2\n"
  SNIPPET("load", "", "movq (%rdi), %rax")
  SNIPPET("load_rbp", "movq %rdi, %rbp", "movq 8(%rbp), %rax")
  SNIPPET("jmp", "", "jmp *%rdi")
  SNIPPET("wrmsr", "movl $0xc0000100, %ecx; movl %edi, %eax; movq %rdi, %rdx; shrq $32, %rdx", "wrmsr")
  /* the highest canonical lower-half address + 8 bytes crosses into the non-canonical range */
  SNIPPET("load_hi", "movabsq $0x00007ffffffffffc, %rdi", "movq (%rdi), %rax"));

void unexpected(void);
void unexpected(void) { rt_printf("unexpected exception\n"); rt_exit(99); }

static void report(const char *what, const char *insn) {
  rt_printf("%s: ", what);
  if (rec_vector == ~0ull) { rt_printf("no exception\n"); return; }
  rt_printf("vector %lu, error code 0x%lx, rip = %s\n", (unsigned long)rec_vector, (unsigned long)rec_err,
            rec_rip == (uint64_t)(uintptr_t)insn ? "the instruction" : "elsewhere");
}
#define RUN(what, call, insn) do { rec_vector = ~0ull; call; report(what, insn); } while (0)

int test_main(void) {
  for (int v = 0; v < 256; v++) {
    idt[v] = idt64_gate(v == 12 ? stub12 : v == 13 ? stub13 : stub_other, 0x8E, 0);
  }
  idt64_load(idt, sizeof idt - 1);

  RUN("load via rdi = 0x8000000000000000", t_load(0x8000000000000000ull), t_load_insn);
  RUN("load via rdi = 0x0000800000000000", t_load(0x0000800000000000ull), t_load_insn);
  RUN("load via rbp = 0x8000000000000000", t_load_rbp(0x8000000000000000ull), t_load_rbp_insn);
  RUN("jmp to 0x0000800000000000", t_jmp(0x0000800000000000ull), t_jmp_insn);
  RUN("wrmsr FS_BASE = 0x0000800000000000", t_wrmsr(0x0000800000000000ull), t_wrmsr_insn);
  rt_printf("canonical done\n");
  return 0;
}
