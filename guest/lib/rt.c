/* See rt.h. Kept deliberately small: every instruction here runs on the
 * emulated machine, so the console path is a plain byte loop. */
#include "rt.h"

#ifdef RT_NATIVE
#include <unistd.h>
#include <stdlib.h>
void rt_putc(char c) { (void)!write(1, &c, 1); }
_Noreturn void rt_exit(int status) { exit(status); }
#else
void rt_putc(char c) { __asm__ volatile("outb %0, $0xE9" : : "a"(c)); }
_Noreturn void rt_exit(int status) {
  __asm__ volatile("outl %0, $0xF4" : : "a"((unsigned)status));
  for (;;) __asm__ volatile("cli; hlt");
}
#endif

void rt_write(const char *s, size_t n) { for (size_t i = 0; i < n; i++) rt_putc(s[i]); }
void rt_puts(const char *s) { while (*s) rt_putc(*s++); }

static void put_uint(unsigned long long v, unsigned base, int upper, int width, char pad) {
  char buf[32];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do { buf[n++] = digits[v % base]; v /= base; } while (v);
  while (n < width) buf[n++] = pad;
  while (n) rt_putc(buf[--n]);
}

int rt_vprintf(const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') { rt_putc(*fmt); continue; }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') { pad = '0'; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l' || *fmt == 'z') { lng++; fmt++; }
    switch (*fmt) {
      case 'd': case 'i': {
        long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
        unsigned long long m = (unsigned long long)v;
        if (v < 0) { rt_putc('-'); m = 0ull - m; if (width) width--; }
        put_uint(m, 10, 0, width, pad);
        break;
      }
      case 'u': case 'x': case 'X': {
        unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
        put_uint(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, pad);
        break;
      }
      case 'p': rt_puts("0x"); put_uint((unsigned long long)(uintptr_t)va_arg(ap, void *), 16, 0, width, pad); break;
      case 'c': rt_putc((char)va_arg(ap, int)); break;
      case 's': { const char *s = va_arg(ap, const char *); rt_puts(s ? s : "(null)"); break; }
      case '%': rt_putc('%'); break;
      default: rt_putc('%'); rt_putc(*fmt); break;
    }
  }
  return 0;
}

int rt_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = rt_vprintf(fmt, ap);
  va_end(ap);
  return r;
}

#ifndef RT_NATIVE
/* Byte loops on purpose: gcc would turn a "smarter" loop back into a call to
 * memcpy itself. */
void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst; const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}
void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst; const unsigned char *s = src;
  if (d < s) { while (n--) *d++ = *s++; }
  else { d += n; s += n; while (n--) *--d = *--s; }
  return dst;
}
void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++) if (*x != *y) return *x - *y;
  return 0;
}
#endif

__attribute__((weak)) int test_main(void) { return 0; }

__attribute__((weak)) int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 0) return test_main();
#ifndef RT_NATIVE
  for (;;) __asm__ volatile("cli; hlt");
#endif
  return 0;
}

#ifdef RT_NATIVE
int main(void) { rt_exit(test_main_smp(0, 1)); }
#else
/* Entry point of the guest ABI (see ../shared/peers/README.md): every core
 * enters here in 64-bit ring 0 with RDI = core index and RSI = core count. */
void _start(long core, long ncores) {
  int status = test_main_smp(core, ncores);
  if (core == 0) rt_exit(status);
  for (;;) __asm__ volatile("cli; hlt");
}
#endif
