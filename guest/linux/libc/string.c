#include <string.h>
/* Plain loops; gcc would turn a loop that looks like memcpy back into a call to memcpy, hence the volatile-free but
 * separate-translation-unit bodies built with -fno-builtin (see the build flags). */
void *memcpy(void *dst, const void *src, size_t n) { char *d = dst; const char *s = src; while (n--) *d++ = *s++; return dst; }
void *memmove(void *dst, const void *src, size_t n) {
  char *d = dst; const char *s = src;
  if (d < s) while (n--) *d++ = *s++;
  else { d += n; s += n; while (n--) *--d = *--s; }
  return dst;
}
void *memset(void *dst, int c, size_t n) { char *d = dst; while (n--) *d++ = (char)c; return dst; }
int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
  return 0;
}
size_t strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int strcmp(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return (unsigned char)*a - (unsigned char)*b; }
int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) { if (*a != *b) return (unsigned char)*a - (unsigned char)*b; if (!*a) return 0; }
  return 0;
}
char *strcpy(char *dst, const char *src) { char *d = dst; while ((*d++ = *src++)) ; return dst; }
