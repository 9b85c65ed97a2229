/*
 * flags.c — instruction-by-instruction RFLAGS oracle for the integer ALU.
 *
 * Every test runs one x86 instruction (GNU inline asm, explicit size suffix)
 * on edge operands with a chosen RFLAGS loaded by `popfq` just before it, and
 * captures the full 64-bit result register(s) plus RFLAGS (`pushfq; pop`)
 * just after it.  Built natively (-DRT_NATIVE) the host CPU produces the
 * reference output; built as a guest and run on the emulator the output must
 * be byte-identical.  Nothing here is hand-computed: the host is the oracle.
 *
 * Output: one line per (instruction, size):
 *     <mnemonic> <size>: n=<cases> h=<FNV-1a-64 of every (r1, r2, flags)>
 * and a final `total` line.  With -DFLAGS_VERBOSE every case is printed too
 * (operands, input flags, results, masked flags and the defined-flags mask),
 * so a mismatch can be located by diffing the two verbose outputs;
 * -DFLAGS_ONLY='"rcl"' restricts the run to the lines of one mnemonic.
 *
 * Only the flags the SDM defines for each instruction are compared (table
 * FSPEC below); everything else is masked off.  Register results are compared
 * as full 64-bit registers whose bits above the operand size are preloaded
 * with garbage, so partial-register writes (8/16-bit preserve the upper bits,
 * 32-bit zero-extends) are checked too.
 *
 * Size: about 24.5 k cases, about 3.4 M instructions (callgrind, native build
 * with the guest's code-generation flags), so the emulator runs it in a test.
 *
 * Guest constraints: freestanding, no libc, no SSE (-mgeneral-regs-only), only
 * rt.h.  The guest target is baseline x86-64, so popcnt/lzcnt/tzcnt are only
 * built when the compiler says they are available (neither build enables them).
 */
#include "rt.h"

/* ---- RFLAGS bits ------------------------------------------------------- */
#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define STATUS (CF | PF | AF | ZF | SF | OF) /* 0x8D5 */
/* Bits compared at all: the six status flags plus DF (0xCD5).  No tested
 * instruction writes DF and it is always 0 on input, so keeping it only checks
 * that the emulator does not disturb it. */
#define KEEP (STATUS | DF)

/* ---- Defined-flags table ----------------------------------------------- *
 * For each flag behaviour class: which bits are architecturally defined after
 * the instruction.  "Unaffected" flags are defined (they must keep their input
 * value, and the input flags are varied pseudo-randomly per case to check it).
 * Count-dependent classes give separate masks for masked count 0, 1 and >1.
 * Citations are the "Flags Affected" sections of the instruction pages in the
 * Intel SDM Vol. 2 (2A: A-L, 2B: M-U, 2D: W-Z).
 */
enum spec {
  SP_ARITH, SP_LOGIC, SP_INCDEC, SP_NEG, SP_NONE, SP_SHIFT, SP_SAR, SP_ROT,
  SP_SHXD, SP_MUL, SP_DIV, SP_BT, SP_BSF, SP_SAHF, SP_CARRY, NSPEC
};
static const struct { unsigned short def0, def1, defn; unsigned char counted; } FSPEC[NSPEC] = {
  /* 2A "ADD—Add", "ADC—Add With Carry", "CMP—Compare Two Operands",
   * "CMPXCHG—Compare and Exchange" (flags as CMP); 2B "SUB—Subtract",
   * "SBB—Integer Subtraction With Borrow"; 2D "XADD—Exchange and Add":
   * "The OF, SF, ZF, AF, CF, and PF flags are set according to the result." */
  [SP_ARITH] = { KEEP, KEEP, KEEP, 0 },
  /* 2A "AND—Logical AND"; 2B "OR—Logical Inclusive OR", "TEST—Logical
   * Compare"; 2D "XOR—Logical Exclusive OR": "The OF and CF flags are
   * cleared; the SF, ZF, and PF flags are set according to the result. The
   * state of the AF flag is undefined." */
  [SP_LOGIC] = { KEEP & ~AF, KEEP & ~AF, KEEP & ~AF, 0 },
  /* 2A "INC—Increment by 1", "DEC—Decrement by 1": "The CF flag is not
   * affected. The OF, SF, ZF, AF, and PF flags are set according to the
   * result."  (CF preserved => defined.) */
  [SP_INCDEC] = { KEEP, KEEP, KEEP, 0 },
  /* 2B "NEG—Two's Complement Negation": "The CF flag set to 0 if the source
   * operand is 0; otherwise it is set to 1. The OF, SF, ZF, AF, and PF flags
   * are set according to the result." */
  [SP_NEG] = { KEEP, KEEP, KEEP, 0 },
  /* "Flags Affected: None": 2B "NOT—One's Complement Negation",
   * "MOVSX/MOVSXD—Move With Sign-Extension", "MOVZX—Move With Zero-Extend",
   * "SETcc—Set Byte on Condition"; 2A "BSWAP—Byte Swap", "CMOVcc—Conditional
   * Move", "CBW/CWDE/CDQE—Convert Byte to Word/...", "CWD/CDQ/CQO—Convert
   * Word to Doubleword/...", "LAHF—Load Status Flags Into AH Register". */
  [SP_NONE] = { KEEP, KEEP, KEEP, 0 },
  /* 2B "SAL/SAR/SHL/SHR—Shift": "The CF flag contains the value of the last
   * bit shifted out of the destination operand; it is undefined for SHL and
   * SHR instructions where the count is greater than or equal to the size (in
   * bits) of the destination operand [handled in defmask()]. The OF flag is
   * affected only for 1-bit shifts; otherwise, it is undefined. The SF, ZF,
   * and PF flags are set according to the result. If the count is 0, the
   * flags are not affected. For a non-zero count, the AF flag is undefined." */
  [SP_SHIFT] = { KEEP, KEEP & ~AF, KEEP & ~AF & ~OF, 1 },
  [SP_SAR]   = { KEEP, KEEP & ~AF, KEEP & ~AF & ~OF, 1 },
  /* 2B "RCL/RCR/ROL/ROR—Rotate": "If the masked count is 0, the flags are not
   * affected. If the masked count is 1, then the OF flag is affected,
   * otherwise (masked count is greater than 1) the OF flag is undefined. The
   * CF flag is affected when the masked count is non-zero. The SF, ZF, AF, and
   * PF flags are always unaffected." */
  [SP_ROT] = { KEEP, KEEP, KEEP & ~OF, 1 },
  /* 2B "SHLD—Double Precision Shift Left", "SHRD—Double Precision Shift
   * Right": "If the count is 1 or greater, the CF flag is filled with the last
   * bit shifted out of the destination operand and the SF, ZF, and PF flags
   * are set according to the value of the result. For a 1-bit shift, the OF
   * flag is set if a sign change occurred; otherwise, it is cleared. For
   * shifts greater than 1 bit, the OF flag is undefined. If a shift occurs,
   * the AF flag is undefined. If the count operand is 0, the flags are not
   * affected. If the count is greater than the operand size, the flags are
   * undefined." (and so is the result: those cases are skipped, defmask()). */
  [SP_SHXD] = { KEEP, KEEP & ~AF, KEEP & ~AF & ~OF, 1 },
  /* 2B "MUL—Unsigned Multiply": "The OF and CF flags are set to 0 if the
   * upper half of the result is 0; otherwise, they are set to 1. The SF, ZF,
   * AF, and PF flags are undefined."  2A "IMUL—Signed Multiply" (all forms):
   * CF/OF set when the result is truncated / significant bits reach the
   * upper half; "The SF, ZF, AF, and PF flags are undefined." */
  [SP_MUL] = { CF | OF | DF, CF | OF | DF, CF | OF | DF, 0 },
  /* 2A "DIV—Unsigned Divide", "IDIV—Signed Divide": "The CF, OF, SF, ZF, AF,
   * and PF flags are undefined." */
  [SP_DIV] = { DF, DF, DF, 0 },
  /* 2A "BT—Bit Test", "BTC—Bit Test and Complement", "BTR—Bit Test and
   * Reset", "BTS—Bit Test and Set": "The CF flag contains the value of the
   * selected bit. The ZF flag is unaffected. The OF, SF, AF, and PF flags are
   * undefined." */
  [SP_BT] = { CF | ZF | DF, CF | ZF | DF, CF | ZF | DF, 0 },
  /* 2A "BSF—Bit Scan Forward", "BSR—Bit Scan Reverse": "The ZF flag is set to
   * 1 if the source operand is 0; otherwise, the ZF flag is cleared. The CF,
   * OF, SF, AF, and PF flags are undefined."  For a zero source the
   * destination is "undefined" (Intel leaves it unchanged, AMD documents
   * unchanged, but the upper half of a 32-bit destination differs), so only
   * ZF is compared for zero sources (record()). */
  [SP_BSF] = { ZF | DF, ZF | DF, ZF | DF, 0 },
  /* 2B "SAHF—Store AH Into Flags": "The SF, ZF, AF, PF, and CF flags are
   * loaded with values from the AH register. Bits 1, 3, and 5 of the EFLAGS
   * register are unaffected" (and OF is untouched). */
  [SP_SAHF] = { KEEP, KEEP, KEEP, 0 },
  /* 2B "STC—Set Carry Flag"; 2A "CLC—Clear Carry Flag", "CMC—Complement
   * Carry Flag": CF set/cleared/complemented; "The OF, ZF, SF, AF, and PF
   * flags are unaffected." */
  [SP_CARRY] = { KEEP, KEEP, KEEP, 0 },
};

/* ---- Instruction thunks -------------------------------------------------- *
 * Each thunk takes a, b, c and the input RFLAGS and returns two result
 * registers and the output RFLAGS.  The red zone is stepped over before the
 * push/pop pair (the native build has one); no operand lives in memory. */
typedef struct io { uint64_t a, b, c, fin, r1, r2, f; } io_t;
typedef void (*fn_t)(io_t *);

#define ASM_BEGIN "lea -128(%%rsp), %%rsp\n\tpush %[fin]\n\tpopfq\n\t"
#define ASM_END "\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"

/* a, b in any registers (byte-addressable with REX): r1 = a, r2 = b */
#define S_AB(name, insn)                                                       \
  static void name(io_t *p) {                                                  \
    uint64_t a = p->a, b = p->b, f;                                            \
    __asm__ volatile(ASM_BEGIN insn ASM_END                                    \
                     : [a] "+q"(a), [b] "+q"(b), [f] "=&r"(f)                  \
                     : [fin] "r"(p->fin)                                       \
                     : "cc", "memory");                                        \
    p->r1 = a; p->r2 = b; p->f = f;                                            \
  }
/* a in RAX (accumulator short forms, lahf/sahf): r1 = rax, r2 = b */
#define S_XB(name, insn)                                                       \
  static void name(io_t *p) {                                                  \
    uint64_t a = p->a, b = p->b, f;                                            \
    __asm__ volatile(ASM_BEGIN insn ASM_END                                    \
                     : [a] "+a"(a), [b] "+q"(b), [f] "=&r"(f)                  \
                     : [fin] "r"(p->fin)                                       \
                     : "cc", "memory");                                        \
    p->r1 = a; p->r2 = b; p->f = f;                                            \
  }
/* legacy high-byte registers: a, b in RAX..RBX with the low two bytes
 * swapped first, so AH/BH/CH/DH hold the test value and AL.. the garbage. */
#define SWAP01(x) (((x) & ~0xffffull) | (((x) & 0xff) << 8) | (((x) >> 8) & 0xff))
#define S_ABH(name, insn)                                                      \
  static void name(io_t *p) {                                                  \
    uint64_t a = SWAP01(p->a), b = SWAP01(p->b), f;                            \
    __asm__ volatile(ASM_BEGIN insn ASM_END                                    \
                     : [a] "+Q"(a), [b] "+Q"(b), [f] "=&r"(f)                  \
                     : [fin] "r"(p->fin)                                       \
                     : "cc", "memory");                                        \
    p->r1 = a; p->r2 = b; p->f = f;                                            \
  }
/* count in RCX (shifts; immediate forms use the same shape and ignore it) */
#define S_ABC(name, insn)                                                      \
  static void name(io_t *p) {                                                  \
    uint64_t a = p->a, b = p->b, c = p->c, f;                                  \
    __asm__ volatile(ASM_BEGIN insn ASM_END                                    \
                     : [a] "+q"(a), [b] "+q"(b), [c] "+c"(c), [f] "=&r"(f)     \
                     : [fin] "r"(p->fin)                                       \
                     : "cc", "memory");                                        \
    p->r1 = a; p->r2 = b; p->f = f;                                            \
  }
/* RAX = a, RDX = c, operand b: r1 = rax, r2 = rdx (mul/div/cbw family) */
#define S_AD(name, insn)                                                       \
  static void name(io_t *p) {                                                  \
    uint64_t a = p->a, b = p->b, c = p->c, f;                                  \
    __asm__ volatile(ASM_BEGIN insn ASM_END                                    \
                     : [a] "+a"(a), [d] "+d"(c), [b] "+q"(b), [f] "=&r"(f)     \
                     : [fin] "r"(p->fin)                                       \
                     : "cc", "memory");                                        \
    p->r1 = a; p->r2 = c; p->f = f;                                            \
  }
/* cmpxchg: destination a, source b, accumulator RAX = c: r1 = a, r2 = rax */
#define S_CX(name, insn)                                                       \
  static void name(io_t *p) {                                                  \
    uint64_t a = p->a, b = p->b, c = p->c, f;                                  \
    __asm__ volatile(ASM_BEGIN insn ASM_END                                    \
                     : [a] "+q"(a), [b] "+q"(b), [acc] "+a"(c), [f] "=&r"(f)   \
                     : [fin] "r"(p->fin)                                       \
                     : "cc", "memory");                                        \
    p->r1 = a; p->r2 = c; p->f = f;                                            \
  }

/* two-operand reg,reg forms */
#define RR4(S, n, m)                                                           \
  S(n##_8, m "b %b[b], %b[a]") S(n##_16, m "w %w[b], %w[a]")                   \
  S(n##_32, m "l %k[b], %k[a]") S(n##_64, m "q %q[b], %q[a]")
#define RR3(S, n, m)                                                           \
  S(n##_16, m "w %w[b], %w[a]") S(n##_32, m "l %k[b], %k[a]")                  \
  S(n##_64, m "q %q[b], %q[a]")
/* one-operand forms on a */
#define R4(S, n, m)                                                            \
  S(n##_8, m "b %b[a]") S(n##_16, m "w %w[a]") S(n##_32, m "l %k[a]")          \
  S(n##_64, m "q %q[a]")
/* one-operand forms on b (mul/div: implicit RAX/RDX) */
#define RB4(S, n, m)                                                           \
  S(n##_8, m "b %b[b]") S(n##_16, m "w %w[b]") S(n##_32, m "l %k[b]")          \
  S(n##_64, m "q %q[b]")

/* ALU reg,imm: sign-extended imm8 (-1, 0x5a) and a full-width immediate in a
 * general register (80/81/83 forms); the full-width one also in the
 * accumulator (04/05-style short forms; gas prefers 83 for imm8 even there). */
#define IMM_AT(S, n, m, tag)                                                   \
  S(n##_8_##tag##0, m "b $-1, %b[a]") S(n##_8_##tag##1, m "b $0x5a, %b[a]")    \
  S(n##_8_##tag##2, m "b $-0x80, %b[a]")                                       \
  S(n##_16_##tag##0, m "w $-1, %w[a]") S(n##_16_##tag##1, m "w $0x5a, %w[a]")  \
  S(n##_16_##tag##2, m "w $-0x1235, %w[a]")                                    \
  S(n##_32_##tag##0, m "l $-1, %k[a]") S(n##_32_##tag##1, m "l $0x5a, %k[a]")  \
  S(n##_32_##tag##2, m "l $-0x12345679, %k[a]")                                \
  S(n##_64_##tag##0, m "q $-1, %q[a]") S(n##_64_##tag##1, m "q $0x5a, %q[a]")  \
  S(n##_64_##tag##2, m "q $-0x12345679, %q[a]")
#define IMM_ACC(n, m)                                                          \
  S_XB(n##_8_x2, m "b $-0x80, %b[a]") S_XB(n##_16_x2, m "w $-0x1235, %w[a]")   \
  S_XB(n##_32_x2, m "l $-0x12345679, %k[a]") S_XB(n##_64_x2, m "q $-0x12345679, %q[a]")
#define IMM4(n, m) IMM_AT(S_AB, n, m, r) IMM_ACC(n, m)
#define IMMV(n, sz) n##_##sz##_r0, n##_##sz##_r1, n##_##sz##_r2, n##_##sz##_x2

/* shifts/rotates by CL and by immediate */
#define SHC4(n, m)                                                             \
  S_ABC(n##_8, m "b %%cl, %b[a]") S_ABC(n##_16, m "w %%cl, %w[a]")             \
  S_ABC(n##_32, m "l %%cl, %k[a]") S_ABC(n##_64, m "q %%cl, %q[a]")
#define SHI1(n, m, N)                                                          \
  S_ABC(n##_8_i##N, m "b $" #N ", %b[a]")                                      \
  S_ABC(n##_16_i##N, m "w $" #N ", %w[a]")                                     \
  S_ABC(n##_32_i##N, m "l $" #N ", %k[a]")                                     \
  S_ABC(n##_64_i##N, m "q $" #N ", %q[a]")
/* Immediate counts (all counts are covered through CL; these cover the
 * decoding): 1 (gas emits the D0/D1 shift-by-one opcode), 7 (C0/C1 form),
 * 32 (masked to 0 except for 64-bit) and 65 (C0/C1 form, masked count 1). */
static const unsigned char SH_IMMS[] = { 1, 7, 32, 65 };
#define SHI4(n, m) SHI1(n, m, 1) SHI1(n, m, 7) SHI1(n, m, 32) SHI1(n, m, 65)
#define SHIV(n, sz) n##_##sz##_i1, n##_##sz##_i7, n##_##sz##_i32, n##_##sz##_i65

#define SHDC3(n, m)                                                            \
  S_ABC(n##_16, m "w %%cl, %w[b], %w[a]") S_ABC(n##_32, m "l %%cl, %k[b], %k[a]") \
  S_ABC(n##_64, m "q %%cl, %q[b], %q[a]")
#define SHDI1(n, m, N)                                                         \
  S_ABC(n##_16_i##N, m "w $" #N ", %w[b], %w[a]")                              \
  S_ABC(n##_32_i##N, m "l $" #N ", %k[b], %k[a]")                              \
  S_ABC(n##_64_i##N, m "q $" #N ", %q[b], %q[a]")
static const unsigned char SHD_IMMS[] = { 1, 5, 16, 33 };
#define SHDI3(n, m) SHDI1(n, m, 1) SHDI1(n, m, 5) SHDI1(n, m, 16) SHDI1(n, m, 33)
#define SHDIV(n, sz) n##_##sz##_i1, n##_##sz##_i5, n##_##sz##_i16, n##_##sz##_i33

/* bt family, immediate bit offsets (masked to the operand size) */
#define BTI1(n, m, N)                                                          \
  S_AB(n##_16_i##N, m "w $" #N ", %w[a]") S_AB(n##_32_i##N, m "l $" #N ", %k[a]") \
  S_AB(n##_64_i##N, m "q $" #N ", %q[a]")
static const unsigned char BT_IMMS[] = { 0, 9, 31, 63, 200 };
#define BTI3(n, m) BTI1(n, m, 0) BTI1(n, m, 9) BTI1(n, m, 31) BTI1(n, m, 63) BTI1(n, m, 200)
#define BTIV(n, sz) n##_##sz##_i0, n##_##sz##_i9, n##_##sz##_i31, n##_##sz##_i63, n##_##sz##_i200

/* --- the thunks --- */
RR4(S_AB, add, "add") RR4(S_AB, adc, "adc") RR4(S_AB, sub, "sub")
RR4(S_AB, sbb, "sbb") RR4(S_AB, and, "and") RR4(S_AB, or, "or")
RR4(S_AB, xor, "xor") RR4(S_AB, cmp, "cmp") RR4(S_AB, test, "test")
RR4(S_AB, xadd, "xadd")
RR4(S_CX, cmpxchg, "cmpxchg")
IMM4(addi, "add") IMM4(adci, "adc") IMM4(subi, "sub") IMM4(sbbi, "sbb")
IMM4(andi, "and") IMM4(ori, "or") IMM4(xori, "xor") IMM4(cmpi, "cmp")
IMM4(testi, "test")
/* high-byte registers: AH+=BH style and AL+=BH style */
S_ABH(addh_hh, "addb %h[b], %h[a]") S_ABH(addh_lh, "addb %h[b], %b[a]")
S_ABH(subh_hl, "subb %b[b], %h[a]")

R4(S_AB, inc, "inc") R4(S_AB, dec, "dec") R4(S_AB, neg, "neg") R4(S_AB, not, "not")
S_AB(bswap_32, "bswap %k[a]") S_AB(bswap_64, "bswap %q[a]")

SHC4(shl, "shl") SHC4(shr, "shr") SHC4(sar, "sar") SHC4(rol, "rol")
SHC4(ror, "ror") SHC4(rcl, "rcl") SHC4(rcr, "rcr")
SHI4(shli, "shl") SHI4(shri, "shr") SHI4(sari, "sar") SHI4(roli, "rol")
SHI4(rori, "ror") SHI4(rcli, "rcl") SHI4(rcri, "rcr")
SHDC3(shld, "shld") SHDC3(shrd, "shrd")
SHDI3(shldi, "shld") SHDI3(shrdi, "shrd")

RB4(S_AD, mul, "mul") RB4(S_AD, imul1, "imul") RB4(S_AD, div, "div") RB4(S_AD, idiv, "idiv")
RR3(S_AB, imul2, "imul")
S_AB(imul3_16_0, "imulw $-1, %w[b], %w[a]") S_AB(imul3_16_1, "imulw $0x7f, %w[b], %w[a]")
S_AB(imul3_16_2, "imulw $-0x80, %w[b], %w[a]") S_AB(imul3_16_3, "imulw $0x7fff, %w[b], %w[a]")
S_AB(imul3_16_4, "imulw $-0x8000, %w[b], %w[a]") S_AB(imul3_16_5, "imulw $0x1234, %w[b], %w[a]")
S_AB(imul3_32_0, "imull $-1, %k[b], %k[a]") S_AB(imul3_32_1, "imull $0x7f, %k[b], %k[a]")
S_AB(imul3_32_2, "imull $-0x80, %k[b], %k[a]") S_AB(imul3_32_3, "imull $0x7fffffff, %k[b], %k[a]")
S_AB(imul3_32_4, "imull $-0x80000000, %k[b], %k[a]") S_AB(imul3_32_5, "imull $0x12345678, %k[b], %k[a]")
S_AB(imul3_64_0, "imulq $-1, %q[b], %q[a]") S_AB(imul3_64_1, "imulq $0x7f, %q[b], %q[a]")
S_AB(imul3_64_2, "imulq $-0x80, %q[b], %q[a]") S_AB(imul3_64_3, "imulq $0x7fffffff, %q[b], %q[a]")
S_AB(imul3_64_4, "imulq $-0x80000000, %q[b], %q[a]") S_AB(imul3_64_5, "imulq $0x12345678, %q[b], %q[a]")
#define IMUL3V(sz) imul3_##sz##_0, imul3_##sz##_1, imul3_##sz##_2, imul3_##sz##_3, imul3_##sz##_4, imul3_##sz##_5

RR3(S_AB, bt, "bt") RR3(S_AB, bts, "bts") RR3(S_AB, btr, "btr") RR3(S_AB, btc, "btc")
BTI3(bti, "bt") BTI3(btsi, "bts") BTI3(btri, "btr") BTI3(btci, "btc")
RR3(S_AB, bsf, "bsf") RR3(S_AB, bsr, "bsr")

S_AD(cbw_16, "cbtw") S_AD(cwde_32, "cwtl") S_AD(cdqe_64, "cltq")
S_AD(cwd_16, "cwtd") S_AD(cdq_32, "cltd") S_AD(cqo_64, "cqto")
S_AB(movsx8_16, "movsbw %b[b], %w[a]") S_AB(movsx8_32, "movsbl %b[b], %k[a]")
S_AB(movsx8_64, "movsbq %b[b], %q[a]") S_AB(movsx16_32, "movswl %w[b], %k[a]")
S_AB(movsx16_64, "movswq %w[b], %q[a]") S_AB(movsxd_64, "movslq %k[b], %q[a]")
S_AB(movzx8_16, "movzbw %b[b], %w[a]") S_AB(movzx8_32, "movzbl %b[b], %k[a]")
S_AB(movzx8_64, "movzbq %b[b], %q[a]") S_AB(movzx16_32, "movzwl %w[b], %k[a]")
S_AB(movzx16_64, "movzwq %w[b], %q[a]")

#define CC(X) X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)
#define SETCC(cc) S_AB(set##cc##_8, "set" #cc " %b[a]")
#define CMOVCC(cc)                                                             \
  S_AB(cmov##cc##_16, "cmov" #cc "w %w[b], %w[a]")                             \
  S_AB(cmov##cc##_32, "cmov" #cc "l %k[b], %k[a]")                             \
  S_AB(cmov##cc##_64, "cmov" #cc "q %q[b], %q[a]")
CC(SETCC)
CC(CMOVCC)
S_XB(lahf_8, "lahf") S_XB(sahf_8, "sahf")
S_AB(stc_0, "stc") S_AB(clc_0, "clc") S_AB(cmc_0, "cmc")

#ifdef __POPCNT__
RR3(S_AB, popcnt, "popcnt")
#endif
#ifdef __LZCNT__
RR3(S_AB, lzcnt, "lzcnt")
#endif
#ifdef __BMI__
RR3(S_AB, tzcnt, "tzcnt")
#endif

/* ---- Test table ---------------------------------------------------------- */
enum kind {
  K_PAIRS,   /* a, b over all value pairs */
  K_UNARY,   /* a (= b) over all values (the subset if there are variants) */
  K_SHIFT,   /* a over values x shift_counts() (in CL); b paired */
  K_SHIFTI,  /* a over values; count = SH_IMMS[variant] */
  K_SHDI,    /* a over values, b paired; count = SHD_IMMS[variant] */
  K_BT,      /* a over values x bit offset register in BT_OFFS */
  K_BTI,     /* a over values; offset = BT_IMMS[variant] */
  K_BSF,     /* nonzero sources, single bits and zero */
  K_DIV,     /* non-faulting dividend/divisor (x: 1 = signed) */
  K_CMPXCHG, /* a, b pairs; accumulator equal to a for half of them */
  K_FLAGS,   /* all 32 combinations of CF/PF/ZF/SF/OF (AF random); x pairs */
  K_SAHF,    /* AH over 0..255 */
};
typedef struct {
  const char *mn;
  unsigned char size, vsz; /* operation size; size of the source values */
  unsigned char kind, spec, cfdep, x;
  unsigned char r2; /* r2 is an output (xadd, RDX of mul/div/cwd, RAX of cmpxchg) */
  fn_t fn[6];
} test_t;

#define T(mn, sz, vsz, kind, spec, cf, x, ...) { mn, sz, vsz, kind, spec, cf, x, 0, { __VA_ARGS__ } }
#define T2(mn, sz, vsz, kind, spec, cf, x, ...) { mn, sz, vsz, kind, spec, cf, x, 1, { __VA_ARGS__ } }
#define T4_(T, mn, kind, spec, cf, n)                                          \
  T(mn, 8, 8, kind, spec, cf, 0, n##_8), T(mn, 16, 16, kind, spec, cf, 0, n##_16), \
  T(mn, 32, 32, kind, spec, cf, 0, n##_32), T(mn, 64, 64, kind, spec, cf, 0, n##_64)
#define T4(...) T4_(T, __VA_ARGS__)
#define T4R2(...) T4_(T2, __VA_ARGS__)
#define T3(mn, kind, spec, cf, n)                                              \
  T(mn, 16, 16, kind, spec, cf, 0, n##_16), T(mn, 32, 32, kind, spec, cf, 0, n##_32), \
  T(mn, 64, 64, kind, spec, cf, 0, n##_64)
#define TIMM4(mn, spec, cf, n)                                                 \
  T(mn, 8, 8, K_UNARY, spec, cf, 0, IMMV(n, 8)), T(mn, 16, 16, K_UNARY, spec, cf, 0, IMMV(n, 16)), \
  T(mn, 32, 32, K_UNARY, spec, cf, 0, IMMV(n, 32)), T(mn, 64, 64, K_UNARY, spec, cf, 0, IMMV(n, 64))
#define TSHI4(mn, spec, cf, n)                                                 \
  T(mn, 8, 8, K_SHIFTI, spec, cf, 0, SHIV(n, 8)), T(mn, 16, 16, K_SHIFTI, spec, cf, 0, SHIV(n, 16)), \
  T(mn, 32, 32, K_SHIFTI, spec, cf, 0, SHIV(n, 32)), T(mn, 64, 64, K_SHIFTI, spec, cf, 0, SHIV(n, 64))
#define TSHDI3(mn, n)                                                          \
  T(mn, 16, 16, K_SHDI, SP_SHXD, 0, 0, SHDIV(n, 16)), T(mn, 32, 32, K_SHDI, SP_SHXD, 0, 0, SHDIV(n, 32)), \
  T(mn, 64, 64, K_SHDI, SP_SHXD, 0, 0, SHDIV(n, 64))
#define TBTI3(mn, n)                                                           \
  T(mn, 16, 16, K_BTI, SP_BT, 0, 0, BTIV(n, 16)), T(mn, 32, 32, K_BTI, SP_BT, 0, 0, BTIV(n, 32)), \
  T(mn, 64, 64, K_BTI, SP_BT, 0, 0, BTIV(n, 64))
#define TSET(cc) T("set" #cc, 8, 8, K_FLAGS, SP_NONE, 0, 1, set##cc##_8),
#define TCMOV(cc) T3("cmov" #cc, K_FLAGS, SP_NONE, 0, cmov##cc),

static const test_t TESTS[] = {
  T4("add", K_PAIRS, SP_ARITH, 0, add),   T4("adc", K_PAIRS, SP_ARITH, 1, adc),
  T4("sub", K_PAIRS, SP_ARITH, 0, sub),   T4("sbb", K_PAIRS, SP_ARITH, 1, sbb),
  T4("and", K_PAIRS, SP_LOGIC, 0, and),   T4("or", K_PAIRS, SP_LOGIC, 0, or),
  T4("xor", K_PAIRS, SP_LOGIC, 0, xor),   T4("cmp", K_PAIRS, SP_ARITH, 0, cmp),
  T4("test", K_PAIRS, SP_LOGIC, 0, test),
  TIMM4("add.imm", SP_ARITH, 0, addi),    TIMM4("adc.imm", SP_ARITH, 1, adci),
  TIMM4("sub.imm", SP_ARITH, 0, subi),    TIMM4("sbb.imm", SP_ARITH, 1, sbbi),
  TIMM4("and.imm", SP_LOGIC, 0, andi),    TIMM4("or.imm", SP_LOGIC, 0, ori),
  TIMM4("xor.imm", SP_LOGIC, 0, xori),    TIMM4("cmp.imm", SP_ARITH, 0, cmpi),
  TIMM4("test.imm", SP_LOGIC, 0, testi),
  T("add.hi8", 8, 8, K_PAIRS, SP_ARITH, 0, 0, addh_hh, addh_lh, subh_hl),
  T4("inc", K_UNARY, SP_INCDEC, 1, inc),  T4("dec", K_UNARY, SP_INCDEC, 1, dec),
  T4("neg", K_UNARY, SP_NEG, 0, neg),     T4("not", K_UNARY, SP_NONE, 0, not),
  T4("shl", K_SHIFT, SP_SHIFT, 0, shl),   T4("shr", K_SHIFT, SP_SHIFT, 0, shr),
  T4("sar", K_SHIFT, SP_SAR, 0, sar),     T4("rol", K_SHIFT, SP_ROT, 0, rol),
  T4("ror", K_SHIFT, SP_ROT, 0, ror),     T4("rcl", K_SHIFT, SP_ROT, 1, rcl),
  T4("rcr", K_SHIFT, SP_ROT, 1, rcr),
  TSHI4("shl.imm", SP_SHIFT, 0, shli),    TSHI4("shr.imm", SP_SHIFT, 0, shri),
  TSHI4("sar.imm", SP_SAR, 0, sari),      TSHI4("rol.imm", SP_ROT, 0, roli),
  TSHI4("ror.imm", SP_ROT, 0, rori),      TSHI4("rcl.imm", SP_ROT, 1, rcli),
  TSHI4("rcr.imm", SP_ROT, 1, rcri),
  T3("shld", K_SHIFT, SP_SHXD, 0, shld),  T3("shrd", K_SHIFT, SP_SHXD, 0, shrd),
  TSHDI3("shld.imm", shldi),              TSHDI3("shrd.imm", shrdi),
  T4R2("mul", K_PAIRS, SP_MUL, 0, mul),   T4R2("imul1", K_PAIRS, SP_MUL, 0, imul1),
  T3("imul2", K_PAIRS, SP_MUL, 0, imul2),
  T("imul3", 16, 16, K_UNARY, SP_MUL, 0, 0, IMUL3V(16)),
  T("imul3", 32, 32, K_UNARY, SP_MUL, 0, 0, IMUL3V(32)),
  T("imul3", 64, 64, K_UNARY, SP_MUL, 0, 0, IMUL3V(64)),
  T2("div", 8, 8, K_DIV, SP_DIV, 0, 0, div_8),     T2("div", 16, 16, K_DIV, SP_DIV, 0, 0, div_16),
  T2("div", 32, 32, K_DIV, SP_DIV, 0, 0, div_32),  T2("div", 64, 64, K_DIV, SP_DIV, 0, 0, div_64),
  T2("idiv", 8, 8, K_DIV, SP_DIV, 0, 1, idiv_8),   T2("idiv", 16, 16, K_DIV, SP_DIV, 0, 1, idiv_16),
  T2("idiv", 32, 32, K_DIV, SP_DIV, 0, 1, idiv_32), T2("idiv", 64, 64, K_DIV, SP_DIV, 0, 1, idiv_64),
  T3("bt", K_BT, SP_BT, 0, bt),   T3("bts", K_BT, SP_BT, 0, bts),
  T3("btr", K_BT, SP_BT, 0, btr), T3("btc", K_BT, SP_BT, 0, btc),
  TBTI3("bt.imm", bti),   TBTI3("bts.imm", btsi),
  TBTI3("btr.imm", btri), TBTI3("btc.imm", btci),
  T3("bsf", K_BSF, SP_BSF, 0, bsf), T3("bsr", K_BSF, SP_BSF, 0, bsr),
  T("bswap", 32, 32, K_UNARY, SP_NONE, 0, 0, bswap_32),
  T("bswap", 64, 64, K_UNARY, SP_NONE, 0, 0, bswap_64),
  T4R2("xadd", K_PAIRS, SP_ARITH, 0, xadd),
  T4R2("cmpxchg", K_CMPXCHG, SP_ARITH, 0, cmpxchg),
  T("cbw", 16, 8, K_UNARY, SP_NONE, 0, 0, cbw_16),
  T("cwde", 32, 16, K_UNARY, SP_NONE, 0, 0, cwde_32),
  T("cdqe", 64, 32, K_UNARY, SP_NONE, 0, 0, cdqe_64),
  T2("cwd", 16, 16, K_UNARY, SP_NONE, 0, 0, cwd_16),
  T2("cdq", 32, 32, K_UNARY, SP_NONE, 0, 0, cdq_32),
  T2("cqo", 64, 64, K_UNARY, SP_NONE, 0, 0, cqo_64),
  T("movsx8", 16, 8, K_UNARY, SP_NONE, 0, 0, movsx8_16),
  T("movsx8", 32, 8, K_UNARY, SP_NONE, 0, 0, movsx8_32),
  T("movsx8", 64, 8, K_UNARY, SP_NONE, 0, 0, movsx8_64),
  T("movsx16", 32, 16, K_UNARY, SP_NONE, 0, 0, movsx16_32),
  T("movsx16", 64, 16, K_UNARY, SP_NONE, 0, 0, movsx16_64),
  T("movsxd", 64, 32, K_UNARY, SP_NONE, 0, 0, movsxd_64),
  T("movzx8", 16, 8, K_UNARY, SP_NONE, 0, 0, movzx8_16),
  T("movzx8", 32, 8, K_UNARY, SP_NONE, 0, 0, movzx8_32),
  T("movzx8", 64, 8, K_UNARY, SP_NONE, 0, 0, movzx8_64),
  T("movzx16", 32, 16, K_UNARY, SP_NONE, 0, 0, movzx16_32),
  T("movzx16", 64, 16, K_UNARY, SP_NONE, 0, 0, movzx16_64),
  CC(TSET)
  CC(TCMOV)
  T("lahf", 8, 8, K_FLAGS, SP_NONE, 0, 1, lahf_8),
  T("sahf", 8, 8, K_SAHF, SP_SAHF, 0, 0, sahf_8),
  T("stc", 0, 64, K_FLAGS, SP_CARRY, 0, 1, stc_0),
  T("clc", 0, 64, K_FLAGS, SP_CARRY, 0, 1, clc_0),
  T("cmc", 0, 64, K_FLAGS, SP_CARRY, 0, 1, cmc_0),
#ifdef __POPCNT__
  T3("popcnt", K_UNARY, SP_NONE, 0, popcnt), /* not reached: see header */
#endif
#ifdef __LZCNT__
  T3("lzcnt", K_UNARY, SP_NONE, 0, lzcnt),
#endif
#ifdef __BMI__
  T3("tzcnt", K_UNARY, SP_NONE, 0, tzcnt),
#endif
};
#define NTESTS (sizeof TESTS / sizeof TESTS[0])

/* ---- Operands ------------------------------------------------------------ */
/* Per size (index 0..3 = 8/16/32/64 bits): the first NP values are the edge
 * set 0, 1, 2, 0x7f.., 0x80.., 0xff.., 0x55.., 0xaa.. and four xorshift64
 * values (fixed seed); binary ops use all NP*NP pairs.  Unary ops, bsf and
 * imul3 also get the extra edges 0x0f, 0x80..01, 0xff..fe and a fifth random
 * value. */
#define NP 12
#define NV 16
/* 8-value subset (0, 1, 0x7f.., 0x80.., 0xff.., 0x55.., 0xaa.., random) for
 * the forms that only add decoding coverage (immediate variants) or whose
 * result depends on one bit (bt*). */
#define NS 8
static const unsigned char SUB[NS] = { 0, 1, 3, 4, 5, 6, 7, 8 };
static uint64_t V[4][NV];
/* bit offsets in a register (the register form takes them modulo the size) */
static const uint64_t BT_OFFS[] = { 0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 100, ~0ull };
#define NBTOFF (sizeof BT_OFFS / sizeof BT_OFFS[0])
/* garbage preloaded above the operand size */
#define GA 0xdeadbeefcafebabeull
#define GB 0x0123456789abcdefull
#define GC 0xfedcba9876543210ull

static uint64_t xs_state;
static uint64_t xorshift(void) {
  uint64_t x = xs_state;
  x ^= x << 13; x ^= x >> 7; x ^= x << 17;
  return xs_state = x;
}

static int sidx(int bits) { return bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3; }
static uint64_t smask(int bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

static void init_values(void) {
  xs_state = 0x2545F4914F6CDD1Dull;
  for (int si = 0; si < 4; si++) {
    uint64_t m = smask(8 << si), smax = m >> 1, smin = smax + 1;
    uint64_t v[NV] = { 0, 1, 2, smax, smin, m, 0x5555555555555555ull & m,
                       0xaaaaaaaaaaaaaaaaull & m, 0, 0, 0, 0, 0x0f, smin + 1, m - 1, 0 };
    for (int i = 8; i < NP; i++) v[i] = xorshift() & m;
    v[NV - 1] = xorshift() & m;
    for (int i = 0; i < NV; i++) V[si][i] = v[i];
  }
}

/* Shift/rotate counts placed in CL for an operand of `bits`: 0, 1, 2, 3,
 * size-1, size, size+1, 31, 63 and the counts that only differ after masking
 * to 5 (6 for 64-bit) bits: 32, 33, 64, 65, 255.  Returns how many. */
static int shift_counts(int bits, unsigned char *out) {
  static const unsigned char fixed[] = { 0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 255 };
  int n = 0;
  for (unsigned i = 0; i < sizeof fixed; i++) out[n++] = fixed[i];
  if (bits < 32) { out[n++] = (unsigned char)(bits - 1); out[n++] = (unsigned char)bits; out[n++] = (unsigned char)(bits + 1); }
  return n;
}

/* ---- Hashing / recording -------------------------------------------------- */
/* 64-bit FNV-1a over the bytes (little-endian) of every hashed value. */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define FNV_BYTE(h, v, k) h = (h ^ (((v) >> (8 * (k))) & 0xff)) * FNV_PRIME
static inline uint64_t fnv8(uint64_t h, uint64_t v) {
  FNV_BYTE(h, v, 0); FNV_BYTE(h, v, 1); FNV_BYTE(h, v, 2); FNV_BYTE(h, v, 3);
  FNV_BYTE(h, v, 4); FNV_BYTE(h, v, 5); FNV_BYTE(h, v, 6); FNV_BYTE(h, v, 7);
  return h;
}
static inline uint64_t fnv2(uint64_t h, uint64_t v) {
  FNV_BYTE(h, v, 0); FNV_BYTE(h, v, 1);
  return h;
}

static uint64_t base_flags; /* RFLAGS at entry with the status flags, DF, TF, AC cleared */
static uint64_t cur_hash;
static unsigned cur_n;

/* Defined-flags mask for one case, or -1 when the case is architecturally
 * undefined altogether and must be skipped. */
static inline __attribute__((always_inline)) int defmask(const test_t *t, const io_t *io) {
  int sp = t->spec;
  if (!FSPEC[sp].counted) return FSPEC[sp].def0;
  unsigned cnt = (unsigned)(io->c & 0xff) & (t->size == 64 ? 63 : 31);
  if (cnt == 0) return FSPEC[sp].def0;
  /* SHLD/SHRD: "If the count is greater than the operand size, the result is
   * undefined" (only reachable for 16-bit operands). */
  if (sp == SP_SHXD && cnt > t->size) return -1;
  int m = cnt == 1 ? FSPEC[sp].def1 : FSPEC[sp].defn;
  if (sp == SP_SHIFT && cnt >= t->size) m &= ~CF; /* SHL/SHR CF, see FSPEC */
  return m;
}

/* Run one case and fold (r1, [r2,] defined flags) into the line's hash. */
static inline __attribute__((always_inline)) void run1(const test_t *t, int v, io_t *io) {
  int m = defmask(t, io);
  if (m < 0) return;
  t->fn[v](io);
  uint64_t r1 = io->r1;
  if (t->spec == SP_BSF && (io->b & smask(t->size)) == 0) {
    m = ZF | DF; /* zero source: destination undefined, only ZF compared */
    r1 = 0;
  }
  unsigned fl = (unsigned)io->f & KEEP & (unsigned)m;
  uint64_t h = fnv8(cur_hash, r1);
  if (t->r2) h = fnv8(h, io->r2);
  cur_hash = fnv2(h, fl);
  cur_n++;
#ifdef FLAGS_VERBOSE
  rt_printf("%s %d.%d: a=%016lx b=%016lx c=%016lx fin=%03x -> r1=%016lx r2=%016lx f=%03x def=%03x\n",
            t->mn, t->size, v, io->a, io->b, io->c, (unsigned)io->fin & KEEP, r1,
            t->r2 ? io->r2 : 0, fl, (unsigned)m & KEEP);
#endif
}

/* input flags: pseudo-random status flags; CF forced for carry-consuming ops */
static uint64_t rand_fin(void) { return base_flags | (xorshift() & STATUS); }

static inline __attribute__((always_inline)) void run_cf(const test_t *t, int v, io_t *io) {
  if (!t->cfdep) { run1(t, v, io); return; }
  for (uint64_t cf = 0; cf < 2; cf++) {
    io->fin = (io->fin & ~(uint64_t)CF) | cf;
    run1(t, v, io);
  }
}

static void run_test(const test_t *t) {
  int si = sidx(t->size ? t->size : 64), vi = sidx(t->vsz);
  uint64_t m = smask(8 << si), vm = smask(8 << vi);
  const uint64_t *val = V[vi];
  int nv = 0;
  while (nv < 6 && t->fn[nv]) nv++;
  xs_state = 0x9E3779B97F4A7C15ull; /* every line is independent of the others */
  cur_hash = FNV_OFFSET;
  cur_n = 0;
  io_t io;
  for (int v = 0; v < nv; v++) {
    switch (t->kind) {
    case K_PAIRS:
      for (int i = 0; i < NP; i++)
        for (int j = 0; j < NP; j++) {
          io.a = (GA & ~vm) | val[i]; io.b = (GB & ~vm) | val[j]; io.c = GC;
          io.fin = rand_fin();
          run_cf(t, v, &io);
        }
      break;
    case K_UNARY: {
      /* several variants = immediate forms: the subset is enough there */
      int n = nv > 1 ? NS : NV;
      for (int i = 0; i < n; i++) {
        uint64_t x = nv > 1 ? val[SUB[i]] : val[i];
        io.a = (GA & ~vm) | x; io.b = (GB & ~vm) | x; io.c = GC;
        io.fin = rand_fin();
        run_cf(t, v, &io);
      }
      break;
    }
    case K_SHIFT: {
      unsigned char cnt[16];
      int nc = shift_counts(t->size, cnt);
      for (int i = 0; i < NP; i++)
        for (int k = 0; k < nc; k++) {
          io.a = (GA & ~vm) | val[i]; io.b = (GB & ~vm) | val[(i + 1 + k) % NP];
          io.c = (GC & ~0xffull) | cnt[k];
          io.fin = rand_fin();
          run_cf(t, v, &io);
        }
      break;
    }
    case K_SHIFTI:
    case K_SHDI:
      for (int i = 0; i < NS; i++) {
        io.a = (GA & ~vm) | val[SUB[i]]; io.b = (GB & ~vm) | val[(i * 7 + v + 3) % NP];
        io.c = (GC & ~0xffull) | (t->kind == K_SHIFTI ? SH_IMMS[v] : SHD_IMMS[v]);
        io.fin = rand_fin();
        run_cf(t, v, &io);
      }
      break;
    case K_BT:
      for (int i = 0; i < NS; i++)
        for (unsigned k = 0; k < NBTOFF; k++) {
          io.a = (GA & ~vm) | val[SUB[i]]; io.b = (GB & ~vm) | (BT_OFFS[k] & vm); io.c = GC;
          io.fin = rand_fin();
          run1(t, v, &io);
        }
      break;
    case K_BTI:
      for (int i = 0; i < NS; i++) {
        io.a = (GA & ~vm) | val[SUB[i]]; io.b = BT_IMMS[v]; io.c = GC;
        io.fin = rand_fin();
        run1(t, v, &io);
      }
      break;
    case K_BSF: {
      static const unsigned char bits[] = { 0, 1, 7, 8, 15, 16, 31, 32, 63 };
      for (unsigned i = 0; i < NV + sizeof bits; i++) {
        uint64_t s = i < NV ? val[i] : (1ull << bits[i - NV]) & vm;
        if (i >= NV && s == 0) continue;
        io.a = (GA & ~vm) | val[(i + 5) % NV]; io.b = (GB & ~vm) | s; io.c = GC;
        io.fin = rand_fin();
        run1(t, v, &io);
      }
      break;
    }
    case K_DIV: {
      /* dividend = q*d + r with |r| < |d| and r of the dividend's sign, so the
       * quotient is exactly q, which fits: never #DE. */
      int n = 8 << si;
      for (int qi = 0; qi < NP; qi++)
        for (int di = 0; di < NP; di++) {
          uint64_t q = val[qi], d = val[di], x = val[(qi + di + 3) % NV];
          if (d == 0) continue;
          unsigned __int128 D;
          if (!t->x) {
            D = (unsigned __int128)q * d + x % d;
          } else {
            int sh = 64 - n;
            int64_t sq = (int64_t)(q << sh) >> sh, sd = (int64_t)(d << sh) >> sh;
            uint64_t ad = sd < 0 ? 0 - (uint64_t)sd : (uint64_t)sd;
            uint64_t r = x % ad;
            __int128 P = (__int128)sq * sd;
            D = (unsigned __int128)(P < 0 ? P - (__int128)r : P + (__int128)r);
          }
          uint64_t lo = (uint64_t)D & m, hi = (uint64_t)(D >> n) & m;
          if (n == 8) {
            io.a = (GA & ~0xffffull) | (hi << 8) | lo; io.c = GC;
          } else {
            io.a = (GA & ~m) | lo; io.c = (GC & ~m) | hi;
          }
          io.b = (GB & ~m) | d;
          io.fin = rand_fin();
          run1(t, v, &io);
        }
      break;
    }
    case K_CMPXCHG:
      /* accumulator equal to the destination for half the pairs */
      for (int i = 0; i < NP; i++)
        for (int j = 0; j < NP; j++) {
          io.a = (GA & ~vm) | val[i]; io.b = (GB & ~vm) | val[j];
          io.c = (GC & ~vm) | (((i + j) & 1) ? val[i] : val[(i * 5 + j + 1) % NV]);
          io.fin = rand_fin();
          run1(t, v, &io);
        }
      break;
    case K_FLAGS: {
      int np = t->x ? t->x : 1;
      for (unsigned combo = 0; combo < 32; combo++)
        for (int p = 0; p < np; p++) {
          uint64_t fl = ((combo & 1) ? CF : 0) | ((combo & 2) ? PF : 0) | ((combo & 4) ? ZF : 0) |
                        ((combo & 8) ? SF : 0) | ((combo & 16) ? OF : 0);
          io.a = (GA & ~vm) | val[(3 + 6 * p + combo) % NV];
          io.b = (GB & ~vm) | val[(11 + 3 * p + combo) % NV]; io.c = GC;
          io.fin = base_flags | fl | (xorshift() & AF);
          run1(t, v, &io);
        }
      break;
    }
    case K_SAHF:
      for (uint64_t ah = 0; ah < 256; ah++) {
        io.a = (GA & ~0xff00ull) | (ah << 8); io.b = GB; io.c = GC;
        io.fin = rand_fin();
        run1(t, v, &io);
      }
      break;
    }
  }
}

#ifdef FLAGS_ONLY
static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}
#endif

int test_main(void) {
  uint64_t rf;
  __asm__ volatile("pushfq\n\tpop %0" : "=r"(rf));
  /* keep IF/IOPL/reserved bits as they are; clear status, TF, DF, AC */
  base_flags = rf & ~(uint64_t)(STATUS | DF | 0x100u | 0x40000u);
  init_values();
  uint64_t total = FNV_OFFSET;
  unsigned total_n = 0;
  for (unsigned i = 0; i < NTESTS; i++) {
    const test_t *t = &TESTS[i];
#ifdef FLAGS_ONLY
    if (!streq(t->mn, FLAGS_ONLY)) continue;
#endif
    run_test(t);
    rt_printf("%s %d: n=%u h=%016lx\n", t->mn, t->size, cur_n, cur_hash);
    total = fnv8(total, cur_hash);
    total_n += cur_n;
  }
  rt_printf("total: n=%u h=%016lx\n", total_n, total);
  return 0;
}
