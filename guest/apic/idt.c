/* See idt.h. */
#include "idt.h"

#include "apic.h"

struct idt_gate {
  uint16_t offset_lo, selector;
  uint8_t ist, type_attr; /* P | DPL << 5 | type */
  uint16_t offset_mid;
  uint32_t offset_hi, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes (SDM Vol. 3A Figure 6-8)");
_Static_assert(sizeof(struct irq_frame) == 16 * 8, "irq_frame matches the stub's pushes");

static struct idt_gate idt[256] __attribute__((aligned(64)));
static irq_handler_t handlers[256];

/* Vectors whose exceptions push an error code (SDM Vol. 3A Table 6-1):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
 * The other stubs push a 0 in its place so that every frame has one shape. */
/* One 16-byte stub per vector: [pushq $0;] pushq $v; jmp common. The common
 * path saves the nine caller-saved registers (the C dispatcher preserves the
 * rest), aligns RSP for the call (SysV ABI) and returns with IRETQ. */
extern const char idt_stubs[];
__asm__(
  "  .text\n"
  "  .balign 16\n"
  "  .globl idt_stubs\n"
  "idt_stubs:\n"
  "  .set .Lv, 0\n"
  "  .rept 256\n"
  "  .balign 16, 0xcc\n"
  "  .if (.Lv == 8) || ((.Lv >= 10) && (.Lv <= 14)) || (.Lv == 17) || (.Lv == 21) || (.Lv == 29) || (.Lv == 30)\n"
  "  .else\n"
  "  pushq $0\n"
  "  .endif\n"
  "  pushq $.Lv\n"
  "  jmp idt_common\n"
  "  .set .Lv, .Lv + 1\n"
  "  .endr\n"
  "idt_common:\n"
  "  pushq %rax\n  pushq %rcx\n  pushq %rdx\n  pushq %rsi\n  pushq %rdi\n"
  "  pushq %r8\n  pushq %r9\n  pushq %r10\n  pushq %r11\n"
  "  movq 72(%rsp), %rdi\n"  /* vector */
  "  movq %rsp, %rsi\n"      /* frame */
  "  pushq %rbp\n"
  "  movq %rsp, %rbp\n"
  "  andq $-16, %rsp\n"
  "  cld\n"
  "  call dispatch\n"
  "  movq %rbp, %rsp\n"
  "  popq %rbp\n"
  "  popq %r11\n  popq %r10\n  popq %r9\n  popq %r8\n  popq %rdi\n"
  "  popq %rsi\n  popq %rdx\n  popq %rcx\n  popq %rax\n"
  "  addq $16, %rsp\n"       /* vector and error code */
  "  iretq\n");

void dispatch(uint64_t vector, struct irq_frame *frame) {
  irq_handler_t h = handlers[vector & 255];
  if (h) { h(frame); return; }
  /* The APIC ID tells the cores apart without relying on the loader's core
   * numbering (MMIO read; in x2APIC mode the xAPIC page is not decoded, so
   * use the MSR when EXTD is set). */
  uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
  uint32_t id = (base & APIC_BASE_EXTD) ? (uint32_t)rdmsr(MSR_X2APIC(LAPIC_ID)) : lapic_id();
  rt_printf("unexpected vector %lu on apic id %u (rip %lx, error %lx)\n", (unsigned long)vector, id,
            (unsigned long)frame->rip, (unsigned long)frame->error);
  rt_exit(63);
}

void idt_set_gate(unsigned v, const void *entry, unsigned type, unsigned dpl) {
  uint64_t h = (uint64_t)(uintptr_t)entry;
  struct idt_gate *g = &idt[v & 255];
  g->offset_lo = (uint16_t)h;
  g->selector = IDT_KERNEL_CS;
  g->ist = 0;
  g->type_attr = (uint8_t)(0x80 | (dpl & 3) << 5 | (type & 0xF));
  g->offset_mid = (uint16_t)(h >> 16);
  g->offset_hi = (uint32_t)(h >> 32);
  g->reserved = 0;
}

void idt_set_handler(unsigned v, irq_handler_t handler) { handlers[v & 255] = handler; }

void idt_init(void) {
  for (unsigned v = 0; v < 256; v++) idt_set_gate(v, idt_stubs + 16 * v, 0xE, 0);
}

void idt_load(void) {
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
    (uint16_t)(sizeof idt - 1), (uint64_t)(uintptr_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}
