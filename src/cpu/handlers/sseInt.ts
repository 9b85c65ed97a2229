/**
 * Packed integer SSE2/SSSE3/SSE4.1/SSE4.2/AVX2 instructions (SDM Vol. 2 per
 * instruction): arithmetic with wrap-around and saturation, multiplies,
 * averages, min/max, compares, shifts, packs, sign/zero extension, blends,
 * PSHUFB, PTEST. Lane-wise ops loop over vl / element size elements, so the
 * VEX.256 (AVX2) forms share the handlers; cross-element ops work per
 * 128-bit lane as the SDM defines.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { simdAvail, loadB, commit } from '../simd/access.js';
import { vspec, NO_SEL } from './sseSpec.js';
import type { SpecEntry } from './spec.js';
import type { InstructionClass } from '../../profile/schema.js';

export const enum PI {
  AddB, AddW, AddD, AddQ, SubB, SubW, SubD, SubQ,
  AddSB, AddSW, AddUSB, AddUSW, SubSB, SubSW, SubUSB, SubUSW,
  MulLW, MulHW, MulHUW, MulUDQ, MaddWD, AvgB, AvgW,
  MinUB, MaxUB, MinSW, MaxSW, MinSB, MaxSB, MinUW, MaxUW, MinSD, MaxSD, MinUD, MaxUD,
  SadBW, CmpEqB, CmpEqW, CmpEqD, CmpEqQ, CmpGtB, CmpGtW, CmpGtD, CmpGtQ,
  MulLD, MulDQ, AbsB, AbsW, AbsD, SignB, SignW, SignD,
  HAddW, HAddD, HAddSW, HSubW, HSubD, HSubSW, MaddUBSW, MulHRSW, ShufB,
  PackSSWB, PackSSDW, PackUSWB, PackUSDW,
}

const satS8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const satU8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const satS16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const satU16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

/** Unsigned 32×32 → 64-bit product, as (lo, hi) in `mulOut`. */
const mulOut = { lo: 0, hi: 0 };
function mulU32(a: number, b: number): void {
  a >>>= 0; b >>>= 0;
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulOut.lo = ((mid & 0xffff) << 16) | (ll & 0xffff);
  mulOut.hi = (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) | 0;
}

function pint(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const X = c.xv, S = c.sv, R = c.rv, vl = op.vl;
  const a8 = op.va << 5, a16 = op.va << 4, a32 = op.va << 3;
  const xb = X.u8, xsb = X.i8, xw = X.u16, xsw = X.i16, xd = X.u32, xsd = X.i32;
  const sb = S.u8, ssb = S.i8, sw = S.u16, ssw = S.i16, sd = S.u32, ssd = S.i32;
  const rb = R.u8, rw = R.u16, rd = R.u32;
  switch (op.sel as PI) {
    case PI.AddB: for (let i = 0; i < vl; i++) rb[i] = xb[a8 + i]! + sb[i]!; break;
    case PI.AddW: for (let i = 0; i < vl / 2; i++) rw[i] = xw[a16 + i]! + sw[i]!; break;
    case PI.AddD: for (let i = 0; i < vl / 4; i++) rd[i] = xd[a32 + i]! + sd[i]!; break;
    case PI.SubB: for (let i = 0; i < vl; i++) rb[i] = xb[a8 + i]! - sb[i]!; break;
    case PI.SubW: for (let i = 0; i < vl / 2; i++) rw[i] = xw[a16 + i]! - sw[i]!; break;
    case PI.SubD: for (let i = 0; i < vl / 4; i++) rd[i] = xd[a32 + i]! - sd[i]!; break;
    case PI.AddQ: case PI.SubQ: {
      const sub = op.sel === PI.SubQ;
      for (let i = 0; i < vl / 4; i += 2) {
        const al = xd[a32 + i]!, bl = sd[i]!;
        const lo = sub ? al - bl : al + bl;
        const carry = sub ? (lo < 0 ? 1 : 0) : (lo > 0xffffffff ? 1 : 0);
        rd[i] = lo;
        rd[i + 1] = sub ? xd[a32 + i + 1]! - sd[i + 1]! - carry : xd[a32 + i + 1]! + sd[i + 1]! + carry;
      }
      break;
    }
    case PI.AddSB: for (let i = 0; i < vl; i++) rb[i] = satS8(xsb[a8 + i]! + ssb[i]!); break;
    case PI.AddSW: for (let i = 0; i < vl / 2; i++) rw[i] = satS16(xsw[a16 + i]! + ssw[i]!); break;
    case PI.AddUSB: for (let i = 0; i < vl; i++) rb[i] = satU8(xb[a8 + i]! + sb[i]!); break;
    case PI.AddUSW: for (let i = 0; i < vl / 2; i++) rw[i] = satU16(xw[a16 + i]! + sw[i]!); break;
    case PI.SubSB: for (let i = 0; i < vl; i++) rb[i] = satS8(xsb[a8 + i]! - ssb[i]!); break;
    case PI.SubSW: for (let i = 0; i < vl / 2; i++) rw[i] = satS16(xsw[a16 + i]! - ssw[i]!); break;
    case PI.SubUSB: for (let i = 0; i < vl; i++) rb[i] = satU8(xb[a8 + i]! - sb[i]!); break;
    case PI.SubUSW: for (let i = 0; i < vl / 2; i++) rw[i] = satU16(xw[a16 + i]! - sw[i]!); break;
    case PI.MulLW: for (let i = 0; i < vl / 2; i++) rw[i] = Math.imul(xsw[a16 + i]!, ssw[i]!); break;
    case PI.MulHW: for (let i = 0; i < vl / 2; i++) rw[i] = (xsw[a16 + i]! * ssw[i]!) >> 16; break;
    case PI.MulHUW: for (let i = 0; i < vl / 2; i++) rw[i] = (xw[a16 + i]! * sw[i]!) >>> 16; break;
    case PI.MulHRSW: for (let i = 0; i < vl / 2; i++) rw[i] = ((((xsw[a16 + i]! * ssw[i]!) >> 14) + 1) >> 1); break;
    case PI.MulLD: for (let i = 0; i < vl / 4; i++) rd[i] = Math.imul(xd[a32 + i]!, sd[i]!); break;
    case PI.MulUDQ: case PI.MulDQ:
      for (let i = 0; i < vl / 4; i += 2) {
        const x = xd[a32 + i]!, y = sd[i]!;
        mulU32(x, y);
        let hi = mulOut.hi;
        if (op.sel === PI.MulDQ) hi = (hi - ((x | 0) < 0 ? y : 0) - ((y | 0) < 0 ? x : 0)) | 0;
        rd[i] = mulOut.lo; rd[i + 1] = hi;
      }
      break;
    case PI.MaddWD:
      for (let i = 0; i < vl / 4; i++) rd[i] = xsw[a16 + 2 * i]! * ssw[2 * i]! + xsw[a16 + 2 * i + 1]! * ssw[2 * i + 1]!;
      break;
    case PI.MaddUBSW:
      for (let i = 0; i < vl / 2; i++) rw[i] = satS16(xb[a8 + 2 * i]! * ssb[2 * i]! + xb[a8 + 2 * i + 1]! * ssb[2 * i + 1]!);
      break;
    case PI.AvgB: for (let i = 0; i < vl; i++) rb[i] = (xb[a8 + i]! + sb[i]! + 1) >> 1; break;
    case PI.AvgW: for (let i = 0; i < vl / 2; i++) rw[i] = (xw[a16 + i]! + sw[i]! + 1) >> 1; break;
    case PI.MinUB: for (let i = 0; i < vl; i++) rb[i] = Math.min(xb[a8 + i]!, sb[i]!); break;
    case PI.MaxUB: for (let i = 0; i < vl; i++) rb[i] = Math.max(xb[a8 + i]!, sb[i]!); break;
    case PI.MinSB: for (let i = 0; i < vl; i++) rb[i] = Math.min(xsb[a8 + i]!, ssb[i]!); break;
    case PI.MaxSB: for (let i = 0; i < vl; i++) rb[i] = Math.max(xsb[a8 + i]!, ssb[i]!); break;
    case PI.MinSW: for (let i = 0; i < vl / 2; i++) rw[i] = Math.min(xsw[a16 + i]!, ssw[i]!); break;
    case PI.MaxSW: for (let i = 0; i < vl / 2; i++) rw[i] = Math.max(xsw[a16 + i]!, ssw[i]!); break;
    case PI.MinUW: for (let i = 0; i < vl / 2; i++) rw[i] = Math.min(xw[a16 + i]!, sw[i]!); break;
    case PI.MaxUW: for (let i = 0; i < vl / 2; i++) rw[i] = Math.max(xw[a16 + i]!, sw[i]!); break;
    case PI.MinSD: for (let i = 0; i < vl / 4; i++) rd[i] = Math.min(xsd[a32 + i]!, ssd[i]!); break;
    case PI.MaxSD: for (let i = 0; i < vl / 4; i++) rd[i] = Math.max(xsd[a32 + i]!, ssd[i]!); break;
    case PI.MinUD: for (let i = 0; i < vl / 4; i++) rd[i] = Math.min(xd[a32 + i]!, sd[i]!); break;
    case PI.MaxUD: for (let i = 0; i < vl / 4; i++) rd[i] = Math.max(xd[a32 + i]!, sd[i]!); break;
    case PI.SadBW:
      for (let q = 0; q < vl / 8; q++) {
        let s = 0;
        for (let k = 0; k < 8; k++) s += Math.abs(xb[a8 + 8 * q + k]! - sb[8 * q + k]!);
        rd[2 * q] = s; rd[2 * q + 1] = 0;
      }
      break;
    case PI.CmpEqB: for (let i = 0; i < vl; i++) rb[i] = xb[a8 + i] === sb[i] ? 0xff : 0; break;
    case PI.CmpEqW: for (let i = 0; i < vl / 2; i++) rw[i] = xw[a16 + i] === sw[i] ? 0xffff : 0; break;
    case PI.CmpEqD: for (let i = 0; i < vl / 4; i++) rd[i] = xd[a32 + i] === sd[i] ? 0xffffffff : 0; break;
    case PI.CmpEqQ:
      for (let i = 0; i < vl / 4; i += 2) { const e = xd[a32 + i] === sd[i] && xd[a32 + i + 1] === sd[i + 1]; rd[i] = rd[i + 1] = e ? 0xffffffff : 0; }
      break;
    case PI.CmpGtB: for (let i = 0; i < vl; i++) rb[i] = xsb[a8 + i]! > ssb[i]! ? 0xff : 0; break;
    case PI.CmpGtW: for (let i = 0; i < vl / 2; i++) rw[i] = xsw[a16 + i]! > ssw[i]! ? 0xffff : 0; break;
    case PI.CmpGtD: for (let i = 0; i < vl / 4; i++) rd[i] = xsd[a32 + i]! > ssd[i]! ? 0xffffffff : 0; break;
    case PI.CmpGtQ:
      for (let i = 0; i < vl / 4; i += 2) {
        const ah = xsd[a32 + i + 1]!, bh = ssd[i + 1]!;
        const gt = ah > bh || (ah === bh && xd[a32 + i]! > sd[i]!);
        rd[i] = rd[i + 1] = gt ? 0xffffffff : 0;
      }
      break;
    case PI.AbsB: for (let i = 0; i < vl; i++) rb[i] = Math.abs(ssb[i]!); break;
    case PI.AbsW: for (let i = 0; i < vl / 2; i++) rw[i] = Math.abs(ssw[i]!); break;
    case PI.AbsD: for (let i = 0; i < vl / 4; i++) rd[i] = Math.abs(ssd[i]!); break;
    case PI.SignB: for (let i = 0; i < vl; i++) { const s = ssb[i]!; rb[i] = s < 0 ? -xsb[a8 + i]! : s === 0 ? 0 : xsb[a8 + i]!; } break;
    case PI.SignW: for (let i = 0; i < vl / 2; i++) { const s = ssw[i]!; rw[i] = s < 0 ? -xsw[a16 + i]! : s === 0 ? 0 : xsw[a16 + i]!; } break;
    case PI.SignD: for (let i = 0; i < vl / 4; i++) { const s = ssd[i]!; rd[i] = s < 0 ? -xsd[a32 + i]! : s === 0 ? 0 : xsd[a32 + i]!; } break;
    case PI.HAddW: case PI.HSubW: case PI.HAddSW: case PI.HSubSW: {
      const sub = op.sel === PI.HSubW || op.sel === PI.HSubSW, sat = op.sel === PI.HAddSW || op.sel === PI.HSubSW;
      for (let l = 0; l < vl / 2; l += 8) {
        for (let i = 0; i < 4; i++) {
          const x = xsw[a16 + l + 2 * i]!, y = xsw[a16 + l + 2 * i + 1]!;
          const u = ssw[l + 2 * i]!, v = ssw[l + 2 * i + 1]!;
          const r1 = sub ? x - y : x + y, r2 = sub ? u - v : u + v;
          rw[l + i] = sat ? satS16(r1) : r1; rw[l + 4 + i] = sat ? satS16(r2) : r2;
        }
      }
      break;
    }
    case PI.HAddD: case PI.HSubD: {
      const sub = op.sel === PI.HSubD;
      for (let l = 0; l < vl / 4; l += 4) {
        for (let i = 0; i < 2; i++) {
          const x = xd[a32 + l + 2 * i]!, y = xd[a32 + l + 2 * i + 1]!, u = sd[l + 2 * i]!, v = sd[l + 2 * i + 1]!;
          rd[l + i] = sub ? x - y : x + y; rd[l + 2 + i] = sub ? u - v : u + v;
        }
      }
      break;
    }
    case PI.ShufB:
      for (let l = 0; l < vl; l += 16) for (let i = 0; i < 16; i++) { const m = sb[l + i]!; rb[l + i] = m & 0x80 ? 0 : xb[a8 + l + (m & 15)]!; }
      break;
    case PI.PackSSWB: case PI.PackUSWB:
      for (let l = 0; l < vl; l += 16) for (let i = 0; i < 8; i++) {
        const x = xsw[a16 + l / 2 + i]!, y = ssw[l / 2 + i]!;
        rb[l + i] = op.sel === PI.PackSSWB ? satS8(x) : satU8(x);
        rb[l + 8 + i] = op.sel === PI.PackSSWB ? satS8(y) : satU8(y);
      }
      break;
    case PI.PackSSDW: case PI.PackUSDW:
      for (let l = 0; l < vl / 2; l += 8) for (let i = 0; i < 4; i++) {
        const x = xsd[a32 + l / 2 + i]!, y = ssd[l / 2 + i]!;
        rw[l + i] = op.sel === PI.PackSSDW ? satS16(x) : satU16(x);
        rw[l + 4 + i] = op.sel === PI.PackSSDW ? satS16(y) : satU16(y);
      }
      break;
  }
  commit(c, op, vl >> 2);
}

// ------------------------------------------------------------------ shifts

/** The kind of an element shift (op.sel of PSLL/PSRL/PSRA and VPSLLV/VPSRLV/VPSRAV). */
const enum VShift { Left, LogicalRight, ArithmeticRight }

/**
 * PSLLW/D/Q, PSRLW/D/Q, PSRAW/D by imm8 or by the low 64 bits of an XMM /
 * m128 (SDM "PSLLW/PSLLD/PSLLQ"): counts above the element width clear the
 * element (arithmetic shifts fill with the sign). op.sel: the VShift;
 * op.elem: element bytes.
 */
function pshift(c: Core, op: Op): void {
  simdAvail(c, op);
  let count: number;
  let src: number;
  const last = op.vex ? op.k2 : op.k1;
  if (last === K.Imm) {
    count = op.immLo & 0xff;
    src = op.vex ? op.r1 : op.r0;
  } else {
    loadB(c, op);
    count = c.vs[1] !== 0 ? 0xffff : Math.min(c.vs[0]! >>> 0, 0xffff);
    src = op.va;
  }
  vShiftAll(c, op, src, op.sel as VShift, count);
  op.vd = op.r0;
  commit(c, op, op.vl >> 2);
}

function vShiftAll(c: Core, op: Op, src: number, kind: VShift, count: number): void {
  const e = op.elem, vl = op.vl;
  const X = c.xv, R = c.rv;
  if (e === 2) {
    const a = src << 4;
    for (let i = 0; i < vl / 2; i++) R.u16[i] = shiftEl(X.u16[a + i]!, X.i16[a + i]!, kind, count, 16);
  } else if (e === 4) {
    const a = src << 3;
    for (let i = 0; i < vl / 4; i++) R.u32[i] = shiftEl(X.u32[a + i]!, X.i32[a + i]!, kind, count, 32);
  } else {
    const a = src << 3;
    for (let i = 0; i < vl / 4; i += 2) shiftQ(R.u32, i, X.u32[a + i]!, X.u32[a + i + 1]!, kind, count);
  }
}

function shiftEl(u: number, s: number, kind: VShift, n: number, w: number): number {
  if (kind === VShift.ArithmeticRight) return n >= w ? (s < 0 ? -1 : 0) : s >> n;
  if (n >= w) return 0;
  return kind === VShift.Left ? u << n : u >>> n;
}

function shiftQ(out: Uint32Array, i: number, lo: number, hi: number, kind: VShift, n: number): void {
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  let r: bigint;
  if (kind === VShift.ArithmeticRight) r = BigInt.asUintN(64, BigInt.asIntN(64, v) >> BigInt(Math.min(n, 63)));
  else if (n >= 64) r = 0n;
  else r = kind === VShift.Left ? BigInt.asUintN(64, v << BigInt(n)) : v >> BigInt(n);
  out[i] = Number(r & 0xffffffffn); out[i + 1] = Number(r >> 32n);
}

/** VPSLLVD/Q, VPSRLVD/Q, VPSRAVD (AVX2): per-element counts from the second source (op.sel: the VShift; op.elem: element bytes). */
function pshiftV(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const e = op.elem, kind = op.sel as VShift, X = c.xv, R = c.rv, S = c.sv, a = op.va << 3;
  if (e === 4) for (let i = 0; i < op.vl / 4; i++) R.u32[i] = shiftEl(X.u32[a + i]!, X.i32[a + i]!, kind, S.u32[i]!, 32);
  else for (let i = 0; i < op.vl / 4; i += 2) {
    const n = S.u32[i + 1] !== 0 ? 64 : S.u32[i]!;
    shiftQ(R.u32, i, X.u32[a + i]!, X.u32[a + i + 1]!, kind, Math.min(n, 64));
  }
  commit(c, op, op.vl >> 2);
}

// ---------------------------------------------------- extension, blends, test

/** The extension of PMOVZX / PMOVSX (op.sel). */
const enum Extend { Zero, Sign }

/** PMOVSX/PMOVZX: op.sel the Extend; op.elem source element bytes, op.elem2 destination element bytes. */
function pmovx(c: Core, op: Op): void {
  simdAvail(c, op);
  const se = op.elem, de = op.elem2, signed = op.sel === Extend.Sign;
  const n = op.vl / de;
  if (op.k1 === K.Mem) {
    const a = c.ea(op);
    const bytes = n * se;
    if (bytes >= 16) c.readVec(a, bytes, c.vs, 0);
    else if (bytes === 8) { c.vs[0] = c.read(a, 8); c.vs[1] = c.tHi; }
    else c.vs[0] = c.read(a, bytes);
  } else {
    const s = op.r1 << 3;
    for (let i = 0; i < 8; i++) c.vs[i] = c.xmm[s + i]!;
  }
  const S = c.sv, R = c.rv;
  for (let i = 0; i < n; i++) {
    let v: number;
    if (se === 1) v = signed ? S.i8[i]! : S.u8[i]!;
    else if (se === 2) v = signed ? S.i16[i]! : S.u16[i]!;
    else v = signed ? S.i32[i]! : S.u32[i]!;
    if (de === 2) R.u16[i] = v;
    else if (de === 4) R.u32[i] = v;
    else { R.u32[2 * i] = v; R.u32[2 * i + 1] = v < 0 ? 0xffffffff : 0; }
  }
  op.vd = op.r0;
  commit(c, op, op.vl >> 2);
}

/** What selects the elements of a blend (op.sel). */
const enum Blend { Immediate, Variable }

/**
 * PBLENDW / BLENDPS / BLENDPD (Blend.Immediate: imm8 selects the second
 * source per element) and PBLENDVB / BLENDVPS / BLENDVPD (Blend.Variable:
 * the mask's element sign bits select; the mask is XMM0 in the legacy form,
 * the fourth operand in the VEX form). op.elem = element bytes.
 */
function blend(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const e = op.elem, variable = op.sel === Blend.Variable, vl = op.vl;
  const X = c.xv, S = c.sv, R = c.rv, a8 = op.va << 5;
  const mask8 = (variable ? (op.vex ? op.r3 : 0) : 0) << 5;
  const imm = op.immLo & 0xff;
  for (let i = 0; i < vl / e; i++) {
    let take: boolean;
    if (variable) take = (X.u8[mask8 + i * e + e - 1]! & 0x80) !== 0;
    else take = ((imm >> (e === 2 ? i & 7 : i)) & 1) !== 0; // PBLENDW repeats imm8 per lane
    for (let k = 0; k < e; k++) R.u8[i * e + k] = take ? S.u8[i * e + k]! : X.u8[a8 + i * e + k]!;
  }
  commit(c, op, vl >> 2);
}

/** The bits PTEST (every bit) and VTESTPS/VTESTPD (the elements' sign bits) test (op.sel). */
const enum TestBits { All, Sign }

/**
 * PTEST / VTESTPS / VTESTPD (SSE4.1, AVX): ZF = (a AND b) = 0, CF = (NOT a
 * AND b) = 0 over all bits (VTESTPx: sign bits only, TestBits.Sign with
 * op.elem = element bytes); AF, OF, PF, SF cleared.
 */
function ptest(c: Core, op: Op): void {
  simdAvail(c, op);
  op.va = op.r0; op.kb = op.k1; op.rb = op.r1;
  loadB(c, op);
  const x = c.xmm, vs = c.vs, a = op.r0 << 3;
  let and = 0, andn = 0;
  for (let i = 0; i < op.vl / 4; i++) {
    // VTESTPS: dword sign bits; VTESTPD: qword sign bits (the odd dwords' bit 31); PTEST: every bit.
    const m = op.sel === TestBits.All ? -1 : op.elem === 4 ? 0x80000000 : (i & 1) !== 0 ? 0x80000000 : 0;
    and |= x[a + i]! & vs[i]! & m;
    andn |= ~x[a + i]! & vs[i]! & m;
  }
  c.setArithFlags((and === 0 ? 0x40 : 0) | (andn === 0 ? 0x01 : 0));
}

/** PHMINPOSUW (SSE4.1): the minimum unsigned word and its index. */
function phminposuw(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const w = c.sv.u16;
  let m = w[0]!, idx = 0;
  for (let i = 1; i < 8; i++) if (w[i]! < m) { m = w[i]!; idx = i; }
  const vr = c.vr;
  vr[0] = m | (idx << 16); vr[1] = 0; vr[2] = 0; vr[3] = 0;
  commit(c, op, 4);
}

/** MPSADBW (SSE4.1/AVX2): eight sums of absolute differences of 4-byte groups, per lane. */
function mpsadbw(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const imm = op.immLo & 0xff, X = c.xv.u8, S = c.sv.u8, R = c.rv.u16, a = op.va << 5;
  for (let l = 0; l < op.vl / 16; l++) {
    const sel = l === 0 ? imm & 7 : (imm >> 3) & 7;
    const aOff = ((sel >> 2) & 1) * 4, bOff = (sel & 3) * 4;
    for (let i = 0; i < 8; i++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += Math.abs(X[a + 16 * l + aOff + i + k]! - S[16 * l + bOff + k]!);
      R[8 * l + i] = s;
    }
  }
  commit(c, op, op.vl >> 2);
}

// ------------------------------------------------------------------- table

const P = (m: Mnemonic, vm: Mnemonic, sel: PI, cls: InstructionClass = 'vecIntAlu'): SpecEntry[] =>
  [[m, vspec(pint, sel, cls)], [vm, vspec(pint, sel, cls)]];
const SH = (m: Mnemonic, vm: Mnemonic, kind: VShift, elem: number): SpecEntry[] =>
  [[m, vspec(pshift, kind, 'vecShift', { elem })], [vm, vspec(pshift, kind, 'vecShift', { elem })]];
const SV = (m: Mnemonic, kind: VShift, elem: number): SpecEntry => [m, vspec(pshiftV, kind, 'vecShiftVar', { elem })];
/** PMOVSX/PMOVZX: source element bytes `from`, destination element bytes `to`. */
const MX = (m: Mnemonic, vm: Mnemonic, ext: Extend, from: number, to: number): SpecEntry[] =>
  [[m, vspec(pmovx, ext, 'vecShuffle', { elem: from, elem2: to })], [vm, vspec(pmovx, ext, 'vecShuffle', { elem: from, elem2: to })]];
const BL = (m: Mnemonic, kind: Blend, elem: number, cls: InstructionClass): SpecEntry => [m, vspec(blend, kind, cls, { elem })];

export const sseIntSpecs: SpecEntry[] = [
  ...P(Mnemonic.Paddb, Mnemonic.Vpaddb, PI.AddB), ...P(Mnemonic.Paddw, Mnemonic.Vpaddw, PI.AddW),
  ...P(Mnemonic.Paddd, Mnemonic.Vpaddd, PI.AddD), ...P(Mnemonic.Paddq, Mnemonic.Vpaddq, PI.AddQ),
  ...P(Mnemonic.Psubb, Mnemonic.Vpsubb, PI.SubB), ...P(Mnemonic.Psubw, Mnemonic.Vpsubw, PI.SubW),
  ...P(Mnemonic.Psubd, Mnemonic.Vpsubd, PI.SubD), ...P(Mnemonic.Psubq, Mnemonic.Vpsubq, PI.SubQ),
  ...P(Mnemonic.Paddsb, Mnemonic.Vpaddsb, PI.AddSB), ...P(Mnemonic.Paddsw, Mnemonic.Vpaddsw, PI.AddSW),
  ...P(Mnemonic.Paddusb, Mnemonic.Vpaddusb, PI.AddUSB), ...P(Mnemonic.Paddusw, Mnemonic.Vpaddusw, PI.AddUSW),
  ...P(Mnemonic.Psubsb, Mnemonic.Vpsubsb, PI.SubSB), ...P(Mnemonic.Psubsw, Mnemonic.Vpsubsw, PI.SubSW),
  ...P(Mnemonic.Psubusb, Mnemonic.Vpsubusb, PI.SubUSB), ...P(Mnemonic.Psubusw, Mnemonic.Vpsubusw, PI.SubUSW),
  ...P(Mnemonic.Pmullw, Mnemonic.Vpmullw, PI.MulLW, 'vecIntMul'), ...P(Mnemonic.Pmulhw, Mnemonic.Vpmulhw, PI.MulHW, 'vecIntMul'),
  ...P(Mnemonic.Pmulhuw, Mnemonic.Vpmulhuw, PI.MulHUW, 'vecIntMul'), ...P(Mnemonic.Pmuludq, Mnemonic.Vpmuludq, PI.MulUDQ, 'vecIntMul'),
  ...P(Mnemonic.Pmaddwd, Mnemonic.Vpmaddwd, PI.MaddWD, 'vecIntMul'), ...P(Mnemonic.Pmulld, Mnemonic.Vpmulld, PI.MulLD, 'vecIntMulLong'),
  ...P(Mnemonic.Pmuldq, Mnemonic.Vpmuldq, PI.MulDQ, 'vecIntMul'), ...P(Mnemonic.Pmulhrsw, Mnemonic.Vpmulhrsw, PI.MulHRSW, 'vecIntMul'),
  ...P(Mnemonic.Pmaddubsw, Mnemonic.Vpmaddubsw, PI.MaddUBSW, 'vecIntMul'),
  ...P(Mnemonic.Pavgb, Mnemonic.Vpavgb, PI.AvgB), ...P(Mnemonic.Pavgw, Mnemonic.Vpavgw, PI.AvgW),
  ...P(Mnemonic.Pminub, Mnemonic.Vpminub, PI.MinUB), ...P(Mnemonic.Pmaxub, Mnemonic.Vpmaxub, PI.MaxUB),
  ...P(Mnemonic.Pminsw, Mnemonic.Vpminsw, PI.MinSW), ...P(Mnemonic.Pmaxsw, Mnemonic.Vpmaxsw, PI.MaxSW),
  ...P(Mnemonic.Pminsb, Mnemonic.Vpminsb, PI.MinSB), ...P(Mnemonic.Pmaxsb, Mnemonic.Vpmaxsb, PI.MaxSB),
  ...P(Mnemonic.Pminuw, Mnemonic.Vpminuw, PI.MinUW), ...P(Mnemonic.Pmaxuw, Mnemonic.Vpmaxuw, PI.MaxUW),
  ...P(Mnemonic.Pminsd, Mnemonic.Vpminsd, PI.MinSD), ...P(Mnemonic.Pmaxsd, Mnemonic.Vpmaxsd, PI.MaxSD),
  ...P(Mnemonic.Pminud, Mnemonic.Vpminud, PI.MinUD), ...P(Mnemonic.Pmaxud, Mnemonic.Vpmaxud, PI.MaxUD),
  ...P(Mnemonic.Psadbw, Mnemonic.Vpsadbw, PI.SadBW, 'vecIntMul'),
  ...P(Mnemonic.Pcmpeqb, Mnemonic.Vpcmpeqb, PI.CmpEqB), ...P(Mnemonic.Pcmpeqw, Mnemonic.Vpcmpeqw, PI.CmpEqW),
  ...P(Mnemonic.Pcmpeqd, Mnemonic.Vpcmpeqd, PI.CmpEqD), ...P(Mnemonic.Pcmpeqq, Mnemonic.Vpcmpeqq, PI.CmpEqQ),
  ...P(Mnemonic.Pcmpgtb, Mnemonic.Vpcmpgtb, PI.CmpGtB), ...P(Mnemonic.Pcmpgtw, Mnemonic.Vpcmpgtw, PI.CmpGtW),
  ...P(Mnemonic.Pcmpgtd, Mnemonic.Vpcmpgtd, PI.CmpGtD), ...P(Mnemonic.Pcmpgtq, Mnemonic.Vpcmpgtq, PI.CmpGtQ, 'vecIntMul'),
  ...P(Mnemonic.Pabsb, Mnemonic.Vpabsb, PI.AbsB), ...P(Mnemonic.Pabsw, Mnemonic.Vpabsw, PI.AbsW), ...P(Mnemonic.Pabsd, Mnemonic.Vpabsd, PI.AbsD),
  ...P(Mnemonic.Psignb, Mnemonic.Vpsignb, PI.SignB), ...P(Mnemonic.Psignw, Mnemonic.Vpsignw, PI.SignW), ...P(Mnemonic.Psignd, Mnemonic.Vpsignd, PI.SignD),
  ...P(Mnemonic.Phaddw, Mnemonic.Vphaddw, PI.HAddW, 'vecHorizontal'), ...P(Mnemonic.Phaddd, Mnemonic.Vphaddd, PI.HAddD, 'vecHorizontal'),
  ...P(Mnemonic.Phaddsw, Mnemonic.Vphaddsw, PI.HAddSW, 'vecHorizontal'), ...P(Mnemonic.Phsubw, Mnemonic.Vphsubw, PI.HSubW, 'vecHorizontal'),
  ...P(Mnemonic.Phsubd, Mnemonic.Vphsubd, PI.HSubD, 'vecHorizontal'), ...P(Mnemonic.Phsubsw, Mnemonic.Vphsubsw, PI.HSubSW, 'vecHorizontal'),
  ...P(Mnemonic.Pshufb, Mnemonic.Vpshufb, PI.ShufB, 'vecShuffle'),
  ...P(Mnemonic.Packsswb, Mnemonic.Vpacksswb, PI.PackSSWB, 'vecShuffle'), ...P(Mnemonic.Packssdw, Mnemonic.Vpackssdw, PI.PackSSDW, 'vecShuffle'),
  ...P(Mnemonic.Packuswb, Mnemonic.Vpackuswb, PI.PackUSWB, 'vecShuffle'), ...P(Mnemonic.Packusdw, Mnemonic.Vpackusdw, PI.PackUSDW, 'vecShuffle'),
  ...SH(Mnemonic.Psllw, Mnemonic.Vpsllw, VShift.Left, 2), ...SH(Mnemonic.Pslld, Mnemonic.Vpslld, VShift.Left, 4),
  ...SH(Mnemonic.Psllq, Mnemonic.Vpsllq, VShift.Left, 8),
  ...SH(Mnemonic.Psrlw, Mnemonic.Vpsrlw, VShift.LogicalRight, 2), ...SH(Mnemonic.Psrld, Mnemonic.Vpsrld, VShift.LogicalRight, 4),
  ...SH(Mnemonic.Psrlq, Mnemonic.Vpsrlq, VShift.LogicalRight, 8),
  ...SH(Mnemonic.Psraw, Mnemonic.Vpsraw, VShift.ArithmeticRight, 2), ...SH(Mnemonic.Psrad, Mnemonic.Vpsrad, VShift.ArithmeticRight, 4),
  SV(Mnemonic.Vpsllvd, VShift.Left, 4), SV(Mnemonic.Vpsllvq, VShift.Left, 8),
  SV(Mnemonic.Vpsrlvd, VShift.LogicalRight, 4), SV(Mnemonic.Vpsrlvq, VShift.LogicalRight, 8),
  SV(Mnemonic.Vpsravd, VShift.ArithmeticRight, 4),
  ...MX(Mnemonic.Pmovsxbw, Mnemonic.Vpmovsxbw, Extend.Sign, 1, 2), ...MX(Mnemonic.Pmovsxbd, Mnemonic.Vpmovsxbd, Extend.Sign, 1, 4),
  ...MX(Mnemonic.Pmovsxbq, Mnemonic.Vpmovsxbq, Extend.Sign, 1, 8), ...MX(Mnemonic.Pmovsxwd, Mnemonic.Vpmovsxwd, Extend.Sign, 2, 4),
  ...MX(Mnemonic.Pmovsxwq, Mnemonic.Vpmovsxwq, Extend.Sign, 2, 8), ...MX(Mnemonic.Pmovsxdq, Mnemonic.Vpmovsxdq, Extend.Sign, 4, 8),
  ...MX(Mnemonic.Pmovzxbw, Mnemonic.Vpmovzxbw, Extend.Zero, 1, 2), ...MX(Mnemonic.Pmovzxbd, Mnemonic.Vpmovzxbd, Extend.Zero, 1, 4),
  ...MX(Mnemonic.Pmovzxbq, Mnemonic.Vpmovzxbq, Extend.Zero, 1, 8), ...MX(Mnemonic.Pmovzxwd, Mnemonic.Vpmovzxwd, Extend.Zero, 2, 4),
  ...MX(Mnemonic.Pmovzxwq, Mnemonic.Vpmovzxwq, Extend.Zero, 2, 8), ...MX(Mnemonic.Pmovzxdq, Mnemonic.Vpmovzxdq, Extend.Zero, 4, 8),
  BL(Mnemonic.Pblendw, Blend.Immediate, 2, 'vecShuffle'), BL(Mnemonic.Vpblendw, Blend.Immediate, 2, 'vecShuffle'),
  BL(Mnemonic.Blendps, Blend.Immediate, 4, 'vecLogic'), BL(Mnemonic.Vblendps, Blend.Immediate, 4, 'vecLogic'),
  BL(Mnemonic.Blendpd, Blend.Immediate, 8, 'vecLogic'), BL(Mnemonic.Vblendpd, Blend.Immediate, 8, 'vecLogic'),
  BL(Mnemonic.Vpblendd, Blend.Immediate, 4, 'vecLogic'),
  BL(Mnemonic.Pblendvb, Blend.Variable, 1, 'vecBlendVar'), BL(Mnemonic.Vpblendvb, Blend.Variable, 1, 'vecBlendVar'),
  BL(Mnemonic.Blendvps, Blend.Variable, 4, 'vecBlendVar'), BL(Mnemonic.Vblendvps, Blend.Variable, 4, 'vecBlendVar'),
  BL(Mnemonic.Blendvpd, Blend.Variable, 8, 'vecBlendVar'), BL(Mnemonic.Vblendvpd, Blend.Variable, 8, 'vecBlendVar'),
  [Mnemonic.Ptest, vspec(ptest, TestBits.All, 'vecTest')], [Mnemonic.Vptest, vspec(ptest, TestBits.All, 'vecTest')],
  [Mnemonic.Vtestps, vspec(ptest, TestBits.Sign, 'vecTest', { elem: 4 })], [Mnemonic.Vtestpd, vspec(ptest, TestBits.Sign, 'vecTest', { elem: 8 })],
  [Mnemonic.Phminposuw, vspec(phminposuw, NO_SEL, 'vecIntMul')], [Mnemonic.Vphminposuw, vspec(phminposuw, NO_SEL, 'vecIntMul')],
  [Mnemonic.Mpsadbw, vspec(mpsadbw, NO_SEL, 'vecHorizontal')], [Mnemonic.Vmpsadbw, vspec(mpsadbw, NO_SEL, 'vecHorizontal')],
];
