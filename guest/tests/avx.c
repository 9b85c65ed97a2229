/*
 * avx.c — instruction-by-instruction oracle for AVX, AVX2, FMA and F16C,
 * like sse.c: each VEX instruction runs on edge operands with a chosen
 * MXCSR, and the whole 256-bit destination (preloaded with a pattern, so the
 * VEX.128 upper-half zeroing and the non-destructive sources are checked),
 * mask registers of gathers, and the output MXCSR are hashed per line. The
 * host CPU running the native build is the reference.
 *
 * The VEX forms share their element arithmetic with the legacy forms that
 * sse.c checks exhaustively; here each family runs on fewer operands but in
 * both vector lengths. Scalar VFMADD and F16C get the full edge tables under
 * every MXCSR setting. -DAVX_VERBOSE prints every case; -DAVX_ONLY='"vfmadd132ps"'
 * runs one line.
 */
#include "rt.h"

typedef long long v4di __attribute__((vector_size(32)));
typedef union { v4di v; uint64_t q[4]; uint32_t u[8]; uint16_t w[16]; uint8_t b[32]; } v256;
typedef struct { v256 a, b, c, r, m; uint32_t mxi, mxo; uint64_t g; } io_t;
typedef void (*fn_t)(io_t *);

static uint64_t h, htotal;
static unsigned long ncase, ntotal;
static void mix(uint64_t v) { h ^= v; h *= 0x100000001b3ull; h ^= h >> 29; }
static const char *cur;
static void begin(const char *name) { cur = name; h = 0xcbf29ce484222325ull; ncase = 0; }
static void end(void) {
  rt_printf("%s: n=%lu h=%016llx\n", cur, ncase, (unsigned long long)h);
  htotal ^= h; htotal *= 0x100000001b3ull; ntotal += ncase;
}
static int selected(const char *name) {
#ifdef AVX_ONLY
  const char *a = AVX_ONLY, *b = name;
  while (*a && *a == *b) { a++; b++; }
  return *a == 0 && *b == 0;
#else
  (void)name;
  return 1;
#endif
}
static void record(io_t *p) {
  for (int i = 0; i < 4; i++) mix(p->r.q[i]);
  for (int i = 0; i < 4; i++) mix(p->m.q[i]);
  mix(p->mxo); mix(p->g);
  ncase++;
#ifdef AVX_VERBOSE
  rt_printf("%s mx=%04x a=%016llx.%016llx.%016llx.%016llx b=%016llx.%016llx.%016llx.%016llx c=%016llx.%016llx.%016llx.%016llx -> r=%016llx.%016llx.%016llx.%016llx m=%016llx.%016llx mx=%04x g=%llx\n",
            cur, p->mxi, (unsigned long long)p->a.q[3], (unsigned long long)p->a.q[2], (unsigned long long)p->a.q[1], (unsigned long long)p->a.q[0],
            (unsigned long long)p->b.q[3], (unsigned long long)p->b.q[2], (unsigned long long)p->b.q[1], (unsigned long long)p->b.q[0],
            (unsigned long long)p->c.q[3], (unsigned long long)p->c.q[2], (unsigned long long)p->c.q[1], (unsigned long long)p->c.q[0],
            (unsigned long long)p->r.q[3], (unsigned long long)p->r.q[2], (unsigned long long)p->r.q[1], (unsigned long long)p->r.q[0],
            (unsigned long long)p->m.q[1], (unsigned long long)p->m.q[0], p->mxo, (unsigned long long)p->g);
#endif
}

#define TGT __attribute__((target("avx2,fma,f16c"), noinline))
#define MXI "vldmxcsr %[mi]\n\t"
#define MXO "\n\tvstmxcsr %[mo]"
/* r = a; insn c, b, r (Intel: insn r, b, c); W selects the register width: "x" XMM, "t" YMM */
#define T3(name, insn, W)                                                      \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %" W "[c], %" W "[b], %" W "[r]" MXO           \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
/* with a memory third operand (full width of c) */
#define T3M(name, insn, W)                                                     \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %[c], %" W "[b], %" W "[r]" MXO                \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "m"(p->c), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
#define T3I(name, insn, W, imm)                                                \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " $" #imm ", %" W "[c], %" W "[b], %" W "[r]" MXO \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
/* r = a; insn c, r (two operands; WS/WD: source/destination widths) */
#define T2(name, insn, WS, WD)                                                 \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %" WS "[c], %" WD "[r]" MXO                    \
                     : [r] "+x"(r), [mo] "=m"(mo) : [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
#define T2M(name, insn, WD)                                                    \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %[c], %" WD "[r]" MXO                          \
                     : [r] "+x"(r), [mo] "=m"(mo) : [c] "m"(p->c), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
#define T2I(name, insn, WS, WD, imm)                                           \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " $" #imm ", %" WS "[c], %" WD "[r]" MXO         \
                     : [r] "+x"(r), [mo] "=m"(mo) : [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
/* a 128-bit third operand with 256-bit others (shift counts, VINSERTF128) */
#define T3S(name, insn)                                                        \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %x[c], %t[b], %t[r]" MXO                       \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
#define T3SI(name, insn, imm)                                                  \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " $" #imm ", %x[c], %t[b], %t[r]" MXO            \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
/* GPR operands: g = insn c (xmm/ymm) -> reg; r = insn g, b -> xmm (VEX three-operand inserts/conversions) */
#define TVR(name, insn, W, reg)                                                \
  static TGT void name(io_t *p) {                                              \
    uint64_t g = 0xdeadbeefcafebabeull; uint32_t mo;                           \
    __asm__ volatile(MXI insn " %" W "[c], %" reg "[g]" MXO                    \
                     : [g] "+r"(g), [mo] "=m"(mo) : [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->g = g; p->mxo = mo;                                                     \
  }
#define TVRI(name, insn, reg, imm)                                             \
  static TGT void name(io_t *p) {                                              \
    uint64_t g = 0xdeadbeefcafebabeull; uint32_t mo;                           \
    __asm__ volatile(MXI insn " $" #imm ", %x[c], %" reg "[g]" MXO             \
                     : [g] "+r"(g), [mo] "=m"(mo) : [c] "x"(p->c.v), [mi] "m"(p->mxi)); \
    p->g = g; p->mxo = mo;                                                     \
  }
#define TRV(name, insn, reg)                                                   \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %" reg "[g], %x[b], %x[r]" MXO                 \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [g] "r"(p->c.q[0]), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
#define TRVI(name, insn, reg, imm)                                             \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " $" #imm ", %" reg "[g], %x[b], %x[r]" MXO      \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [g] "r"(p->c.q[0]), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
/* a 64-bit memory third operand (VMOVLPS/VMOVHPD xmm, xmm, m64) */
#define T3M8(name, insn)                                                       \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %[c], %x[b], %x[r]" MXO                        \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "m"(p->c.q[1]), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }
TVR(vmovmskps_y, "vmovmskps", "t", "k") TVR(vmovmskpd_y, "vmovmskpd", "t", "k") TVR(vpmovmskb_y, "vpmovmskb", "t", "k")
TVR(vmovd_r, "vmovd", "x", "k") TVR(vmovq_r, "vmovq", "x", "q") TVR(vcvttsd2si_q, "vcvttsd2si", "x", "q") TVR(vcvtss2si_k, "vcvtss2si", "x", "k")
TVRI(vpextrq_1, "vpextrq", "q", 1) TVRI(vpextrb_9, "vpextrb", "k", 9) TVRI(vextractps_2, "vextractps", "k", 2)
TRV(vcvtsi2sd_q, "vcvtsi2sdq", "q") TRV(vcvtsi2ss_k, "vcvtsi2ssl", "k")
TRVI(vpinsrd_2, "vpinsrd", "k", 2) TRVI(vpinsrq_1, "vpinsrq", "q", 1) TRVI(vpinsrw_5, "vpinsrw", "k", 5)
T3M8(vmovlps_m, "vmovlps") T3M8(vmovhpd_m, "vmovhpd") T3I(vinsertps_9d, "vinsertps", "x", 0x9d)
T3(vmovsd_r, "vmovsd", "x") T3(vmovlhps, "vmovlhps", "x")
T3(vaesenc_x, "vaesenc", "x") T3(vaesdeclast_x, "vaesdeclast", "x") T2(vaesimc_x, "vaesimc", "x", "x") T2I(vaeskeygenassist_x, "vaeskeygenassist", "x", "x", 0x36)
T3I(vpclmulqdq_x, "vpclmulqdq", "x", 0x11)
T2M(vpermilps_m, "vpermilps $0x1b,", "t") T2M(vmovddup_m, "vmovddup", "x") T2M(vpmovzxbd_m, "vpmovzxbd", "t")

/* blendv: r = a; insn m, c, b, r */
#define T4(name, insn, W)                                                      \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v; uint32_t mo;                                              \
    __asm__ volatile(MXI insn " %" W "[m], %" W "[c], %" W "[b], %" W "[r]" MXO \
                     : [r] "+x"(r), [mo] "=m"(mo) : [b] "x"(p->b.v), [c] "x"(p->c.v), [m] "x"(p->m.v), [mi] "m"(p->mxi)); \
    p->r.v = r; p->mxo = mo;                                                   \
  }

/* float arithmetic, VEX.128 and VEX.256 */
#define FPV(n) T3(n##ps_x, #n "ps", "x") T3(n##ps_y, #n "ps", "t") T3(n##pd_x, #n "pd", "x") T3(n##pd_y, #n "pd", "t") \
  T3(n##ss, #n "ss", "x") T3(n##sd, #n "sd", "x")
FPV(vadd) FPV(vsub) FPV(vmul) FPV(vdiv) FPV(vmin) FPV(vmax)
T2(vsqrtps_y, "vsqrtps", "t", "t") T2(vsqrtpd_y, "vsqrtpd", "t", "t") T3(vsqrtss, "vsqrtss", "x") T3(vsqrtsd, "vsqrtsd", "x")
T3(vaddsubps_y, "vaddsubps", "t") T3(vhaddpd_y, "vhaddpd", "t") T3(vhsubps_y, "vhsubps", "t")
T3M(vaddps_ym, "vaddps", "t") T3M(vmulsd_m, "vmulsd", "x")
#define CMPV(i) T3I(vcmpps_##i, "vcmpps", "t", i) T3I(vcmppd_##i, "vcmppd", "x", i)
CMPV(0) CMPV(1) CMPV(3) CMPV(4) CMPV(8) CMPV(9) CMPV(10) CMPV(11) CMPV(12) CMPV(13) CMPV(14) CMPV(15)
CMPV(16) CMPV(17) CMPV(21) CMPV(24) CMPV(25) CMPV(29) CMPV(31)
T3I(vcmpss_26, "vcmpss", "x", 26) T3I(vcmpsd_18, "vcmpsd", "x", 18)
T2(vcvtps2pd_y, "vcvtps2pd", "x", "t") T2(vcvtpd2ps_y, "vcvtpd2ps", "t", "x") T2(vcvtdq2ps_y, "vcvtdq2ps", "t", "t")
T2(vcvttps2dq_y, "vcvttps2dq", "t", "t") T2(vcvtpd2dq_y, "vcvtpd2dq", "t", "x") T2(vcvtdq2pd_y, "vcvtdq2pd", "x", "t")
T3(vcvtss2sd, "vcvtss2sd", "x") T3(vcvtsd2ss, "vcvtsd2ss", "x")
T2I(vroundps_y, "vroundps", "t", "t", 9) T2I(vroundpd_y, "vroundpd", "t", "t", 4) T3I(vroundss, "vroundss", "x", 2)
T3I(vdpps_y, "vdpps", "t", 0xf3)
/* FMA */
#define FMAV(k, t, W, s) T3(k##132##t##s, #k "132" #t, W) T3(k##213##t##s, #k "213" #t, W) T3(k##231##t##s, #k "231" #t, W)
FMAV(vfmadd, ps, "x", ) FMAV(vfmadd, pd, "t", ) FMAV(vfmadd, ss, "x", ) FMAV(vfmadd, sd, "x", )
FMAV(vfmsub, ps, "t", ) FMAV(vfmsub, pd, "x", ) FMAV(vfmsub, ss, "x", ) FMAV(vfmsub, sd, "x", )
FMAV(vfnmadd, ps, "x", ) FMAV(vfnmadd, pd, "x", ) FMAV(vfnmadd, ss, "x", ) FMAV(vfnmadd, sd, "x", )
FMAV(vfnmsub, ps, "x", ) FMAV(vfnmsub, pd, "t", ) FMAV(vfnmsub, ss, "x", ) FMAV(vfnmsub, sd, "x", )
FMAV(vfmaddsub, ps, "t", ) FMAV(vfmaddsub, pd, "x", ) FMAV(vfmsubadd, ps, "x", ) FMAV(vfmsubadd, pd, "t", )
/* F16C */
T2(vcvtph2ps_x, "vcvtph2ps", "x", "x") T2(vcvtph2ps_y, "vcvtph2ps", "x", "t")
T2I(vcvtps2ph_x0, "vcvtps2ph", "x", "x", 0) T2I(vcvtps2ph_y1, "vcvtps2ph", "t", "x", 1) T2I(vcvtps2ph_x2, "vcvtps2ph", "x", "x", 2)
T2I(vcvtps2ph_y3, "vcvtps2ph", "t", "x", 3) T2I(vcvtps2ph_x4, "vcvtps2ph", "x", "x", 4)
/* integer AVX2 (a sample of each family; the element code is sse.c's) */
T3(vpaddb_y, "vpaddb", "t") T3(vpaddq_y, "vpaddq", "t") T3(vpsubusw_y, "vpsubusw", "t") T3(vpmullw_y, "vpmullw", "t")
T3(vpmulld_y, "vpmulld", "t") T3(vpmuludq_y, "vpmuludq", "t") T3(vpmaddwd_y, "vpmaddwd", "t") T3(vpsadbw_y, "vpsadbw", "t")
T3(vpcmpgtq_y, "vpcmpgtq", "t") T3(vpminsd_y, "vpminsd", "t") T3(vpmaxub_y, "vpmaxub", "t") T3(vpavgw_y, "vpavgw", "t")
T3(vpand_y, "vpand", "t") T3(vpandn_x, "vpandn", "x") T3(vpxor_y, "vpxor", "t") T3(vorps_y, "vorps", "t")
T3(vpshufb_y, "vpshufb", "t") T3(vpacksswb_y, "vpacksswb", "t") T3(vpackusdw_y, "vpackusdw", "t")
T3(vpunpcklbw_y, "vpunpcklbw", "t") T3(vpunpckhqdq_y, "vpunpckhqdq", "t") T3(vunpcklps_y, "vunpcklps", "t") T3(vunpckhpd_y, "vunpckhpd", "t")
T3(vphaddw_y, "vphaddw", "t") T3(vphsubd_y, "vphsubd", "t") T3(vpsignb_y, "vpsignb", "t") T3(vpmulhrsw_y, "vpmulhrsw", "t")
T2(vpabsd_y, "vpabsd", "t", "t") T2(vpmovsxbw_y, "vpmovsxbw", "x", "t") T2(vpmovzxwq_y, "vpmovzxwq", "x", "t") T2(vpmovsxdq_y, "vpmovsxdq", "x", "t")
T3S(vpsllw_y, "vpsllw") T3S(vpsrad_y, "vpsrad") T3S(vpsrlq_y, "vpsrlq")
T2I(vpsllw_yi, "vpsllw", "t", "t", 3) T2I(vpsrad_yi, "vpsrad", "t", "t", 31) T2I(vpsrlq_yi, "vpsrlq", "t", "t", 40)
T2I(vpslldq_y, "vpslldq", "t", "t", 5) T2I(vpsrldq_y, "vpsrldq", "t", "t", 11)
T3(vpsllvd_y, "vpsllvd", "t") T3(vpsllvq_x, "vpsllvq", "x") T3(vpsrlvd_x, "vpsrlvd", "x") T3(vpsrlvq_y, "vpsrlvq", "t") T3(vpsravd_y, "vpsravd", "t")
T2I(vpshufd_y, "vpshufd", "t", "t", 0x1b) T2I(vpshufhw_y, "vpshufhw", "t", "t", 0x4e) T3I(vshufps_y, "vshufps", "t", 0x9c) T3I(vshufpd_y, "vshufpd", "t", 0x6)
T3I(vpalignr_y, "vpalignr", "t", 9) T3I(vpblendw_y, "vpblendw", "t", 0x35) T3I(vpblendd_y, "vpblendd", "t", 0xa6) T3I(vblendpd_y, "vblendpd", "t", 0x5)
T3I(vmpsadbw_y, "vmpsadbw", "t", 0x1d) T3I(vperm2f128_y, "vperm2f128", "t", 0x31) T3I(vperm2i128_y, "vperm2i128", "t", 0x82)
T4(vpblendvb_y, "vpblendvb", "t") T4(vblendvps_y, "vblendvps", "t") T4(vblendvpd_x, "vblendvpd", "x")
T3(vpermilps_yv, "vpermilps", "t") T3(vpermilpd_xv, "vpermilpd", "x") T2I(vpermilps_yi, "vpermilps", "t", "t", 0x8d) T2I(vpermilpd_yi, "vpermilpd", "t", "t", 0x9)
T3(vpermd_y, "vpermd", "t") T3(vpermps_y, "vpermps", "t") T2I(vpermq_y, "vpermq", "t", "t", 0x4b) T2I(vpermpd_y, "vpermpd", "t", "t", 0xd2)
T2(vbroadcastss_x, "vbroadcastss", "x", "x") T2(vbroadcastss_y, "vbroadcastss", "x", "t") T2(vbroadcastsd_y, "vbroadcastsd", "x", "t")
T2(vpbroadcastb_y, "vpbroadcastb", "x", "t") T2(vpbroadcastw_x, "vpbroadcastw", "x", "x") T2(vpbroadcastq_y, "vpbroadcastq", "x", "t")
T2M(vbroadcastf128_m, "vbroadcastf128", "t") T2M(vpbroadcastd_m, "vpbroadcastd", "t")
T3SI(vinsertf128_1, "vinsertf128", 1) T3SI(vinserti128_0, "vinserti128", 0) T2M(vbroadcasti128_m, "vbroadcasti128", "t") T2I(vextractf128_1, "vextractf128", "t", "x", 1) T2I(vextracti128_0, "vextracti128", "t", "x", 0)
T2(vmovddup_y, "vmovddup", "t", "t") T2(vmovshdup_y, "vmovshdup", "t", "t") T3(vmovhlps, "vmovhlps", "x") T3(vmovss_r, "vmovss", "x")
T2(vmovaps_x, "vmovaps", "x", "x") T2(vmovdqu_y, "vmovdqu", "t", "t") T2(vmovq_x, "vmovq", "x", "x")
T2(vptest_y, "vptest", "t", "t")
/* the mask moves, the VEX zeroing instructions, PTEST flags, gathers: special shapes */
static TGT void vmaskmovps_ld(io_t *p) { v4di r = p->a.v; __asm__ volatile("vmaskmovps %[c], %t[m], %t[r]" : [r] "=x"(r) : [m] "x"(p->m.v), [c] "m"(p->c)); p->r.v = r; p->mxo = 0; }
static TGT void vpmaskmovq_st(io_t *p) { p->r = p->a; __asm__ volatile("vpmaskmovq %t[b], %t[m], %[r]" : [r] "+m"(p->r) : [m] "x"(p->m.v), [b] "x"(p->b.v)); p->mxo = 0; }
static TGT void vpmaskmovd_ldx(io_t *p) { v4di r = p->a.v; __asm__ volatile("vpmaskmovd %[c], %x[m], %x[r]" : [r] "=x"(r) : [m] "x"(p->m.v), [c] "m"(p->c)); p->r.v = r; p->mxo = 0; }
static TGT void vmaskmovpd_st(io_t *p) { p->r = p->a; __asm__ volatile("vmaskmovpd %x[b], %x[m], %[r]" : [r] "+m"(p->r) : [m] "x"(p->m.v), [b] "x"(p->b.v)); p->mxo = 0; }
static TGT void vzeroall_t(io_t *p) {
  v4di r = p->a.v;
  __asm__ volatile("vmovdqu %[r], %%ymm5\n\tvzeroall\n\tvmovdqu %%ymm5, %[r]" : [r] "+m"(r) :: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  p->r.v = r; p->mxo = 0;
}
static TGT void vzeroupper_t(io_t *p) {
  v4di r = p->a.v;
  __asm__ volatile("vmovdqu %[r], %%ymm5\n\tvzeroupper\n\tvmovdqu %%ymm5, %[r]" : [r] "+m"(r) :: "xmm5");
  p->r.v = r; p->mxo = 0;
}
static TGT void vptest_f(io_t *p) {
  uint64_t f;
  __asm__ volatile("lea -128(%%rsp), %%rsp\n\tvptest %t[c], %t[b]\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp" : [f] "=r"(f) : [b] "x"(p->b.v), [c] "x"(p->c.v) : "cc");
  p->g = f & 0x8d5; p->r.v = p->b.v; p->mxo = 0;
}
static TGT void vtestps_f(io_t *p) {
  uint64_t f;
  __asm__ volatile("lea -128(%%rsp), %%rsp\n\tvtestps %t[c], %t[b]\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp" : [f] "=r"(f) : [b] "x"(p->b.v), [c] "x"(p->c.v) : "cc");
  p->g = f & 0x8d5; p->r.v = p->b.v; p->mxo = 0;
}
/* gathers: table[] indexed by c's elements masked to 0..63, mask from m */
static uint64_t table[64];
#define TG(name, insn, W, IW)                                                  \
  static TGT void name(io_t *p) {                                              \
    v4di r = p->a.v, m = p->m.v;                                               \
    __asm__ volatile(insn " %" W "[m], (%[base], %" IW "[ix], 4), %" W "[r]"   \
                     : [r] "+&x"(r), [m] "+&x"(m) : [base] "r"(table), [ix] "x"(p->c.v) : "memory"); \
    p->r.v = r; p->m.v = m; p->mxo = 0;                                        \
  }
TG(vgatherdps_y, "vgatherdps", "t", "t") TG(vgatherdpd_y, "vgatherdpd", "t", "x") TG(vgatherqps_x, "vgatherqps", "x", "t")
TG(vgatherqpd_x, "vgatherqpd", "x", "x") TG(vpgatherdd_x, "vpgatherdd", "x", "x") TG(vpgatherdq_y, "vpgatherdq", "t", "x")
TG(vpgatherqd_y, "vpgatherqd", "x", "t") TG(vpgatherqq_y, "vpgatherqq", "t", "t")

/* ---- operands ---- */
static const uint32_t E32[] = {
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40400000, 0x3eaaaaab, 0x00000001,
  0x007fffff, 0x80400000, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00001,
  0xffc12345, 0x7f800005, 0xff812345, 0x4b800001, 0x4f000000, 0xcf000000, 0x3f000000, 0x1a000000,
  0x33800001, 0x477fe000, 0x477ff000, 0x38800000, 0x387fc000, 0x33000001, 0xc77fffff, 0x38000001,
};
static const uint64_t E64[] = {
  0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
  0x3ff8000000000000ull, 0x3fd5555555555555ull, 0x0000000000000001ull, 0x000fffffffffffffull,
  0x8008000000000000ull, 0x0010000000000000ull, 0x7fefffffffffffffull, 0xffefffffffffffffull,
  0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000001ull, 0xfff8123456789abcull,
  0x7ff0000000000005ull, 0xfff0123456789abcull, 0x41dfffffffe00000ull, 0x43e0000000000000ull,
  0x2000000000000000ull, 0x3e80000000000001ull, 0x3ca0000000000000ull, 0x4340000000000001ull,
};
#define N32 (sizeof E32 / sizeof E32[0])
#define N64 (sizeof E64 / sizeof E64[0])
static const uint32_t MXS[] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1fc0, 0x9f80, 0x9fc0, 0xdfc0 };
#define NMX (sizeof MXS / sizeof MXS[0])
static uint64_t lcg = 0x0123456789abcdefull;
static uint64_t rnd(void) { lcg = lcg * 6364136223846793005ull + 1442695040888963407ull; return lcg ^ (lcg >> 29); }

/* the tables repeated, so lane indices need no division (which the guest would pay for in every lane) */
static uint32_t T32[5 * N32];
static uint64_t T64[6 * N64];
static void init_tables(void) {
  for (unsigned i = 0; i < 5 * N32; i++) T32[i] = E32[i % N32];
  for (unsigned i = 0; i < 6 * N64; i++) T64[i] = E64[i % N64];
}
static void clear(io_t *p) { for (int i = 0; i < 4; i++) { p->r.q[i] = 0; p->m.q[i] = 0; } p->g = 0; p->mxo = 0; }
/* floating point: lanes from the edge tables; dense = all MXCSR settings and all (i, j, k) pairs */
static void run_f(const char *name, fn_t f, int dbl, int dense) {
  if (!selected(name)) return;
  begin(name);
  io_t p;
  unsigned n = dbl ? N64 : N32, lanes = dbl ? 4 : 8;
  for (unsigned m = 0; m < NMX; m++) {
    if (!dense && m != 0 && m != 3 && m != 7) continue;
    for (unsigned i = 0; i < n; i += dense ? 1 : 4)
      for (unsigned j = 0; j < n; j += dense ? 1 : 2) {
        clear(&p);
        for (unsigned k = 0; k < lanes; k++) {
          if (dbl) { p.a.q[k] = T64[i + k]; p.b.q[k] = T64[j + 3 * k]; p.c.q[k] = T64[i + j + 5 * k]; }
          else { p.a.u[k] = T32[i + k]; p.b.u[k] = T32[j + 3 * k]; p.c.u[k] = T32[i + j + 5 * k]; }
        }
        p.mxi = MXS[m];
        f(&p); record(&p);
      }
  }
  end();
}
/* random normal operands under round-to-nearest (the FMA fast paths): exponents
 * chosen so that a·b and c are often close, and cancel */
static uint64_t rnorm64(int e0) { uint64_t x = rnd(); uint64_t e = (uint64_t)(0x3ff + e0 + (int)((x >> 58) % 5) - 2); return (x & 0x800fffffffffffffull) | e << 52; }
static uint32_t rnorm32(int e0) { uint64_t x = rnd(); uint32_t e = (uint32_t)(127 + e0 + (int)((x >> 58) % 5) - 2); return ((uint32_t)x & 0x807fffffu) | e << 23; }
static void run_rand(const char *name, fn_t f, int dbl) {
  if (!selected(name)) return;
  begin(name);
  io_t p;
  for (unsigned i = 0; i < 1200; i++) {
    clear(&p);
    int ea = (int)(rnd() % 60) - 30, eb = (int)(rnd() % 60) - 30;
    for (int k = 0; k < (dbl ? 4 : 8); k++) {
      if (dbl) { p.a.q[k] = rnorm64(ea); p.b.q[k] = rnorm64(eb); p.c.q[k] = rnorm64(i & 1 ? ea + eb : eb); }
      else { p.a.u[k] = rnorm32(ea); p.b.u[k] = rnorm32(eb); p.c.u[k] = rnorm32(i & 1 ? ea + eb : eb); }
    }
    p.mxi = 0x1f80;
    f(&p); record(&p);
  }
  end();
}

/* integer: pseudo-random and edge vectors; m = a mask with mixed sign bits */
static void run_i(const char *name, fn_t f) {
  if (!selected(name)) return;
  begin(name);
  io_t p;
  for (unsigned i = 0; i < 64; i++) {
    clear(&p);
    for (int k = 0; k < 4; k++) { p.a.q[k] = rnd(); p.b.q[k] = rnd(); p.c.q[k] = i < 8 ? (uint64_t[]){ 0, ~0ull, 0x8080808080808080ull, 0x7fff7fff7fff7fffull, 5, 63, 0x80000000ull, 17 }[i] : rnd(); p.m.q[k] = rnd(); }
    if (i % 4 == 1) for (int k = 0; k < 4; k++) p.b.q[k] = p.c.q[k];
    p.mxi = 0x1f80;
    f(&p); record(&p);
  }
  end();
}
/* gathers: indices in c are reduced to 0..63 */
static void run_g(const char *name, fn_t f, int qidx) {
  if (!selected(name)) return;
  begin(name);
  io_t p;
  for (unsigned i = 0; i < 64; i++) table[i] = rnd();
  for (unsigned i = 0; i < 48; i++) {
    clear(&p);
    for (int k = 0; k < 4; k++) { p.a.q[k] = rnd(); p.m.q[k] = i < 4 ? ~0ull : rnd(); uint64_t x = rnd(); p.c.q[k] = qidx ? x & 0x3f : x & 0x0000003f0000003full; }
    f(&p); record(&p);
  }
  end();
}

int test_main(void) {
  init_tables();
#define FD(n, dbl) run_f(#n, n, dbl, 0);
#define FDD(n, dbl) run_f(#n, n, dbl, 1);
#define I(n) run_i(#n, n);
#define G(n) run_g(#n, n, 0);
#define GQ(n) run_g(#n, n, 1);
#define FPR(n) FD(n##ps_x, 0) FD(n##ps_y, 0) FD(n##pd_x, 1) FD(n##pd_y, 1) FD(n##ss, 0) FD(n##sd, 1)
  FPR(vadd) FPR(vsub) FPR(vmul) FPR(vdiv) FPR(vmin) FPR(vmax)
  FD(vsqrtps_y, 0) FD(vsqrtpd_y, 1) FD(vsqrtss, 0) FD(vsqrtsd, 1) FD(vaddsubps_y, 0) FD(vhaddpd_y, 1) FD(vhsubps_y, 0)
  FD(vaddps_ym, 0) FD(vmulsd_m, 1)
#define CMPR(i) FD(vcmpps_##i, 0) FD(vcmppd_##i, 1)
  CMPR(0) CMPR(1) CMPR(3) CMPR(4) CMPR(8) CMPR(9) CMPR(10) CMPR(11) CMPR(12) CMPR(13) CMPR(14) CMPR(15)
  CMPR(16) CMPR(17) CMPR(21) CMPR(24) CMPR(25) CMPR(29) CMPR(31)
  FD(vcmpss_26, 0) FD(vcmpsd_18, 1)
  FD(vcvtps2pd_y, 0) FD(vcvtpd2ps_y, 1) I(vcvtdq2ps_y) FD(vcvttps2dq_y, 0) FD(vcvtpd2dq_y, 1) I(vcvtdq2pd_y)
  FD(vcvtss2sd, 0) FD(vcvtsd2ss, 1) FD(vroundps_y, 0) FD(vroundpd_y, 1) FD(vroundss, 0) FD(vdpps_y, 0)
/* FMA: scalar VFMADD under every setting on every operand pair; the sign variants and packed forms on a sparser grid */
#define FMAR(k, t, dbl) FD(k##132##t, dbl) FD(k##213##t, dbl) FD(k##231##t, dbl)
#define FMARS(k, t, dbl) FDD(k##132##t, dbl) FDD(k##213##t, dbl) FDD(k##231##t, dbl)
  FMAR(vfmadd, ps, 0) FMAR(vfmadd, pd, 1) FMARS(vfmadd, ss, 0) FMARS(vfmadd, sd, 1)
  FMAR(vfmsub, ps, 0) FMAR(vfmsub, pd, 1) FMAR(vfmsub, ss, 0) FMAR(vfmsub, sd, 1)
  FMAR(vfnmadd, ps, 0) FMAR(vfnmadd, pd, 1) FMAR(vfnmadd, ss, 0) FMAR(vfnmadd, sd, 1)
  FMAR(vfnmsub, ps, 0) FMAR(vfnmsub, pd, 1) FMAR(vfnmsub, ss, 0) FMAR(vfnmsub, sd, 1)
  FMAR(vfmaddsub, ps, 0) FMAR(vfmaddsub, pd, 1) FMAR(vfmsubadd, ps, 0) FMAR(vfmsubadd, pd, 1)
  run_rand("vfmadd231sd_r", vfmadd231sd, 1); run_rand("vfmadd132ss_r", vfmadd132ss, 0); run_rand("vfnmsub213pd_r", vfnmsub213pd, 1);
  run_rand("vfmsub231ps_r", vfmsub231ps, 0); run_rand("vfmaddsub213pd_r", vfmaddsub213pd, 1); run_rand("vfnmadd132ps_r", vfnmadd132ps, 0);
  I(vcvtph2ps_x) I(vcvtph2ps_y) FDD(vcvtps2ph_x0, 0) FD(vcvtps2ph_y1, 0) FDD(vcvtps2ph_x2, 0) FD(vcvtps2ph_y3, 0) FDD(vcvtps2ph_x4, 0)
  I(vpaddb_y) I(vpaddq_y) I(vpsubusw_y) I(vpmullw_y) I(vpmulld_y) I(vpmuludq_y) I(vpmaddwd_y) I(vpsadbw_y)
  I(vpcmpgtq_y) I(vpminsd_y) I(vpmaxub_y) I(vpavgw_y) I(vpand_y) I(vpandn_x) I(vpxor_y) I(vorps_y)
  I(vpshufb_y) I(vpacksswb_y) I(vpackusdw_y) I(vpunpcklbw_y) I(vpunpckhqdq_y) I(vunpcklps_y) I(vunpckhpd_y)
  I(vphaddw_y) I(vphsubd_y) I(vpsignb_y) I(vpmulhrsw_y) I(vpabsd_y) I(vpmovsxbw_y) I(vpmovzxwq_y) I(vpmovsxdq_y)
  I(vpsllw_y) I(vpsrad_y) I(vpsrlq_y) I(vpsllw_yi) I(vpsrad_yi) I(vpsrlq_yi) I(vpslldq_y) I(vpsrldq_y)
  I(vpsllvd_y) I(vpsllvq_x) I(vpsrlvd_x) I(vpsrlvq_y) I(vpsravd_y)
  I(vpshufd_y) I(vpshufhw_y) I(vshufps_y) I(vshufpd_y) I(vpalignr_y) I(vpblendw_y) I(vpblendd_y) I(vblendpd_y)
  I(vmpsadbw_y) I(vperm2f128_y) I(vperm2i128_y) I(vpblendvb_y) I(vblendvps_y) I(vblendvpd_x)
  I(vpermilps_yv) I(vpermilpd_xv) I(vpermilps_yi) I(vpermilpd_yi) I(vpermd_y) I(vpermps_y) I(vpermq_y) I(vpermpd_y)
  I(vbroadcastss_x) I(vbroadcastss_y) I(vbroadcastsd_y) I(vpbroadcastb_y) I(vpbroadcastw_x) I(vpbroadcastq_y)
  I(vbroadcastf128_m) I(vpbroadcastd_m) I(vinsertf128_1) I(vextractf128_1) I(vextracti128_0)
  I(vmovddup_y) I(vmovshdup_y) I(vmovhlps) I(vmovss_r) I(vmovaps_x) I(vmovdqu_y) I(vmovq_x)
  I(vinserti128_0) I(vbroadcasti128_m)
  I(vmovmskps_y) I(vmovmskpd_y) I(vpmovmskb_y) I(vmovd_r) I(vmovq_r) FD(vcvttsd2si_q, 1) FD(vcvtss2si_k, 0)
  I(vpextrq_1) I(vpextrb_9) I(vextractps_2) I(vcvtsi2sd_q) I(vcvtsi2ss_k) I(vpinsrd_2) I(vpinsrq_1) I(vpinsrw_5)
  I(vaesenc_x) I(vaesdeclast_x) I(vaesimc_x) I(vaeskeygenassist_x) I(vpclmulqdq_x)
  I(vmovlps_m) I(vmovhpd_m) I(vinsertps_9d) I(vmovsd_r) I(vmovlhps) I(vpermilps_m) I(vmovddup_m) I(vpmovzxbd_m)
  I(vmaskmovps_ld) I(vpmaskmovq_st) I(vpmaskmovd_ldx) I(vmaskmovpd_st) I(vzeroupper_t) I(vzeroall_t) I(vptest_f) I(vtestps_f)
  G(vgatherdps_y) G(vgatherdpd_y) GQ(vgatherqps_x) GQ(vgatherqpd_x) G(vpgatherdd_x) G(vpgatherdq_y) GQ(vpgatherqd_y) GQ(vpgatherqq_y)
  rt_printf("total: n=%lu h=%016llx\n", ntotal, (unsigned long long)htotal);
  return 0;
}
