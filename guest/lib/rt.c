/* See rt.h. Kept deliberately small: every instruction here runs on the
 * emulated machine, so the console path is a plain byte loop. */
#ifdef RT_NATIVE
#define _GNU_SOURCE /* REG_TRAPNO in <sys/ucontext.h> */
#endif
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

/* ---- exceptions (rt_trap_exceptions) ------------------------------------ */

/* Vector names as in the SDM, Vol. 3A, Table 6-1 "Protected-Mode Exceptions
 * and Interrupts" (9 is the obsolete coprocessor segment overrun). */
static const char *const exception_names[32] = {
  "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
  "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "reserved",
  "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "reserved", "reserved",
  "reserved", "reserved", "reserved", "reserved", "#HV", "#VC", "#SX", "reserved",
};

#ifdef RT_NATIVE
#include <signal.h>
#include <string.h>
#include <sys/ucontext.h>
/* _exit, not exit: this runs inside a signal handler, where only
 * async-signal-safe calls are allowed (output already goes straight to write). */
static _Noreturn void report_vector(unsigned v) {
  rt_printf("exception %u (%s)\n", v, exception_names[v]);
  _exit(64 + (int)v);
}
/* How Linux reports each exception to user space: #DE -> SIGFPE, #BP (int3)
 * -> SIGTRAP, #UD -> SIGILL, #GP -> SIGSEGV (or SIGBUS). A page fault is also
 * SIGSEGV, so natively it looks like #GP; the test programs do not fault.
 * SIGFPE also reports the x87 error #MF (and SIMD #XM): the signal frame's
 * trap number (uc_mcontext.gregs[REG_TRAPNO], the vector the kernel took)
 * tells them from #DE. */
static void on_signal(int sig, siginfo_t *info, void *uctx) {
  (void)info;
  if (sig == SIGFPE) report_vector((unsigned)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_TRAPNO] & 31);
  report_vector(sig == SIGTRAP ? 3 : sig == SIGILL ? 6 : 13);
}
void rt_trap_exceptions(void) {
  static const int sigs[] = { SIGFPE, SIGTRAP, SIGILL, SIGSEGV, SIGBUS };
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, 0);
}
#else
/* 64-bit IDT gate descriptor, SDM Vol. 3A, 6.14.1 and Figure 6-8. */
struct idt_gate {
  uint16_t offset_lo;
  uint16_t selector;
  uint8_t ist;        /* bits 2:0; 0 = stay on the current stack */
  uint8_t type_attr;  /* P | DPL << 5 | type */
  uint16_t offset_mid;
  uint32_t offset_hi;
  uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes in long mode");

/* SDM Vol. 3A, 6.10 asks for at least 8-byte alignment "to maximize
 * performance of cache line fills"; a whole line costs nothing here. */
static struct idt_gate idt[256] __attribute__((aligned(64)));

/* One stub per vector, 16 bytes apart, so that the handler of vector v is
 * rt_vector_stubs + 16 * v. Each pushes its vector and joins the common path.
 * The stack is not unwound afterwards: a report ends the program, so it does
 * not matter that vectors 8, 10-14, 17, 21, 29, 30 also pushed an error code;
 * the common path just realigns the stack for the C call (SysV ABI: RSP is
 * 16-byte aligned at a call instruction). */
extern const char rt_vector_stubs[];
__asm__(
  "  .text\n"
  "  .balign 16\n"
  "  .globl rt_vector_stubs\n"
  "rt_vector_stubs:\n"
  "  .set .Lrt_vec, 0\n"
  "  .rept 256\n"
  "  .balign 16, 0xcc\n"
  "  pushq $.Lrt_vec\n"            /* at most 5 bytes */
  "  jmp .Lrt_vector_common\n"     /* at most 5 bytes: fits in 16 */
  "  .set .Lrt_vec, .Lrt_vec + 1\n"
  "  .endr\n"
  ".Lrt_vector_common:\n"
  "  popq %rdi\n"
  "  andq $-16, %rsp\n"
  "  call rt_vector_entry\n"
  "  ud2\n");

_Noreturn void rt_vector_entry(unsigned long v);
_Noreturn void rt_vector_entry(unsigned long v) {
  if (v < 32) {
    rt_printf("exception %lu (%s)\n", v, exception_names[v]);
    rt_exit(64 + (int)v);
  }
  rt_printf("unexpected interrupt %lu\n", v);
  rt_exit(63);
}

void rt_trap_exceptions(void) {
  uint64_t stubs = (uint64_t)(uintptr_t)rt_vector_stubs;
  for (int v = 0; v < 256; v++) {
    uint64_t h = stubs + 16 * (uint64_t)v;
    idt[v].offset_lo = (uint16_t)h;
    idt[v].selector = 0x18;  /* the loader's 64-bit code segment (guest ABI) */
    idt[v].ist = 0;
    idt[v].type_attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate (type 0xE): IF cleared on entry */
    idt[v].offset_mid = (uint16_t)(h >> 16);
    idt[v].offset_hi = (uint32_t)(h >> 32);
    idt[v].reserved = 0;
  }
  /* IDTR: 16-bit limit, then the 64-bit linear base (SDM Vol. 3A, 6.10). */
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
    (uint16_t)(sizeof idt - 1), (uint64_t)(uintptr_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}
#endif

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

/* ---- libgcc replacements --------------------------------------------------
 * gcc calls these for __int128 division and for __builtin_popcount without
 * -mpopcnt. Debian's libgcc.a is built for user space: its __umodti3 spills
 * to the red zone below RSP and uses SSE registers, and every routine starts
 * with endbr64. A guest takes interrupts on its current stack (ring 0, no
 * IST), which would overwrite a red zone, so guests get these instead,
 * compiled with the guest flags (-mno-red-zone -mgeneral-regs-only). Being
 * defined here, they keep the linker from pulling libgcc's members in. */
typedef unsigned __int128 rt_u128;
typedef __int128 rt_i128;

/* One DIV: RDX:RAX / d, only called with hi < d so the quotient fits in 64
 * bits; d == 0 raises #DE, as the hardware (and libgcc) would. */
static inline uint64_t div128by64(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem) {
  uint64_t q, r;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
  *rem = r;
  return q;
}

static rt_u128 udivmod128(rt_u128 n, rt_u128 d, rt_u128 *rem) {
  uint64_t n_hi = (uint64_t)(n >> 64), n_lo = (uint64_t)n;
  uint64_t d_hi = (uint64_t)(d >> 64), d_lo = (uint64_t)d;
  if (d_hi == 0) {
    /* schoolbook division by a one-digit (64-bit) divisor, two DIVs at most */
    uint64_t q_hi = 0, r = n_hi;
    if (n_hi >= d_lo) q_hi = div128by64(0, n_hi, d_lo, &r);
    uint64_t q_lo = div128by64(r, n_lo, d_lo, &r);
    *rem = r;
    return (rt_u128)q_hi << 64 | q_lo;
  }
  if (n < d) { *rem = n; return 0; }
  /* d >= 2^64, so the quotient is below 2^64: shift-subtract over the bit
   * positions where the aligned divisor can still fit. */
  int shift = __builtin_clzll(d_hi) - (n_hi ? __builtin_clzll(n_hi) : 64);
  rt_u128 q = 0;
  d <<= shift;
  for (int i = 0; i <= shift; i++) {
    q <<= 1;
    if (n >= d) { n -= d; q |= 1; }
    d >>= 1;
  }
  *rem = n;
  return q;
}

rt_u128 __udivti3(rt_u128 n, rt_u128 d);
rt_u128 __umodti3(rt_u128 n, rt_u128 d);
rt_i128 __divti3(rt_i128 n, rt_i128 d);
rt_i128 __modti3(rt_i128 n, rt_i128 d);
int __popcountdi2(uint64_t x);

rt_u128 __udivti3(rt_u128 n, rt_u128 d) { rt_u128 r; return udivmod128(n, d, &r); }
rt_u128 __umodti3(rt_u128 n, rt_u128 d) { rt_u128 r; udivmod128(n, d, &r); return r; }
/* C division truncates toward zero: divide magnitudes, then the quotient is
 * negative iff the signs differ and the remainder takes the dividend's sign.
 * Negation is done unsigned, so MIN / -1 wraps to MIN like libgcc's does. */
rt_i128 __divti3(rt_i128 n, rt_i128 d) {
  rt_u128 un = n < 0 ? -(rt_u128)n : (rt_u128)n, ud = d < 0 ? -(rt_u128)d : (rt_u128)d, r;
  rt_u128 q = udivmod128(un, ud, &r);
  return (rt_i128)(((n < 0) != (d < 0)) ? -q : q);
}
rt_i128 __modti3(rt_i128 n, rt_i128 d) {
  rt_u128 un = n < 0 ? -(rt_u128)n : (rt_u128)n, ud = d < 0 ? -(rt_u128)d : (rt_u128)d, r;
  udivmod128(un, ud, &r);
  return (rt_i128)(n < 0 ? -r : r);
}
/* bit count by pairwise sums in ever wider fields (SWAR) */
int __popcountdi2(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (int)((x * 0x0101010101010101ull) >> 56);
}
#endif

/* Reached only when the program defines none of main, test_main and
 * test_main_smp (see rt.h): say so rather than succeed silently. */
__attribute__((weak)) int test_main(void) {
  rt_puts("rt: the program defines no main(), test_main() or test_main_smp(): nothing to run\n");
  return 1;
}

__attribute__((weak)) int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 0) return test_main();
#ifndef RT_NATIVE
  for (;;) __asm__ volatile("cli; hlt");
#endif
  return 0;
}

#ifdef RT_NATIVE
/* Weak: a program's own main replaces it, and the C library calls that one
 * directly, as for any C program. */
__attribute__((weak)) int main(void) { rt_exit(test_main_smp(0, 1)); }
#else
/* A program's main, if it has one (a weak reference: null when it has not). */
extern int main(int argc, char **argv) __attribute__((weak));

/* Entry point of the guest ABI (docs/architecture.md, "Guest ABI"): every core
 * enters _start in 64-bit ring 0 with RDI = core index and RSI = core count.
 * Before any C runs, _start turns on the FPU, SSE and (where the CPU has it)
 * AVX as a kernel does (SDM Vol. 3A §13.1 "Provide Operating System Support
 * for FXSAVE/FXRSTOR", §13.3 "Enable the Use of XSAVE"): CR0.MP and NE set,
 * EM and TS clear; CR4.OSFXSR and OSXMMEXCPT; if CPUID.1:ECX.XSAVE[26],
 * CR4.OSXSAVE and XCR0 = x87 | SSE (| AVX if CPUID.1:ECX.AVX[28]). Written
 * in assembly because the compiler may use SSE in any C function. The
 * arguments pass through R8/R9; the stack is left as it was, so the C entry
 * is reached by a jump with the loader's return address still in place. */
__asm__(
  "  .text\n"
  "  .globl _start\n"
  "_start:\n"
  "  mov %rdi, %r8\n"
  "  mov %rsi, %r9\n"
  "  mov %cr0, %rax\n"
  "  and $~0xc, %rax\n"          /* EM (bit 2), TS (bit 3) off */
  "  or $0x22, %rax\n"           /* MP (bit 1), NE (bit 5) on */
  "  mov %rax, %cr0\n"
  "  mov %cr4, %rax\n"
  "  or $0x600, %rax\n"          /* OSFXSR (bit 9), OSXMMEXCPT (bit 10) */
  "  mov %rax, %cr4\n"
  "  mov $1, %eax\n"
  "  cpuid\n"
  "  bt $26, %ecx\n"             /* XSAVE */
  "  jnc 1f\n"
  "  mov %ecx, %r10d\n"
  "  mov %cr4, %rax\n"
  "  or $0x40000, %rax\n"        /* OSXSAVE (bit 18) */
  "  mov %rax, %cr4\n"
  "  mov $3, %eax\n"             /* XCR0: x87 | SSE */
  "  bt $28, %r10d\n"            /* AVX */
  "  jnc 2f\n"
  "  or $4, %eax\n"
  "2:\n"
  "  xor %edx, %edx\n"
  "  xor %ecx, %ecx\n"
  "  xsetbv\n"
  "1:\n"
  "  mov %r8, %rdi\n"
  "  mov %r9, %rsi\n"
  "  jmp rt_start\n");

void rt_start(long core, long ncores);
/* main, when defined, is what runs - on core 0, as natively - and
 * test_main / test_main_smp are not called. */
void rt_start(long core, long ncores) {
  int status;
  if (main) {
    static char *argv[] = { 0 }; /* no command line: argc 0, argv[0] null (C11 5.1.2.2.1) */
    if (core != 0) for (;;) __asm__ volatile("cli; hlt");
    status = main(0, argv);
  } else {
    status = test_main_smp(core, ncores);
  }
  if (core == 0) rt_exit(status);
  for (;;) __asm__ volatile("cli; hlt");
}
#endif
