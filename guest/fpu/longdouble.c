/*
 * longdouble.c — ordinary C floating point through the x87, natively vs on
 * the machine: `long double` series, Newton iterations, a small matrix
 * (product, Gaussian elimination, determinant), `double` and `float`
 * arithmetic with -mfpmath=387, integer <-> floating conversions (gcc's
 * FNSTCW/FLDCW/FISTP truncation sequence, FILD, the unsigned 64-bit
 * fix-ups), comparisons and branches on them (FCOMI/FUCOMI + jcc, FCMOV),
 * fabsl/sqrtl/rintl/truncl/floorl as gcc expands them, and a sweep of the
 * four rounding modes over the same arithmetic. Results are printed as raw
 * bits (rt_printf has no %f), so the comparison is exact.
 *
 * Built with -m80387 -mno-sse -mfpmath=387 -fno-math-errno (test/x87.test.ts)
 * on both sides, so the native build runs the same x87 instructions.
 * Functions take and return long double only: without SSE the x86-64 ABI
 * cannot pass double or float.
 */
#include "rt.h"

typedef long double ld;

static void put_ld(const char *what, ld v) {
  union { ld v; struct { uint64_t sig; uint16_t se; } __attribute__((packed)) b; } u;
  u.b.sig = 0; u.b.se = 0;
  u.v = v;
  rt_printf("%s %04x:%016lx\n", what, u.b.se, (unsigned long)u.b.sig);
}
static void put_d(const char *what, double v) {
  union { double v; uint64_t b; } u = {v};
  rt_printf("%s %016lx\n", what, (unsigned long)u.b);
}
static void put_f(const char *what, float v) {
  union { float v; uint32_t b; } u = {v};
  rt_printf("%s %08x\n", what, u.b);
}

/* Opaque to the optimizer, so the arithmetic happens at run time. */
static ld opaque(ld x) { __asm__ volatile("" : "+t"(x)); return x; }

static ld zeta2(int n) { ld s = 0; for (int k = n; k >= 1; k--) s += 1.0L / ((ld)k * k); return s; }
static ld euler(void) { ld s = 1, t = 1; for (int k = 1; k < 30; k++) { t /= k; s += t; } return s; }
static ld machin(void) {
  /* pi = 16 atan(1/5) - 4 atan(1/239) */
  ld a = 0, b = 0, p5 = 1.0L / 5, p239 = 1.0L / 239;
  for (int k = 0; k < 40; k++) {
    ld sg = (k & 1) ? -1.0L : 1.0L;
    a += sg * p5 / (2 * k + 1); p5 /= 25;
    b += sg * p239 / (2 * k + 1); p239 /= 57121;
  }
  return 16 * a - 4 * b;
}
static ld harmonic(int n) { ld s = 0; for (int k = 1; k <= n; k++) s += 1.0L / k; return s; }

static ld newton_sqrt(ld a) { ld x = a; for (int i = 0; i < 60; i++) x = (x + a / x) / 2; return x; }
static ld newton_cbrt(ld a) { ld x = a; for (int i = 0; i < 80; i++) x = (2 * x + a / (x * x)) / 3; return x; }

#define N 4
static ld det(ld m[N][N]) {
  ld a[N][N], d = 1;
  for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) a[i][j] = m[i][j];
  for (int c = 0; c < N; c++) {
    int p = c;
    for (int r = c + 1; r < N; r++) if (__builtin_fabsl(a[r][c]) > __builtin_fabsl(a[p][c])) p = r;
    if (a[p][c] == 0) return 0;
    if (p != c) { for (int j = 0; j < N; j++) { ld t = a[c][j]; a[c][j] = a[p][j]; a[p][j] = t; } d = -d; }
    d *= a[c][c];
    for (int r = c + 1; r < N; r++) {
      ld f = a[r][c] / a[c][c];
      for (int j = c; j < N; j++) a[r][j] -= f * a[c][j];
    }
  }
  return d;
}

static void set_rounding(unsigned rc) {
  unsigned short cw;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  cw = (unsigned short)((cw & ~0x0c00) | rc << 10);
  __asm__ volatile("fldcw %0" : : "m"(cw));
}

int test_main(void) {
  put_ld("zeta(2) ~ pi^2/6", zeta2(2000));
  put_ld("e", euler());
  put_ld("pi (Machin)", machin());
  put_ld("H(1000)", harmonic(1000));
  put_ld("sqrt(2) Newton", newton_sqrt(opaque(2)));
  put_ld("sqrtl(2)", __builtin_sqrtl(opaque(2)));
  put_ld("cbrt(10) Newton", newton_cbrt(opaque(10)));

  ld m[N][N], p[N][N];
  for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) m[i][j] = 1.0L / (i + j + 1) + (i == j ? opaque(1) : 0);
  for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) {
    ld s = 0;
    for (int k = 0; k < N; k++) s += m[i][k] * m[k][j];
    p[i][j] = s;
  }
  put_ld("det(m)", det(m));
  put_ld("det(m*m)", det(p));
  put_ld("p[3][1]", p[3][1]);

  /* double and float through the x87 (-mfpmath=387): stored values round to their formats. */
  double dsum = 0; float fsum = 0;
  for (int k = 1; k <= 500; k++) { dsum += 1.0 / k; fsum += 1.0f / (float)k; }
  put_d("double H(500)", dsum);
  put_f("float H(500)", fsum);
  volatile double dv = 1e308; volatile float fv = 3e38f;
  put_d("1e308 * 10 stored as double (inf)", dv * 10);
  put_f("3e38f * 2 stored as float (inf)", fv * 2);
  volatile double tiny = 4.9406564584124654e-324;
  put_d("denormal / 3", tiny / 3);

  /* Integer <-> floating conversions. */
  static const ld cv[] = {0.5L, -0.5L, 1.5L, -1.5L, 2.5L, 1e18L, -1e18L, 9.3e18L, 1.8e19L, 3e9L, -3e9L, 65535.9L, -32768.99L};
  for (unsigned i = 0; i < sizeof cv / sizeof cv[0]; i++) {
    ld x = opaque(cv[i]);
    long l = (long)x;
    unsigned long ul = x >= 0 && x < 1.8446744073709551616e19L ? (unsigned long)x : 0;
    int in = x > -2147483649.0L && x < 2147483648.0L ? (int)x : 0;
    short sh = x > -32769.0L && x < 32768.0L ? (short)x : 0;
    rt_printf("conv %u: long %ld ulong %lu int %d short %d rint %ld\n", i, l, ul, in, sh, (long)__builtin_rintl(x));
  }
  static const unsigned long uv[] = {0, 1, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xfffffffffffffffful, 12345678901234567ull};
  for (unsigned i = 0; i < sizeof uv / sizeof uv[0]; i++) {
    put_ld("ulong -> long double", (ld)uv[i]);
    put_d("ulong -> double", (double)uv[i]);
    put_ld("long -> long double", (ld)(long)uv[i]);
  }
  put_ld("truncl(-2.7)", __builtin_truncl(opaque(-2.7L)));
  put_ld("floorl(-2.5)", __builtin_floorl(opaque(-2.5L)));
  put_ld("ceill(2.1)", __builtin_ceill(opaque(2.1L)));
  put_ld("fabsl(-3)", __builtin_fabsl(opaque(-3)));

  /* Comparisons, NaN included, and a max via FCMOV. */
  ld nan = opaque(0.0L) / opaque(0.0L), one = opaque(1), two = opaque(2);
  rt_printf("compares: %d %d %d %d %d %d\n", one < two, one > two, nan < one, nan != nan, nan == nan, __builtin_isgreater(two, one));
  ld mx = one;
  for (int k = 0; k < 10; k++) { ld v = opaque((ld)((k * 7) % 11)); mx = v > mx ? v : mx; }
  put_ld("max", mx);
  put_ld("nan", nan);

  /* The same arithmetic in the four rounding modes. */
  for (unsigned rc = 0; rc < 4; rc++) {
    set_rounding(rc);
    put_ld("rc 1/3", opaque(1) / opaque(3));
    put_ld("rc -1/3", opaque(-1) / opaque(3));
    put_ld("rc sqrt(3)", __builtin_sqrtl(opaque(3)));
    put_ld("rc H(100)", harmonic(100));
    put_d("rc double 2/3", (double)(opaque(2) / opaque(3)));
    rt_printf("rc %u: rint(2.5) %ld rint(-3.5) %ld\n", rc, (long)__builtin_rintl(opaque(2.5L)), (long)__builtin_rintl(opaque(-3.5L)));
  }
  set_rounding(0);
  return 0;
}
