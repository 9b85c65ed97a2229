/*
 * The calibrated residuals: what Linux 4.4 does on a kernel path that this
 * much shorter kernel does not (RCU read sections, the pid namespace
 * lookup, security hooks, ptrace and job-control checks, irq_enter/irq_exit
 * accounting, the put_user exception-table sequences ...). At most one per
 * path — signal send, signal delivery, the rt_sigprocmask body — each
 * fitted on one named cell of the paper (docs/cost-model.md). Its size
 * comes from the machine profile, passed on the kernel command line by the
 * tool that boots the kernel (`residual.signal_send=<cycles>` ...), and it
 * is executed, not added: the path spins on the TSC for that long, so it is
 * part of the timeline like any other instruction.
 */
#include "kernel.h"

/* Filled in by the loader before boot, as a boot loader fills Linux's command line. */
char boot_command_line[256] __attribute__((aligned(64))) = "";
static u64 residual_cycles[NR_RESIDUALS];
static const char *const residual_names[NR_RESIDUALS] = { "residual.signal_send=", "residual.signal_delivery=", "residual.sigprocmask=" };

static int prefix(const char *s, const char *p) { while (*p) if (*s++ != *p++) return 0; return 1; }

void parse_boot_command_line(void) {
  const char *s = boot_command_line;
  while (*s) {
    while (*s == ' ') s++;
    for (int i = 0; i < NR_RESIDUALS; i++) {
      if (!prefix(s, residual_names[i])) continue;
      const char *v = s;
      while (*v != '=') v++;
      u64 n = 0;
      for (v++; *v >= '0' && *v <= '9'; v++) n = n * 10 + (u64)(*v - '0');
      residual_cycles[i] = n;
    }
    while (*s && *s != ' ') s++;
  }
}

/* Spin until the TSC has advanced by the path's residual (none: return at once). */
static inline u64 rdtsc_inline(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

__attribute__((noinline)) void linux_residual(int path) {
  u64 n = residual_cycles[path];
  if (!n) return;
  u64 start = rdtsc_inline();
  while (rdtsc_inline() - start < n) ;
}
