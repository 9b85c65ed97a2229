/*
 * libdune for a Linux process under the host kernel (kkaffes/dune
 * libdune/entry.c, dune.S): dune_init opens /dev/dune, builds the guest
 * page table that mirrors the process, the GDT, TSS and IDT it will load in
 * Dune mode, and copies the system-call stub to the page at the host's
 * LSTAR address; dune_enter makes the calling thread a vCPU: it returns 0
 * in VMX non-root ring 0, with the same registers, stack and memory.
 *
 * In Dune mode a SYSCALL instruction lands in __dune_syscall (LSTAR is not
 * switched by VM entry), which turns it into a VMCALL: the module forwards
 * it to the host kernel's system-call table and resumes after it.
 */
#ifndef LIBDUNE_ENTRY_H
#define LIBDUNE_ENTRY_H

#include <stdint.h>

int dune_init(void);    /* 0, or -1 with a message on standard error */
int dune_enter(void);   /* 0 in Dune mode; the thread's later exit leaves through the module */
int dune_init_and_enter(void);

/* Ring 3 inside Dune (a sandboxed application, as Shinjuku's §3.6 describes): SYSRET to ring 3, n
 * system calls that come straight back (SYSCALL -> __dune_syscall's user-mode path -> SYSRETQ), SYSCALL
 * back to ring 0. Returns the cycles from an RDTSC before the first call to an RDTSCP after the last
 * (labels t2_begin_ring3 / t2_end_ring3). */
uint64_t dune_ring3_roundtrips(uint64_t n);

#endif
