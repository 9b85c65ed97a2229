/*
 * Per-core state and a shared clock, on several cores.
 *
 *  - IA32_TSC_AUX is per logical processor (SDM Vol. 3B §18.17.2: "the
 *    IA32_TSC_AUX MSR ... is initialized by privileged software to a
 *    signature value, for example, a logical processor ID"): each core
 *    writes 0x100 + its index and reads its own value back with RDTSCP.
 *  - The TSC is one clock for all cores (invariant TSC, CPUID.80000007H:
 *    EDX[8]; Vol. 3B §18.17.1), so it respects causality: a token carrying
 *    the TSC value read just before it was passed on is always received
 *    by a core whose RDTSC, read after receiving it, is larger. The token
 *    goes round the cores 0 -> 1 -> ... -> n-1 -> 0 a number of times.
 * The output does not depend on the core count beyond the list of TSC_AUX
 * values.
 */
#include "rt.h"

#define ROUNDS 100

static volatile uint64_t aux_seen[32];
static volatile uint64_t token_owner, token_tsc, late, arrived;

static uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }

int test_main_smp(long core, long ncores) {
  uint32_t lo, hi, aux;
  __asm__ volatile("wrmsr" : : "c"(0xc0000103u), "a"((uint32_t)(0x100 + core)), "d"(0u));
  __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
  aux_seen[core] = aux;

  for (int r = 0; r < ROUNDS; r++) {
    while (__atomic_load_n(&token_owner, __ATOMIC_ACQUIRE) != (uint64_t)(r * ncores + core)) __builtin_ia32_pause();
    uint64_t now = rdtsc();
    if (!(r == 0 && core == 0) && now <= token_tsc) late++;
    token_tsc = rdtsc();
    __atomic_store_n(&token_owner, (uint64_t)(r * ncores + core + 1), __ATOMIC_RELEASE);
  }
  __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
  if (core != 0) return 0;
  while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != (uint64_t)ncores) __builtin_ia32_pause();
  rt_printf("TSC_AUX by core:");
  for (long i = 0; i < ncores; i++) rt_printf(" 0x%lx", (unsigned long)aux_seen[i]);
  rt_printf("\ntoken passes %lu, received with an earlier TSC: %lu\n", (unsigned long)(ROUNDS * ncores), (unsigned long)late);
  return 0;
}
