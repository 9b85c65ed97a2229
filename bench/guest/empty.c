/* Bochs's boot time (BIOS, GRUB, the loader): the bench subtracts this run's time from each program's. */
#include "rt.h"
int main(void) { return 0; }
