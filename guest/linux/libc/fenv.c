/* Rounding mode and flags in both the x87 control/status words and MXCSR (glibc sysdeps/x86_64/fpu). */
#include <fenv.h>
int fegetround(void) { unsigned short cw; __asm__ volatile("fnstcw %0" : "=m"(cw)); return cw & 0xc00; }
int fesetround(int round) {
  if (round & ~0xc00) return 1;
  unsigned short cw; unsigned int mx;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  cw = (unsigned short)((cw & ~0xc00) | round);
  __asm__ volatile("fldcw %0" : : "m"(cw));
  __asm__ volatile("stmxcsr %0" : "=m"(mx));
  mx = (mx & ~0x6000u) | ((unsigned)round << 3);
  __asm__ volatile("ldmxcsr %0" : : "m"(mx));
  return 0;
}
int feclearexcept(int ex) {
  struct { unsigned short cw, r0, sw, r1; unsigned int rest[5]; } env;
  unsigned int mx;
  ex &= FE_ALL_EXCEPT;
  __asm__ volatile("fnstenv %0" : "=m"(env));
  env.sw &= (unsigned short)~ex;
  __asm__ volatile("fldenv %0" : : "m"(env));
  __asm__ volatile("stmxcsr %0" : "=m"(mx));
  mx &= ~(unsigned)ex;
  __asm__ volatile("ldmxcsr %0" : : "m"(mx));
  return 0;
}
int fetestexcept(int ex) {
  unsigned short sw; unsigned int mx;
  __asm__ volatile("fnstsw %0" : "=m"(sw));
  __asm__ volatile("stmxcsr %0" : "=m"(mx));
  return (sw | (int)mx) & ex & FE_ALL_EXCEPT;
}
int feraiseexcept(int ex) {
  unsigned int mx;
  __asm__ volatile("stmxcsr %0" : "=m"(mx));
  mx |= (unsigned)(ex & FE_ALL_EXCEPT);
  __asm__ volatile("ldmxcsr %0" : : "m"(mx));
  return 0;
}
