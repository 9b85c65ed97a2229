/*
 * The 64-bit interrupt/exception stack frame, observed from the handler.
 *
 * SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame": on entry through a 64-bit
 * IDT gate the processor aligns RSP to 16 bytes, then pushes SS, RSP, RFLAGS,
 * CS, RIP and (for vectors that have one) the error code, so RSP on entry is
 * align16(old RSP) - 40 (or - 48). Interrupt gates clear IF, trap gates leave
 * it (§6.12.1.3); IRETQ pops the same five values back (§6.14.3).
 *
 * The program installs its own IDT with one recording stub per vector, then:
 *   - int $0x40 through a DPL-0 interrupt gate and int $0x41 through a trap
 *     gate, with the stack 16-byte aligned and misaligned by 8, with IF = 0
 *     and IF = 1 before the int;
 *   - rdmsr of an unimplemented MSR index, which is #GP(0) (SDM RDMSR:
 *     "If the value in ECX specifies a reserved or unimplemented MSR
 *     address") - a fault, so the saved RIP is the rdmsr itself (§6.5).
 * Every printed value comes from the SDM rules above; nothing printed depends
 * on where the loader put the stack.
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(int v, const void *handler, int type) {
  idt[v] = idt64_gate(handler, (uint8_t)(0x80 | type), 0); /* P = 1, DPL = 0 */
}

/* What the stubs record. frame[] holds the stack contents on entry, lowest
 * address first: [err,] RIP, CS, RFLAGS, RSP, SS. */
volatile uint64_t rec_vector = ~0ull, rec_entry_rsp, rec_inside_flags, rec_frame[6], rec_saved_rax;
/* Filled by the test snippets. */
volatile uint64_t pre_rsp, post_rsp, post_flags, recover_rip;

extern const char stub_noerr40[], stub_noerr41[], stub_err13[], stub_other[];
extern const char t_int40_after[], t_int41_after[], t_rdmsr_insn[];
void t_int40(uint64_t flags, uint64_t misalign);
void t_int41(uint64_t flags, uint64_t misalign);
void t_rdmsr(uint32_t index);

__asm__(
  "  .text\n"
  /* No-error-code vectors: record RSP, RFLAGS as the handler sees them,
   * and the five frame slots, then return. MOV and PUSHF/POP do not
   * change RFLAGS, so the recorded flags are the ones on entry. */
  "  .globl stub_noerr40, stub_noerr41\n"
  "stub_noerr40:\n"
  "  movq $0x40, rec_vector(%rip)\n"
  "  jmp 1f\n"
  "stub_noerr41:\n"
  "  movq $0x41, rec_vector(%rip)\n"
  "1:\n"
  "  movq %rsp, rec_entry_rsp(%rip)\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  pushfq\n"
  "  popq %rax\n"
  "  movq %rax, rec_inside_flags(%rip)\n"
  "  movq 0(%rsp), %rax\n  movq %rax, rec_frame+0(%rip)\n"
  "  movq 8(%rsp), %rax\n  movq %rax, rec_frame+8(%rip)\n"
  "  movq 16(%rsp), %rax\n movq %rax, rec_frame+16(%rip)\n"
  "  movq 24(%rsp), %rax\n movq %rax, rec_frame+24(%rip)\n"
  "  movq 32(%rsp), %rax\n movq %rax, rec_frame+32(%rip)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  iretq\n"
  /* #GP (error code): record the six slots, resume at recover_rip. */
  "  .globl stub_err13\n"
  "stub_err13:\n"
  "  movq $13, rec_vector(%rip)\n"
  "  movq %rsp, rec_entry_rsp(%rip)\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n  movq %rax, rec_frame+0(%rip)\n"
  "  movq 8(%rsp), %rax\n  movq %rax, rec_frame+8(%rip)\n"
  "  movq 16(%rsp), %rax\n movq %rax, rec_frame+16(%rip)\n"
  "  movq 24(%rsp), %rax\n movq %rax, rec_frame+24(%rip)\n"
  "  movq 32(%rsp), %rax\n movq %rax, rec_frame+32(%rip)\n"
  "  movq 40(%rsp), %rax\n movq %rax, rec_frame+40(%rip)\n"
  "  movq recover_rip(%rip), %rax\n"
  "  movq %rax, 8(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  addq $8, %rsp\n" /* drop the error code: IRETQ expects RIP on top */
  "  iretq\n"
  /* Any other vector: report and stop. */
  "  .globl stub_other\n"
  "stub_other:\n"
  "  andq $-16, %rsp\n"
  "  call unexpected\n"
  "  ud2\n"

  /* t_int40(rflags, misalign): load RFLAGS, move RSP down by `misalign`
   * bytes, int $0x40, record RSP and RFLAGS after the IRETQ. RBX keeps the
   * caller's RSP (callee-saved). On entry RSP = 8 mod 16 (SysV: just after
   * a call); after push %rbx it is 0 mod 16. */
  "  .globl t_int40, t_int40_after\n"
  "t_int40:\n"
  "  pushq %rbx\n"
  "  movq %rsp, %rbx\n"
  "  subq %rsi, %rsp\n"
  "  pushq %rdi\n"
  "  popfq\n"
  "  movq %rsp, pre_rsp(%rip)\n"
  "  int $0x40\n"
  "t_int40_after:\n"
  "  movq %rsp, post_rsp(%rip)\n"
  "  pushfq\n"
  "  popq post_flags(%rip)\n"
  "  pushq $2\n"
  "  popfq\n"
  "  movq %rbx, %rsp\n"
  "  popq %rbx\n"
  "  ret\n"
  "  .globl t_int41, t_int41_after\n"
  "t_int41:\n"
  "  pushq %rbx\n"
  "  movq %rsp, %rbx\n"
  "  subq %rsi, %rsp\n"
  "  pushq %rdi\n"
  "  popfq\n"
  "  movq %rsp, pre_rsp(%rip)\n"
  "  int $0x41\n"
  "t_int41_after:\n"
  "  movq %rsp, post_rsp(%rip)\n"
  "  pushfq\n"
  "  popq post_flags(%rip)\n"
  "  pushq $2\n"
  "  popfq\n"
  "  movq %rbx, %rsp\n"
  "  popq %rbx\n"
  "  ret\n"

  /* t_rdmsr(index): rdmsr with known RFLAGS (0x2); a #GP resumes at 1f. */
  "  .globl t_rdmsr, t_rdmsr_insn\n"
  "t_rdmsr:\n"
  "  leaq 1f(%rip), %rax\n"
  "  movq %rax, recover_rip(%rip)\n"
  "  movl %edi, %ecx\n"
  "  pushq $2\n"
  "  popfq\n"
  "  movq %rsp, pre_rsp(%rip)\n"
  "t_rdmsr_insn:\n"
  "  rdmsr\n"
  "1:\n"
  "  ret\n");

void unexpected(void);
void unexpected(void) {
  rt_printf("unexpected exception or interrupt\n");
  rt_exit(99);
}

static const char *yn(int c) { return c ? "yes" : "no"; }

static void check_int(int vec, uint64_t flags, uint64_t misalign) {
  rec_vector = ~0ull;
  if (vec == 0x40) t_int40(flags, misalign); else t_int41(flags, misalign);
  const char *after = vec == 0x40 ? t_int40_after : t_int41_after;
  rt_printf("int 0x%x (%s gate), rflags 0x%lx, rsp %% 16 = %lu:\n", vec, vec == 0x40 ? "interrupt" : "trap",
            (unsigned long)flags, (unsigned long)(pre_rsp % 16));
  rt_printf("  vector 0x%lx, frame rip = next instruction: %s, cs 0x%lx, rflags 0x%lx, rsp = old rsp: %s, ss 0x%lx\n",
            (unsigned long)rec_vector, yn(rec_frame[0] == (uint64_t)(uintptr_t)after), (unsigned long)rec_frame[1],
            (unsigned long)rec_frame[2], yn(rec_frame[3] == pre_rsp), (unsigned long)rec_frame[4]);
  rt_printf("  entry rsp - old rsp = %ld, entry rsp %% 16 = %lu, rflags in handler 0x%lx\n",
            (long)(rec_entry_rsp - pre_rsp), (unsigned long)(rec_entry_rsp % 16), (unsigned long)rec_inside_flags);
  rt_printf("  after iretq: rsp = old rsp: %s, rflags 0x%lx\n", yn(post_rsp == pre_rsp), (unsigned long)post_flags);
}

int test_main(void) {
  for (int v = 0; v < 256; v++) set_gate(v, stub_other, 0xE);
  set_gate(0x40, stub_noerr40, 0xE); /* 64-bit interrupt gate */
  set_gate(0x41, stub_noerr41, 0xF); /* 64-bit trap gate */
  set_gate(13, stub_err13, 0xE);
  idt64_load(idt, sizeof idt - 1);

  /* 0x2c3 = IF | SF | ZF | CF | reserved bit 1: flags that must survive the round trip */
  static const uint64_t flags[] = { 0x2, 0x2c3 };
  for (int vec = 0x40; vec <= 0x41; vec++)
    for (int f = 0; f < 2; f++)
      for (uint64_t mis = 0; mis <= 8; mis += 8) check_int(vec, flags[f], mis);

  rec_vector = ~0ull;
  t_rdmsr(0x12345678);
  if (rec_vector == ~0ull) {
    rt_printf("rdmsr 0x12345678: no exception\n");
  } else {
    rt_printf("rdmsr 0x12345678: vector %lu, error code 0x%lx, rip = the rdmsr: %s, cs 0x%lx, rflags 0x%lx, rsp = old rsp: %s, ss 0x%lx\n",
              (unsigned long)rec_vector, (unsigned long)rec_frame[0], yn(rec_frame[1] == (uint64_t)(uintptr_t)t_rdmsr_insn),
              (unsigned long)rec_frame[2], (unsigned long)rec_frame[3], yn(rec_frame[4] == pre_rsp), (unsigned long)rec_frame[5]);
    rt_printf("  entry rsp - old rsp = %ld\n", (long)(rec_entry_rsp - pre_rsp));
  }
  rt_printf("idt_frame done\n");
  return 0;
}
