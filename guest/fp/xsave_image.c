/*
 * xsave_image.c — FXSAVE/XSAVE/XSAVEOPT/XSAVEC images and FXRSTOR/XRSTOR
 * round trips, natively and on the machine, for the same register state:
 * XMM/YMM registers and MXCSR are loaded in the same asm block that saves
 * them. Areas are prefilled with a pattern so untouched bytes show; every
 * byte is printed (16 per line). The one field that differs by design is
 * MXCSR_MASK (a line of its own): 0000FFFFH on Haswell (SDM Vol. 1 §11.6.6),
 * other values on other CPUs.
 */
#include "rt.h"

static uint8_t area[1088] __attribute__((aligned(64)));
static uint8_t back[1088] __attribute__((aligned(64)));
static const uint32_t mx_set = 0x1fa1, mx_one = 0x3f80;

static void fill(uint8_t *a, uint8_t v, int hdr_zero) {
  for (unsigned i = 0; i < sizeof area; i++) a[i] = v;
  if (hdr_zero) for (unsigned i = 512; i < 576; i++) a[i] = 0;
}
static void dump(const char *what, const uint8_t *a, unsigned n) {
  rt_printf("%s\n", what);
  for (unsigned o = 0; o < n; o += 16) {
    if (o == 16) { /* bytes 24–31: MXCSR, then MXCSR_MASK on a line of its own */
      rt_printf("  %03x:", o);
      for (unsigned k = 0; k < 12; k++) rt_printf(" %02x", a[o + k]);
      rt_printf(" (mask)\n  mxcsr_mask %02x%02x%02x%02x\n", a[31], a[30], a[29], a[28]);
      continue;
    }
    rt_printf("  %03x:", o);
    for (unsigned k = 0; k < 16; k++) rt_printf(" %02x", a[o + k]);
    rt_printf("\n");
  }
}

/* ymm0..15 = distinct byte patterns (ymm n byte k = n * 32 + k + 1) */
static uint8_t pat[16 * 32] __attribute__((aligned(32)));
#define LOAD_YMM                                                               \
  "vmovdqu 0(%[p]), %%ymm0\n\tvmovdqu 32(%[p]), %%ymm1\n\tvmovdqu 64(%[p]), %%ymm2\n\tvmovdqu 96(%[p]), %%ymm3\n\t" \
  "vmovdqu 128(%[p]), %%ymm4\n\tvmovdqu 160(%[p]), %%ymm5\n\tvmovdqu 192(%[p]), %%ymm6\n\tvmovdqu 224(%[p]), %%ymm7\n\t" \
  "vmovdqu 256(%[p]), %%ymm8\n\tvmovdqu 288(%[p]), %%ymm9\n\tvmovdqu 320(%[p]), %%ymm10\n\tvmovdqu 352(%[p]), %%ymm11\n\t" \
  "vmovdqu 384(%[p]), %%ymm12\n\tvmovdqu 416(%[p]), %%ymm13\n\tvmovdqu 448(%[p]), %%ymm14\n\tvmovdqu 480(%[p]), %%ymm15\n\t"
#define CLOBBER_YMM "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define STORE_YMM                                                              \
  "vmovdqu %%ymm0, 0(%[o])\n\tvmovdqu %%ymm1, 32(%[o])\n\tvmovdqu %%ymm7, 64(%[o])\n\tvmovdqu %%ymm15, 96(%[o])\n\t"

__attribute__((target("avx2"))) static void save(const char *what, int kind, uint32_t rfbm, int zero_first) {
  fill(area, 0xa5, kind != 0);
  uint32_t zero = zero_first;
  __asm__ volatile(
    LOAD_YMM
    "ldmxcsr %[mx]\n\t"
    "test %[z], %[z]\n\tjz 1f\n\tvzeroall\n\tpcmpeqb %%xmm3, %%xmm3\n1:\n\t"
    "cmp $0, %[k]\n\tjne 2f\n\tfxsave64 (%[a])\n\tjmp 9f\n"
    "2:\n\tcmp $1, %[k]\n\tjne 3f\n\txsave64 (%[a])\n\tjmp 9f\n"
    "3:\n\tcmp $2, %[k]\n\tjne 4f\n\txsaveopt64 (%[a])\n\tjmp 9f\n"
    "4:\n\txsavec64 (%[a])\n"
    "9:\n\tldmxcsr %[mx1]\n\tvzeroupper"
    :
    : [p] "r"(pat), [a] "r"(area), [mx] "m"(mx_set), [mx1] "m"((uint32_t){ 0x1f80 }), [k] "r"(kind), [z] "r"(zero),
      "a"(rfbm), "d"(0)
    : CLOBBER_YMM, "memory", "cc");
  dump(what, area, kind == 0 ? 512 : 832);
}

/* Restore from `area` (as saved), with XSTATE_BV / RFBM as given, then read ymm0, 1, 7, 15 and MXCSR back. */
__attribute__((target("avx2"))) static void restore(const char *what, int fx, uint32_t rfbm) {
  uint32_t mo = 0;
  for (unsigned i = 0; i < 128; i++) back[i] = 0x5a;
  __asm__ volatile(
    "vpcmpeqb %%ymm0, %%ymm0, %%ymm0\n\tvpcmpeqb %%ymm1, %%ymm1, %%ymm1\n\tvpcmpeqb %%ymm7, %%ymm7, %%ymm7\n\tvpcmpeqb %%ymm15, %%ymm15, %%ymm15\n\t"
    "ldmxcsr %[m1]\n\t"
    "test %[fx], %[fx]\n\tjz 1f\n\tfxrstor64 (%[a])\n\tjmp 2f\n1:\n\txrstor64 (%[a])\n2:\n\t"
    STORE_YMM
    "stmxcsr %[mo]\n\tldmxcsr %[m0]\n\tvzeroupper"
    : [mo] "=m"(mo)
    : [a] "r"(area), [o] "r"(back), [m1] "m"(mx_one), [m0] "m"((uint32_t){ 0x1f80 }), [fx] "r"(fx), "a"(rfbm), "d"(0)
    : CLOBBER_YMM, "memory", "cc");
  rt_printf("%s: mxcsr %04x\n", what, mo);
  for (unsigned o = 0; o < 128; o += 32) {
    rt_printf("  ");
    for (unsigned k = 0; k < 32; k++) rt_printf("%02x", back[o + 31 - k]);
    rt_printf("\n");
  }
}

int test_main(void) {
  for (unsigned i = 0; i < sizeof pat; i++) pat[i] = (uint8_t)(i + 1);
  save("fxsave64", 0, 7, 0);
  save("xsave64 rfbm=7", 1, 7, 0);
  save("xsave64 rfbm=2", 1, 2, 0);
  save("xsave64 rfbm=5", 1, 5, 0);
  save("xsaveopt64 rfbm=7", 2, 7, 0);
  save("xsaveopt64 rfbm=7 after vzeroall", 2, 7, 1);
  save("xsavec64 rfbm=7", 3, 7, 0);
  save("xsavec64 rfbm=6 after vzeroall", 3, 6, 1);
  /* round trips */
  save("xsave64 rfbm=7 (for restore)", 1, 7, 0);
  restore("xrstor64 rfbm=7", 0, 7);
  restore("xrstor64 rfbm=2", 0, 2);
  restore("xrstor64 rfbm=4", 0, 4);
  area[512] = 0x05; /* XSTATE_BV: SSE not saved -> XMM initialized, MXCSR still loaded (standard form) */
  restore("xrstor64 rfbm=7 xstate_bv=5", 0, 7);
  save("xsavec64 rfbm=7 (for restore)", 3, 7, 0);
  restore("xrstor64 compacted rfbm=7", 0, 7);
  area[512] = 0x04; /* compacted, SSE initialized: XMM = 0 and MXCSR = 1F80H */
  restore("xrstor64 compacted xstate_bv=4", 0, 7);
  save("fxsave64 (for restore)", 0, 7, 0);
  restore("fxrstor64", 1, 7);
  rt_printf("xsave_image done\n");
  return 0;
}
