/**
 * Bit operations (SDM Vol. 2: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT,
 * BSWAP, BMI1's ANDN/BEXTR/BLSI/BLSMSK/BLSR and BMI2's SHLX/SHRX/SARX/RORX,
 * MULX, PDEP/PEXT and BZHI).
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { CF, ZF } from '../flags.js';
import { MASK, TWO32, sel, type SpecEntry } from './spec.js';
import { src } from './operands.js';
import { mulU64, prod } from './muldiv.js';
import { RDX } from '../registers.js';

// --------------------------------------------------------- bit operations

/** BT/BTS/BTR/BTC (SDM): CF ← selected bit; ZF unaffected; OF/SF/AF/PF undefined (left unchanged). */
function bitTest(c: Core, op: Op): void {
  const sz = op.size;
  const bits = sz * 8;
  let off: number;
  let lin = 0;
  const isMem = op.k0 === K.Mem;
  if (op.k1 === K.Imm) off = op.immLo & (bits - 1);
  else {
    off = c.getReg(op.r1, op.h1, sz);
    const offHi = c.tHi;
    if (!isMem) off &= bits - 1;
    else {
      // Register bit offsets address a bit string: signed, and may reach outside the operand.
      const signedOff = sz === 8 ? offHi * TWO32 + (off >>> 0) : sz === 4 ? off | 0 : (off << 16) >> 16;
      const unit = Math.floor(signedOff / bits);
      lin = c.ea(op) + unit * sz;
      off = signedOff - unit * bits;
    }
  }
  if (isMem && op.k1 === K.Imm) lin = c.ea(op);
  let v: number, vHi: number;
  if (isMem) { c.lastEa = lin; v = op.sel === BitOp.Bt ? c.read(lin, sz) : c.readForWrite(lin, sz); vHi = c.tHi; }
  else { v = c.getReg(op.r0, op.h0, sz); vHi = c.tHi; }
  const inHi = off >= 32;
  const word = inHi ? vHi : v;
  const m = 1 << (off & 31);
  const bit = (word & m) !== 0 ? 1 : 0;
  if (op.sel !== BitOp.Bt) {
    const nw = op.sel === BitOp.Bts ? word | m : op.sel === BitOp.Btr ? word & ~m : word ^ m;
    if (inHi) vHi = nw; else v = nw;
    c.writeDst(op, sz, sz < 4 ? v & MASK[sz]! : v, vHi, true);
  }
  c.setArithFlags((c.arithFlags() & ~CF) | bit);
}

function clz32(v: number): number { return Math.clz32(v); }

/** BSF/BSR (SDM): zero source → ZF = 1 and the destination is left unchanged; CF/OF/SF/AF/PF undefined (kept). */
function bitScan(c: Core, op: Op): void {
  const sz = op.size;
  const v = src(c, op, sz), vHi = c.tHi;
  const flags = c.arithFlags() & ~ZF;
  if (sz === 8 ? (v | vHi) === 0 : v === 0) { c.setArithFlags(flags | ZF); return; }
  let idx: number;
  if (op.sel === Scan.Forward) {
    // BSF: lowest set bit.
    idx = v !== 0 ? 31 - clz32(v & -v) : 32 + 31 - clz32(vHi & -vHi);
  } else {
    idx = sz === 8 && vHi !== 0 ? 63 - clz32(vHi) : 31 - clz32(v);
  }
  c.setReg(op.r0, op.h0, sz, idx, 0);
  c.setArithFlags(flags);
}

/**
 * TZCNT/LZCNT (BMI1/ABM, present on Haswell): the count of trailing/leading
 * zeros, the operand width for a zero source; CF = (source = 0), ZF = (result
 * = 0); OF/SF/AF/PF undefined (left unchanged) (SDM TZCNT, LZCNT).
 */
function countZeros(c: Core, op: Op): void {
  const sz = op.size;
  const v = src(c, op, sz), vHi = c.tHi;
  const bits = sz * 8;
  let n: number;
  if (op.sel === Scan.Forward) {
    if (sz === 8) n = v !== 0 ? 31 - clz32(v & -v) : vHi !== 0 ? 63 - clz32(vHi & -vHi) : 64;
    else n = v !== 0 ? 31 - clz32(v & -v) : bits;
  } else {
    if (sz === 8) n = vHi !== 0 ? clz32(vHi) : 32 + clz32(v);
    else n = clz32(v) - (32 - bits);
  }
  c.setReg(op.r0, op.h0, sz, n, 0);
  const zero = sz === 8 ? (v | vHi) === 0 : v === 0;
  c.setArithFlags((c.arithFlags() & ~(CF | ZF)) | (zero ? CF : 0) | (n === 0 ? ZF : 0));
}

/** POPCNT: ZF = (source = 0); OF, SF, AF, CF, PF cleared (SDM POPCNT). */
function popcnt(c: Core, op: Op): void {
  const sz = op.size;
  const v = src(c, op, sz), vHi = sz === 8 ? c.tHi : 0;
  const n = pop32(v) + pop32(vHi);
  c.setReg(op.r0, op.h0, sz, n, 0);
  c.setArithFlags(n === 0 ? ZF : 0);
}

function pop32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function bswap(c: Core, op: Op): void {
  const sw = (x: number) => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
  if (op.size === 8) c.setReg(op.r0, 0, 8, sw(c.hi[op.r0]!), sw(c.lo[op.r0]!));
  else c.setReg(op.r0, 0, 4, sw(c.lo[op.r0]!), 0);
}

// ------------------------------------------------------------ BMI1

const big = (lo: number, hi: number, sz: number) => (sz === 8 ? (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0));

/** ANDN, BEXTR, BLSI, BLSMSK, BLSR (SDM, BMI1; `op.sel`); flags per each page (AF/PF undefined). */
function bmi1(c: Core, op: Op): void {
  const sz = op.size;
  const W = BigInt(sz * 8), mask = (1n << W) - 1n;
  let r: bigint, cf = 0, zfOverride = -1;
  if (op.sel === Bmi1.Andn) { // ANDN dest, src1 (vvvv), src2 (r/m)
    const b = big(c.getReg(op.r1, 0, sz), c.tHi, sz);
    const m = big(c.readOperand(op, op.k2, op.r2, 0, sz), c.tHi, sz);
    r = ~b & m & mask;
  } else if (op.sel === Bmi1.Bextr) { // BEXTR dest, src (r/m), control (vvvv)
    const v = big(c.readOperand(op, op.k1, op.r1, 0, sz), c.tHi, sz);
    const ctl = c.lo[op.r2]!;
    const start = ctl & 0xff, len = (ctl >>> 8) & 0xff;
    r = start >= sz * 8 ? 0n : (v >> BigInt(start)) & ((1n << BigInt(Math.min(len, sz * 8))) - 1n);
  } else { // BLSI / BLSMSK / BLSR dest (vvvv), src (r/m)
    const v = big(c.readOperand(op, op.k1, op.r1, 0, sz), c.tHi, sz);
    const dec = (v - 1n) & mask;
    if (op.sel === Bmi1.Blsi) { r = v & (-v & mask); cf = v !== 0n ? 1 : 0; }
    else if (op.sel === Bmi1.Blsmsk) { r = v ^ dec; cf = v === 0n ? 1 : 0; zfOverride = 0; }
    else { r = v & dec; cf = v === 0n ? 1 : 0; }
  }
  const lo = Number(r & 0xffffffffn) | 0, hi = sz === 8 ? Number(r >> 32n) | 0 : 0;
  c.setReg(op.r0, 0, sz, lo, hi);
  c.setResultFlags(sz, lo, hi, cf, 0);
  if (zfOverride === 0) c.setArithFlags(c.arithFlags() & ~ZF);
}


// ------------------------------------------------------------ BMI2

/** Scratch results of the 64-bit helpers below (low, high halves). */
let rLo = 0, rHi = 0;

/** (hi:lo) << n, >> n logical or arithmetic, for n in 0..63. */
function shl64(lo: number, hi: number, n: number): void {
  if (n === 0) { rLo = lo; rHi = hi; } else if (n < 32) { rHi = (hi << n) | (lo >>> (32 - n)); rLo = lo << n; } else { rHi = lo << (n - 32); rLo = 0; }
}
function shr64(lo: number, hi: number, n: number, arith: boolean): void {
  if (n === 0) { rLo = lo; rHi = hi; } else if (n < 32) { rLo = (lo >>> n) | (hi << (32 - n)); rHi = arith ? hi >> n : hi >>> n; } else { rLo = arith ? hi >> (n - 32) : hi >>> (n - 32); rHi = arith ? hi >> 31 : 0; }
}

/**
 * SHLX/SHRX/SARX dest, src, count (SDM Vol. 2 SARX/SHLX/SHRX): the count
 * register masked to 6 bits (64-bit) or 5 bits (32-bit); flags unaffected.
 * RORX dest, src, imm8 (SDM RORX): rotate right by imm8 masked the same way.
 * `op.sel` a ShiftX.
 */
function bmi2Shift(c: Core, op: Op): void {
  const sz = op.size;
  const v = c.readOperand(op, op.k1, op.r1, 0, sz), vHi = sz === 8 ? c.tHi : 0;
  const n = (op.sel === ShiftX.Rorx ? op.immLo : c.lo[op.r2]!) & (sz === 8 ? 63 : 31);
  if (sz === 4) {
    let r: number;
    switch (op.sel as ShiftX) {
      case ShiftX.Shlx: r = v << n; break;
      case ShiftX.Shrx: r = v >>> n; break;
      case ShiftX.Sarx: r = v >> n; break;
      default: r = n === 0 ? v : (v >>> n) | (v << (32 - n)); break;
    }
    c.setReg(op.r0, 0, 4, r, 0);
    return;
  }
  switch (op.sel as ShiftX) {
    case ShiftX.Shlx: shl64(v, vHi, n); break;
    case ShiftX.Shrx: shr64(v, vHi, n, false); break;
    case ShiftX.Sarx: shr64(v, vHi, n, true); break;
    default: {
      shr64(v, vHi, n, false);
      const lo = rLo, hi = rHi;
      shl64(v, vHi, (64 - n) & 63);
      if (n !== 0) { rLo |= lo; rHi |= hi; } else { rLo = lo; rHi = hi; }
    }
  }
  c.setReg(op.r0, 0, 8, rLo, rHi);
}

/**
 * MULX hi, lo, src (SDM Vol. 2 MULX): unsigned RDX (EDX) × src; the low half
 * goes to the second operand, then the high half to the first (so when both
 * name one register it holds the high half); flags unaffected.
 */
function mulx(c: Core, op: Op): void {
  const sz = op.size;
  const b = c.readOperand(op, op.k2, op.r2, 0, sz), bHi = sz === 8 ? c.tHi : 0;
  if (sz === 4) {
    mulU64(c.lo[RDX]!, 0, b, 0);
    c.setReg(op.r1, 0, 4, prod[0]!, 0);
    c.setReg(op.r0, 0, 4, prod[1]!, 0);
    return;
  }
  mulU64(c.lo[RDX]!, c.hi[RDX]!, b, bHi);
  c.setReg(op.r1, 0, 8, prod[0]!, prod[1]!);
  c.setReg(op.r0, 0, 8, prod[2]!, prod[3]!);
}

/** Bit k of the 64-bit value (lo, hi). */
const bitOf = (lo: number, hi: number, k: number) => (k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1);

/**
 * PDEP dest, src, mask: the low bits of src deposited at the mask's set bit
 * positions; PEXT dest, src, mask: the src bits at the mask's set positions
 * packed into the low bits (SDM Vol. 2 PDEP, PEXT). Flags unaffected.
 * `op.sel` a Deposit.
 */
function pdepPext(c: Core, op: Op): void {
  const sz = op.size;
  const s = c.getReg(op.r1, 0, sz), sHi = sz === 8 ? c.tHi : 0;
  const m = c.readOperand(op, op.k2, op.r2, 0, sz), mHi = sz === 8 ? c.tHi : 0;
  let lo = 0, hi = 0, k = 0;
  for (let half = 0; half < 2; half++) {
    let bits = half === 0 ? m : mHi;
    while (bits !== 0) {
      const low = bits & -bits;
      const pos = 31 - Math.clz32(low) + 32 * half;
      if (op.sel === Deposit.Pdep) {
        if (bitOf(s, sHi, k) !== 0) { if (half === 0) lo |= low; else hi |= low; }
      } else if (bitOf(s, sHi, pos) !== 0) {
        if (k < 32) lo |= 1 << k; else hi |= 1 << (k - 32);
      }
      k++;
      bits ^= low;
    }
  }
  c.setReg(op.r0, 0, sz, lo, hi);
}

/**
 * BZHI dest, src, index (SDM Vol. 2 BZHI): src with the bits from position
 * index[7:0] up cleared (unchanged when the index reaches the operand size);
 * CF = index[7:0] > operand size − 1; ZF, SF from the result; OF = 0; AF, PF
 * undefined.
 */
function bzhi(c: Core, op: Op): void {
  const sz = op.size;
  const bits = sz * 8;
  let lo = c.readOperand(op, op.k1, op.r1, 0, sz), hi = sz === 8 ? c.tHi : 0;
  const n = c.lo[op.r2]! & 0xff;
  if (n < bits) {
    if (n < 32) { lo = n === 0 ? 0 : lo & (-1 >>> (32 - n)); hi = 0; }
    else if (n > 32) hi &= -1 >>> (64 - n);
    else hi = 0;
  }
  c.setReg(op.r0, 0, sz, lo, hi);
  c.setResultFlags(sz, lo, hi, n > bits - 1 ? 1 : 0, 0);
}

/** The sub-operations of this file's shared handlers (`op.sel`). */
const enum BitOp { Bt, Bts, Btr, Btc }
/** BSF/TZCNT count from the low end, BSR/LZCNT from the high end. */
const enum Scan { Forward, Reverse }
const enum Bmi1 { Andn, Bextr, Blsi, Blsmsk, Blsr }
const enum ShiftX { Shlx, Shrx, Sarx, Rorx }
const enum Deposit { Pdep, Pext }

export const bitSpecs: SpecEntry[] = [
  [Mnemonic.Bt, { exec: bitTest, cls: 'bitTest', setup: sel(BitOp.Bt) }],
  [Mnemonic.Bts, { exec: bitTest, cls: 'bitTest', setup: sel(BitOp.Bts) }],
  [Mnemonic.Btr, { exec: bitTest, cls: 'bitTest', setup: sel(BitOp.Btr) }],
  [Mnemonic.Btc, { exec: bitTest, cls: 'bitTest', setup: sel(BitOp.Btc) }],
  [Mnemonic.Bsf, { exec: bitScan, cls: 'bitScan', setup: sel(Scan.Forward) }],
  [Mnemonic.Bsr, { exec: bitScan, cls: 'bitScan', setup: sel(Scan.Reverse) }],
  [Mnemonic.Bswap, { exec: bswap, cls: 'bswap' }],
  [Mnemonic.Tzcnt, { exec: countZeros, cls: 'bitScan', setup: sel(Scan.Forward) }],
  [Mnemonic.Lzcnt, { exec: countZeros, cls: 'bitScan', setup: sel(Scan.Reverse) }],
  [Mnemonic.Popcnt, { exec: popcnt, cls: 'bitScan' }],
  [Mnemonic.Andn, { exec: bmi1, cls: 'alu', setup: sel(Bmi1.Andn) }],
  [Mnemonic.Bextr, { exec: bmi1, cls: 'doubleShift', setup: sel(Bmi1.Bextr) }],
  [Mnemonic.Blsi, { exec: bmi1, cls: 'alu', setup: sel(Bmi1.Blsi) }],
  [Mnemonic.Blsmsk, { exec: bmi1, cls: 'alu', setup: sel(Bmi1.Blsmsk) }],
  [Mnemonic.Blsr, { exec: bmi1, cls: 'alu', setup: sel(Bmi1.Blsr) }],
  [Mnemonic.Shlx, { exec: bmi2Shift, cls: 'bmi2Shift', setup: sel(ShiftX.Shlx) }],
  [Mnemonic.Shrx, { exec: bmi2Shift, cls: 'bmi2Shift', setup: sel(ShiftX.Shrx) }],
  [Mnemonic.Sarx, { exec: bmi2Shift, cls: 'bmi2Shift', setup: sel(ShiftX.Sarx) }],
  [Mnemonic.Rorx, { exec: bmi2Shift, cls: 'bmi2Shift', setup: sel(ShiftX.Rorx) }],
  [Mnemonic.Mulx, { exec: mulx, cls: 'mulx' }],
  [Mnemonic.Pdep, { exec: pdepPext, cls: 'pdepPext', setup: sel(Deposit.Pdep) }],
  [Mnemonic.Pext, { exec: pdepPext, cls: 'pdepPext', setup: sel(Deposit.Pext) }],
  [Mnemonic.Bzhi, { exec: bzhi, cls: 'bzhi' }],
];
