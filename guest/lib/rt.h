/*
 * rt — the tiny runtime every shinjuku-emu guest program links with.
 *
 * The same program source builds two ways:
 *   - as a guest image (freestanding, static ELF64; console = byte OUT to port
 *     0xE9, exit = 32-bit OUT to port 0xF4, the Bochs/QEMU convention; the
 *     guest ABI is in docs/architecture.md), and
 *   - natively on the x86-64 host with -DRT_NATIVE (console = stdout, exit =
 *     exit(2)), so that the two outputs can be compared byte for byte.
 *
 * What runs, in this order of precedence:
 *   - `int main(void)` (or `int main(int argc, char **argv)`; a guest has no
 *     command line, so argc is 0): a plain C program. Core 0 runs it, other
 *     cores halt, and its return value is the exit status. When a program
 *     defines main, test_main and test_main_smp are not called - as natively,
 *     where the C library calls main.
 *   - `int test_main_smp(long core, long ncores)`: every core runs it; core
 *     0's return value is the exit status, other cores halt when they return.
 *   - `int test_main(void)`: core 0 runs it, the others halt; its return
 *     value is the exit status.
 * Exit statuses should stay within 0..119 (what QEMU's exit device carries).
 * A program that defines none of the three prints a line saying so and
 * exits with 1.
 */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void rt_putc(char c);
void rt_puts(const char *s);                       /* no newline added */
void rt_write(const char *s, size_t n);
/* printf subset: %d %i %u %x %X %c %s %p %% with l / ll / z modifiers,
 * '0' flag and a field width (e.g. %016lx). */
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vprintf(const char *fmt, va_list ap);
_Noreturn void rt_exit(int status);

/* Report CPU exceptions instead of dying silently: after this call, exception
 * vector V (0..31) prints "exception V (NAME)\n", e.g. "exception 0 (#DE)", and
 * exits with status 64 + V. As a guest this loads an IDT (until then any
 * exception is a triple fault); natively it maps the signals the kernel turns
 * those exceptions into (SIGFPE, SIGTRAP, SIGILL, SIGSEGV/SIGBUS) to the same
 * output. Any other vector prints "unexpected interrupt V\n", status 63. */
void rt_trap_exceptions(void);

int test_main(void);
int test_main_smp(long core, long ncores);

/* gcc may emit calls to these even in freestanding code (struct copies). */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
