/*
 * Host-speed benchmark of branchy integer code: a bytecode interpreter
 * (a switch per instruction, data-dependent jumps) running a small program
 * that builds and walks a binary search tree of 64 k nodes (about 2 MiB of
 * nodes reached through pointers), plus string scanning. Mispredict-heavy
 * and pointer-chasing, like the control path of a server.
 */
#include "rt.h"

typedef unsigned long long u64;

#define NODES 65536
struct node { u64 key; struct node *l, *r; u64 pad; };
static struct node pool[NODES];
static int used;

static u64 rng = 0x2545f4914f6cdd1dull;
static u64 next(void) { u64 x = rng; x ^= x << 13; x ^= x >> 7; x ^= x << 17; return rng = x; }

static struct node *tree_insert(struct node *t, u64 k) {
  struct node **p = &t;
  while (*p) p = k < (*p)->key ? &(*p)->l : &(*p)->r;
  struct node *n = &pool[used++];
  n->key = k; n->l = n->r = 0;
  *p = n;
  return t;
}

static int tree_depth_sum(struct node *t, int d) {
  if (!t) return 0;
  return d + tree_depth_sum(t->l, d + 1) + tree_depth_sum(t->r, d + 1);
}

/* A stack bytecode: PUSH imm, ADD, SUB, MUL, DUP, SWAP, JNZ rel, DEC, LOOKUP (tree search), FOLD (mix the top into the third and pop), HALT. */
enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, LOOKUP, FOLD, HALT };

static u64 run_vm(const int *code, struct node *root) {
  u64 st[64]; int sp = 0, pc = 0;
  for (;;) {
    switch (code[pc++]) {
      case PUSH: st[sp++] = (u64)code[pc++]; break;
      case ADD: sp--; st[sp - 1] += st[sp]; break;
      case SUB: sp--; st[sp - 1] -= st[sp]; break;
      case MUL: sp--; st[sp - 1] *= st[sp]; break;
      case DUP: st[sp] = st[sp - 1]; sp++; break;
      case SWAP: { u64 t = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = t; break; }
      case JNZ: { int rel = code[pc++]; if (st[--sp]) pc += rel; break; }
      case DEC: st[sp - 1]--; break;
      case FOLD: st[sp - 3] ^= st[sp - 1] * 0x9e3779b97f4a7c15ull; sp--; break;
      case LOOKUP: {
        u64 k = st[sp - 1] * 0x9e3779b97f4a7c15ull, best = 0;
        struct node *t = root;
        while (t) { if (t->key <= k) { best = t->key; t = t->r; } else t = t->l; }
        st[sp - 1] = best >> 40;
        break;
      }
      case HALT: return st[sp - 1];
    }
  }
}

static const char text[] = "the quick brown fox jumps over the lazy dog; shinjuku preempts at microsecond scale. ";

int main(void) {
  struct node *root = 0;
  for (int i = 0; i < NODES; i++) root = tree_insert(root, next());
  rt_printf("depth sum %d\n", tree_depth_sum(root, 0));
  /* acc = 0; n = 200000; do { acc ^= lookup(n) * phi; acc ^= (3n + 1) * phi; } while (--n); */
  static const int prog[] = {
    PUSH, 0, PUSH, 200000,
    /* 4: [acc, n] */
    DUP, LOOKUP, FOLD, DUP, PUSH, 3, MUL, PUSH, 1, ADD, FOLD, DEC, DUP, JNZ, -15,
    SWAP, HALT,
  };
  u64 r = run_vm(prog, root);
  u64 words = 0, vowels = 0;
  for (int rep = 0; rep < 3000; rep++)
    for (const char *p = text; *p; p++) {
      switch (*p) { case ' ': words++; break; case 'a': case 'e': case 'i': case 'o': case 'u': vowels++; break; default: break; }
    }
  rt_printf("vm %llu words %llu vowels %llu\n", r, words, vowels);
  return 0;
}
