/*
 * #BP through the IDT: int3 is a trap, so the exception is reported after the
 * instruction with RIP pointing past it (SDM Vol. 3A, 6.5 and Table 6-1); the
 * handler prints and exits instead of returning, so only the report is seen.
 * Natively the kernel turns it into SIGTRAP. Expected: "exception 3 (#BP)",
 * status 67.
 */
#include "rt.h"

int test_main(void) {
  rt_trap_exceptions();
  rt_printf("executing int3\n");
  __asm__ volatile("int3");
  rt_printf("not reached: returned from int3\n");
  return 1;
}
