/*
 * libdune/apic.c: the guest's side of the preemption IPI.
 *
 *  - dune_apic_send_posted_ipi: the sender Shinjuku's dispatcher runs, with
 *    no VM exit: locked test-and-set of the vector in the target CPU's PIR
 *    and of ON (bit 256) in its posted-interrupt descriptor, then the
 *    notification vector F2H through the real xAPIC's ICR, which the EPT
 *    maps into the guest (wait until idle, ICR high = destination, ICR low
 *    = vector | fixed | physical).
 *  - dune_apic_send_ipi: the older sender, a WRMSR to the x2APIC ICR (830H),
 *    which the MSR bitmap intercepts: the module emulates it (a VM exit).
 *  - dune_apic_eoi: WRMSR 80BH, passed through by the MSR bitmap and
 *    virtualized (EOI virtualization, SDM Vol. 3C §29.1.2): no exit.
 */
#include "dune.h"

#define APIC_ID 0x020
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_ICR_BUSY 0x01000
#define APIC_DM_FIXED 0x00000
#define APIC_DEST_PHYSICAL 0x00000
#define X2APIC_EOI 0x80B
#define X2APIC_ICR 0x830

void *dune_posted_desc_base;
static int apic_routing[NUM_CORES] = { [0 ... NUM_CORES - 1] = -1 };

static inline uint32_t apic_read(uint32_t reg) { return *(volatile uint32_t *)(APIC_BASE + reg); }
static inline void apic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(APIC_BASE + reg) = v; }

long dune_get_cpu(void) {
  long cpu;
  __asm__ volatile("movq %%gs:0, %0" : "=r"(cpu));
  return cpu;
}

/* Each thread records its physical APIC ID, read through the mapped page (ID in bits 31:24). */
void dune_apic_init_rt_entry(void) {
  long core = dune_get_cpu();
  apic_routing[core] = (int)((apic_read(APIC_ID) >> 24) & 0xff);
}

uint32_t dune_apic_id_for_cpu(uint32_t cpu, int *error) {
  if (cpu >= NUM_CORES || apic_routing[cpu] < 0) {
    if (error) *error = 1;
    return 0;
  }
  if (error) *error = 0;
  return (uint32_t)apic_routing[cpu];
}

void dune_apic_send_posted_ipi(uint8_t vector, uint32_t dest_core) {
  uint32_t *desc = (uint32_t *)((uint8_t *)dune_posted_desc_base + 4096ul * dest_core);
  uint8_t old;
  __asm__ volatile("lock btsl %2, %0; setc %1" : "+m"(*(volatile uint32_t (*)[8])desc), "=q"(old) : "r"((uint32_t)vector) : "memory", "cc");
  if (old) return;
  __asm__ volatile("lock btsl $0, %0; setc %1" : "+m"(desc[8]), "=q"(old) : : "memory", "cc");
  if (old) return;
  int error;
  uint32_t apic_id = dune_apic_id_for_cpu(dest_core, &error);
  if (error) return;
  while (apic_read(APIC_ICR) & APIC_ICR_BUSY) __asm__ volatile("pause");
  apic_write(APIC_ICR2, apic_id << 24);
  apic_write(APIC_ICR, POSTED_INTR_VECTOR | APIC_DM_FIXED | APIC_DEST_PHYSICAL);
}

void dune_apic_send_ipi(uint8_t vector, uint32_t destination_apic_id) {
  uint32_t low = vector | APIC_DM_FIXED;
  __asm__ volatile("wrmsr" : : "c"(X2APIC_ICR), "a"(low), "d"(destination_apic_id) : "memory");
}

void dune_apic_eoi(void) {
  __asm__ volatile("wrmsr" : : "c"(X2APIC_EOI), "a"(0), "d"(0) : "memory");
}
