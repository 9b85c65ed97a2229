/* platform_alloc (platform.h): a bump allocator over the pool region the host names in shinjuku_cfg. */
#include "platform.h"
#include "rt.h"

static uint64_t alloc_next, alloc_end;

void platform_alloc_init(uint64_t mem_base, uint64_t mem_size) {
  alloc_next = mem_base;
  alloc_end = mem_base + mem_size;
}

/* Cores initialize concurrently (each worker allocates its transmit ring): a compare-and-swap loop. */
void *platform_alloc(uint64_t bytes, uint64_t align) {
  uint64_t old = __atomic_load_n(&alloc_next, __ATOMIC_RELAXED), p;
  do {
    p = (old + align - 1) & ~(align - 1);
    if (p + bytes > alloc_end) {
      rt_printf("shinjuku: out of memory for pools (%lu bytes wanted, %lu left); give the machine more memory\n",
                (unsigned long)bytes, (unsigned long)(alloc_end - p));
      rt_exit(3);
    }
  } while (!__atomic_compare_exchange_n(&alloc_next, &old, p + bytes, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  return (void *)(uintptr_t)p;
}
