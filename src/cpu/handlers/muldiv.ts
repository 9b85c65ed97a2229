/**
 * Multiply and divide (SDM Vol. 2: MUL, IMUL, DIV, IDIV). 64×64 → 128-bit
 * products use 16-bit limbs so every partial sum is exact in a double;
 * 128/64 division falls back to BigInt.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { MASK, TWO32, sel, type SpecEntry } from './spec.js';
import { RAX, RDX } from '../registers.js';
import { Fault, Vector } from '../fault.js';
import { Form, type FormEntry } from '../form.js';
import type { InstructionClass } from '../../profile/schema.js';

// ---------------------------------------------------------- multiply

/** The last 128-bit product, little-endian 32-bit words (mulU64/mulS64 write it; MULX reads it). */
export const prod = new Int32Array(4);

/** Unsigned 64×64 → 128-bit product into prod[0..3] (little-endian 32-bit words), via 16-bit limbs so every partial sum stays exact in a double. */
export function mulU64(alo: number, ahi: number, blo: number, bhi: number): void {
  const a0 = alo & 0xffff, a1 = alo >>> 16, a2 = ahi & 0xffff, a3 = ahi >>> 16;
  const b0 = blo & 0xffff, b1 = blo >>> 16, b2 = bhi & 0xffff, b3 = bhi >>> 16;
  let col = a0 * b0;
  const l0 = col % 65536; let carry = Math.floor(col / 65536);
  col = carry + a0 * b1 + a1 * b0;
  const l1 = col % 65536; carry = Math.floor(col / 65536);
  col = carry + a0 * b2 + a1 * b1 + a2 * b0;
  const l2 = col % 65536; carry = Math.floor(col / 65536);
  col = carry + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  const l3 = col % 65536; carry = Math.floor(col / 65536);
  col = carry + a1 * b3 + a2 * b2 + a3 * b1;
  const l4 = col % 65536; carry = Math.floor(col / 65536);
  col = carry + a2 * b3 + a3 * b2;
  const l5 = col % 65536; carry = Math.floor(col / 65536);
  col = carry + a3 * b3;
  const l6 = col % 65536; carry = Math.floor(col / 65536);
  const l7 = carry % 65536;
  prod[0] = l0 | (l1 << 16); prod[1] = l2 | (l3 << 16); prod[2] = l4 | (l5 << 16); prod[3] = l6 | (l7 << 16);
}

/** The last product as a BigInt (tests and the debugger). */
export function prodWords(): bigint {
  return (BigInt(prod[3]! >>> 0) << 96n) | (BigInt(prod[2]! >>> 0) << 64n) | (BigInt(prod[1]! >>> 0) << 32n) | BigInt(prod[0]! >>> 0);
}

/** Signed 64×64 → 128: the unsigned product with the high half corrected for negative inputs. */
export function mulS64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulU64(alo, ahi, blo, bhi);
  let h0 = prod[2]! >>> 0, h1 = prod[3]! >>> 0;
  if (ahi < 0) { const s = h0 - (blo >>> 0); h0 = s >>> 0; h1 = (h1 - (bhi >>> 0) - (s < 0 ? 1 : 0)) >>> 0; }
  if (bhi < 0) { const s = h0 - (alo >>> 0); h0 = s >>> 0; h1 = (h1 - (ahi >>> 0) - (s < 0 ? 1 : 0)) >>> 0; }
  prod[2] = h0; prod[3] = h1;
}

/** One-operand MUL/IMUL: AX ← AL×src, DX:AX, EDX:EAX or RDX:RAX (SDM MUL, IMUL). */
function mulWide(c: Core, op: Op): void {
  const sz = op.size;
  const signed = op.sel === Sign.Signed;
  const b = c.readOperand(op, op.k0, op.r0, op.h0, sz), bHi = c.tHi;
  let of = 0, lo = 0, loHi = 0;
  if (sz === 1 || sz === 2) {
    const bits = sz * 8;
    const x = signed ? (c.lo[RAX]! << (32 - bits)) >> (32 - bits) : c.lo[RAX]! & MASK[sz]!;
    const y = signed ? (b << (32 - bits)) >> (32 - bits) : b & MASK[sz]!;
    const p = x * y; // |p| < 2^32: exact
    lo = p & MASK[sz]!;
    const high = Math.floor(p / 2 ** bits) & MASK[sz]!;
    if (sz === 1) c.setReg(RAX, 0, 2, p & 0xffff, 0);
    else { c.setReg(RAX, 0, 2, lo, 0); c.setReg(RDX, 0, 2, high, 0); }
    of = signed ? +(p !== ((lo << (32 - bits)) >> (32 - bits))) : +(high !== 0);
  } else if (sz === 4) {
    const x = c.lo[RAX]!;
    if (signed) mulS64(x, x >> 31, b, b >> 31); else mulU64(x, 0, b, 0);
    lo = prod[0]!;
    const high = prod[1]!;
    c.setReg(RAX, 0, 4, lo, 0); c.setReg(RDX, 0, 4, high, 0);
    of = signed ? +(high !== lo >> 31) : +(high !== 0);
  } else {
    const x = c.lo[RAX]!, xHi = c.hi[RAX]!;
    if (signed) mulS64(x, xHi, b, bHi); else mulU64(x, xHi, b, bHi);
    lo = prod[0]!; loHi = prod[1]!;
    const h0 = prod[2]!, h1 = prod[3]!;
    c.setReg(RAX, 0, 8, lo, loHi); c.setReg(RDX, 0, 8, h0, h1);
    of = signed ? +(h0 !== loHi >> 31 || h1 !== loHi >> 31) : +((h0 | h1) !== 0);
  }
  // CF = OF = "upper half is significant"; SF/ZF/AF/PF undefined (taken from the low half here).
  c.setResultFlags(sz, lo, loHi, of, of);
}

/** Two- and three-operand IMUL: dest ← truncated signed product (SDM IMUL). */
function imul(c: Core, op: Op): void {
  const sz = op.size;
  let a: number, aHi: number, b: number, bHi: number;
  if (op.k2 === K.Imm) {
    a = c.readOperand(op, op.k1, op.r1, op.h1, sz); aHi = c.tHi;
    b = op.immLo; bHi = op.immHi;
  } else {
    b = c.readOperand(op, op.k1, op.r1, op.h1, sz); bHi = c.tHi;
    a = c.getReg(op.r0, op.h0, sz); aHi = c.tHi;
  }
  let r: number, rHi = 0, of: number;
  if (sz === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    r = p & 0xffff;
    of = +(p !== ((r << 16) >> 16));
  } else if (sz === 4) {
    mulS64(a, a >> 31, b, b >> 31);
    r = prod[0]!;
    of = +(prod[1]! !== r >> 31);
  } else {
    mulS64(a, aHi, b, bHi);
    r = prod[0]!; rHi = prod[1]!;
    of = +(prod[2]! !== rHi >> 31 || prod[3]! !== rHi >> 31);
  }
  c.setReg(op.r0, op.h0, sz, r, rHi);
  c.setResultFlags(sz, r, rHi, of, of);
}

// ------------------------------------------------------------ divide

/** DIV/IDIV: #DE on a zero divisor or a quotient that does not fit (SDM DIV, IDIV). Flags undefined: left unchanged. */
function div(c: Core, op: Op): void {
  const sz = op.size;
  const signed = op.sel === Sign.Signed;
  const d = c.readOperand(op, op.k0, op.r0, op.h0, sz), dHi = c.tHi;
  if (sz === 8 ? (d | dHi) === 0 : (d & MASK[sz]!) === 0) throw new Fault(Vector.DE, null, 'divide by zero');
  if (sz === 1 || sz === 2) {
    const bits = sz * 8;
    const n = sz === 1 ? (signed ? (c.lo[RAX]! << 16) >> 16 : c.lo[RAX]! & 0xffff)
      : signed ? ((c.lo[RDX]! << 16) | (c.lo[RAX]! & 0xffff)) : (((c.lo[RDX]! & 0xffff) << 16) | (c.lo[RAX]! & 0xffff)) >>> 0;
    const dv = signed ? (d << (32 - bits)) >> (32 - bits) : d & MASK[sz]!;
    const q = Math.trunc(n / dv), r = n - q * dv;
    if (signed ? q < -(2 ** (bits - 1)) || q > 2 ** (bits - 1) - 1 : q > MASK[sz]!) throw new Fault(Vector.DE, null, 'quotient overflow');
    if (sz === 1) c.setReg(RAX, 0, 2, (q & 0xff) | ((r & 0xff) << 8), 0);
    else { c.setReg(RAX, 0, 2, q, 0); c.setReg(RDX, 0, 2, r, 0); }
    return;
  }
  if (sz === 4) {
    const nlo = c.lo[RAX]!, nhi = c.lo[RDX]!;
    let q: number, r: number;
    if (!signed && nhi === 0) { q = Math.floor((nlo >>> 0) / (d >>> 0)); r = (nlo >>> 0) - q * (d >>> 0); }
    else if (signed && nhi === nlo >> 31) { const n = nlo, dv = d; q = Math.trunc(n / dv); r = n - q * dv; }
    else {
      const n = signed ? BigInt.asIntN(64, (BigInt(nhi >>> 0) << 32n) | BigInt(nlo >>> 0)) : (BigInt(nhi >>> 0) << 32n) | BigInt(nlo >>> 0);
      const dv = signed ? BigInt(d | 0) : BigInt(d >>> 0);
      const bq = n / dv;
      q = Number(bq); r = Number(n - bq * dv);
    }
    if (signed ? q < -2147483648 || q > 2147483647 : q > 4294967295) throw new Fault(Vector.DE, null, 'quotient overflow');
    c.setReg(RAX, 0, 4, q | 0, 0); c.setReg(RDX, 0, 4, r | 0, 0);
    return;
  }
  // 64-bit: RDX:RAX / src. BigInt is the slow path; small unsigned dividends stay in doubles.
  const alo = c.lo[RAX]!, ahi = c.hi[RAX]!, dlo = c.lo[RDX]!, dhi = c.hi[RDX]!;
  if (!signed && (dlo | dhi) === 0 && ahi >>> 0 < 0x200000 && dHi >>> 0 < 0x200000) {
    const n = (ahi >>> 0) * TWO32 + (alo >>> 0), dv = (dHi >>> 0) * TWO32 + (d >>> 0);
    const q = Math.floor(n / dv), r = n - q * dv;
    setPair(c, RAX, q); setPair(c, RDX, r);
    return;
  }
  const u128 = (BigInt(dhi >>> 0) << 96n) | (BigInt(dlo >>> 0) << 64n) | (BigInt(ahi >>> 0) << 32n) | BigInt(alo >>> 0);
  const n = signed ? BigInt.asIntN(128, u128) : u128;
  const du = (BigInt(dHi >>> 0) << 32n) | BigInt(d >>> 0);
  const dv = signed ? BigInt.asIntN(64, du) : du;
  const q = n / dv, r = n - q * dv;
  if (signed ? q < -(1n << 63n) || q >= 1n << 63n : q >= 1n << 64n) throw new Fault(Vector.DE, null, 'quotient overflow');
  const qu = BigInt.asUintN(64, q), ru = BigInt.asUintN(64, r);
  c.setReg(RAX, 0, 8, Number(qu & 0xffffffffn) | 0, Number(qu >> 32n) | 0);
  c.setReg(RDX, 0, 8, Number(ru & 0xffffffffn) | 0, Number(ru >> 32n) | 0);
}

function setPair(c: Core, r: number, v: number): void {
  const h = Math.floor(v / TWO32);
  c.setReg(r, 0, 8, (v - h * TWO32) | 0, h | 0);
}

/** MUL or one-operand IMUL, DIV or IDIV (`op.sel`). */
const enum Sign { Unsigned, Signed }
const divCls = (op: Op): InstructionClass => (op.size === 8 ? 'div64' : 'div32');

export const mulDivForms: FormEntry[] = [
  [Form.Imul, { exec: imul }],
  [Form.MulWide, { exec: mulWide }],
];

export const mulDivSpecs: SpecEntry[] = [
  [Mnemonic.Mul, { form: Form.MulWide, cls: 'mulWide', setup: sel(Sign.Unsigned) }],
  // One-operand IMUL is the signed double-width product; with two or three operands the product is truncated.
  [Mnemonic.Imul, { form: Form.Imul, cls: (op) => (op.form === Form.MulWide ? 'mulWide' : 'imul'), setup: (op, ins) => { if (ins.opCount === 1) { op.form = Form.MulWide; op.sel = Sign.Signed; } } }],
  [Mnemonic.Div, { exec: div, cls: divCls, setup: sel(Sign.Unsigned) }],
  [Mnemonic.Idiv, { exec: div, cls: divCls, setup: sel(Sign.Signed) }],
];
