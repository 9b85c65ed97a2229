/*
 * Memory types through variable-range MTRRs (SDM Vol. 3A §11.11): a 4 KiB
 * buffer is made uncacheable (type UC) with IA32_MTRR_PHYSBASE0/PHYSMASK0,
 * and the same loop of loads is timed with RDTSC on it and on a write-back
 * buffer, and on a physical address nothing backs (0xD0000000, in the
 * 3-4 GiB hole: reads return all ones, as a PCI master abort). Prints the
 * MTRR capability, the register read-back, and the three timings on
 * "cycles:" lines (the test computes the expected differences from the
 * profile).
 */
#include "rt.h"

#define N 256
static volatile uint64_t wb_buf[512] __attribute__((aligned(4096)));
static volatile uint64_t uc_buf[512] __attribute__((aligned(4096)));

static inline uint64_t rdmsr(uint32_t m) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m)); return ((uint64_t)hi << 32) | lo; }
static inline void wrmsr(uint32_t m, uint64_t v) { __asm__ volatile("wrmsr" :: "c"(m), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))); }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }

static uint64_t timed_loads(volatile uint64_t *b) {
  uint64_t sum = 0;
  for (int i = 0; i < N; i++) sum += b[i & 7]; /* warm: same lines */
  uint64_t t0 = rdtsc();
  for (int i = 0; i < N; i++) sum += b[i & 7];
  uint64_t t1 = rdtsc();
  return (t1 - t0) + (sum & 0);
}

int test_main(void) {
  uint64_t cap = rdmsr(0xFE), def = rdmsr(0x2FF);
  rt_printf("mtrrcap vcnt %lu fix %lu; def type 0x%lx enabled %lu\n", (unsigned long)(cap & 0xff), (unsigned long)((cap >> 8) & 1), (unsigned long)(def & 0xff), (unsigned long)((def >> 11) & 1));
  uint64_t base = (uint64_t)(uintptr_t)uc_buf;
  wrmsr(0x200, base | 0);                  /* PHYSBASE0: type UC */
  wrmsr(0x201, (~0xFFFull & ((1ull << 40) - 1)) | (1u << 11)); /* PHYSMASK0: 4 KiB, valid */
  rt_printf("physbase0 type %lu, physmask0 valid %lu\n", (unsigned long)(rdmsr(0x200) & 0xff), (unsigned long)((rdmsr(0x201) >> 11) & 1));
  uint64_t wb = timed_loads(wb_buf), uc = timed_loads(uc_buf);
  rt_printf("uc loop slower than wb loop: %s\n", uc > wb ? "yes" : "no");
  uint64_t unbacked = timed_loads((volatile uint64_t *)0xD0000000ul);
  rt_printf("cycles: wb %lu\ncycles: uc %lu\ncycles: unbacked %lu\n", (unsigned long)wb, (unsigned long)uc, (unsigned long)unbacked);
  return 0;
}
