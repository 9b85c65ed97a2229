/*
 * BMI1 (ANDN, BEXTR, BLSI, BLSMSK, BLSR), ABM (LZCNT, POPCNT), TZCNT and
 * CMPXCHG8B/16B against the host CPU: results, and the flags each SDM page
 * defines (undefined ones masked: AF and PF for the BMI1 group; all but CF/ZF
 * for TZCNT/LZCNT; only ZF for CMPXCHG8B/16B).
 */
#include "rt.h"

#define CF 0x001
#define PF 0x004
#define AF 0x010
#define ZF 0x040
#define SF 0x080
#define OF 0x800

static const uint64_t vals[] = {0, 1, 2, 3, 0x80, 0xff, 0x100, 0x7fffffff, 0x80000000u, 0xffffffffu, 0x100000000ull,
                                0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x8000000000000000ull, 0xffffffffffffffffull,
                                0x0123456789abcdefull, 0xf00f0000f00f0000ull, 0x0000ffff0000ff00ull};
#define NV (sizeof vals / sizeof vals[0])

static uint64_t h = 1469598103934665603ull;
static void mix(uint64_t v) { for (int i = 0; i < 8; i++) { h ^= (v >> (8 * i)) & 0xff; h *= 1099511628211ull; } }

#define OP2(name, insn, mask)                                                               \
  static void t_##name(void) {                                                          \
    uint64_t n = 0;                                                                          \
    for (unsigned i = 0; i < NV; i++) for (unsigned j = 0; j < NV; j++) {                    \
      uint64_t r, f, a = vals[i], b = vals[j];                                               \
      __asm__ volatile("xor %%eax, %%eax\n" insn "\n pushfq\n popq %1" : "=&r"(r), "=r"(f) : "r"(a), "r"(b) : "rax", "cc"); \
      mix(r); mix(f & (mask)); n++;                                                          \
    }                                                                                        \
    rt_printf("%s: n=%lu h=%016lx\n", #name, (unsigned long)n, (unsigned long)h);          \
  }

/* AT&T operand order: insn src2, src1, dst (ANDN: dst = ~src1 & src2; BEXTR: dst = src1[start,len from src2]) */
OP2(andn64, "andn %3, %2, %0", SF | ZF | CF | OF)
OP2(andn32, "andn %k3, %k2, %k0", SF | ZF | CF | OF)
OP2(bextr64, "bextr %3, %2, %0", ZF | CF | OF)
OP2(bextr32, "bextr %k3, %k2, %k0", ZF | CF | OF)

#define OP1(name, insn, mask)                                                               \
  static void t_##name(void) {                                                          \
    uint64_t n = 0;                                                                          \
    for (unsigned i = 0; i < NV; i++) {                                                      \
      uint64_t r, f, a = vals[i];                                                            \
      __asm__ volatile("mov $0x1234, %0\n" insn "\n pushfq\n popq %1" : "=&r"(r), "=r"(f) : "r"(a) : "cc"); \
      mix(r); mix(f & (mask)); n++;                                                          \
    }                                                                                        \
    rt_printf("%s: n=%lu h=%016lx\n", #name, (unsigned long)n, (unsigned long)h);          \
  }

OP1(blsi64, "blsi %2, %0", SF | ZF | CF | OF)
OP1(blsi32, "blsi %k2, %k0", SF | ZF | CF | OF)
OP1(blsmsk64, "blsmsk %2, %0", SF | ZF | CF | OF)
OP1(blsmsk32, "blsmsk %k2, %k0", SF | ZF | CF | OF)
OP1(blsr64, "blsr %2, %0", SF | ZF | CF | OF)
OP1(blsr32, "blsr %k2, %k0", SF | ZF | CF | OF)
OP1(tzcnt64, "tzcnt %2, %0", ZF | CF)
OP1(tzcnt32, "tzcnt %k2, %k0", ZF | CF)
OP1(tzcnt16, "tzcnt %w2, %w0", ZF | CF)
OP1(lzcnt64, "lzcnt %2, %0", ZF | CF)
OP1(lzcnt32, "lzcnt %k2, %k0", ZF | CF)
OP1(lzcnt16, "lzcnt %w2, %w0", ZF | CF)
OP1(popcnt64, "popcnt %2, %0", ZF | CF | PF | AF | SF | OF)
OP1(popcnt32, "popcnt %k2, %k0", ZF | CF | PF | AF | SF | OF)

static void t_cmpxchg(void) {
  static uint64_t m8;
  static unsigned __int128 m16 __attribute__((aligned(16)));
  uint64_t n = 0;
  for (unsigned i = 0; i < NV; i++) for (unsigned j = 0; j < NV; j += 3) {
    uint64_t f, a = vals[i], b = vals[j];
    uint32_t eax = (uint32_t)a, edx = (uint32_t)(a >> 32);
    m8 = (j & 1) ? a : b; /* equal on odd j */
    __asm__ volatile("cmpxchg8b %2\n pushfq\n popq %1" : "+a"(eax), "=r"(f), "+m"(m8), "+d"(edx) : "b"((uint32_t)b), "c"((uint32_t)~b) : "cc");
    mix(eax); mix(edx); mix(m8); mix(f & ZF); n++;
    uint64_t rax = a, rdx = ~a;
    m16 = (j & 1) ? (((unsigned __int128)rdx << 64) | rax) : (((unsigned __int128)b << 64) | a);
    __asm__ volatile("cmpxchg16b %2\n pushfq\n popq %1" : "+a"(rax), "=r"(f), "+m"(m16), "+d"(rdx) : "b"(b), "c"(a ^ b) : "cc");
    mix(rax); mix(rdx); mix((uint64_t)m16); mix((uint64_t)(m16 >> 64)); mix(f & ZF); n++;
  }
  rt_printf("cmpxchg8b/16b: n=%lu h=%016lx\n", (unsigned long)n, (unsigned long)h);
}

int test_main(void) {
  t_andn64(); t_andn32(); t_bextr64(); t_bextr32();
  t_blsi64(); t_blsi32(); t_blsmsk64(); t_blsmsk32(); t_blsr64(); t_blsr32();
  t_tzcnt64(); t_tzcnt32(); t_tzcnt16(); t_lzcnt64(); t_lzcnt32(); t_lzcnt16(); t_popcnt64(); t_popcnt32();
  t_cmpxchg();
  return 0;
}
