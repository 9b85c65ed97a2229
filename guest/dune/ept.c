/*
 * EPT (kkaffes/dune kern/ept.c), built lazily: a vCPU starts with an empty
 * EPT root and every first touch of a guest-physical region is an EPT
 * violation (SDM Vol. 3C §28.2.3.2, exit reason 48) that vmx_do_ept_fault
 * answers by mapping it. Dune mirrors the process's memory (GPA = host
 * virtual address, backed by get_user_pages); the process here is the
 * carrying kernel's identity-mapped memory, so GPA = HPA:
 *  - RAM: 2 MiB pages, write-back;
 *  - the local APIC page (0xFEE00000) as ept_map_apic_page does: one 4 KiB
 *    page, uncacheable with "ignore PAT", writable only if the faulting
 *    access was a write (a first ICR-busy read maps it read-only and the
 *    first ICR write takes a second violation);
 *  - anything else in the top GiB (device memory): 4 KiB, uncacheable.
 * The posted-interrupt descriptors are RAM like the rest (Dune maps them at a
 * magic GPA, 1 << 45, to the same host pages).
 */
#include "vmx.h"
#include "vmcs.h"

#define EPT_R 1ull
#define EPT_W 2ull
#define EPT_X 4ull
#define EPT_RWX 7ull
#define EPT_MT_WB (6ull << 3)
#define EPT_MT_UC (0ull << 3)
#define EPT_IPAT (1ull << 6)
#define EPT_LARGE (1ull << 7)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)
#define EPT_ADDR 0x000ffffffffff000ull

#define LAPIC_PAGE 0xFEE00000ull
#define DEVICE_START 0xC0000000ull

uint64_t vmx_init_ept(struct vmx_vcpu *vcpu) {
  uint64_t *root = dune_host_alloc_page();
  vcpu->ept_root = (uint64_t)(uintptr_t)root;
  /* EPTP: write-back paging structures, 4-level walk, accessed/dirty flags (SDM §24.6.11) */
  return vcpu->ept_root | 6 | (3 << 3) | (1 << 6);
}

/* The entry for gpa at `level` (3 = PML4E ... 0 = PTE), creating tables on the way down. */
static uint64_t *ept_lookup(struct vmx_vcpu *vcpu, uint64_t gpa, int level) {
  uint64_t *table = (uint64_t *)(uintptr_t)vcpu->ept_root;
  for (int l = 3; l > level; l--) {
    uint64_t *e = &table[(gpa >> (12 + 9 * l)) & 511];
    if ((*e & EPT_RWX) == 0) *e = (uint64_t)(uintptr_t)dune_host_alloc_page() | EPT_RWX;
    table = (uint64_t *)(uintptr_t)(*e & EPT_ADDR);
  }
  return &table[(gpa >> (12 + 9 * level)) & 511];
}

/* Exit qualification bit 1: the access was a write (SDM Table 27-7). */
#define EPT_FAULT_WRITE 2

int vmx_do_ept_fault(struct vmx_vcpu *vcpu, uint64_t gpa, uint64_t gva, int fault_flags) {
  (void)gva;
  if (dune_host_gpa_to_hpa) {
    /* The process's address space: the page behind this GPA, 4 KiB, write-back (kern/ept.c ept_set_epte). */
    uint64_t hpa = dune_host_gpa_to_hpa(gpa & ~0xfffull);
    if (!hpa) return -1;
    *ept_lookup(vcpu, gpa & ~0xfffull, 0) = (hpa & EPT_ADDR) | EPT_RWX | EPT_MT_WB | EPT_A | EPT_D;
    struct { uint64_t eptp, rsvd; } d = { vcpu->eptp, 0 };
    invept(1, &d);
    return 0;
  }
  if (gpa >= (1ull << 32)) return -1;
  if (gpa >= DEVICE_START) {
    uint64_t page = gpa & ~0xfffull;
    uint64_t *pte = ept_lookup(vcpu, page, 0);
    if (page == LAPIC_PAGE) {
      /* ept_map_apic_page */
      uint64_t perm = EPT_R | ((fault_flags & EPT_FAULT_WRITE) ? EPT_W : 0);
      *pte = page | perm | EPT_MT_UC | EPT_IPAT | EPT_A | EPT_D;
    } else {
      *pte = page | EPT_RWX | EPT_MT_UC | EPT_IPAT;
    }
  } else {
    uint64_t *pde = ept_lookup(vcpu, gpa, 1);
    *pde = (gpa & ~0x1fffffull) | EPT_RWX | EPT_MT_WB | EPT_LARGE;
  }
  /* A permission upgrade of a present entry needs the stale translation gone (SDM §28.3.3.1). */
  struct { uint64_t eptp, rsvd; } desc = { vcpu->eptp, 0 };
  invept(1, &desc);
  return 0;
}
