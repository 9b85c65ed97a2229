/*
 * Control flow: deep and mutual recursion, a dense switch that gcc compiles to
 * a jump table (an indirect jmp through a table in .rodata), calls through
 * function pointers, and loops left early by break, return and goto.
 */
#include "rt.h"

#define NOIPA __attribute__((noipa))

NOIPA static unsigned long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* Ackermann: recursion depth grows with the result, a good stack workout. */
NOIPA static unsigned long ack(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

NOIPA static int is_odd(unsigned n);
NOIPA static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
NOIPA static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* Hofstadter female/male sequences: mutual recursion that is not a tail call. */
NOIPA static long hof_m(long n);
NOIPA static long hof_f(long n) { return n == 0 ? 1 : n - hof_m(hof_f(n - 1)); }
NOIPA static long hof_m(long n) { return n == 0 ? 0 : n - hof_f(hof_m(n - 1)); }

static void recursion(void) {
  for (unsigned n = 0; n <= 25; n++) rt_printf("fib(%u) = %lu\n", n, fib(n));
  for (unsigned long m = 0; m <= 3; m++)
    for (unsigned long n = 0; n <= 5; n++) rt_printf("ack(%lu, %lu) = %lu\n", m, n, ack(m, n));
  rt_printf("ack(2, 100) = %lu\n", ack(2, 100));
  for (unsigned n = 0; n < 8; n++) rt_printf("even(%u) = %d odd(%u) = %d\n", n * 97, is_even(n * 97), n * 97, is_odd(n * 97));
  rt_printf("hofstadter F:");
  for (long n = 0; n < 30; n++) rt_printf(" %ld", hof_f(n));
  rt_printf("\nhofstadter M:");
  for (long n = 0; n < 30; n++) rt_printf(" %ld", hof_m(n));
  rt_printf("\n");
}

/* A tiny stack machine. Seventeen dense cases with different bodies: gcc's
 * switch conversion cannot turn them into a value table, so it emits a jump
 * table (checked in MNEMONICS.txt: an indirect jmp). */
enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR,
       OP_DUP, OP_SWAP, OP_OVER, OP_NEG, OP_JNZ, OP_HALT };

NOIPA static long run_vm(const long *code, long arg) {
  long stack[64];
  int sp = 0;
  stack[sp++] = arg;
  for (int pc = 0;;) {
    long op = code[pc++];
    switch (op) {
      case OP_PUSH: stack[sp++] = code[pc++]; break;
      case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
      case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case OP_DIV: sp--; stack[sp - 1] /= stack[sp]; break;
      case OP_MOD: sp--; stack[sp - 1] %= stack[sp]; break;
      case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
      case OP_OR: sp--; stack[sp - 1] |= stack[sp]; break;
      case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
      case OP_SHL: sp--; stack[sp - 1] = (long)((unsigned long)stack[sp - 1] << (stack[sp] & 63)); break;
      case OP_SHR: sp--; stack[sp - 1] >>= (stack[sp] & 63); break;
      case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
      case OP_SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
      case OP_OVER: stack[sp] = stack[sp - 2]; sp++; break;
      case OP_NEG: stack[sp - 1] = -stack[sp - 1]; break;
      case OP_JNZ: { long target = code[pc++]; if (stack[--sp]) pc = (int)target; break; }
      case OP_HALT: return stack[sp - 1];
      default: return -999;
    }
  }
}

/* Same dispatch on every opcode: each case computes something different from x. */
NOIPA static long dense(int op, long x) {
  switch (op) {
    case 0: return x + 3;
    case 1: return x * 5;
    case 2: return x ^ 0x55;
    case 3: return x >> 1;
    case 4: return x - 100;
    case 5: return (long)((unsigned long)x << 3);
    case 6: return ~x;
    case 7: return x / 7;
    case 8: return x % 11;
    case 9: return x & 0xf0f;
    case 10: return x | 0x1000;
    case 11: return x * x;
    case 12: return -x;
    case 13: return x + op * 1000;
    default: return 42;
  }
}

static void switches(void) {
  static const long p1[] = {OP_PUSH, 6, OP_MUL, OP_PUSH, 7, OP_ADD, OP_HALT};           /* 6a + 7 */
  static const long p2[] = {OP_DUP, OP_MUL, OP_PUSH, 1000, OP_MOD, OP_PUSH, 3, OP_SHL, OP_HALT};
  static const long p3[] = {OP_PUSH, 0xff, OP_AND, OP_PUSH, 0x100, OP_OR, OP_PUSH, 0x3c, OP_XOR,
                            OP_NEG, OP_PUSH, 2, OP_SHR, OP_HALT};
  static const long p4[] = {OP_PUSH, 9, OP_SWAP, OP_SUB, OP_PUSH, 4, OP_DIV, OP_HALT};  /* (9 - a) / 4 */
  /* sum of 1..a by a loop: a(a+1)/2 */
  static const long p5[] = {
    OP_PUSH, 0, OP_SWAP,               /* 0: acc a                    */
    OP_DUP, OP_JNZ, 8,                 /* 3: a != 0 -> 8              */
    OP_SWAP, OP_HALT,                  /* 6: return acc               */
    OP_SWAP, OP_OVER, OP_ADD, OP_SWAP, /* 8: acc+a a                  */
    OP_PUSH, 1, OP_SUB,                /* 12: acc+a a-1               */
    OP_PUSH, 1, OP_JNZ, 3,             /* 15: back to 3               */
  };
  static const long *const progs[] = {p1, p2, p3, p4};
  static const long args[] = {0, 1, 5, -3, 100, 123456789, -987654321};
  for (unsigned p = 0; p < 4; p++)
    for (unsigned i = 0; i < sizeof args / sizeof args[0]; i++)
      rt_printf("vm p%u(%ld) = %ld\n", p + 1, args[i], run_vm(progs[p], args[i]));
  for (long a = 0; a <= 1000; a = a * 3 + 1) rt_printf("vm sum(%ld) = %ld\n", a, run_vm(p5, a));
  for (int op = -1; op <= 15; op++)
    for (long x = -20; x <= 20; x += 13) rt_printf("dense(%d, %ld) = %ld\n", op, x, dense(op, x));
}

typedef long (*binop)(long, long);
NOIPA static long f_add(long a, long b) { return a + b; }
NOIPA static long f_sub(long a, long b) { return a - b; }
NOIPA static long f_mul(long a, long b) { return a * b; }
NOIPA static long f_min(long a, long b) { return a < b ? a : b; }
NOIPA static long f_max(long a, long b) { return a > b ? a : b; }
NOIPA static long f_gcd(long a, long b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) { long t = a % b; a = b; b = t; }
  return a;
}
static const binop ops[] = {f_add, f_sub, f_mul, f_min, f_max, f_gcd};
static const char *const op_names[] = {"add", "sub", "mul", "min", "max", "gcd"};

NOIPA static long fold(binop f, const long *v, int n) {
  long acc = v[0];
  for (int i = 1; i < n; i++) acc = f(acc, v[i]);
  return acc;
}

struct handler { const char *name; long (*fn)(long); };
NOIPA static long h_sq(long x) { return x * x; }
NOIPA static long h_half(long x) { return x / 2; }
NOIPA static long h_inc(long x) { return x + 1; }
static const struct handler handlers[] = {{"sq", h_sq}, {"half", h_half}, {"inc", h_inc}};

static void indirect(void) {
  static const long v[] = {84, -36, 120, 60, -12, 1008};
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
    rt_printf("fold %s = %ld\n", op_names[i], fold(ops[i], v, 6));
  long x = 3;
  for (int round = 0; round < 9; round++) {
    const struct handler *h = &handlers[round % 3];
    x = h->fn(x);
    rt_printf("%s -> %ld\n", h->name, x);
  }
}

NOIPA static int find(const int *a, int n, int key) {
  for (int i = 0; i < n; i++)
    if (a[i] == key) return i;
  return -1;
}

NOIPA static int first_pair_with_sum(const int *a, int n, int sum, int *pi, int *pj) {
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (a[i] + a[j] == sum) { *pi = i; *pj = j; goto found; }
  return 0;
found:
  return 1;
}

static void loops(void) {
  int a[40];
  for (int i = 0; i < 40; i++) a[i] = (i * 37 + 11) % 101;
  for (int k = 0; k < 110; k += 9) rt_printf("find %d = %d\n", k, find(a, 40, k));
  for (int s = 50; s < 210; s += 31) {
    int i = -1, j = -1;
    int ok = first_pair_with_sum(a, 40, s, &i, &j);
    rt_printf("pair sum %d: %d %d %d\n", s, ok, i, j);
  }
  /* Collatz lengths: a while loop with a data-dependent exit, broken off at 1000 steps. */
  for (unsigned long n = 1; n < 30; n += 2) {
    unsigned long x = n * 1001, steps = 0;
    while (x != 1) {
      x = (x & 1) ? 3 * x + 1 : x / 2;
      if (++steps >= 1000) break;
    }
    rt_printf("collatz %lu: %lu\n", n * 1001, steps);
  }
  /* continue and do-while */
  long s = 0;
  int i = 0;
  do {
    i++;
    if (i % 3 == 0) continue;
    if (i > 50) break;
    s += i * i;
  } while (i < 100);
  rt_printf("do-while %d %ld\n", i, s);
}

int test_main(void) {
  recursion();
  switches();
  indirect();
  loops();
  rt_printf("control done\n");
  return 0;
}
