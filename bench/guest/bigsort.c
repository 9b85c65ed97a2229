/*
 * Host-speed benchmark with a working set larger than L2 (and than the
 * profile's L3 share per core is not needed): sort 300 k pseudo-random 64-bit
 * keys (2.4 MiB) with a bottom-up merge sort through a second buffer
 * (another 2.4 MiB), then insert and look up 512 k keys in an open-addressing
 * hash table of 1 M slots (16 MiB), with random probes. What users run looks
 * like this: most loads and stores miss L1, many miss L2, and the TLB sees
 * thousands of 4 KiB pages' worth of 2 MiB mappings.
 */
#include "rt.h"

#define N_SORT 300000
#define N_HASH 524288
#define SLOTS (1u << 20)

typedef unsigned long long u64;

static u64 keys[N_SORT], tmp[N_SORT];
static u64 tkey[SLOTS], tval[SLOTS];

static u64 rng = 0x9e3779b97f4a7c15ull;
static u64 next(void) { u64 x = rng; x ^= x << 13; x ^= x >> 7; x ^= x << 17; return rng = x; }

static void merge_sort(u64 *a, u64 *b, long n) {
  for (long w = 1; w < n; w *= 2) {
    for (long lo = 0; lo < n; lo += 2 * w) {
      long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      long i = lo, j = mid, k = lo;
      while (i < mid && j < hi) b[k++] = a[i] <= a[j] ? a[i++] : a[j++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    u64 *t = a; a = b; b = t;
  }
  if (a != keys) for (long i = 0; i < n; i++) keys[i] = a[i];
}

static u64 mix(u64 k) { k ^= k >> 33; k *= 0xff51afd7ed558ccdull; k ^= k >> 33; return k; }

static void insert(u64 k, u64 v) {
  unsigned s = (unsigned)mix(k) & (SLOTS - 1);
  while (tkey[s] != 0 && tkey[s] != k) s = (s + 1) & (SLOTS - 1);
  tkey[s] = k; tval[s] = v;
}

static u64 lookup(u64 k) {
  unsigned s = (unsigned)mix(k) & (SLOTS - 1);
  while (tkey[s] != 0) { if (tkey[s] == k) return tval[s]; s = (s + 1) & (SLOTS - 1); }
  return 0;
}

int main(void) {
  for (long i = 0; i < N_SORT; i++) keys[i] = next();
  merge_sort(keys, tmp, N_SORT);
  u64 sorted = 1, h = 0;
  for (long i = 1; i < N_SORT; i++) if (keys[i - 1] > keys[i]) sorted = 0;
  for (long i = 0; i < N_SORT; i += 97) h = h * 31 + keys[i];
  rt_printf("sorted: %s, sample hash %016llx\n", sorted ? "yes" : "no", h);

  u64 seed = rng;
  for (long i = 0; i < N_HASH; i++) insert(next() | 1, (u64)i);
  rng = seed;
  u64 found = 0, sum = 0;
  for (long i = 0; i < N_HASH; i++) { u64 v = lookup(next() | 1); if (v == (u64)i) found++; sum += v; }
  for (long i = 0; i < N_HASH / 4; i++) if (lookup((next() << 1) | 2)) found += 1000000;
  rt_printf("found %llu of %d, sum %llu\n", found, N_HASH, sum);
  return found == N_HASH ? 0 : 1;
}
