/*
 * FPU state and signal frames (arch/x86/kernel/fpu/signal.c, 4.4): the
 * user's x87/SSE/AVX state is saved with XSAVE straight into the signal
 * frame on the user stack, tagged with the software-reserved bytes and the
 * trailing magic that say "XSAVE format, this size, these features"; the
 * handler starts from the initial state; rt_sigreturn restores with XRSTOR
 * of the features the frame says it holds, initializing the rest. The
 * kernel itself never uses FP (it is built -mgeneral-regs-only), so the
 * user's state stays in the registers while the kernel runs.
 */
#include "kernel.h"

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define XFEATURE_MASK_FPSSE 3UL

struct _fpx_sw_bytes { u32 magic1; u32 extended_size; u64 xfeatures; u32 xstate_size; u32 padding[7]; };
_Static_assert(sizeof(struct _fpx_sw_bytes) == 48, "fpx_sw_bytes");

/* The initial state: FCW 037FH, MXCSR 1F80H, an XSAVE header with no component in use. */
static u8 init_fpstate[1024] __attribute__((aligned(64)));
static u64 xfeatures_mask;
static u32 fpu_user_xstate_size;

static void fpu__init_system(void) {
  if (fpu_user_xstate_size) return;
  u32 a, b, c, d, lo, hi;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  xfeatures_mask = ((u64)hi << 32) | lo;
  fpu_user_xstate_size = b;   /* the XSAVE area size for the features XCR0 enables */
  *(u16 *)(init_fpstate + 0) = 0x37f;
  *(u32 *)(init_fpstate + 24) = 0x1f80;
  *(u32 *)(init_fpstate + 28) = 0xffff;   /* MXCSR_MASK (ignored by XRSTOR) */
}

/* fpu__clear / copy_init_fpstate_to_fpregs: every enabled component to its initial state. */
void fpu__init_user(void) {
  fpu__init_system();
  __asm__ volatile("xrstor %0" : : "m"(*(u8(*)[1024])init_fpstate), "a"(-1), "d"(-1) : "memory");
}

u64 xstate_sigframe_size(void) { fpu__init_system(); return fpu_user_xstate_size + 4; }

/* copy_fpstate_to_sigframe: XSAVE into the frame, then save_xstate_epilog. */
int copy_fpstate_to_sigframe(void __user *buf_fx) {
  u8 *buf = (u8 *)buf_fx;
  if (!access_ok(buf, fpu_user_xstate_size + 4)) return -EFAULT;
  kmemset(buf + 512, 0, 64);   /* the XSAVE header: XSAVE writes only XSTATE_BV */
  __asm__ volatile("xsave %0" : "=m"(*(u8(*)[1024])buf) : "a"(-1), "d"(-1) : "memory");
  struct _fpx_sw_bytes sw = { FP_XSTATE_MAGIC1, fpu_user_xstate_size + 4, xfeatures_mask, fpu_user_xstate_size, { 0 } };
  kmemcpy(buf + 464, &sw, sizeof sw);
  *(u32 *)(buf + fpu_user_xstate_size) = FP_XSTATE_MAGIC2;
  *(u64 *)(buf + 512) |= XFEATURE_MASK_FPSSE;
  return 0;
}

/* __fpu__restore_sig: XRSTOR what the frame holds (its sw bytes say which), or FXRSTOR a bare FXSAVE image. */
int fpu__restore_sig(void __user *buf_fx) {
  u8 *buf = (u8 *)buf_fx;
  if (!buf) { fpu__init_user(); return 0; }
  if (!access_ok(buf, 512)) return -EFAULT;
  struct _fpx_sw_bytes sw;
  kmemcpy(&sw, buf + 464, sizeof sw);
  int fx_only = sw.magic1 != FP_XSTATE_MAGIC1 || sw.xstate_size < 576 || sw.xstate_size > fpu_user_xstate_size ||
                sw.extended_size != sw.xstate_size + 4 || !access_ok(buf, sw.extended_size) ||
                *(u32 *)(buf + sw.xstate_size) != FP_XSTATE_MAGIC2 || ((u64)buf & 63) != 0;
  if (fx_only) {
    __asm__ volatile("xrstor %0" : : "m"(*(u8(*)[1024])init_fpstate), "a"((u32)(xfeatures_mask & ~XFEATURE_MASK_FPSSE)), "d"(0) : "memory");
    __asm__ volatile("fxrstor64 %0" : : "m"(*(u8(*)[512])buf) : "memory");
    return 0;
  }
  u64 xbv = sw.xfeatures & xfeatures_mask;
  u64 init_bv = xfeatures_mask & ~xbv;
  if (init_bv) __asm__ volatile("xrstor %0" : : "m"(*(u8(*)[1024])init_fpstate), "a"((u32)init_bv), "d"((u32)(init_bv >> 32)) : "memory");
  __asm__ volatile("xrstor %0" : : "m"(*(u8(*)[1024])buf), "a"((u32)xbv), "d"((u32)(xbv >> 32)) : "memory");
  return 0;
}
