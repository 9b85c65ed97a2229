/*
 * 4-level paging as the guest sees it (SDM Vol. 3A chapter 4).
 *
 *  1. The boot tables (guest ABI, docs/architecture.md): CR3 -> PML4 with
 *     one present entry -> PDPT with four -> four PDs of 2 MiB pages mapping
 *     0-4 GiB identically; 3-4 GiB with PCD|PWT. Entries are compared with
 *     the Accessed and Dirty bits masked out: the processor sets those itself
 *     (§4.8), so their values depend on what ran before.
 *  2. Page faults (§4.7, §6.15 interrupt 14): access to 4 GiB (PDPT entry 4
 *     not present) -> #PF, CR2 = the linear address, error code P=0, W/R = 1
 *     for a write, U/S = 0 (ring 0), I/D = 0 because neither CR4.SMEP nor
 *     IA32_EFER.NXE is set (the boot state leaves both clear); the saved RIP is
 *     the faulting instruction (a fault, §6.5).
 *  3. Own tables: a copy of the boot PML4/PDPT plus PDPT[4] -> PD -> PT of
 *     4 KiB pages, so 0x100000000 aliases a static page. Reads and writes
 *     through the alias reach that page; the walk sets Accessed in every
 *     entry it uses and Dirty only in the PTE, and only on a write (§4.8).
 *  4. INVLPG after changing a PTE makes the new mapping visible (§4.10.4.1).
 *  5. Read-only PTE: with CR0.WP = 0 a supervisor write succeeds; with
 *     CR0.WP = 1 it faults with P|W = 3 (§4.6.1).
 *  6. A reserved bit (PS in a PML4 entry, Table 4-15 "Reserved (must be
 *     0)") -> #PF with P|RSVD = 9 (§4.7: RSVD is set when a reserved bit
 *     is set in any paging-structure entry used).
 *  7. IA32_EFER.NXE = 1: fetch faults report I/D = 1; a PTE with XD (bit 63)
 *     can be read but not executed (P|I/D = 0x11) (§4.6.2, §4.7).
 * Nothing printed depends on where the loader put its tables.
 */
#include "rt.h"
#include "idt64.h"

#define P 1ull
#define RW 2ull
#define US 4ull
#define PWT 8ull
#define PCD 16ull
#define ACC 32ull
#define DIRTY 64ull
#define PS 128ull
#define ADDR 0x000ffffffffff000ull

#define ALIAS 0x100000000ull       /* 4 GiB: not mapped by the boot tables */
#define RSVD_ALIAS 0x8000000000ull /* 512 GiB: PML4 entry 1 */

static struct gate idt[256] __attribute__((aligned(16)));

volatile uint64_t rec_vector, rec_err, rec_rip, rec_cr2, rec_saved_rax, recover_rip;

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pdpt2[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static volatile uint64_t page_a[512] __attribute__((aligned(4096)));
static volatile uint64_t page_b[512] __attribute__((aligned(4096)));
static volatile uint8_t page_c[4096] __attribute__((aligned(4096)));

extern const char stub_pf[], stub_other[], t_read_insn[], t_write_insn[], t_exec_back[];
uint64_t t_read(uint64_t addr);
void t_write(uint64_t addr, uint64_t value);
void t_exec(uint64_t addr);

__asm__(
  "  .text\n"
  /* #PF: record error code, saved RIP and CR2, resume at recover_rip */
  "  .globl stub_pf\n"
  "stub_pf:\n"
  "  movq $14, rec_vector(%rip)\n"
  "  movq %rax, rec_saved_rax(%rip)\n"
  "  movq 0(%rsp), %rax\n"
  "  movq %rax, rec_err(%rip)\n"
  "  movq 8(%rsp), %rax\n"
  "  movq %rax, rec_rip(%rip)\n"
  "  movq %cr2, %rax\n"
  "  movq %rax, rec_cr2(%rip)\n"
  "  movq recover_rip(%rip), %rax\n"
  "  movq %rax, 8(%rsp)\n"
  "  movq rec_saved_rax(%rip), %rax\n"
  "  addq $8, %rsp\n"
  "  iretq\n"
  "  .globl stub_other\n"
  "stub_other:\n"
  "  andq $-16, %rsp\n"
  "  call unexpected\n"
  "  ud2\n"
  /* uint64_t t_read(addr): returns the value, or ~0 if the load faulted */
  "  .globl t_read, t_read_insn\n"
  "t_read:\n"
  "  leaq 1f(%rip), %rax\n"
  "  movq %rax, recover_rip(%rip)\n"
  "  movq $-1, %rax\n"
  "t_read_insn:\n"
  "  movq (%rdi), %rax\n"
  "1:\n"
  "  ret\n"
  "  .globl t_write, t_write_insn\n"
  "t_write:\n"
  "  leaq 1f(%rip), %rax\n"
  "  movq %rax, recover_rip(%rip)\n"
  "t_write_insn:\n"
  "  movq %rsi, (%rdi)\n"
  "1:\n"
  "  ret\n"
  /* t_exec(addr): jump to addr; a fetch fault resumes at t_exec_back */
  "  .globl t_exec, t_exec_back\n"
  "t_exec:\n"
  "  leaq t_exec_back(%rip), %rax\n"
  "  movq %rax, recover_rip(%rip)\n"
  "  jmp *%rdi\n"
  "t_exec_back:\n"
  "  ret\n");

void unexpected(void);
void unexpected(void) {
  rt_printf("unexpected exception or interrupt\n");
  rt_exit(99);
}

static const char *yn(int c) { return c ? "yes" : "no"; }

static uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static uint64_t rdmsr(uint32_t m) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m)); return (uint64_t)hi << 32 | lo; }
static void wrmsr(uint32_t m, uint64_t v) { __asm__ volatile("wrmsr" : : "c"(m), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))); }
static void invlpg(uint64_t a) { __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory"); }

static void report_pf(const char *what, const char *insn_label, uint64_t addr) {
  rt_printf("%s: ", what);
  if (rec_vector == ~0ull) { rt_printf("no fault\n"); return; }
  rt_printf("vector %lu, error code 0x%lx, cr2 = address: %s, rip = faulting instruction: %s\n", (unsigned long)rec_vector,
            (unsigned long)rec_err, yn(rec_cr2 == addr), yn(rec_rip == (uint64_t)(uintptr_t)insn_label));
}

static void arm(void) { rec_vector = ~0ull; rec_err = ~0ull; rec_cr2 = 0; rec_rip = 0; }

static void check_boot_tables(void) {
  uint64_t cr3 = read_cr3();
  const uint64_t mask = ~(ACC | DIRTY);
  uint64_t *l4 = (uint64_t *)(uintptr_t)(cr3 & ADDR);
  int l4_present = 0, l3_present = 0, pd_ok = 0, pd_bad = 0;
  for (int i = 0; i < 512; i++) l4_present += (int)(l4[i] & P);
  rt_printf("cr3 low 12 bits 0x%lx, pml4: %d present, entry 0 flags 0x%lx\n", (unsigned long)(cr3 & 0xfff), l4_present,
            (unsigned long)(l4[0] & 0xfff & mask));
  uint64_t *l3 = (uint64_t *)(uintptr_t)(l4[0] & ADDR);
  for (int i = 0; i < 512; i++) l3_present += (int)(l3[i] & P);
  rt_printf("pdpt: %d present, entries 0-3 flags 0x%lx 0x%lx 0x%lx 0x%lx\n", l3_present, (unsigned long)(l3[0] & 0xfff & mask),
            (unsigned long)(l3[1] & 0xfff & mask), (unsigned long)(l3[2] & 0xfff & mask), (unsigned long)(l3[3] & 0xfff & mask));
  for (uint64_t i = 0; i < 4; i++) {
    uint64_t *l2 = (uint64_t *)(uintptr_t)(l3[i] & ADDR);
    for (uint64_t j = 0; j < 512; j++) {
      uint64_t want = ((i * 512 + j) << 21) | P | RW | PS | (i == 3 ? PCD | PWT : 0);
      if ((l2[j] & mask) == want) pd_ok++; else pd_bad++;
    }
  }
  rt_printf("pd: %d entries map 2 MiB identically (P|RW|PS, PCD|PWT from 3 GiB), %d differ\n", pd_ok, pd_bad);
}

int test_main(void) {
  for (int v = 0; v < 256; v++) {
    idt[v] = idt64_gate(v == 14 ? stub_pf : stub_other, 0x8E, 0);
  }
  idt64_load(idt, sizeof idt - 1);

  check_boot_tables();

  /* 2. faults on the boot tables */
  arm(); t_read(ALIAS); report_pf("read 4 GiB (not mapped)", t_read_insn, ALIAS);
  arm(); t_write(ALIAS, 1); report_pf("write 4 GiB (not mapped)", t_write_insn, ALIAS);
  arm(); t_exec(ALIAS);
  rt_printf("execute at 4 GiB (not mapped): vector %lu, error code 0x%lx, cr2 = address: %s, rip = the target: %s\n",
            (unsigned long)rec_vector, (unsigned long)rec_err, yn(rec_cr2 == ALIAS), yn(rec_rip == ALIAS));

  /* 3. own tables: boot PDPT entries 0-3 copied (they point at the loader's PDs, left unchanged) */
  uint64_t *boot_l4 = (uint64_t *)(uintptr_t)(read_cr3() & ADDR);
  uint64_t *boot_l3 = (uint64_t *)(uintptr_t)(boot_l4[0] & ADDR);
  for (int i = 0; i < 4; i++) pdpt[i] = boot_l3[i];
  pml4[0] = (uint64_t)(uintptr_t)pdpt | P | RW;
  pdpt[4] = (uint64_t)(uintptr_t)pd | P | RW;
  pd[0] = (uint64_t)(uintptr_t)pt | P | RW;
  pt[0] = (uint64_t)(uintptr_t)page_a | P | RW;
  page_a[0] = 0x1122334455667788ull;
  page_b[0] = 0x99aabbccddeeff00ull;
  uint64_t boot_cr3 = read_cr3();
  write_cr3((uint64_t)(uintptr_t)pml4); /* also flushes the TLB (§4.10.4.1) */

  uint64_t v = t_read(ALIAS);
  rt_printf("read 4 GiB via new PT: 0x%lx\n", (unsigned long)v);
  rt_printf("after the read: pml4e A=%d, pdpte A=%d, pde A=%d D=%d, pte A=%d D=%d\n", (int)!!(pml4[0] & ACC),
            (int)!!(pdpt[4] & ACC), (int)!!(pd[0] & ACC), (int)!!(pd[0] & DIRTY), (int)!!(pt[0] & ACC), (int)!!(pt[0] & DIRTY));
  t_write(ALIAS + 8, 0x0102030405060708ull);
  rt_printf("after a write: pde D=%d, pte A=%d D=%d; page word 1 = 0x%lx\n", (int)!!(pd[0] & DIRTY), (int)!!(pt[0] & ACC),
            (int)!!(pt[0] & DIRTY), (unsigned long)page_a[1]);

  /* 4. remap the PTE to page_b; INVLPG drops the old translation */
  pt[0] = (uint64_t)(uintptr_t)page_b | P | RW;
  invlpg(ALIAS);
  rt_printf("after remap + invlpg: read 0x%lx\n", (unsigned long)t_read(ALIAS));

  /* PT entry 1 not present: the fault comes from the last level */
  arm(); t_read(ALIAS + 0x1000); report_pf("read 4 GiB + 4 KiB (PTE not present)", t_read_insn, ALIAS + 0x1000);

  /* 5. read-only page, CR0.WP = 0 then 1 */
  pt[0] = (uint64_t)(uintptr_t)page_b | P;
  invlpg(ALIAS);
  uint64_t cr0 = read_cr0();
  write_cr0(cr0 & ~(1ull << 16));
  invlpg(ALIAS);
  arm(); t_write(ALIAS, 0x5555);
  rt_printf("write read-only page, CR0.WP=0: %s, page word 0 = 0x%lx\n", rec_vector == ~0ull ? "no fault" : "fault",
            (unsigned long)page_b[0]);
  write_cr0(cr0 | (1ull << 16));
  invlpg(ALIAS);
  arm(); t_write(ALIAS, 0x6666); report_pf("write read-only page, CR0.WP=1", t_write_insn, ALIAS);
  rt_printf("  page word 0 = 0x%lx, read still works: %s\n", (unsigned long)page_b[0], yn(t_read(ALIAS) == 0x5555));
  write_cr0(cr0);

  /* 6. reserved bit: PS set in a PML4 entry */
  pml4[1] = (uint64_t)(uintptr_t)pdpt2 | P | RW | PS;
  pdpt2[0] = 0 | P | RW | PS; /* were the PS bit ignored, this 1 GiB page would make the read succeed */
  write_cr3((uint64_t)(uintptr_t)pml4);
  arm(); t_read(RSVD_ALIAS); report_pf("read 512 GiB (PML4E with PS=1)", t_read_insn, RSVD_ALIAS);

  /* 7. execute-disable: with IA32_EFER.NXE = 1 (MSR C0000080h bit 11), bit 63 of a PTE forbids
   * instruction fetches (§4.6.2) and fetch faults report I/D = 1 (§4.7) */
  pml4[1] = 0;
  write_cr3((uint64_t)(uintptr_t)pml4);
  uint64_t efer = rdmsr(0xc0000080);
  wrmsr(0xc0000080, efer | (1ull << 11));
  page_c[0] = 0xc3; /* ret */
  pt[2] = (uint64_t)(uintptr_t)page_c | P | RW | (1ull << 63);
  pt[3] = (uint64_t)(uintptr_t)page_c | P | RW;
  invlpg(ALIAS + 0x2000);
  invlpg(ALIAS + 0x3000);
  arm(); t_exec(ALIAS + 0x1000);
  rt_printf("NXE=1, execute at a not-present page: vector %lu, error code 0x%lx, cr2 = address: %s\n",
            (unsigned long)rec_vector, (unsigned long)rec_err, yn(rec_cr2 == ALIAS + 0x1000));
  arm(); t_exec(ALIAS + 0x2000);
  rt_printf("NXE=1, execute an XD page: vector %lu, error code 0x%lx, cr2 = address: %s; read it: 0x%lx\n",
            (unsigned long)rec_vector, (unsigned long)rec_err, yn(rec_cr2 == ALIAS + 0x2000),
            (unsigned long)(t_read(ALIAS + 0x2000) & 0xff));
  arm(); t_exec(ALIAS + 0x3000);
  rt_printf("NXE=1, execute the same frame without XD: %s\n", rec_vector == ~0ull ? "no fault" : "fault");
  wrmsr(0xc0000080, efer);

  write_cr3(boot_cr3);
  rt_printf("paging done\n");
  return 0;
}
