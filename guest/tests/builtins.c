/*
 * gcc builtins that map to bit-manipulation instructions or flag tests:
 * clz/ctz (bsr/bsf), popcount (libgcc), parity (PF via setnp), bswap, ffs,
 * the overflow-checking add/sub/mul (jo/jc/seto/setc), __builtin_expect, and
 * __int128 arithmetic (mul/imul 64x64->128, shrd/shld, and libgcc's
 * __divti3/__udivti3/__modti3/__umodti3).
 *
 * Operands come from noipa functions so nothing is folded at compile time.
 */
#include "rt.h"

#define NOIPA __attribute__((noipa))
typedef unsigned long long ull;
typedef __int128 i128;
typedef unsigned __int128 u128;

/* Nonzero arguments only: clz/ctz of 0 are undefined (bsr/bsf leave the
 * destination undefined, SDM Vol. 2A "BSF"). */
static const ull samples[] = {
  1, 2, 3, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x12345678, 0x7fffffff,
  0x80000000, 0xffffffff, 0x100000000ull, 0x123456789abcdef0ull, 0x7fffffffffffffffull,
  0x8000000000000000ull, 0xffffffffffffffffull, 0xfedcba9876543210ull, 0x0000f00000000000ull,
  0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x0102040810204080ull,
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

NOIPA static int clz32(unsigned x) { return __builtin_clz(x); }
NOIPA static int clz64(unsigned long x) { return __builtin_clzl(x); }
NOIPA static int clzll(ull x) { return __builtin_clzll(x); }
NOIPA static int ctz32(unsigned x) { return __builtin_ctz(x); }
NOIPA static int ctz64(unsigned long x) { return __builtin_ctzl(x); }
NOIPA static int ctzll(ull x) { return __builtin_ctzll(x); }
NOIPA static int pop32(unsigned x) { return __builtin_popcount(x); }
NOIPA static int pop64(unsigned long x) { return __builtin_popcountl(x); }
NOIPA static int popll(ull x) { return __builtin_popcountll(x); }
NOIPA static int par32(unsigned x) { return __builtin_parity(x); }
NOIPA static int par64(unsigned long x) { return __builtin_parityl(x); }
NOIPA static int parll(ull x) { return __builtin_parityll(x); }
NOIPA static uint16_t bswap16(uint16_t x) { return __builtin_bswap16(x); }
NOIPA static uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }
NOIPA static uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }
NOIPA static int ffs32(int x) { return __builtin_ffs(x); }
NOIPA static int ffs64(long x) { return __builtin_ffsl(x); }
NOIPA static int ffsll(long long x) { return __builtin_ffsll(x); }
/* parity of a byte alone is exactly the PF flag (SDM Vol. 1, 3.4.3.1). */
NOIPA static int par8(uint8_t x) { return __builtin_parity(x); }

static void bits(void) {
  for (unsigned i = 0; i < NSAMPLES; i++) {
    ull v = samples[i];
    unsigned lo = (unsigned)v ? (unsigned)v : 0x10u;
    rt_printf("%llx: clz %d %d %d ctz %d %d %d pop %d %d %d par %d %d %d %d", v, clz32(lo), clz64(v),
              clzll(v), ctz32(lo), ctz64(v), ctzll(v), pop32((unsigned)v), pop64(v), popll(v),
              par32((unsigned)v), par64(v), parll(v), par8((uint8_t)v));
    rt_printf(" bswap %x %x %llx ffs %d %d %d\n", bswap16((uint16_t)v), bswap32((uint32_t)v),
              (ull)bswap64(v), ffs32((int)v), ffs64((long)v), ffsll((long long)v));
  }
  rt_printf("ffs0 %d %d %d\n", ffs32(0), ffs64(0), ffsll(0));
}

#define DEF_OVF(T, TAG)                                                                   \
  NOIPA static int TAG##_addo(T a, T b, T *r) { return __builtin_add_overflow(a, b, r); } \
  NOIPA static int TAG##_subo(T a, T b, T *r) { return __builtin_sub_overflow(a, b, r); } \
  NOIPA static int TAG##_mulo(T a, T b, T *r) { return __builtin_mul_overflow(a, b, r); }
DEF_OVF(int8_t, s8)
DEF_OVF(uint8_t, u8)
DEF_OVF(int16_t, s16)
DEF_OVF(uint16_t, u16)
DEF_OVF(int32_t, s32)
DEF_OVF(uint32_t, u32)
DEF_OVF(int64_t, s64)
DEF_OVF(uint64_t, u64)

static const ull ovf_vals[] = {0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                               0x80000000, 0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull,
                               0xffffffffffffffffull, 0x00000000b504f334ull, 0x0000000100000000ull};
#define NOVF (sizeof ovf_vals / sizeof ovf_vals[0])

#define RUN_OVF(T, U, TAG)                                                                  \
  do {                                                                                    \
    for (unsigned i = 0; i < NOVF; i++)                                                   \
      for (unsigned j = 0; j < NOVF; j += 3) {                                            \
        T a = (T)(U)ovf_vals[i], b = (T)(U)ovf_vals[(i + j) % NOVF], r1, r2, r3;          \
        int o1 = TAG##_addo(a, b, &r1), o2 = TAG##_subo(a, b, &r2), o3 = TAG##_mulo(a, b, &r3); \
        rt_printf(#TAG " %llx %llx: add %d %llx sub %d %llx mul %d %llx\n", (ull)(U)a, (ull)(U)b, \
                  o1, (ull)(U)r1, o2, (ull)(U)r2, o3, (ull)(U)r3);                        \
      }                                                                                   \
  } while (0)

static void overflow(void) {
  RUN_OVF(int8_t, uint8_t, s8);
  RUN_OVF(uint8_t, uint8_t, u8);
  RUN_OVF(int16_t, uint16_t, s16);
  RUN_OVF(uint16_t, uint16_t, u16);
  RUN_OVF(int32_t, uint32_t, s32);
  RUN_OVF(uint32_t, uint32_t, u32);
  RUN_OVF(int64_t, uint64_t, s64);
  RUN_OVF(uint64_t, uint64_t, u64);
}

NOIPA static u128 mul_u(u128 a, u128 b) { return a * b; }
NOIPA static i128 mul_s(i128 a, i128 b) { return (i128)((u128)a * (u128)b); }
NOIPA static u128 mul_64x64(uint64_t a, uint64_t b) { return (u128)a * b; }
NOIPA static i128 mul_s64x64(int64_t a, int64_t b) { return (i128)a * b; }
NOIPA static u128 div_u(u128 a, u128 b) { return a / b; }
NOIPA static u128 mod_u(u128 a, u128 b) { return a % b; }
NOIPA static i128 div_s(i128 a, i128 b) { return a / b; }
NOIPA static i128 mod_s(i128 a, i128 b) { return a % b; }
NOIPA static u128 shl(u128 a, int n) { return a << n; }
NOIPA static u128 shr_u(u128 a, int n) { return a >> n; }
NOIPA static i128 shr_s(i128 a, int n) { return a >> n; }
NOIPA static int cmp_u(u128 a, u128 b) { return (a < b) | (a == b) << 1 | (a > b) << 2; }
NOIPA static int cmp_s(i128 a, i128 b) { return (a < b) | (a == b) << 1 | (a > b) << 2; }

static void p128(const char *label, u128 v) {
  rt_printf(" %s %016llx%016llx", label, (ull)(v >> 64), (ull)v);
}

static u128 mk(ull hi, ull lo) { return (u128)hi << 64 | lo; }

static void int128(void) {
  const u128 vals[] = {
    mk(0, 1), mk(0, 7), mk(0, 0xffffffffffffffffull), mk(1, 0), mk(0x123456789abcdef0ull, 0x0fedcba987654321ull),
    mk(0x7fffffffffffffffull, 0xffffffffffffffffull), mk(0x8000000000000000ull, 0),
    mk(0xffffffffffffffffull, 0xffffffffffffffffull), mk(0xffffffffffffffffull, 0xfffffffffffffff9ull),
    mk(0, 1000000007ull), mk(0x5a5a5a5a5a5a5a5aull, 0xa5a5a5a5a5a5a5a5ull),
  };
  const unsigned n = sizeof vals / sizeof vals[0];
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = 0; j < n; j++) {
      u128 a = vals[i], b = vals[j];
      rt_printf("i128 %u %u:", i, j);
      p128("mulu", mul_u(a, b));
      p128("muls", (u128)mul_s((i128)a, (i128)b));
      p128("divu", div_u(a, b));
      p128("modu", mod_u(a, b));
      /* the one signed quotient that does not fit: MIN / -1 */
      if (!(a == mk(0x8000000000000000ull, 0) && b == mk(0xffffffffffffffffull, 0xffffffffffffffffull))) {
        p128("divs", (u128)div_s((i128)a, (i128)b));
        p128("mods", (u128)mod_s((i128)a, (i128)b));
      }
      rt_printf(" cmp %d %d\n", cmp_u(a, b), cmp_s((i128)a, (i128)b));
    }
  static const int counts[] = {0, 1, 13, 63, 64, 65, 100, 127};
  for (unsigned i = 0; i < n; i++) {
    rt_printf("i128 shifts %u:", i);
    for (unsigned k = 0; k < sizeof counts / sizeof counts[0]; k++) {
      rt_printf(" %d", counts[k]);
      p128("<<", shl(vals[i], counts[k]));
      p128(">>", shr_u(vals[i], counts[k]));
      p128("sar", (u128)shr_s((i128)vals[i], counts[k]));
    }
    rt_printf("\n");
  }
  for (unsigned i = 0; i < NOVF; i++) {
    ull a = ovf_vals[i], b = ovf_vals[(i * 7 + 3) % NOVF];
    rt_printf("mul64x64 %llx %llx:", a, b);
    p128("u", mul_64x64(a, b));
    p128("s", (u128)mul_s64x64((int64_t)a, (int64_t)b));
    rt_printf("\n");
  }
}

/* __builtin_expect changes only block layout, never results. */
NOIPA static int classify(long x) {
  if (__builtin_expect(x < 0, 0)) return -1;
  if (__builtin_expect(x == 0, 0)) return 0;
  if (__builtin_expect(x > 1000, 1)) return 2;
  return 1;
}

static void expect(void) {
  static const long xs[] = {-5, 0, 1, 999, 1000, 1001, -9223372036854775807L - 1};
  int sum = 0;
  for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    int c = classify(xs[i]);
    sum = sum * 3 + c;
    rt_printf("classify %ld = %d\n", xs[i], c);
  }
  rt_printf("classify sum %d\n", sum);
}

int test_main(void) {
  bits();
  overflow();
  int128();
  expect();
  rt_printf("builtins done\n");
  return 0;
}
