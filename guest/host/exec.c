/*
 * execve of the one user program this kernel image carries (a static ELF64
 * linked into the image, as an initramfs would carry it): its segments into
 * fresh page frames mapped at their addresses with user permissions, a
 * stack with argc/argv/envp/auxv as the x86-64 ABI puts them, and the main
 * thread on core 0 (fs/binfmt_elf.c load_elf_binary, create_elf_tables).
 */
#include "kernel.h"

extern const u8 user_program_start[], user_program_end[];

struct elf64_hdr { u8 e_ident[16]; u16 e_type, e_machine; u32 e_version; u64 e_entry, e_phoff, e_shoff; u32 e_flags; u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx; };
struct elf64_phdr { u32 p_type, p_flags; u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align; };
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define AT_NULL 0
#define AT_PAGESZ 6

static struct sighand_struct init_sighand;
static struct signal_struct init_signal;
static struct vm_area_struct vmas[16];
static int nr_vmas;

struct task_struct *create_init_task(struct mm_struct *mm, struct sighand_struct *sh, struct signal_struct *sig);

static int add_vma(struct mm_struct *mm, u64 start, u64 end, u64 flags) {
  if (nr_vmas == ARRAY_SIZE(vmas)) return -EINVAL;
  struct vm_area_struct *v = &vmas[nr_vmas++];
  v->vm_start = start; v->vm_end = end; v->vm_flags = flags;
  v->vm_next = mm->mmap;
  mm->mmap = v;
  mm->map_count++;
  return 0;
}

/* Map [start, end) with fresh zeroed frames (or the frame a neighbouring segment already put there). */
static int map_range(struct mm_struct *mm, u64 start, u64 end, u64 flags) {
  for (u64 va = start & PAGE_MASK; va < end; va += PAGE_SIZE) {
    u64 pa = follow_page(mm, va) & PAGE_MASK;
    if (!pa) pa = alloc_page_phys();
    else { struct vm_area_struct *v = find_vma(mm, va); if (v) flags |= v->vm_flags; }
    if (map_user_page(mm, va, pa, flags) < 0) return -EFAULT;
  }
  return add_vma(mm, start & PAGE_MASK, (end + PAGE_SIZE - 1) & PAGE_MASK, flags);
}

/* Copy into the new process's memory through the direct map (it is not the current mm). */
static void copy_to_mm(struct mm_struct *mm, u64 va, const void *src, u64 n) {
  const u8 *s = src;
  while (n) {
    u64 chunk = PAGE_SIZE - (va & ~PAGE_MASK);
    if (chunk > n) chunk = n;
    kmemcpy(__va(follow_page(mm, va)), s, chunk);
    va += chunk; s += chunk; n -= chunk;
  }
}

int exec_user_program(void) {
  const struct elf64_hdr *eh = (const void *)user_program_start;
  u64 size = (u64)(user_program_end - user_program_start);
  if (size < sizeof *eh || eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' || eh->e_ident[2] != 'L' || eh->e_ident[3] != 'F' ||
      eh->e_ident[4] != 2 || eh->e_machine != 62 || eh->e_type != 2) {
    rt_printf("[kernel] the user program is not a static x86-64 ELF executable\n");
    return -EINVAL;
  }
  struct mm_struct *mm = mm_alloc();
  if (!mm) return -EAGAIN;
  for (int i = 0; i < eh->e_phnum; i++) {
    const struct elf64_phdr *ph = (const void *)(user_program_start + eh->e_phoff + (u64)i * eh->e_phentsize);
    if (ph->p_type != PT_LOAD || ph->p_memsz == 0) continue;
    if (ph->p_offset + ph->p_filesz > size) return -EINVAL;
    u64 flags = VM_READ | (ph->p_flags & PF_W ? VM_WRITE : 0) | (ph->p_flags & PF_X ? VM_EXEC : 0);
    if (map_range(mm, ph->p_vaddr, ph->p_vaddr + ph->p_memsz, flags) < 0) return -EFAULT;
    copy_to_mm(mm, ph->p_vaddr, user_program_start + ph->p_offset, ph->p_filesz);
    if (flags & VM_EXEC) { mm->start_code = ph->p_vaddr; mm->end_code = ph->p_vaddr + ph->p_memsz; }
  }
  /* The stack, and create_elf_tables: argc, argv, envp, auxv, with argv[0] at the top. */
  if (map_range(mm, STACK_TOP - USER_STACK_SIZE, STACK_TOP, VM_READ | VM_WRITE | VM_GROWSDOWN) < 0) return -EFAULT;
  static const char name[] = "program";
  u64 str = STACK_TOP - 16;
  copy_to_mm(mm, str, name, sizeof name);
  u64 table[] = { 1, str, 0, 0, AT_PAGESZ, PAGE_SIZE, AT_NULL, 0 };   /* argc, argv[0], NULL, envp NULL, auxv */
  u64 sp = (str - sizeof table) & ~15UL;
  copy_to_mm(mm, sp, table, sizeof table);
  mm->start_stack = sp;

  for (int s = 0; s < _NSIG; s++) init_sighand.action[s].handler = SIG_DFL;
  init_sighand.count = 1;
  INIT_LIST_HEAD(&init_signal.shared_pending.list);
  struct task_struct *t = create_init_task(mm, &init_sighand, &init_signal);
  struct pt_regs *r = t->regs;
  kmemset(r, 0, sizeof *r);
  r->ip = eh->e_entry;
  r->sp = sp;
  r->cs = __USER_CS;
  r->ss = __USER_DS;
  r->flags = 0x202;   /* IF, and the reserved bit 1 */
  r->orig_ax = (u64)-1;
  wake_up_new_task(t);
  return 0;
}
