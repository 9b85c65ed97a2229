/*
 * BMI2 (SHLX, SHRX, SARX, RORX, MULX, PDEP, PEXT, BZHI) and MOVBE against
 * the host CPU: full 64-bit destination registers (upper halves preloaded
 * with garbage, so 32-bit zero-extension and 16-bit merging are checked)
 * and RFLAGS, hashed per (instruction, size, operand form).
 *
 * Flags (SDM Vol. 2 pages): SHLX/SHRX/SARX/RORX, MULX, PDEP, PEXT and MOVBE
 * leave every flag unaffected, so the input flags (varied per case) must
 * come out unchanged: all six status flags are compared. BZHI defines ZF,
 * SF, CF, OF (= 0); AF and PF are undefined and masked.
 */
#include "rt.h"

#define CF 0x001
#define PF 0x004
#define AF 0x010
#define ZF 0x040
#define SF 0x080
#define OF 0x800
#define STATUS (CF | PF | AF | ZF | SF | OF)

static const uint64_t vals[] = {0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0x80, 0xff, 0x100, 0x7fffffff, 0x80000000u,
                                0xffffffffu, 0x100000000ull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull,
                                0x8000000000000000ull, 0xffffffffffffffffull, 0x0123456789abcdefull,
                                0xf00f0000f00f0000ull, 0x0000ffff0000ff00ull, 0xfedcba9876543210ull};
#define NV (sizeof vals / sizeof vals[0])

static uint64_t h = 1469598103934665603ull;
static void mix(uint64_t v) { for (int i = 0; i < 8; i++) { h ^= (v >> (8 * i)) & 0xff; h *= 1099511628211ull; } }

/* Input RFLAGS per case: a pseudo-random pattern of the six status flags. */
static uint64_t flags_in(unsigned i, unsigned j) { return ((i * 0x9e3779b9u + j * 0x85ebca6bu) >> 7) & STATUS; }

static volatile uint64_t mem;

/* Three-operand forms: dst = op(src1, src2), with the destination preloaded with garbage. */
#define OP3(name, insn, mask)                                                                    \
  static void t_##name(void) {                                                                   \
    uint64_t n = 0;                                                                              \
    for (unsigned i = 0; i < NV; i++) for (unsigned j = 0; j < NV; j++) {                        \
      uint64_t r = 0xdeadbeefcafef00dull ^ vals[j], f = flags_in(i, j), a = vals[i], b = vals[j]; \
      mem = b;                                                                                   \
      __asm__ volatile("pushq %1\n popfq\n" insn "\n pushfq\n popq %1"                           \
                       : "+&r"(r), "+&r"(f) : "r"(a), "r"(b) : "cc", "memory");                  \
      mix(r); mix(f & (mask)); n++;                                                              \
    }                                                                                            \
    rt_printf("%s: n=%lu h=%016lx\n", #name, (unsigned long)n, (unsigned long)h);              \
  }

/* AT&T order: insn src2, src1, dst. %2 = vals[i], %3 = vals[j], mem = vals[j]. */
OP3(shlx64, "shlx %3, %2, %0", STATUS)
OP3(shlx32, "shlx %k3, %k2, %k0", STATUS)
OP3(shlx64m, "shlx %3, mem(%%rip), %0", STATUS)
OP3(shrx64, "shrx %3, %2, %0", STATUS)
OP3(shrx32, "shrx %k3, %k2, %k0", STATUS)
OP3(shrx32m, "shrx %k3, mem(%%rip), %k0", STATUS)
OP3(sarx64, "sarx %3, %2, %0", STATUS)
OP3(sarx32, "sarx %k3, %k2, %k0", STATUS)
OP3(sarx64m, "sarx %3, mem(%%rip), %0", STATUS)
OP3(pdep64, "pdep %3, %2, %0", STATUS)
OP3(pdep32, "pdep %k3, %k2, %k0", STATUS)
OP3(pdep64m, "pdep mem(%%rip), %2, %0", STATUS)
OP3(pext64, "pext %3, %2, %0", STATUS)
OP3(pext32, "pext %k3, %k2, %k0", STATUS)
OP3(pext32m, "pext mem(%%rip), %k2, %k0", STATUS)
OP3(bzhi64, "bzhi %3, %2, %0", ZF | SF | CF | OF)
OP3(bzhi32, "bzhi %k3, %k2, %k0", ZF | SF | CF | OF)
OP3(bzhi64m, "bzhi %3, mem(%%rip), %0", ZF | SF | CF | OF)

/* RORX with immediate counts. */
#define RORX(name, insn)                                                                         \
  static void t_##name(void) {                                                                   \
    uint64_t n = 0;                                                                              \
    for (unsigned i = 0; i < NV; i++) {                                                          \
      uint64_t a = vals[i];                                                                      \
      uint64_t r[6], f = flags_in(i, 7);                                                         \
      mem = a;                                                                                   \
      __asm__ volatile("pushq %6\n popfq\n" insn "\n pushfq\n popq %6"                           \
                       : "=&r"(r[0]), "=&r"(r[1]), "=&r"(r[2]), "=&r"(r[3]), "=&r"(r[4]), "=&r"(r[5]), "+&r"(f) \
                       : "r"(a) : "cc", "memory");                                               \
      for (int k = 0; k < 6; k++) mix(r[k]);                                                     \
      mix(f & STATUS); n++;                                                                      \
    }                                                                                            \
    rt_printf("%s: n=%lu h=%016lx\n", #name, (unsigned long)n, (unsigned long)h);              \
  }
RORX(rorx64, "rorx $0, %7, %0\n rorx $1, %7, %1\n rorx $13, %7, %2\n rorx $63, %7, %3\n rorx $64, %7, %4\n rorx $200, mem(%%rip), %5")
RORX(rorx32, "rorx $0, %k7, %k0\n rorx $1, %k7, %k1\n rorx $13, %k7, %k2\n rorx $31, %k7, %k3\n rorx $32, %k7, %k4\n rorx $45, mem(%%rip), %k5")

/* MULX hi, lo, src: RDX × src; also with hi = lo (the high half wins). */
static void t_mulx(void) {
  uint64_t n = 0;
  for (unsigned i = 0; i < NV; i++) for (unsigned j = 0; j < NV; j++) {
    uint64_t hi, lo, same, hi32, lo32, f = flags_in(i, j), a = vals[i], b = vals[j];
    mem = b;
    __asm__ volatile("pushq %5\n popfq\n"
                     "mulx %6, %1, %0\n"
                     "mulx mem(%%rip), %2, %2\n"
                     "movabsq $0x1111111111111111, %3\n movabsq $0x2222222222222222, %4\n"
                     "mulx %k6, %k4, %k3\n"
                     "pushfq\n popq %5"
                     : "=&r"(hi), "=&r"(lo), "=&r"(same), "=&r"(hi32), "=&r"(lo32), "+&r"(f)
                     : "r"(b), "d"(a) : "cc", "memory");
    mix(hi); mix(lo); mix(same); mix(hi32); mix(lo32); mix(f & STATUS); n++;
  }
  rt_printf("mulx: n=%lu h=%016lx\n", (unsigned long)n, (unsigned long)h);
}

/* MOVBE loads and stores at 16, 32 and 64 bits (a 16-bit load keeps the register's upper bits). */
static void t_movbe(void) {
  uint64_t n = 0;
  for (unsigned i = 0; i < NV; i++) {
    uint64_t r64 = ~vals[i], r32 = 0x1234567890abcdefull, r16 = 0xfedcba9876543210ull, f = flags_in(i, 3);
    uint64_t m64 = 0x5a5a5a5a5a5a5a5aull, m32 = m64, m16 = m64;
    mem = vals[i];
    __asm__ volatile("pushq %3\n popfq\n"
                     "movbe mem(%%rip), %0\n movbe mem(%%rip), %k1\n movbe mem(%%rip), %w2\n"
                     "movbe %8, %4\n movbe %k8, %5\n movbe %w8, %6\n"
                     "pushfq\n popq %3"
                     : "+&r"(r64), "+&r"(r32), "+&r"(r16), "+&r"(f), "+m"(m64), "+m"(m32), "+m"(m16)
                     : "m"(mem), "r"(vals[i]) : "cc", "memory");
    mix(r64); mix(r32); mix(r16); mix(m64); mix(m32); mix(m16); mix(f & STATUS); n++;
  }
  rt_printf("movbe: n=%lu h=%016lx\n", (unsigned long)n, (unsigned long)h);
}

int test_main(void) {
  t_shlx64(); t_shlx32(); t_shlx64m(); t_shrx64(); t_shrx32(); t_shrx32m(); t_sarx64(); t_sarx32(); t_sarx64m();
  t_pdep64(); t_pdep32(); t_pdep64m(); t_pext64(); t_pext32(); t_pext32m();
  t_bzhi64(); t_bzhi32(); t_bzhi64m();
  t_rorx64(); t_rorx32();
  t_mulx();
  t_movbe();
  return 0;
}
