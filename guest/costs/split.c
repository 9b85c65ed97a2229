/*
 * Accesses that straddle a cache line or a page (test/split.test.ts).
 *
 * The same two loops run over an aligned address, an address whose 8 bytes
 * straddle two 64-byte lines of one page, and one whose 8 bytes straddle two
 * 4 KiB pages:
 *
 *   store_loop:  movq %rax, (%rdi); decq %rcx; jnz store_loop
 *   load_loop:   movq (%rdi), %rax; decq %rcx; jnz load_loop
 *
 * The lines are touched first, so every access hits the L1 and only the
 * number of lines (and pages) an access touches differs between the runs.
 * Output: "cycles: <loop> <ticks>" for N iterations each.
 */
#include "rt.h"

#define N 1000

static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));

uint64_t store_loop(void *p, uint64_t n);
uint64_t load_loop(void *p, uint64_t n);

/* Both return the ticks their loop took (RDTSC before and after). */
__asm__(
  "  .text\n"
  "store_loop:\n"
  "  movq %rsi, %rcx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r8\n"
  "1:\n"
  "  movq %rax, (%rdi)\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r8, %rax\n"
  "  ret\n"
  "load_loop:\n"
  "  movq %rsi, %rcx\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rax, %rdx\n"
  "  movq %rdx, %r8\n"
  "1:\n"
  "  movq (%rdi), %rax\n"
  "  decq %rcx\n"
  "  jnz 1b\n"
  "  rdtsc\n"
  "  shlq $32, %rdx\n"
  "  orq %rdx, %rax\n"
  "  subq %r8, %rax\n"
  "  ret\n");

int test_main(void) {
  uint8_t *aligned = buf + 4096 + 128;
  uint8_t *line_split = buf + 4096 + 64 - 4;
  uint8_t *page_split = buf + 2 * 4096 - 4;
  for (int i = 0; i < 2; i++) { /* warm the lines (and the TLB) */
    store_loop(aligned, 2); store_loop(line_split, 2); store_loop(page_split, 2);
    load_loop(aligned, 2); load_loop(line_split, 2); load_loop(page_split, 2);
  }
  rt_printf("cycles: store-aligned %lu\n", (unsigned long)store_loop(aligned, N));
  rt_printf("cycles: store-line-split %lu\n", (unsigned long)store_loop(line_split, N));
  rt_printf("cycles: store-page-split %lu\n", (unsigned long)store_loop(page_split, N));
  rt_printf("cycles: load-aligned %lu\n", (unsigned long)load_loop(aligned, N));
  rt_printf("cycles: load-line-split %lu\n", (unsigned long)load_loop(line_split, N));
  rt_printf("cycles: load-page-split %lu\n", (unsigned long)load_loop(page_split, N));
  /* The bytes of a page-split store land on both pages, in order. */
  *(volatile uint64_t *)page_split = 0x1122334455667788ull;
  int ok = 1;
  for (int i = 0; i < 8; i++) ok &= page_split[i] == (uint8_t)(0x88 - 0x11 * i);
  rt_printf("page-split store bytes: %s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
