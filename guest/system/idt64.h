/*
 * A 64-bit IDT for the guest/system programs: the gate descriptor layout
 * (SDM Vol. 3A §6.14.1, Figure 6-8) and LIDT. Each program keeps its own
 * 256-entry table; selector 0x18 is the loader's 64-bit code segment (guest
 * ABI, docs/architecture.md).
 */
#ifndef IDT64_H
#define IDT64_H

#include "rt.h"

struct gate {
  uint16_t off_lo, sel;
  uint8_t ist, attr;
  uint16_t off_mid;
  uint32_t off_hi, zero;
};

/* attr: P | DPL | type, e.g. 0x8E (present, DPL 0, 64-bit interrupt gate), 0x8F trap gate, 0xEE DPL 3. */
static inline struct gate idt64_gate(const void *handler, uint8_t attr, uint8_t ist) {
  uint64_t h = (uint64_t)(uintptr_t)handler;
  return (struct gate){ (uint16_t)h, 0x18, ist, attr, (uint16_t)(h >> 16), (uint32_t)(h >> 32), 0 };
}

static inline void idt64_load(const struct gate *idt, uint16_t limit) {
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { limit, (uint64_t)(uintptr_t)idt };
  __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

#endif
