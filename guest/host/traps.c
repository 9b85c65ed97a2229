/*
 * Exceptions (arch/x86/kernel/traps.c, arch/x86/mm/fault.c): from user
 * space each becomes the signal Linux sends for it; in the kernel it is a
 * bug, and the kernel stops with a report.
 */
#include "kernel.h"

static void do_error_trap(struct pt_regs *regs, long error_code, const char *str, int trapnr, int signr, u64 addr) {
  struct task_struct *t = current;
  if ((regs->cs & 3) == 3 && t) {
    t->thread.error_code = (u64)error_code;
    t->thread.trap_nr = (u64)trapnr;
    force_sig(signr, t, addr);
    return;
  }
  panic("%s (trap %d, error %ld) in the kernel at rip %lx, addr %lx", str, trapnr, error_code, regs->ip, addr);
}

#define DO_ERROR(trapnr, signr, str, name) \
  void do_##name(struct pt_regs *regs, long error_code); \
  void do_##name(struct pt_regs *regs, long error_code) { do_error_trap(regs, error_code, str, trapnr, signr, regs->ip); }

DO_ERROR(0, SIGFPE, "divide error", divide_error)
DO_ERROR(1, SIGTRAP, "debug", debug)
DO_ERROR(3, SIGTRAP, "int3", int3)
DO_ERROR(6, SIGILL, "invalid opcode", invalid_op)
DO_ERROR(7, SIGFPE, "device not available", device_not_available)
DO_ERROR(13, SIGSEGV, "general protection fault", general_protection)
DO_ERROR(16, SIGFPE, "coprocessor error", coprocessor_error)
DO_ERROR(17, SIGBUS, "alignment check", alignment_check)
DO_ERROR(19, SIGFPE, "SIMD coprocessor error", simd_coprocessor_error)
DO_ERROR(255, SIGSEGV, "unexpected exception", bad_exception)

void do_page_fault(struct pt_regs *regs, long error_code);
void do_page_fault(struct pt_regs *regs, long error_code) {
  u64 address;
  __asm__ volatile("mov %%cr2, %0" : "=r"(address));
  if ((regs->cs & 3) == 3) current->thread.cr2 = address;
  do_error_trap(regs, error_code, "page fault", 14, SIGSEGV, address);
}
