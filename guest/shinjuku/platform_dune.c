/*
 * The Dune platform (see platform.h): every core of the server is one thread
 * of a Dune process in VMX non-root ring 0, carried by the minimal kernel
 * guest/dune/minihost.c with the module's posted-interrupt processing on, as
 * the paper's Shinjuku runs (§3.2, §4: the dispatcher preempts workers with
 * posted IPIs that cause no VM exit on either side).
 *
 *  - Entry: libdune's dune_entry loads its IDT, enables interrupts and
 *    records the thread's APIC routing entry, then calls dune_main(cpu).
 *  - Memory: the module's EPT maps guest-physical = host-physical lazily
 *    (guest/dune/ept.c): RAM, where the image, the pools, the NIC's
 *    descriptor rings and packet buffers live, in write-back 2 MiB pages;
 *    the NIC's registers (NIC_BAR, in the device range) in uncacheable 4 KiB
 *    pages; the local APIC page so that the sender reaches the real ICR.
 *    The process runs on the carrying kernel's page table (its identity
 *    map), so guest-virtual = guest-physical as on bare metal.
 *  - The preemption IPI: dune_apic_send_posted_ipi — the vector's PIR bit
 *    and ON by locked BTS in the target's posted-interrupt descriptor, then
 *    the notification vector F2H through the EPT-mapped ICR; the target
 *    CPU's processor delivers the posted vector in non-root mode (SDM Vol.
 *    3C §29.6) with no exit. Dune's sender names its target by CPU number,
 *    so the routing entry a worker publishes (platform_apic_id) is its CPU.
 *  - EOI: libdune's WRMSR 80BH, virtualized (SDM Vol. 3C §29.1.2): no exit.
 *  - The handler: registered with libdune's IDT (trap gates, no IST); its
 *    frame is libdune's struct dune_tf, which platform_tf mirrors here.
 */
/* shinjuku-emu: link platform_alloc.c */
#include "../libdune/dune.h"
#include "platform.h"
#include "rt.h"

#define MSR_IA32_GS_BASE 0xC0000101u

_Static_assert(__builtin_offsetof(struct platform_tf, rdi) == __builtin_offsetof(struct dune_tf, rdi) &&
               __builtin_offsetof(struct platform_tf, r15) == __builtin_offsetof(struct dune_tf, r15) &&
               __builtin_offsetof(struct platform_tf, rax) == __builtin_offsetof(struct dune_tf, rax) &&
               __builtin_offsetof(struct platform_tf, rip) == __builtin_offsetof(struct dune_tf, rip) &&
               sizeof(struct platform_tf) == sizeof(struct dune_tf), "platform_tf is libdune's dune_tf");

/* The carrying kernel's thread count (guest/dune/minihost.c). */
extern long dune_host_ncpus;

void platform_init(uint64_t mem_base, uint64_t mem_size) { platform_alloc_init(mem_base, mem_size); }

/* libdune's per-thread GS (the CPU number at %gs:0) has served dune_apic_init_rt_entry by now; the
 * server's per-core area takes GS over (IA32_GS_BASE is passed through by the module's MSR bitmap). */
void platform_init_core(unsigned core, void *percpu) {
  (void)core;
  *(void **)percpu = percpu;
  __asm__ volatile("wrmsr" : : "c"(MSR_IA32_GS_BASE), "a"((uint32_t)(uintptr_t)percpu),
                   "d"((uint32_t)((uintptr_t)percpu >> 32)) : "memory");
}

/* The calling thread's CPU: its physical APIC ID read through the EPT-mapped page (ID in bits 31:24),
 * matched against libdune's routing table (every thread filled its entry before dune_main). */
uint32_t platform_apic_id(void) {
  uint32_t id = (*(volatile uint32_t *)(APIC_BASE + 0x20) >> 24) & 0xff;
  for (uint32_t cpu = 0; cpu < (uint32_t)dune_host_ncpus; cpu++) {
    int error;
    if (dune_apic_id_for_cpu(cpu, &error) == id && !error) return cpu;
  }
  rt_printf("shinjuku: APIC ID %u is not in libdune's routing table\n", id);
  return 0;
}

void platform_register_handler(uint8_t vector, platform_handler_t h) {
  dune_register_intr_handler(vector, (dune_intr_cb)h);
}

void platform_send_ipi(uint32_t cpu, uint8_t vector) { dune_apic_send_posted_ipi(vector, cpu); }

void platform_eoi(void) { dune_apic_eoi(); }

/* Each vCPU starts here (libdune's dune_entry, with interrupts enabled); the server's cores run with
 * them off outside requests, as on bare metal. */
int dune_main(long cpu) {
  __asm__ volatile("cli" ::: "memory");
  return shinjuku_main(cpu, dune_host_ncpus);
}
