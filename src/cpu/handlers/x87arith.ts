/**
 * x87 FPU instructions, part 2: arithmetic (FADD, FSUB, FSUBR, FMUL, FDIV,
 * FDIVR with their P and I forms, FSQRT, FCHS, FABS, FRNDINT, FSCALE,
 * FXTRACT, FPREM, FPREM1) and comparisons (FCOM, FCOMP, FCOMPP, FUCOM*,
 * FCOMI*, FUCOMI*, FICOM*, FTST, FXAM). The numerics are in
 * src/cpu/fpu/float80.ts and convert.ts; this file does the stack, the
 * condition codes and the masked/unmasked responses (SDM Vol. 1 §8.5, §8.7.1;
 * Vol. 2 instruction pages).
 *
 * The transcendental instructions (FSIN, FCOS, FSINCOS, FPTAN, FPATAN,
 * F2XM1, FYL2X, FYL2XP1) are not implemented: their results are
 * microcode-specific; the run stops naming the instruction.
 */
import { Mnemonic, type Instruction } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { sel, type SpecEntry } from './spec.js';
import type { InstructionClass } from '../../profile/schema.js';
import { type X87State, FSW_C0, FSW_C1, FSW_C2, FSW_C3 } from '../fpu/x87.js';
import {
  out, add, mul, div, sqrt, compare, classify, Cls, CMP_GT, CMP_LT, CMP_EQ, INDEFINITE_SE, INDEFINITE_SIG,
} from '../fpu/float80.js';
import { roundToInteger, scale, extract, xtractSig, remainder, prem } from '../fpu/convert.js';
import { fpu, note, NO_EA, stackFault, setC1, MemKind, memKindOf, readMemOperand, mem, pushChecked } from './x87.js';
import { CF, PF, ZF } from '../flags.js';

// ------------------------------------------------------------ two-operand arithmetic

/** Operation selector: the ModR/M reg field of the D8/DC/DE groups (SDM Vol. 2 Table A-7). */
const enum ArithOp { Add = 0, Mul = 1, Sub = 4, Subr = 5, Div = 6, Divr = 7 }
/** op.sel of the two-operand arithmetic: the ArithOp in the Op field, and Pop for the P forms. */
const enum ArithBits { None = 0, Op = 7, Pop = 8 }

/**
 * FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in every form: ST(0) op m32fp/m64fp/
 * m16int/m32int, ST(0) op ST(i), ST(i) op ST(0), and the P forms that pop.
 * dest ← dest op src (FSUBR/FDIVR: src op dest). Precision control applies.
 * Stack underflow delivers the indefinite (masked); an unmasked invalid,
 * denormal or zero-divide exception leaves the destination and the stack
 * unchanged (SDM Vol. 1 §8.7.1).
 */
function arith(c: Core, op: Op): void {
  const f = fpu(c, true);
  const cw = f.cw;
  let d = 0, bSe = 0, bSig = 0n, memDen = false;
  if (op.size2 !== MemKind.None) {
    const ea = c.ea(op);
    note(f, op, ea);
    readMemOperand(c, ea, op.size2 as MemKind, true, cw);
    if (f.isEmpty(0)) { underflowTo(f, 0, false); return; }
    bSe = mem.se; bSig = mem.sig; memDen = mem.denormal;
  } else {
    note(f, op, NO_EA);
    d = op.r0;
    const s = op.r1;
    if (f.isEmpty(d) || f.isEmpty(s)) { underflowTo(f, d, (op.sel & ArithBits.Pop) !== 0); return; }
    bSe = f.stSe(s); bSig = f.stSig(s);
  }
  const aSe = f.stSe(d), aSig = f.stSig(d);
  switch ((op.sel & ArithBits.Op) as ArithOp) {
    case ArithOp.Add: add(aSe, aSig, bSe, bSig, false, cw, memDen); break;
    case ArithOp.Sub: add(aSe, aSig, bSe, bSig, true, cw, memDen); break;
    case ArithOp.Subr: add(bSe, bSig, aSe, aSig, true, cw, memDen); break;
    case ArithOp.Mul: mul(aSe, aSig, bSe, bSig, cw, memDen); break;
    case ArithOp.Div: div(aSe, aSig, bSe, bSig, cw, memDen); break;
    default: div(bSe, bSig, aSe, aSig, cw, memDen); break;
  }
  deliver(f, d, (op.sel & ArithBits.Pop) !== 0);
}

/** Write `out` to ST(d) (unless an unmasked pre-computation exception suppressed it), C1 = round-up, pop if asked. */
function deliver(f: X87State, d: number, pop: boolean): void {
  f.sw |= out.flags;
  if (!out.store) return;
  setC1(f, out.c1);
  f.setSt(d, out.se, out.sig);
  if (pop) f.pop();
}

/** Stack underflow of an arithmetic instruction: masked, the destination gets the indefinite (then the pop happens). */
function underflowTo(f: X87State, d: number, pop: boolean): void {
  if (!stackFault(f, false)) return;
  f.setSt(d, INDEFINITE_SE, INDEFINITE_SIG);
  if (pop) f.pop();
}

// ------------------------------------------------------------ one-operand arithmetic on ST(0)

const enum UnOp { Chs = 0, Abs = 1, Sqrt = 2, Rndint = 3 }

/** FCHS, FABS (sign only, C1 = 0, no numeric exception even for NaNs), FSQRT, FRNDINT (SDM Vol. 2). */
function unary(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  if (f.isEmpty(0)) { underflowTo(f, 0, false); return; }
  const se = f.stSe(0), sig = f.stSig(0);
  switch (op.sel as UnOp) {
    case UnOp.Chs: setC1(f, 0); f.setSt(0, se ^ 0x8000, sig); return;
    case UnOp.Abs: setC1(f, 0); f.setSt(0, se & 0x7fff, sig); return;
    case UnOp.Sqrt: sqrt(se, sig, f.cw); break;
    default: roundToInteger(se, sig, f.cw); break;
  }
  deliver(f, 0, false);
}

/** FSCALE: ST(0) ← ST(0) × 2^trunc(ST(1)). */
function fscale(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  if (f.isEmpty(0) || f.isEmpty(1)) { underflowTo(f, 0, false); return; }
  scale(f.stSe(0), f.stSig(0), f.stSe(1), f.stSig(1), f.cw);
  deliver(f, 0, false);
}

/** FXTRACT: ST(0) ← exponent, then push the significand (SDM Vol. 2 FXTRACT; stack overflow if ST(7) is in use). */
function fxtract(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  if (f.isEmpty(0)) {
    if (!stackFault(f, false)) return;
    f.setSt(0, INDEFINITE_SE, INDEFINITE_SIG);
    pushChecked(f, INDEFINITE_SE, INDEFINITE_SIG);
    return;
  }
  if (!f.isEmpty(7)) {
    if (!stackFault(f, true)) return;
    f.setSt(0, INDEFINITE_SE, INDEFINITE_SIG);
    f.push(INDEFINITE_SE, INDEFINITE_SIG);
    return;
  }
  extract(f.stSe(0), f.stSig(0), f.cw);
  f.sw |= out.flags;
  if (!out.store) return;
  setC1(f, 0);
  f.setSt(0, out.se, out.sig);
  f.push(xtractSig.se, xtractSig.sig);
}

/** FPREM (the truncating remainder) / FPREM1 (the IEEE one) (op.sel). */
const enum Rem { Prem, Prem1 }

/**
 * FPREM / FPREM1 (Rem.Prem1): ST(0) ← partial remainder of ST(0) / ST(1).
 * C2 = 1 when the reduction is incomplete; otherwise C0, C3, C1 get
 * quotient bits Q2, Q1, Q0 (SDM Vol. 2 FPREM, "Flags Affected").
 */
function fprem(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  if (f.isEmpty(0) || f.isEmpty(1)) { underflowTo(f, 0, false); return; }
  remainder(f.stSe(0), f.stSig(0), f.stSe(1), f.stSig(1), op.sel === Rem.Prem1, f.cw);
  f.sw |= out.flags;
  if (!out.store) return;
  f.setSt(0, out.se, out.sig);
  let cc = f.sw & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
  if (prem.incomplete) cc |= FSW_C2;
  else {
    const q = prem.q;
    if (q & 4) cc |= FSW_C0;
    if (q & 2) cc |= FSW_C3;
    if (q & 1) cc |= FSW_C1;
  }
  f.sw = cc;
}

// ------------------------------------------------------------ compares

/**
 * op.sel of the compares: Pop1 (FCOMP...: pop once), Pop2 (FCOMPP, FUCOMPP:
 * pop twice), Quiet (FUCOM*: no invalid exception for a QNaN), Eflags
 * (FCOMI*: the result in ZF PF CF instead of C3 C2 C0), Tst (FTST: against
 * +0.0). None: FCOM, FICOM.
 */
const enum CmpBits { None = 0, Pop1 = 1, Pop2 = 2, Quiet = 4, Eflags = 8, Tst = 16 }

/**
 * FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP, FICOM/FICOMP, FTST (C3 C2 C0 =
 * 000 >, 001 <, 100 =, 111 unordered; C1 = 0), FCOMI/FCOMIP/FUCOMI/FUCOMIP
 * (ZF PF CF the same way; OF SF AF = 0) (SDM Vol. 2 FCOM, FUCOM, FICOM,
 * FTST, FCOMI). With an unmasked invalid or denormal exception the codes
 * are not set and nothing pops.
 */
function fcom(c: Core, op: Op): void {
  const f = fpu(c, true);
  const cw = f.cw;
  const bits = op.sel;
  let bSe = 0, bSig = 0n, memDen = false, srcEmpty = false;
  if (op.size2 !== MemKind.None) {
    const ea = c.ea(op);
    note(f, op, ea);
    readMemOperand(c, ea, op.size2 as MemKind, true, cw);
    bSe = mem.se; bSig = mem.sig; memDen = mem.denormal;
  } else {
    note(f, op, NO_EA);
    if ((bits & CmpBits.Tst) === 0) {
      const s = op.k1 === K.Reg ? op.r1 : 1;
      srcEmpty = f.isEmpty(s);
      bSe = f.stSe(s); bSig = f.stSig(s);
    }
  }
  let r: number;
  if (f.isEmpty(0) || srcEmpty) {
    if (!stackFault(f, false)) return;
    r = 3;
  } else {
    r = compare(f.stSe(0), f.stSig(0), bSe, bSig, (bits & CmpBits.Quiet) !== 0, cw, memDen);
    f.sw |= out.flags;
    if (!out.store) return;
    setC1(f, 0);
  }
  if ((bits & CmpBits.Eflags) !== 0) {
    const fl = r === CMP_GT ? 0 : r === CMP_LT ? CF : r === CMP_EQ ? ZF : ZF | PF | CF;
    c.setArithFlags(fl);
  } else {
    const cc = r === CMP_GT ? 0 : r === CMP_LT ? FSW_C0 : r === CMP_EQ ? FSW_C3 : FSW_C3 | FSW_C2 | FSW_C0;
    f.sw = (f.sw & ~(FSW_C0 | FSW_C2 | FSW_C3)) | cc;
  }
  if ((bits & (CmpBits.Pop1 | CmpBits.Pop2)) !== 0) f.pop();
  if ((bits & CmpBits.Pop2) !== 0) f.pop();
}

/**
 * FXAM (SDM Vol. 2 FXAM, Table 3-xx): C1 = sign of ST(0); C3 C2 C0 =
 * 000 unsupported, 001 NaN, 010 normal, 011 infinity, 100 zero, 101 empty,
 * 110 denormal. Never raises an exception.
 */
function fxam(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  const se = f.stSe(0);
  let cc: number;
  if (f.isEmpty(0)) cc = FSW_C3 | FSW_C0;
  else {
    switch (classify(se, f.stSig(0))) {
      case Cls.Unsupported: cc = 0; break;
      case Cls.QNaN: case Cls.SNaN: cc = FSW_C0; break;
      case Cls.Normal: cc = FSW_C2; break;
      case Cls.Inf: cc = FSW_C2 | FSW_C0; break;
      case Cls.Zero: cc = FSW_C3; break;
      default: cc = FSW_C3 | FSW_C2; break;
    }
  }
  if ((se & 0x8000) !== 0) cc |= FSW_C1;
  f.sw = (f.sw & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)) | cc;
}

// ------------------------------------------------------------ table

const arithSetup = (kind: ArithOp, pop: boolean) => (op: Op, ins: Instruction) => {
  op.sel = kind | (pop ? ArithBits.Pop : ArithBits.None);
  op.size2 = memKindOf(ins);
};
const cmpSetup = (bits: number) => (op: Op, ins: Instruction) => { op.sel = bits; op.size2 = memKindOf(ins); };
const isInt = (op: Op) => op.size2 === MemKind.I16 || op.size2 === MemKind.I32;
const addClass = (op: Op): InstructionClass => (isInt(op) ? 'x87IntArith' : 'x87Add');
const mulClass = (op: Op): InstructionClass => (isInt(op) ? 'x87IntArith' : 'x87Mul');
const divClass = (op: Op): InstructionClass => (isInt(op) ? 'x87IntDiv' : 'x87Div');
const comClass = (op: Op): InstructionClass => (isInt(op) ? 'x87IntCompare' : 'x87Compare');

export const x87ArithSpecs: SpecEntry[] = [
  [[Mnemonic.Fadd, Mnemonic.Fiadd], { exec: arith, cls: addClass, setup: arithSetup(ArithOp.Add, false) }],
  [Mnemonic.Faddp, { exec: arith, cls: addClass, setup: arithSetup(ArithOp.Add, true) }],
  [[Mnemonic.Fsub, Mnemonic.Fisub], { exec: arith, cls: addClass, setup: arithSetup(ArithOp.Sub, false) }],
  [Mnemonic.Fsubp, { exec: arith, cls: addClass, setup: arithSetup(ArithOp.Sub, true) }],
  [[Mnemonic.Fsubr, Mnemonic.Fisubr], { exec: arith, cls: addClass, setup: arithSetup(ArithOp.Subr, false) }],
  [Mnemonic.Fsubrp, { exec: arith, cls: addClass, setup: arithSetup(ArithOp.Subr, true) }],
  [[Mnemonic.Fmul, Mnemonic.Fimul], { exec: arith, cls: mulClass, setup: arithSetup(ArithOp.Mul, false) }],
  [Mnemonic.Fmulp, { exec: arith, cls: mulClass, setup: arithSetup(ArithOp.Mul, true) }],
  [[Mnemonic.Fdiv, Mnemonic.Fidiv], { exec: arith, cls: divClass, setup: arithSetup(ArithOp.Div, false) }],
  [Mnemonic.Fdivp, { exec: arith, cls: divClass, setup: arithSetup(ArithOp.Div, true) }],
  [[Mnemonic.Fdivr, Mnemonic.Fidivr], { exec: arith, cls: divClass, setup: arithSetup(ArithOp.Divr, false) }],
  [Mnemonic.Fdivrp, { exec: arith, cls: divClass, setup: arithSetup(ArithOp.Divr, true) }],
  [Mnemonic.Fchs, { exec: unary, cls: 'x87Sign', setup: sel(UnOp.Chs) }],
  [Mnemonic.Fabs, { exec: unary, cls: 'x87Sign', setup: sel(UnOp.Abs) }],
  [Mnemonic.Fsqrt, { exec: unary, cls: 'x87Sqrt', setup: sel(UnOp.Sqrt) }],
  [Mnemonic.Frndint, { exec: unary, cls: 'x87Rndint', setup: sel(UnOp.Rndint) }],
  [Mnemonic.Fscale, { exec: fscale, cls: 'x87Scale' }],
  [Mnemonic.Fxtract, { exec: fxtract, cls: 'x87Xtract' }],
  [Mnemonic.Fprem, { exec: fprem, cls: 'x87Prem', setup: sel(Rem.Prem) }],
  [Mnemonic.Fprem1, { exec: fprem, cls: 'x87Prem1', setup: sel(Rem.Prem1) }],
  [[Mnemonic.Fcom, Mnemonic.Ficom], { exec: fcom, cls: comClass, setup: cmpSetup(CmpBits.None) }],
  [[Mnemonic.Fcomp, Mnemonic.Ficomp], { exec: fcom, cls: comClass, setup: cmpSetup(CmpBits.Pop1) }],
  [Mnemonic.Fcompp, { exec: fcom, cls: 'x87Compare', setup: cmpSetup(CmpBits.Pop2) }],
  [Mnemonic.Fucom, { exec: fcom, cls: 'x87Compare', setup: cmpSetup(CmpBits.Quiet) }],
  [Mnemonic.Fucomp, { exec: fcom, cls: 'x87Compare', setup: cmpSetup(CmpBits.Quiet | CmpBits.Pop1) }],
  [Mnemonic.Fucompp, { exec: fcom, cls: 'x87Compare', setup: cmpSetup(CmpBits.Quiet | CmpBits.Pop2) }],
  [Mnemonic.Fcomi, { exec: fcom, cls: 'x87Comi', setup: cmpSetup(CmpBits.Eflags) }],
  [Mnemonic.Fcomip, { exec: fcom, cls: 'x87Comi', setup: cmpSetup(CmpBits.Eflags | CmpBits.Pop1) }],
  [Mnemonic.Fucomi, { exec: fcom, cls: 'x87Comi', setup: cmpSetup(CmpBits.Eflags | CmpBits.Quiet) }],
  [Mnemonic.Fucomip, { exec: fcom, cls: 'x87Comi', setup: cmpSetup(CmpBits.Eflags | CmpBits.Quiet | CmpBits.Pop1) }],
  [Mnemonic.Ftst, { exec: fcom, cls: 'x87Compare', setup: cmpSetup(CmpBits.Tst) }],
  [Mnemonic.Fxam, { exec: fxam, cls: 'x87Xam' }],
];
