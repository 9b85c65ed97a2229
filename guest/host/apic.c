/*
 * The local APIC in xAPIC mode (arch/x86/kernel/apic/): the paper's host
 * kept the APIC in xAPIC mode, since Dune maps the real APIC page into
 * Shinjuku's dispatcher. Reschedule IPIs go out through the ICR as Linux's
 * default_send_IPI_single_phys does, and the reschedule interrupt
 * acknowledges with an EOI write.
 */
#include "kernel.h"

#define APIC_ID     0x20
#define APIC_TASKPRI 0x80
#define APIC_EOI    0xB0
#define APIC_SPIV   0xF0
#define APIC_ICR    0x300
#define APIC_ICR2   0x310
#define APIC_ICR_BUSY 0x1000
#define APIC_DEST_PHYSICAL 0x0
#define APIC_DM_FIXED 0x0
#define APIC_SPIV_APIC_ENABLED 0x100

static u8 x86_cpu_to_apicid[NR_CPUS];

void apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC_PHYS + reg) = v; }
u32 apic_read(u32 reg) { return *(volatile u32 *)(APIC_PHYS + reg); }

void apic_init(void) {
  int cpu = smp_processor_id();
  x86_cpu_to_apicid[cpu] = (u8)(apic_read(APIC_ID) >> 24);
  apic_write(APIC_TASKPRI, 0);
  apic_write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR);
}

/* ack_APIC_irq: EOI to the local APIC. */
void ack_APIC_irq(void) { apic_write(APIC_EOI, 0); }

/* __default_send_IPI_dest_field: wait for the ICR to be idle, destination, then command. */
static void __default_send_IPI_dest_field(u32 apicid, int vector, u32 dest) {
  while (apic_read(APIC_ICR) & APIC_ICR_BUSY) __asm__ volatile("pause");
  apic_write(APIC_ICR2, apicid << 24);
  apic_write(APIC_ICR, APIC_DM_FIXED | dest | (u32)vector);
}

/* smp_send_reschedule → default_send_IPI_single_phys(cpu, RESCHEDULE_VECTOR) */
void smp_send_reschedule(int cpu) {
  u64 flags = arch_local_irq_save();
  __default_send_IPI_dest_field(x86_cpu_to_apicid[cpu], RESCHEDULE_VECTOR, APIC_DEST_PHYSICAL);
  arch_local_irq_restore(flags);
}

/* The reschedule IPI (arch/x86/kernel/smp.c smp_reschedule_interrupt): EOI, count, scheduler_ipi.
 * Its real work happens on the way out: prepare_exit_to_usermode sees TIF_SIGPENDING. */
void smp_reschedule_interrupt(struct pt_regs *regs);
void smp_reschedule_interrupt(struct pt_regs *regs) {
  (void)regs;
  ack_APIC_irq();
  this_cpu()->irq_resched_count++;
}

void smp_spurious_interrupt(struct pt_regs *regs);
void smp_spurious_interrupt(struct pt_regs *regs) { (void)regs; }
