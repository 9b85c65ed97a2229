/*
 * CR0.EM, CR0.MP and CR0.TS against x87 instructions and WAIT (SDM Vol. 3A
 * §2.5 and Table 2-2 "Action Taken By x87 FPU Instructions for Different
 * Combinations of EM, MP, and TS"): with EM or TS set every x87
 * instruction (control ones included) raises #NM (vector 7); WAIT/FWAIT
 * raises #NM only when MP and TS are both set and ignores EM. Ring-0 only,
 * so no native twin: -DCASE=n picks one case, which ends with the
 * exception report ("exception 7 (#NM)", status 71) or with "no exception".
 * Case 9 clears CR0.NE, selecting the PC-compatible FERR#/IRQ 13 error
 * reporting the machine does not model: the run stops saying so.
 */
#include "rt.h"

#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_TS (1ul << 3)
#define CR0_NE (1ul << 5)

static void set_cr0(unsigned long set, unsigned long clear) {
  unsigned long cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  cr0 = (cr0 | set) & ~clear;
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
}

int test_main(void) {
  rt_trap_exceptions();
  __asm__ volatile("fninit");
  switch (CASE) {
    case 1: rt_printf("TS=1: fld1\n"); set_cr0(CR0_TS, 0); __asm__ volatile("fld1"); break;
    case 2: rt_printf("EM=1: fld1\n"); set_cr0(CR0_EM, 0); __asm__ volatile("fld1"); break;
    case 3: rt_printf("TS=1: fninit\n"); set_cr0(CR0_TS, 0); __asm__ volatile("fninit"); break;
    case 4: rt_printf("EM=1: fnstsw ax\n"); set_cr0(CR0_EM, 0); { unsigned short sw; __asm__ volatile("fnstsw %0" : "=a"(sw)); } break;
    case 5: rt_printf("MP=1 TS=1: fwait\n"); set_cr0(CR0_MP | CR0_TS, 0); __asm__ volatile("fwait"); break;
    case 6: rt_printf("MP=0 TS=1: fwait\n"); set_cr0(CR0_TS, CR0_MP); __asm__ volatile("fwait"); break;
    case 7: rt_printf("EM=1 MP=1: fwait\n"); set_cr0(CR0_EM | CR0_MP, 0); __asm__ volatile("fwait"); break;
    case 8: rt_printf("TS=1, then clts: fld1\n"); set_cr0(CR0_TS, 0); __asm__ volatile("clts; fld1; fstp %%st(0)" ::: "memory"); break;
    case 9: { /* NE=0: a pending x87 error goes out on FERR# (PC-style IRQ 13), which the machine does not model */
      unsigned short cw = 0x037b;
      rt_printf("NE=0: 1/0 with ZM clear, then fwait\n");
      set_cr0(0, CR0_NE);
      __asm__ volatile("fldcw %0; fld1; fldz; fdivrp %%st, %%st(1); fwait" : : "m"(cw));
      break;
    }
  }
  set_cr0(CR0_MP, CR0_EM | CR0_TS);
  rt_printf("no exception\n");
  return 0;
}
