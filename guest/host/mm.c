/*
 * Memory management: page frames, 4-level page tables per process with
 * user/supervisor mappings, the KAISER shadow PGD (user space sees only the
 * entry section, the per-CPU entry data and the kernel stacks of the
 * kernel), the direct map, VMAs and follow_page() for whoever mirrors a
 * process (the Dune module builds its EPT from them).
 *
 * Layout of one mm's tables: an 8 KiB-aligned PGD pair (kernel, then user
 * at +4 KiB). PGD slot 0 (the low 512 GiB) has a PDPT per PGD, and their
 * entry 0 (the low 1 GiB) a page directory per PGD: the kernel's holds the
 * kernel image as 2 MiB pages, the user's the shadow page tables of the
 * user-mapped sections; both point at the same page tables for user
 * mappings. Higher user slots (the stack) share one PDPT between the two.
 * The direct map (PGD slot 272) and the local APIC (the 3-4 GiB directory)
 * exist only in kernel PGDs.
 */
#include "kernel.h"

u64 va_offset;
struct mm_struct init_mm;

static u64 next_frame = FRAME_POOL_START;
static spinlock_t frame_lock;

/* clear_page_rep (arch/x86/lib/clear_page_64.S): REP STOSQ, eight bytes an iteration. */
static void clear_pages(void *p, u64 bytes) {
  u64 n = bytes / 8;
  __asm__ volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0UL) : "memory");
}

/* alloc_pages(order): 2^order zeroed, naturally aligned frames from the pool. */
static u64 alloc_pages_phys(int order) {
  u64 size = PAGE_SIZE << order;
  spin_lock(&frame_lock);
  u64 pa = (next_frame + size - 1) & ~(size - 1);
  next_frame = pa + size;
  spin_unlock(&frame_lock);
  if (next_frame > FRAME_POOL_END) panic("out of page frames");
  clear_pages(__va(pa), size);
  return pa;
}
u64 alloc_page_phys(void) { return alloc_pages_phys(0); }

void load_cr3(u64 cr3) { __asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory"); }

#define PGDIR_SHIFT 39
#define PUD_SHIFT 30
#define PMD_SHIFT 21
#define IDX(va, shift) (((va) >> (shift)) & 511)
#define KERNEL_IMAGE_START 0x1000000UL
#define KERNEL_IMAGE_END   0x4000000UL

/* Shared by every kernel PGD: the direct map's PDPT and the 3-4 GiB directory (the APIC). */
static u64 direct_map_pud_pa, apic_pmd_pa;
/* The KAISER shadow entries of the low 1 GiB directory (the user-mapped kernel sections as 4 KiB pages). */
static u64 kaiser_pmd_entries[512];

static u64 *table(u64 entry) { return __va(entry & PTE_ADDR_MASK); }

/* kaiser_add_mapping: map [start, end) of the kernel image, 4 KiB at a time, global, supervisor. */
static void kaiser_add_mapping(u64 start, u64 end, u64 flags) {
  for (u64 va = start & PAGE_MASK; va < end; va += PAGE_SIZE) {
    u64 *pmde = &kaiser_pmd_entries[IDX(va, PMD_SHIFT)];
    if (!*pmde) *pmde = alloc_page_phys() | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    table(*pmde)[IDX(va, 12)] = va | flags;   /* the kernel image is identity-mapped: va == pa */
  }
}

/* A new address space: the PGD pair with the kernel's mappings in the kernel half. */
static void mm_init_tables(struct mm_struct *mm) {
  u64 pgd_pa = alloc_pages_phys(1);
  u64 *kpgd = __va(pgd_pa), *upgd = kpgd + 512;
  u64 kpud = alloc_page_phys(), upud = alloc_page_phys();
  u64 kpmd = alloc_page_phys(), upmd = alloc_page_phys();
  const u64 tflags = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
  kpgd[0] = kpud | tflags;
  upgd[0] = upud | tflags;
  table(kpgd[0])[0] = kpmd | tflags;
  table(upgd[0])[0] = upmd | tflags;
  table(kpgd[0])[3] = apic_pmd_pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  kpgd[IDX(PAGE_OFFSET, PGDIR_SHIFT)] = direct_map_pud_pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  /* The kernel image, 2 MiB pages, supervisor only. */
  u64 *k = table(kpgd[0]), *kd = table(k[0]), *ud = table(table(upgd[0])[0]);
  for (u64 pa = KERNEL_IMAGE_START; pa < KERNEL_IMAGE_END; pa += 1UL << PMD_SHIFT)
    kd[IDX(pa, PMD_SHIFT)] = pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE;
  for (int i = 0; i < 512; i++) if (kaiser_pmd_entries[i]) ud[i] = kaiser_pmd_entries[i];
  mm->pgd = kpgd;
}

struct mm_struct *mm_alloc(void) {
  static struct mm_struct mms[4];
  static int n;
  if (n == ARRAY_SIZE(mms)) return 0;
  struct mm_struct *mm = &mms[n++];
  mm_init_tables(mm);
  return mm;
}

/*
 * Core 0, on the boot identity map: the shared kernel tables, the shadow
 * mappings, init_mm. Then every later table access goes through the direct
 * map (va_offset = PAGE_OFFSET), which the CPUs switch to in cpu_init.
 */
void paging_init(void) {
  va_offset = 0;
  /* Direct map of the low 1 GiB of physical memory, 2 MiB pages, no execute. */
  direct_map_pud_pa = alloc_page_phys();
  u64 pmd = alloc_page_phys();
  ((u64 *)__va(direct_map_pud_pa))[0] = pmd | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  for (u64 pa = 0; pa < DIRECT_MAP_SIZE; pa += 1UL << PMD_SHIFT)
    ((u64 *)__va(pmd))[IDX(pa, PMD_SHIFT)] = pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE | _PAGE_NX;
  /* The local APIC page (and the I/O APIC's), uncached: PCD | PWT. */
  apic_pmd_pa = alloc_page_phys();
  u64 apic2m = APIC_PHYS & ~((1UL << PMD_SHIFT) - 1);
  ((u64 *)__va(apic_pmd_pa))[IDX(apic2m, PMD_SHIFT)] = apic2m | _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE | _PAGE_NX;
  /* What user space must see of the kernel (KAISER): entry code, per-CPU entry data, descriptor tables, stacks. */
  kaiser_add_mapping((u64)__start_entry_text, (u64)__stop_entry_text, _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL);
  kaiser_add_mapping((u64)__start_user_mapped, (u64)__stop_user_mapped, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX);
  mm_init_tables(&init_mm);
  va_offset = PAGE_OFFSET;
  init_mm.pgd = (u64 *)((u64)init_mm.pgd + PAGE_OFFSET);
}

/* The entry for `va` at the last level, allocating page tables on the way (shared by both PGDs). */
static u64 *walk_alloc(struct mm_struct *mm, u64 va) {
  const u64 tflags = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
  u64 *kpgd = mm->pgd, *upgd = mm->pgd + 512;
  u64 i4 = IDX(va, PGDIR_SHIFT), i3 = IDX(va, PUD_SHIFT), i2 = IDX(va, PMD_SHIFT);
  if (!kpgd[i4]) { u64 pud = alloc_page_phys(); kpgd[i4] = upgd[i4] = pud | tflags; }
  u64 *kpud = table(kpgd[i4]), *upud = table(upgd[i4]);
  if (!kpud[i3]) { u64 pmd = alloc_page_phys(); kpud[i3] = upud[i3] = pmd | tflags; }
  u64 *kpmd = table(kpud[i3]), *upmd = table(upud[i3]);
  if (kpmd[i2] & _PAGE_PSE) return 0;   /* the kernel image: not for user pages */
  if (!kpmd[i2]) { u64 pt = alloc_page_phys(); kpmd[i2] = upmd[i2] = pt | tflags; }
  return &table(kpmd[i2])[IDX(va, 12)];
}

int map_user_page(struct mm_struct *mm, u64 va, u64 pa, u64 vm_flags) {
  if (va >= TASK_SIZE_MAX) return -EFAULT;
  u64 *pte = walk_alloc(mm, va);
  if (!pte) return -EFAULT;
  *pte = pa | _PAGE_PRESENT | _PAGE_USER | (vm_flags & VM_WRITE ? _PAGE_RW : 0) | (vm_flags & VM_EXEC ? 0 : _PAGE_NX);
  return 0;
}

/* follow_page (mm/gup.c): the physical address behind a user virtual address, 0 if none. */
u64 follow_page(struct mm_struct *mm, u64 addr) {
  u64 e = mm->pgd[IDX(addr, PGDIR_SHIFT)];
  if (!(e & _PAGE_PRESENT)) return 0;
  e = table(e)[IDX(addr, PUD_SHIFT)];
  if (!(e & _PAGE_PRESENT)) return 0;
  e = table(e)[IDX(addr, PMD_SHIFT)];
  if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE) || !(e & _PAGE_USER)) return 0;
  e = table(e)[IDX(addr, 12)];
  if (!(e & _PAGE_PRESENT)) return 0;
  return (e & PTE_ADDR_MASK) | (addr & ~PAGE_MASK);
}

struct vm_area_struct *find_vma(struct mm_struct *mm, u64 addr) {
  for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) if (addr >= v->vm_start && addr < v->vm_end) return v;
  return 0;
}

/*
 * switch_mm (arch/x86/mm/tlb.c with the KAISER backport): the kernel PGD
 * under PCID 0, flushing it (PCID 0 is every mm's kernel PCID), and a
 * request that the next return to user space flush the user PCID once
 * (x86_cr3_pcid_user without its no-flush bit).
 */
void switch_mm(struct mm_struct *next) {
  struct percpu *p = this_cpu();
  if (p->active_mm == next) return;
  p->active_mm = next;
  load_cr3(__pa(next->pgd));
  p->x86_cr3_pcid_user = KAISER_USER_PCID;
}
