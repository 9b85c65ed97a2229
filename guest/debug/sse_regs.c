/*
 * A guest for the debugger's SSE views: loads known values into XMM1, YMM2
 * and MXCSR, then reaches the global label `sse_here`, where a test stops
 * and reads them with `info sse` and `$xmm1`, `$ymm2.q3`, `$mxcsr`.
 */
#include "rt.h"

static const uint32_t v1[4] __attribute__((aligned(16))) = { 0x3f800000, 0x40000000, 0xc0400000, 0x7fc00000 };
static const uint64_t v2[4] __attribute__((aligned(32))) = { 1, 2, 3, 0x1122334455667788ull };
static const uint32_t mx = 0x9fc0;

__attribute__((target("avx"))) int test_main(void) {
  __asm__ volatile("movaps %0, %%xmm1\n\tvmovdqa %1, %%ymm2\n\tldmxcsr %2\n\t.globl sse_here\nsse_here:\n\tnop"
                   : : "m"(v1), "m"(v2), "m"(mx) : "xmm1", "xmm2");
  rt_printf("sse_regs done\n");
  return 0;
}
