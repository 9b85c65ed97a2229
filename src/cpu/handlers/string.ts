/**
 * String instructions with REP/REPE/REPNE (SDM Vol. 2: MOVS, STOS, LODS, CMPS,
 * SCAS; "REP/REPE/REPZ/REPNE/REPNZ"). 64-bit address size: RSI, RDI, RCX.
 *
 * A REP op is interruptible between iterations, as on hardware (SDM §7.3.9.1
 * "fast-string operation" aside): when the scheduler's limit is reached, RCX
 * and the pointers hold the progress and RIP stays on the instruction, which
 * resumes later. The start-up cost is charged once per instruction, not per
 * resumption, so where the scheduler cuts a REP never changes its cost.
 */
import { Mnemonic, MemorySizeExt } from 'iced-x86';
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { FlagKind, DF } from '../flags.js';
import { MASK, TWO32, type SpecEntry } from './spec.js';
import { RAX, RCX, RSI, RDI } from '../registers.js';
import { NOT_RETIRED } from '../coreMemory.js';

const enum Str { Movs, Stos, Lods, Cmps, Scas }

function addrOf(c: Core, r: number): number {
  return c.hi[r]! * TWO32 + (c.lo[r]! >>> 0);
}

function advance(c: Core, r: number, delta: number): void {
  const s = (c.lo[r]! >>> 0) + delta;
  const carry = Math.floor(s / TWO32);
  c.lo[r] = s | 0;
  c.hi[r] = (c.hi[r]! + carry) | 0;
}

function decRcx(c: Core): boolean {
  const lo = c.lo[RCX]!;
  c.hi[RCX] = (c.hi[RCX]! - (lo === 0 ? 1 : 0)) | 0;
  c.lo[RCX] = (lo - 1) | 0;
  return (c.lo[RCX]! | c.hi[RCX]!) !== 0;
}

/** One iteration; returns false when a REPE/REPNE condition ends the loop. */
function once(c: Core, op: Op, kind: Str, sz: number, step: number): boolean {
  switch (kind) {
    case Str.Movs: {
      const v = c.read(addrOf(c, RSI), sz), vHi = c.tHi;
      c.write(addrOf(c, RDI), sz, v, vHi);
      advance(c, RSI, step); advance(c, RDI, step);
      return true;
    }
    case Str.Stos:
      c.write(addrOf(c, RDI), sz, c.lo[RAX]!, c.hi[RAX]!);
      advance(c, RDI, step);
      return true;
    case Str.Lods: {
      const v = c.read(addrOf(c, RSI), sz);
      c.setReg(RAX, 0, sz, v, c.tHi);
      advance(c, RSI, step);
      return true;
    }
    default: {
      // CMPS compares [RSI] − [RDI]; SCAS compares accumulator − [RDI].
      let a: number, aHi: number;
      if (kind === Str.Cmps) { a = c.read(addrOf(c, RSI), sz); aHi = c.tHi; advance(c, RSI, step); }
      else { a = c.getReg(RAX, 0, sz); aHi = c.tHi; }
      const b = c.read(addrOf(c, RDI), sz), bHi = c.tHi;
      advance(c, RDI, step);
      let r: number, rHi = 0;
      if (sz === 8) { const s = (a >>> 0) - (b >>> 0); r = s | 0; rHi = (aHi - bHi - (s < 0 ? 1 : 0)) | 0; }
      else r = sz === 4 ? (a - b) | 0 : (a - b) & MASK[sz]!;
      c.setArith(FlagKind.Sub, sz, sz === 4 ? a | 0 : a, aHi, sz === 4 ? b | 0 : b, bHi, r, rHi);
      const zf = c.getZF();
      return op.rep === 1 ? zf === 1 : op.rep === 2 ? zf === 0 : true;
    }
  }
}

function str(c: Core, op: Op): void {
  const kind = op.sel as Str;
  const sz = op.size;
  const step = (c.rflagsRest & DF) !== 0 ? -sz : sz;
  const per = c.costs.cls.stringIteration;
  if (c.spinTrack) c.spin!.onDirty(c);
  if (op.rep === 0) { once(c, op, kind, sz, step); c.time += per; return; }

  // A REP op the scheduler suspended resumes without paying start-up again. By address, not by
  // Op: the resumption starts a new block at the instruction, which decodes a new Op for it.
  if (c.repResumeRip === op.rip) c.repResumeRip = NaN;
  else c.time += c.costs.cls.stringSetup;
  if ((c.lo[RCX]! | c.hi[RCX]!) === 0) return;
  for (;;) {
    const cont = once(c, op, kind, sz, step);
    c.time += per;
    if (!decRcx(c) || !cont) return;
    if (c.shouldYield()) {
      // Suspend: re-execute this instruction later, with RCX/RSI/RDI holding the progress.
      c.rip = op.rip;
      c.repResumeRip = op.rip;
      c.repSuspensions++;
      throw NOT_RETIRED;
    }
  }
}

const kindOf = (k: Str) => (op: Op, ins: { memorySize: number }) => { op.sel = k; op.size = MemorySizeExt.size(ins.memorySize); };

export const stringSpecs: SpecEntry[] = [
  [[Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq], { exec: str, cls: 'stringIteration', selfTimed: true, ends: true, setup: kindOf(Str.Movs) }],
  [[Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq], { exec: str, cls: 'stringIteration', selfTimed: true, ends: true, setup: kindOf(Str.Stos) }],
  [[Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq], { exec: str, cls: 'stringIteration', selfTimed: true, ends: true, setup: kindOf(Str.Lods) }],
  [[Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd, Mnemonic.Cmpsq], { exec: str, cls: 'stringIteration', selfTimed: true, ends: true, setup: kindOf(Str.Cmps) }],
  [[Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Scasq], { exec: str, cls: 'stringIteration', selfTimed: true, ends: true, setup: kindOf(Str.Scas) }],
];
