/*
 * libdune (kkaffes/dune libdune/) for a program that runs in VMX non-root
 * ring 0 under the Dune module: the IDT with 256 stubs and a trap frame,
 * handler registration, the posted-IPI sender that needs no VM exit, the
 * x2APIC-ICR sender that exits, and the virtualized EOI.
 *
 * A program defines `int dune_main(long cpu)`; libdune's dune_entry (where
 * the module starts each vCPU) loads the IDT, enables interrupts, registers
 * the CPU's APIC routing entry, runs it and exits with its return value.
 */
#ifndef LIBDUNE_DUNE_H
#define LIBDUNE_DUNE_H

#include <stdint.h>

/* libdune/dune.h */
#define POSTED_INTR_VECTOR 0xF2
#define NUM_CORES 100
#define APIC_BASE 0xFEE00000ul /* Dune maps the host APIC page at VA 0xFFFFFFFFFFFFF000; here the identity address */

/* The trap frame __dune_intr_with_num builds (libdune/dune.h struct dune_tf): 168 bytes. */
struct dune_tf {
  uint64_t rdi, rsi, rdx, r8, r9, r10, r11, rcx, rbx, rbp, r12, r13, r14, r15; /* saved by the common stub */
  uint64_t rax;                                                              /* pushed by the vector's stub */
  uint64_t err;                                                              /* the CPU's, or the stub's 0 */
  uint64_t rip, cs, rflags, rsp, ss;                                         /* the CPU's frame */
};

typedef void (*dune_intr_cb)(struct dune_tf *tf);

int dune_register_intr_handler(int vector, dune_intr_cb cb);
void dune_trap_handler(int num, struct dune_tf *tf);

/* apic.c */
void dune_apic_init_rt_entry(void);
uint32_t dune_apic_id_for_cpu(uint32_t cpu, int *error);
void dune_apic_send_posted_ipi(uint8_t vector, uint32_t dest_core);
void dune_apic_send_ipi(uint8_t vector, uint32_t destination_apic_id);
void dune_apic_eoi(void);
long dune_get_cpu(void);

/* The program. */
int dune_main(long cpu);

/* System calls reach the module as VMCALL with the number in RAX (libdune's __dune_syscall). */
static inline long dune_vmcall(long nr, long a0) {
  long ret;
  __asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a0) : "memory");
  return ret;
}

#endif
