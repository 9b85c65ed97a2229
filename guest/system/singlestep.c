/*
 * Single-step: RFLAGS.TF (SDM Vol. 3A §17.3.1.4 "Single-Step Exception
 * Condition"): with TF set at the start of an instruction, a debug exception
 * (#DB, vector 1, a trap: the saved RIP is the next instruction) follows it.
 * POPF that sets TF does not trap itself ("the processor will not generate a
 * single-step exception after the instruction that sets the TF flag"); the
 * handler runs with TF cleared (interrupt gates clear TF, §6.12.1.3) and
 * IRETQ restores it from the frame, so the stepping continues. After four
 * traps the handler clears TF in the saved RFLAGS.
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));

volatile uint64_t hits, hit_rip[8], hit_flags_inside[8];
extern const char stub_db[], stub_other[], s1[], s2[], s3[], s4[], s5[], s6[];
void t_step(void);

__asm__(
  "  .text\n"
  "  .globl stub_db\n"
  "stub_db:\n"
  "  pushq %rax\n  pushq %rbx\n"
  "  pushfq\n  popq %rbx\n"                 /* RFLAGS inside the handler */
  "  movq hits(%rip), %rax\n"
  "  cmpq $8, %rax\n  jae 1f\n"
  "  movq %rbx, hit_flags_inside(,%rax,8)\n"
  "  movq 16(%rsp), %rbx\n"
  "  movq %rbx, hit_rip(,%rax,8)\n"
  "1:\n"
  "  incq %rax\n"
  "  movq %rax, hits(%rip)\n"
  "  cmpq $4, %rax\n  jb 2f\n"
  "  andq $~0x100, 32(%rsp)\n"              /* stop stepping: clear TF in the saved RFLAGS */
  "2:\n"
  "  popq %rbx\n  popq %rax\n"
  "  iretq\n"
  "  .globl stub_other\nstub_other:\n  andq $-16, %rsp\n  call unexpected\n  ud2\n"
  "  .globl t_step, s1, s2, s3, s4, s5, s6\n"
  "t_step:\n"
  "  pushfq\n"
  "  orq $0x100, (%rsp)\n"
  "  popfq\n"
  "s1: nop\n"
  "s2: nop\n"
  "s3: nop\n"
  "s4: nop\n"
  "s5: nop\n"
  "s6: ret\n");

void unexpected(void);
void unexpected(void) { rt_printf("unexpected exception\n"); rt_exit(99); }

int test_main(void) {
  for (int v = 0; v < 256; v++) {
    idt[v] = idt64_gate(v == 1 ? stub_db : stub_other, 0x8E, 0);
  }
  idt64_load(idt, sizeof idt - 1);
  t_step();
  const char *labels[] = { s1, s2, s3, s4, s5, s6 };
  rt_printf("#DB traps: %lu\n", (unsigned long)hits);
  for (uint64_t i = 0; i < hits && i < 8; i++) {
    int at = -1;
    for (int k = 0; k < 6; k++) if (hit_rip[i] == (uint64_t)(uintptr_t)labels[k]) at = k + 1;
    rt_printf("  trap %lu: saved rip = s%d, TF in handler %lu\n", (unsigned long)i + 1, at, (unsigned long)((hit_flags_inside[i] >> 8) & 1));
  }
  uint64_t f;
  __asm__ volatile("pushfq; popq %0" : "=r"(f));
  rt_printf("TF after: %lu\nsinglestep done\n", (unsigned long)((f >> 8) & 1));
  return 0;
}
