/*
 * Process-context identifiers (SDM Vol. 3A §4.10.1, §4.10.4.1; Vol. 2B MOV
 * to CR3 and CR4):
 *   MOV CR3 with bit 63 set while CR4.PCIDE = 0             -> #GP(0) (a reserved bit)
 *   MOV CR4 setting PCIDE while CR3[11:0] is not 000H      -> #GP(0)
 *   MOV CR4 setting PCIDE with CR3[11:0] = 000H            -> allowed
 *   MOV CR3 with PCIDE and bit 63 set                      -> allowed; bit 63 is not stored
 * and the TLB effect, timed with RDTSC: 8 loads from 8 different 2 MiB
 * pages under PCID 1, then a switch to PCID 2 and back to PCID 1,
 *   - both without flushing (bit 63 set): the loads hit the TLB again;
 *   - back to PCID 1 flushing (bit 63 clear): each load walks the tables.
 * The program prints the three timings; the test checks the difference is
 * exactly 8 page walks (both PCIDs' entries fit the 2 MiB DTLB).
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));
volatile uint64_t rec_vector, rec_err, rec_rip, rec_saved_rax, recover_rip;
extern const char stub13[], stub_other[];
extern const char t_cr4_insn[], t_cr3_insn[];
void t_cr4(uint64_t), t_cr3(uint64_t);
uint64_t touch8(uint64_t base);

#define SNIPPET(name, insn) \
  "  .globl t_" name ", t_" name "_insn\nt_" name ":\n  leaq 1f(%rip), %rax\n  movq %rax, recover_rip(%rip)\n" \
  "t_" name "_insn:\n  " insn "\n1:\n  ret\n"

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
  SNIPPET("cr4", "movq %rdi, %cr4")
  SNIPPET("cr3", "movq %rdi, %cr3")
  /* 8 loads in 8 different 2 MiB pages (and cache sets), timed: registers only, so nothing else touches the TLB */
  "  .globl touch8\ntouch8:\n"
  "  rdtsc\n  shlq $32, %rdx\n  orq %rax, %rdx\n  movq %rdx, %r8\n"
  "  movq $8, %rcx\n"
  "2:\n  movq (%rdi), %rax\n  addq $0x200040, %rdi\n  decq %rcx\n  jnz 2b\n"
  "  rdtsc\n  shlq $32, %rdx\n  orq %rdx, %rax\n  subq %r8, %rax\n  ret\n");

void unexpected(void);
void unexpected(void) { rt_printf("unexpected exception\n"); rt_exit(99); }

static uint64_t rd_cr3(void) { uint64_t v; __asm__ volatile("movq %%cr3, %0" : "=r"(v)); return v; }
static uint64_t rd_cr4(void) { uint64_t v; __asm__ volatile("movq %%cr4, %0" : "=r"(v)); return v; }
static void wr_cr3(uint64_t v) { __asm__ volatile("movq %0, %%cr3" : : "r"(v) : "memory"); }

static void report(const char *what, int ok) {
  rt_printf("%s: %s, %s\n", what, rec_vector == ~0ull ? "no exception" : rec_vector == 13 && rec_err == 0 ? "#GP(0)" : "another exception", ok ? "as required" : "WRONG");
}

#define NOFLUSH (1ull << 63)
#define PCIDE (1ull << 17)

int test_main(void) {
  for (int v = 0; v < 256; v++) idt[v] = idt64_gate(v == 13 ? stub13 : stub_other, 0x8E, 0);
  idt64_load(idt, sizeof idt - 1);
  uint64_t cr3 = rd_cr3(), cr4 = rd_cr4();

  rec_vector = ~0ull;
  t_cr3(cr3 | NOFLUSH);
  report("mov cr3 with bit 63 and PCIDE = 0", rd_cr3() == cr3);

  wr_cr3(cr3 | 5);
  rec_vector = ~0ull;
  t_cr4(cr4 | PCIDE);
  report("set CR4.PCIDE with CR3[11:0] = 005H", rd_cr4() == cr4);
  wr_cr3(cr3);

  rec_vector = ~0ull;
  t_cr4(cr4 | PCIDE);
  report("set CR4.PCIDE with CR3[11:0] = 000H", (rd_cr4() & PCIDE) != 0);

  rec_vector = ~0ull;
  t_cr3(cr3 | 1 | NOFLUSH);
  report("mov cr3 with PCID 1 and bit 63 (no flush)", rd_cr3() == (cr3 | 1));

  const uint64_t base = 0x8000000;    /* 128 MiB: pages this program does not otherwise use */
  touch8(base);                       /* fill the TLB under PCID 1 */
  uint64_t warm = touch8(base);
  wr_cr3(cr3 | 2 | NOFLUSH);
  touch8(base);                       /* PCID 2 has its own entries */
  wr_cr3(cr3 | 1 | NOFLUSH);
  uint64_t kept = touch8(base);
  wr_cr3(cr3 | 2 | NOFLUSH);
  wr_cr3(cr3 | 1);                     /* back to PCID 1, flushing it */
  uint64_t flushed = touch8(base);
  rt_printf("cycles: warm %lu kept %lu flushed %lu\n", (unsigned long)warm, (unsigned long)kept, (unsigned long)flushed);
  wr_cr3(cr3 | NOFLUSH);
  t_cr4(cr4);
  rt_printf("pcid done\n");
  return 0;
}
