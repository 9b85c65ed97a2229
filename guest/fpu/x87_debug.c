/*
 * A known x87 state for the debugger test (test/x87.test.ts): after
 * FNINIT, FLDCW 0A7FH (round up, 53-bit precision, all masked), loads of
 * -2.5, 0, 1, pi and a QNaN, and a division by zero (ZE flagged, masked),
 * fpu_here() is called with ST(0) = +inf ... ST(5) = -2.5.
 */
#include "rt.h"

void fpu_here(void);
__attribute__((noinline)) void fpu_here(void) { __asm__ volatile(""); }

static const struct { uint64_t sig; uint16_t se; } __attribute__((packed)) m25 = {0xa000000000000000ull, 0xc000};
static const struct { uint64_t sig; uint16_t se; } __attribute__((packed)) qnan = {0xc000000000000123ull, 0x7fff};
static const uint16_t cw = 0x0a7f;

int test_main(void) {
  __asm__ volatile("fninit\n fldcw %0\n fldt %1\n fldz\n fld1\n fldpi\n fldt %2\n fld1\n fldz\n fdivrp %%st, %%st(1)"
                   : : "m"(cw), "m"(m25), "m"(qnan));
  fpu_here();
  __asm__ volatile("fninit");
  return 0;
}
