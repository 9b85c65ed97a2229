/**
 * SSE/SSE2/SSE3/SSE4.1/AVX floating-point instructions (SDM Vol. 2 per
 * instruction; exceptions per Vol. 1 §11.5): arithmetic, square root,
 * min/max, compares (CMPxx predicates, COMIS/UCOMIS), conversions, rounding,
 * dot products, horizontal and alternating add/sub, reciprocal
 * approximations, and LDMXCSR/STMXCSR. Element semantics live in
 * simd/fpops.ts and simd/softfloat.ts; these handlers walk the elements,
 * then `finishFp` decides between committing and #XM.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { Fault, Vector } from '../fault.js';
import { simdAvail, loadB, commit, copyToVr, finishFp, loadMem } from '../simd/access.js';
import { env } from '../simd/softfloat.js';
import * as fp from '../simd/fpops.js';
import { FOp, r64 } from '../simd/fpops.js';
import { MXCSR_MASK, MX_RC_SHIFT } from '../simd/mxcsr.js';
import { vspec, NO_SEL } from './sseSpec.js';
import type { SpecEntry } from './spec.js';
import type { InstructionClass } from '../../profile/schema.js';

/**
 * op.sel of the floating-point handlers: the operation (an FOp, Horiz,
 * Approx or Comi) in the Op field, and independent flags: Binary64 (the
 * elements are binary64, else binary32; for conversions the named side),
 * Scalar (the low element only; the others pass through from the first
 * source), Truncate (CVTT*: round toward zero instead of MXCSR.RC).
 */
const enum FpBits { Op = 15, Binary64 = 16, Scalar = 32, Truncate = 64 }
const D = FpBits.Binary64, S = FpBits.Scalar, T = FpBits.Truncate;
const isDbl = (op: Op): boolean => (op.sel & FpBits.Binary64) !== 0;
const isScalar = (op: Op): boolean => (op.sel & FpBits.Scalar) !== 0;
const opOf = (op: Op): number => (op.sel & FpBits.Op);

/** ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD (the Op field of op.sel). */
const enum Horiz { AddSub, HAdd, HSub }
/** COMISS/COMISD signal on a QNaN operand; UCOMISS/UCOMISD do not (the Op field of op.sel). */
const enum Comi { Unordered, Ordered }
/** RCPPS/RCPSS and RSQRTPS/RSQRTSS (the Op field of op.sel). */
const enum Approx { Rcp, Rsqrt }
/** CVTSS2SD / CVTSD2SS (op.sel). */
const enum ScalarCvt { SingleToDouble, DoubleToSingle }

/** ADD/SUB/MUL/DIV/MIN/MAX/SQRT {PS, PD, SS, SD}: scalar forms pass the first source's other elements through. */
function farith(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  env.flags = 0;
  const f = opOf(op) as FOp, dbl = isDbl(op), scalar = isScalar(op);
  const mx = c.mxcsr, x = c.xmm, vs = c.vs, vr = c.vr, a = op.va << 3;
  const n = scalar ? (dbl ? 2 : 1) : op.vl >> 2;
  if (scalar) copyToVr(c, op.va, 4);
  if (dbl) {
    for (let i = 0; i < n; i += 2) {
      if (f === FOp.Sqrt) fp.arith64(f, vs[i + 1]!, vs[i]!, 0, 0, mx);
      else fp.arith64(f, x[a + i + 1]!, x[a + i]!, vs[i + 1]!, vs[i]!, mx);
      vr[i] = r64.lo; vr[i + 1] = r64.hi;
    }
  } else {
    for (let i = 0; i < n; i++) vr[i] = f === FOp.Sqrt ? fp.arith32(f, vs[i]!, 0, mx) : fp.arith32(f, x[a + i]!, vs[i]!, mx);
  }
  finishFp(c);
  commit(c, op, scalar ? 4 : op.vl >> 2);
}

/**
 * ADDSUBPS/PD (even elements subtract, odd add), HADDPS/PD and HSUBPS/PD
 * (pairs of the first source, then of the second, per lane). op.sel: the
 * Horiz, | FpBits.Binary64 for the PD forms.
 */
function fhoriz(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  env.flags = 0;
  const kind = opOf(op) as Horiz, dbl = isDbl(op), mx = c.mxcsr;
  const x = c.xmm, vs = c.vs, vr = c.vr, a = op.va << 3;
  for (let l = 0; l < op.vl >> 2; l += 4) {
    if (kind === Horiz.AddSub) {
      if (dbl) {
        for (let i = 0; i < 4; i += 2) {
          fp.arith64(i === 0 ? FOp.Sub : FOp.Add, x[a + l + i + 1]!, x[a + l + i]!, vs[l + i + 1]!, vs[l + i]!, mx);
          vr[l + i] = r64.lo; vr[l + i + 1] = r64.hi;
        }
      } else for (let i = 0; i < 4; i++) vr[l + i] = fp.arith32(i & 1 ? FOp.Add : FOp.Sub, x[a + l + i]!, vs[l + i]!, mx);
      continue;
    }
    const f = kind === Horiz.HAdd ? FOp.Add : FOp.Sub;
    if (dbl) {
      fp.arith64(f, x[a + l + 1]!, x[a + l]!, x[a + l + 3]!, x[a + l + 2]!, mx);
      const lo0 = r64.lo, hi0 = r64.hi;
      fp.arith64(f, vs[l + 1]!, vs[l]!, vs[l + 3]!, vs[l + 2]!, mx);
      vr[l] = lo0; vr[l + 1] = hi0; vr[l + 2] = r64.lo; vr[l + 3] = r64.hi;
    } else {
      const r0 = fp.arith32(f, x[a + l]!, x[a + l + 1]!, mx), r1 = fp.arith32(f, x[a + l + 2]!, x[a + l + 3]!, mx);
      const r2 = fp.arith32(f, vs[l]!, vs[l + 1]!, mx), r3 = fp.arith32(f, vs[l + 2]!, vs[l + 3]!, mx);
      vr[l] = r0; vr[l + 1] = r1; vr[l + 2] = r2; vr[l + 3] = r3;
    }
  }
  finishFp(c);
  commit(c, op, op.vl >> 2);
}

/** CMPPS/CMPPD/CMPSS/CMPSD: all-ones or all-zeros per element; legacy predicates are imm8[2:0], VEX imm8[4:0]. */
function fcmp(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  env.flags = 0;
  const dbl = isDbl(op), scalar = isScalar(op);
  const pred = op.immLo & (op.vex ? 31 : 7), mx = c.mxcsr;
  const x = c.xmm, vs = c.vs, vr = c.vr, a = op.va << 3;
  const n = scalar ? (dbl ? 2 : 1) : op.vl >> 2;
  if (scalar) copyToVr(c, op.va, 4);
  if (dbl) {
    for (let i = 0; i < n; i += 2) {
      const t = fp.cmp64(pred, x[a + i + 1]!, x[a + i]!, vs[i + 1]!, vs[i]!, mx) ? 0xffffffff : 0;
      vr[i] = t; vr[i + 1] = t;
    }
  } else for (let i = 0; i < n; i++) vr[i] = fp.cmp32(pred, x[a + i]!, vs[i]!, mx) ? 0xffffffff : 0;
  finishFp(c);
  commit(c, op, scalar ? 4 : op.vl >> 2);
}

/** COMISS/COMISD (Comi.Ordered: signal on QNaN) and UCOMISS/UCOMISD (Comi.Unordered): RFLAGS from an ordered/unordered compare. */
function comis(c: Core, op: Op): void {
  simdAvail(c, op);
  op.va = op.r0; op.kb = op.k1; op.rb = op.r1;
  loadB(c, op);
  env.flags = 0;
  const a = op.r0 << 3, x = c.xmm, vs = c.vs, q = opOf(op) === Comi.Ordered;
  const bits = isDbl(op) ? fp.comi64(x[a + 1]!, x[a]!, vs[1]!, vs[0]!, c.mxcsr, q) : fp.comi32(x[a]!, vs[0]!, c.mxcsr, q);
  finishFp(c);
  c.setArithFlags(bits);
}

// ------------------------------------------------------------- conversions

const truncRc = (op: Op, c: Core): number => ((op.sel & FpBits.Truncate) !== 0 ? 3 : (c.mxcsr >> MX_RC_SHIFT) & 3);

/** CVTSS2SI/CVTTSS2SI/CVTSD2SI/CVTTSD2SI r32/r64, xmm/m: FpBits.Binary64 = binary64 source, FpBits.Truncate = CVTT. */
function cvtToInt(c: Core, op: Op): void {
  simdAvail(c, op);
  const dbl = isDbl(op);
  if (op.k1 === K.Mem) loadMem(c, op, c.ea(op), dbl ? 8 : 4);
  else { const s = op.r1 << 3; c.vs[0] = c.xmm[s]!; c.vs[1] = c.xmm[s + 1]!; }
  env.flags = 0;
  const rc = truncRc(op, c), vs = c.vs;
  const wide = op.size === 8;
  let lo: number, hi = 0;
  if (wide) {
    if (dbl) fp.f64toI64(vs[1]!, vs[0]!, c.mxcsr, rc); else fp.f32toI64(vs[0]!, c.mxcsr, rc);
    lo = r64.lo; hi = r64.hi;
  } else lo = dbl ? fp.f64toI32(vs[1]!, vs[0]!, c.mxcsr, rc) : fp.f32toI32(vs[0]!, c.mxcsr, rc);
  finishFp(c);
  c.setReg(op.r0, 0, wide ? 8 : 4, lo, hi);
}

/** CVTSI2SS/CVTSI2SD xmm, r/m32/64 (FpBits.Binary64 = binary64 destination); the first source's other elements pass through. */
function cvtFromInt(c: Core, op: Op): void {
  simdAvail(c, op);
  let lo: number, hi: number;
  if (op.kb === K.Reg) { lo = c.lo[op.rb]!; hi = op.size === 8 ? c.hi[op.rb]! : 0; }
  else { lo = c.read(c.ea(op), op.size); hi = op.size === 8 ? c.tHi : 0; }
  env.flags = 0;
  copyToVr(c, op.va, 4);
  const vr = c.vr, mx = c.mxcsr;
  if (isDbl(op)) {
    if (op.size === 8) fp.i64to64(hi, lo, mx); else fp.i32to64(lo);
    vr[0] = r64.lo; vr[1] = r64.hi;
  } else vr[0] = op.size === 8 ? fp.i64to32(hi, lo, mx) : fp.i32to32(lo, mx);
  finishFp(c);
  commit(c, op, 4);
}

/** CVTSS2SD / CVTSD2SS (op.sel a ScalarCvt): scalar format conversion. */
function cvtScalarFp(c: Core, op: Op): void {
  simdAvail(c, op);
  if (op.kb === K.Mem) loadMem(c, op, c.ea(op), op.sel === ScalarCvt.SingleToDouble ? 4 : 8);
  else { const s = op.rb << 3; c.vs[0] = c.xmm[s]!; c.vs[1] = c.xmm[s + 1]!; }
  env.flags = 0;
  copyToVr(c, op.va, 4);
  const vr = c.vr, vs = c.vs;
  if (op.sel === ScalarCvt.SingleToDouble) { fp.cvt32to64(vs[0]!, c.mxcsr); vr[0] = r64.lo; vr[1] = r64.hi; }
  else vr[0] = fp.cvt64to32(vs[1]!, vs[0]!, c.mxcsr);
  finishFp(c);
  commit(c, op, 4);
}

export const enum Cvt { Dq2Ps, Ps2Dq, TPs2Dq, Ps2Pd, Pd2Ps, Dq2Pd, Pd2Dq, TPd2Dq }

/**
 * Packed conversions (SDM "CVTDQ2PS" ... "CVTTPD2DQ"). Narrowing forms
 * (PD→PS, PD→DQ) write the low half of the destination and zero the rest;
 * widening forms read the low half of the source.
 */
function cvtPacked(c: Core, op: Op): void {
  simdAvail(c, op);
  const kind = op.sel as Cvt;
  const srcBytes = op.kb === K.Mem ? op.msz : op.vl;
  if (op.kb === K.Mem) loadMem(c, op, c.ea(op), srcBytes);
  else { const s = op.rb << 3; for (let i = 0; i < 8; i++) c.vs[i] = c.xmm[s + i]!; }
  env.flags = 0;
  const vs = c.vs, vr = c.vr, mx = c.mxcsr, rc = (mx >> MX_RC_SHIFT) & 3;
  let outDwords: number;
  switch (kind) {
    case Cvt.Dq2Ps: outDwords = srcBytes >> 2; for (let i = 0; i < outDwords; i++) vr[i] = fp.i32to32(vs[i]!, mx); break;
    case Cvt.Ps2Dq: case Cvt.TPs2Dq: {
      outDwords = srcBytes >> 2;
      const r = kind === Cvt.TPs2Dq ? 3 : rc;
      for (let i = 0; i < outDwords; i++) vr[i] = fp.f32toI32(vs[i]!, mx, r);
      break;
    }
    case Cvt.Ps2Pd: case Cvt.Dq2Pd: {
      // Widening: the source is half the destination (a register's low half, or m64 / m128).
      const n = op.kb === K.Mem ? op.msz >> 2 : op.vl >> 3;
      outDwords = 2 * n;
      for (let i = n - 1; i >= 0; i--) {
        if (kind === Cvt.Ps2Pd) fp.cvt32to64(vs[i]!, mx); else fp.i32to64(vs[i]!);
        vr[2 * i] = r64.lo; vr[2 * i + 1] = r64.hi;
      }
      break;
    }
    default: {
      const n = srcBytes >> 3;
      const r = kind === Cvt.TPd2Dq ? 3 : rc;
      for (let i = 0; i < n; i++) vr[i] = kind === Cvt.Pd2Ps ? fp.cvt64to32(vs[2 * i + 1]!, vs[2 * i]!, mx) : fp.f64toI32(vs[2 * i + 1]!, vs[2 * i]!, mx, r);
      outDwords = n;
      break;
    }
  }
  for (let i = outDwords; i < 8; i++) vr[i] = 0;
  finishFp(c);
  commit(c, op, Math.max(outDwords, 4));
}

/** ROUNDPS/PD/SS/SD (SSE4.1): imm8[2] = use MXCSR.RC, else imm8[1:0]; imm8[3] suppresses PE. op.sel: FpBits.Binary64, FpBits.Scalar. */
function fround(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  env.flags = 0;
  const imm = op.immLo & 0xff, mx = c.mxcsr;
  const rc = imm & 4 ? (mx >> MX_RC_SHIFT) & 3 : imm & 3, noPe = (imm & 8) !== 0;
  const dbl = isDbl(op), scalar = isScalar(op);
  const vs = c.vs, vr = c.vr;
  const n = scalar ? (dbl ? 2 : 1) : op.vl >> 2;
  if (scalar) copyToVr(c, op.va, 4);
  if (dbl) for (let i = 0; i < n; i += 2) { fp.round64(vs[i + 1]!, vs[i]!, mx, rc, noPe); vr[i] = r64.lo; vr[i + 1] = r64.hi; }
  else for (let i = 0; i < n; i++) vr[i] = fp.round32(vs[i]!, mx, rc, noPe);
  finishFp(c);
  commit(c, op, scalar ? 4 : op.vl >> 2);
}

/**
 * DPPS/DPPD (SSE4.1, SDM "DPPS"; DPPD with FpBits.Binary64): products of
 * the elements imm8[7:4] selects (others +0.0), summed pairwise ((t0 + t1)
 * + (t2 + t3)), the sum written where imm8[3:0] says, +0.0 elsewhere; per
 * lane for VDPPS ymm.
 */
function dpp(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  env.flags = 0;
  const imm = op.immLo & 0xff, mx = c.mxcsr, x = c.xmm, vs = c.vs, vr = c.vr, a = op.va << 3;
  if (isDbl(op)) {
    const t = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      if ((imm >> (4 + i)) & 1) { fp.arith64(FOp.Mul, x[a + 2 * i + 1]!, x[a + 2 * i]!, vs[2 * i + 1]!, vs[2 * i]!, mx); t[2 * i] = r64.lo; t[2 * i + 1] = r64.hi; }
    }
    fp.arith64(FOp.Add, t[1]!, t[0]!, t[3]!, t[2]!, mx);
    for (let i = 0; i < 2; i++) { const on = (imm >> i) & 1; vr[2 * i] = on ? r64.lo : 0; vr[2 * i + 1] = on ? r64.hi : 0; }
  } else {
    for (let l = 0; l < op.vl >> 2; l += 4) {
      const t = [0, 0, 0, 0];
      for (let i = 0; i < 4; i++) if ((imm >> (4 + i)) & 1) t[i] = fp.arith32(FOp.Mul, x[a + l + i]!, vs[l + i]!, mx);
      const s01 = fp.arith32(FOp.Add, t[0]!, t[1]!, mx), s23 = fp.arith32(FOp.Add, t[2]!, t[3]!, mx);
      const s = fp.arith32(FOp.Add, s01, s23, mx);
      for (let i = 0; i < 4; i++) vr[l + i] = (imm >> i) & 1 ? s : 0;
    }
  }
  finishFp(c);
  commit(c, op, op.vl >> 2);
}

/**
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS (op.sel: the Approx, | FpBits.Scalar): the SDM
 * specifies only the error bound, |relative error| ≤ 1.5 × 2^-12, and the
 * special cases (±0 → ±∞, ±∞ → ±0, negative → QNaN indefinite for RSQRT,
 * NaN → quieted NaN; denormal inputs are treated as zero, tiny results
 * flush to zero; no MXCSR flags). The table inside a Haswell core is not
 * public, so this returns the exact value rounded to 12 significant bits —
 * within the bound, but not the bits a given CPU returns.
 */
function frcp(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const scalar = isScalar(op), rsqrt = opOf(op) === Approx.Rsqrt;
  const vs = c.vs, vr = c.vr;
  const n = scalar ? 1 : op.vl >> 2;
  if (scalar) copyToVr(c, op.va, 4);
  for (let i = 0; i < n; i++) vr[i] = approx(vs[i]!, rsqrt);
  commit(c, op, scalar ? 4 : op.vl >> 2);
}

const ap = new Uint32Array(1), apf = new Float32Array(ap.buffer);
function approx(b: number, rsqrt: boolean): number {
  const e = (b >>> 23) & 0xff, m = b & 0x7fffff, sign = b & 0x80000000;
  if (e === 0xff && m !== 0) return b | 0x400000;
  if (e === 0) return (rsqrt ? (sign ? 0xff800000 : 0x7f800000) : sign | 0x7f800000) | 0; // ±0 and denormals
  if (e === 0xff) return rsqrt ? (sign ? 0xffc00000 : 0) | 0 : sign | 0;
  if (rsqrt && sign) return 0xffc00000 | 0;
  ap[0] = b;
  const x = apf[0]!;
  const r = rsqrt ? 1 / Math.sqrt(x) : 1 / x;
  if (Math.abs(r) < 2 ** -126) return sign | 0;
  const ex = Math.floor(Math.log2(Math.abs(r)));
  const q = 2 ** (ex - 11);
  apf[0] = Math.round(r / q) * q;
  return ap[0]! | 0;
}

// ------------------------------------------------------------------- MXCSR

/** LDMXCSR / VLDMXCSR m32: #GP(0) if a bit outside MXCSR_MASK is set (SDM "LDMXCSR"). */
function ldmxcsr(c: Core, op: Op): void {
  simdAvail(c, op);
  const v = c.read(c.ea(op), 4) >>> 0;
  if ((v & ~MXCSR_MASK) !== 0) throw new Fault(Vector.GP, 0, `LDMXCSR 0x${v.toString(16)} sets reserved MXCSR bits`);
  c.mxcsr = v;
}

/** STMXCSR / VSTMXCSR m32. */
function stmxcsr(c: Core, op: Op): void {
  simdAvail(c, op);
  c.write(c.ea(op), 4, c.mxcsr | 0, 0);
}

// ------------------------------------------------------------------- table

const F = (m: Mnemonic, vm: Mnemonic, exec: (c: Core, op: Op) => void, sel: number, cls: InstructionClass, clsY?: InstructionClass): SpecEntry[] =>
  [[m, vspec(exec, sel, cls, { clsY })], [vm, vspec(exec, sel, cls, { clsY })]];

export const sseFloatSpecs: SpecEntry[] = [
  ...F(Mnemonic.Addps, Mnemonic.Vaddps, farith, FOp.Add, 'vecFpAdd'), ...F(Mnemonic.Addpd, Mnemonic.Vaddpd, farith, FOp.Add | D, 'vecFpAdd'),
  ...F(Mnemonic.Addss, Mnemonic.Vaddss, farith, FOp.Add | S, 'vecFpAdd'), ...F(Mnemonic.Addsd, Mnemonic.Vaddsd, farith, FOp.Add | D | S, 'vecFpAdd'),
  ...F(Mnemonic.Subps, Mnemonic.Vsubps, farith, FOp.Sub, 'vecFpAdd'), ...F(Mnemonic.Subpd, Mnemonic.Vsubpd, farith, FOp.Sub | D, 'vecFpAdd'),
  ...F(Mnemonic.Subss, Mnemonic.Vsubss, farith, FOp.Sub | S, 'vecFpAdd'), ...F(Mnemonic.Subsd, Mnemonic.Vsubsd, farith, FOp.Sub | D | S, 'vecFpAdd'),
  ...F(Mnemonic.Mulps, Mnemonic.Vmulps, farith, FOp.Mul, 'vecFpMul'), ...F(Mnemonic.Mulpd, Mnemonic.Vmulpd, farith, FOp.Mul | D, 'vecFpMul'),
  ...F(Mnemonic.Mulss, Mnemonic.Vmulss, farith, FOp.Mul | S, 'vecFpMul'), ...F(Mnemonic.Mulsd, Mnemonic.Vmulsd, farith, FOp.Mul | D | S, 'vecFpMul'),
  ...F(Mnemonic.Divps, Mnemonic.Vdivps, farith, FOp.Div, 'vecFpDivSingle', 'vecFpDivSingleY'),
  ...F(Mnemonic.Divpd, Mnemonic.Vdivpd, farith, FOp.Div | D, 'vecFpDivDouble', 'vecFpDivDoubleY'),
  ...F(Mnemonic.Divss, Mnemonic.Vdivss, farith, FOp.Div | S, 'vecFpDivSingle'), ...F(Mnemonic.Divsd, Mnemonic.Vdivsd, farith, FOp.Div | D | S, 'vecFpDivDouble'),
  ...F(Mnemonic.Sqrtps, Mnemonic.Vsqrtps, farith, FOp.Sqrt, 'vecFpSqrtSingle', 'vecFpSqrtSingleY'),
  ...F(Mnemonic.Sqrtpd, Mnemonic.Vsqrtpd, farith, FOp.Sqrt | D, 'vecFpSqrtDouble', 'vecFpSqrtDoubleY'),
  ...F(Mnemonic.Sqrtss, Mnemonic.Vsqrtss, farith, FOp.Sqrt | S, 'vecFpSqrtSingle'), ...F(Mnemonic.Sqrtsd, Mnemonic.Vsqrtsd, farith, FOp.Sqrt | D | S, 'vecFpSqrtDouble'),
  ...F(Mnemonic.Minps, Mnemonic.Vminps, farith, FOp.Min, 'vecFpAdd'), ...F(Mnemonic.Minpd, Mnemonic.Vminpd, farith, FOp.Min | D, 'vecFpAdd'),
  ...F(Mnemonic.Minss, Mnemonic.Vminss, farith, FOp.Min | S, 'vecFpAdd'), ...F(Mnemonic.Minsd, Mnemonic.Vminsd, farith, FOp.Min | D | S, 'vecFpAdd'),
  ...F(Mnemonic.Maxps, Mnemonic.Vmaxps, farith, FOp.Max, 'vecFpAdd'), ...F(Mnemonic.Maxpd, Mnemonic.Vmaxpd, farith, FOp.Max | D, 'vecFpAdd'),
  ...F(Mnemonic.Maxss, Mnemonic.Vmaxss, farith, FOp.Max | S, 'vecFpAdd'), ...F(Mnemonic.Maxsd, Mnemonic.Vmaxsd, farith, FOp.Max | D | S, 'vecFpAdd'),
  ...F(Mnemonic.Addsubps, Mnemonic.Vaddsubps, fhoriz, Horiz.AddSub, 'vecFpAdd'), ...F(Mnemonic.Addsubpd, Mnemonic.Vaddsubpd, fhoriz, Horiz.AddSub | D, 'vecFpAdd'),
  ...F(Mnemonic.Haddps, Mnemonic.Vhaddps, fhoriz, Horiz.HAdd, 'vecFpHorizontal'), ...F(Mnemonic.Haddpd, Mnemonic.Vhaddpd, fhoriz, Horiz.HAdd | D, 'vecFpHorizontal'),
  ...F(Mnemonic.Hsubps, Mnemonic.Vhsubps, fhoriz, Horiz.HSub, 'vecFpHorizontal'), ...F(Mnemonic.Hsubpd, Mnemonic.Vhsubpd, fhoriz, Horiz.HSub | D, 'vecFpHorizontal'),
  ...F(Mnemonic.Cmpps, Mnemonic.Vcmpps, fcmp, NO_SEL, 'vecFpAdd'), ...F(Mnemonic.Cmppd, Mnemonic.Vcmppd, fcmp, D, 'vecFpAdd'),
  ...F(Mnemonic.Cmpss, Mnemonic.Vcmpss, fcmp, S, 'vecFpAdd'), [Mnemonic.Vcmpsd, vspec(fcmp, D | S, 'vecFpAdd')],
  ...F(Mnemonic.Comiss, Mnemonic.Vcomiss, comis, Comi.Ordered, 'vecComi'), ...F(Mnemonic.Comisd, Mnemonic.Vcomisd, comis, Comi.Ordered | D, 'vecComi'),
  ...F(Mnemonic.Ucomiss, Mnemonic.Vucomiss, comis, Comi.Unordered, 'vecComi'), ...F(Mnemonic.Ucomisd, Mnemonic.Vucomisd, comis, Comi.Unordered | D, 'vecComi'),
  ...F(Mnemonic.Cvtss2si, Mnemonic.Vcvtss2si, cvtToInt, NO_SEL, 'vecCvt'), ...F(Mnemonic.Cvttss2si, Mnemonic.Vcvttss2si, cvtToInt, T, 'vecCvt'),
  ...F(Mnemonic.Cvtsd2si, Mnemonic.Vcvtsd2si, cvtToInt, D, 'vecCvt'), ...F(Mnemonic.Cvttsd2si, Mnemonic.Vcvttsd2si, cvtToInt, D | T, 'vecCvt'),
  ...F(Mnemonic.Cvtsi2ss, Mnemonic.Vcvtsi2ss, cvtFromInt, NO_SEL, 'vecCvt'), ...F(Mnemonic.Cvtsi2sd, Mnemonic.Vcvtsi2sd, cvtFromInt, D, 'vecCvt'),
  ...F(Mnemonic.Cvtss2sd, Mnemonic.Vcvtss2sd, cvtScalarFp, ScalarCvt.SingleToDouble, 'vecCvt'),
  ...F(Mnemonic.Cvtsd2ss, Mnemonic.Vcvtsd2ss, cvtScalarFp, ScalarCvt.DoubleToSingle, 'vecCvt'),
  ...F(Mnemonic.Cvtdq2ps, Mnemonic.Vcvtdq2ps, cvtPacked, Cvt.Dq2Ps, 'vecCvt'), ...F(Mnemonic.Cvtps2dq, Mnemonic.Vcvtps2dq, cvtPacked, Cvt.Ps2Dq, 'vecCvt'),
  ...F(Mnemonic.Cvttps2dq, Mnemonic.Vcvttps2dq, cvtPacked, Cvt.TPs2Dq, 'vecCvt'), ...F(Mnemonic.Cvtps2pd, Mnemonic.Vcvtps2pd, cvtPacked, Cvt.Ps2Pd, 'vecCvt'),
  ...F(Mnemonic.Cvtpd2ps, Mnemonic.Vcvtpd2ps, cvtPacked, Cvt.Pd2Ps, 'vecCvt'), ...F(Mnemonic.Cvtdq2pd, Mnemonic.Vcvtdq2pd, cvtPacked, Cvt.Dq2Pd, 'vecCvt'),
  ...F(Mnemonic.Cvtpd2dq, Mnemonic.Vcvtpd2dq, cvtPacked, Cvt.Pd2Dq, 'vecCvt'), ...F(Mnemonic.Cvttpd2dq, Mnemonic.Vcvttpd2dq, cvtPacked, Cvt.TPd2Dq, 'vecCvt'),
  ...F(Mnemonic.Roundps, Mnemonic.Vroundps, fround, NO_SEL, 'vecFpRound'), ...F(Mnemonic.Roundpd, Mnemonic.Vroundpd, fround, D, 'vecFpRound'),
  ...F(Mnemonic.Roundss, Mnemonic.Vroundss, fround, S, 'vecFpRound'), ...F(Mnemonic.Roundsd, Mnemonic.Vroundsd, fround, D | S, 'vecFpRound'),
  ...F(Mnemonic.Dpps, Mnemonic.Vdpps, dpp, NO_SEL, 'vecFpDot'), ...F(Mnemonic.Dppd, Mnemonic.Vdppd, dpp, D, 'vecFpDot'),
  ...F(Mnemonic.Rcpps, Mnemonic.Vrcpps, frcp, Approx.Rcp, 'vecFpRcp'), ...F(Mnemonic.Rcpss, Mnemonic.Vrcpss, frcp, Approx.Rcp | S, 'vecFpRcp'),
  ...F(Mnemonic.Rsqrtps, Mnemonic.Vrsqrtps, frcp, Approx.Rsqrt, 'vecFpRcp'), ...F(Mnemonic.Rsqrtss, Mnemonic.Vrsqrtss, frcp, Approx.Rsqrt | S, 'vecFpRcp'),
  ...F(Mnemonic.Ldmxcsr, Mnemonic.Vldmxcsr, ldmxcsr, NO_SEL, 'ldmxcsr'), ...F(Mnemonic.Stmxcsr, Mnemonic.Vstmxcsr, stmxcsr, NO_SEL, 'stmxcsr'),
];

/** SSE2 CMPSD shares its mnemonic with the string CMPSD (see sseMove.ts). */
export const sseFloatStringAliases: SpecEntry[] = [[Mnemonic.Cmpsd, vspec(fcmp, D | S, 'vecFpAdd')]];
