/*
 * vecint.c — integer loops gcc auto-vectorizes at -O2/-O3 (and with AVX2 at
 * -march=haswell), and struct copies/initializations it does with vector
 * moves; compared natively vs on the machine.
 */
#include "rt.h"

#define N 1000
static uint8_t b8[N], c8[N];
static int16_t s16[N];
static int32_t i32[N], j32[N];
static uint64_t u64[N];

struct rec { uint64_t a, b; uint32_t c[6]; uint8_t tag[13]; double d; };
static struct rec recs[40];

static uint64_t hash;
static void mixin(uint64_t v) { hash ^= v; hash *= 0x100000001b3ull; }

static __attribute__((noinline)) struct rec make(int i) {
  struct rec r = { (uint64_t)i * 3, ~(uint64_t)i, { 1, 2, 3, (uint32_t)i, 5, 6 }, "abcdefghijkl", i * 0.5 };
  return r;
}

int test_main(void) {
  uint64_t seed = 12345;
  for (int i = 0; i < N; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    b8[i] = (uint8_t)(seed >> 33); c8[i] = (uint8_t)(seed >> 41);
    s16[i] = (int16_t)(seed >> 17); i32[i] = (int32_t)(seed >> 20); j32[i] = (int32_t)(seed >> 7);
    u64[i] = seed;
  }
  /* saturating-free byte arithmetic, min/max, abs, compares */
  for (int i = 0; i < N; i++) c8[i] = (uint8_t)(b8[i] + c8[i] * 3);
  for (int i = 0; i < N; i++) b8[i] = b8[i] > c8[i] ? b8[i] : c8[i];
  for (int i = 0; i < N; i++) s16[i] = (int16_t)(s16[i] < 0 ? -s16[i] : s16[i]);
  for (int i = 0; i < N; i++) i32[i] = i32[i] * 7 + (j32[i] >> 3);
  for (int i = 0; i < N; i++) j32[i] = i32[i] < j32[i] ? i32[i] : j32[i];
  for (int i = 0; i < N; i++) u64[i] = (u64[i] << 3) ^ (u64[i] >> 5) ^ (uint64_t)i32[i];
  /* reductions */
  uint32_t sum8 = 0; int64_t sum32 = 0; uint64_t x64 = 0; int cnt = 0;
  for (int i = 0; i < N; i++) sum8 += b8[i];
  for (int i = 0; i < N; i++) sum32 += i32[i];
  for (int i = 0; i < N; i++) x64 ^= u64[i];
  for (int i = 0; i < N; i++) cnt += s16[i] > 1000;
  rt_printf("sum8 %u sum32 %lld x64 %016llx cnt %d\n", sum8, (long long)sum32, (unsigned long long)x64, cnt);
  /* multiply-accumulate with widening */
  int64_t mac = 0;
  for (int i = 0; i < N; i++) mac += (int32_t)s16[i] * (int32_t)(int16_t)j32[i];
  rt_printf("mac %lld\n", (long long)mac);
  /* struct copies */
  for (int i = 0; i < 40; i++) recs[i] = make(i);
  for (int i = 1; i < 40; i++) if (i % 3) recs[i] = recs[i - 1];
  for (int i = 0; i < 40; i++) { mixin(recs[i].a); mixin(recs[i].b); mixin(recs[i].c[3]); mixin(recs[i].tag[5]); uint64_t d; __builtin_memcpy(&d, &recs[i].d, 8); mixin(d); }
  for (int i = 0; i < N; i++) { mixin(b8[i]); mixin((uint16_t)s16[i]); mixin((uint32_t)j32[i]); }
  rt_printf("hash %016llx\n", (unsigned long long)hash);
  rt_printf("vecint done\n");
  return 0;
}
