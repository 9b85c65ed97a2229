/*
 * Conditional jumps right after the flag-setting instruction: CMP, SUB, ADD,
 * AND, OR, XOR and TEST at 32 and 64 bits, register and immediate sources,
 * over edge operands, each followed at once by each of the 16 Jcc
 * conditions. The ALU instruction and the Jcc sit side by side in one basic
 * block, the shape the block compiler fuses (docs/architecture.md "Block
 * compiler"); the outcome of every jump is printed as a 16-bit mask per
 * operand pair, so the native run is the reference for every condition.
 */
#include "rt.h"

typedef unsigned long long ull;

/* One ALU op then one Jcc; _r = 1 when the jump is taken. */
#define J(INS, DST, SRC, CC, bit)                                              \
  do {                                                                         \
    ull _d = a;                                                                \
    int _r;                                                                    \
    __asm__ volatile(INS " " SRC ", " DST "\n\t"                              \
                     "j" CC " 1f\n\t"                                          \
                     "movl $0, %0\n\t"                                         \
                     "jmp 2f\n"                                                \
                     "1:\n\t"                                                  \
                     "movl $1, %0\n"                                           \
                     "2:"                                                      \
                     : "=&r"(_r), "+r"(_d)                                     \
                     : "r"(b)                                                  \
                     : "cc");                                                  \
    m |= (unsigned)_r << (bit);                                                \
  } while (0)

#define ALL16(INS, DST, SRC)                                                   \
  J(INS, DST, SRC, "o", 0); J(INS, DST, SRC, "no", 1);                          \
  J(INS, DST, SRC, "b", 2); J(INS, DST, SRC, "ae", 3);                          \
  J(INS, DST, SRC, "e", 4); J(INS, DST, SRC, "ne", 5);                          \
  J(INS, DST, SRC, "be", 6); J(INS, DST, SRC, "a", 7);                          \
  J(INS, DST, SRC, "s", 8); J(INS, DST, SRC, "ns", 9);                          \
  J(INS, DST, SRC, "p", 10); J(INS, DST, SRC, "np", 11);                        \
  J(INS, DST, SRC, "l", 12); J(INS, DST, SRC, "ge", 13);                        \
  J(INS, DST, SRC, "le", 14); J(INS, DST, SRC, "g", 15)

/* Register source: 64-bit (%2, %1) and 32-bit (%k2, %k1) forms. */
#define DEF_RR(NAME, INS)                                                      \
  __attribute__((noipa)) static unsigned NAME##_q(ull a, ull b) {              \
    unsigned m = 0;                                                            \
    ALL16(INS "q", "%1", "%2");                                                \
    return m;                                                                  \
  }                                                                            \
  __attribute__((noipa)) static unsigned NAME##_l(ull a, ull b) {              \
    unsigned m = 0;                                                            \
    ALL16(INS "l", "%k1", "%k2");                                              \
    return m;                                                                  \
  }

DEF_RR(cmp, "cmp")
DEF_RR(sub, "sub")
DEF_RR(add, "add")
DEF_RR(and, "and")
DEF_RR(or, "or")
DEF_RR(xor, "xor")
DEF_RR(test, "test")

/* Immediate sources (sign-extended imm32 at 64 bits); DST picks the 64-bit (%1) or 32-bit (%k1) register. */
#define DEF_RI(NAME, INS, DST, IMM)                                            \
  __attribute__((noipa)) static unsigned NAME(ull a) {                        \
    unsigned m = 0;                                                            \
    ull b = 0;                                                                 \
    (void)b;                                                                   \
    ALL16(INS, DST, IMM);                                                      \
    return m;                                                                  \
  }
DEF_RI(cmpq_1, "cmpq", "%1", "$1")
DEF_RI(cmpq_m1, "cmpq", "%1", "$-1")
DEF_RI(cmpq_max, "cmpq", "%1", "$0x7fffffff")
DEF_RI(cmpq_min, "cmpq", "%1", "$-0x80000000")
DEF_RI(subq_1, "subq", "%1", "$1")
DEF_RI(addq_m1, "addq", "%1", "$-1")
DEF_RI(addq_max, "addq", "%1", "$0x7fffffff")
DEF_RI(andq_m1, "andq", "%1", "$-1")
DEF_RI(testq_min, "testq", "%1", "$-0x80000000")
DEF_RI(xorq_1, "xorq", "%1", "$1")
DEF_RI(cmpl_1, "cmpl", "%k1", "$1")
DEF_RI(cmpl_m1, "cmpl", "%k1", "$-1")
DEF_RI(cmpl_min, "cmpl", "%k1", "$0x80000000")
DEF_RI(subl_max, "subl", "%k1", "$0x7fffffff")
DEF_RI(addl_1, "addl", "%k1", "$1")
DEF_RI(andl_ff, "andl", "%k1", "$0xff")
DEF_RI(orl_min, "orl", "%k1", "$0x80000000")
DEF_RI(testl_m1, "testl", "%k1", "$-1")

static const ull edge[] = {
  0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffffull, 0x80000000ull, 0xfffffffeull, 0xffffffffull,
  0x100000000ull, 0x1ffffffffull, 0x7fffffffffffffffull, 0x8000000000000000ull,
  0x8000000000000001ull, 0xfffffffffffffffeull, 0xffffffffffffffffull, 0x123456789abcdef0ull,
};
#define NEDGE (sizeof edge / sizeof edge[0])

typedef unsigned (*rr_fn)(ull, ull);
typedef unsigned (*ri_fn)(ull);

int main(void) {
  static const struct { const char *name; rr_fn f; } rr[] = {
    {"cmpq", cmp_q}, {"cmpl", cmp_l}, {"subq", sub_q}, {"subl", sub_l}, {"addq", add_q}, {"addl", add_l},
    {"andq", and_q}, {"andl", and_l}, {"orq", or_q}, {"orl", or_l}, {"xorq", xor_q}, {"xorl", xor_l},
    {"testq", test_q}, {"testl", test_l},
  };
  static const struct { const char *name; ri_fn f; } ri[] = {
    {"cmpq $1", cmpq_1}, {"cmpq $-1", cmpq_m1}, {"cmpq $0x7fffffff", cmpq_max}, {"cmpq $-0x80000000", cmpq_min},
    {"subq $1", subq_1}, {"addq $-1", addq_m1}, {"addq $0x7fffffff", addq_max}, {"andq $-1", andq_m1},
    {"testq $-0x80000000", testq_min}, {"xorq $1", xorq_1},
    {"cmpl $1", cmpl_1}, {"cmpl $-1", cmpl_m1}, {"cmpl $0x80000000", cmpl_min}, {"subl $0x7fffffff", subl_max},
    {"addl $1", addl_1}, {"andl $0xff", andl_ff}, {"orl $0x80000000", orl_min}, {"testl $-1", testl_m1},
  };
  for (unsigned k = 0; k < sizeof rr / sizeof rr[0]; k++) {
    for (unsigned i = 0; i < NEDGE; i++) {
      rt_printf("%s %llx:", rr[k].name, edge[i]);
      for (unsigned j = 0; j < NEDGE; j++) rt_printf(" %x", rr[k].f(edge[i], edge[j]));
      rt_printf("\n");
    }
  }
  for (unsigned k = 0; k < sizeof ri / sizeof ri[0]; k++) {
    rt_printf("%s:", ri[k].name);
    for (unsigned i = 0; i < NEDGE; i++) rt_printf(" %x", ri[k].f(edge[i]));
    rt_printf("\n");
  }
  return 0;
}
