/* printf and friends: formatted into a buffer, written with one write(2) per call (no stdio buffering). */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <errno.h>

struct _FILE { int fd; };
static struct _FILE out = { 1 }, err = { 2 };
FILE *stdout = &out;
FILE *stderr = &err;

struct sink { char *buf; size_t cap, len; };
static void put(struct sink *s, char c) { if (s->len + 1 < s->cap) s->buf[s->len] = c; s->len++; }
static void puts_n(struct sink *s, const char *p, size_t n) { while (n--) put(s, *p++); }

static void put_num(struct sink *s, unsigned long long v, int base, int upper, int width, int prec, int left, char pad, const char *prefix) {
  char tmp[32];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do { tmp[n++] = digits[v % (unsigned)base]; v /= (unsigned)base; } while (v);
  while (n < prec) tmp[n++] = '0';
  int plen = (int)strlen(prefix), total = n + plen;
  if (!left && pad == ' ') while (width-- > total) put(s, ' ');
  puts_n(s, prefix, (size_t)plen);
  if (!left && pad == '0') while (width-- > total) put(s, '0');
  while (n) put(s, tmp[--n]);
  if (left) while (width-- > total) put(s, ' ');
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  struct sink s = { buf, cap, 0 };
  for (; *fmt; fmt++) {
    if (*fmt != '%') { put(&s, *fmt); continue; }
    fmt++;
    int left = 0, plus = 0, space = 0, alt = 0, width = 0, prec = -1, lng = 0;
    char pad = ' ';
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') pad = '0';
      else if (*fmt == '+') plus = 1;
      else if (*fmt == ' ') space = 1;
      else if (*fmt == '#') alt = 1;
      else break;
    }
    if (*fmt == '*') { width = va_arg(ap, int); fmt++; } else while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    if (*fmt == '.') { fmt++; prec = 0; if (*fmt == '*') { prec = va_arg(ap, int); fmt++; } else while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0'); }
    for (;; fmt++) {
      if (*fmt == 'l') lng++;
      else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') lng = 2;
      else if (*fmt == 'h') lng = lng > 0 ? lng : -1;
      else break;
    }
    if (prec >= 0) pad = ' ';
    switch (*fmt) {
      case 'd': case 'i': {
        long long v = lng >= 1 ? va_arg(ap, long long) : va_arg(ap, int);
        unsigned long long m = (unsigned long long)v;
        const char *prefix = "";
        if (v < 0) { m = 0ull - m; prefix = "-"; } else if (plus) prefix = "+"; else if (space) prefix = " ";
        put_num(&s, m, 10, 0, width, prec, left, pad, prefix);
        break;
      }
      case 'u': case 'x': case 'X': case 'o': {
        unsigned long long v = lng >= 1 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
        int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
        put_num(&s, v, base, *fmt == 'X', width, prec, left, pad, alt && v && base == 16 ? (*fmt == 'X' ? "0X" : "0x") : alt && base == 8 ? "0" : "");
        break;
      }
      case 'p': {
        void *p = va_arg(ap, void *);
        if (!p) { puts_n(&s, "(nil)", 5); break; }
        put_num(&s, (uintptr_t)p, 16, 0, width, -1, left, ' ', "0x");
        break;
      }
      case 'c': put(&s, (char)va_arg(ap, int)); break;
      case 's': {
        const char *str = va_arg(ap, const char *);
        if (!str) str = "(null)";
        size_t n = strlen(str);
        if (prec >= 0 && (size_t)prec < n) n = (size_t)prec;
        if (!left) for (int w = width; w > (int)n; w--) put(&s, ' ');
        puts_n(&s, str, n);
        if (left) for (int w = width; w > (int)n; w--) put(&s, ' ');
        break;
      }
      case '%': put(&s, '%'); break;
      default: put(&s, '%'); put(&s, *fmt); break;
    }
  }
  if (cap) buf[s.len < cap ? s.len : cap - 1] = 0;
  return (int)s.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

int vfprintf(FILE *f, const char *fmt, va_list ap) {
  char buf[1024];
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < (int)sizeof buf) { write(f->fd, buf, (size_t)n); va_end(copy); return n; }
  char big[16384];
  int m = vsnprintf(big, sizeof big, fmt, copy);
  va_end(copy);
  write(f->fd, big, (size_t)(m < (int)sizeof big ? m : (int)sizeof big - 1));
  return m;
}
int vprintf(const char *fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }
int printf(const char *fmt, ...) { va_list ap; va_start(ap, fmt); int r = vfprintf(stdout, fmt, ap); va_end(ap); return r; }
int fprintf(FILE *f, const char *fmt, ...) { va_list ap; va_start(ap, fmt); int r = vfprintf(f, fmt, ap); va_end(ap); return r; }
int fputs(const char *str, FILE *f) { return (int)write(f->fd, str, strlen(str)); }
int puts(const char *str) {
  size_t n = strlen(str);
  char buf[1024];
  if (n < sizeof buf) { memcpy(buf, str, n); buf[n] = '\n'; write(1, buf, n + 1); return 1; }
  write(1, str, n);
  write(1, "\n", 1);
  return 1;
}
int putchar(int c) { char ch = (char)c; write(1, &ch, 1); return c; }
int fflush(FILE *f) { (void)f; return 0; }
void perror(const char *str) { fprintf(stderr, "%s: error %d\n", str, errno); }
