/*
 * The bare-metal platform (see platform.h): the guest ABI's identity map,
 * the real local APIC in xAPIC mode, an IDT from guest/apic/idt.c with the
 * preemption vector overridden by a libdune-style trap gate.
 */
/* shinjuku-emu: link ../apic/idt.c */
#include "../apic/apic.h"
#include "platform.h"
#include "../apic/idt.h"
#include "rt.h"

#define MSR_IA32_GS_BASE 0xC0000101u

static platform_handler_t handlers[256];

/* The trap frame's stub: vector 0xF2 only (Shinjuku's one vector). It pushes a dummy error code, RAX and
 * the other GPRs (struct platform_tf), aligns the stack for the C call, and returns with IRETQ. */
extern const char platform_intr_f2[];
__asm__(
  "  .text\n"
  "  .globl platform_intr_f2\n"
  "platform_intr_f2:\n"
  "  pushq $0\n"
  "  pushq %rax\n  pushq %rcx\n  pushq %rdx\n  pushq %rsi\n  pushq %rdi\n"
  "  pushq %r8\n  pushq %r9\n  pushq %r10\n  pushq %r11\n"
  "  pushq %rbx\n  pushq %rbp\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
  "  movq %rsp, %rsi\n"
  "  movl $0xf2, %edi\n"
  "  subq $8, %rsp\n"       /* 5 + 1 + 15 words pushed: RSP ≡ 8 (mod 16) here; the call needs 0 */
  "  call platform_trap\n"
  "  addq $8, %rsp\n"
  "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbp\n  popq %rbx\n"
  "  popq %r11\n  popq %r10\n  popq %r9\n  popq %r8\n  popq %rdi\n  popq %rsi\n  popq %rdx\n  popq %rcx\n  popq %rax\n"
  "  addq $8, %rsp\n"
  "  iretq\n");

void platform_trap(uint64_t vector, struct platform_tf *tf) {
  platform_handler_t h = handlers[vector & 255];
  if (h) h(tf);
}

void platform_init(uint64_t mem_base, uint64_t mem_size) {
  platform_alloc_init(mem_base, mem_size);
  idt_init();
}

void platform_init_core(unsigned core, void *percpu) {
  (void)core;
  idt_load();
  lapic_enable();
  /* GS base → the per-core area, whose first word points at itself. */
  *(void **)percpu = percpu;
  wrmsr(MSR_IA32_GS_BASE, (uint64_t)(uintptr_t)percpu);
}

uint32_t platform_apic_id(void) { return lapic_id(); }

void platform_register_handler(uint8_t vector, platform_handler_t h) {
  handlers[vector] = h;
  if (vector == 0xF2) idt_set_gate(vector, platform_intr_f2, 0xF /* trap gate: IF stays set */, 0);
}

/* The xAPIC ICR sequence of the no-exit sender: wait until no send is pending, destination, then the low
 * half (fixed delivery, physical destination, edge), whose write sends (SDM Vol. 3A §10.6.1). */
void platform_send_ipi(uint32_t apic_id, uint8_t vector) {
  while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY) cpu_relax();
  lapic_write(LAPIC_ICR_HI, apic_id << 24);
  lapic_write(LAPIC_ICR_LO, ICR_FIXED | ICR_PHYSICAL | ICR_EDGE | ICR_DEST_NONE | vector);
}

void platform_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* The runtime starts every core here. */
int test_main_smp(long core, long ncores) { return shinjuku_main(core, ncores); }
