/*
 * CPUID identity, the time-stamp counter and IA32_TSC_AUX.
 *
 *  - CPUID leaf 0: highest basic leaf in EAX, vendor string in EBX, EDX, ECX
 *    (SDM Vol. 2A CPUID, "Basic CPUID Information"); leaf 1 EAX: stepping
 *    3:0, model 7:4, family 11:8, extended model 19:16, extended family
 *    27:20, DisplayFamily/DisplayModel as in Figure 3-6 (extended model
 *    counts only for family 6 or 15); the brand string, leaves
 *    80000002h-80000004h. The feature bits this program relies on: TSC
 *    (CPUID.1:EDX[4]), MSR (EDX[5]), RDTSCP (CPUID.80000001h:EDX[27]).
 *  - RDTSC: the counter increases monotonically (SDM Vol. 3B §18.17), so two
 *    reads separated by an instruction that takes time differ.
 *  - RDTSCP returns IA32_TSC_AUX (MSR C000_0103h) in ECX, which WRMSR sets
 *    (SDM RDTSCP; Vol. 3B §18.17.2); RDMSR reads the same value back.
 *  - Lines starting with "cycles:" carry raw TSC deltas of a loop of N, 2N,
 *    3N iterations; they are compared by the test with a closed form, not
 *    as text (QEMU's TSC follows the host clock).
 */
#include "rt.h"

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}
static uint64_t rdtscp(uint32_t *aux) {
  uint32_t lo, hi;
  __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
  return (uint64_t)hi << 32 | lo;
}
static void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}

/* rdtsc; N x (add $1,%rax; dec %rcx; jnz); rdtsc: the TSC delta of the whole. */
static uint64_t timed_loop(uint64_t n) {
  uint64_t t0, t1;
  uint32_t lo0, hi0, lo1, hi1;
  uint64_t acc = 0;
  __asm__ volatile(
    "rdtsc\n"
    "  movl %%eax, %[lo0]\n"
    "  movl %%edx, %[hi0]\n"
    "1:\n"
    "  addq $1, %[acc]\n"
    "  decq %[n]\n"
    "  jnz 1b\n"
    "  rdtsc\n"
    : "=&a"(lo1), "=&d"(hi1), [lo0] "=&r"(lo0), [hi0] "=&r"(hi0), [acc] "+r"(acc), [n] "+c"(n));
  t0 = (uint64_t)hi0 << 32 | lo0;
  t1 = (uint64_t)hi1 << 32 | lo1;
  return t1 - t0;
}

int test_main(void) {
  uint32_t r[4];
  cpuid(0, 0, r);
  char vendor[13];
  uint32_t order[3] = { r[1], r[3], r[2] };
  for (int i = 0; i < 12; i++) vendor[i] = (char)(order[i / 4] >> (8 * (i % 4)));
  vendor[12] = 0;
  rt_printf("cpuid 0: max leaf 0x%x, vendor %s\n", r[0], vendor);

  cpuid(1, 0, r);
  uint32_t stepping = r[0] & 0xf, model = (r[0] >> 4) & 0xf, family = (r[0] >> 8) & 0xf;
  uint32_t ext_model = (r[0] >> 16) & 0xf, ext_family = (r[0] >> 20) & 0xff;
  uint32_t dfamily = family == 0xf ? family + ext_family : family;
  uint32_t dmodel = (family == 6 || family == 0xf) ? (ext_model << 4) + model : model;
  rt_printf("cpuid 1: eax 0x%08x: family 0x%x model 0x%x stepping %u; tsc %u msr %u\n", r[0], dfamily, dmodel, stepping,
            (r[3] >> 4) & 1, (r[3] >> 5) & 1);

  cpuid(0x80000000, 0, r);
  uint32_t max_ext = r[0];
  cpuid(0x80000001, 0, r);
  rt_printf("cpuid 0x80000000: max extended leaf 0x%x; 0x80000001: rdtscp %u lm %u\n", max_ext, (r[3] >> 27) & 1,
            (r[3] >> 29) & 1);
  char brand[49];
  for (uint32_t l = 0; l < 3; l++) {
    cpuid(0x80000002 + l, 0, r);
    for (int i = 0; i < 16; i++) brand[l * 16 + i] = (char)(r[i / 4] >> (8 * (i % 4)));
  }
  brand[48] = 0;
  rt_printf("brand: \"%s\"\n", brand);

  /* monotonic TSC */
  uint64_t prev = rdtsc(), not_increasing = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t t = rdtsc();
    if (t <= prev) not_increasing++;
    prev = t;
  }
  rt_printf("rdtsc strictly increasing over 1000 consecutive reads: %s\n", not_increasing ? "no" : "yes");

  /* TSC_AUX */
  uint32_t aux;
  rt_printf("IA32_TSC_AUX at start: 0x%lx\n", (unsigned long)rdmsr(0xc0000103));
  wrmsr(0xc0000103, 0x12345678);
  uint64_t a = rdtsc();
  uint64_t b = rdtscp(&aux);
  uint64_t c = rdtsc();
  rt_printf("rdtscp after wrmsr(TSC_AUX, 0x12345678): ecx 0x%x, rdmsr 0x%lx, tsc between neighbouring rdtsc: %s\n", aux,
            (unsigned long)rdmsr(0xc0000103), a < b && b < c ? "yes" : "no");
  wrmsr(0xc0000103, 7);
  rdtscp(&aux);
  rt_printf("rdtscp after wrmsr(TSC_AUX, 7): ecx 0x%x\n", aux);

  /* timing: warm the code first, then N, 2N, 4N */
  timed_loop(1000);
  uint64_t d1 = timed_loop(1000), d2 = timed_loop(2000), d3 = timed_loop(3000);
  rt_printf("cycles: loop 1000 %lu 2000 %lu 3000 %lu\n", (unsigned long)d1, (unsigned long)d2, (unsigned long)d3);
  rt_printf("cpuinfo done\n");
  return 0;
}
