/*
 * #UD through the IDT: __builtin_trap() compiles to ud2, the instruction
 * reserved to raise an invalid-opcode exception (SDM Vol. 2B, UD). Natively
 * the kernel turns it into SIGILL. Expected: "exception 6 (#UD)", status 70.
 */
#include "rt.h"

int test_main(void) {
  rt_trap_exceptions();
  rt_printf("executing ud2\n");
  __builtin_trap();
}
