/*
 * x87_state.c — the x87 control state and its memory images against the
 * host CPU: FNINIT, FLDCW/FNSTCW, FNSTSW (m16 and AX), FNCLEX, FNSTENV/
 * FLDENV (28-byte protected-mode format), FNSAVE/FRSTOR (108 bytes),
 * FINCSTP/FDECSTP, FFREE, FXCH, FWAIT and the waiting forms.
 *
 * Each step prints the images the CPU stores, byte for byte, as hex. Built
 * natively (-DRT_NATIVE) the host prints the reference; as a guest the
 * emulator must print the same. Two fields cannot be compared across the
 * two builds and are rewritten before printing:
 *   - FIP/FDP hold linear addresses, which differ between the native (PIE)
 *     and guest images: where an instruction sets them, the program prints
 *     them relative to the instruction / operand (0 = the address itself);
 *   - FCS and FDS (bytes 16-17 and 24-25 of the environment) hold selectors
 *     on this AMD host (its user CS, 33H, or what FRSTOR loaded), while the
 *     modelled Haswell deprecates them and stores 0000H (CPUID.(EAX=07H,
 *     ECX=0):EBX[13], SDM Vol. 1 §8.1.8); they are printed as "cs" / "ds".
 * Nothing is printed between setting a state and storing it: printing is a
 * system call natively, and Linux on this host may context-switch the FPU
 * state there with XSAVE, which on AMD CPUs drops FIP/FDP/FOP when no
 * exception is pending. Every step stores its images into a log; the log is
 * printed at the end.
 * Only inline assembly, no C floating-point types: it builds with the
 * integer-only guest flags.
 */
#include "rt.h"

static unsigned char env[28] __attribute__((aligned(16)));
static unsigned char save[108] __attribute__((aligned(16)));
static unsigned char img[108] __attribute__((aligned(16)));

/* The log: entries of (label, bytes); `env` entries have their selector fields masked when printed. */
#define LOG_BYTES 16384
#define LOG_ENTRIES 256
static unsigned char log_bytes[LOG_BYTES];
static struct { const char *label; int at, n, kind, index; } log_entry[LOG_ENTRIES];
static int log_nb, log_ne;
enum { RAW, ENV, WORDS };

static void record(const char *label, int index, const void *p, int n, int kind) {
  const unsigned char *b = p;
  log_entry[log_ne].label = label; log_entry[log_ne].at = log_nb; log_entry[log_ne].n = n;
  log_entry[log_ne].kind = kind; log_entry[log_ne].index = index;
  log_ne++;
  for (int i = 0; i < n; i++) log_bytes[log_nb++] = b[i];
}

static void print_log(void) {
  for (int e = 0; e < log_ne; e++) {
    const unsigned char *p = log_bytes + log_entry[e].at;
    int n = log_entry[e].n;
    rt_printf("%s", log_entry[e].label);
    if (log_entry[e].index >= 0) rt_printf(" %d", log_entry[e].index);
    rt_putc(':');
    if (log_entry[e].kind == WORDS) {
      for (int i = 0; i < n; i += 2) rt_printf(" %04x", p[i] | p[i + 1] << 8);
    } else {
      for (int i = 0; i < n; i++) {
        if (i % 4 == 0) rt_putc(' ');
        if (log_entry[e].kind == ENV && (i == 16 || i == 24)) rt_puts(i == 16 ? "cs" : "ds"), i++;
        else rt_printf("%02x", p[i]);
      }
    }
    rt_putc('\n');
  }
}

static void dump(const char *what, const unsigned char *p, int n) { record(what, -1, p, n, n >= 28 ? ENV : RAW); }
static void dumpi(const char *what, int i, const unsigned char *p, int n) { record(what, i, p, n, n >= 28 ? ENV : RAW); }
static void words(const char *what, int i, unsigned a, unsigned b) {
  unsigned char w[4] = {(unsigned char)a, (unsigned char)(a >> 8), (unsigned char)b, (unsigned char)(b >> 8)};
  record(what, i, w, 4, WORDS);
}

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint32_t get32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* An FRSTOR image: environment fields and eight 10-byte registers (ST order). */
static void make_image(unsigned cw, unsigned sw, unsigned tw, uint32_t fip, uint32_t fop_cs, uint32_t fdp, uint32_t fds) {
  for (int i = 0; i < 108; i++) img[i] = 0;
  put32(img + 0, 0xffff0000u | cw);
  put32(img + 4, 0xffff0000u | sw);
  put32(img + 8, 0xffff0000u | tw);
  put32(img + 12, fip);
  put32(img + 16, fop_cs);
  put32(img + 20, fdp);
  put32(img + 24, fds);
}

/* Register i of the image: significand and sign|exponent. */
static void set_reg(int i, uint64_t sig, unsigned se) {
  unsigned char *r = img + 28 + 10 * i;
  for (int b = 0; b < 8; b++) r[b] = (unsigned char)(sig >> (8 * b));
  put16(r + 8, se);
}

static void fnstenv(void) { __asm__ volatile("fnstenv %0" : "=m"(env) : : "memory"); }
static void fnsave(void) { __asm__ volatile("fnsave %0" : "=m"(save) : : "memory"); }
static void frstor(void) { __asm__ volatile("frstor %0" : : "m"(img) : "memory"); }
static unsigned fnstsw(void) { unsigned short v; __asm__ volatile("fnstsw %0" : "=a"(v)); return v; }
static unsigned fnstcw(void) { unsigned short v; __asm__ volatile("fnstcw %0" : "=m"(v)); return v; }
static void fldcw(unsigned v) { unsigned short w = (unsigned short)v; __asm__ volatile("fldcw %0" : : "m"(w)); }

/* A mix of register contents covering every tag class: valid, zero, special (NaN, infinity,
 * denormal, pseudo-denormal, unnormal). */
static void fill_regs(void) {
  set_reg(0, 0x8000000000000000ull, 0x3fff);  /* 1.0: valid */
  set_reg(1, 0, 0x8000);                       /* -0: zero */
  set_reg(2, 0xc000000000000001ull, 0x7fff);  /* QNaN: special */
  set_reg(3, 0x8000000000000000ull, 0xffff);  /* -inf: special */
  set_reg(4, 0x0000000000001234ull, 0x0000);  /* denormal: special */
  set_reg(5, 0x8000000000000001ull, 0x0000);  /* pseudo-denormal: special */
  set_reg(6, 0x4000000000000000ull, 0x4000);  /* unnormal: special */
  set_reg(7, 0x9234567890abcdefull, 0xc00f);  /* negative normal: valid */
}

int test_main(void) {
  /* FNINIT: the initial state. */
  __asm__ volatile("fninit");
  words("fninit: cw, sw", -1, fnstcw(), fnstsw());
  fnstenv();
  dump("env after fninit", env, 28);

  /* FLDCW: which bits stick (reserved bits 6/7/13-15). */
  static const unsigned cws[] = {0x0000, 0xffff, 0x037f, 0x027f, 0x0c7f, 0x1f40, 0x1234, 0x00c0, 0xe000};
  for (unsigned i = 0; i < sizeof cws / sizeof cws[0]; i++) {
    fldcw(cws[i]);
    words("fldcw value -> fnstcw", -1, cws[i], fnstcw());
    words(" fnstsw", -1, fnstsw(), 0);
  }
  __asm__ volatile("fninit");

  /* FRSTOR / FNSAVE round trips: TOP, flags, condition codes, tags, pointers, opcode. */
  static const struct { unsigned cw, sw, tw; } st[] = {
    {0x037f, 0x0000, 0xffff},   /* init-like */
    {0x037f, 0x3800, 0x3fff},   /* TOP 7, tags from the image say "valid" for R7 only */
    {0x037f, 0x4741, 0x0000},   /* flags IE SF, C0 C1 C2 C3, TOP 0; all tags "valid" */
    {0x0f7f, 0x1a3f, 0xaaaa},   /* RC 11, all flags (masked), TOP 3, tags "special" */
    {0x137f, 0x2000, 0x5555},   /* X bit, TOP 4, tags "zero" */
    {0x037f, 0x80ff, 0xfff0},   /* ES and B set with all flags masked; R0 R1 non-empty */
    {0x0340, 0x0000, 0xcccc},   /* everything unmasked but nothing pending */
  };
  for (unsigned i = 0; i < sizeof st / sizeof st[0]; i++) {
    make_image(st[i].cw, st[i].sw, st[i].tw, 0x12345678u, 0xfabc0023u, 0x9abcdef0u, 0xffff002bu);
    fill_regs();
    frstor();
    words("frstor: fnstsw, fnstcw", (int)i, fnstsw(), fnstcw());
    fnstenv();
    dumpi(" fnstenv", (int)i, env, 28);
    words(" fnstcw after fnstenv", (int)i, fnstcw(), 0);
    frstor();
    fnsave();
    dumpi(" fnsave", (int)i, save, 108);
    words(" after fnsave: cw, sw", (int)i, fnstcw(), fnstsw());
    fnstenv();
    dumpi(" env after fnsave", (int)i, env, 28);
  }

  /* FLDENV then FNSTENV: the tag word is recomputed from the registers (SDM Vol. 1 §8.1.7). */
  make_image(0x037f, 0x0000, 0xffff, 0, 0, 0, 0);
  fill_regs();
  frstor();
  static const unsigned tags[] = {0x0000, 0x5555, 0xaaaa, 0xfffc, 0x3fff, 0xe4e4};
  for (unsigned i = 0; i < sizeof tags / sizeof tags[0]; i++) {
    make_image(0x037f, 0x1000 | (i << 11 & 0x3800), tags[i], 0x11111111u, 0x07ff0000u, 0x22222222u, 0);
    __asm__ volatile("fldenv %0" : : "m"(img) : "memory");
    fnstenv();
    dumpi("fldenv tags", (int)i, env, 28);
  }

  /* FNCLEX: flags, SF, ES, B cleared; condition codes kept. */
  make_image(0x037f, 0xc7ff, 0xffff, 0, 0, 0, 0);
  frstor();
  __asm__ volatile("fnclex");
  words("fnclex: sw", -1, fnstsw(), 0);
  /* FCLEX (waiting) with nothing pending. */
  make_image(0x037f, 0x473f, 0xffff, 0, 0, 0, 0);
  frstor();
  __asm__ volatile("fclex");
  words("fclex: sw", -1, fnstsw(), 0);

  /* FINCSTP / FDECSTP / FFREE / FXCH: TOP, tags, C1, FOP and FIP. */
  make_image(0x037f, 0x0200, 0xfff0, 0, 0, 0, 0); /* C1 set; R0 R1 valid, TOP 0 */
  fill_regs();
  frstor();
  __asm__ volatile("fdecstp");
  words("fdecstp: sw", -1, fnstsw(), 0);
  __asm__ volatile("fincstp; fincstp");
  words("fincstp x2: sw", -1, fnstsw(), 0);
  __asm__ volatile("fdecstp");
  {
    uint64_t at;
    __asm__ volatile("lea 1f(%%rip), %0\n1: ffree %%st(1)" : "=r"(at));
    fnstenv();
    uint32_t fip = get32(env + 12);
    put32(env + 12, fip - (uint32_t)at);
    dump("ffree st(1)", env, 28);
    __asm__ volatile("lea 1f(%%rip), %0\n1: fxch %%st(3)" : "=r"(at));
    fnstenv();
    fip = get32(env + 12);
    put32(env + 12, fip - (uint32_t)at);
    dump("fxch st(3) (st3 empty: masked stack fault)", env, 28);
    fnsave();
    dump("registers after fxch", save + 28, 80);
  }

  /* The last-instruction pointers (SDM Vol. 1 §8.1.8-8.1.9): FIP and FOP of the last non-control
   * instruction, FDP of the last one with a memory operand. Stored relative to the instruction
   * and to the operand (dvar, ivar); no system call between the instruction and FNSTENV. */
  {
    static double dvar = 2.5;
    static int32_t ivar = 7;
    static uint16_t cwvar = 0x037f;
    uint64_t at, last_at = 0, last_da = 0;
    /* kind: 0 non-control without memory operand, 1 with dvar, 2 with ivar, 3 control. FIP is shown
     * relative to the last non-control instruction, FDP to the last memory operand. */
#define POINTERS(label, kind, insn)                                                           \
    __asm__ volatile("lea 1f(%%rip), %0\n1: " insn "\n fnstenv %1" : "=&r"(at), "=m"(env)      \
                     : "m"(dvar), "m"(ivar), "m"(cwvar) : "memory");                           \
    if (kind != 3) last_at = at;                                                              \
    if (kind == 1) last_da = (uintptr_t)&dvar;                                                \
    if (kind == 2) last_da = (uintptr_t)&ivar;                                                \
    put32(env + 12, get32(env + 12) - (uint32_t)last_at);                                     \
    put32(env + 20, get32(env + 20) - (uint32_t)last_da);                                     \
    dump(label, env, 28);                                                                     \
    __asm__ volatile("fldcw %0" : : "m"(cwvar)); /* FNSTENV masked the exceptions */
    __asm__ volatile("fninit");
    POINTERS("fldl dvar", 1, "fldl %2")
    POINTERS("faddl dvar", 1, "faddl %2")
    POINTERS("fld1 (fdp kept)", 0, "fld1")
    POINTERS("fxch", 0, "fxch %%st(1)")
    POINTERS("fnop", 0, "fnop")
    POINTERS("fcomi", 0, "fcomi %%st(1), %%st")
    POINTERS("fsqrt", 0, "fsqrt")
    POINTERS("fstpl dvar", 1, "fstpl %2")
    POINTERS("fildl ivar", 2, "fildl %3")
    POINTERS("fistpl ivar", 2, "fistpl %3")
    POINTERS("fldcw (control: pointers kept)", 3, "fldcw %4")
    POINTERS("ffree", 0, "ffree %%st(3)")
    POINTERS("fincstp", 0, "fincstp")
    POINTERS("fclex (control)", 3, "fnclex")
    POINTERS("fwait (control)", 3, "fwait")
    POINTERS("fldz", 0, "fldz")
    POINTERS("fstp st1", 0, "fstp %%st(1)")
    POINTERS("fucompp", 0, "fucompp")
#undef POINTERS
    __asm__ volatile("fninit");
  }

  /* Waiting forms with nothing pending behave like the no-wait forms. */
  __asm__ volatile("finit");
  {
    unsigned short cw, sw;
    __asm__ volatile("fstcw %0" : "=m"(cw));
    __asm__ volatile("fstsw %0" : "=m"(sw));
    __asm__ volatile("fwait");
    words("finit/fstcw/fstsw/fwait", -1, cw, sw);
    __asm__ volatile("fstenv %0" : "=m"(env) : : "memory");
    dump("fstenv", env, 28);
    __asm__ volatile("fsave %0" : "=m"(save) : : "memory");
    dump("fsave", save, 28);
  }

  /* A pending unmasked exception does not stop the no-wait instructions. */
  make_image(0x037e, 0x0001, 0xffff, 0x1000, 0x01230000u, 0x2000, 0); /* IE flagged, IM clear: ES */
  frstor();
  words("pending: fnstsw, fnstcw", -1, fnstsw(), fnstcw());
  fnstenv();
  dump("pending fnstenv", env, 28);
  words("after fnstenv (exceptions masked again): fnstsw, fnstcw", -1, fnstsw(), fnstcw());
  frstor();
  __asm__ volatile("fnclex");
  words("fnclex clears it", -1, fnstsw(), 0);
  frstor();
  fnsave();
  words("fnsave reinitializes: cw, sw", -1, fnstcw(), fnstsw());
  __asm__ volatile("fninit");
  print_log();
  rt_printf("x87_state done\n");
  return 0;
}
