/**
 * Physical memory layout that guest images are linked against.
 *
 * These are the guest ABI's (docs/architecture.md): the multiboot loader used to run
 * the same images on QEMU and Bochs puts its page tables, GDT and per-core stacks
 * at exactly these addresses, so an image that fits here fits there too and one
 * image runs unchanged on QEMU, Bochs and this emulator. Change them together or
 * not at all.
 */

/** Lowest address a guest segment may use: below 1 MiB are the BIOS areas and the AP trampoline. */
export const GUEST_MIN = 0x100000;

/** 256 MiB: start of memory the loader keeps for itself (code, GDT, page tables, boot stack). */
export const RESERVED_BASE = 0x10000000;

/** Bottom of core 0's stack; core i's stack is [STACKS_BASE + i*STACK_BYTES, + STACK_BYTES). */
export const STACKS_BASE = 0x10100000;

/** Each core gets its own 1 MiB stack. */
export const STACK_BYTES = 0x100000;

/** The loader accepts ncpu=1..32, and the stack area is sized for that many. */
export const MAX_CORES = 32;

/** 289 MiB: first byte past the per-core stacks; guest segments may resume here. */
export const RESERVED_END = STACKS_BASE + MAX_CORES * STACK_BYTES; // 0x12100000

/**
 * Guests run identity-mapped over the loader's 0–4 GiB page tables (2 MiB pages),
 * so nothing can be loaded at or above 4 GiB.
 */
export const IDENTITY_MAP_END = 0x1_0000_0000;
