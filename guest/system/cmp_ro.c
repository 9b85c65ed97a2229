/*
 * CMP and TEST only read their memory operand (SDM Vol. 2: CMP "Compare Two
 * Operands", TEST: the destination is not written), so on a read-only page
 * with CR0.WP = 1 they must not fault; an ADD to the same operand must raise
 * #PF with error code P|W (SDM Vol. 3A §4.7). The 2 MiB page holding `ro` is
 * made read-only in the boot page tables (PD at CR3→PML4[0]→PDPT[0]).
 */
#include "rt.h"

static volatile uint64_t ro[8] __attribute__((aligned(0x200000))) = { 5 };

static inline uint64_t rd_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t rd_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }

int test_main(void) {
  rt_trap_exceptions();
  uint64_t *pml4 = (uint64_t *)(rd_cr3() & ~0xFFFull);
  uint64_t *pdpt = (uint64_t *)(pml4[0] & 0x000FFFFFFFFFF000ull);
  uintptr_t a = (uintptr_t)ro;
  uint64_t *pd = (uint64_t *)(pdpt[(a >> 30) & 511] & 0x000FFFFFFFFFF000ull);
  pd[(a >> 21) & 511] &= ~2ull; /* clear R/W */
  __asm__ volatile("invlpg (%0)" :: "r"(a) : "memory");
  uint64_t cr0 = rd_cr0() | (1u << 16); /* WP */
  __asm__ volatile("mov %0, %%cr0" :: "r"(cr0));
  int eq, nz;
  __asm__ volatile("cmpq $5, (%2); sete %b0; testq $4, (%2); setne %b1" : "=q"(eq), "=q"(nz) : "r"(a) : "cc", "memory");
  rt_printf("cmp with a read-only operand: equal %d; test: nonzero %d\n", eq & 1, nz & 1);
  __asm__ volatile("addq $1, (%0)" :: "r"(a) : "cc", "memory");
  rt_printf("not reached\n");
  return 1;
}
