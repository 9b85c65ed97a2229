/*
 * REP string instructions split across scheduler slices: every core copies
 * a buffer with REP MOVSB and fills half of it with REP STOSQ while the other
 * cores run, so the scheduler suspends each REP op part-way, many times
 * (test/repSuspend.test.ts). Each core checks its own bytes; core 0 reports.
 */
#include "rt.h"

#define N 16384
#define MAXC 4

static uint8_t src[MAXC][N], dst[MAXC][N];
static uint64_t arrived, bad;

int test_main_smp(long core, long ncores) {
  if (core < MAXC) {
    uint8_t *s = src[core], *d = dst[core];
    for (int i = 0; i < N; i++) s[i] = (uint8_t)(i * 7 + core);
    void *dd = d;
    const void *ss = s;
    uint64_t n = N;
    __asm__ volatile("rep movsb" : "+D"(dd), "+S"(ss), "+c"(n) : : "memory");
    void *d2 = d + N / 2;
    uint64_t q = N / 16, v = 0x0101010101010101ull * (uint64_t)(core + 1);
    __asm__ volatile("rep stosq" : "+D"(d2), "+c"(q) : "a"(v) : "memory");
    for (int i = 0; i < N; i++) {
      uint8_t want = i < N / 2 ? (uint8_t)(i * 7 + core) : (uint8_t)(core + 1);
      if (d[i] != want) { __atomic_fetch_add(&bad, 1, __ATOMIC_RELAXED); break; }
    }
  }
  __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
  if (core != 0) return 0;
  while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != (uint64_t)ncores) __builtin_ia32_pause();
  rt_printf("rep copies and fills correct on every core: %s\n", bad == 0 ? "yes" : "no");
  return 0;
}
