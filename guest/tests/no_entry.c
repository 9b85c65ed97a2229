/*
 * A program with no entry point at all (no main, test_main or
 * test_main_smp), e.g. main misspelled: rt says so and exits with 1 rather
 * than succeed silently.
 */
#include "rt.h"

int Main(void) {
  rt_printf("not reached\n");
  return 0;
}
