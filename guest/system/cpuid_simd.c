/*
 * The CPUID fields that follow a core's state (SDM Vol. 2A "CPUID"):
 * CPUID.1:ECX.OSXSAVE[27] is CR4.OSXSAVE, and CPUID.(0DH,0):EBX is the
 * XSAVE area size for the components XCR0 enables.
 */
#include "rt.h"

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

int test_main(void) {
  uint32_t r[4], lo, hi;
  cpuid(1, 0, r);
  unsigned osx = (r[2] >> 27) & 1;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  cpuid(0xd, 0, r);
  rt_printf("osxsave %u xcr0 %u size %u\n", osx, lo, r[1]);
  __asm__ volatile("xsetbv" : : "a"(3), "d"(0), "c"(0));
  cpuid(0xd, 0, r);
  rt_printf("after xcr0=3: size %u\n", r[1]);
  uint64_t cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~(1ull << 18)));
  cpuid(1, 0, r);
  rt_printf("after cr4.osxsave=0: osxsave %u\n", (r[2] >> 27) & 1);
  return 0;
}
