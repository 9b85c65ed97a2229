/*
 * A small IDT for the guest/apic programs, shared by all cores.
 *
 * idt_init() fills 256 gates (once, on one core) that point at one asm stub
 * per vector; idt_load() is LIDT on the calling core (every core must run it:
 * the IDTR is per core and the guest ABI starts each core with limit 0). A
 * stub saves the caller-saved registers and calls the C dispatcher
 * dispatch(vector, frame), which calls the handler registered for the vector
 * with idt_set_handler(); an exception or interrupt without a handler prints
 * "unexpected vector V on apic id A" and exits with status 63.
 *
 * Gates are 64-bit interrupt gates (IF cleared on entry, SDM Vol. 3A
 * §6.12.1.3), DPL 0, selector 0x18 (the loader's 64-bit code segment, which
 * guest/apic/syscall_ring3.c keeps at the same index in its own GDT).
 * idt_set_gate() installs a raw asm entry instead (for measurements that must
 * read the TSC as the very first instruction, or for a DPL-3 gate).
 */
#ifndef IDT_H
#define IDT_H

#include "rt.h"

/* The stack as the dispatcher sees it, lowest address first: the registers
 * the common stub pushed, the vector and error code (0 for vectors without
 * one), then the frame the processor pushed (SDM Vol. 3A §6.14.2). */
struct irq_frame {
  uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
  uint64_t vector, error;
  uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct irq_frame *f);

#define IDT_KERNEL_CS 0x18

void idt_init(void);
void idt_load(void);
void idt_set_handler(unsigned vector, irq_handler_t handler);
/* type: 0xE interrupt gate, 0xF trap gate; dpl: 0..3 */
void idt_set_gate(unsigned vector, const void *entry, unsigned type, unsigned dpl);
void dispatch(uint64_t vector, struct irq_frame *frame);

#endif
