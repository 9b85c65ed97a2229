/*
 * User-space access (arch/x86/lib/copy_user_64.S, usercopy_64.c): an
 * access_ok range check, then REP MOVSB — copy_user_enhanced_fast_string,
 * what Linux patches in on a CPU with ERMS such as Haswell. STAC/CLAC are
 * not needed: Haswell has no SMAP, so those alternatives are NOPs there.
 * A fault on a user address is not fixed up (the callers check the range
 * and the kernel maps every user page eagerly).
 */
#include "kernel.h"

void *kmemcpy(void *d, const void *s, u64 n) {
  void *r = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return r;
}

void *kmemset(void *s, int c, u64 n) {
  void *r = s;
  __asm__ volatile("rep stosb" : "+D"(s), "+c"(n) : "a"(c) : "memory");
  return r;
}

/* memcpy_erms / memset_erms: what gcc's calls for struct copies reach in this kernel. */
void *memcpy(void *d, const void *s, size_t n) { return kmemcpy(d, s, n); }
void *memset(void *s, int c, size_t n) { return kmemset(s, c, n); }

u64 copy_from_user(void *to, const void __user *from, u64 n) {
  if (!access_ok(from, n)) { kmemset(to, 0, n); return n; }
  kmemcpy(to, (const void *)from, n);
  return 0;
}

u64 copy_to_user(void __user *to, const void *from, u64 n) {
  if (!access_ok(to, n)) return n;
  kmemcpy((void *)to, from, n);
  return 0;
}
