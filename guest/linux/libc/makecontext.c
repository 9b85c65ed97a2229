/* makecontext, as glibc's x86-64 version lays out the new stack (sysdeps/unix/sysv/linux/x86_64/makecontext.c):
 * arguments 1-6 in the registers of the context, the rest on the stack, the return address __start_context,
 * and uc_link in the slot RBX points at. */
#include <ucontext.h>
#include <stdarg.h>
#include <stdint.h>

void __start_context(void);

void makecontext(ucontext_t *ucp, void (*func)(void), int argc, ...) {
  greg_t *sp = (greg_t *)((uintptr_t)ucp->uc_stack.ss_sp + ucp->uc_stack.ss_size);
  unsigned int idx_uc_link = (argc > 6 ? (unsigned)argc - 6 : 0) + 1;
  sp -= idx_uc_link;
  sp = (greg_t *)((((uintptr_t)sp) & -16L) - 8);   /* 16-byte aligned once the function's RET address is "pushed" */
  ucp->uc_mcontext.gregs[REG_RIP] = (uintptr_t)func;
  ucp->uc_mcontext.gregs[REG_RBX] = (uintptr_t)&sp[idx_uc_link];
  ucp->uc_mcontext.gregs[REG_RSP] = (uintptr_t)sp;
  sp[0] = (uintptr_t)&__start_context;
  sp[idx_uc_link] = (uintptr_t)ucp->uc_link;
  va_list ap;
  va_start(ap, argc);
  static const int regs[6] = { REG_RDI, REG_RSI, REG_RDX, REG_RCX, REG_R8, REG_R9 };
  for (int i = 0; i < argc; i++) {
    greg_t v = va_arg(ap, greg_t);
    if (i < 6) ucp->uc_mcontext.gregs[regs[i]] = v;
    else sp[i - 5] = v;
  }
  va_end(ap);
}
