/*
 * A minimal root-mode kernel that carries the Dune module (guest/dune/vmx.c)
 * the way Linux carries kern/dune.ko: per core it loads a GDT with a TSS and
 * an IDT, software-enables the local APIC in xAPIC mode (the paper's hosts
 * booted with nox2apic so that the guest's EPT-mapped APIC page reaches the
 * real APIC), turns on VMX and runs one Dune process thread per core: a
 * vCPU that enters the program's dune_main(cpu) through libdune
 * (guest/libdune) in VMX non-root ring 0 and leaves with the exit system
 * call. It supplies the module's dune_host_* needs: pages, the CPU number
 * (a per-CPU area through GS, as Linux's this_cpu), the console, and the
 * local APIC.
 *
 * `dune_params` are the module's parameters (what `insmod dune.ko ...` would
 * set); the machine's runner may write them into the image before the run.
 * Output: one line per CPU with its VM exits by reason, then the exit
 * status of CPU 0's process.
 */
#include <stdarg.h>
#include "vmx.h"
#include "vmcs.h"

/* Table 1 needs two CPUs; a program with more threads (the Shinjuku server) builds with a larger count,
 * up to the module's DUNE_MAX_CPUS. */
#ifndef MINIHOST_MAX_CPUS
#define MINIHOST_MAX_CPUS 4
#endif
#define MAX_CPUS MINIHOST_MAX_CPUS
_Static_assert(MAX_CPUS <= DUNE_MAX_CPUS, "the module's vCPU limit");

/* A program may define its own dune_params (guest/dune/bench/vanilla_ipi.c does): this one is weak. */
struct dune_params dune_params __attribute__((weak)) = { DUNE_PARAMS_MAGIC, 1 };

/* ---- dune_host_*: what the module needs from its kernel ---- */
/* 192 pages carry 4 vCPUs with room to spare (VMCS, posted-interrupt descriptor, EPT tables for RAM, the
 * APIC page and a device page each); 16 more per further CPU. */
static uint8_t page_pool[192 + 16 * (MAX_CPUS > 4 ? MAX_CPUS - 4 : 0)][4096] __attribute__((aligned(4096)));
static unsigned long pages_used;

void *dune_host_alloc_page(void) {
  unsigned long i = __atomic_fetch_add(&pages_used, 1, __ATOMIC_SEQ_CST);
  if (i >= sizeof page_pool / sizeof page_pool[0]) { rt_printf("dune host: out of pages\n"); rt_exit(70); }
  return page_pool[i]; /* static storage: already zero */
}

struct percpu { unsigned long cpu; } percpu[MAX_CPUS];

unsigned dune_host_cpu(void) {
  unsigned long cpu;
  __asm__ volatile("movq %%gs:0, %0" : "=r"(cpu));
  return (unsigned)cpu;
}

uint32_t dune_host_apic_id(void) { return lapic_id(); }

uint16_t dune_host_tr_selector(void) { return (uint16_t)(0x40 + 16 * dune_host_cpu()); }

/* apic_write_eoi: the xAPIC EOI register. */
void dune_host_apic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* __default_send_IPI_dest_field with interrupts off around it: wait until the ICR is idle, the
 * destination into ICR high, then ICR low (fixed, physical, the vector), which sends. */
void dune_host_apic_send(uint32_t apic_id, uint32_t vector) {
  uint64_t flags;
  __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
  while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY) cpu_relax();
  lapic_write(LAPIC_ICR_HI, apic_id << 24);
  lapic_write(LAPIC_ICR_LO, vector | ICR_FIXED | ICR_PHYSICAL);
  __asm__ volatile("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
}

int dune_host_printk(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = rt_vprintf(fmt, ap);
  va_end(ap);
  return r;
}

/* Linux's own F2H handler (KVM's posted-interrupt IPI): a notification that lands while this CPU is in
 * root mode with interrupts on only needs its EOI; the post waits in the descriptor. */
static void host_posted_intr_ipi(struct irq_frame *f) { (void)f; dune_host_apic_eoi(); }

/* ---- per-CPU descriptor tables: the loader's segments (0x08 code32, 0x10 data, 0x18 code64), then a
 * 16-byte TSS descriptor per CPU at 0x40 + 16 * cpu (SDM Vol. 3A §7.2.3) ---- */
static uint64_t gdt[8 + 2 * MAX_CPUS] __attribute__((aligned(16)));
struct __attribute__((packed)) tss64 { uint32_t r0; uint64_t rsp[3]; uint64_t r1; uint64_t ist[7]; uint64_t r2; uint16_t r3, iomap; };
static struct tss64 tss[MAX_CPUS] __attribute__((aligned(16)));
static volatile int tables_ready;

static void cpu_init(unsigned cpu) {
  if (cpu == 0) {
    gdt[1] = 0x00cf9a000000ffffull;
    gdt[2] = 0x00cf92000000ffffull;
    gdt[3] = 0x00af9a000000ffffull;
    for (unsigned c = 0; c < MAX_CPUS; c++) {
      uint64_t base = (uint64_t)(uintptr_t)&tss[c], limit = sizeof(struct tss64) - 1;
      tss[c].iomap = sizeof(struct tss64);
      gdt[8 + 2 * c] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((base >> 24) & 0xff) << 56;
      gdt[9 + 2 * c] = base >> 32;
    }
    idt_init();
    __asm__ volatile("" ::: "memory");
    tables_ready = 1;
  }
  while (!tables_ready) cpu_relax();
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
  __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
  __asm__ volatile("ltr %0" : : "r"((uint16_t)(0x40 + 16 * cpu)) : "memory");
  idt_load();
}

/* ---- the process: libdune's entry, on a stack per thread ---- */
void dune_entry(long cpu, void *posted_desc_base); /* guest/libdune */
static uint8_t thread_stacks[MAX_CPUS][65536] __attribute__((aligned(4096)));
static volatile unsigned long finished;
static int exit_status[MAX_CPUS];
static struct vmx_vcpu *vcpus_by_cpu[MAX_CPUS];
#ifdef MINIHOST_EXPORT_NCPUS
/* How many process threads this kernel runs (one per CPU up to MAX_CPUS), for a program that sizes itself
 * by it (the Shinjuku server's check of its worker count); set before any vCPU starts. Only in builds that
 * ask for it, so that Table 1's image keeps the code docs/table1.md's debugger session shows. */
long dune_host_ncpus;
#define EXPORT_NCPUS(n) (dune_host_ncpus = (n))
#else
#define EXPORT_NCPUS(n) ((void)0)
#endif

int test_main_smp(long core, long ncores) {
  if (core >= MAX_CPUS) return 0;
  cpu_init((unsigned)core);
  percpu[core].cpu = (unsigned long)core;
  wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)&percpu[core]);
  lapic_enable();
  if (core == 0) {
    EXPORT_NCPUS(ncores < MAX_CPUS ? ncores : MAX_CPUS);
    idt_set_handler(POSTED_INTR_VECTOR, host_posted_intr_ipi);
    if (dune_params.magic != DUNE_PARAMS_MAGIC) { rt_printf("dune host: bad module parameters\n"); return 2; }
    vmx_init();
  }
  int r = vmx_enable_cpu();
  if (r != 0) { rt_printf("dune host: VMXON on cpu %ld failed (%d)\n", core, r); return 3; }
  uint64_t cr3;
  __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
  struct dune_config conf = {
    .rip = (uint64_t)(uintptr_t)dune_entry,
    .rsp = (uint64_t)(uintptr_t)(thread_stacks[core] + sizeof thread_stacks[core]) - 8,
    .cr3 = cr3,
    .rdi = (uint64_t)core,
    .posted_intr = (int)dune_params.posted_intr,
  };
  struct vmx_vcpu *vcpu = vmx_create_vcpu(&conf);
  if (!vcpu) { rt_printf("dune host: vCPU setup failed on cpu %ld\n", core); return 4; }
  vcpus_by_cpu[core] = vcpu;
  int ret = vmx_launch(vcpu);
  exit_status[core] = (ret >> 8) == DUNE_RET_EXIT ? (ret & 0xff) : 100 + ret;
  vmx_destroy_vcpu(vcpu);
  __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
  if (core != 0) return 0;
  unsigned long n = (unsigned long)(ncores < MAX_CPUS ? ncores : MAX_CPUS);
  while (finished < n) cpu_relax();
  for (unsigned long c = 0; c < n; c++) {
    rt_printf("dune: cpu %lu exits:", c);
    for (unsigned i = 0; i < 64; i++)
      if (vcpus_by_cpu[c]->exits[i]) rt_printf(" %u:%lu", i, (unsigned long)vcpus_by_cpu[c]->exits[i]);
    rt_printf("  status %d\n", exit_status[c]);
  }
  for (unsigned long c = 0; c < n; c++) if (exit_status[c] != 0) return exit_status[c] < 120 ? exit_status[c] : 119;
  return 0;
}
