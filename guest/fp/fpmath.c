/*
 * fpmath.c — ordinary floating-point C, compiled by gcc for the guest and
 * natively; the outputs (every result printed as its bit pattern) must be
 * identical. Built at -O2 and -O3, for the x86-64 baseline and for the
 * modelled CPU (-march=haswell), so it exercises what gcc really emits:
 * scalar SSE2 arithmetic and conversions, auto-vectorized loops (packed
 * single/double, horizontal reductions), and with -march=haswell AVX/AVX2
 * and FMA contraction.
 *
 * No libm: square roots are __builtin_sqrt (SQRTSD with -fno-math-errno),
 * everything else is written out.
 */
#include "rt.h"

static uint64_t bits(double d) { uint64_t u; __builtin_memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; __builtin_memcpy(&u, &f, 4); return u; }
static void pd(const char *what, double d) { rt_printf("%s %016llx\n", what, (unsigned long long)bits(d)); }
static void pf(const char *what, float f) { rt_printf("%s %08x\n", what, fbits(f)); }

#define N 64
static double A[N][N], B[N][N], C[N][N];
static float fa[1024], fb[1024], fc[1024];
static double re[256], im[256];

/* series: harmonic, alternating (π/4), geometric, exp(1) by Taylor */
static void series(void) {
  double h = 0, l = 0, g = 0, e = 1, t = 1;
  float hf = 0;
  for (int k = 1; k <= 2000; k++) { h += 1.0 / k; hf += 1.0f / (float)k; l += (k & 1 ? 4.0 : -4.0) / (2 * k - 1); }
  for (int k = 0; k < 60; k++) g = g * 0.5 + 1;
  for (int k = 1; k < 25; k++) { t /= k; e += t; }
  pd("harmonic", h); pf("harmonicf", hf); pd("leibniz", l); pd("geometric", g); pd("e", e);
}

/* Newton iterations: square roots, reciprocal, a cubic root */
static void newton(void) {
  for (int i = 1; i < 40; i += 7) {
    double x = i, r = x;
    for (int k = 0; k < 30; k++) r = 0.5 * (r + x / r);
    pd("newton-sqrt", r);
    pd("builtin-sqrt", __builtin_sqrt(x));
    float xf = (float)i * 1.37f, rf = xf;
    for (int k = 0; k < 20; k++) rf = 0.5f * (rf + xf / rf);
    pf("newton-sqrtf", rf);
    pf("builtin-sqrtf", __builtin_sqrtf(xf));
    double y = 1.0;
    for (int k = 0; k < 40; k++) y = y - (y * y * y - x) / (3 * y * y);
    pd("cbrt", y);
  }
}

/* matrix multiply, double and float, vectorizable inner loop */
static void matmul(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) { A[i][j] = (i * 7 + j * 3) % 17 - 8.25; B[i][j] = 1.0 / (1 + i + 2 * j); C[i][j] = 0; }
  for (int i = 0; i < N; i++)
    for (int k = 0; k < N; k++)
      for (int j = 0; j < N; j++) C[i][j] += A[i][k] * B[k][j];
  double tr = 0, s = 0;
  for (int i = 0; i < N; i++) { tr += C[i][i]; for (int j = 0; j < N; j++) s += C[i][j] * (j & 1 ? -1 : 1); }
  pd("matmul-trace", tr); pd("matmul-alt", s); pd("matmul-c17", C[17][42]);
  for (int i = 0; i < 1024; i++) { fa[i] = (float)(i % 13) * 0.1f - 0.6f; fb[i] = 1.0f / (float)(i + 1); }
  for (int i = 0; i < 1024; i++) fc[i] = fa[i] * fb[i] + fa[1023 - i];
  float dot = 0;
  for (int i = 0; i < 1024; i++) dot += fa[i] * fb[i];
  pf("saxpy-5", fc[5]); pf("saxpy-777", fc[777]); pf("dot", dot);
}

/* radix-2 FFT of a real signal with a table-free twiddle recurrence */
static void fft(void) {
  const int n = 256;
  for (int i = 0; i < n; i++) { re[i] = (i % 16) - 7.5 + (i % 3) * 0.25; im[i] = 0; }
  for (int i = 1, j = 0; i < n; i++) {
    int bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { double t = re[i]; re[i] = re[j]; re[j] = t; }
  }
  for (int len = 2; len <= n; len <<= 1) {
    /* w = exp(-2πi/len) from its half-angle recurrence, no libm */
    double c = -1, s = 0;
    for (int l = 2; l < len; l <<= 1) { s = -__builtin_sqrt((1 - c) / 2); c = __builtin_sqrt((1 + c) / 2); }
    if (len == 2) { c = -1; s = 0; }
    for (int i = 0; i < n; i += len) {
      double wr = 1, wi = 0;
      for (int k = 0; k < len / 2; k++) {
        double ur = re[i + k], ui = im[i + k];
        double vr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
        double vi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
        re[i + k] = ur + vr; im[i + k] = ui + vi;
        re[i + k + len / 2] = ur - vr; im[i + k + len / 2] = ui - vi;
        double t = wr * c - wi * s; wi = wr * s + wi * c; wr = t;
      }
    }
  }
  double e = 0;
  for (int i = 0; i < n; i++) e += re[i] * re[i] + im[i] * im[i];
  pd("fft-energy", e); pd("fft-re16", re[16]); pd("fft-im16", im[16]); pd("fft-re85", re[85]);
}

/* conversions and comparisons as C uses them */
static void conversions(void) {
  static const double v[] = { 0.5, 1.5, 2.5, -2.5, 1e10, -1e10, 3e9, 4294967295.0, 1e-310, -0.0, 123456789.987 };
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
    long long ll = (long long)v[i];
    int it = (int)(v[i] / 4);
    unsigned long long u = v[i] > 0 ? (unsigned long long)v[i] : 0;
    float f = (float)v[i];
    rt_printf("cvt %lld %d %llu %08x %d %d\n", ll, it, u, fbits(f), v[i] < 1.5, v[i] == 2.5);
    pd("from-ll", (double)(ll * 3 + 1));
    pd("from-u", (double)(u | 1));
    pf("from-u-f", (float)(u | 1));
  }
}

int test_main(void) {
  series();
  newton();
  matmul();
  fft();
  conversions();
  rt_printf("fpmath done\n");
  return 0;
}
