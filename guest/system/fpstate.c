/*
 * FP/SIMD availability and SIMD floating-point exceptions, in ring 0 where
 * a guest controls CR0, CR4 and XCR0 (native code cannot):
 *
 *   SDM Vol. 3A §13.1 / Vol. 2 "Exception conditions for legacy SIMD":
 *     CR0.EM = 1 or CR4.OSFXSR = 0  -> #UD; else CR0.TS = 1 -> #NM.
 *   SDM Vol. 2 §2.8 (VEX): CR4.OSXSAVE = 0 or XCR0[2:1] != 11b -> #UD;
 *     CR0.TS = 1 -> #NM; CR0.EM is not consulted.
 *   FXSAVE: CR0.TS or CR0.EM -> #NM; a misaligned area -> #GP(0).
 *   LDMXCSR / FXRSTOR with a reserved MXCSR bit -> #GP(0).
 *   MOVAPS with a misaligned m128 -> #GP(0).
 *   SDM Vol. 1 §11.5: an unmasked SIMD floating-point exception -> #XM with
 *     CR4.OSXMMEXCPT = 1, #UD with it 0; the destination is unchanged; only
 *     the flags of the exception taken are set (pre-computation first).
 *   XSETBV: reserved bits, bit 0 clear, AVX without SSE -> #GP(0).
 *
 * Each handler records the vector, error code and saved RIP and resumes at
 * `recover_rip`. After an #XM the case prints MXCSR and the destination.
 */
#include "rt.h"
#include "idt64.h"

static struct gate idt[256] __attribute__((aligned(16)));
volatile uint64_t rec_vector, rec_err, rec_rip, rec_saved_rax, recover_rip;
extern const char stub_err13[], stub_noerr6[], stub_noerr7[], stub_noerr19[];

#define ERR_STUB(v) "  .globl stub_err" #v "\nstub_err" #v ":\n  movq $" #v ", rec_vector(%rip)\n  jmp err_common\n"
#define NOERR_STUB(v) "  .globl stub_noerr" #v "\nstub_noerr" #v ":\n  movq $" #v ", rec_vector(%rip)\n  jmp noerr_common\n"
__asm__(
  "  .text\n"
  ERR_STUB(13) NOERR_STUB(6) NOERR_STUB(7) NOERR_STUB(19)
  "err_common:\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n  movq %rax, rec_err(%rip)\n"
  "  movq 8(%rsp), %rax\n  movq %rax, rec_rip(%rip)\n"
  "  movq recover_rip(%rip), %rax\n  movq %rax, 8(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n  addq $8, %rsp\n  iretq\n"
  "noerr_common:\n"
  "  movq $-1, rec_err(%rip)\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n  movq %rax, rec_rip(%rip)\n"
  "  movq recover_rip(%rip), %rax\n  movq %rax, 0(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n  iretq\n");

/* One faulting instruction at label t_<name>_insn after `setup`; recover_rip is after it. */
#define SNIPPET2(name, setup, insn)                                            \
  __asm__("  .text\n  .globl t_" #name ", t_" #name "_insn\nt_" #name ":\n"    \
          "  leaq 1f(%rip), %rax\n  movq %rax, recover_rip(%rip)\n  " setup "\n" \
          "t_" #name "_insn:\n  " insn "\n1:\n  ret\n");                        \
  extern const char t_##name##_insn[]; void t_##name(void);
#define SNIPPET(name, insn) SNIPPET2(name, "", insn)

uint8_t area[1024] __attribute__((aligned(64)));
uint32_t mxval;
float fsrc[8] __attribute__((aligned(32))) = { 1, 2, 3, 4, 5, 6, 7, 8 };

SNIPPET(addps, "addps %xmm1, %xmm0")
SNIPPET(vaddps, "vaddps %ymm1, %ymm2, %ymm3")
SNIPPET(ldmxcsr, "ldmxcsr mxval(%rip)")
SNIPPET(fxsave, "fxsave64 area(%rip)")
SNIPPET(fxsave_mis, "fxsave64 area+8(%rip)")
SNIPPET(fxrstor, "fxrstor64 area(%rip)")
SNIPPET(movaps_mis, "movaps fsrc+4(%rip), %xmm0")
SNIPPET(divss, "divss %xmm1, %xmm0")
SNIPPET(addss, "addss %xmm1, %xmm0")
SNIPPET(mulss, "mulss %xmm1, %xmm0")
SNIPPET2(xsetbv_avx_only, "mov $5, %eax\n  xor %ecx, %ecx\n  xor %edx, %edx", "xsetbv")
SNIPPET2(xsetbv_no_x87, "mov $6, %eax\n  xor %ecx, %ecx\n  xor %edx, %edx", "xsetbv")
SNIPPET2(xsetbv_bit3, "mov $0xf, %eax\n  xor %ecx, %ecx\n  xor %edx, %edx", "xsetbv")
SNIPPET2(xsetbv_xcr1, "mov $7, %eax\n  mov $1, %ecx\n  xor %edx, %edx", "xsetbv")
SNIPPET2(xsetbv_ok, "mov $7, %eax\n  xor %ecx, %ecx\n  xor %edx, %edx", "xsetbv")
SNIPPET2(xgetbv, "xor %ecx, %ecx", "xgetbv")
SNIPPET2(xgetbv_xcr2, "mov $2, %ecx", "xgetbv")
SNIPPET2(xsave_mis, "mov $7, %eax\n  xor %edx, %edx", "xsave64 area+16(%rip)")
SNIPPET2(xrstor_badbv, "mov $7, %eax\n  xor %edx, %edx\n  movq $8, area+512(%rip)\n  movq $0, area+520(%rip)", "xrstor64 area(%rip)")
SNIPPET2(xrstor_badhdr, "mov $7, %eax\n  xor %edx, %edx\n  movq $3, area+512(%rip)\n  movq $1, area+528(%rip)", "xrstor64 area(%rip)")

static uint64_t cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static void set_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v)); }
static uint64_t cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static void set_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v)); }
static void xsetbv(uint32_t v) { __asm__ volatile("xsetbv" : : "c"(0), "a"(v), "d"(0)); }

static void report(const char *what, const char *insn) {
  rt_printf("%s: ", what);
  if (rec_vector == ~0ull) { rt_printf("no exception\n"); return; }
  rt_printf("vector %lu", (unsigned long)rec_vector);
  if (rec_err != ~0ull) rt_printf(", error code 0x%lx", (unsigned long)rec_err);
  rt_printf(", rip = %s\n", rec_rip == (uint64_t)(uintptr_t)insn ? "the instruction" : "elsewhere");
}
#define RUN(what, fn) do { rec_vector = ~0ull; rec_err = ~0ull; fn(); report(what, fn##_insn); } while (0)

/* An arithmetic case: xmm0 = a, xmm1 = b, MXCSR = mx; run; print MXCSR and xmm0 (unchanged if it faulted). */
static void fp_case(const char *what, void (*fn)(void), const char *insn, uint32_t mx, uint32_t a, uint32_t b) {
  uint32_t r, mo;
  rec_vector = ~0ull; rec_err = ~0ull;
  __asm__ volatile("movd %[a], %%xmm0\n\tmovd %[b], %%xmm1\n\tldmxcsr %[m]\n\tcall *%[fn]\n\tstmxcsr %[o]\n\tmovd %%xmm0, %[r]\n\tldmxcsr %[d]"
                   : [r] "=r"(r), [o] "=m"(mo)
                   : [a] "r"(a), [b] "r"(b), [m] "m"(mx), [fn] "r"(fn), [d] "m"((uint32_t){ 0x1f80 })
                   : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "memory");
  report(what, insn);
  rt_printf("  mxcsr %04x xmm0 %08x\n", mo, r);
}

int test_main(void) {
#ifdef NO_HANDLER
  /* -DNO_HANDLER: SSE with CR0.TS = 1 and no IDT: #NM cannot be delivered
   * (IDTR limit 0), nor the #GP and #DF that follow: a triple fault, which
   * the machine reports with the original cause. */
  set_cr0(cr0() | (1 << 3));
  __asm__ volatile(".globl fp_off_insn\nfp_off_insn:\n\taddps %%xmm1, %%xmm0" ::: "xmm0");
  rt_printf("addps ran with CR0.TS = 1\n");
  return 1;
#endif
  idt[6] = idt64_gate(stub_noerr6, 0x8E, 0);
  idt[7] = idt64_gate(stub_noerr7, 0x8E, 0);
  idt[13] = idt64_gate(stub_err13, 0x8E, 0);
  idt[19] = idt64_gate(stub_noerr19, 0x8E, 0);
  idt64_load(idt, sizeof idt - 1);
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  int avx = (c >> 28) & 1;
  const uint64_t CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10, CR4_OSXSAVE = 1 << 18;

  RUN("addps", t_addps);
  set_cr0(cr0() | CR0_TS); RUN("addps, CR0.TS=1", t_addps); RUN("fxsave, CR0.TS=1", t_fxsave); set_cr0(cr0() & ~CR0_TS);
  set_cr0(cr0() | CR0_EM); RUN("addps, CR0.EM=1", t_addps); RUN("fxsave, CR0.EM=1", t_fxsave); set_cr0(cr0() & ~CR0_EM);
  set_cr4(cr4() & ~CR4_OSFXSR); mxval = 0x1f80; RUN("addps, CR4.OSFXSR=0", t_addps); RUN("ldmxcsr, CR4.OSFXSR=0", t_ldmxcsr);
  set_cr4(cr4() | CR4_OSFXSR);
  mxval = 0x11f80; RUN("ldmxcsr with bit 16 set", t_ldmxcsr);
  mxval = 0x1f80; RUN("ldmxcsr 0x1f80", t_ldmxcsr);
  RUN("fxsave to a misaligned area", t_fxsave_mis);
  RUN("fxsave", t_fxsave);
  area[24] = 0x80; area[25] = 0x1f; area[26] = 0x01; /* MXCSR image with bit 16 set */
  RUN("fxrstor with a reserved MXCSR bit", t_fxrstor);
  RUN("movaps from a misaligned m128", t_movaps_mis);

  fp_case("divss 1/0, ZM=0", t_divss, t_divss_insn, 0x1d80, 0x3f800000, 0);
  fp_case("addss 1+2^-30, PM=0", t_addss, t_addss_insn, 0x0f80, 0x3f800000, 0x30800000);
  fp_case("mulss tiny*tiny, UM=0", t_mulss, t_mulss_insn, 0x1780, 0x1a000001, 0x1a000000);
  fp_case("mulss 2^127*2^127, OM=0", t_mulss, t_mulss_insn, 0x1b80, 0x7f000000, 0x7f000000);
  fp_case("addss SNaN+denormal, IM=0", t_addss, t_addss_insn, 0x1f00, 0x7f800005, 0x00000001);
  fp_case("addss 1+denormal, DM=0 PM=0", t_addss, t_addss_insn, 0x0e80, 0x3f800000, 0x00000001);
  fp_case("mulss tiny*tiny, masked, PM=0", t_mulss, t_mulss_insn, 0x0f80, 0x1a000001, 0x1a000000);
  set_cr4(cr4() & ~CR4_OSXMMEXCPT);
  fp_case("divss 1/0, ZM=0, CR4.OSXMMEXCPT=0", t_divss, t_divss_insn, 0x1d80, 0x3f800000, 0);
  set_cr4(cr4() | CR4_OSXMMEXCPT);

  if (avx) {
    RUN("vaddps", t_vaddps);
    set_cr0(cr0() | CR0_EM); RUN("vaddps, CR0.EM=1", t_vaddps); set_cr0(cr0() & ~CR0_EM);
    set_cr0(cr0() | CR0_TS); RUN("vaddps, CR0.TS=1", t_vaddps); set_cr0(cr0() & ~CR0_TS);
    xsetbv(3); RUN("vaddps, XCR0=3", t_vaddps); xsetbv(7);
    __asm__ volatile("" ::: "memory");
    set_cr4(cr4() & ~CR4_OSXSAVE); RUN("vaddps, CR4.OSXSAVE=0", t_vaddps); RUN("xgetbv, CR4.OSXSAVE=0", t_xgetbv);
    set_cr4(cr4() | CR4_OSXSAVE);
    RUN("xsetbv XCR0=5 (AVX without SSE)", t_xsetbv_avx_only);
    RUN("xsetbv XCR0=6 (no x87)", t_xsetbv_no_x87);
    RUN("xsetbv XCR0=0xf (bit 3 unsupported)", t_xsetbv_bit3);
    RUN("xsetbv XCR1", t_xsetbv_xcr1);
    RUN("xsetbv XCR0=7", t_xsetbv_ok);
    RUN("xgetbv XCR0", t_xgetbv);
    RUN("xgetbv XCR2", t_xgetbv_xcr2);
    RUN("xsave to a 16-byte aligned area", t_xsave_mis);
    for (int i = 512; i < 576; i++) area[i] = 0;
    RUN("xrstor with XSTATE_BV bit 3", t_xrstor_badbv);
    RUN("xrstor with header bytes 16-23 set", t_xrstor_badhdr);
  } else {
    rt_printf("no AVX\n");
  }
  rt_printf("fpstate done\n");
  return 0;
}
