/*
 * x87_oracle.c — instruction-by-instruction x87 oracle: every implemented
 * x87 load, store, arithmetic, compare and conversion instruction runs on
 * edge operands under each rounding mode and precision control, and what it
 * leaves behind is hashed per (instruction, control word):
 *   - the control, status (exception flags, C0–C3, TOP, ES, B) and tag
 *     words and registers ST0–ST2 and ST7 (what an instruction, a push or a
 *     pop can change), from FNSAVE right after the instruction;
 *   - the memory destination of stores (preloaded with a sentinel, so a
 *     suppressed store shows);
 *   - RFLAGS for FCOMI/FUCOMI (whose ZF, PF, CF, OF, SF, AF the SDM
 *     defines) and FCMOVcc (unchanged).
 * FIP/FDP/FOP are not hashed: they hold addresses that differ between the
 * native and guest images, and this AMD host drops them when Linux switches
 * FPU state during a system call (guest/fpu/x87_state.c checks them).
 *
 * Operands cover ±0, denormals and pseudo-denormals, the smallest and
 * largest normals, values at the single/double/integer rounding and
 * overflow boundaries, ±∞, quiet and signalling NaNs with payloads, the
 * real indefinite and the unsupported encodings (unnormal, pseudo-infinity,
 * pseudo-NaN). Control words: all exceptions masked with RC 0–3 × PC 24/53/
 * 64 bits (and PC 01B, reserved, once), plus an all-unmasked set (masked
 * and unmasked responses, including the bias-adjusted overflow/underflow
 * results). Built natively (-DRT_NATIVE) the host CPU prints the reference;
 * the emulator must print exactly the same lines.
 *
 * -DX87_VERBOSE prints every case (inputs, FSW, FTW, ST0, ST1, memory
 * result); -DX87_ONLY='"fadd"' restricts the run to one instruction.
 * Only inline assembly: it builds with the integer-only guest flags.
 */
#include "rt.h"

#ifdef X87_ONLY
static int str_eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
#define SELECTED(name) str_eq(name, X87_ONLY)
#else
#define SELECTED(name) 1
#endif

typedef struct __attribute__((packed)) { uint64_t sig; uint16_t se; } x80;

/* ---- operands ---------------------------------------------------------- */

static const x80 VALS[] = {
  {0, 0x0000}, {0, 0x8000},                                          /* +0, -0 */
  {0x8000000000000000ull, 0x3fff}, {0x8000000000000000ull, 0xbfff},  /* +1, -1 */
  {0xc000000000000000ull, 0x3fff}, {0xc000000000000000ull, 0xc000},  /* 1.5, -3 */
  {0xa000000000000000ull, 0x4002},                                   /* 10 */
  {0xaaaaaaaaaaaaaaabull, 0x3ffd},                                   /* ~1/3, rounding-sensitive */
  {0xffffffffffffffffull, 0x3fff}, {0x8000000000000001ull, 0x3fff},  /* 2-ulp, 1+ulp */
  {0xc90fdaa22168c235ull, 0x4000},                                   /* pi */
  {0x8000000000000400ull, 0x3fff}, {0x8000000000000401ull, 0x3fff},  /* 1+2^-53 (tie at 53 bits), just above */
  {0x8000008000000000ull, 0x3fff}, {0x8000018000000000ull, 0xbfff},  /* ties at 24 bits */
  {0x8000000000000000ull, 0x403e}, {0xfffffffffffffffeull, 0x403d},  /* 2^63, 2^63-1 */
  {0x8000000000000000ull, 0xc03e}, {0xfffe000000000000ull, 0x400d},  /* -2^63, 32767.5 */
  {0x8001000000000000ull, 0xc00e}, {0xfffffffe00000000ull, 0x401d},  /* -32768.5, 2147483647.5 */
  {0x8000000000000000ull, 0x3ffe}, {0xa000000000000000ull, 0xc000},  /* 0.5, -2.5 */
  {0xffffffffffffffffull, 0x7ffe}, {0xffffffffffffffffull, 0xfffe},  /* largest, -largest */
  {0x8000000000000000ull, 0x0001}, {0x8000000000000001ull, 0x8001},  /* smallest normal, -(smallest+) */
  {0x0000000000000001ull, 0x0000}, {0x4000000000000000ull, 0x0000},  /* denormals */
  {0x7fffffffffffffffull, 0x8000},                                   /* -largest denormal */
  {0x8000000000000000ull, 0x0000}, {0x8000000000001234ull, 0x8000},  /* pseudo-denormals */
  {0x8000000000000000ull, 0x7fff}, {0x8000000000000000ull, 0xffff},  /* +inf, -inf */
  {0xc000000000000001ull, 0x7fff}, {0xc123456789abcdefull, 0x7fff},  /* QNaNs */
  {0xd000000000000000ull, 0xffff}, {0xc123456789abcdefull, 0xffff},  /* -QNaN; same payload, negative */
  {0x8000000000000001ull, 0x7fff}, {0xa000000000000000ull, 0xffff},  /* SNaNs */
  {0xc000000000000000ull, 0xffff},                                   /* real indefinite */
  {0x4000000000000000ull, 0x4000}, {0x0000000000000000ull, 0x7fff},  /* unnormal, pseudo-infinity */
  {0x4000000000000001ull, 0x7fff},                                   /* pseudo-NaN */
  {0xfffffffffffff800ull, 0x43fe}, {0xfffffffffffffc00ull, 0x43fe},  /* DBL_MAX, DBL_MAX + half ulp */
  {0x8000000000000000ull, 0x3c01}, {0x8000000000000000ull, 0x3bcd},  /* DBL_MIN, 2^-1074 */
  {0xc000000000000000ull, 0x3bcc}, {0xfffffffffffff000ull, 0x3c00},  /* 0.75*2^-1074, just below DBL_MIN */
  {0xffffff0000000000ull, 0x407e}, {0xffffff8000000000ull, 0xc07e},  /* FLT_MAX, -(FLT_MAX + half ulp) */
  {0x8000000000000000ull, 0x3f81}, {0x8000000000000000ull, 0x3f6a},  /* FLT_MIN, 2^-149 */
  {0xc000000000000000ull, 0x3f69}, {0x8000000000000000ull, 0x4040},  /* 0.75*2^-149, 2^65 */
  {0x8000000000000000ull, 0x3fbf}, {0xe000000000000000ull, 0x4041},  /* 2^-64, 7*2^63 */
};
#define NVALS (int)(sizeof VALS / sizeof VALS[0])

static const uint32_t SINGLES[] = {
  0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x3eaaaaab, 0x7f7fffff, 0xff7fffff, 0x00800000,
  0x00000001, 0x807fffff, 0x00400000, 0x7f800000, 0xff800000, 0x7fc00001, 0xffc12345, 0x7f800001,
  0xffa00000, 0x4b000001, 0xcf000000, 0x47000000,
};
#define NSINGLES (int)(sizeof SINGLES / sizeof SINGLES[0])

static const uint64_t DOUBLES[] = {
  0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xc008000000000000ull,
  0x3fd5555555555555ull, 0x7fefffffffffffffull, 0xffefffffffffffffull, 0x0010000000000000ull,
  0x0000000000000001ull, 0x800fffffffffffffull, 0x0008000000000000ull, 0x7ff0000000000000ull,
  0xfff0000000000000ull, 0x7ff8000000000001ull, 0xfff8123456789abcull, 0x7ff0000000000001ull,
  0xfff4000000000000ull, 0x4330000000000001ull, 0xc3e0000000000000ull, 0x3ca0000000000000ull,
};
#define NDOUBLES (int)(sizeof DOUBLES / sizeof DOUBLES[0])

static const int64_t INTS[] = {
  0, 1, -1, 2, 3, -7, 100, 32767, -32768, 65535, 2147483647, -2147483647 - 1, 4294967295ll,
  0x7fffffffffffffffll, -0x7fffffffffffffffll - 1, 0x123456789abcdefll, -1000000000000ll,
};
#define NINTS (int)(sizeof INTS / sizeof INTS[0])

/* Packed BCD operands for FBLD (10 bytes, sign in byte 9 bit 7). */
static const x80 BCDS[] = {
  {0x0000000000000000ull, 0x0000}, {0x0000000000000000ull, 0x8000}, {0x0000000000000001ull, 0x0000},
  {0x1234567890123456ull, 0x0078}, {0x9999999999999999ull, 0x8099}, {0x0000000000000042ull, 0x8000},
};
#define NBCDS (int)(sizeof BCDS / sizeof BCDS[0])

/* ---- the instruction under test ----------------------------------------- */

static x80 A, B;                     /* ST(0), ST(1) before the instruction */
static uint16_t CW;
static uint32_t M32; static uint64_t M64;  /* memory sources */
static int16_t I16; static int32_t I32; static int64_t I64;
static x80 BCD;
static uint32_t O32; static uint64_t O64; static x80 O80;  /* memory destinations */
static int16_t OI16; static int32_t OI32; static int64_t OI64;
static uint64_t FLAGS_IN, FLAGS;
static unsigned char save[108] __attribute__((aligned(16)));

/* Every case: FNINIT, the control word, ST(1) = B and ST(0) = A (or nothing for loads), the
 * instruction, RFLAGS, then FNSAVE (no-wait: it also works with an unmasked exception pending). */
#define CASE_ASM(pre, insn)                                                                        \
  __asm__ volatile("pushq %[fi]\n popfq\n fninit\n fldcw %[cw]\n" pre insn "\n pushfq\n popq %[fl]\n fnsave %[s]" \
                   : [s] "=m"(save), [fl] "=&r"(FLAGS), [o32] "+m"(O32), [o64] "+m"(O64), [o80] "+m"(O80), \
                     [oi16] "+m"(OI16), [oi32] "+m"(OI32), [oi64] "+m"(OI64)                        \
                   : [a] "m"(A), [b] "m"(B), [cw] "m"(CW), [fi] "r"(FLAGS_IN), [m32] "m"(M32),       \
                     [m64] "m"(M64), [i16] "m"(I16), [i32] "m"(I32), [i64] "m"(I64), [bcd] "m"(BCD)  \
                   : "memory", "cc")

#define BIN(fn, insn) static void fn(void) { CASE_ASM("fldt %[b]\n fldt %[a]\n", insn); }
#define UN(fn, insn) static void fn(void) { CASE_ASM("fldt %[a]\n", insn); }
#define NONE(fn, insn) static void fn(void) { CASE_ASM("", insn); }

/* Two-operand forms. (AT&T operand order; GNU as swaps the FSUB/FSUBR and FDIV/FDIVR names of the
 * ST(i),ST forms relative to Intel's, but the bytes are what both machines run.) */
BIN(x_fadd, "fadd %%st(1), %%st")
BIN(x_fadd_r, "fadd %%st, %%st(1)")
BIN(x_faddp, "faddp %%st, %%st(1)")
BIN(x_fsub, "fsub %%st(1), %%st")
BIN(x_fsub_r, "fsub %%st, %%st(1)")
BIN(x_fsubp, "fsubp %%st, %%st(1)")
BIN(x_fsubr, "fsubr %%st(1), %%st")
BIN(x_fsubr_r, "fsubr %%st, %%st(1)")
BIN(x_fsubrp, "fsubrp %%st, %%st(1)")
BIN(x_fmul, "fmul %%st(1), %%st")
BIN(x_fmulp, "fmulp %%st, %%st(1)")
BIN(x_fdiv, "fdiv %%st(1), %%st")
BIN(x_fdiv_r, "fdiv %%st, %%st(1)")
BIN(x_fdivp, "fdivp %%st, %%st(1)")
BIN(x_fdivr, "fdivr %%st(1), %%st")
BIN(x_fdivrp, "fdivrp %%st, %%st(1)")
BIN(x_fprem, "fprem")
BIN(x_fprem1, "fprem1")
BIN(x_fscale, "fscale")
BIN(x_fcom, "fcom %%st(1)")
BIN(x_fcomp, "fcomp %%st(1)")
BIN(x_fcompp, "fcompp")
BIN(x_fucom, "fucom %%st(1)")
BIN(x_fucomp, "fucomp %%st(1)")
BIN(x_fucompp, "fucompp")
BIN(x_fcomi, "fcomi %%st(1), %%st")
BIN(x_fucomip, "fucomip %%st(1), %%st")
BIN(x_fcomip, "fcomip %%st(1), %%st")
BIN(x_fucomi, "fucomi %%st(1), %%st")
BIN(x_fxch, "fxch %%st(1)")
BIN(x_fcmovb, "fcmovb %%st(1), %%st")
BIN(x_fcmove, "fcmove %%st(1), %%st")
BIN(x_fcmovbe, "fcmovbe %%st(1), %%st")
BIN(x_fcmovu, "fcmovu %%st(1), %%st")
BIN(x_fcmovnb, "fcmovnb %%st(1), %%st")
BIN(x_fcmovne, "fcmovne %%st(1), %%st")
BIN(x_fcmovnbe, "fcmovnbe %%st(1), %%st")
BIN(x_fcmovnu, "fcmovnu %%st(1), %%st")
/* Memory sources. */
BIN(x_fadd_m32, "fadds %[m32]")
BIN(x_fsubr_m32, "fsubrs %[m32]")
BIN(x_fmul_m64, "fmull %[m64]")
BIN(x_fdiv_m64, "fdivl %[m64]")
BIN(x_fcom_m32, "fcoms %[m32]")
BIN(x_fcomp_m64, "fcompl %[m64]")
BIN(x_fiadd_m16, "fiadds %[i16]")
BIN(x_fisub_m32, "fisubl %[i32]")
BIN(x_fidivr_m32, "fidivrl %[i32]")
BIN(x_fimul_m16, "fimuls %[i16]")
BIN(x_ficom_m32, "ficoml %[i32]")
BIN(x_ficomp_m16, "ficomps %[i16]")
BIN(x_fisubr_m16, "fisubrs %[i16]")
BIN(x_fidiv_m16, "fidivs %[i16]")
BIN(x_fsub_m64, "fsubl %[m64]")
BIN(x_fdivr_m32, "fdivrs %[m32]")
/* One operand. */
UN(x_fsqrt, "fsqrt")
UN(x_frndint, "frndint")
UN(x_fchs, "fchs")
UN(x_fabs, "fabs")
UN(x_ftst, "ftst")
UN(x_fxam, "fxam")
UN(x_fxtract, "fxtract")
UN(x_fld_st0, "fld %%st(0)")
UN(x_fst_m32, "fsts %[o32]")
UN(x_fstp_m64, "fstpl %[o64]")
UN(x_fstp_m80, "fstpt %[o80]")
UN(x_fist_m16, "fists %[oi16]")
UN(x_fistp_m32, "fistpl %[oi32]")
UN(x_fistp_m64, "fistpll %[oi64]")
UN(x_fisttp_m16, "fisttps %[oi16]")
UN(x_fisttp_m32, "fisttpl %[oi32]")
UN(x_fisttp_m64, "fisttpll %[oi64]")
UN(x_fbstp, "fbstp %[o80]")
UN(x_fst_st1, "fst %%st(1)")
UN(x_fstp_st1, "fstp %%st(1)")
UN(x_fstpnce, ".byte 0xd9, 0xd9 /* fstpnce st(1): the D9 D8+i alias of FSTP ST(i) */")
UN(x_ffreep, "ffreep %%st(0)")
/* Loads and constants (empty stack). */
NONE(x_fld_m32, "flds %[m32]")
NONE(x_fld_m64, "fldl %[m64]")
NONE(x_fild_m16, "filds %[i16]")
NONE(x_fild_m32, "fildl %[i32]")
NONE(x_fild_m64, "fildll %[i64]")
NONE(x_fbld, "fbld %[bcd]")
NONE(x_fld1, "fld1")
NONE(x_fldz, "fldz")
NONE(x_fldpi, "fldpi")
NONE(x_fldl2e, "fldl2e")
NONE(x_fldl2t, "fldl2t")
NONE(x_fldlg2, "fldlg2")
NONE(x_fldln2, "fldln2")
/* Stack faults: an empty source, a push onto a full stack. */
NONE(x_fadd_empty, "fld1\n fadd %%st(1), %%st")
NONE(x_fstp_empty, "fstpl %[o64]")
NONE(x_fist_empty, "fistl %[oi32]")
NONE(x_fcom_empty, "fld1\n fcom %%st(1)")
NONE(x_fcomi_empty, "fld1\n fcomi %%st(1), %%st")
NONE(x_fxam_empty, "fxam")
NONE(x_fchs_empty, "fchs")
NONE(x_fld_full, "fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fldpi")
NONE(x_fxtract_full, "fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fld1\n fxtract")

/* ---- hashing and reporting ------------------------------------------------ */

static uint64_t h = 1469598103934665603ull, total_h = 1469598103934665603ull;
static uint64_t n_cases, total_n;

/* Each step is a bijection of x for a given v and of v for a given x, so any difference in what
 * is hashed shows in the result; shifts and adds only (64-bit IMUL and ROL are slow paths of the
 * emulator, and the oracle should time x87 instructions, not the hash). */
static inline uint64_t mix64(uint64_t x, uint64_t v) {
  x ^= v; x += x << 13; x ^= x >> 7; return x + 0x9e3779b97f4a7c15ull;
}
static inline uint16_t u16at(int off) { uint16_t v; __builtin_memcpy(&v, save + off, 2); return v; }
static inline uint64_t u64at(int off) { uint64_t v; __builtin_memcpy(&v, save + off, 8); return v; }

static const x80 SENTINEL = {0x5a5a5a5a5a5a5a5aull, 0x5a5a};

static void prepare(void) {
  O32 = 0x5a5a5a5a; O64 = 0x5a5a5a5a5a5a5a5aull; O80 = SENTINEL;
  OI16 = 0x5a5a; OI32 = 0x5a5a5a5a; OI64 = 0x5a5a5a5a5a5a5a5all;
}

#define FLAGS_STATUS 0x8d5u

/* Hash what the instruction left: CW, SW, TW, eight registers, memory destinations, flags. */
/* with_flags: 1 = hash RFLAGS; 2 = a compare: with an unmasked exception the SDM leaves the
 * condition codes (and FCOMI's RFLAGS) unchanged ("Flags not set if unmasked invalid-arithmetic-
 * operand (#IA) exception is generated", FCOM/FUCOM/FCOMI pages), which is what the emulator does;
 * this AMD host sets them anyway, so then they are not compared. */
static void account(int with_flags) {
  uint64_t x = h;
  uint16_t sw = u16at(4);
  if ((with_flags & 2) && (sw & 0x80)) { sw &= (uint16_t)~0x4500; with_flags = 0; }
  x = mix64(x, (uint64_t)u16at(0) | (uint64_t)sw << 16 | (uint64_t)u16at(8) << 32);
  /* ST0, ST1, ST2 and ST7: an instruction writes ST0/ST1, pushes move values to ST1/ST2, pops
   * leave the old ST0 in ST7 (as empty; its contents stay). */
  static const int regs[4] = {0, 1, 2, 7};
  for (int k = 0; k < 4; k++) x = mix64(x, u64at(28 + 10 * regs[k]) ^ (uint64_t)u16at(36 + 10 * regs[k]) << 48);
  x = mix64(x, O32 ^ O64 ^ (O80.sig << 3) ^ (uint64_t)O80.se << 17);
  x = mix64(x, (uint64_t)(uint16_t)OI16 ^ (uint64_t)(uint32_t)OI32 << 16 ^ (uint64_t)OI64 << 5);
  if (with_flags & 1) x = mix64(x, FLAGS & FLAGS_STATUS);
  h = x;
  n_cases++;
}

#ifdef X87_VERBOSE
static void put80(const x80 *v) { rt_printf(" %04x:%016lx", v->se, (unsigned long)v->sig); }
static void verbose(const char *name, int with_flags) {
  rt_printf("  %s cw %04x a", name, CW); put80(&A); rt_printf(" b"); put80(&B);
  rt_printf(" m %08x %016lx i %ld ->", M32, (unsigned long)M64, (long)I64);
  rt_printf(" sw %04x tw %04x st0 %04x:%016lx st1 %04x:%016lx", u16at(4), u16at(8), u16at(36),
            (unsigned long)u64at(28), u16at(46), (unsigned long)u64at(38));
  rt_printf(" o %08x %016lx %04x:%016lx %d %d %ld", O32, (unsigned long)O64, O80.se, (unsigned long)O80.sig,
            OI16, OI32, (long)OI64);
  if (with_flags & 1) rt_printf(" fl %03lx", (unsigned long)(FLAGS & FLAGS_STATUS));
  rt_putc('\n');
}
#define VERBOSE(name, f) verbose(name, f)
#else
#define VERBOSE(name, f) ((void)0)
#endif

static void report(const char *name, unsigned cw) {
  rt_printf("%s %04x: n=%lu h=%016lx\n", name, cw, (unsigned long)n_cases, (unsigned long)h);
  total_h = mix64(total_h, h); total_n += n_cases;
  h = 1469598103934665603ull; n_cases = 0;
}

/* ---- sweeps ---------------------------------------------------------------- */

/* Control words: exceptions masked (3FH) with RC × PC, PC 01B once, and all exceptions unmasked. */
static const uint16_t CW_ROUNDING[] = {
  0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x067f, 0x0a7f, 0x0e7f, 0x007f, 0x047f, 0x087f, 0x0c7f, 0x017f,
  0x0340, 0x0f40, 0x0040,
};
#define NCW_ROUNDING (int)(sizeof CW_ROUNDING / sizeof CW_ROUNDING[0])
static const uint16_t CW_RC[] = {0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x0340};
#define NCW_RC (int)(sizeof CW_RC / sizeof CW_RC[0])
static const uint16_t CW_ONE[] = {0x037f, 0x0340};
#define NCW_ONE (int)(sizeof CW_ONE / sizeof CW_ONE[0])

enum src { S_BIN, S_UN, S_M32, S_M64, S_I16, S_I32, S_NONE, S_LD32, S_LD64, S_LDI, S_BCD, S_CMOV };

/* Operand index sets. Under the two base control words (037FH: masked, RN, 64 bits; 0340H: all
 * unmasked) every operand pair runs; under the other rounding and precision controls only finite
 * operands (NaNs, infinities and unsupported encodings do not round): the first 20 and every second
 * one after; the register-order
 * variants of an instruction already swept (FADDP, FSUB ST(i),ST, ...) take every third B. */
static unsigned char ALL[NVALS], FINITE[NVALS], STRIDE[NVALS];
static int n_all, n_finite, n_stride;
static void make_sets(void) {
  for (int i = 0; i < NVALS; i++) {
    unsigned e = VALS[i].se & 0x7fff;
    int j_bit = (int)(VALS[i].sig >> 63);
    ALL[n_all++] = (unsigned char)i;
    if (e != 0x7fff && (e == 0 || j_bit) && (i % 2 == 0 || i < 20)) FINITE[n_finite++] = (unsigned char)i;
    if (i % 3 == 0) STRIDE[n_stride++] = (unsigned char)i;
  }
}
enum set { FULL, STRIDED };

static void sweep(const char *name, void (*fn)(void), enum src kind, const uint16_t *cws, int ncw, int with_flags, enum set set) {
  if (!SELECTED(name)) return;
  for (int c = 0; c < ncw; c++) {
    CW = cws[c];
    FLAGS_IN = 0x002;
    int base = CW == 0x037f || CW == 0x0340;
    const unsigned char *ai = base ? ALL : FINITE;
    if (kind == S_CMOV) set = STRIDED, ai = STRIDE;
    const unsigned char *bi = !base ? FINITE : set == STRIDED ? STRIDE : ALL;
    int nvb = !base ? n_finite : set == STRIDED ? n_stride : n_all;
    int na = kind == S_NONE || kind == S_LD32 || kind == S_LD64 || kind == S_LDI || kind == S_BCD ? 1
           : kind == S_CMOV ? n_stride : base ? n_all : n_finite;
    int nb = kind == S_BIN || kind == S_CMOV ? nvb : kind == S_M32 || kind == S_LD32 ? NSINGLES
           : kind == S_M64 || kind == S_LD64 ? NDOUBLES : kind == S_I16 || kind == S_I32 || kind == S_LDI ? NINTS
           : kind == S_BCD ? NBCDS : 1;
    int nf = kind == S_CMOV ? 8 : 1;
    for (int i = 0; i < na; i++) for (int j = 0; j < nb; j++) for (int f = 0; f < nf; f++) {
      A = VALS[ai[i]];
      B = kind == S_BIN || kind == S_CMOV ? VALS[bi[j]] : VALS[(ai[i] * 7 + 3) % NVALS];
      M32 = SINGLES[j % NSINGLES]; M64 = DOUBLES[j % NDOUBLES];
      I64 = INTS[j % NINTS]; I32 = (int32_t)I64; I16 = (int16_t)I64;
      BCD = BCDS[j % NBCDS];
      if (kind == S_CMOV) {
        /* CF, ZF, PF combinations (the conditions FCMOVcc reads); every third value, a quarter of the pairs. */
        if ((i + j) % 4 != 0) continue;
        FLAGS_IN = 0x002 | (f & 1 ? 0x001 : 0) | (f & 2 ? 0x040 : 0) | (f & 4 ? 0x004 : 0);
      }
      prepare();
      fn();
      account(with_flags);
      VERBOSE(name, with_flags);
    }
    report(name, CW);
  }
}

#define ROUND(name, kind) sweep(#name, x_##name, kind, CW_ROUNDING, NCW_ROUNDING, 0, FULL)
#define RC(name, kind) sweep(#name, x_##name, kind, CW_RC, NCW_RC, 0, FULL)
#define ONE(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 0, FULL)
#define VARIANT(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 0, STRIDED)
#define ONEF(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 1, FULL)
#define CMP(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 2, FULL)
#define CMPV(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 2, STRIDED)
#define CMPF(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 3, FULL)
#define CMPFV(name, kind) sweep(#name, x_##name, kind, CW_ONE, NCW_ONE, 3, STRIDED)

int test_main(void) {
  make_sets();
  ROUND(fadd, S_BIN); VARIANT(fadd_r, S_BIN); VARIANT(faddp, S_BIN);
  ROUND(fsub, S_BIN); VARIANT(fsub_r, S_BIN); VARIANT(fsubp, S_BIN);
  ROUND(fsubr, S_BIN); VARIANT(fsubr_r, S_BIN); VARIANT(fsubrp, S_BIN);
  ROUND(fmul, S_BIN); VARIANT(fmulp, S_BIN);
  ROUND(fdiv, S_BIN); VARIANT(fdiv_r, S_BIN); VARIANT(fdivp, S_BIN);
  ROUND(fdivr, S_BIN); VARIANT(fdivrp, S_BIN);
  ONE(fprem, S_BIN); ONE(fprem1, S_BIN); RC(fscale, S_BIN);
  CMP(fcom, S_BIN); CMPV(fcomp, S_BIN); CMPV(fcompp, S_BIN); CMP(fucom, S_BIN); CMPV(fucomp, S_BIN); CMPV(fucompp, S_BIN);
  CMPF(fcomi, S_BIN); CMPFV(fucomip, S_BIN); CMPFV(fcomip, S_BIN); CMPFV(fucomi, S_BIN); VARIANT(fxch, S_BIN);
  ONEF(fcmovb, S_CMOV); ONEF(fcmove, S_CMOV); ONEF(fcmovbe, S_CMOV); ONEF(fcmovu, S_CMOV);
  ONEF(fcmovnb, S_CMOV); ONEF(fcmovne, S_CMOV); ONEF(fcmovnbe, S_CMOV); ONEF(fcmovnu, S_CMOV);
  RC(fadd_m32, S_M32); RC(fsubr_m32, S_M32); RC(fmul_m64, S_M64); RC(fdiv_m64, S_M64);
  CMP(fcom_m32, S_M32); CMP(fcomp_m64, S_M64);
  RC(fiadd_m16, S_I16); RC(fisub_m32, S_I32); RC(fidivr_m32, S_I32); RC(fimul_m16, S_I16); CMP(ficom_m32, S_I32); CMP(ficomp_m16, S_I16);
  RC(fisubr_m16, S_I16); RC(fidiv_m16, S_I16); RC(fsub_m64, S_M64); RC(fdivr_m32, S_M32);
  ROUND(fsqrt, S_UN); RC(frndint, S_UN); ONE(fchs, S_UN); ONE(fabs, S_UN); CMP(ftst, S_UN); ONE(fxam, S_UN);
  ONE(fxtract, S_UN); ONE(fld_st0, S_UN);
  RC(fst_m32, S_UN); RC(fstp_m64, S_UN); ONE(fstp_m80, S_UN);
  RC(fist_m16, S_UN); RC(fistp_m32, S_UN); RC(fistp_m64, S_UN);
  ONE(fisttp_m16, S_UN); ONE(fisttp_m32, S_UN); ONE(fisttp_m64, S_UN); RC(fbstp, S_UN);
  ONE(fst_st1, S_UN); ONE(fstp_st1, S_UN); ONE(fstpnce, S_UN); ONE(ffreep, S_UN);
  ONE(fld_m32, S_LD32); ONE(fld_m64, S_LD64); ONE(fild_m16, S_LDI); ONE(fild_m32, S_LDI); ONE(fild_m64, S_LDI);
  ONE(fbld, S_BCD);
  RC(fld1, S_NONE); RC(fldz, S_NONE); RC(fldpi, S_NONE); RC(fldl2e, S_NONE); RC(fldl2t, S_NONE);
  RC(fldlg2, S_NONE); RC(fldln2, S_NONE);
  ONE(fadd_empty, S_NONE); ONE(fstp_empty, S_NONE); ONE(fist_empty, S_NONE); CMP(fcom_empty, S_NONE);
  CMPF(fcomi_empty, S_NONE); ONE(fxam_empty, S_NONE); ONE(fchs_empty, S_NONE); ONE(fld_full, S_NONE);
  ONE(fxtract_full, S_NONE);
  rt_printf("total: n=%lu h=%016lx\n", (unsigned long)total_n, (unsigned long)total_h);
  return 0;
}
