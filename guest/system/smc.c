/*
 * Self-modifying code. SDM Vol. 3A §8.1.3 "Handling Self- and Cross-Modifying
 * Code" and §11.6 "Self-Modifying Code": a write to a code location that the
 * processor has already fetched or decoded is detected (by physical address)
 * and the modified instruction is what executes. Option 1 of §8.1.3 (store
 * the new code, then jump to it) is portable to every processor; since the
 * Pentium 4 even the instruction right after the store sees the new bytes.
 *
 *  1. a function built in a data buffer (mov $imm32, %eax; ret), called,
 *     patched, called again (§8.1.3 option 1);
 *  2. a store that patches the immediate of the very next instruction in
 *     the same straight-line sequence;
 *  3. a loop that patches its own body half-way through: 5 iterations add
 *     1, then 5 add 100 = 505;
 *  4. a store through a second linear mapping of the code's page (a
 *     4 KiB alias at 4 GiB, own page tables): detection is by physical
 *     address (§11.6), so the identity-mapped copy sees the change.
 * The identity map of the guest ABI is writable and executable everywhere.
 */
#include "rt.h"

static uint8_t buf[64] __attribute__((aligned(4096)));
/* page-aligned and alone in its page, for the alias test */
static uint8_t alias_code[4096] __attribute__((aligned(4096)));

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));

uint32_t t_patch_next(void);
uint32_t t_patch_loop(void);

__asm__(
  "  .text\n"
  /* the store rewrites the imm32 of the mov right after it (opcode B8, imm at +1) */
  "  .globl t_patch_next\n"
  "t_patch_next:\n"
  "  movl $0x11111111, 1f+1(%rip)\n" /* restore the original first */
  "  jmp 2f\n"                       /* ...and leave the sequence, so the patch below is the one under test */
  "2:\n"
  "  movl $0x44444444, 1f+1(%rip)\n"
  "1:\n"
  "  movl $0x11111111, %eax\n"
  "  ret\n"
  /* ten iterations; at ecx == 5 the loop rewrites the imm8 of its own add (83 C0 ib) */
  "  .globl t_patch_loop\n"
  "t_patch_loop:\n"
  "  movb $1, 4f+2(%rip)\n"
  "  xorl %eax, %eax\n"
  "  movl $10, %ecx\n"
  "2:\n"
  "  cmpl $5, %ecx\n"
  "  jne 4f\n"
  "  movb $100, 4f+2(%rip)\n"
  "4:\n"
  "  addl $1, %eax\n"
  "  decl %ecx\n"
  "  jnz 2b\n"
  "  ret\n");

typedef uint32_t (*fn_t)(void);

static void emit_mov_ret(uint8_t *p, uint32_t imm) {
  p[0] = 0xb8; /* mov $imm32, %eax */
  p[1] = (uint8_t)imm; p[2] = (uint8_t)(imm >> 8); p[3] = (uint8_t)(imm >> 16); p[4] = (uint8_t)(imm >> 24);
  p[5] = 0xc3; /* ret */
}

static void patch_imm(volatile uint8_t *p, uint32_t imm) {
  p[1] = (uint8_t)imm; p[2] = (uint8_t)(imm >> 8); p[3] = (uint8_t)(imm >> 16); p[4] = (uint8_t)(imm >> 24);
}

static uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

int test_main(void) {
  /* 1 */
  emit_mov_ret(buf, 0x12345678);
  fn_t f = (fn_t)(uintptr_t)buf;
  __asm__ volatile("" ::: "memory");
  rt_printf("generated function: 0x%x\n", f());
  for (uint32_t k = 1; k <= 3; k++) {
    patch_imm(buf, 0xabcd0000u + k);
    __asm__ volatile("" ::: "memory");
    rt_printf("patched immediate %u: 0x%x\n", k, f());
  }
  /* the same bytes, now a different instruction: mov $imm32, %eax becomes xor %eax,%eax; ret */
  buf[0] = 0x31; buf[1] = 0xc0; buf[2] = 0xc3;
  __asm__ volatile("" ::: "memory");
  rt_printf("rewritten to xor+ret: 0x%x\n", f());

  /* 2, twice: the second run executes the already-patched bytes again */
  rt_printf("patch next instruction: 0x%x\n", t_patch_next());
  rt_printf("patch next instruction again: 0x%x\n", t_patch_next());

  /* 3 */
  rt_printf("loop patching itself: %u\n", t_patch_loop());
  rt_printf("loop patching itself again: %u\n", t_patch_loop());

  /* 4: alias_code's page mapped a second time at 4 GiB */
  uint64_t *boot_l4 = (uint64_t *)(uintptr_t)(read_cr3() & 0x000ffffffffff000ull);
  uint64_t *boot_l3 = (uint64_t *)(uintptr_t)(boot_l4[0] & 0x000ffffffffff000ull);
  for (int i = 0; i < 4; i++) pdpt[i] = boot_l3[i];
  pml4[0] = (uint64_t)(uintptr_t)pdpt | 3;
  pdpt[4] = (uint64_t)(uintptr_t)pd | 3;
  pd[0] = (uint64_t)(uintptr_t)pt | 3;
  pt[0] = (uint64_t)(uintptr_t)alias_code | 3;
  uint64_t boot_cr3 = read_cr3();
  write_cr3((uint64_t)(uintptr_t)pml4);
  emit_mov_ret(alias_code, 0x0a0a0a0a);
  fn_t g = (fn_t)(uintptr_t)alias_code;
  volatile uint8_t *alias = (volatile uint8_t *)(uintptr_t)0x100000000ull;
  rt_printf("alias page, before: 0x%x\n", g());
  patch_imm(alias, 0x0b0b0b0b);
  rt_printf("alias page, stored through the 4 GiB alias: 0x%x\n", g());
  fn_t h = (fn_t)(uintptr_t)0x100000000ull;
  patch_imm(alias_code, 0x0c0c0c0c);
  rt_printf("alias page, stored through identity, run through the alias: 0x%x\n", h());
  write_cr3(boot_cr3);
  rt_printf("smc done\n");
  return 0;
}
