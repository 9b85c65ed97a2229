/**
 * Control transfer (SDM Vol. 2: JMP, Jcc, CALL, RET, LOOP, JRCXZ). Every op
 * here ends its block. Taken branches add the profile's branchTaken cost;
 * CALL and RET drive the return stack buffer (returnStack.ts), and a RET it
 * mispredicts adds the profile's branch.mispredictPenalty.
 */
import { Mnemonic, OpKind } from 'iced-x86';
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { Fault, Unsupported, Vector } from '../fault.js';
import { TWO32, sel, cc, type SpecEntry } from './spec.js';
import { CC_MNEMONICS } from './alu.js';
import { RCX, SEG_CS } from '../registers.js';
import { InlineKind, lit } from '../inline.js';
import { Form, type FormEntry } from '../form.js';

/** A 64-bit register value as a linear address; non-canonical targets #GP (SDM JMP/CALL/RET, 64-bit mode). */
function target(lo: number, hi: number): number {
  if (hi < -32768 || hi > 32767) throw new Fault(Vector.GP, 0, 'branch to a non-canonical address');
  return hi * TWO32 + (lo >>> 0);
}

function jmp(c: Core, op: Op): void { c.rip = op.target; }

function jmpIndirect(c: Core, op: Op): void {
  const lo = c.readOperand(op, op.k0, op.r0, op.h0, 8);
  c.rip = target(lo, c.tHi);
}

function jcc(c: Core, op: Op): void {
  if (c.cond(op.cc)) { c.rip = op.target; c.time += c.costs.cls.branchTaken; }
}

function pushRip(c: Core): void {
  const h = Math.floor(c.rip / TWO32);
  c.push(8, (c.rip - h * TWO32) | 0, h);
}

function call(c: Core, op: Op): void {
  pushRip(c);
  c.rsb.onCall(c.rip, op.target);
  c.rip = op.target;
}

/** CALL r/m: the target is read before the return address is pushed. */
function callIndirect(c: Core, op: Op): void {
  const lo = c.readOperand(op, op.k0, op.r0, op.h0, 8);
  const t = target(lo, c.tHi);
  pushRip(c);
  c.rsb.onCall(c.rip, t);
  c.rip = t;
}

/**
 * RET: the return stack buffer predicted a target; a wrong prediction costs
 * the mispredict penalty (the `push addr; ret` of a context switch, a return
 * past 16 nested calls).
 */
function ret(c: Core, op: Op): void {
  const lo = c.pop(8);
  const t = target(lo, c.tHi);
  if (op.immLo !== 0) c.setRsp(c.rsp() + op.immLo);
  c.rip = t;
  const penalty = c.rsb.onRet(t);
  if (penalty !== 0) {
    c.time += penalty;
    const ev = c.host.events;
    if (ev.wants.mispredict) ev.emit('mispredict', { core: c.id, tick: c.time, rip: op.rip, target: t, predicted: c.rsb.lastPrediction, penalty });
  }
}

/**
 * RETF (64-bit operand size, as `lretq`): pop RIP then CS. Only returns to
 * the same privilege level are modelled — the common use is reloading CS
 * after installing a GDT; an outer-level return stops the run as unsupported.
 */
function retFar(c: Core, op: Op): void {
  const sz = op.size === 8 ? 8 : op.size === 2 ? 2 : 4;
  const ripLo = c.pop(sz), ripHi = sz === 8 ? c.tHi : 0;
  const cs = c.pop(sz) & 0xffff;
  if ((cs & 3) !== c.cpl) throw new Unsupported('far return to another privilege level');
  if ((cs & ~3) === 0) throw new Fault(Vector.GP, 0, 'far return to a null CS');
  const t = target(sz === 8 ? ripLo : ripLo >>> 0, sz === 8 ? ripHi : 0);
  if (op.immLo !== 0) c.setRsp(c.rsp() + op.immLo);
  c.segSel[SEG_CS] = cs;
  c.rip = t;
}

/** LOOP, LOOPE or LOOPNE (`op.sel`). */
const enum LoopKind { Loop, Loope, Loopne }

/** LOOP/LOOPE/LOOPNE: RCX is decremented without touching flags. */
function loop(c: Core, op: Op): void {
  let lo = c.lo[RCX]!, hi = c.hi[RCX]!;
  hi = (hi - (lo === 0 ? 1 : 0)) | 0; lo = (lo - 1) | 0;
  c.lo[RCX] = lo; c.hi[RCX] = hi;
  const nz = (lo | hi) !== 0;
  const take = op.sel === LoopKind.Loop ? nz : op.sel === LoopKind.Loope ? nz && c.getZF() === 1 : nz && c.getZF() === 0;
  if (take) { c.rip = op.target; c.time += c.costs.cls.branchTaken; }
}

function jrcxz(c: Core, op: Op): void {
  const zero = op.size === 8 ? (c.lo[RCX]! | c.hi[RCX]!) === 0 : c.lo[RCX]! === 0;
  if (zero) { c.rip = op.target; c.time += c.costs.cls.branchTaken; }
}

/** Near indirect forms take a register or memory operand; direct ones a NearBranch64 (far forms are rejected by the decoder). */
const isIndirect = (k: OpKind) => k === OpKind.Register || k === OpKind.Memory;

/**
 * Direct JMP and Jcc as compiled blocks write them (src/cpu/inline.ts). A
 * Jcc's condition is `c.cond(cc)` unless the compiler fuses it with the ALU
 * op that set the flags (`emitCond` with the condition's expression).
 */
const jccCode = (op: Op, cond: string) => `if (${cond}) { c.rip = ${lit(op.target)}; c.time += c.costs.cls.branchTaken; } else c.rip = ${lit(op.next)};`;
export const controlForms: FormEntry[] = [
  [Form.Jmp, { exec: jmp, inline: { kind: InlineKind.Branch, emit: (op) => `c.rip = ${lit(op.target)};` } }],
  [Form.JmpIndirect, { exec: jmpIndirect }],
  [Form.Jcc, { exec: jcc, inline: { kind: InlineKind.Branch, emit: (op) => jccCode(op, `c.cond(${op.cc})`), emitCond: jccCode } }],
  [Form.Call, { exec: call }],
  [Form.CallIndirect, { exec: callIndirect }],
];

export const controlSpecs: SpecEntry[] = [
  [Mnemonic.Jmp, { form: Form.Jmp, cls: (op) => (op.form === Form.Jmp ? 'jmp' : 'jmpIndirect'), ends: true, setup: (op, ins) => { if (isIndirect(ins.op0Kind)) op.form = Form.JmpIndirect; } }],
  [Mnemonic.Call, { form: Form.Call, cls: 'call', ends: true, setup: (op, ins) => { if (isIndirect(ins.op0Kind)) op.form = Form.CallIndirect; } }],
  [Mnemonic.Ret, { exec: ret, cls: 'ret', ends: true }],
  [Mnemonic.Retf, { exec: retFar, cls: 'iret', ends: true }],
  ...CC_MNEMONICS.j.map((m, i): SpecEntry => [m, { form: Form.Jcc, cls: 'jcc', ends: true, setup: cc(i) }]),
  [Mnemonic.Loop, { exec: loop, cls: 'jcc', ends: true, setup: sel(LoopKind.Loop) }],
  [Mnemonic.Loope, { exec: loop, cls: 'jcc', ends: true, setup: sel(LoopKind.Loope) }],
  [Mnemonic.Loopne, { exec: loop, cls: 'jcc', ends: true, setup: sel(LoopKind.Loopne) }],
  [[Mnemonic.Jrcxz, Mnemonic.Jecxz], { exec: jrcxz, cls: 'jcc', ends: true, setup: (op, ins) => { op.size = ins.mnemonic === Mnemonic.Jrcxz ? 8 : 4; } }],
];
