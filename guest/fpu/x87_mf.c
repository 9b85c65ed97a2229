/*
 * An unmasked x87 exception is reported at the next waiting x87
 * instruction as #MF (vector 16) when CR0.NE = 1 (SDM Vol. 1 §8.7 "Handling
 * x87 FPU Exceptions in Software", §8.6 "x87 FPU Exception
 * Synchronization"): FDIV by zero with ZM cleared sets ZE and ES, the
 * division itself completes without a trap, FNSTSW (no-wait) still reads
 * the status word, and the FWAIT after it faults. Natively Linux delivers
 * the same #MF as SIGFPE with trap number 16; rt_trap_exceptions prints
 * "exception 16 (#MF)" either way and exits with status 80.
 */
#include "rt.h"

int test_main(void) {
  rt_trap_exceptions();
  unsigned short cw = 0x037b; /* ZM (bit 2) cleared */
  unsigned short sw;
  __asm__ volatile("fninit; fldcw %0" : : "m"(cw));
  __asm__ volatile("fld1; fldz; fdivrp %%st, %%st(1); fnstsw %0" : "=a"(sw));
  rt_printf("after fdiv by zero: fsw %04x (ZE, ES, B; C1 %u)\n", sw, (sw >> 9) & 1);
  __asm__ volatile("fwait");
  rt_printf("fwait did not fault\n");
  return 1;
}
