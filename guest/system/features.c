/*
 * Every instruction-set feature that CPUID advertises must execute: a guest
 * that probes CPUID (as gcc's -march=native code or a kernel's alternatives
 * would) may pick these instructions. One line per feature: whether CPUID
 * sets the bit, then results whose values follow from the SDM Vol. 2
 * definitions:
 *   CX8    CPUID.01H:EDX[8]       CMPXCHG8B m64: EDX:EAX == m64 -> ZF=1, m64 = ECX:EBX;
 *                                  else ZF=0, EDX:EAX = m64
 *   BMI1   CPUID.(07H,0):EBX[3]   ANDN = ~src1 & src2; BEXTR = (src >> ctl[7:0]) &
 *                                  (2^ctl[15:8] - 1); BLSI = x & -x; BLSMSK = x ^ (x-1);
 *                                  BLSR = x & (x-1); TZCNT(0) = 64
 *   ABM    CPUID.80000001H:ECX[5] LZCNT(1) = 63
 *   POPCNT CPUID.01H:ECX[23]      POPCNT(0xff00ff) = 16
 *   CMOV   CPUID.01H:EDX[15]      CMOVNE with ZF=0 moves
 *   LAHF   CPUID.80000001H:ECX[0] LAHF in 64-bit mode: AH = SF:ZF:0:AF:0:PF:1:CF
 *   BMI2   CPUID.(07H,0):EBX[8]   SHLX/SHRX/SARX count mod 64; RORX; MULX RDX × src ->
 *                                  hi:lo; PDEP/PEXT; BZHI clears bits from the index up
 *   MOVBE  CPUID.01H:ECX[22]      MOVBE m64 -> r64 byte-reversed
 *   FPU    CPUID.01H:EDX[0]       FLD1; FLD1; FADDP; FISTP m32 -> 2; FNSTSW after FNINIT -> 0
 * -DONLY=n runs feature n alone, so that a machine that stops on one
 * feature still reports the others.
 */
#include "rt.h"

#ifndef ONLY
#define ONLY 0
#endif
#define WANT(n) (ONLY == 0 || ONLY == (n))

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

int test_main(void) {
  uint32_t l1[4], l7[4], e1[4];
  cpuid(1, 0, l1);
  cpuid(7, 0, l7);
  cpuid(0x80000001, 0, e1);

  if (WANT(1)) {
    volatile uint64_t m = 0x1122334455667788ull;
    uint32_t eax = 0x55667788, edx = 0x11223344;
    uint8_t zf;
    __asm__ volatile("cmpxchg8b %[m]; sete %[zf]" : [m] "+m"(m), "+a"(eax), "+d"(edx), [zf] "=r"(zf)
                     : "b"(0xeeff0011u), "c"(0xaabbccddu) : "cc");
    rt_printf("cx8 %u: cmpxchg8b equal: zf %u m64 0x%lx;", (l1[3] >> 8) & 1, zf, (unsigned long)m);
    eax = 0; edx = 0;
    __asm__ volatile("cmpxchg8b %[m]; sete %[zf]" : [m] "+m"(m), "+a"(eax), "+d"(edx), [zf] "=r"(zf)
                     : "b"(0u), "c"(0u) : "cc");
    rt_printf(" unequal: zf %u edx:eax 0x%x:%x\n", zf, edx, eax);
  }
  if (WANT(2)) {
    uint64_t a, b, c, d, e, f, g;
    uint64_t x = 0xb0, s1 = 0xf0f0, s2 = 0xff00, z = 0;
    __asm__("andn %2, %1, %0" : "=r"(a) : "r"(s1), "r"(s2) : "cc");
    __asm__("bextr %2, %1, %0" : "=r"(b) : "r"(0x123456789abcdef0ull), "r"((uint64_t)(16 << 8 | 8)) : "cc");
    __asm__("blsi %1, %0" : "=r"(c) : "r"(x) : "cc");
    __asm__("blsmsk %1, %0" : "=r"(d) : "r"(x) : "cc");
    __asm__("blsr %1, %0" : "=r"(e) : "r"(x) : "cc");
    __asm__("tzcnt %1, %0" : "=r"(f) : "r"(x) : "cc");
    __asm__("tzcnt %1, %0" : "=r"(g) : "r"(z) : "cc");
    rt_printf("bmi1 %u: andn 0x%lx bextr 0x%lx blsi 0x%lx blsmsk 0x%lx blsr 0x%lx tzcnt %lu %lu\n", (l7[1] >> 3) & 1,
              (unsigned long)a, (unsigned long)b, (unsigned long)c, (unsigned long)d, (unsigned long)e,
              (unsigned long)f, (unsigned long)g);
  }
  if (WANT(3)) {
    uint64_t r, one = 1;
    __asm__("lzcnt %1, %0" : "=r"(r) : "r"(one) : "cc");
    rt_printf("abm %u: lzcnt(1) %lu\n", (e1[2] >> 5) & 1, (unsigned long)r);
  }
  if (WANT(4)) {
    uint64_t r, v = 0xff00ff;
    __asm__("popcnt %1, %0" : "=r"(r) : "r"(v) : "cc");
    rt_printf("popcnt %u: popcnt(0xff00ff) %lu\n", (l1[2] >> 23) & 1, (unsigned long)r);
  }
  if (WANT(5)) {
    uint64_t r = 1, v = 2, one = 1;
    __asm__("cmpq $0, %2; cmovne %1, %0" : "+r"(r) : "r"(v), "r"(one) : "cc");
    rt_printf("cmov %u: cmovne 0x%lx\n", (l1[3] >> 15) & 1, (unsigned long)r);
  }
  if (WANT(6)) {
    uint64_t ah;
    /* 1 - 2: CF=1 (borrow), SF=1, AF=1 (borrow from bit 4), PF of 0xff = 1, ZF=0 -> AH = 1001_0111b = 0x97 */
    __asm__("movl $1, %%eax; subl $2, %%eax; lahf; movzbl %%ah, %%eax" : "=a"(ah) : : "cc");
    rt_printf("lahf %u: ah after 1-2 0x%lx\n", e1[2] & 1, (unsigned long)ah);
  }
  if (WANT(7)) {
    uint64_t a, b, c, d, hi, lo, e, f, g;
    uint64_t x = 0x8000000000000001ull, n = 65, m = 0xf0f0;
    __asm__("shlx %2, %1, %0" : "=r"(a) : "r"(x), "r"(n));
    __asm__("sarx %2, %1, %0" : "=r"(b) : "r"(x), "r"(n));
    __asm__("shrx %2, %1, %0" : "=r"(c) : "r"(x), "r"(n));
    __asm__("rorx $4, %1, %0" : "=r"(d) : "r"(x));
    __asm__("mulx %2, %1, %0" : "=r"(hi), "=r"(lo) : "r"(x), "d"((uint64_t)6));
    __asm__("pdep %2, %1, %0" : "=r"(e) : "r"((uint64_t)0xb), "r"(m));
    __asm__("pext %2, %1, %0" : "=r"(f) : "r"((uint64_t)0xa0b0), "r"(m));
    __asm__("bzhi %2, %1, %0" : "=r"(g) : "r"(~0ull), "r"((uint64_t)12) : "cc");
    rt_printf("bmi2 %u: shlx 0x%lx sarx 0x%lx shrx 0x%lx rorx 0x%lx mulx 0x%lx:%lx pdep 0x%lx pext 0x%lx bzhi 0x%lx\n",
              (l7[1] >> 8) & 1, (unsigned long)a, (unsigned long)b, (unsigned long)c, (unsigned long)d,
              (unsigned long)hi, (unsigned long)lo, (unsigned long)e, (unsigned long)f, (unsigned long)g);
  }
  if (WANT(8)) {
    uint64_t m = 0x0123456789abcdefull, r;
    __asm__("movbe %1, %0" : "=r"(r) : "m"(m));
    rt_printf("movbe %u: movbe 0x%lx\n", (l1[2] >> 22) & 1, (unsigned long)r);
  }
  if (WANT(9)) {
    int32_t two;
    uint16_t sw;
    __asm__ volatile("fninit; fnstsw %1; fld1; fld1; faddp; fistpl %0" : "=m"(two), "=a"(sw));
    rt_printf("fpu %u: fld1+fld1 %d fsw after fninit 0x%x\n", l1[3] & 1, two, sw);
  }
  rt_printf("features done\n");
  return 0;
}
