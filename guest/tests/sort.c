/*
 * A CPU-bound workload that also serves as the emulator's benchmark: sorting a
 * pseudo-random array three ways (quicksort, heap sort, insertion sort),
 * hashing a buffer (FNV-1a, bitwise CRC-32) and a sieve of primes. Only
 * checksums are printed, so the run is dominated by computation, not console
 * output. Sized for roughly 30 million guest instructions.
 */
#include "rt.h"

typedef unsigned long long ull;

#define N_SORT 30000     /* quicksort and heap sort */
#define N_INSERT 2000    /* insertion sort is quadratic */
#define N_HASH 65536
#define N_SIEVE 200000

static uint32_t arr[N_SORT], work[N_SORT];
static uint8_t hashbuf[N_HASH];
static uint8_t composite[N_SIEVE + 1];

/* xorshift64 (Marsaglia 2003), fixed seed: the same array in every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t xorshift64(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

static void quicksort(uint32_t *a, long lo, long hi) {
  while (lo < hi) {
    uint32_t pivot = a[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    /* recurse into the smaller half, loop on the larger: O(log n) stack */
    if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
    else { quicksort(a, i, hi); hi = j; }
  }
}

static void sift_down(uint32_t *a, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && a[child + 1] > a[child]) child++;
    if (a[root] >= a[child]) return;
    uint32_t t = a[root]; a[root] = a[child]; a[child] = t;
    root = child;
  }
}

static void heapsort(uint32_t *a, size_t n) {
  for (size_t i = n / 2; i-- > 0;) sift_down(a, i, n);
  for (size_t end = n; end-- > 1;) {
    uint32_t t = a[0]; a[0] = a[end]; a[end] = t;
    sift_down(a, 0, end);
  }
}

static void insertion_sort(uint32_t *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    uint32_t v = a[i];
    size_t j = i;
    while (j > 0 && a[j - 1] > v) { a[j] = a[j - 1]; j--; }
    a[j] = v;
  }
}

/* Position-weighted sum and an order check: any misplaced element shows up. */
static void report(const char *what, const uint32_t *a, size_t n) {
  uint64_t sum = 0;
  size_t inversions = 0;
  for (size_t i = 0; i < n; i++) {
    sum = sum * 1000003u + a[i];
    if (i && a[i - 1] > a[i]) inversions++;
  }
  rt_printf("%s: n %u min %u max %u median %u checksum %016llx unsorted pairs %u\n", what, (unsigned)n, a[0],
            a[n - 1], a[n / 2], (ull)sum, (unsigned)inversions);
}

static uint32_t fnv1a32(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
  return h;
}

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), one bit at a time. */
static uint32_t crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

int test_main(void) {
  for (size_t i = 0; i < N_SORT; i++) arr[i] = (uint32_t)(xorshift64() >> 32);

  for (size_t i = 0; i < N_SORT; i++) work[i] = arr[i];
  quicksort(work, 0, N_SORT - 1);
  report("quicksort", work, N_SORT);

  for (size_t i = 0; i < N_SORT; i++) work[i] = arr[i];
  heapsort(work, N_SORT);
  report("heapsort", work, N_SORT);

  for (size_t i = 0; i < N_INSERT; i++) work[i] = arr[i];
  insertion_sort(work, N_INSERT);
  report("insertion", work, N_INSERT);

  static const uint8_t check[] = "123456789";  /* the standard check string */
  rt_printf("crc32(\"123456789\") = %08x fnv1a32 = %08x\n", crc32(check, 9), fnv1a32(check, 9));
  for (size_t i = 0; i < N_HASH; i++) hashbuf[i] = (uint8_t)xorshift64();
  rt_printf("buffer: fnv1a32 %08x crc32 %08x\n", fnv1a32(hashbuf, N_HASH), crc32(hashbuf, N_HASH));

  for (size_t i = 2; (uint64_t)i * i <= N_SIEVE; i++)
    if (!composite[i])
      for (size_t j = i * i; j <= N_SIEVE; j += i) composite[j] = 1;
  size_t count = 0, last = 0;
  uint64_t psum = 0;
  for (size_t i = 2; i <= N_SIEVE; i++)
    if (!composite[i]) { count++; last = i; psum += i; }
  rt_printf("primes <= %u: %u, largest %u, sum %llu\n", N_SIEVE, (unsigned)count, (unsigned)last, (ull)psum);
  rt_printf("sort done\n");
  return 0;
}
