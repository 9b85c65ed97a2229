/*
 * Writes that the SDM forbids in 64-bit mode must fault and change nothing
 * (SDM Vol. 2B "MOV—Move to/from Control Registers", 64-bit mode exceptions;
 * Vol. 3A §4.1.2 "Paging-Mode Enabling": "IA32_EFER.LME cannot be modified
 * while paging is enabled (CR0.PG = 1). Attempts to do so using WRMSR cause
 * a general-protection exception (#GP(0))"; WRMSR: reserved bits #GP(0)):
 *   MOV CR4 with a reserved bit (bit 15)                     -> #GP(0)
 *   MOV CR0 clearing PG while in IA-32e mode                 -> #GP(0)
 *   MOV CR0 with NW = 1 and CD = 0 (an invalid combination)  -> #GP(0)
 *   MOV CR3 with a bit above MAXPHYADDR (bit 62, PCIDE = 0)   -> #GP(0)
 *   MOV CR8 with a bit above 3 (bits 63:4 reserved)          -> #GP(0)
 *   WRMSR IA32_EFER with a reserved bit (bit 1)              -> #GP(0)
 *   WRMSR IA32_EFER clearing LME while paging is on          -> #GP(0)
 * and allowed ones work: CR8 = 5 reads back as 5.
 * Each line prints the vector (or "no exception") and whether the register
 * still holds its old value.
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));

volatile uint64_t rec_vector, rec_err, rec_rip, rec_saved_rax, recover_rip;
extern const char stub13[], stub_other[];
extern const char t_cr4_insn[], t_cr0_insn[], t_cr3_insn[], t_cr8_insn[], t_efer_insn[];
void t_cr4(uint64_t), t_cr0(uint64_t), t_cr3(uint64_t), t_cr8(uint64_t), t_efer(uint64_t);

#define SNIPPET(name, setup, insn) \
  "  .globl t_" name ", t_" name "_insn\nt_" name ":\n  leaq 1f(%rip), %rax\n  movq %rax, recover_rip(%rip)\n" \
  "  " setup "\nt_" name "_insn:\n  " insn "\n1:\n  ret\n"

__asm__(
  "  .text\n"
  "  .globl stub13\nstub13:\n"
  "  movq $13, rec_vector(%rip)\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n  movq %rax, rec_err(%rip)\n"
  "  movq 8(%rsp), %rax\n  movq %rax, rec_rip(%rip)\n"
  "  movq recover_rip(%rip), %rax\n  movq %rax, 8(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  addq $8, %rsp\n"
  "  iretq\n"
  "  .globl stub_other\nstub_other:\n  andq $-16, %rsp\n  call unexpected\n  ud2\n"
  SNIPPET("cr4", "", "movq %rdi, %cr4")
  SNIPPET("cr0", "", "movq %rdi, %cr0")
  SNIPPET("cr3", "", "movq %rdi, %cr3")
  SNIPPET("cr8", "", "movq %rdi, %cr8")
  SNIPPET("efer", "movl $0xc0000080, %ecx; movl %edi, %eax; movq %rdi, %rdx; shrq $32, %rdx", "wrmsr"));

void unexpected(void);
void unexpected(void) { rt_printf("unexpected exception\n"); rt_exit(99); }

static uint64_t rd_cr0(void) { uint64_t v; __asm__ volatile("movq %%cr0, %0" : "=r"(v)); return v; }
static uint64_t rd_cr3(void) { uint64_t v; __asm__ volatile("movq %%cr3, %0" : "=r"(v)); return v; }
static uint64_t rd_cr4(void) { uint64_t v; __asm__ volatile("movq %%cr4, %0" : "=r"(v)); return v; }
static uint64_t rd_cr8(void) { uint64_t v; __asm__ volatile("movq %%cr8, %0" : "=r"(v)); return v; }
static uint64_t rd_efer(void) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u)); return (uint64_t)hi << 32 | lo; }

static void report(const char *what, const char *insn, int unchanged) {
  rt_printf("%s: ", what);
  if (rec_vector == ~0ull) rt_printf("no exception");
  else rt_printf("vector %lu, error code 0x%lx, rip = %s", (unsigned long)rec_vector, (unsigned long)rec_err,
                 rec_rip == (uint64_t)(uintptr_t)insn ? "the instruction" : "elsewhere");
  rt_printf(", register unchanged: %s\n", unchanged ? "yes" : "no");
}

/* -DCASE=n: only check n (a machine that hangs or stops on one still shows the others) */
#ifndef CASE
#define CASE 0
#endif
#define WANT(n) (CASE == 0 || CASE == (n))

int test_main(void) {
  for (int v = 0; v < 256; v++) {
    idt[v] = idt64_gate(v == 13 ? stub13 : stub_other, 0x8E, 0);
  }
  idt64_load(idt, sizeof idt - 1);

  uint64_t cr0 = rd_cr0(), cr3 = rd_cr3(), cr4 = rd_cr4(), efer = rd_efer();
  if (WANT(1)) {
    rec_vector = ~0ull; t_cr4(cr4 | (1ull << 15));
    report("mov cr4 with reserved bit 15", t_cr4_insn, rd_cr4() == cr4);
  }
  if (WANT(2)) {
    rec_vector = ~0ull; t_cr0(cr0 & ~(1ull << 31));
    report("mov cr0 clearing PG in 64-bit mode", t_cr0_insn, rd_cr0() == cr0);
  }
  if (WANT(3)) {
    rec_vector = ~0ull; t_cr3(cr3 | (1ull << 62));
    report("mov cr3 with bit 62", t_cr3_insn, rd_cr3() == cr3);
    __asm__ volatile("movq %0, %%cr3" : : "r"(cr3) : "memory"); /* whatever happened, back to the boot tables */
  }
  if (WANT(4)) {
    rec_vector = ~0ull; t_cr8(0x15);
    report("mov cr8 = 0x15", t_cr8_insn, rd_cr8() == 0);
    rec_vector = ~0ull; t_cr8(5);
    rt_printf("mov cr8 = 5: %s, reads back %lu\n", rec_vector == ~0ull ? "no exception" : "exception", (unsigned long)rd_cr8());
    __asm__ volatile("movq %0, %%cr8" : : "r"(0ull));
  }
  if (WANT(5)) {
    rec_vector = ~0ull; t_efer(efer | 2);
    report("wrmsr efer with reserved bit 1", t_efer_insn, rd_efer() == efer);
  }
  if (WANT(6)) {
    rec_vector = ~0ull; t_efer(efer & ~(1ull << 8));
    report("wrmsr efer clearing LME with paging on", t_efer_insn, rd_efer() == efer);
  }
  if (WANT(7)) {
    rec_vector = ~0ull; t_cr0((cr0 | (1ull << 29)) & ~(1ull << 30));
    report("mov cr0 with NW=1, CD=0", t_cr0_insn, rd_cr0() == cr0);
    __asm__ volatile("movq %0, %%cr0" : : "r"(cr0) : "memory");
  }
  rt_printf("ctlregs done\n");
  return 0;
}
