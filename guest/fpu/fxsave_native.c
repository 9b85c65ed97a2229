/*
 * fxsave_native.c — the host's FXSAVE64 / FXSAVE images of x87 states set
 * with FRSTOR, the reference for X87State.fxsaveLegacy (test/x87.test.ts).
 * Native only: FXSAVE itself belongs to the SIMD side of the machine; this
 * program shows what the x87 bytes of the 512-byte area hold. For each
 * state it prints the FRSTOR image ("image: ..."), then the first 160
 * bytes FXSAVE64 (REX.W=1) and FXSAVE (REX.W=0) stored, as hex; the test
 * loads the same image into the emulator's X87State and compares.
 */
#include "rt.h"

static unsigned char img[108], fx[512] __attribute__((aligned(16)));

static void hex(const char *what, const unsigned char *p, int n) {
  rt_printf("%s:", what);
  for (int i = 0; i < n; i++) rt_printf("%02x", p[i]);
  rt_putc('\n');
}

static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }

static void make(unsigned cw, unsigned sw, unsigned tw, uint32_t fip, uint32_t fopcs, uint32_t fdp, uint32_t fds) {
  static const struct { uint64_t sig; unsigned se; } regs[8] = {
    {0x8000000000000000ull, 0x3fff}, {0, 0x8000}, {0xc000000000000001ull, 0x7fff}, {0x8000000000000000ull, 0xffff},
    {0x1234, 0}, {0x8000000000000001ull, 0}, {0x4000000000000000ull, 0x4000}, {0x9234567890abcdefull, 0xc00f}};
  put32(img, 0xffff0000u | cw); put32(img + 4, 0xffff0000u | sw); put32(img + 8, 0xffff0000u | tw);
  put32(img + 12, fip); put32(img + 16, fopcs); put32(img + 20, fdp); put32(img + 24, fds);
  for (int i = 0; i < 8; i++) {
    for (int b = 0; b < 8; b++) img[28 + 10 * i + b] = (unsigned char)(regs[i].sig >> (8 * b));
    img[36 + 10 * i] = (unsigned char)regs[i].se; img[37 + 10 * i] = (unsigned char)(regs[i].se >> 8);
  }
}

static void run(void) {
  hex("image", img, 108);
  for (int i = 0; i < 512; i++) fx[i] = 0xaa;
  __asm__ volatile("frstor %1; fxsave64 %0; fninit" : "=m"(fx) : "m"(img) : "memory");
  hex("fxsave64", fx, 160);
  for (int i = 0; i < 512; i++) fx[i] = 0xaa;
  __asm__ volatile("frstor %1; fxsave %0; fninit" : "=m"(fx) : "m"(img) : "memory");
  hex("fxsave", fx, 160);
}

int test_main(void) {
  make(0x037e, 0x2801, 0xf0f0, 0x12345678, 0x01230033, 0x9abcdef0, 0x2b); run(); /* IE pending (ES): pointers stored */
  make(0x037f, 0x2801, 0xf0f0, 0x12345678, 0x01230033, 0x9abcdef0, 0x2b); run(); /* nothing pending */
  make(0x0f7f, 0x0000, 0xffff, 0, 0, 0, 0); run();                            /* all empty */
  make(0x037f, 0x3800, 0x0000, 0xfedcba98, 0x07ff0000, 0x76543210, 0); run();  /* TOP 7, all in use */
  return 0;
}
