/*
 * The platform layer: what Shinjuku needs from underneath, so the same
 * dispatcher, networker and workers run on bare metal today
 * (platform_bare.c) and in a Dune process (platform_dune.c):
 *   - core identity and per-core data (GS base, as IX's percpu);
 *   - the preemption IPI: bare metal writes the real xAPIC ICR (fixed
 *     delivery, physical destination) — the same MMIO sequence as the Dune
 *     fork's no-exit posted sender (dune_apic_send_posted_ipi) minus the
 *     PIR/ON bits of the posted-interrupt descriptor;
 *   - the handler: a trap gate without IST (IF stays set on entry, the frame
 *     lands on the current stack), as libdune's IDT, and the handler runs
 *     with a trap frame holding every GPR (libdune's struct dune_tf);
 *   - EOI: bare metal writes the xAPIC EOI register (Dune: the virtualized
 *     x2APIC EOI MSR);
 *   - memory for pools.
 */
#ifndef SHINJUKU_PLATFORM_H
#define SHINJUKU_PLATFORM_H

#include <stdint.h>

/* Every GPR as the interrupt stub saved it, then the processor's frame. On Dune the stub is libdune's
 * (dune.S) and the frame is its struct dune_tf, whose order this one then follows, so a platform handler
 * is a libdune interrupt callback as it stands (platform_dune.c checks the offsets). */
#ifdef SHINJUKU_PLATFORM_DUNE
struct platform_tf {
  uint64_t rdi, rsi, rdx, r8, r9, r10, r11, rcx, rbx, rbp, r12, r13, r14, r15, rax;
  uint64_t err;
  uint64_t rip, cs, rflags, rsp, ss;
};
#else
struct platform_tf {
  uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
  uint64_t err;
  uint64_t rip, cs, rflags, rsp, ss;
};
#endif

typedef void (*platform_handler_t)(struct platform_tf *tf);

/* Once, on the first core, before the others start. */
void platform_init(uint64_t mem_base, uint64_t mem_size);
/* On every core: its IDT, its local APIC, its per-core pointer. */
void platform_init_core(unsigned core, void *percpu);
/* The calling core's per-core pointer (one load through GS). */
static inline void *platform_percpu(void) {
  void *p;
  __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
  return p;
}
uint32_t platform_apic_id(void);
void platform_register_handler(uint8_t vector, platform_handler_t h);
void platform_send_ipi(uint32_t apic_id, uint8_t vector);
void platform_eoi(void);
void *platform_alloc(uint64_t bytes, uint64_t align);
/* platform_alloc.c: the pool region both platforms carve pools from. */
void platform_alloc_init(uint64_t mem_base, uint64_t mem_size);
/* main.c: the server on one core (core 0 dispatcher, 1 networker, 2.. workers); the platform's entry calls it. */
int shinjuku_main(long core, long ncores);

static inline uint64_t rdtsc64(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}
#ifndef APIC_H
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
#endif

#endif
