/*
 * Memory traffic: struct assignment of 64/256/4096-byte structs (inline moves,
 * rep movs or a memcpy call, whichever gcc picks), memset/memcmp, arrays of
 * structs, string routines written in C, loads and stores of every width at
 * every misalignment, sign/zero-extending loads, and volatile accesses that
 * must not be merged or dropped.
 */
#include "rt.h"

#define NOIPA __attribute__((noipa))
typedef unsigned long long ull;

struct s64 { uint64_t w[8]; };
struct s256 { uint32_t w[64]; };
struct s4096 { uint8_t b[4096]; };

static struct s64 g64a, g64b;
static struct s256 g256a, g256b;
static struct s4096 g4096a, g4096b;

/* FNV-1a over a byte range: an order-sensitive digest of whole buffers. */
static uint64_t digest(const void *p, size_t n) {
  const uint8_t *b = p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ull; }
  return h;
}

/* memcmp promises only the sign of its result; the host's libc and rt differ in magnitude. */
static int sgn(int v) { return (v > 0) - (v < 0); }

NOIPA static void copy64(struct s64 *d, const struct s64 *s) { *d = *s; }
NOIPA static void copy256(struct s256 *d, const struct s256 *s) { *d = *s; }
NOIPA static void copy4096(struct s4096 *d, const struct s4096 *s) { *d = *s; }
NOIPA static struct s256 make256(uint32_t seed) {
  struct s256 r;
  for (int i = 0; i < 64; i++) r.w[i] = seed * (uint32_t)(i + 1) ^ (seed >> (i & 15));
  return r;
}
NOIPA static uint32_t sum256(struct s256 v) {  /* passed by value: copied on the stack */
  uint32_t s = 0;
  for (int i = 0; i < 64; i++) s += v.w[i] * (uint32_t)(i | 1);
  return s;
}

static void structs(void) {
  for (int i = 0; i < 8; i++) g64a.w[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ 0x8000000000000001ull;
  for (int i = 0; i < 64; i++) g256a.w[i] = (uint32_t)(i * 0x9e3779b9u);
  for (int i = 0; i < 4096; i++) g4096a.b[i] = (uint8_t)(i * 7 + (i >> 8));
  copy64(&g64b, &g64a);
  copy256(&g256b, &g256a);
  copy4096(&g4096b, &g4096a);
  rt_printf("copy64 %016llx %d\n", (ull)digest(&g64b, sizeof g64b), sgn(memcmp(&g64a, &g64b, sizeof g64a)));
  rt_printf("copy256 %016llx %d\n", (ull)digest(&g256b, sizeof g256b), sgn(memcmp(&g256a, &g256b, sizeof g256a)));
  rt_printf("copy4096 %016llx %d\n", (ull)digest(&g4096b, sizeof g4096b), sgn(memcmp(&g4096a, &g4096b, sizeof g4096a)));

  struct s256 local = make256(12345);
  rt_printf("make256 %016llx sum %u\n", (ull)digest(&local, sizeof local), sum256(local));
  struct s4096 big;            /* a 4 KiB local: the frame spans more than one page */
  big = g4096a;
  big.b[4095] ^= 0xff;
  big.b[1] = 0x80;
  rt_printf("big local %016llx cmp %d %d\n", (ull)digest(&big, sizeof big),
            sgn(memcmp(&big, &g4096a, sizeof big)), sgn(memcmp(&big.b[1], &g4096a.b[1], 4094)));

  memset(&g4096b, 0xa5, sizeof g4096b);
  memset(&g4096b.b[100], 0, 1000);
  memset(&g4096b.b[3], 0x11, 1);
  rt_printf("memset %016llx\n", (ull)digest(&g4096b, sizeof g4096b));
  static const int sizes[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 1000};
  for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    memset(&g4096b, 0, 2048);
    memmove(&g4096b.b[5], &g4096a.b[11], (size_t)sizes[k]);
    memmove(&g4096b.b[9], &g4096b.b[5], (size_t)sizes[k]);       /* overlapping, forward */
    memmove(&g4096b.b[2], &g4096b.b[9], (size_t)sizes[k]);       /* overlapping, backward */
    rt_printf("memmove %d %016llx\n", sizes[k], (ull)digest(&g4096b, 2048));
  }
}

struct rec { uint8_t tag; int16_t delta; uint32_t id; uint64_t value; char name[5]; };

static void records(void) {
  struct rec recs[50];
  for (int i = 0; i < 50; i++) {
    recs[i].tag = (uint8_t)(i * 13);
    recs[i].delta = (int16_t)(i * 1000 - 25000);
    recs[i].id = (uint32_t)i * 2654435761u;
    recs[i].value = (uint64_t)i * 0x0123456789abcdefull;
    for (int k = 0; k < 4; k++) recs[i].name[k] = (char)('a' + (i + k) % 26);
    recs[i].name[4] = 0;
  }
  for (int i = 49; i > 0; i -= 3) recs[i - 1] = recs[i];
  int64_t deltas = 0;
  uint64_t values = 0;
  for (int i = 0; i < 50; i++) {
    deltas += recs[i].delta;
    values ^= recs[i].value + recs[i].id + recs[i].tag;
  }
  rt_printf("records sizeof %u deltas %lld values %016llx first %s last %s\n", (unsigned)sizeof(struct rec),
            (long long)deltas, (ull)values, recs[0].name, recs[49].name);
}

NOIPA static size_t my_strlen(const char *s) {
  const char *p = s;
  while (*p) p++;
  return (size_t)(p - s);
}
NOIPA static int my_strcmp(const char *a, const char *b) {
  while (*a && *a == *b) { a++; b++; }
  return (unsigned char)*a - (unsigned char)*b;
}
NOIPA static char *my_strcpy(char *d, const char *s) {
  char *r = d;
  while ((*d++ = *s++)) {}
  return r;
}
NOIPA static void reverse(char *s) {
  size_t n = my_strlen(s);
  for (size_t i = 0; i < n / 2; i++) { char t = s[i]; s[i] = s[n - 1 - i]; s[n - 1 - i] = t; }
}

static void strings(void) {
  static const char *const words[] = {"", "a", "ab", "abc", "abd", "abcd", "zebra", "Zebra",
                                      "shinjuku", "shinjuku!", "\xff\x01", "hello, world"};
  const unsigned n = sizeof words / sizeof words[0];
  for (unsigned i = 0; i < n; i++) {
    rt_printf("strlen %u = %u:", i, (unsigned)my_strlen(words[i]));
    for (unsigned j = 0; j < n; j++) {
      int c = my_strcmp(words[i], words[j]);
      rt_printf(" %c", c < 0 ? '<' : c > 0 ? '>' : '=');
    }
    rt_printf("\n");
  }
  char buf[64];
  my_strcpy(buf, "the quick brown fox jumps over the lazy dog");
  reverse(buf);
  rt_printf("reversed: %s\n", buf);
}

/* Access at any alignment: x86 allows it for ordinary loads and stores
 * (SDM Vol. 1, 4.1.1), so gcc emits plain movs through these types. */
typedef uint16_t u16u __attribute__((aligned(1), may_alias));
typedef uint32_t u32u __attribute__((aligned(1), may_alias));
typedef uint64_t u64u __attribute__((aligned(1), may_alias));
typedef int16_t s16u __attribute__((aligned(1), may_alias));
typedef int32_t s32u __attribute__((aligned(1), may_alias));

NOIPA static void store16(uint8_t *p, uint16_t v) { *(u16u *)p = v; }
NOIPA static void store32(uint8_t *p, uint32_t v) { *(u32u *)p = v; }
NOIPA static void store64(uint8_t *p, uint64_t v) { *(u64u *)p = v; }
NOIPA static uint64_t load16(const uint8_t *p) { return *(const u16u *)p; }
NOIPA static uint64_t load32(const uint8_t *p) { return *(const u32u *)p; }
NOIPA static uint64_t load64(const uint8_t *p) { return *(const u64u *)p; }
NOIPA static int64_t load8s(const uint8_t *p) { return *(const int8_t *)p; }
NOIPA static int64_t load16s(const uint8_t *p) { return *(const s16u *)p; }
NOIPA static int64_t load32s(const uint8_t *p) { return *(const s32u *)p; }
/* read-modify-write at odd addresses */
NOIPA static void add32_mem(uint8_t *p, uint32_t v) { *(u32u *)p += v; }
NOIPA static void xor64_mem(uint8_t *p, uint64_t v) { *(u64u *)p ^= v; }

static void unaligned(void) {
  static uint8_t buf[48] __attribute__((aligned(16)));
  for (int off = 0; off < 8; off++) {
    for (int i = 0; i < 48; i++) buf[i] = (uint8_t)(0xc0 + i);
    store64(buf + off, 0x1122334455667788ull);
    store32(buf + 16 + off, 0x99aabbccu);
    store16(buf + 28 + off, 0xddeeu);
    buf[40 + off] = 0x5f;
    add32_mem(buf + 1 + off, 0x01010101u);
    xor64_mem(buf + 20 + off, 0xffff0000ffff0000ull);
    rt_printf("off %d: %016llx %08llx %04llx %016llx | %lld %lld %lld |", off, (ull)load64(buf + off),
              (ull)load32(buf + 16 + off), (ull)load16(buf + 28 + off), (ull)load64(buf + 33 + off),
              (long long)load8s(buf + 17 + off), (long long)load16s(buf + 18 + off),
              (long long)load32s(buf + 3 + off));
    for (int i = 0; i < 48; i++) rt_printf(" %02x", buf[i]);
    rt_printf("\n");
  }
}

/* Every volatile access is one real load or store, in program order. */
static volatile uint32_t vcounter;
static volatile uint8_t vbytes[16];

static void volatiles(void) {
  vcounter = 0;
  for (int i = 0; i < 1000; i++) vcounter = vcounter + (uint32_t)i;
  for (int i = 0; i < 16; i++) vbytes[i] = (uint8_t)(i * 17);
  uint32_t s = 0;
  for (int r = 0; r < 3; r++)
    for (int i = 0; i < 16; i++) s = s * 31 + vbytes[i];
  rt_printf("volatile %u %u\n", vcounter, s);
}

int test_main(void) {
  structs();
  records();
  strings();
  unaligned();
  volatiles();
  rt_printf("memory done\n");
  return 0;
}
