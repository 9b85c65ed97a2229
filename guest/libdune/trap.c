/*
 * libdune/entry.c (setup_idt, the vCPU's start) and libdune/trap.c
 * (dune_trap_handler). The IDT's 256 gates are trap gates (IF stays as it
 * was: a handler that must not be interrupted executes CLI itself, as
 * Shinjuku's does), DPL 0, on the current stack (no IST; Shinjuku's handler
 * context-switches from inside it).
 */
#include "dune.h"
#include "rt.h"

struct idtd {
  uint16_t low, selector;
  uint8_t ist, type;
  uint16_t middle;
  uint32_t high, zero;
};
_Static_assert(sizeof(struct idtd) == 16, "IA-32e gate");
_Static_assert(sizeof(struct dune_tf) == 168, "the stub's frame");

static struct idtd idt[256] __attribute__((aligned(64)));
static dune_intr_cb intr_cbs[256];
extern const char __dune_intr[];

#define IDTD_P 0x80
#define IDTD_TRAP_GATE 0x0F

static void setup_idt(void) {
  uint16_t cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  for (int i = 0; i < 256; i++) {
    uint64_t isr = (uint64_t)(uintptr_t)(__dune_intr + 16 * i);
    idt[i] = (struct idtd){ .low = (uint16_t)isr, .selector = cs, .ist = 0, .type = IDTD_P | IDTD_TRAP_GATE,
                            .middle = (uint16_t)(isr >> 16), .high = (uint32_t)(isr >> 32), .zero = 0 };
  }
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

int dune_register_intr_handler(int vector, dune_intr_cb cb) {
  if (vector < 0 || vector > 255) return -1;
  intr_cbs[vector] = cb;
  return 0;
}

void dune_trap_handler(int num, struct dune_tf *tf) {
  if (intr_cbs[num]) {
    intr_cbs[num](tf);
    return;
  }
  rt_printf("libdune: unhandled trap %d at rip %lx (error %lx)\n", num, (unsigned long)tf->rip, (unsigned long)tf->err);
  dune_vmcall(60, 100 + num);
}

/* Where the module starts each vCPU: cpu in RDI, the posted-interrupt descriptors' base in RSI. */
extern void *dune_posted_desc_base;
#ifndef MINIHOST_MAX_CPUS
#define MINIHOST_MAX_CPUS 4
#endif
_Static_assert((MINIHOST_MAX_CPUS & (MINIHOST_MAX_CPUS - 1)) == 0, "a power of two: the slot is cpu & (n - 1)");
static long dune_cpu_of_thread[MINIHOST_MAX_CPUS];
void dune_entry(long cpu, void *posted_desc_base) {
  static volatile int idt_ready;
  dune_posted_desc_base = posted_desc_base;
  if (cpu == 0) { setup_idt(); idt_ready = 1; }
  while (!idt_ready) __asm__ volatile("pause");
  if (cpu != 0) {
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
  }
  dune_cpu_of_thread[cpu & (MINIHOST_MAX_CPUS - 1)] = cpu;
  __asm__ volatile("wrmsr" : : "c"(0xC0000101u), "a"((uint32_t)(uintptr_t)&dune_cpu_of_thread[cpu & (MINIHOST_MAX_CPUS - 1)]),
                   "d"((uint32_t)((uintptr_t)&dune_cpu_of_thread[cpu & (MINIHOST_MAX_CPUS - 1)] >> 32)));
  __asm__ volatile("sti");
  dune_apic_init_rt_entry();
  int status = dune_main(cpu);
  for (;;) dune_vmcall(60, status);
}
