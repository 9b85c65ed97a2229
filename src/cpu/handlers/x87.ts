/**
 * x87 FPU instructions, part 1: the checks every x87 instruction makes
 * (CR0.EM/TS → #NM, pending unmasked exception → #MF), the last-instruction
 * pointers, stack faults, the control instructions (FNINIT, FLDCW/FNSTCW,
 * FNSTSW, FNCLEX, FNSTENV/FLDENV, FNSAVE/FRSTOR, FWAIT, FFREE,
 * FINCSTP/FDECSTP, FNOP) and data movement (FLD, FST, FILD, FIST, FISTTP,
 * FBLD, FBSTP, the constants, FXCH, FCMOVcc). Arithmetic and compares are in
 * x87arith.ts. SDM Vol. 1 Chapter 8, Vol. 2 instruction pages.
 */
import { Code, Mnemonic, type Instruction } from 'iced-x86';
import { type Core, CR0_EM, CR0_MP, CR0_NE, CR0_TS, ACC_WRITE } from '../core.js';
import { K, type Op } from '../op.js';
import { Fault, Unsupported, Vector } from '../fault.js';
import { sel, cc, type SpecEntry } from './spec.js';
import type { InstructionClass } from '../../profile/schema.js';
import { type X87State, FSW_C1 } from '../fpu/x87.js';
import { out, IE, SF, SGL, DBL, INDEFINITE_SE, INDEFINITE_SIG } from '../fpu/float80.js';
import { conv, fromBinary, toBinary, fromInt, toInt, fromBcdBytes, toBcdBytes, constant } from '../fpu/convert.js';
import { RAX } from '../registers.js';
import { Cc } from '../flags.js';
import { Form } from '../form.js';

// ------------------------------------------------------------ entry checks

/**
 * Every x87 instruction first: CR0.EM or CR0.TS → #NM (SDM Vol. 3A §2.5,
 * Table 2-2 "Action Taken By x87 FPU Instructions for Different
 * Combinations of EM, MP, and TS"); then a waiting instruction with an
 * unmasked exception pending takes #MF (SDM Vol. 1 §8.7, "x87 FPU Exception
 * Synchronization"; the no-wait control instructions skip this check).
 */
export function fpu(c: Core, waiting: boolean): X87State {
  const cr0 = c.cr0;
  if ((cr0 & (CR0_EM | CR0_TS)) !== 0) {
    throw new Fault(Vector.NM, null, (cr0 & CR0_EM) !== 0 ? 'x87 instruction with CR0.EM = 1' : 'x87 instruction with CR0.TS = 1');
  }
  const f = c.x87;
  if (waiting && f.errorPending) mathFault(c, f);
  return f;
}

/** #MF, or with CR0.NE = 0 the external FERR# / IGNNE# path of PC-compatible systems (not modelled). */
function mathFault(c: Core, f: X87State): never {
  if ((c.cr0 & CR0_NE) === 0) {
    throw new Unsupported('x87 error reporting with CR0.NE = 0 (FERR# to IRQ 13, SDM Vol. 1 §8.7.1) is not modelled');
  }
  throw new Fault(Vector.MF, null, `x87 floating-point error: unmasked exception pending (FSW ${f.statusWord().toString(16).padStart(4, '0')}H)`);
}

/** WAIT/FWAIT (SDM Vol. 2 WAIT/FWAIT): #NM when CR0.MP and CR0.TS are both set; then pending unmasked exceptions → #MF. */
function fwait(c: Core, _op: Op): void {
  if ((c.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) throw new Fault(Vector.NM, null, 'WAIT with CR0.MP = 1 and CR0.TS = 1');
  if (c.x87.errorPending) mathFault(c, c.x87);
}

/**
 * A non-control instruction records its opcode and address (and, with a
 * memory operand, the operand's address) for exception handlers (SDM Vol. 1
 * §8.1.8 "x87 FPU Instruction and Data (Operand) Pointers", §8.1.9 "Last
 * Instruction Opcode").
 */
export function note(f: X87State, op: Op, ea: number): void {
  f.fop = op.fop;
  f.fip = op.rip;
  if (ea !== NO_EA) f.fdp = ea;
}
export const NO_EA = -Infinity;

/** Set or clear C1 and leave C0/C2/C3 alone. */
export function setC1(f: X87State, c1: number): void { f.sw = c1 ? f.sw | FSW_C1 : f.sw & ~FSW_C1; }

/** Merge an operation's exception flags into FSW; C1 from its round-up indication. */
export function applyResultFlags(f: X87State): void {
  f.sw |= out.flags;
  setC1(f, out.c1);
}

/**
 * Stack underflow (a source or destination register is empty) or overflow
 * (a push onto a non-empty register): the invalid-operation stack-fault
 * exception, IE and SF set, C1 = 0 for underflow and 1 for overflow (SDM
 * Vol. 1 §8.5.1.1). Returns true when masked: the caller then delivers the
 * masked response (the real indefinite).
 */
export function stackFault(f: X87State, overflow: boolean): boolean {
  f.sw |= IE | SF;
  setC1(f, overflow ? 1 : 0);
  return (f.cw & IE) !== 0;
}

// ------------------------------------------------------------ memory operand kinds

/** op.size2 for x87 memory operands. */
export const enum MemKind { None = 0, F32 = 1, F64 = 2, F80 = 3, I16 = 4, I32 = 5, I64 = 6, Bcd = 7 }

/** Decoder setup: the memory operand kind from the iced Code name (…_m32fp, …_m16int, …). */
export function memKindOf(ins: Instruction): MemKind {
  const name = Code[ins.code] ?? '';
  if (name.endsWith('_m32fp')) return MemKind.F32;
  if (name.endsWith('_m64fp')) return MemKind.F64;
  if (name.endsWith('_m80fp')) return MemKind.F80;
  if (name.endsWith('_m16int')) return MemKind.I16;
  if (name.endsWith('_m32int')) return MemKind.I32;
  if (name.endsWith('_m64int')) return MemKind.I64;
  if (name.endsWith('_m80bcd')) return MemKind.Bcd;
  return MemKind.None;
}

/** A value read from memory and converted to extended (for arithmetic: SNaNs kept, denormals noted). */
export const mem = { se: 0, sig: 0n, denormal: false };

const bcdBuf = new Uint8Array(10);

/**
 * Read an x87 memory operand at `a` as an extended value into `mem`. `raw`
 * (arithmetic and compare sources): an SNaN stays signalling and a
 * single/double denormal is only noted, so the operation raises its own
 * invalid / denormal exceptions in the SDM's priority order; otherwise (FLD)
 * the conversion raises them (`out.flags`).
 */
export function readMemOperand(c: Core, a: number, kind: MemKind, raw: boolean, cw: number): void {
  out.flags = 0; out.c1 = 0; out.store = true;
  mem.denormal = false;
  switch (kind) {
    case MemKind.F32:
      fromBinary(BigInt(c.read(a, 4) >>> 0), SGL, cw, raw);
      mem.denormal = conv.denormal;
      break;
    case MemKind.F64: {
      const lo = c.read(a, 8) >>> 0, hi = c.tHi >>> 0;
      fromBinary((BigInt(hi) << 32n) | BigInt(lo), DBL, cw, raw);
      mem.denormal = conv.denormal;
      break;
    }
    case MemKind.F80: {
      const lo = c.read(a, 8) >>> 0, hi = c.tHi >>> 0;
      const se = c.read(a + 8, 2);
      out.se = se; out.sig = (BigInt(hi) << 32n) | BigInt(lo);
      break;
    }
    case MemKind.I16: fromInt(BigInt((c.read(a, 2) << 16) >> 16)); break;
    case MemKind.I32: fromInt(BigInt(c.read(a, 4) | 0)); break;
    case MemKind.I64: { const lo = c.read(a, 8) >>> 0; fromInt((BigInt(c.tHi) << 32n) | BigInt(lo)); break; }
    case MemKind.Bcd: {
      const lo = c.read(a, 8), hi = c.tHi, top = c.read(a + 8, 2);
      for (let i = 0; i < 4; i++) { bcdBuf[i] = (lo >>> (8 * i)) & 0xff; bcdBuf[4 + i] = (hi >>> (8 * i)) & 0xff; }
      bcdBuf[8] = top & 0xff; bcdBuf[9] = top >>> 8;
      fromBcdBytes(bcdBuf);
      break;
    }
    default: throw new Error('x87 memory operand without a kind');
  }
  mem.se = out.se; mem.sig = out.sig;
}

/** Check a multi-part store can complete before writing any of it (a #PF leaves memory untouched). */
export function probeWrite(c: Core, a: number, len: number): void {
  c.translate(a, ACC_WRITE);
  c.translate(a + len - 1, ACC_WRITE);
}

function write80(c: Core, a: number, se: number, sig: bigint): void {
  probeWrite(c, a, 10);
  c.write(a, 8, Number(sig & 0xffffffffn) | 0, Number(sig >> 32n) | 0);
  c.write(a + 8, 2, se, 0);
}

// ------------------------------------------------------------ control instructions

/** The no-wait (FNINIT, FNSTSW...) and the waiting (FINIT, FSTSW...) forms of the control instructions (op.sel). */
const enum Sync { NoWait, Wait }

/** FNINIT / FINIT (the waiting form checks for pending exceptions first). */
function fninit(c: Core, op: Op): void { fpu(c, op.sel === Sync.Wait).init(); }

/** FNCLEX / FCLEX (SDM Vol. 2 FCLEX/FNCLEX): clear the exception flags, ES, SF and B; C0–C3 undefined (kept). */
function fnclex(c: Core, op: Op): void {
  const f = fpu(c, op.sel === Sync.Wait);
  f.sw &= ~0x7f;
}

/** FLDCW m2byte (SDM Vol. 2 FLDCW): a waiting control instruction; an exception it unmasks is raised at the next waiting instruction. */
function fldcw(c: Core, op: Op): void {
  const f = fpu(c, true);
  f.setControlWord(c.read(c.ea(op), 2));
}

/** FNSTCW / FSTCW m2byte. */
function fnstcw(c: Core, op: Op): void {
  const f = fpu(c, op.sel === Sync.Wait);
  c.write(c.ea(op), 2, f.cw, 0);
}

/** FNSTSW / FSTSW m2byte or AX (SDM Vol. 2 FSTSW/FNSTSW). */
function fnstsw(c: Core, op: Op): void {
  const f = fpu(c, op.sel === Sync.Wait);
  const v = f.statusWord();
  if (op.k0 === K.Reg) c.setReg(RAX, 0, 2, v, 0);
  else c.write(c.ea(op), 2, v, 0);
}

const image = new Uint8Array(112);
const imageView = new DataView(image.buffer);

function writeImage(c: Core, a: number, len: number): void {
  probeWrite(c, a, len);
  for (let i = 0; i < len; i += 4) c.write(a + i, 4, imageView.getInt32(i, true), 0);
}

function readImage(c: Core, a: number, len: number): void {
  for (let i = 0; i < len; i += 4) imageView.setInt32(i, c.read(a + i, 4), true);
}

/**
 * FNSTENV / FSTENV m28byte (SDM Vol. 2 FSTENV/FNSTENV): store the
 * protected-mode 32-bit environment (64-bit mode without REX.W uses it),
 * then mask all floating-point exceptions.
 */
function fnstenv(c: Core, op: Op): void {
  const f = fpu(c, op.sel === Sync.Wait);
  f.storeEnv(imageView, 0);
  writeImage(c, c.ea(op), 28);
  f.cw |= 0x3f;
}

/** FLDENV m28byte (SDM Vol. 2 FLDENV): a pending unmasked exception in the loaded FSW raises #MF at the next waiting instruction. */
function fldenv(c: Core, op: Op): void {
  const f = fpu(c, true);
  readImage(c, c.ea(op), 28);
  f.loadEnv(imageView, 0);
}

/** FNSAVE / FSAVE m108byte (SDM Vol. 2 FSAVE/FNSAVE): store environment and registers, then initialize the FPU as FNINIT does. */
function fnsave(c: Core, op: Op): void {
  const f = fpu(c, op.sel === Sync.Wait);
  f.storeState(imageView, 0);
  writeImage(c, c.ea(op), 108);
  f.init();
}

/** FRSTOR m108byte. */
function frstor(c: Core, op: Op): void {
  const f = fpu(c, true);
  readImage(c, c.ea(op), 108);
  f.loadState(imageView, 0);
}

/** Whether an instruction pops the stack afterwards: FFREE / FFREEP, FST / FSTP, FBSTP (op.sel). */
const enum StackPop { Keep, Pop }

/** FFREE ST(i) (and the undocumented FFREEP, which also pops): tag empty, nothing else; FOP/FIP recorded. */
function ffree(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  f.valid &= ~(1 << f.phys(op.r0));
  if (op.sel === StackPop.Pop) f.top = (f.top + 1) & 7;
}

/** FINCSTP / FDECSTP (op.sel). */
const enum StackStep { Inc, Dec }

/** FINCSTP / FDECSTP (SDM Vol. 2): TOP ± 1, tags unchanged, C1 = 0. */
function fincdecstp(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  f.top = (f.top + (op.sel === StackStep.Inc ? 1 : 7)) & 7;
  setC1(f, 0);
}

function fnop(c: Core, op: Op): void { note(fpu(c, true), op, NO_EA); }

// ------------------------------------------------------------ loads

/** FLD m32fp/m64fp/m80fp or ST(i) (SDM Vol. 2 FLD): push; stack overflow if the new ST(0) is in use. */
function fld(c: Core, op: Op): void {
  const f = fpu(c, true);
  let se: number, sig: bigint, ea = NO_EA;
  if (op.k0 === K.Mem) {
    ea = c.ea(op);
    note(f, op, ea);
    readMemOperand(c, ea, op.size2 as MemKind, false, f.cw);
    se = mem.se; sig = mem.sig;
  } else {
    note(f, op, ea);
    if (f.isEmpty(op.r0)) {
      if (stackFault(f, false)) pushChecked(f, INDEFINITE_SE, INDEFINITE_SIG);
      return;
    }
    out.flags = 0; out.store = true;
    se = f.stSe(op.r0); sig = f.stSig(op.r0);
  }
  // An unmasked #IA on the conversion pushes nothing; an unmasked #D still loads the value (as the host does).
  f.sw |= out.flags;
  if (!out.store && (out.flags & IE) !== 0) return;
  pushChecked(f, se, sig);
}

/** Push with the stack-overflow check: C1 = 0 on success, 1 with the (masked) indefinite pushed on overflow. */
export function pushChecked(f: X87State, se: number, sig: bigint): void {
  if (!f.isEmpty(7)) {
    if (stackFault(f, true)) f.push(INDEFINITE_SE, INDEFINITE_SIG);
    return;
  }
  setC1(f, 0);
  f.push(se, sig);
}

/** FILD m16int/m32int/m64int and FBLD m80bcd: exact conversions, pushed. */
function fild(c: Core, op: Op): void {
  const f = fpu(c, true);
  const ea = c.ea(op);
  note(f, op, ea);
  readMemOperand(c, ea, op.size2 as MemKind, false, f.cw);
  pushChecked(f, mem.se, mem.sig);
}

/** The constant FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ push (op.sel); CONSTANT_NAMES is in this order. */
const enum FConst { One, L2t, L2e, Pi, Lg2, Ln2, Zero }
const CONSTANT_NAMES = ['one', 'l2t', 'l2e', 'pi', 'lg2', 'ln2', 'zero'] as const;

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (SDM Vol. 2 FLD1/...). op.sel is the FConst. */
function fldConst(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  const name = CONSTANT_NAMES[op.sel as FConst]!;
  if (name === 'one') pushChecked(f, 0x3fff, 1n << 63n);
  else if (name === 'zero') pushChecked(f, 0, 0n);
  else { constant(name, f.cw); pushChecked(f, out.se, out.sig); }
}

// ------------------------------------------------------------ stores

/**
 * FST/FSTP m32fp/m64fp/m80fp or ST(i) (SDM Vol. 2 FST/FSTP). Stack
 * underflow stores the indefinite (masked). An unmasked exception on a
 * memory store writes nothing and does not pop.
 */
function fst(c: Core, op: Op): void {
  const f = fpu(c, true);
  const pop = op.sel === StackPop.Pop;
  const ea = op.k0 === K.Mem ? c.ea(op) : NO_EA;
  note(f, op, ea);
  let se: number, sig: bigint;
  if (f.isEmpty(0)) {
    if (!stackFault(f, false)) return;
    se = INDEFINITE_SE; sig = INDEFINITE_SIG;
  } else {
    se = f.stSe(0); sig = f.stSig(0);
    setC1(f, 0);
  }
  if (op.k0 === K.Mem) {
    const kind = op.size2 as MemKind;
    if (kind === MemKind.F80) write80(c, ea, se, sig);
    else {
      toBinary(se, sig, kind === MemKind.F32 ? SGL : DBL, f.cw);
      f.sw |= out.flags;
      if (!out.store) return;
      if (out.c1) setC1(f, 1);
      if (kind === MemKind.F32) c.write(ea, 4, Number(out.sig) | 0, 0);
      else c.write(ea, 8, Number(out.sig & 0xffffffffn) | 0, Number(out.sig >> 32n) | 0);
    }
  } else {
    f.setSt(op.r0, se, sig);
  }
  if (pop) f.pop();
}

/** FIST, FISTP, FISTTP (op.sel). */
const enum IntStore { Fist, Fistp, Fisttp }

/** FIST/FISTP m16int/m32int/m64int, FISTTP (truncates; pops) (SDM Vol. 2 FIST/FISTP, FISTTP). */
function fist(c: Core, op: Op): void {
  const f = fpu(c, true);
  const pop = op.sel !== IntStore.Fist;
  const ea = c.ea(op);
  note(f, op, ea);
  const kind = op.size2 as MemKind;
  const bits = kind === MemKind.I16 ? 16 : kind === MemKind.I32 ? 32 : 64;
  let v: bigint;
  if (f.isEmpty(0)) {
    if (!stackFault(f, false)) return;
    v = -(1n << BigInt(bits - 1)); // integer indefinite
  } else {
    v = toInt(f.stSe(0), f.stSig(0), bits, op.sel === IntStore.Fisttp, f.cw);
    f.sw |= out.flags;
    if (!out.store) return;
    setC1(f, out.c1);
  }
  const u = BigInt.asUintN(64, v);
  if (bits === 64) c.write(ea, 8, Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0);
  else c.write(ea, bits / 8, Number(u & 0xffffffffn) | 0, 0);
  if (pop) f.pop();
}

/** FBSTP m80bcd (SDM Vol. 2 FBSTP): store ST(0) as packed BCD and pop. */
function fbstp(c: Core, op: Op): void {
  const f = fpu(c, true);
  const ea = c.ea(op);
  note(f, op, ea);
  if (f.isEmpty(0)) {
    if (!stackFault(f, false)) return;
    bcdBuf.fill(0); bcdBuf[7] = 0xc0; bcdBuf[8] = 0xff; bcdBuf[9] = 0xff;
  } else {
    toBcdBytes(f.stSe(0), f.stSig(0), f.cw, bcdBuf);
    f.sw |= out.flags;
    if (!out.store) return;
    setC1(f, out.c1);
  }
  probeWrite(c, ea, 10);
  const lo = bcdBuf[0]! | (bcdBuf[1]! << 8) | (bcdBuf[2]! << 16) | (bcdBuf[3]! << 24);
  const hi = bcdBuf[4]! | (bcdBuf[5]! << 8) | (bcdBuf[6]! << 16) | (bcdBuf[7]! << 24);
  c.write(ea, 8, lo, hi);
  c.write(ea + 8, 2, bcdBuf[8]! | (bcdBuf[9]! << 8), 0);
  f.pop();
}

// ------------------------------------------------------------ register moves

/** FXCH ST(i) (SDM Vol. 2 FXCH): an empty operand is a stack underflow; masked, empty registers become the indefinite first. */
function fxch(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  const i = op.r1 >= 0 && op.k1 === K.Reg ? op.r1 : 1;
  const e0 = f.isEmpty(0), ei = f.isEmpty(i);
  if (e0 || ei) {
    if (!stackFault(f, false)) return;
    if (e0) f.setSt(0, INDEFINITE_SE, INDEFINITE_SIG);
    if (ei) f.setSt(i, INDEFINITE_SE, INDEFINITE_SIG);
  } else setC1(f, 0);
  const se = f.stSe(0), sig = f.stSig(0);
  f.setSt(0, f.stSe(i), f.stSig(i));
  f.setSt(i, se, sig);
}

/** FCMOVcc ST(0), ST(i) (SDM Vol. 2 FCMOVcc): conditions on CF, ZF and PF; op.cc is the integer condition code (B, E, BE, P and negations). */
function fcmov(c: Core, op: Op): void {
  const f = fpu(c, true);
  note(f, op, NO_EA);
  const i = op.r1;
  if (f.isEmpty(0) || f.isEmpty(i)) {
    if (stackFault(f, false)) f.setSt(0, INDEFINITE_SE, INDEFINITE_SIG);
    return;
  }
  setC1(f, 0);
  if (c.cond(op.cc)) f.setSt(0, f.stSe(i), f.stSig(i));
}

// ------------------------------------------------------------ table

/** The memory operand kind in op.size2 (FLD, FILD/FBLD: no selector). */
const memKind = (op: Op, ins: Instruction) => { op.size2 = memKindOf(ins); };
/** The memory operand kind, and op.sel for the stores. */
const storeForm = (v: StackPop | IntStore) => (op: Op, ins: Instruction) => { op.sel = v; op.size2 = memKindOf(ins); };
const storeClass = (op: Op): InstructionClass => (op.k0 !== K.Mem ? 'x87Move' : 'x87Store');
const waitForm = (names: Code[]) => (op: Op, ins: Instruction) => { op.sel = names.includes(ins.code) ? Sync.Wait : Sync.NoWait; };
const envForm = (wide: Code[], waiting: Code[]) => (op: Op, ins: Instruction) => {
  op.sel = waiting.includes(ins.code) ? Sync.Wait : Sync.NoWait;
  // The 16-bit-format (m14/m94) images, with an operand-size prefix, are not implemented.
  if (!wide.includes(ins.code)) { op.form = Form.Unsupported; op.note = 'the 16-bit x87 environment formats (m14byte/m94byte, operand-size prefix) are not implemented'; }
};

export const x87Specs: SpecEntry[] = [
  [Mnemonic.Wait, { exec: fwait, cls: 'x87Wait' }],
  [[Mnemonic.Fninit, Mnemonic.Finit], { exec: fninit, cls: 'x87Init', setup: waitForm([Code.Finit]) }],
  [[Mnemonic.Fnclex, Mnemonic.Fclex], { exec: fnclex, cls: 'x87Clex', setup: waitForm([Code.Fclex]) }],
  [Mnemonic.Fldcw, { exec: fldcw, cls: 'x87Ldcw' }],
  [[Mnemonic.Fnstcw, Mnemonic.Fstcw], { exec: fnstcw, cls: 'x87Stcw', setup: waitForm([Code.Fstcw_m2byte]) }],
  [[Mnemonic.Fnstsw, Mnemonic.Fstsw], { exec: fnstsw, cls: 'x87Stsw', setup: waitForm([Code.Fstsw_m2byte, Code.Fstsw_AX]) }],
  [[Mnemonic.Fnstenv, Mnemonic.Fstenv], { exec: fnstenv, cls: 'x87Stenv', setup: envForm([Code.Fnstenv_m28byte, Code.Fstenv_m28byte], [Code.Fstenv_m14byte, Code.Fstenv_m28byte]) }],
  [Mnemonic.Fldenv, { exec: fldenv, cls: 'x87Ldenv', setup: envForm([Code.Fldenv_m28byte], []) }],
  [[Mnemonic.Fnsave, Mnemonic.Fsave], { exec: fnsave, cls: 'x87Save', setup: envForm([Code.Fnsave_m108byte, Code.Fsave_m108byte], [Code.Fsave_m94byte, Code.Fsave_m108byte]) }],
  [Mnemonic.Frstor, { exec: frstor, cls: 'x87Rstor', setup: envForm([Code.Frstor_m108byte], []) }],
  [Mnemonic.Ffree, { exec: ffree, cls: 'x87Stack', setup: sel(StackPop.Keep) }],
  [Mnemonic.Ffreep, { exec: ffree, cls: 'x87Stack', setup: sel(StackPop.Pop) }],
  [Mnemonic.Fincstp, { exec: fincdecstp, cls: 'x87Stack', setup: sel(StackStep.Inc) }],
  [Mnemonic.Fdecstp, { exec: fincdecstp, cls: 'x87Stack', setup: sel(StackStep.Dec) }],
  [Mnemonic.Fnop, { exec: fnop, cls: 'x87Stack' }],
  [Mnemonic.Fld, { exec: fld, cls: (op) => (op.k0 !== K.Mem ? 'x87Move' : 'x87Load'), setup: memKind }],
  [[Mnemonic.Fild, Mnemonic.Fbld], { exec: fild, cls: (op) => (op.size2 === MemKind.Bcd ? 'x87Bld' : 'x87Ild'), setup: memKind }],
  [Mnemonic.Fld1, { exec: fldConst, cls: 'x87Const', setup: sel(FConst.One) }],
  [Mnemonic.Fldl2t, { exec: fldConst, cls: 'x87Const', setup: sel(FConst.L2t) }],
  [Mnemonic.Fldl2e, { exec: fldConst, cls: 'x87Const', setup: sel(FConst.L2e) }],
  [Mnemonic.Fldpi, { exec: fldConst, cls: 'x87Const', setup: sel(FConst.Pi) }],
  [Mnemonic.Fldlg2, { exec: fldConst, cls: 'x87Const', setup: sel(FConst.Lg2) }],
  [Mnemonic.Fldln2, { exec: fldConst, cls: 'x87Const', setup: sel(FConst.Ln2) }],
  [Mnemonic.Fldz, { exec: fldConst, cls: 'x87Zero', setup: sel(FConst.Zero) }],
  [Mnemonic.Fst, { exec: fst, cls: storeClass, setup: storeForm(StackPop.Keep) }],
  [[Mnemonic.Fstp, Mnemonic.Fstpnce], { exec: fst, cls: storeClass, setup: storeForm(StackPop.Pop) }],
  [Mnemonic.Fist, { exec: fist, cls: 'x87Ist', setup: storeForm(IntStore.Fist) }],
  [Mnemonic.Fistp, { exec: fist, cls: 'x87Ist', setup: storeForm(IntStore.Fistp) }],
  [Mnemonic.Fisttp, { exec: fist, cls: 'x87Ist', setup: storeForm(IntStore.Fisttp) }],
  [Mnemonic.Fbstp, { exec: fbstp, cls: 'x87Bstp', setup: storeForm(StackPop.Pop) }],
  [Mnemonic.Fxch, { exec: fxch, cls: 'x87Xch' }],
  // FCMOVcc: B, E, BE, U (= P) and NB, NE, NBE, NU as integer condition codes.
  [Mnemonic.Fcmovb, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.B) }],
  [Mnemonic.Fcmove, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.E) }],
  [Mnemonic.Fcmovbe, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.Be) }],
  [Mnemonic.Fcmovu, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.P) }],
  [Mnemonic.Fcmovnb, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.Ae) }],
  [Mnemonic.Fcmovne, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.Ne) }],
  [Mnemonic.Fcmovnbe, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.A) }],
  [Mnemonic.Fcmovnu, { exec: fcmov, cls: 'x87Cmov', setup: cc(Cc.Np) }],
];

