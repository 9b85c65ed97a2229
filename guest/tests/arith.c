/*
 * Integer arithmetic on 8/16/32/64-bit signed and unsigned types, over edge
 * values (0, 1, -1, MIN, MAX, MIN+1, bit patterns): add, sub, mul, div, mod,
 * logic, comparisons (setcc), min/max/select (cmov), shifts, rotations,
 * division by constants (multiply-by-reciprocal sequences), widening and
 * narrowing, and byte/word read-modify-write through pointers.
 *
 * Every operation sits in its own noipa function: gcc may then neither inline
 * nor constant-propagate the operands, so the instructions really execute.
 * Signed results are computed in unsigned arithmetic where C would call the
 * overflow undefined, so the native and guest builds cannot legally differ.
 */
#include "rt.h"

#define NOIPA __attribute__((noipa))
#define H(U, x) ((unsigned long long)(U)(x))

/* W is the unsigned type the arithmetic is done in: at least 32 bits, so that
 * narrow operands are not promoted to (signed, overflowing) int. */
#define DEF_OPS(T, U, W, TAG, BITS)                                                  \
  NOIPA static T TAG##_add(T a, T b) { return (T)((W)(U)a + (W)(U)b); }               \
  NOIPA static T TAG##_sub(T a, T b) { return (T)((W)(U)a - (W)(U)b); }               \
  NOIPA static T TAG##_mul(T a, T b) { return (T)((W)(U)a * (W)(U)b); }               \
  NOIPA static T TAG##_div(T a, T b) { return (T)(a / b); }                           \
  NOIPA static T TAG##_mod(T a, T b) { return (T)(a % b); }                           \
  NOIPA static T TAG##_and(T a, T b) { return (T)(a & b); }                           \
  NOIPA static T TAG##_or(T a, T b) { return (T)(a | b); }                            \
  NOIPA static T TAG##_xor(T a, T b) { return (T)(a ^ b); }                           \
  NOIPA static int TAG##_cmp(T a, T b) {                                             \
    return (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 | (a == b) << 4 |  \
           (a != b) << 5;                                                            \
  }                                                                                  \
  NOIPA static T TAG##_min(T a, T b) { return a < b ? a : b; }                        \
  NOIPA static T TAG##_max(T a, T b) { return a > b ? a : b; }                        \
  NOIPA static T TAG##_sel(T a, T b, T c) { return a >= b ? c : (T)(c ^ b); }         \
  NOIPA static T TAG##_neg(T a) { return (T)(0 - (W)(U)a); }                          \
  NOIPA static T TAG##_not(T a) { return (T)~a; }                                     \
  NOIPA static T TAG##_shl(T a, int n) { return (T)((W)(U)a << n); }                  \
  NOIPA static T TAG##_shr(T a, int n) { return (T)(a >> n); }                        \
  NOIPA static U TAG##_rol(U a, int n) { return (U)((a << n) | (a >> (BITS - n))); }  \
  NOIPA static U TAG##_ror(U a, int n) { return (U)((a >> n) | (a << (BITS - n))); }  \
  NOIPA static U TAG##_rol5(U a) { return (U)((a << 5) | (a >> (BITS - 5))); }        \
  NOIPA static void TAG##_divc(T a, T *q) {                                          \
    q[0] = (T)(a / 3); q[1] = (T)(a % 3); q[2] = (T)(a / 7); q[3] = (T)(a % 7);      \
    q[4] = (T)(a / 10); q[5] = (T)(a % 10); q[6] = (T)(a / 16); q[7] = (T)(a % 16);  \
    q[8] = (T)(a / 100); q[9] = (T)(a % 100); q[10] = (T)(a / (T)-3);                \
    q[11] = (T)(a % (T)-3);                                                          \
  }

DEF_OPS(int8_t, uint8_t, uint32_t, s8, 8)
DEF_OPS(uint8_t, uint8_t, uint32_t, u8, 8)
DEF_OPS(int16_t, uint16_t, uint32_t, s16, 16)
DEF_OPS(uint16_t, uint16_t, uint32_t, u16, 16)
DEF_OPS(int32_t, uint32_t, uint32_t, s32, 32)
DEF_OPS(uint32_t, uint32_t, uint32_t, u32, 32)
DEF_OPS(int64_t, uint64_t, uint64_t, s64, 64)
DEF_OPS(uint64_t, uint64_t, uint64_t, u64, 64)

#define NEDGE 11
static uint64_t edge(int i, int bits) {
  uint64_t min = 1ull << (bits - 1);
  switch (i) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return 7;
    case 4: return 10;
    case 5: return ~0ull;             /* -1 */
    case 6: return min;               /* MIN, 0x80.. */
    case 7: return min - 1;           /* MAX, 0x7f.. */
    case 8: return min + 1;
    case 9: return 0x5a5a5a5a5a5a5a5aull;
    default: return 0x123456789abcdef0ull;
  }
}

/* Divides only where C defines the result; for 8/16 bits even MIN / -1 is
 * fine, since the operands are promoted to int first. */
#define RUN(T, U, TAG, BITS, SIGNED)                                                         \
  do {                                                                                     \
    for (int i = 0; i < NEDGE; i++)                                                        \
      for (int j = 0; j < NEDGE; j++) {                                                    \
        T a = (T)(U)edge(i, BITS), b = (T)(U)edge(j, BITS);                                \
        rt_printf(#TAG " %llx %llx: + %llx - %llx * %llx & %llx | %llx ^ %llx", H(U, a),    \
                  H(U, b), H(U, TAG##_add(a, b)), H(U, TAG##_sub(a, b)),                   \
                  H(U, TAG##_mul(a, b)), H(U, TAG##_and(a, b)), H(U, TAG##_or(a, b)),      \
                  H(U, TAG##_xor(a, b)));                                                  \
        int overflow = SIGNED && BITS >= 32 && (U)a == (U)1 << (BITS - 1) && (U)b == (U)-1; \
        if (b != 0 && !overflow)                                                           \
          rt_printf(" / %llx %% %llx", H(U, TAG##_div(a, b)), H(U, TAG##_mod(a, b)));      \
        else                                                                               \
          rt_printf(" / - %% -");                                                          \
        rt_printf(" cmp %x min %llx max %llx sel %llx\n", TAG##_cmp(a, b),                 \
                  H(U, TAG##_min(a, b)), H(U, TAG##_max(a, b)),                            \
                  H(U, TAG##_sel(a, b, (T)0x3c)));                                         \
      }                                                                                    \
    for (int i = 0; i < NEDGE; i++) {                                                      \
      T a = (T)(U)edge(i, BITS);                                                           \
      T q[12];                                                                             \
      rt_printf(#TAG " %llx: neg %llx not %llx rol5 %llx", H(U, a), H(U, TAG##_neg(a)),    \
                H(U, TAG##_not(a)), H(U, TAG##_rol5((U)a)));                               \
      static const int counts[] = {0, 1, 3, BITS / 2, BITS - 1};                           \
      for (int k = 0; k < 5; k++)                                                          \
        rt_printf(" <<%d %llx >>%d %llx", counts[k], H(U, TAG##_shl(a, counts[k])),        \
                  counts[k], H(U, TAG##_shr(a, counts[k])));                               \
      for (int k = 1; k < 5; k++)                                                          \
        rt_printf(" rol%d %llx ror%d %llx", counts[k], H(U, TAG##_rol((U)a, counts[k])),   \
                  counts[k], H(U, TAG##_ror((U)a, counts[k])));                            \
      TAG##_divc(a, q);                                                                    \
      rt_printf("\n  divc");                                                               \
      for (int k = 0; k < 12; k++) rt_printf(" %llx", H(U, q[k]));                          \
      rt_printf("\n");                                                                     \
    }                                                                                      \
  } while (0)

/* 32-bit results must arrive zero-extended in the 64-bit register (SDM Vol. 1,
 * 3.4.1.1: 32-bit operands zero the upper half of the destination); these
 * return 64-bit values so the caller does not re-extend. */
NOIPA static uint64_t wide_add32(uint64_t a, uint64_t b) { return (uint32_t)(a + b); }
NOIPA static uint64_t wide_mul32(uint64_t a, uint64_t b) { return (uint32_t)a * (uint32_t)b; }
NOIPA static uint64_t wide_not32(uint64_t a) { return (uint32_t)~a; }
NOIPA static uint64_t wide_shl32(uint64_t a, int n) { return (uint32_t)a << n; }
NOIPA static int64_t sx8(uint64_t a) { return (int8_t)a; }
NOIPA static int64_t sx16(uint64_t a) { return (int16_t)a; }
NOIPA static int64_t sx32(uint64_t a) { return (int32_t)a; }
NOIPA static uint64_t zx8(uint64_t a) { return (uint8_t)a; }
NOIPA static uint64_t zx16(uint64_t a) { return (uint16_t)a; }
NOIPA static int64_t smul32x32(int32_t a, int32_t b) { return (int64_t)a * b; }
NOIPA static uint64_t umul32x32(uint32_t a, uint32_t b) { return (uint64_t)a * b; }

/* Byte and word read-modify-write in memory: gcc uses 8/16-bit forms
 * (addb, subw, movzbl, movsbw, ...) that must leave the neighbours alone. */
NOIPA static void rmw8(uint8_t *p, uint8_t v) {
  p[0] = (uint8_t)(p[0] + v);
  p[1] = (uint8_t)(p[1] - v);
  p[2] ^= v;
  p[3] |= v;
  p[4] &= v;
  p[5] = (uint8_t)(p[5] * v);
  p[6] = (uint8_t)(p[6] << 1);
  p[7] = (uint8_t)~p[7];
}
NOIPA static void rmw8s(int8_t *p, int8_t v) {
  p[0] = (int8_t)(p[0] >> 2);
  p[1] = (int8_t)(p[1] < v ? p[1] : v);
  p[2] = (int8_t)-p[2];
  p[3] = (int8_t)(p[3] / 3);
}
NOIPA static void rmw16(uint16_t *p, uint16_t v) {
  p[0] = (uint16_t)(p[0] + v);
  p[1] = (uint16_t)(p[1] - v);
  p[2] ^= v;
  p[3] = (uint16_t)((uint32_t)p[3] * v);
  p[4] = (uint16_t)(p[4] >> 3);
  p[5] = (uint16_t)((p[5] << 4) | (p[5] >> 12));
}
NOIPA static int64_t sum_mixed(const int8_t *a, const uint8_t *b, const int16_t *c, const uint16_t *d,
                               const int32_t *e) {
  return (int64_t)a[0] + b[0] + c[0] + d[0] + e[0] + a[1] * (int64_t)c[1];
}

static void partial_registers(void) {
  union { uint8_t b[8]; uint16_t w[4]; uint64_t q; } m;
  static const uint8_t vs[] = {0, 1, 0x7f, 0x80, 0xff, 0x5a};
  for (unsigned i = 0; i < sizeof vs; i++) {
    m.q = 0x8877665544332211ull ^ (0x0101010101010101ull * vs[i]);
    rmw8(m.b, vs[i]);
    rt_printf("rmw8 %x -> %016llx\n", vs[i], (unsigned long long)m.q);
    m.q = 0xf07f8001fe02c355ull + vs[i];
    rmw8s((int8_t *)m.b, (int8_t)vs[i]);
    rt_printf("rmw8s %x -> %016llx\n", vs[i], (unsigned long long)m.q);
    m.q = 0x123456789abcdef0ull - vs[i];
    rmw16(m.w, (uint16_t)(vs[i] * 0x0101u));
    rt_printf("rmw16 %x -> %016llx\n", vs[i], (unsigned long long)m.q);
  }
  int8_t a[2] = {-128, -1};
  uint8_t b[1] = {255};
  int16_t c[2] = {-32768, 32767};
  uint16_t d[1] = {65535};
  int32_t e[1] = {-2147483647 - 1};
  rt_printf("sum_mixed %lld\n", (long long)sum_mixed(a, b, c, d, e));
}

static void widening(void) {
  static const uint64_t vs[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                                0x80000000, 0xffffffff, 0xffffffff80000000ull, 0xfedcba9876543210ull};
  for (unsigned i = 0; i < sizeof vs / sizeof vs[0]; i++) {
    uint64_t v = vs[i], w = vs[(i + 5) % (sizeof vs / sizeof vs[0])];
    rt_printf("wide %llx %llx: add32 %llx mul32 %llx not32 %llx shl32 %llx", (unsigned long long)v,
              (unsigned long long)w, (unsigned long long)wide_add32(v, w),
              (unsigned long long)wide_mul32(v, w), (unsigned long long)wide_not32(v),
              (unsigned long long)wide_shl32(v, 7));
    rt_printf(" sx %lld %lld %lld zx %llu %llu", (long long)sx8(v), (long long)sx16(v), (long long)sx32(v),
              (unsigned long long)zx8(v), (unsigned long long)zx16(v));
    rt_printf(" smul %lld umul %llu\n", (long long)smul32x32((int32_t)v, (int32_t)w),
              (unsigned long long)umul32x32((uint32_t)v, (uint32_t)w));
  }
}

int test_main(void) {
  RUN(int8_t, uint8_t, s8, 8, 1);
  RUN(uint8_t, uint8_t, u8, 8, 0);
  RUN(int16_t, uint16_t, s16, 16, 1);
  RUN(uint16_t, uint16_t, u16, 16, 0);
  RUN(int32_t, uint32_t, s32, 32, 1);
  RUN(uint32_t, uint32_t, u32, 32, 0);
  RUN(int64_t, uint64_t, s64, 64, 1);
  RUN(uint64_t, uint64_t, u64, 64, 0);
  partial_registers();
  widening();
  rt_printf("arith done\n");
  return 0;
}
