/**
 * Fast-forward of register-only loops (docs/architecture.md "Performance"):
 * a block that branches back to itself and touches nothing but general
 * registers, flags and the TSC — a counted loop, or a loop that waits on
 * RDTSC until a deadline (the Shinjuku server's synthetic service times,
 * guest/shinjuku/app_spin.c) — jumps over K iterations in O(1) host time and
 * lands exactly where running them would have: same registers, clock and
 * instruction count, at the same instruction boundary.
 *
 * Why it is exact. From the last iterations the core guesses a per-iteration
 * step Δ of every register. It then *proves* the guess by evaluating one
 * iteration of the block symbolically, with each register an affine function
 * R0 + j·Δ of the iteration number j and RDTSC an affine function of j
 * (the clock advances by the block's fixed cost per iteration): every value
 * the block computes is affine in j and exact as an integer while it stays
 * inside its register width, every CMOV and the loop branch decide the same
 * way while the compared difference keeps its sign. Each of those conditions
 * holds for a prefix j < n that closed-form arithmetic gives; over the
 * smallest such prefix the block provably maps iteration j to j + 1 and
 * stays in the loop, so by induction iteration K starts with R0 + K·Δ at
 * t0 + K·P. The loop is never skipped past the scheduler's bound (the next
 * event, interrupt or core that comes first in the global order), and the
 * iteration after the jump runs in the interpreter, which re-establishes the
 * flags. When the clock's fractional part matters (RDTSC reads floor(time))
 * the unit is the smallest number of iterations whose cost is a whole tick.
 *
 * Nothing else can see the skipped iterations: they access no memory, do no
 * I/O, take no branch the predictor models and raise nothing. The core only
 * tries with no listeners for retired instructions, no single-stepping, no
 * spin sleepers (which need every instruction's start tick) and outside VMX
 * non-root operation (where RDTSC may exit).
 */
import { Mnemonic } from 'iced-x86';
import { K, type Block, type Op } from './op.js';
import { FlagKind } from './flags.js';

/** Per-block verdict of the static check. */
export const enum LoopKind { Unknown = 0, No = -1, Yes = 1 }

const INF = 1n << 62n;
const TWO32 = 1n << 32n;
const TWO64 = 1n << 64n;

export interface Aff { c: bigint; s: bigint }

/** Does the block have the shape fast-forward handles (checked once per block)? */
export function loopShape(b: Block): boolean {
  const ops = b.ops;
  const last = ops[ops.length - 1]!;
  if (ops.length < 2 || last.target !== b.rip || !isJcc(last)) return false;
  let producer = false;
  for (let i = 0; i < ops.length - 1; i++) {
    const op = ops[i]!;
    if (!opShape(op)) return false;
    const m = op.mnemonic;
    if (m === Mnemonic.Cmp || m === Mnemonic.Sub || m === Mnemonic.Add) producer = true;
    if (isCmov(op) && !producer) return false;
  }
  return producer;
}

function isJcc(op: Op): boolean { return JCC.has(op.mnemonic); }
const JCC = new Set([Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg]);
const CMOV = new Set([Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg]);
function isCmov(op: Op): boolean { return CMOV.has(op.mnemonic); }

const gprOrImm = (op: Op) => op.k0 === K.Reg && op.h0 === 0 && (op.k1 === K.Imm || (op.k1 === K.Reg && op.h1 === 0)) && op.k2 === K.None;

function opShape(op: Op): boolean {
  if (op.lock || op.rep !== 0 || (op.size !== 4 && op.size !== 8)) return false;
  switch (op.mnemonic) {
    case Mnemonic.Mov: case Mnemonic.Add: case Mnemonic.Sub: case Mnemonic.Cmp: case Mnemonic.Or:
      return gprOrImm(op);
    case Mnemonic.Xor: return op.k0 === K.Reg && op.k1 === K.Reg && op.r0 === op.r1 && op.h0 === 0 && op.h1 === 0;
    case Mnemonic.Shl: return op.k0 === K.Reg && op.h0 === 0 && op.k1 === K.Imm;
    case Mnemonic.Lea: return op.k0 === K.Reg && op.k1 === K.Mem && op.mSeg < 0 && !op.addr32;
    case Mnemonic.Rdtsc: return true;
    case Mnemonic.Nop: return true; // a multi-byte NOP's memory operand is never accessed
    default: return isCmov(op) && op.k0 === K.Reg && op.k1 === K.Reg && op.h0 === 0 && op.h1 === 0;
  }
}

/** Number of leading j ≥ 0 with lo ≤ c + s·j ≤ hi (0 if j = 0 fails). */
function inRange(v: Aff, lo: bigint, hi: bigint): bigint {
  if (v.c < lo || v.c > hi) return 0n;
  if (v.s === 0n) return INF;
  return v.s > 0n ? (hi - v.c) / v.s + 1n : (v.c - lo) / -v.s + 1n;
}

/** Number of leading j with (c + s·j < 0) the same as at j = 0. */
function sameSign(c: bigint, s: bigint): bigint {
  if (c < 0n) return s <= 0n ? INF : (-c + s - 1n) / s;
  return s >= 0n ? INF : c / -s + 1n;
}

/** Number of leading j with (c + s·j === 0) the same as at j = 0. */
function sameZero(c: bigint, s: bigint): bigint {
  if (c === 0n) return s === 0n ? INF : 1n;
  if (s === 0n || (-c) % s !== 0n) return INF;
  const j = -c / s;
  return j > 0n ? j : INF;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The largest power of two (at most `g`) that divides x; 0 for x not finite. */
function lowBit(x: number, g: number): number {
  if (!Number.isFinite(x)) return 0;
  while (g > 0 && !Number.isInteger(x / g)) g /= 2;
  return g;
}

/** What the core exposes to the fast-forward. */
export interface LoopCore {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  time: number;
  instructions: number;
  tscOffset: number;
  setArith(kind: FlagKind, sz: number, a: number, aHi: number, b: number, bHi: number, res: number, resHi: number): void;
}

/** Recent entries to one loop block: registers, clock and instruction count at each. */
export class LoopTracker {
  block: Block | null = null;
  /** Consecutive iterations recorded (up to RING). */
  count = 0;
  private head = 0;
  private readonly lo = new Int32Array(RING * 16);
  private readonly hi = new Int32Array(RING * 16);
  private readonly times = new Float64Array(RING);
  private readonly instrs = new Float64Array(RING);
  /** The last proof attempt lacked history (not a failure: no back-off). */
  needMore = false;
  /** Counters for the bench: successful jumps and the iterations they skipped. */
  jumps = 0;
  skipped = 0;
  /** Of those, the ones taken while running ahead (Core.loopAhead): in place, or by falling asleep in the loop. */
  aheadJumps = 0;
  aheadSleeps = 0;
  /** The last proof made for this core (reused from later entries: `rebaseProof`), and how often it was. */
  proof: LoopProof | null = null;
  reused = 0;
  /** The last entry recorded was on `proof`'s path (its state proven or checked against it). */
  onProof = false;

  /** Record the core's state at an entry to `b`; returns how many consecutive iterations are on record. */
  record(c: LoopCore, b: Block): number {
    const I = b.ops.length;
    if (this.block !== b || this.count === 0 || c.instructions !== this.instrs[this.head]! + I) this.count = 0;
    this.block = b;
    this.head = (this.head + 1) % RING;
    this.lo.set(c.lo, this.head * 16);
    this.hi.set(c.hi, this.head * 16);
    this.times[this.head] = c.time;
    this.instrs[this.head] = c.instructions;
    if (this.count < RING) this.count++;
    return this.count;
  }

  /** Registers `back` entries before the newest, as unsigned 64-bit values. */
  reg(back: number, r: number): bigint {
    const k = ((this.head - back) % RING + RING) % RING;
    return (BigInt(this.hi[k * 16 + r]! >>> 0) << 32n) | BigInt(this.lo[k * 16 + r]! >>> 0);
  }

  time(back: number): number { return this.times[((this.head - back) % RING + RING) % RING]!; }

  /**
   * An iteration of candidate loop `b` is about to start on core `c` (from
   * `run` or from run-ahead): record it, and return a proof that holds from
   * here, or null. A proof made at an earlier entry is reused when the core
   * stands at one of its units (`rebaseProof`); otherwise, once enough
   * consecutive iterations are on record, a new one is tried. A refused
   * proof backs off exponentially; a short history is no refusal.
   */
  enter(c: LoopCore, b: Block, branchTaken: number): LoopProof | null {
    if (b.loop === 0) { b.loop = loopShape(b) ? 1 : -1; if (b.loop < 0) return null; }
    const seen = this.record(c, b);
    const last = this.proof;
    if (last !== null && last.block === b) {
      // A loop that runs across many slices is proven once, not at every slice.
      const again = rebaseProof(c, b, last);
      if (again !== null) { this.reused++; this.onProof = true; return again; }
      // The iteration after one on the proof's path, inside its range but not at a unit's start:
      // it is on the path too (nothing else ran in between); wait for the next unit rather than prove again.
      if (this.onProof && seen >= 2 && c.instructions - last.n0 < last.units * last.I) return null;
    }
    this.onProof = false;
    if (seen < 3) return null; // the first iteration and two more: the least a step can be guessed from
    if (b.loopCool > 0) { b.loopCool--; return null; }
    const p = proveLoop(c, b, this, branchTaken);
    if (p === null && !this.needMore) { b.loopFails = Math.min(b.loopFails * 2 + 1, 1023); b.loopCool = b.loopFails; }
    this.proof = p;
    this.onProof = p !== null;
    return p;
  }

  /** The core jumped over `iterations` iterations of `b` in place, or (0) fell asleep in it: start a new record. */
  jumped(b: Block, iterations: number): void {
    this.jumps++;
    this.skipped += iterations;
    this.reset();
    b.loopFails = 0;
  }

  /**
   * Every register moved by the same amount (mod 2^64) from m entries back to the newest as from
   * m + 1 entries back to the one before it (needs m + 2 entries on record).
   */
  sameStep(m: number): boolean {
    const at = (back: number) => ((this.head - back) % RING + RING) % RING * 16;
    const a = at(0), b = at(m), c = at(1), d = at(m + 1);
    const lo = this.lo, hi = this.hi;
    for (let r = 0; r < 16; r++) {
      const x0 = lo[a + r]! >>> 0, x1 = lo[b + r]! >>> 0, y0 = lo[c + r]! >>> 0, y1 = lo[d + r]! >>> 0;
      if (((x0 - x1) | 0) !== ((y0 - y1) | 0)) return false;
      const bx = x0 < x1 ? 1 : 0, by = y0 < y1 ? 1 : 0;
      if (((hi[a + r]! - hi[b + r]! - bx) | 0) !== ((hi[c + r]! - hi[d + r]! - by) | 0)) return false;
    }
    return true;
  }
  reset(): void { this.block = null; this.count = 0; }
}

const RING = 8;

const u64 = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/**
 * A proven loop: from its state now (unit 0, at t0 with n0 instructions
 * retired), unit j starts with registers start + j·step at t0 + j·Q, for
 * every j up to `units`. A unit is `m` iterations of the block.
 */
export interface LoopProof {
  block: Block;
  t0: number;
  n0: number;
  Q: number;
  /** Instructions per unit. */
  I: number;
  m: number;
  start: bigint[];
  step: bigint[];
  /** Units over which the proof holds: the state at unit `units` is exact; so is every clock sum before it. */
  units: number;
  /** The last flags-writing op of a unit: its kind (Sub for CMP/SUB, Add), operands as affine forms, size. */
  flags: { kind: FlagKind; a: Aff; b: Aff; sz: number };
  /** The TSC offset RDTSC's values were proven with. */
  tscOffset: number;
}

/**
 * Prove that loop block `b`, whose iteration is about to start, repeats
 * with a fixed step (see the header). `branchTaken`: the extra cost of the
 * taken loop branch. Null when it cannot (not enough history: `t.count`
 * too small; a guess that does not hold; an op outside what is modelled).
 */
export function proveLoop(c: LoopCore, b: Block, t: LoopTracker, branchTaken: number): LoopProof | null {
  const ops = b.ops;
  let P = branchTaken;
  let usesTsc = false;
  // The plain run adds each op's cost to the clock in turn. Every partial sum is a multiple of g, the
  // largest power of two dividing the start time and every cost, so each addition is exact while the
  // clock stays below 2^53·g: then t0 + K·P is bit for bit what K iterations of additions give.
  let g = lowBit(c.time, lowBit(branchTaken, 1));
  for (const op of ops) { P += op.cost; g = lowBit(op.cost, g); if (op.mnemonic === Mnemonic.Rdtsc) usesTsc = true; }
  if (!(P > 0) || g === 0) return null;
  const exactBelow = 2 ** 53 * g;
  // RDTSC reads floor(time): unroll until an iteration costs whole ticks.
  let m = 1;
  if (usesTsc) { while (!Number.isInteger(m * P) && m < 4) m *= 2; if (!Number.isInteger(m * P)) return null; }
  // The guess takes the last m iterations, none of them the loop's first (whose registers still
  // carry what the code before the loop left: app_spin's first RDTSC gap, for one). Before the
  // symbolic proof (BigInt, costly), a cheap filter: the last unit moved every register as the unit
  // one iteration earlier did. A transient iteration still in the window (after an interrupt, a
  // resumed context's first RDTSC gap) fails it; then more history is awaited, without back-off.
  // Only a guess that passes it and still does not hold counts as a refusal.
  t.needMore = t.count < m + 3 || !t.sameStep(m);
  if (t.needMore) return null;
  const Q = m * P;
  const t0 = c.time;
  // The guess: each register moves by what it moved over the last m iterations.
  const regs: Aff[] = [];
  for (let r = 0; r < 16; r++) {
    const now = t.reg(0, r);
    const before = t.reg(m, r);
    regs.push({ c: now, s: BigInt.asIntN(64, now - before) });
  }
  if (t.time(0) - t.time(m) !== Q) return null;
  const start = regs.map((v) => ({ ...v }));
  let n = INF;
  // Flags producer of the last CMP/SUB/ADD: the difference (or sum) and operand width.
  let fA: Aff = { c: 0n, s: 0n }, fB: Aff = { c: 0n, s: 0n }, fKind = 0, fBits = 64;
  const width = (sz: number) => (sz === 8 ? TWO64 : TWO32);
  const read = (op: Op, k: K, r: number, sz: number): Aff | null => {
    if (k === K.Imm) return { c: sz === 8 ? u64(op.immLo, op.immHi) : BigInt(op.immLo >>> 0), s: 0n };
    const v = regs[r]!;
    if (sz === 4) n = min(n, inRange(v, 0n, TWO32 - 1n)); // a 32-bit read of a value that stays below 2^32
    return v;
  };
  const write = (r: number, v: Aff, sz: number) => {
    n = min(n, inRange(v, 0n, width(sz) - 1n));
    regs[r] = v;
  };
  /** Number of leading j over which condition cc decides as at j = 0; null if not modelled; else [count, value at 0]. */
  const decide = (cc: number): [bigint, boolean] | null => {
    const neg = (cc & 1) !== 0;
    let d: Aff;
    if (fKind === 0) return null;
    if (fKind === 2) {
      // ADD without carry (the sum stays in range): only ZF-based conditions and CF (= 0).
      d = { c: fA.c + fB.c, s: fA.s + fB.s };
      if ((cc >> 1) === 1) return [INF, neg];
      if ((cc >> 1) === 2) return [sameZero(d.c, d.s), (d.c === 0n) !== neg];
      if ((cc >> 1) === 3) return [sameZero(d.c, d.s), (d.c === 0n) !== neg];
      return null;
    }
    let a = fA, bb = fB;
    const kind = cc >> 1;
    if (kind === 6 || kind === 7) {
      // Signed: each operand stays on one side of 2^(bits-1).
      const half = 1n << BigInt(fBits - 1), full = 1n << BigInt(fBits);
      const signed = (v: Aff): Aff => {
        if (v.c < half) { n = min(n, inRange(v, 0n, half - 1n)); return v; }
        n = min(n, inRange(v, half, full - 1n));
        return { c: v.c - full, s: v.s };
      };
      a = signed(a); bb = signed(bb);
    } else if (kind !== 1 && kind !== 2 && kind !== 3) return null;
    d = { c: a.c - bb.c, s: a.s - bb.s };
    switch (kind) {
      case 1: case 6: return [sameSign(d.c, d.s), (d.c < 0n) !== neg];
      case 2: return [sameZero(d.c, d.s), (d.c === 0n) !== neg];
      default: {
        // d <= 0 ⇔ d - 1 < 0 for integers (BE, LE)
        return [sameSign(d.c - 1n, d.s), (d.c <= 0n) !== neg];
      }
    }
  };

  let lastFlags: LoopProof['flags'] | null = null;
  let off = 0;
  for (let copy = 0; copy < m; copy++) {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const sz = op.size;
      switch (op.mnemonic) {
        case Mnemonic.Mov: { const v = read(op, op.k1, op.r1, sz)!; write(op.r0, v, sz); break; }
        case Mnemonic.Add: case Mnemonic.Sub: case Mnemonic.Cmp: {
          const a = read(op, K.Reg, op.r0, sz)!, bv = read(op, op.k1, op.r1, sz)!;
          fA = a; fB = bv; fBits = sz * 8;
          lastFlags = { kind: op.mnemonic === Mnemonic.Add ? FlagKind.Add : FlagKind.Sub, a, b: bv, sz };
          if (op.mnemonic === Mnemonic.Add) { fKind = 2; write(op.r0, { c: a.c + bv.c, s: a.s + bv.s }, sz); }
          else {
            fKind = 1;
            if (op.mnemonic === Mnemonic.Sub) write(op.r0, { c: a.c - bv.c, s: a.s - bv.s }, sz); // no borrow while in range
          }
          break;
        }
        case Mnemonic.Lea: {
          let v: Aff = { c: BigInt(op.mDispHi) * TWO32 + BigInt(op.mDispLo >>> 0), s: 0n };
          if (op.mBase >= 0) { const x = regs[op.mBase]!; v = { c: v.c + x.c, s: v.s + x.s }; }
          if (op.mIndex >= 0) { const x = regs[op.mIndex]!, k = 1n << BigInt(op.mShift); v = { c: v.c + x.c * k, s: v.s + x.s * k }; }
          write(op.r0, v, sz);
          break;
        }
        case Mnemonic.Shl: {
          const a = read(op, K.Reg, op.r0, sz)!;
          const k = BigInt(op.immLo & (sz === 8 ? 63 : 31));
          write(op.r0, { c: a.c << k, s: a.s * (1n << k) }, sz);
          fKind = 0; lastFlags = null;
          break;
        }
        case Mnemonic.Or: {
          const a = read(op, K.Reg, op.r0, sz)!, bv = read(op, op.k1, op.r1, sz)!;
          // OR is addition when one side is constant and the other stays below its lowest set bit.
          const [k, x] = a.s === 0n ? [a.c, bv] : bv.s === 0n ? [bv.c, a] : [-1n, a];
          if (k < 0n) return null;
          if (k !== 0n) n = min(n, inRange(x, 0n, (k & -k) - 1n));
          write(op.r0, { c: k + x.c, s: x.s }, sz);
          fKind = 0; lastFlags = null;
          break;
        }
        case Mnemonic.Xor: write(op.r0, { c: 0n, s: 0n }, sz); fKind = 0; lastFlags = null; break;
        case Mnemonic.Rdtsc: {
          // floor(t0 + off + j·Q) = floor(t0 + off) + j·Q, Q whole; EDX:EAX while the high half stays put.
          const T: Aff = { c: BigInt(Math.floor(t0 + off) + c.tscOffset), s: BigInt(Q) };
          if (T.c < 0n) return null;
          const H = T.c / TWO32;
          n = min(n, inRange(T, H * TWO32, H * TWO32 + TWO32 - 1n));
          regs[0] = { c: T.c - H * TWO32, s: T.s };
          regs[2] = { c: H, s: 0n };
          break;
        }
        case Mnemonic.Nop: break;
        default: {
          if (isCmov(op)) {
            const d = decide(op.cc);
            if (d === null) return null;
            n = min(n, d[0]);
            const src = read(op, K.Reg, op.r1, sz)!;
            if (d[1]) write(op.r0, src, sz);
            else if (sz === 4) write(op.r0, regs[op.r0]!, 4); // zero-extends: stays the same below 2^32
            break;
          }
          if (i === ops.length - 1) {
            const d = decide(op.cc);
            if (d === null || !d[1]) return null; // the loop must continue
            n = min(n, d[0]);
            break;
          }
          return null;
        }
      }
      off += op.cost;
    }
    off += branchTaken;
  }
  // The induction step: one unit maps iteration j's registers to iteration j + 1's.
  for (let r = 0; r < 16; r++) {
    const a = start[r]!, e = regs[r]!;
    if (e.s !== a.s || e.c !== a.c + a.s) return null;
  }
  if (lastFlags === null) return null;
  // Clock sums stay exact: unit K + 1 ends below 2^53·g.
  let exact = BigInt(Math.max(0, Math.ceil((exactBelow - t0) / Q) - 2));
  while (exact > 0n && t0 + Number(exact + 1n) * Q >= exactBelow) exact--;
  const units = Number(min(min(n, exact), 1n << 52n));
  // The flags' operands as functions of the unit whose last producer wrote them (read at unit j - 1).
  return {
    block: b, t0, n0: c.instructions, Q, I: m * ops.length, m,
    start: start.map((v) => v.c), step: start.map((v) => v.s), units, flags: lastFlags, tscOffset: c.tscOffset,
  };
}

/**
 * The proof `p` again, from a later entry to its block. The proof is an
 * implication: from unit 0's state, unit j starts with registers
 * start + j·step at t0 + j·Q for every j < units — and the block's ops are
 * register-only, so what follows an entry depends only on the registers, the
 * clock and the TSC offset there (no op of the shape reads flags before a
 * CMP/SUB/ADD in the block writes them). So when the core now stands at the
 * start of some unit j exactly as the proof has it — same clock, instruction
 * count, every register, TSC offset — the proof holds from here, shifted by
 * j units. Anything else (an interrupt handler that switched contexts, a TSC
 * write, another visit to the loop) fails the comparison and needs a new proof.
 */
export function rebaseProof(c: LoopCore, b: Block, p: LoopProof): LoopProof | null {
  if (p.block !== b || c.tscOffset !== p.tscOffset) return null;
  const j = (c.instructions - p.n0) / p.I;
  if (!Number.isInteger(j) || j <= 0 || j >= p.units || c.time !== p.t0 + j * p.Q) return null;
  const J = BigInt(j);
  const start: bigint[] = new Array<bigint>(16);
  for (let r = 0; r < 16; r++) {
    const v = p.step[r] === 0n ? p.start[r]! : p.start[r]! + p.step[r]! * J;
    if (c.lo[r] !== Number(BigInt.asIntN(32, v)) || c.hi[r] !== Number(BigInt.asIntN(32, v >> 32n))) return null;
    start[r] = v;
  }
  const f = p.flags;
  return {
    block: b, t0: c.time, n0: c.instructions, Q: p.Q, I: p.I, m: p.m, start, step: p.step, units: p.units - j,
    flags: { kind: f.kind, a: { c: f.a.c + f.a.s * J, s: f.a.s }, b: { c: f.b.c + f.b.s * J, s: f.b.s }, sz: f.sz },
    tscOffset: p.tscOffset,
  };
}

/** Units the core may skip in place before `limit` (the unit after them runs whole before it). */
export function unitsBefore(p: LoopProof, limit: number): number {
  if (limit === Infinity) return p.units;
  let k = Math.max(0, Math.ceil((limit - p.t0) / p.Q) - 2);
  while (k > 0 && p.t0 + (k + 1) * p.Q >= limit) k--;
  return Math.min(k, p.units);
}

/** Put the core at the start of unit k (0 ≤ k ≤ p.units): registers, clock, instructions and flags. */
export function applyUnits(c: LoopCore, p: LoopProof, k: number): void {
  if (k === 0) return;
  const K = BigInt(k);
  for (let r = 0; r < 16; r++) {
    if (p.step[r] === 0n) continue;
    const v = p.start[r]! + p.step[r]! * K;
    c.lo[r] = Number(BigInt.asIntN(32, v));
    c.hi[r] = Number(BigInt.asIntN(32, v >> 32n));
  }
  c.time = p.t0 + k * p.Q;
  c.instructions = p.n0 + k * p.I;
  // What the last flags writer of unit k - 1 recorded, as its handler records it (alu.ts sub64/sub32/add64/add32).
  const f = p.flags, J = K - 1n;
  const a = f.a.c + f.a.s * J, b = f.b.c + f.b.s * J;
  const bits = BigInt(f.sz * 8);
  const r = BigInt.asUintN(Number(bits), f.kind === FlagKind.Add ? a + b : a - b);
  const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
  const hi = (v: bigint) => (f.sz === 8 ? Number(BigInt.asIntN(32, v >> 32n)) : 0);
  c.setArith(f.kind, f.sz, lo(a), hi(a), lo(b), hi(b), lo(r), hi(r));
}
