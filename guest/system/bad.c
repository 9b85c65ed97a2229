/*
 * Guests that end badly, one behaviour per build (-DBAD_SSE, -DBAD_NOIDT,
 * -DBAD_LOOP, -DHALT_ONE, -DHALT_ALL, -DBAD_NORAM, -DBAD_INT1). Each marks the instruction of
 * interest with a global label so the test can find its address in the ELF
 * symbol table.
 *
 * BAD_SSE   (2 cores): core 1 executes the MMX PADDB mm1, mm0 (0F FC /r,
 *           SDM Vol. 2B PADDB) as raw bytes while core 0 spins. The machine
 *           implements SSE/AVX but not MMX: the run must stop naming the
 *           instruction, the core and its address.
 * BAD_NOIDT (1 core): UD2 before any IDT is loaded. The guest ABI leaves IDTR
 *           limit 0, so delivering #UD faults (#GP, vector beyond the limit),
 *           delivering that is a double fault, and delivering #DF is a
 *           triple fault: shutdown (SDM Vol. 3A §6.15 interrupt 8).
 * BAD_LOOP  (1 core): jumps to itself forever.
 * HALT_ONE  (4 cores): core 2 executes CLI; HLT right away and never runs
 *           again (SDM HLT: only NMI/SMI/INIT/RESET wake a core with IF = 0);
 *           cores 0, 1 and 3 finish their work and core 0 exits normally.
 * HALT_ALL  (2 cores): every core executes CLI; HLT; nobody writes the exit
 *           port.
 * BAD_NORAM (1 core): calls 0xD0000000, inside the identity map but where
 *           the machine has neither RAM (at most 3 GiB) nor a device. Such
 *           an address reads as all ones (a PCI master abort), and FF FF is
 *           no instruction (FF /7 is reserved, SDM Vol. 2 Table A-6): #UD
 *           at 0xD0000000.
 *           With -DNORAM_TARGET=0xfee00000ul it calls the local APIC's
 *           registers instead: device registers are not code, and the run
 *           stops with a fault report (Bochs 2.7 stops too: "running in
 *           bogus memory").
 * BAD_INT1  (1 core): INT1 (ICEBP, F1): a #DB trap (SDM Vol. 2B INT1).
 * With -DTRAP as well, the last two first call rt_trap_exceptions(), so the
 * exception is printed ("exception 6 (#UD)", "exception 1 (#DB)") instead of
 * ending in a triple fault.
 */
#include "rt.h"

#if defined(BAD_SSE)
int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 1) {
    __asm__ volatile(
      ".globl bad_sse_insn\n"
      "bad_sse_insn:\n"
      "  .byte 0x0f, 0xfc, 0xc8\n" /* paddb %mm0, %mm1 */
      "  nop\n");
    rt_printf("core 1: paddb executed\n");
  }
  for (;;) __builtin_ia32_pause();
}

#elif defined(BAD_NOIDT)
int test_main(void) {
  rt_printf("before ud2\n");
  __asm__ volatile(
    ".globl bad_noidt_insn\n"
    "bad_noidt_insn:\n"
    "  ud2\n");
  rt_printf("after ud2\n");
  return 1;
}

#elif defined(BAD_LOOP)
int test_main(void) {
  rt_printf("looping\n");
  __asm__ volatile(
    ".globl bad_loop_insn\n"
    "bad_loop_insn:\n"
    "  jmp bad_loop_insn\n");
  return 1;
}

#elif defined(HALT_ONE)
static volatile uint64_t arrived, work[4];
int test_main_smp(long core, long ncores) {
  if (core == 2) {
    __asm__ volatile(
      ".globl halt_one_insn\n"
      "  cli\n"
      "halt_one_insn:\n"
      "  hlt\n");
    rt_printf("core 2 woke up\n");
  }
  for (int i = 0; i < 1000; i++) work[core] += (uint64_t)i;
  __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
  if (core != 0) return 0;
  /* everyone but core 2 */
  while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != (uint64_t)ncores - 1) __builtin_ia32_pause();
  rt_printf("cores 0, 1, 3 done: %lu %lu %lu; core 2: %lu\n", (unsigned long)work[0], (unsigned long)work[1],
            (unsigned long)work[3], (unsigned long)work[2]);
  return 5;
}

#elif defined(HALT_ALL)
int test_main_smp(long core, long ncores) {
  (void)ncores;
  if (core == 0) rt_printf("halting\n");
  __asm__ volatile("cli; hlt");
  return 1;
}

#elif defined(BAD_NORAM) || defined(BAD_INT1)
int test_main(void) {
#ifdef TRAP
  rt_trap_exceptions();
#endif
#ifdef BAD_NORAM
#ifndef NORAM_TARGET
#define NORAM_TARGET 0xd0000000ul
#endif
  rt_printf("calling 0x%lx\n", (unsigned long)NORAM_TARGET);
  ((void (*)(void))NORAM_TARGET)();
#else
  rt_printf("before int1\n");
  __asm__ volatile(
    ".globl bad_int1_insn\n"
    "bad_int1_insn:\n"
    "  .byte 0xf1\n");
#endif
  rt_printf("still running\n");
  return 1;
}

#else
#error "build with one of -DBAD_SSE -DBAD_NOIDT -DBAD_LOOP -DHALT_ONE -DHALT_ALL -DBAD_NORAM -DBAD_INT1"
#endif
