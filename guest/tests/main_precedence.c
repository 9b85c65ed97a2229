/*
 * A program that defines main as well as test_main and test_main_smp: main
 * is what runs (rt.h), as natively, where the C library calls main and never
 * knows the other two. Expected: "main runs" and exit status 4.
 */
#include "rt.h"

int test_main(void) {
  rt_printf("test_main runs\n");
  return 3;
}

int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 0) rt_printf("test_main_smp runs\n");
  return 5;
}

int main(void) {
  rt_printf("main runs\n");
  return 4;
}
