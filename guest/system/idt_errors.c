/*
 * Faults raised while the processor reads the IDT, and how they combine with
 * the event being delivered.
 *
 * SDM Vol. 2B "INT n/INTO/INT3/INT1—Call to Interrupt Procedure", IA-32e
 * mode pseudocode, checks in this order:
 *   (vector << 4) + 15 beyond the IDT limit       -> #GP((vector << 3) + 2 + EXT)
 *   gate type not a 64-bit interrupt/trap gate    -> #GP((vector << 3) + 2 + EXT)
 *   software interrupt and gate DPL < CPL         -> #GP((vector << 3) + 2)
 *   gate not present                              -> #NP((vector << 3) + 2 + EXT)
 * where EXT (error-code bit 0, Vol. 3A §6.13) is 1 when the event being
 * delivered is external to the program (an exception or a hardware
 * interrupt) and 0 for INT n.
 *
 * Vol. 3A §6.15 "Interrupt 8—Double Fault Exception", Tables 6-4 and 6-5:
 * a contributory exception (#DE #TS #NP #SS #GP) while delivering a benign
 * one (#UD, INT n, ...) is handled serially - the second exception is
 * delivered normally; a contributory exception while delivering a
 * contributory one is a double fault (#DF, error code 0).
 *
 * INT1 (ICEBP, opcode F1) raises #DB as a trap, but it is not a software
 * interrupt: the DPL check does not apply to it and EXT is set (Vol. 2B INT n
 * pseudocode: "does not apply to INT1"; EXT is 0 only for INT n, INT3 and
 * INTO). Through a present gate the saved RIP is the next instruction; a
 * fault while delivering it is reported at the INT1 itself, as for INT n.
 *
 * Every handler records the vector and frame and resumes at `recover_rip`.
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(int v, const void *handler, int attr) { idt[v] = idt64_gate(handler, (uint8_t)attr, 0); }

static void load_idt(uint16_t limit) { idt64_load(idt, limit); }

volatile uint64_t rec_vector, rec_err, rec_rip, rec_saved_rax, recover_rip;

/* Stubs for vectors with an error code (8, 11, 13) and without (6, 0x40):
 * record vector, error code (or ~0) and saved RIP; resume at recover_rip. */
extern const char stub_err8[], stub_err11[], stub_err13[], stub_noerr6[], stub_noerr40[], stub_noerr0[], stub_noerr1[];
extern const char t_int50_insn[], t_int51_insn[], t_int90_insn[], t_ud2_insn[], t_div0_insn[], t_int1_insn[];
void t_int50(void), t_int51(void), t_int90(void), t_ud2(void), t_div0(void), t_int1(void);

#define ERR_STUB(v) \
  "  .globl stub_err" #v "\n" \
  "stub_err" #v ":\n" \
  "  movq $" #v ", rec_vector(%rip)\n" \
  "  jmp err_common\n"
#define NOERR_STUB(v, name) \
  "  .globl stub_noerr" name "\n" \
  "stub_noerr" name ":\n" \
  "  movq $" #v ", rec_vector(%rip)\n" \
  "  jmp noerr_common\n"
/* A test snippet: recover_rip = after the instruction, then the instruction at a global label. */
#define SNIPPET(name, setup, insn) \
  "  .globl t_" name ", t_" name "_insn\n" \
  "t_" name ":\n" \
  "  " setup "\n" \
  "  leaq 1f(%rip), %rax\n" \
  "  movq %rax, recover_rip(%rip)\n" \
  "t_" name "_insn:\n" \
  "  " insn "\n" \
  "1:\n" \
  "  ret\n"

__asm__(
  "  .text\n"
  ERR_STUB(8) ERR_STUB(11) ERR_STUB(13)
  NOERR_STUB(6, "6") NOERR_STUB(0x40, "40") NOERR_STUB(0, "0") NOERR_STUB(1, "1")
  "err_common:\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n"
  "  movq %rax, rec_err(%rip)\n"
  "  movq 8(%rsp), %rax\n"
  "  movq %rax, rec_rip(%rip)\n"
  "  movq recover_rip(%rip), %rax\n"
  "  movq %rax, 8(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  addq $8, %rsp\n"
  "  iretq\n"
  "noerr_common:\n"
  "  movq $-1, rec_err(%rip)\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n"
  "  movq %rax, rec_rip(%rip)\n"
  "  movq recover_rip(%rip), %rax\n"
  "  movq %rax, 0(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  iretq\n"
  SNIPPET("int50", "", "int $0x50")
  SNIPPET("int51", "", "int $0x51")
  SNIPPET("int90", "", "int $0x90")
  SNIPPET("ud2", "", "ud2")
  SNIPPET("div0", "xorl %ecx, %ecx", "divl %ecx") /* EDX:EAX / 0 -> #DE */
  SNIPPET("int1", "", ".byte 0xf1") /* INT1 (ICEBP) */
);

static void report(const char *what, const char *insn) {
  rt_printf("%s: ", what);
  if (rec_vector == ~0ull) { rt_printf("no exception\n"); return; }
  rt_printf("vector %lu", (unsigned long)rec_vector);
  if (rec_err != ~0ull) rt_printf(", error code 0x%lx", (unsigned long)rec_err);
  /* #DF is an abort: the saved CS:RIP is undefined (SDM Vol. 3A §6.15, interrupt 8), so it is not compared */
  if (rec_vector != 8) {
    rt_printf(", rip = %s", rec_rip == (uint64_t)(uintptr_t)insn ? "the instruction"
                            : rec_rip == recover_rip ? "the next instruction" : "elsewhere");
  }
  rt_printf("\n");
}

#define RUN(what, fn) do { rec_vector = ~0ull; rec_err = ~0ull; fn(); report(what, fn##_insn); } while (0)

/* -DCASE=n builds an image that runs only case n, so that an emulator that
 * stops (e.g. with a triple fault) on one case still shows the others. */
#ifndef CASE
#define CASE 0
#endif
#define WANT(n) (CASE == 0 || CASE == (n))

int test_main(void) {
  /* P=1 DPL=0 interrupt gate = 0x8E; 0x0E = the same but not present; 0x8C = a 64-bit call gate type */
  set_gate(8, stub_err8, 0x8E);
  set_gate(11, stub_err11, 0x8E);
  set_gate(13, stub_err13, 0x8E);
  set_gate(6, stub_noerr6, 0x8E);
  set_gate(0, stub_noerr0, 0x8E);
  set_gate(1, stub_noerr1, 0x8E);
  set_gate(0x50, stub_noerr40, 0x0E); /* not present */
  set_gate(0x51, stub_noerr40, 0x8C); /* call-gate type in the IDT */
  load_idt(sizeof idt - 1);

  if (WANT(1)) RUN("int 0x50, gate not present", t_int50);
  if (WANT(2)) RUN("int 0x51, gate type 0xC", t_int51);
  if (WANT(3)) {
    load_idt(0x80 * 16 - 1); /* gates 0..0x7f only */
    RUN("int 0x90, beyond the IDT limit", t_int90);
    load_idt(sizeof idt - 1);
  }
  if (WANT(4)) RUN("ud2, gate 6 present", t_ud2);
  if (WANT(5)) {
    set_gate(6, stub_noerr6, 0x0E);
    RUN("ud2, gate 6 not present", t_ud2);
    set_gate(6, stub_noerr6, 0x8E);
  }
  if (WANT(6)) RUN("div by 0, gate 0 present", t_div0);
  if (WANT(7)) {
    set_gate(0, stub_noerr0, 0x0E);
    RUN("div by 0, gate 0 not present", t_div0);
    set_gate(0, stub_noerr0, 0x8E);
  }
  if (WANT(8)) RUN("int1, gate 1 present", t_int1);
  if (WANT(9)) {
    set_gate(1, stub_noerr1, 0x0E);
    RUN("int1, gate 1 not present", t_int1);
    set_gate(1, stub_noerr1, 0x8E);
  }
  rt_printf("idt_errors done\n");
  return 0;
}
