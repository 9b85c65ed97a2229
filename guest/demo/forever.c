/*
 * Never finishes: prints one line, then spins. Exists so that the CLI tests
 * (and anyone trying --max-cycles by hand) have a guest that only the cycle
 * limit can stop. Natively it spins forever too; do not run it without a limit.
 */
#include "rt.h"

int test_main(void) {
  rt_printf("spinning forever\n");
  /* volatile: without it gcc emits a bare `jmp .`; with it the loop loads
   * and stores like a typical runaway loop does. */
  volatile uint64_t spins = 0;
  for (;;) spins = spins + 1;
}
