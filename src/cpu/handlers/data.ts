/**
 * Data movement and flag-register instructions (SDM Vol. 2: MOV, MOVZX,
 * MOVSX/MOVSXD, LEA, PUSH, POP, LEAVE, PUSHF/POPF, LAHF/SAHF, CLC/STC/CMC,
 * CLD/STD, NOP).
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { CF, DF, ARITH_FLAGS } from '../flags.js';
import { MASK, sel, type SpecEntry } from './spec.js';
import { RSP, RBP, RAX } from '../registers.js';
import { InlineKind, eaCode, eaPairCode, type InlineForm } from '../inline.js';
import { Form, type FormEntry } from '../form.js';
import { loadCode, storeCode } from '../inlineMemory.js';

function mov(c: Core, op: Op): void {
  const sz = op.size;
  const v = c.readOperand(op, op.k1, op.r1, op.h1, sz);
  c.writeDst(op, sz, v, c.tHi, false);
}

// Specialized MOV forms, picked at decode: the most frequent instruction in
// gcc output, so each form avoids the generic operand switch.
function movRR8(c: Core, op: Op): void { c.lo[op.r0] = c.lo[op.r1]!; c.hi[op.r0] = c.hi[op.r1]!; }
function movRR4(c: Core, op: Op): void { c.lo[op.r0] = c.lo[op.r1]!; c.hi[op.r0] = 0; }
function movRI8(c: Core, op: Op): void { c.lo[op.r0] = op.immLo; c.hi[op.r0] = op.immHi; }
function movRI4(c: Core, op: Op): void { c.lo[op.r0] = op.immLo; c.hi[op.r0] = 0; }
function movRM8(c: Core, op: Op): void { const v = c.read(c.ea(op), 8); c.lo[op.r0] = v; c.hi[op.r0] = c.tHi; }
function movRM4(c: Core, op: Op): void { c.lo[op.r0] = c.read(c.ea(op), 4); c.hi[op.r0] = 0; }
function movMR(c: Core, op: Op): void { const sz = op.size; c.write(c.ea(op), sz, c.lo[op.r1]!, c.hi[op.r1]!); }
function movMI(c: Core, op: Op): void { c.write(c.ea(op), op.size, op.immLo, op.immHi); }

/** The MOV form for the op's operands (Form.Mov, the generic one, otherwise). */
function pickMov(op: Op): void {
  const sz = op.size;
  if (sz === 8 || sz === 4) {
    if (op.k0 === K.Reg && op.r0 >= 0) {
      if (op.k1 === K.Reg && op.r1 >= 0) op.form = sz === 8 ? Form.MovRR8 : Form.MovRR4;
      else if (op.k1 === K.Imm) op.form = sz === 8 ? Form.MovRI8 : Form.MovRI4;
      else if (op.k1 === K.Mem) op.form = sz === 8 ? Form.MovRM8 : Form.MovRM4;
    } else if (op.k0 === K.Mem) {
      if (op.k1 === K.Reg && op.r1 >= 0) op.form = Form.MovMR;
      else if (op.k1 === K.Imm) op.form = Form.MovMI;
    }
  } else if (op.k0 === K.Mem && op.k1 === K.Reg && op.h1 === 0 && op.r1 >= 0) {
    op.form = Form.MovMR; // 8/16-bit stores of a low register part: write() truncates to the size
  }
}

/** MOVZX/MOVSX/MOVSXD: read `size2` bytes, extend to `size`. */
function movExtend(c: Core, op: Op, signed: boolean): void {
  const from = op.size2;
  let v = c.readOperand(op, op.k1, op.r1, op.h1, from);
  let vHi = 0;
  if (signed) {
    // Sign-extend.
    if (from === 1) v = (v << 24) >> 24;
    else if (from === 2) v = (v << 16) >> 16;
    vHi = v >> 31;
    if (op.size < 4) v &= MASK[op.size]!;
  }
  c.setReg(op.r0, op.h0, op.size, v, vHi);
}
const movZx = (c: Core, op: Op) => movExtend(c, op, false);
const movSx = (c: Core, op: Op) => movExtend(c, op, true);

/** LEA: the effective address itself, truncated to the operand size; no memory access, no canonical check. */
function lea(c: Core, op: Op): void {
  const lo = c.eaPair(op) | 0;
  c.setReg(op.r0, op.h0, op.size, op.size === 2 ? lo & 0xffff : lo, c.tHi);
}

function push(c: Core, op: Op): void {
  const sz = op.size;
  const v = c.readOperand(op, op.k0, op.r0, op.h0, sz);
  c.push(sz, v, c.tHi);
}

/** POP r/m: RSP is incremented before a memory destination's address is computed (SDM POP). */
function pop(c: Core, op: Op): void {
  const sz = op.size;
  const v = c.pop(sz), vHi = c.tHi;
  c.writeDst(op, sz, v, vHi, false);
}

function leave(c: Core, op: Op): void {
  c.lo[RSP] = c.lo[RBP]!; c.hi[RSP] = c.hi[RBP]!;
  const v = c.pop(op.size);
  c.setReg(RBP, 0, op.size, v, c.tHi);
}

function nop(_c: Core, _op: Op): void {}

/** PUSHF: RF and VM read as 0 in the pushed image (SDM PUSHF). */
function pushf(c: Core, op: Op): void {
  const f = c.getRflags() & ~((1 << 16) | (1 << 17));
  c.push(op.size, op.size === 2 ? f & 0xffff : f, 0);
}

/**
 * POPF: which bits change depends on CPL and IOPL (SDM POPF, Table "Effect of
 * POPF"): IF only when CPL ≤ IOPL, IOPL only at CPL 0; VM/VIP/VIF never in
 * 64-bit mode. RF is cleared.
 */
function popf(c: Core, op: Op): void {
  const v = c.pop(op.size);
  const old = c.getRflags();
  const iopl = (old >> 12) & 3;
  let writable = ARITH_FLAGS | (1 << 8) | DF | (1 << 14) | (1 << 18) | (1 << 21);
  if (c.cpl <= iopl) writable |= 1 << 9;
  if (c.cpl === 0) writable |= 3 << 12;
  if (op.size === 2) writable &= 0xffff;
  c.setRflags(((old & ~writable) | (v & writable)) & ~(1 << 16));
}

/** LAHF: AH ← SF:ZF:0:AF:0:PF:1:CF. */
function lahf(c: Core, _op: Op): void {
  c.setReg(RAX, 8, 1, (c.arithFlags() & 0xd5) | 0x02, 0);
}

/** SAHF: SF, ZF, AF, PF, CF ← AH; OF unchanged. */
function sahf(c: Core, _op: Op): void {
  const ah = (c.lo[RAX]! >> 8) & 0xd5;
  c.setArithFlags((c.arithFlags() & ~0xd5) | ah);
}

/** The flag instruction a `flagOp` is (`op.sel`). */
const enum FlagOp { Clc, Stc, Cmc, Cld, Std }

function flagOp(c: Core, op: Op): void {
  switch (op.sel as FlagOp) {
    case FlagOp.Clc: c.setArithFlags(c.arithFlags() & ~CF); break;
    case FlagOp.Stc: c.setArithFlags(c.arithFlags() | CF); break;
    case FlagOp.Cmc: c.setArithFlags(c.arithFlags() ^ CF); break;
    case FlagOp.Cld: c.rflagsRest &= ~DF; break;
    case FlagOp.Std: c.rflagsRest |= DF; break;
  }
}

/**
 * MOVBE r, m / m, r (SDM Vol. 2 MOVBE): a load or store with the bytes
 * swapped; a 16-bit register destination keeps its upper bits. Flags
 * unaffected.
 */
function movbe(c: Core, op: Op): void {
  const sz = op.size;
  const sw = (x: number) => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
  if (op.k0 === K.Reg) {
    const v = c.read(c.ea(op), sz), vHi = c.tHi;
    if (sz === 8) c.setReg(op.r0, 0, 8, sw(vHi), sw(v));
    else if (sz === 4) c.setReg(op.r0, 0, 4, sw(v), 0);
    else c.setReg(op.r0, 0, 2, ((v & 0xff) << 8) | ((v >>> 8) & 0xff), 0);
  } else {
    const v = c.lo[op.r1]!, vHi = c.hi[op.r1]!;
    if (sz === 8) c.write(c.ea(op), 8, sw(vHi), sw(v));
    else if (sz === 4) c.write(c.ea(op), 4, sw(v), 0);
    else c.write(c.ea(op), 2, ((v & 0xff) << 8) | ((v >>> 8) & 0xff), 0);
  }
}


/** MOVZX/MOVSX/MOVSXD into a 32/64-bit register, from a register (AH..BH included) or memory, as compiled blocks write it. */
function movExtendInline(signed: boolean): InlineForm {
  return {
    kind: InlineKind.Mem,
    accepts: (op) => (op.size === 8 || op.size === 4) && op.k0 === K.Reg && op.h0 === 0 && op.r0 >= 0 && ((op.k1 === K.Reg && op.r1 >= 0) || op.k1 === K.Mem),
    emit: (op, o) => {
      const from = op.size2;
      const src = op.k1 === K.Mem ? `${eaCode(op, o)} c.lastEa = ea; ${loadCode(op, from)}`
        : `let v = ${from === 1 ? `(lo[${op.r1}] >> ${op.h1}) & 0xff` : from === 2 ? `lo[${op.r1}] & 0xffff` : `lo[${op.r1}]`};`;
      const ext = signed ? `${from === 1 ? 'v = (v << 24) >> 24; ' : from === 2 ? 'v = (v << 16) >> 16; ' : ''}const xHi = v >> 31;` : 'const xHi = 0;';
      const set = op.size === 8 ? `lo[${op.r0}] = v; hi[${op.r0}] = xHi;` : `lo[${op.r0}] = v; hi[${op.r0}] = 0;`;
      return `{ ${src} ${ext} ${set} }`;
    },
  };
}

/**
 * The MOV forms and LEA, with the code compiled blocks write for them
 * (src/cpu/inline.ts): each does what its handler does, with the op's fields
 * as constants.
 */
export const dataForms: FormEntry[] = [
  [Form.Mov, { exec: mov }],
  [Form.MovRR8, { exec: movRR8, inline: { kind: InlineKind.Pure, emit: (op) => `lo[${op.r0}] = lo[${op.r1}]; hi[${op.r0}] = hi[${op.r1}];` } }],
  [Form.MovRR4, { exec: movRR4, inline: { kind: InlineKind.Pure, emit: (op) => `lo[${op.r0}] = lo[${op.r1}]; hi[${op.r0}] = 0;` } }],
  [Form.MovRI8, { exec: movRI8, inline: { kind: InlineKind.Pure, emit: (op) => `lo[${op.r0}] = ${op.immLo | 0}; hi[${op.r0}] = ${op.immHi | 0};` } }],
  [Form.MovRI4, { exec: movRI4, inline: { kind: InlineKind.Pure, emit: (op) => `lo[${op.r0}] = ${op.immLo | 0}; hi[${op.r0}] = 0;` } }],
  // Loads and stores test for a TLB and L1 hit inline (src/cpu/inlineMemory.ts), else call read/write.
  [Form.MovRM8, { exec: movRM8, inline: { kind: InlineKind.Mem, emit: (op, o) => `{ ${eaCode(op, o)} ${loadCode(op, 8)} lo[${op.r0}] = v; hi[${op.r0}] = vHi; }` } }],
  [Form.MovRM4, { exec: movRM4, inline: { kind: InlineKind.Mem, emit: (op, o) => `{ ${eaCode(op, o)} ${loadCode(op, 4)} lo[${op.r0}] = v; hi[${op.r0}] = 0; }` } }],
  [Form.MovMR, { exec: movMR, inline: { kind: InlineKind.Mem, emit: (op, o) => `{ ${eaCode(op, o)} ${storeCode(op.size, `lo[${op.r1}]`, `hi[${op.r1}]`)} }` } }],
  [Form.MovMI, { exec: movMI, inline: { kind: InlineKind.Mem, emit: (op, o) => `{ ${eaCode(op, o)} ${storeCode(op.size, String(op.immLo), String(op.immHi))} }` } }],
  [Form.MovZx, { exec: movZx, inline: movExtendInline(false) }],
  [Form.MovSx, { exec: movSx, inline: movExtendInline(true) }],
  [Form.Lea, {
    exec: lea,
    inline: {
      kind: InlineKind.Pure,
      emit: (op) => {
        // setReg's partial-register rules for the sizes LEA has (2, 4, 8); a 16-bit LEA keeps bits 63:16.
        const r = op.r0;
        const set = op.size === 8 ? `lo[${r}] = pLo | 0; hi[${r}] = pHi;`
          : op.size === 4 ? `lo[${r}] = pLo | 0; hi[${r}] = 0;`
          : `lo[${r}] = (lo[${r}] & ~0xffff) | (pLo & 0xffff);`;
        return `{ ${eaPairCode(op)} ${set} }`;
      },
    },
  }],
];

export const dataSpecs: SpecEntry[] = [
  [Mnemonic.Mov, { form: Form.Mov, cls: 'mov', setup: pickMov }],
  [Mnemonic.Movzx, { form: Form.MovZx, cls: 'mov' }],
  [[Mnemonic.Movsx, Mnemonic.Movsxd], { form: Form.MovSx, cls: 'mov' }],
  [Mnemonic.Lea, { form: Form.Lea, cls: 'lea', setup: (op) => { op.mSeg = -1; } }],
  [Mnemonic.Push, { exec: push, cls: 'push' }],
  [Mnemonic.Pop, { exec: pop, cls: 'pop' }],
  [Mnemonic.Leave, { exec: leave, cls: 'pop' }],
  [[Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Endbr32, Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2, Mnemonic.Prefetchw], { exec: nop, cls: 'nop' }],
  [Mnemonic.Pushf, { exec: pushf, cls: 'pushfPopf' }],
  [Mnemonic.Pushfq, { exec: pushf, cls: 'pushfPopf' }],
  [[Mnemonic.Popf, Mnemonic.Popfq], { exec: popf, cls: 'pushfPopf', ends: true }],
  [Mnemonic.Lahf, { exec: lahf, cls: 'flagOp' }],
  [Mnemonic.Sahf, { exec: sahf, cls: 'flagOp' }],
  [Mnemonic.Clc, { exec: flagOp, cls: 'flagOp', setup: sel(FlagOp.Clc) }],
  [Mnemonic.Stc, { exec: flagOp, cls: 'flagOp', setup: sel(FlagOp.Stc) }],
  [Mnemonic.Cmc, { exec: flagOp, cls: 'flagOp', setup: sel(FlagOp.Cmc) }],
  [Mnemonic.Cld, { exec: flagOp, cls: 'flagOp', setup: sel(FlagOp.Cld) }],
  [Mnemonic.Std, { exec: flagOp, cls: 'flagOp', setup: sel(FlagOp.Std) }],
  [Mnemonic.Movbe, { exec: movbe, cls: 'movbe' }],
];
