/*
 * A plain C program: it defines `int main(void)` and none of rt's other entry
 * points. rt runs main on core 0 and exits with what it returns, as a C
 * program does natively (issue 9: rt used to call only test_main, whose weak
 * default returned 0, so this printed nothing and exited 0).
 * Expected: 1 + 2 + ... + 100 = 100 * 101 / 2 = 5050, exit status 42.
 */
#include "rt.h"

int main(void) {
  unsigned sum = 0;
  for (unsigned i = 1; i <= 100; i++) sum += i;
  rt_printf("hello from main: 1 + ... + 100 = %u\n", sum);
  return 42;
}
