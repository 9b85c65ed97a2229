/**
 * Integer arithmetic and logic (SDM Vol. 2 instruction pages; flags per each
 * page's "Flags Affected"). 64-bit values travel as int32 (lo, hi) pairs;
 * 8/16-bit values as unsigned numbers; 32-bit as int32.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op, type Handler } from '../op.js';
import { FlagKind, CF, ZF, OF } from '../flags.js';
import { MASK, TWO32, sel, cc, type SpecEntry } from './spec.js';
import { RAX, RDX, RBX, RCX } from '../registers.js';
import { src, trunc } from './operands.js';
import { Fault, Vector } from '../fault.js';
import type { InstructionClass } from '../../profile/schema.js';
import { InlineKind, setArithCode, setResultFlagsCode, type InlineForm } from '../inline.js';
import { Form, type FormEntry, type RegisterForms } from '../form.js';

// Operand helpers live in operands.ts (shared with muldiv.ts and bits.ts).

// -------------------------------------------------------- add / sub family

function addCore(c: Core, op: Op, cin: number, write: boolean): void {
  const sz = op.size;
  const b = src(c, op, sz), bHi = c.tHi;
  const a = c.readDst(op, sz), aHi = c.tHi;
  let r: number, rHi = 0;
  if (sz === 8) {
    const s = (a >>> 0) + (b >>> 0) + cin;
    r = s | 0;
    rHi = (aHi + bHi + (s >= TWO32 ? 1 : 0)) | 0;
  } else {
    r = trunc(a + b + cin, sz);
  }
  if (write) c.writeDst(op, sz, r, rHi, true);
  c.setArith(cin ? FlagKind.Adc : FlagKind.Add, sz, a, aHi, b, bHi, r, rHi);
}

function subCore(c: Core, op: Op, bin: number, write: boolean): void {
  const sz = op.size;
  const b = src(c, op, sz), bHi = c.tHi;
  // CMP only reads its first operand: a plain load, no RFO, no write-permission check.
  const a = write ? c.readDst(op, sz) : c.readOperand(op, op.k0, op.r0, op.h0, sz), aHi = c.tHi;
  let r: number, rHi = 0;
  if (sz === 8) {
    const s = (a >>> 0) - (b >>> 0) - bin;
    r = s | 0;
    rHi = (aHi - bHi - (s < 0 ? 1 : 0)) | 0;
  } else {
    r = trunc(a - b - bin, sz);
  }
  if (write) c.writeDst(op, sz, r, rHi, true);
  c.setArith(bin ? FlagKind.Sbb : FlagKind.Sub, sz, a, aHi, b, bHi, r, rHi);
}

// Register/immediate forms of ADD/SUB/CMP at 32 and 64 bits, picked at decode:
// the commonest ALU instructions in gcc output skip the generic operand paths.
function sub64(c: Core, op: Op, b: number, bHi: number, write: boolean): void {
  const r0 = op.r0;
  const a = c.lo[r0]!, aHi = c.hi[r0]!;
  const d = (a >>> 0) - (b >>> 0);
  const r = d | 0, rHi = (aHi - bHi - (d < 0 ? 1 : 0)) | 0;
  if (write) { c.lo[r0] = r; c.hi[r0] = rHi; }
  c.setArith(FlagKind.Sub, 8, a, aHi, b, bHi, r, rHi);
}
function sub32(c: Core, op: Op, b: number, write: boolean): void {
  const r0 = op.r0;
  const a = c.lo[r0]!;
  const r = (a - b) | 0;
  if (write) { c.lo[r0] = r; c.hi[r0] = 0; }
  c.setArith(FlagKind.Sub, 4, a, 0, b, 0, r, 0);
}
function add64(c: Core, op: Op, b: number, bHi: number): void {
  const r0 = op.r0;
  const a = c.lo[r0]!, aHi = c.hi[r0]!;
  const t = (a >>> 0) + (b >>> 0);
  const r = t | 0, rHi = (aHi + bHi + (t >= TWO32 ? 1 : 0)) | 0;
  c.lo[r0] = r; c.hi[r0] = rHi;
  c.setArith(FlagKind.Add, 8, a, aHi, b, bHi, r, rHi);
}
function add32(c: Core, op: Op, b: number): void {
  const r0 = op.r0;
  const a = c.lo[r0]!;
  const r = (a + b) | 0;
  c.lo[r0] = r; c.hi[r0] = 0;
  c.setArith(FlagKind.Add, 4, a, 0, b, 0, r, 0);
}
const cmpRI8 = (c: Core, op: Op) => sub64(c, op, op.immLo, op.immHi, false);
const cmpRR8 = (c: Core, op: Op) => sub64(c, op, c.lo[op.r1]!, c.hi[op.r1]!, false);
const cmpRI4 = (c: Core, op: Op) => sub32(c, op, op.immLo, false);
const cmpRR4 = (c: Core, op: Op) => sub32(c, op, c.lo[op.r1]!, false);
const subRI8 = (c: Core, op: Op) => sub64(c, op, op.immLo, op.immHi, true);
const subRR8 = (c: Core, op: Op) => sub64(c, op, c.lo[op.r1]!, c.hi[op.r1]!, true);
const subRI4 = (c: Core, op: Op) => sub32(c, op, op.immLo, true);
const subRR4 = (c: Core, op: Op) => sub32(c, op, c.lo[op.r1]!, true);
const addRI8 = (c: Core, op: Op) => add64(c, op, op.immLo, op.immHi);
const addRR8 = (c: Core, op: Op) => add64(c, op, c.lo[op.r1]!, c.hi[op.r1]!);
const addRI4 = (c: Core, op: Op) => add32(c, op, op.immLo);
const addRR4 = (c: Core, op: Op) => add32(c, op, c.lo[op.r1]!);

/** Pick the register-destination form for the operands; the generic form stays otherwise. */
const pickForms = (forms: RegisterForms) => (op: Op) => {
  if (op.k0 !== K.Reg || op.r0 < 0 || op.lock) return;
  const imm = op.k1 === K.Imm, reg = op.k1 === K.Reg && op.r1 >= 0;
  if (op.size === 8) { if (imm) op.form = forms.ri8; else if (reg) op.form = forms.rr8; }
  else if (op.size === 4) { if (imm) op.form = forms.ri4; else if (reg) op.form = forms.rr4; }
};

const add = (c: Core, op: Op) => addCore(c, op, 0, true);
const adc = (c: Core, op: Op) => addCore(c, op, c.getCF(), true);
const sub = (c: Core, op: Op) => subCore(c, op, 0, true);
const sbb = (c: Core, op: Op) => subCore(c, op, c.getCF(), true);
const cmp = (c: Core, op: Op) => subCore(c, op, 0, false);

// -------------------------------------------------------------- logic ops

const enum Logic { And, Or, Xor, Test }

function logic(c: Core, op: Op, kind: Logic): void {
  const sz = op.size;
  const b = src(c, op, sz), bHi = c.tHi;
  // TEST only reads its first operand (see subCore).
  const a = kind === Logic.Test ? c.readOperand(op, op.k0, op.r0, op.h0, sz) : c.readDst(op, sz), aHi = c.tHi;
  let r: number, rHi: number;
  switch (kind) {
    case Logic.Or: r = a | b; rHi = aHi | bHi; break;
    case Logic.Xor: r = a ^ b; rHi = aHi ^ bHi; break;
    default: r = a & b; rHi = aHi & bHi; break;
  }
  if (sz < 4) rHi = 0;
  if (kind !== Logic.Test) c.writeDst(op, sz, r, rHi, true);
  // OF and CF cleared; AF undefined (0 here) (SDM AND/OR/XOR/TEST).
  c.setResultFlags(sz, r, rHi, 0, 0);
}

/** Register/immediate forms of AND/OR/XOR/TEST at 32/64 bits (see pickForms). */
function logicReg(c: Core, op: Op, kind: Logic, b: number, bHi: number): void {
  const r0 = op.r0;
  const a = c.lo[r0]!, aHi = op.size === 8 ? c.hi[r0]! : 0;
  let r: number, rHi: number;
  switch (kind) {
    case Logic.Or: r = a | b; rHi = aHi | bHi; break;
    case Logic.Xor: r = a ^ b; rHi = aHi ^ bHi; break;
    default: r = a & b; rHi = aHi & bHi; break;
  }
  if (op.size === 4) rHi = 0;
  if (kind !== Logic.Test) { c.lo[r0] = r; c.hi[r0] = rHi; }
  c.setResultFlags(op.size, r, rHi, 0, 0);
}
type RegisterHandlers = Readonly<Record<Src, Handler>>;
const logicHandlers = (kind: Logic): RegisterHandlers => ({
  ri8: (c: Core, op: Op) => logicReg(c, op, kind, op.immLo, op.immHi),
  rr8: (c: Core, op: Op) => logicReg(c, op, kind, c.lo[op.r1]!, c.hi[op.r1]!),
  ri4: (c: Core, op: Op) => logicReg(c, op, kind, op.immLo, 0),
  rr4: (c: Core, op: Op) => logicReg(c, op, kind, c.lo[op.r1]!, 0),
});
// The register-destination forms (the decoder's pick, pickForms, and the form table below read the same records).
const addForms: RegisterForms = { ri8: Form.AddRI8, rr8: Form.AddRR8, ri4: Form.AddRI4, rr4: Form.AddRR4 };
const subForms: RegisterForms = { ri8: Form.SubRI8, rr8: Form.SubRR8, ri4: Form.SubRI4, rr4: Form.SubRR4 };
const cmpForms: RegisterForms = { ri8: Form.CmpRI8, rr8: Form.CmpRR8, ri4: Form.CmpRI4, rr4: Form.CmpRR4 };
const andForms: RegisterForms = { ri8: Form.AndRI8, rr8: Form.AndRR8, ri4: Form.AndRI4, rr4: Form.AndRR4 };
const orForms: RegisterForms = { ri8: Form.OrRI8, rr8: Form.OrRR8, ri4: Form.OrRI4, rr4: Form.OrRR4 };
const xorForms: RegisterForms = { ri8: Form.XorRI8, rr8: Form.XorRR8, ri4: Form.XorRI4, rr4: Form.XorRR4 };
const testForms: RegisterForms = { ri8: Form.TestRI8, rr8: Form.TestRR8, ri4: Form.TestRI4, rr4: Form.TestRR4 };

// ------------------------------------------------------------ unary ops

function incDec(c: Core, op: Op, dec: boolean): void {
  const sz = op.size;
  const cf = c.getCF(); // INC/DEC preserve CF
  const a = c.readDst(op, sz), aHi = c.tHi;
  let r: number, rHi = 0;
  if (sz === 8) {
    if (dec) { r = (a - 1) | 0; rHi = (aHi - (a === 0 ? 1 : 0)) | 0; }
    else { r = (a + 1) | 0; rHi = (aHi + (r === 0 ? 1 : 0)) | 0; }
  } else {
    r = trunc(dec ? a - 1 : a + 1, sz);
  }
  c.writeDst(op, sz, r, rHi, true);
  c.setArith(dec ? FlagKind.Dec : FlagKind.Inc, sz, a, aHi, 1, 0, r, rHi);
  c.fCf = cf;
}

function neg(c: Core, op: Op): void {
  const sz = op.size;
  const a = c.readDst(op, sz), aHi = c.tHi;
  let r: number, rHi = 0;
  if (sz === 8) { r = (-a) | 0; rHi = (~aHi + (a === 0 ? 1 : 0)) | 0; }
  else r = trunc(-a, sz);
  c.writeDst(op, sz, r, rHi, true);
  // NEG is 0 - a: CF = (a != 0), OF/AF/SF/ZF/PF as for SUB (SDM NEG).
  c.setArith(FlagKind.Sub, sz, 0, 0, a, aHi, r, rHi);
}

function not(c: Core, op: Op): void {
  const sz = op.size;
  const a = c.readDst(op, sz), aHi = c.tHi;
  c.writeDst(op, sz, trunc(~a, sz), sz === 8 ? ~aHi : 0, true);
}

// ---------------------------------------------------------------- shifts

const enum Sh { Shl = 0, Shr = 1, Sar = 2, Rol = 3, Ror = 4, Rcl = 5, Rcr = 6 }

function shiftCount(c: Core, op: Op): number {
  const n = op.k1 === K.Imm ? op.immLo : c.lo[1]!; // CL
  return n & (op.size === 8 ? 0x3f : 0x1f);
}

/** Sign of bit (bits-1) of v (lo/hi for 64-bit). */
function msb(v: number, vHi: number, sz: number): number {
  return sz === 8 ? vHi >>> 31 : (v >>> (sz * 8 - 1)) & 1;
}

/**
 * A count-0 shift or rotate changes no flags, but a 32-bit register
 * destination is still written, so bits 63:32 are cleared as for every 32-bit
 * write in 64-bit mode (observed on the host; SDM Vol. 1 §3.4.1.1).
 */
function zeroExtendOnly(c: Core, op: Op): void {
  if (op.size === 4 && op.k0 === K.Reg) c.hi[op.r0] = 0;
}

function shift(c: Core, op: Op): void {
  const sz = op.size;
  const n = shiftCount(c, op);
  const kind = op.sel as Sh;
  if (kind >= Sh.Rol) { rotate(c, op, kind, n); return; }
  const a = c.readDst(op, sz), aHi = c.tHi;
  if (n === 0) { zeroExtendOnly(c, op); return; } // count 0: flags unaffected (SDM SAL/SAR/SHL/SHR)
  const bits = sz * 8;
  let r = 0, rHi = 0, cf = 0, of = 0;
  if (sz === 8) {
    if (kind === Sh.Shl) {
      if (n < 32) { rHi = (aHi << n) | (a >>> (32 - n)); r = a << n; cf = (aHi >>> (32 - n)) & 1; }
      else if (n === 32) { rHi = a; r = 0; cf = aHi & 1; }
      else { rHi = a << (n - 32); r = 0; cf = (a >>> (64 - n)) & 1; }
    } else {
      const fill = kind === Sh.Sar ? aHi >> 31 : 0;
      if (n < 32) { r = (a >>> n) | (aHi << (32 - n)); rHi = kind === Sh.Sar ? aHi >> n : aHi >>> n; cf = (a >>> (n - 1)) & 1; }
      else if (n === 32) { r = aHi; rHi = fill; cf = a >>> 31; }
      else { r = kind === Sh.Sar ? aHi >> (n - 32) : aHi >>> (n - 32); rHi = fill; cf = (aHi >>> (n - 33)) & 1; }
      rHi |= 0;
    }
  } else if (sz === 4) {
    if (kind === Sh.Shl) { r = a << n; cf = (a >>> (32 - n)) & 1; }
    else if (kind === Sh.Shr) { r = a >>> n | 0; cf = (a >>> (n - 1)) & 1; }
    else { r = a >> n; cf = (a >> (n - 1)) & 1; }
  } else {
    // 8/16-bit: counts up to 31 exceed the width; wide arithmetic follows the SDM's bit-by-bit loop.
    if (kind === Sh.Shl) { const w = a * 2 ** n; cf = Math.floor(w / 2 ** bits) & 1; r = w % 2 ** bits; }
    else if (kind === Sh.Shr) { r = a >>> n; cf = (a >>> (n - 1)) & 1; }
    else { const s = (a << (32 - bits)) >> (32 - bits); r = (s >> n) & MASK[sz]!; cf = (s >> Math.min(n - 1, 31)) & 1; }
  }
  // OF: SHL → MSB(result) XOR CF; SHR → MSB(original); SAR → 0 (defined for count 1; the same rule otherwise).
  if (kind === Sh.Shl) of = msb(r, rHi, sz) ^ cf;
  else if (kind === Sh.Shr) of = msb(a, aHi, sz);
  c.writeDst(op, sz, r, rHi, true);
  c.setResultFlags(sz, r, rHi, cf, of);
}

/** ROL/ROR/RCL/RCR: only CF and OF change (SDM RCL/RCR/ROL/ROR). */
function rotate(c: Core, op: Op, kind: Sh, n: number): void {
  const sz = op.size;
  const bits = sz * 8;
  const a = c.readDst(op, sz), aHi = c.tHi;
  if (n === 0) { zeroExtendOnly(c, op); return; }
  let v = sz === 8 ? (BigInt(aHi >>> 0) << 32n) | BigInt(a >>> 0) : BigInt(a >>> 0) & ((1n << BigInt(bits)) - 1n);
  const width = BigInt(bits);
  const mask = (1n << width) - 1n;
  let flags = c.arithFlags();
  let cf = flags & CF;
  let of = 0;
  if (kind === Sh.Rol || kind === Sh.Ror) {
    const t = BigInt(n % bits);
    if (t !== 0n) v = kind === Sh.Rol ? ((v << t) | (v >> (width - t))) & mask : ((v >> t) | (v << (width - t))) & mask;
    if (kind === Sh.Rol) { cf = Number(v & 1n); of = Number(v >> (width - 1n)) ^ cf; }
    else { cf = Number(v >> (width - 1n)); of = cf ^ Number((v >> (width - 2n)) & 1n); }
  } else {
    // Rotate through carry: a (bits+1)-bit rotation of CF:value.
    const t = sz === 8 || sz === 4 ? n : n % (bits + 1);
    if (kind === Sh.Rcr) of = Number(v >> (width - 1n)) ^ cf; // OF computed before the rotation for RCR
    let wide = (BigInt(cf) << width) | v;
    const W = width + 1n, wmask = (1n << W) - 1n;
    const tt = BigInt(t);
    if (tt !== 0n) wide = kind === Sh.Rcl ? ((wide << tt) | (wide >> (W - tt))) & wmask : ((wide >> tt) | (wide << (W - tt))) & wmask;
    v = wide & mask;
    cf = Number(wide >> width);
    if (kind === Sh.Rcl) of = Number(v >> (width - 1n)) ^ cf;
  }
  const r = Number(v & 0xffffffffn) | 0;
  const rHi = sz === 8 ? Number(v >> 32n) | 0 : 0;
  c.writeDst(op, sz, sz < 4 ? r & MASK[sz]! : r, rHi, true);
  flags = (flags & ~(CF | OF)) | cf | (of << 11);
  c.setArithFlags(flags);
}

/** SHLD or SHRD (`op.sel`). */
const enum DoubleShift { Left, Right }

/** SHLD/SHRD (SDM): shift dest, filling from src; count masked to 5 (6 for 64-bit) bits. */
function doubleShift(c: Core, op: Op): void {
  const sz = op.size;
  const bits = sz * 8;
  const n = (op.k2 === K.Imm ? op.immLo : c.lo[1]!) & (sz === 8 ? 0x3f : 0x1f);
  const s = c.getReg(op.r1, op.h1, sz), sHi = c.tHi;
  const a = c.readDst(op, sz), aHi = c.tHi;
  if (n === 0) { zeroExtendOnly(c, op); return; }
  const W = BigInt(bits), mask = (1n << W) - 1n;
  const d = sz === 8 ? (BigInt(aHi >>> 0) << 32n) | BigInt(a >>> 0) : BigInt(a >>> 0) & mask;
  const f = sz === 8 ? (BigInt(sHi >>> 0) << 32n) | BigInt(s >>> 0) : BigInt(s >>> 0) & mask;
  const N = BigInt(n);
  let v: bigint, cf: number;
  if (op.sel === DoubleShift.Left) {
    // SHLD: the concatenation dest:src shifted left; counts above 16 on 16-bit operands are undefined in the SDM.
    const cat = (d << W) | f;
    v = (cat << N >> W) & mask;
    cf = Number((d >> (W - N)) & 1n);
  } else {
    const cat = (f << W) | d;
    v = (cat >> N) & mask;
    cf = Number((d >> (N - 1n)) & 1n);
  }
  const r = Number(v & 0xffffffffn) | 0;
  const rHi = sz === 8 ? Number(v >> 32n) | 0 : 0;
  const of = msb(r, rHi, sz) ^ msb(a, aHi, sz); // sign change (defined for count 1)
  c.writeDst(op, sz, sz < 4 ? r & MASK[sz]! : r, rHi, true);
  c.setResultFlags(sz, sz < 4 ? r & MASK[sz]! : r, rHi, cf, of);
}

// --------------------------------------------------------- conversions

/** CBW/CWDE/CDQE: sign-extend the low half of the accumulator into the whole. */
function cbw(c: Core, op: Op): void {
  const v = c.lo[RAX]!;
  if (op.size === 2) c.setReg(RAX, 0, 2, ((v << 24) >> 24) & 0xffff, 0);
  else if (op.size === 4) c.setReg(RAX, 0, 4, (v << 16) >> 16, 0);
  else c.setReg(RAX, 0, 8, v, v >> 31);
}

/** CWD/CDQ/CQO: fill (R/E)DX with the accumulator's sign. */
function cwd(c: Core, op: Op): void {
  if (op.size === 2) c.setReg(RDX, 0, 2, (c.lo[RAX]! << 16) >> 31, 0);
  else if (op.size === 4) c.setReg(RDX, 0, 4, c.lo[RAX]! >> 31, 0);
  else { const s = c.hi[RAX]! >> 31; c.setReg(RDX, 0, 8, s, s); }
}

// ------------------------------------------------------ condition codes

function setcc(c: Core, op: Op): void {
  c.writeDst(op, 1, c.cond(op.cc) ? 1 : 0, 0, false);
}

/** CMOVcc: the source is read (and may fault) even when the condition is false, and a 32-bit destination is zero-extended either way. */
function cmov(c: Core, op: Op): void {
  const sz = op.size;
  const v = c.readOperand(op, op.k1, op.r1, op.h1, sz), vHi = c.tHi;
  if (c.cond(op.cc)) c.setReg(op.r0, op.h0, sz, v, vHi);
  else if (sz === 4) c.hi[op.r0] = 0;
}

// ------------------------------------------------------ exchange family

function xadd(c: Core, op: Op): void {
  const sz = op.size;
  const b = c.getReg(op.r1, op.h1, sz), bHi = sz === 8 ? c.tHi : 0;
  const a = c.readDst(op, sz), aHi = c.tHi;
  let r: number, rHi = 0;
  if (sz === 8) { const s = (a >>> 0) + (b >>> 0); r = s | 0; rHi = (aHi + bHi + (s >= TWO32 ? 1 : 0)) | 0; }
  else r = trunc(a + (sz < 4 ? b & MASK[sz]! : b), sz);
  c.setReg(op.r1, op.h1, sz, a, aHi);
  c.writeDst(op, sz, r, rHi, true);
  c.setArith(FlagKind.Add, sz, a, aHi, sz < 4 ? b & MASK[sz]! : b, bHi, r, rHi);
}

/** CMPXCHG (SDM): compare accumulator with dest; equal → dest ← src, else accumulator ← dest. Memory is always written. */
function cmpxchg(c: Core, op: Op): void {
  const sz = op.size;
  const d = c.readDst(op, sz), dHi = c.tHi;
  const acc = c.getReg(RAX, 0, sz), accHi = c.tHi;
  let r: number, rHi = 0;
  if (sz === 8) { const s = (acc >>> 0) - (d >>> 0); r = s | 0; rHi = (accHi - dHi - (s < 0 ? 1 : 0)) | 0; }
  else r = trunc(acc - d, sz);
  const equal = sz === 8 ? (r | rHi) === 0 : r === 0;
  if (equal) {
    const s = c.getReg(op.r1, op.h1, sz), sHi = c.tHi;
    c.writeDst(op, sz, s, sHi, true);
  } else {
    if (op.k0 === K.Mem) c.writeDst(op, sz, d, dHi, true);
    c.setReg(RAX, 0, sz, d, dHi);
  }
  c.setArith(FlagKind.Sub, sz, acc, accHi, d, dHi, r, rHi);
}

function xchg(c: Core, op: Op): void {
  const sz = op.size;
  const b = c.getReg(op.r1, op.h1, sz), bHi = c.tHi;
  const a = c.readDst(op, sz), aHi = c.tHi;
  c.writeDst(op, sz, b, bHi, true);
  c.setReg(op.r1, op.h1, sz, a, aHi);
}

/**
 * CMPXCHG8B / CMPXCHG16B (SDM): compare EDX:EAX (RDX:RAX) with the memory
 * operand; equal → ZF = 1 and memory ← ECX:EBX (RCX:RBX); else ZF = 0 and
 * the accumulator pair ← memory. Only ZF changes. CMPXCHG16B needs a 16-byte
 * aligned operand (#GP(0) otherwise).
 */
function cmpxchgWide(c: Core, op: Op): void {
  const wide = op.msz === 16; // the memory operand: m64 or m128
  const a = c.ea(op);
  if (wide && a % 16 !== 0) throw new Fault(Vector.GP, 0, 'CMPXCHG16B operand not 16-byte aligned');
  const half = wide ? 8 : 4;
  const mlo = c.readForWrite(a, half), mloHi = c.tHi;
  const mhi = c.readForWrite(a + half, half), mhiHi = c.tHi;
  const equal = wide
    ? mlo === c.lo[RAX] && mloHi === c.hi[RAX] && mhi === c.lo[RDX] && mhiHi === c.hi[RDX]
    : mlo === c.lo[RAX] && mhi === c.lo[RDX];
  if (equal) {
    c.write(a, half, c.lo[RBX]!, c.hi[RBX]!);
    c.write(a + half, half, c.lo[RCX]!, c.hi[RCX]!);
  } else {
    c.write(a, half, mlo, mloHi);
    c.write(a + half, half, mhi, mhiHi);
    c.setReg(RAX, 0, half, mlo, mloHi);
    c.setReg(RDX, 0, half, mhi, mhiHi);
  }
  c.setArithFlags((c.arithFlags() & ~ZF) | (equal ? ZF : 0));
}

// ------------------------------------------------------------- table

const shiftCls = (op: Op): InstructionClass => (op.k1 === K.Reg ? 'shiftCl' : 'shift');
/** The accumulator conversions name their size in the mnemonic (no explicit operands). */
const accSize = (op: Op, ins: { mnemonic: number }) => {
  const m = ins.mnemonic;
  op.size = m === Mnemonic.Cbw || m === Mnemonic.Cwd ? 2 : m === Mnemonic.Cwde || m === Mnemonic.Cdq ? 4 : 8;
};

/** The condition-code order of Jcc/SETcc/CMOVcc encodings (SDM Vol. 1 Appendix B). */
export const CC_MNEMONICS = {
  set: [Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg],
  cmov: [Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg],
  j: [Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg],
};

// ------------------------------------------------ inline forms (inline.ts)

/**
 * The register forms of ADD/SUB/CMP and AND/OR/XOR/TEST (and below, shifts
 * by an immediate, CMOVcc, SETcc) as compiled blocks write them: sub64,
 * sub32, add64, add32 and logicReg above with the op's registers and
 * immediate as constants. The operands and result go to the fused-
 * condition locals (fa, faHi, fb, fbHi, fr, frHi) and from there to the lazy
 * flags, so a Jcc right after reads them without the lazy-flag switch.
 */
type Src = 'ri8' | 'rr8' | 'ri4' | 'rr4';
function srcCode(op: Op, s: Src): string {
  switch (s) {
    case 'ri8': return `fb = ${op.immLo}; fbHi = ${op.immHi};`;
    case 'rr8': return `fb = lo[${op.r1}]; fbHi = hi[${op.r1}];`;
    case 'ri4': return `fb = ${op.immLo}; fbHi = 0;`;
    default: return `fb = lo[${op.r1}]; fbHi = 0;`;
  }
}

function arithInline(s: Src, kind: FlagKind.Add | FlagKind.Sub, write: boolean): InlineForm {
  const wide = s === 'ri8' || s === 'rr8';
  return {
    kind: InlineKind.Pure,
    flags: () => ({ kind, size: wide ? 8 : 4 }),
    emit: (op) => {
      const r0 = op.r0;
      const out: string[] = [srcCode(op, s)];
      if (wide) {
        out.push(`fa = lo[${r0}]; faHi = hi[${r0}];`);
        if (kind === FlagKind.Sub) out.push(`{ const d = (fa >>> 0) - (fb >>> 0); fr = d | 0; frHi = (faHi - fbHi - (d < 0 ? 1 : 0)) | 0; }`);
        else out.push(`{ const t = (fa >>> 0) + (fb >>> 0); fr = t | 0; frHi = (faHi + fbHi + (t >= ${TWO32} ? 1 : 0)) | 0; }`);
        if (write) out.push(`lo[${r0}] = fr; hi[${r0}] = frHi;`);
        out.push(setArithCode(kind, 8, 'fa', 'faHi', 'fb', 'fbHi', 'fr', 'frHi'));
      } else {
        out.push(`fa = lo[${r0}]; faHi = 0; fr = (fa ${kind === FlagKind.Sub ? '-' : '+'} fb) | 0; frHi = 0;`);
        if (write) out.push(`lo[${r0}] = fr; hi[${r0}] = 0;`);
        out.push(setArithCode(kind, 4, 'fa', '0', 'fb', '0', 'fr', '0'));
      }
      return out.join(' ');
    },
  };
}

function logicInline(s: Src, kind: Logic): InlineForm {
  const wide = s === 'ri8' || s === 'rr8';
  const opr = kind === Logic.Or ? '|' : kind === Logic.Xor ? '^' : '&';
  return {
    kind: InlineKind.Pure,
    flags: () => ({ kind: FlagKind.Result, size: wide ? 8 : 4 }),
    emit: (op) => {
      const r0 = op.r0;
      const out: string[] = [srcCode(op, s)];
      out.push(`fa = lo[${r0}]; faHi = ${wide ? `hi[${r0}]` : '0'}; fr = fa ${opr} fb; frHi = ${wide ? `faHi ${opr} fbHi` : '0'};`);
      if (kind !== Logic.Test) out.push(`lo[${r0}] = fr; hi[${r0}] = frHi;`);
      out.push(setResultFlagsCode(FlagKind.Result, wide ? 8 : 4, 'fr', 'frHi', '0', '0'));
      return out.join(' ');
    },
  };
}

/**
 * SHL/SHR/SAR of a 32/64-bit register by an immediate count other than 0
 * (a count of 0 leaves the flags alone: the handler): `shift` above with the
 * count a constant, so only the arithmetic for that count is written.
 */
const shiftInline: InlineForm = {
  kind: InlineKind.Pure,
  accepts: (op) => op.sel <= Sh.Sar && op.k0 === K.Reg && op.h0 === 0 && op.r0 >= 0 && op.k1 === K.Imm && (op.size === 8 || op.size === 4)
    && (op.immLo & (op.size === 8 ? 0x3f : 0x1f)) !== 0,
  flags: () => null, // CF and OF from the shift: nothing a fused condition reads
  emit: (op) => {
    const sz = op.size, kind = op.sel as Sh, r0 = op.r0;
    const n = op.immLo & (sz === 8 ? 0x3f : 0x1f);
    const out: string[] = [`const a = lo[${r0}], aHi = ${sz === 8 ? `hi[${r0}]` : '0'};`, 'let r = 0, rHi = 0, cf = 0;'];
    if (sz === 8) {
      if (kind === Sh.Shl) {
        if (n < 32) out.push(`rHi = (aHi << ${n}) | (a >>> ${32 - n}); r = a << ${n}; cf = (aHi >>> ${32 - n}) & 1;`);
        else if (n === 32) out.push('rHi = a; r = 0; cf = aHi & 1;');
        else out.push(`rHi = a << ${n - 32}; r = 0; cf = (a >>> ${64 - n}) & 1;`);
      } else {
        const sar = kind === Sh.Sar;
        const fill = sar ? 'aHi >> 31' : '0';
        if (n < 32) out.push(`r = (a >>> ${n}) | (aHi << ${32 - n}); rHi = aHi ${sar ? '>>' : '>>>'} ${n}; cf = (a >>> ${n - 1}) & 1;`);
        else if (n === 32) out.push(`r = aHi; rHi = ${fill}; cf = a >>> 31;`);
        else out.push(`r = aHi ${sar ? '>>' : '>>>'} ${n - 32}; rHi = ${fill}; cf = (aHi >>> ${n - 33}) & 1;`);
        out.push('rHi |= 0;');
      }
    } else if (kind === Sh.Shl) out.push(`r = a << ${n}; cf = (a >>> ${32 - n}) & 1;`);
    else if (kind === Sh.Shr) out.push(`r = a >>> ${n} | 0; cf = (a >>> ${n - 1}) & 1;`);
    else out.push(`r = a >> ${n}; cf = (a >> ${n - 1}) & 1;`);
    // OF: SHL → MSB(result) XOR CF; SHR → MSB(original); SAR → 0 (as the handler).
    const msb = (v: string, vHi: string) => (sz === 8 ? `(${vHi} >>> 31)` : `((${v} >>> 31) & 1)`);
    const of = kind === Sh.Shl ? `${msb('r', 'rHi')} ^ cf` : kind === Sh.Shr ? msb('a', 'aHi') : '0';
    out.push(`lo[${r0}] = r; hi[${r0}] = ${sz === 8 ? 'rHi' : '0'};`);
    out.push(setResultFlagsCode(FlagKind.Result, sz, 'r', 'rHi', 'cf', of));
    return `{ ${out.join(' ')} }`;
  },
};

/** CMOVcc between 32/64-bit registers: `cmov` above (a 32-bit destination is zero-extended either way). */
const cmovCode = (op: Op, cond: string) => {
  const set = op.size === 8 ? `lo[${op.r0}] = lo[${op.r1}]; hi[${op.r0}] = hi[${op.r1}];` : `lo[${op.r0}] = lo[${op.r1}]; hi[${op.r0}] = 0;`;
  return `if (${cond}) { ${set} }${op.size === 4 ? ` else hi[${op.r0}] = 0;` : ''}`;
};
const cmovInline: InlineForm = {
  kind: InlineKind.Pure,
  accepts: (op) => (op.size === 8 || op.size === 4) && op.k0 === K.Reg && op.k1 === K.Reg && op.h0 === 0 && op.h1 === 0 && op.r0 >= 0 && op.r1 >= 0,
  emit: (op) => cmovCode(op, `c.cond(${op.cc})`),
  emitCond: cmovCode,
};

/** SETcc of a byte register (AL..R15B, or AH..BH: `h0` 8): `setcc` above through setReg's byte merge. */
const setccCode = (op: Op, cond: string) =>
  `lo[${op.r0}] = (lo[${op.r0}] & ${~(0xff << op.h0)}) | ((${cond}) ? ${1 << op.h0} : 0);`;
const setccInline: InlineForm = {
  kind: InlineKind.Pure,
  accepts: (op) => op.k0 === K.Reg && op.r0 >= 0,
  emit: (op) => setccCode(op, `c.cond(${op.cc})`),
  emitCond: setccCode,
};

const SRCS: Src[] = ['ri8', 'rr8', 'ri4', 'rr4'];
/** A two-operand op's generic form and its four register-destination forms, with their handlers and inline code. */
function twoOperandForms(generic: Form, exec: Handler, forms: RegisterForms, handlers: RegisterHandlers, inline: (s: Src) => InlineForm): FormEntry[] {
  return [[generic, { exec }], ...SRCS.map((s): FormEntry => [forms[s], { exec: handlers[s], inline: inline(s) }])];
}

export const aluForms: FormEntry[] = [
  ...twoOperandForms(Form.Add, add, addForms, { ri8: addRI8, rr8: addRR8, ri4: addRI4, rr4: addRR4 }, (s) => arithInline(s, FlagKind.Add, true)),
  ...twoOperandForms(Form.Sub, sub, subForms, { ri8: subRI8, rr8: subRR8, ri4: subRI4, rr4: subRR4 }, (s) => arithInline(s, FlagKind.Sub, true)),
  ...twoOperandForms(Form.Cmp, cmp, cmpForms, { ri8: cmpRI8, rr8: cmpRR8, ri4: cmpRI4, rr4: cmpRR4 }, (s) => arithInline(s, FlagKind.Sub, false)),
  ...([[Form.And, andForms, Logic.And], [Form.Or, orForms, Logic.Or], [Form.Xor, xorForms, Logic.Xor], [Form.Test, testForms, Logic.Test]] as const)
    .flatMap(([generic, forms, kind]) =>
      twoOperandForms(generic, (c, op) => logic(c, op, kind), forms, logicHandlers(kind), (s) => logicInline(s, kind))),
  [Form.Shift, { exec: shift, inline: shiftInline }],
  [Form.Cmov, { exec: cmov, inline: cmovInline }],
  [Form.Setcc, { exec: setcc, inline: setccInline }],
];

export const aluSpecs: SpecEntry[] = [
  [Mnemonic.Add, { form: Form.Add, cls: 'alu', setup: pickForms(addForms) }],
  [Mnemonic.Adc, { exec: adc, cls: 'alu' }],
  [Mnemonic.Sub, { form: Form.Sub, cls: 'alu', setup: pickForms(subForms) }],
  [Mnemonic.Sbb, { exec: sbb, cls: 'alu' }],
  [Mnemonic.Cmp, { form: Form.Cmp, cls: 'alu', setup: pickForms(cmpForms) }],
  [Mnemonic.And, { form: Form.And, cls: 'alu', setup: pickForms(andForms) }],
  [Mnemonic.Or, { form: Form.Or, cls: 'alu', setup: pickForms(orForms) }],
  [Mnemonic.Xor, { form: Form.Xor, cls: 'alu', setup: pickForms(xorForms) }],
  [Mnemonic.Test, { form: Form.Test, cls: 'alu', setup: pickForms(testForms) }],
  [Mnemonic.Inc, { exec: (c, op) => incDec(c, op, false), cls: 'alu' }],
  [Mnemonic.Dec, { exec: (c, op) => incDec(c, op, true), cls: 'alu' }],
  [Mnemonic.Neg, { exec: neg, cls: 'alu' }],
  [Mnemonic.Not, { exec: not, cls: 'alu' }],
  [[Mnemonic.Shl, Mnemonic.Sal], { form: Form.Shift, cls: shiftCls, setup: sel(Sh.Shl) }],
  [Mnemonic.Shr, { form: Form.Shift, cls: shiftCls, setup: sel(Sh.Shr) }],
  [Mnemonic.Sar, { form: Form.Shift, cls: shiftCls, setup: sel(Sh.Sar) }],
  [Mnemonic.Rol, { form: Form.Shift, cls: shiftCls, setup: sel(Sh.Rol) }],
  [Mnemonic.Ror, { form: Form.Shift, cls: shiftCls, setup: sel(Sh.Ror) }],
  [Mnemonic.Rcl, { form: Form.Shift, cls: 'rotateCarry', setup: sel(Sh.Rcl) }],
  [Mnemonic.Rcr, { form: Form.Shift, cls: 'rotateCarry', setup: sel(Sh.Rcr) }],
  [Mnemonic.Shld, { exec: doubleShift, cls: 'doubleShift', setup: sel(DoubleShift.Left) }],
  [Mnemonic.Shrd, { exec: doubleShift, cls: 'doubleShift', setup: sel(DoubleShift.Right) }],
  [[Mnemonic.Cmpxchg8b, Mnemonic.Cmpxchg16b], { exec: cmpxchgWide, cls: 'cmpxchg' }],
  [[Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cdqe], { exec: cbw, cls: 'cdq', setup: accSize }],
  [[Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo], { exec: cwd, cls: 'cdq', setup: accSize }],
  [Mnemonic.Xadd, { exec: xadd, cls: 'xadd' }],
  [Mnemonic.Cmpxchg, { exec: cmpxchg, cls: 'cmpxchg' }],
  [Mnemonic.Xchg, { exec: xchg, cls: 'xchgReg' }],
  ...CC_MNEMONICS.set.map((m, i): SpecEntry => [m, { form: Form.Setcc, cls: 'setcc', setup: cc(i) }]),
  ...CC_MNEMONICS.cmov.map((m, i): SpecEntry => [m, { form: Form.Cmov, cls: 'cmov', setup: cc(i) }]),
];
