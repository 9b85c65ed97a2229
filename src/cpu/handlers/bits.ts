/**
 * Bit operations (SDM Vol. 2: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT,
 * BSWAP, and BMI1's ANDN/BEXTR/BLSI/BLSMSK/BLSR).
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { CF, ZF } from '../flags.js';
import { MASK, TWO32, type SpecEntry } from './spec.js';
import { src } from './operands.js';

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
  if (isMem) { c.lastEa = lin; v = op.aux === 0 ? c.read(lin, sz) : c.readForWrite(lin, sz); vHi = c.tHi; }
  else { v = c.getReg(op.r0, op.h0, sz); vHi = c.tHi; }
  const inHi = off >= 32;
  const word = inHi ? vHi : v;
  const m = 1 << (off & 31);
  const bit = (word & m) !== 0 ? 1 : 0;
  if (op.aux !== 0) {
    const nw = op.aux === 1 ? word | m : op.aux === 2 ? word & ~m : word ^ m;
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
  if (op.aux === 0) {
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
  if (op.aux === 0) {
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

/** ANDN, BEXTR, BLSI, BLSMSK, BLSR (SDM, BMI1): op.aux selects; flags per each page (AF/PF undefined). */
function bmi1(c: Core, op: Op): void {
  const sz = op.size;
  const W = BigInt(sz * 8), mask = (1n << W) - 1n;
  let r: bigint, cf = 0, zfOverride = -1;
  if (op.aux === 0) { // ANDN dest, src1 (vvvv), src2 (r/m)
    const b = big(c.getReg(op.r1, 0, sz), c.tHi, sz);
    const m = big(c.readOperand(op, op.k2, op.r2, 0, sz), c.tHi, sz);
    r = ~b & m & mask;
  } else if (op.aux === 1) { // BEXTR dest, src (r/m), control (vvvv)
    const v = big(c.readOperand(op, op.k1, op.r1, 0, sz), c.tHi, sz);
    const ctl = c.lo[op.r2]!;
    const start = ctl & 0xff, len = (ctl >>> 8) & 0xff;
    r = start >= sz * 8 ? 0n : (v >> BigInt(start)) & ((1n << BigInt(Math.min(len, sz * 8))) - 1n);
  } else { // BLSI / BLSMSK / BLSR dest (vvvv), src (r/m)
    const v = big(c.readOperand(op, op.k1, op.r1, 0, sz), c.tHi, sz);
    const dec = (v - 1n) & mask;
    if (op.aux === 2) { r = v & (-v & mask); cf = v !== 0n ? 1 : 0; }
    else if (op.aux === 3) { r = v ^ dec; cf = v === 0n ? 1 : 0; zfOverride = 0; }
    else { r = v & dec; cf = v === 0n ? 1 : 0; }
  }
  const lo = Number(r & 0xffffffffn) | 0, hi = sz === 8 ? Number(r >> 32n) | 0 : 0;
  c.setReg(op.r0, 0, sz, lo, hi);
  c.setResultFlags(sz, lo, hi, cf, 0);
  if (zfOverride === 0) c.setArithFlags(c.arithFlags() & ~ZF);
}

const aux = (v: number) => (op: Op) => { op.aux = v; };

export const bitSpecs: SpecEntry[] = [
  [Mnemonic.Bt, { exec: bitTest, cls: 'bitTest', setup: aux(0) }],
  [Mnemonic.Bts, { exec: bitTest, cls: 'bitTest', setup: aux(1) }],
  [Mnemonic.Btr, { exec: bitTest, cls: 'bitTest', setup: aux(2) }],
  [Mnemonic.Btc, { exec: bitTest, cls: 'bitTest', setup: aux(3) }],
  [Mnemonic.Bsf, { exec: bitScan, cls: 'bitScan', setup: aux(0) }],
  [Mnemonic.Bsr, { exec: bitScan, cls: 'bitScan', setup: aux(1) }],
  [Mnemonic.Bswap, { exec: bswap, cls: 'bswap' }],
  [Mnemonic.Tzcnt, { exec: countZeros, cls: 'bitScan', setup: aux(0) }],
  [Mnemonic.Lzcnt, { exec: countZeros, cls: 'bitScan', setup: aux(1) }],
  [Mnemonic.Popcnt, { exec: popcnt, cls: 'bitScan' }],
  [Mnemonic.Andn, { exec: bmi1, cls: 'alu', setup: aux(0) }],
  [Mnemonic.Bextr, { exec: bmi1, cls: 'doubleShift', setup: aux(1) }],
  [Mnemonic.Blsi, { exec: bmi1, cls: 'alu', setup: aux(2) }],
  [Mnemonic.Blsmsk, { exec: bmi1, cls: 'alu', setup: aux(3) }],
  [Mnemonic.Blsr, { exec: bmi1, cls: 'alu', setup: aux(4) }],
];
