/*
 * FSIN is not implemented (the transcendental instructions' results are
 * microcode-specific): the run must stop at it naming the instruction,
 * never fault the guest or continue with a wrong value.
 */
#include "rt.h"

int test_main(void) {
  rt_printf("before fsin\n");
  __asm__ volatile("fninit; fld1; fsin; fstp %%st(0)" ::: "memory");
  rt_printf("after fsin\n");
  return 0;
}
