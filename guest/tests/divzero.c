/*
 * #DE through the IDT: INT64_MIN / -1 does not fit in 64 bits, so idiv raises
 * a divide error exactly as a division by zero would (SDM Vol. 2A, IDIV:
 * "#DE If the source operand (divisor) is 0. The signed result (quotient) is
 * too large for the destination."). Natively the kernel turns it into SIGFPE.
 * Expected in both worlds: "exception 0 (#DE)", status 64.
 */
#include "rt.h"

int test_main(void) {
  rt_trap_exceptions();
  /* volatile: gcc must not see the operands, or it could fold the division
   * away (it is undefined behaviour in C, so gcc may assume it never happens). */
  volatile int64_t a = INT64_MIN, b = -1;
  rt_printf("dividing INT64_MIN by -1\n");
  int64_t q = a / b;
  rt_printf("not reached: quotient %lld\n", (long long)q);
  return 1;
}
