/*
 * libdune/entry.c for a Linux process under the host kernel: dune_init and
 * dune_enter (entry.h), the guest page table (libdune/vm.c, reduced to
 * what this process has: its image and its stack, 4 KiB pages), and
 * dune_boot, the first thing the thread does in Dune mode: its own GDT
 * (Linux's selector layout, which the host's IA32_STAR assumes), TSS and
 * IDT (the 256 stubs of dune.S), and its per-thread area in GS.
 *
 * Guest-physical addresses are the process's virtual addresses (the
 * module's EPT mirrors the process), the stack moved under the top of the
 * physical-address space (dune_va_to_pa, guest/dune/dune.h); the page at
 * the host's LSTAR address maps to the page holding the copied
 * __dune_syscall. The tables themselves sit in the image, where GPA = VA.
 *
 * shinjuku-emu: link enter.S dune.S
 */
#include <stdint.h>
#include <string.h>
#include "entry.h"
#include "../dune/dune.h"
#include "../linux/libc/syscall.h"

_Static_assert(DUNE_ENTER == 0x8028e901ull, "enter.S DUNE_ENTER");
_Static_assert(__builtin_offsetof(struct dune_ioctl_config, rip) == 0 && __builtin_offsetof(struct dune_ioctl_config, rsp) == 8, "enter.S's offsets");

#define PTE_P 0x001ull
#define PTE_W 0x002ull
#define PTE_U 0x004ull
#define PTE_A 0x020ull
#define PTE_D 0x040ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PGSIZE 4096ull

/* The stack the host kernel gives a process (guest/host/exec.c: 128 KiB under TASK_SIZE_MAX); libdune
 * reads its bounds from /proc/self/maps. */
#define STACK_TOP 0x00007ffffffff000ull
#define STACK_SIZE (128ull * 1024)

extern const char __executable_start[], _end[];
extern const char __dune_syscall[], __dune_syscall_end[], __dune_intr[];
long __dune_enter(long fd, struct dune_ioctl_config *conf);

/* The per-thread area (libdune's struct dune_percpu), reached through GS in Dune mode. */
struct tss64 { uint32_t r0; uint64_t rsp[3]; uint64_t r1; uint64_t ist[7]; uint64_t r2; uint16_t r3, iomap; } __attribute__((packed));
struct dune_percpu {
  uint64_t self;
  uint64_t in_usermode;   /* entry.S PERCPU_IN_USERMODE */
  uint64_t gdt[10];
  struct tss64 tss;
} __attribute__((aligned(64)));
_Static_assert(__builtin_offsetof(struct dune_percpu, in_usermode) == 8, "enter.S's PERCPU_IN_USERMODE");

struct idtd { uint16_t low, selector; uint8_t ist, type; uint16_t middle; uint32_t high, zero; };

static struct dune_percpu percpu;
static struct idtd idt[256] __attribute__((aligned(64)));
static uint8_t trap_stack[8192] __attribute__((aligned(64)));
static uint64_t pgtables[24][512] __attribute__((aligned(4096)));
static unsigned pgtables_used;
static uint8_t syscall_page[PGSIZE] __attribute__((aligned(4096)));
static long dune_fd = -1;
static struct dune_ioctl_config conf;
static struct dune_layout layout;

static void say(const char *s) { __syscall3(1, 2, s, strlen(s)); }

static uint64_t *pgroot(void) { return pgtables[0]; }

/* Map guest-virtual `va` to guest-physical `gpa`, 4 KiB, writable, user (ring 3 may run there too). */
static int map_page(uint64_t va, uint64_t gpa) {
  uint64_t *t = pgroot();
  if (pgtables_used == 0) pgtables_used = 1;
  for (int level = 3; level > 0; level--) {
    uint64_t *e = &t[(va >> (12 + 9 * level)) & 511];
    if (!(*e & PTE_P)) {
      if (pgtables_used == sizeof pgtables / sizeof pgtables[0]) return -1;
      *e = (uint64_t)(uintptr_t)pgtables[pgtables_used++] | PTE_P | PTE_W | PTE_U | PTE_A;
    }
    t = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
  }
  t[(va >> 12) & 511] = (gpa & PTE_ADDR) | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
  return 0;
}

/* Each page of [start, end) to its guest-physical address (dune_va_to_pa). */
static int map_range(uint64_t start, uint64_t end, uint64_t skip) {
  for (uint64_t va = start & ~(PGSIZE - 1); va < end; va += PGSIZE) {
    if (va == skip) return -1;
    if (map_page(va, dune_va_to_pa(&layout, va)) < 0) return -1;
  }
  return 0;
}

/* Linux's GDT layout (the host's STAR: kernel CS 0x10, SS 0x18; SYSRET to 0x33/0x2b), then the TSS. */
static void setup_gdt(void) {
  uint64_t *g = percpu.gdt;
  g[0] = 0;
  g[1] = 0x00cf9b000000ffffull; /* 32-bit kernel code */
  g[2] = 0x00af9b000000ffffull; /* 0x10: 64-bit kernel code */
  g[3] = 0x00cf93000000ffffull; /* 0x18: kernel data */
  g[4] = 0x00cffb000000ffffull; /* 0x23: 32-bit user code */
  g[5] = 0x00cff3000000ffffull; /* 0x2b: user data */
  g[6] = 0x00affb000000ffffull; /* 0x33: 64-bit user code */
  g[7] = 0;
  uint64_t base = (uint64_t)(uintptr_t)&percpu.tss, limit = sizeof(struct tss64) - 1;
  g[8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
  g[9] = base >> 32;
  percpu.tss.rsp[0] = (uint64_t)(uintptr_t)(trap_stack + sizeof trap_stack);
  percpu.tss.iomap = sizeof(struct tss64);
  percpu.self = (uint64_t)(uintptr_t)&percpu;
}

/* setup_idt: 256 trap gates, DPL 0, to dune.S's stubs. */
static void setup_idt(void) {
  for (int i = 0; i < 256; i++) {
    uint64_t isr = (uint64_t)(uintptr_t)(__dune_intr + 16 * i);
    idt[i] = (struct idtd){ (uint16_t)isr, 0x10, 0, 0x8f, (uint16_t)(isr >> 16), (uint32_t)(isr >> 32), 0 };
  }
}

int dune_init(void) {
  dune_fd = __syscall3(2 /* open */, DUNE_DEVICE, 2 /* O_RDWR */, 0);
  if (dune_fd < 0) { say("dune: failed to open " DUNE_DEVICE "\n"); return -1; }
  if (__syscall3(16 /* ioctl */, dune_fd, DUNE_GET_LAYOUT, &layout) != 0) { say("dune: DUNE_GET_LAYOUT failed\n"); return -1; }
  uint64_t lstar = (uint64_t)__syscall3(16 /* ioctl */, dune_fd, DUNE_GET_SYSCALL, 0);
  uint64_t stub = (uint64_t)(__dune_syscall_end - __dune_syscall);
  if ((lstar & (PGSIZE - 1)) + stub > PGSIZE) { say("dune: the system-call stub does not fit its page\n"); return -1; }
  memcpy(syscall_page + (lstar & (PGSIZE - 1)), __dune_syscall, stub);
  uint64_t lstar_page = lstar & ~(PGSIZE - 1);
  if (map_range((uint64_t)(uintptr_t)__executable_start, (uint64_t)(uintptr_t)_end, lstar_page) < 0 ||
      map_range(STACK_TOP - STACK_SIZE, STACK_TOP, lstar_page) < 0 ||
      map_page(lstar_page, dune_va_to_pa(&layout, (uint64_t)(uintptr_t)syscall_page)) < 0) {
    say("dune: could not build the guest page table\n");
    return -1;
  }
  setup_gdt();
  setup_idt();
  return 0;
}

/* The thread's first steps in Dune mode (dune_boot): its descriptor tables and its GS. */
static void dune_boot(void) {
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = { sizeof percpu.gdt - 1, (uint64_t)(uintptr_t)percpu.gdt },
                                                                      idtr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
  __asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
  __asm__ volatile("ltr %w0" : : "r"(0x40) : "memory");
  __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
  uint64_t gs = (uint64_t)(uintptr_t)&percpu;
  /* IA32_GS_BASE: the module's MSR bitmap passes it through (no exit) */
  __asm__ volatile("wrmsr" : : "c"(0xC0000101u), "a"((uint32_t)gs), "d"((uint32_t)(gs >> 32)) : "memory");
}

int dune_enter(void) {
  conf.cr3 = (uint64_t)(uintptr_t)pgroot();
  long r = __dune_enter(dune_fd, &conf);
  if (r != 0) { say("dune: DUNE_ENTER failed\n"); return -1; }
  dune_boot();
  return 0;
}

int dune_init_and_enter(void) { return dune_init() < 0 ? -1 : dune_enter(); }

/* Back in Linux mode after the vCPU left (libdune's on_dune_exit). */
_Noreturn void dune_on_exit(struct dune_ioctl_config *c);
_Noreturn void dune_on_exit(struct dune_ioctl_config *c) {
  if (c->ret == DUNE_RET_EXIT) for (;;) __syscall1(231 /* exit_group */, c->status);
  say("dune: the vCPU left Dune mode unexpectedly\n");
  for (;;) __syscall1(231, 100 + c->ret);
}

/* dune.S's common handler: a trap in Dune mode that nobody registered for. */
struct dune_tf;
void dune_trap_handler(int num, struct dune_tf *tf);
void dune_trap_handler(int num, struct dune_tf *tf) {
  (void)tf;
  say("libdune: unhandled trap in Dune mode\n");
  for (;;) __syscall1(231, 100 + num);
}
