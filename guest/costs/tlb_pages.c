/*
 * Data-TLB behaviour by page size (test/tlb.test.ts).
 *
 * Own page tables (SDM Vol. 3A §4.5): the boot identity map of 0-4 GiB with
 * 2 MiB pages (PML4 entry 0, copied), plus
 *   - PML4 entry 1 (linear 512 GiB): a PDPT whose entry 0 is a 1 GiB page
 *     (PS in the PDPTE, Table 4-16) mapping physical 0-1 GiB;
 *   - PML4 entry 2 (linear 1 TiB): PDPT -> PD -> one page table of 512 4 KiB
 *     pages mapping the 2 MiB-aligned static buffer `buf`.
 * The same 2 MiB of physical memory is then swept with one load per 4 KiB
 * (512 loads) through each page size: 4 KiB pages (twice: the second sweep
 * finds the translations in the second-level TLB), 2 MiB pages (the identity
 * map of `buf`), 1 GiB pages (the 1 GiB alias of `buf`); the TLB is flushed
 * (MOV to CR3) before the 2 MiB sweep, so each of those starts with a miss.
 *
 * Output: "cycles: <sweep> <ticks>" lines, for the test to difference
 * across profiles that change one TLB cost; nothing else depends on timing.
 */
#include "rt.h"

#define P 1ull
#define RW 2ull
#define PS 128ull
#define ADDR 0x000ffffffffff000ull
#define GIB 0x40000000ull
#define MIB2 0x200000ull

#define ALIAS_1G (512ull * GIB) /* PML4 entry 1 */
#define ALIAS_4K (1024ull * GIB) /* PML4 entry 2 */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt_1g[512] __attribute__((aligned(4096)));
static uint64_t pdpt_4k[512] __attribute__((aligned(4096)));
static uint64_t pd_4k[512] __attribute__((aligned(4096)));
static uint64_t pt_4k[512] __attribute__((aligned(4096)));
static uint8_t buf[2 * MIB2] __attribute__((aligned(4096)));

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}
static uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

/* One load per 4 KiB page of a 2 MiB span; returns the ticks it took. */
static uint64_t sweep(uint64_t base) {
  uint64_t sum = 0;
  uint64_t t0 = rdtsc();
  for (uint64_t off = 0; off < MIB2; off += 4096) sum += *(volatile uint64_t *)(uintptr_t)(base + off);
  uint64_t t1 = rdtsc();
  __asm__ volatile("" : : "r"(sum));
  return t1 - t0;
}

int test_main(void) {
  uint64_t *boot = (uint64_t *)(uintptr_t)(read_cr3() & ADDR);
  uint64_t phys = ((uint64_t)(uintptr_t)buf + MIB2 - 1) & ~(MIB2 - 1); /* 2 MiB-aligned inside buf */
  pml4[0] = boot[0];
  pdpt_1g[0] = 0 | P | RW | PS;
  pml4[1] = (uint64_t)(uintptr_t)pdpt_1g | P | RW;
  for (int i = 0; i < 512; i++) pt_4k[i] = (phys + (uint64_t)i * 4096) | P | RW;
  pd_4k[0] = (uint64_t)(uintptr_t)pt_4k | P | RW;
  pdpt_4k[0] = (uint64_t)(uintptr_t)pd_4k | P | RW;
  pml4[2] = (uint64_t)(uintptr_t)pdpt_4k | P | RW;
  if (phys + MIB2 > GIB) { rt_printf("buffer above 1 GiB\n"); return 1; }
  write_cr3((uint64_t)(uintptr_t)pml4); /* flushes the TLB */

  /* Touch the lines first, so every sweep finds them in the same cache state. */
  sweep(phys);
  sweep(phys);
  uint64_t c4k = sweep(ALIAS_4K);
  uint64_t c4k_again = sweep(ALIAS_4K);
  write_cr3((uint64_t)(uintptr_t)pml4); /* cold TLB: the 2 MiB and 1 GiB sweeps start with a miss */
  uint64_t c2m = sweep(phys);
  uint64_t c1g = sweep(ALIAS_1G + phys);
  rt_printf("cycles: 4k %lu\n", (unsigned long)c4k);
  rt_printf("cycles: 4k-again %lu\n", (unsigned long)c4k_again);
  rt_printf("cycles: 2m %lu\n", (unsigned long)c2m);
  rt_printf("cycles: 1g %lu\n", (unsigned long)c1g);
  rt_printf("tlb_pages done\n");
  return 0;
}
