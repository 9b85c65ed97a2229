/* The Linux x86-64 system-call convention: number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9;
 * the kernel clobbers RCX and R11; a result in [-4095, -1] is -errno. */
#ifndef LIBC_SYSCALL_H
#define LIBC_SYSCALL_H
static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return ret;
}
#define __syscall0(n) __syscall6(n, 0, 0, 0, 0, 0, 0)
#define __syscall1(n, a) __syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define __syscall2(n, a, b) __syscall6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define __syscall3(n, a, b, c) __syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define __syscall4(n, a, b, c, d) __syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
/* errno convention of the C wrappers */
long __syscall_ret(long r);
#endif
