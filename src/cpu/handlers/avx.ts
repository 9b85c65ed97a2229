/**
 * AVX/AVX2/FMA/F16C instructions that have no legacy-SSE counterpart (SDM
 * Vol. 2 per instruction): broadcasts, 128-bit lane inserts/extracts and
 * permutes, VPERMILPx, VPERMD/Q/PS/PD, masked moves, VZEROUPPER/VZEROALL,
 * gathers (VSIB), fused multiply-add, and half-precision conversions. The
 * VEX forms of the SSE instructions are in the SSE handler families.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { Fault, Vector } from '../fault.js';
import { simdAvail, loadB, commit, copyToVr, finishFp, loadMem, storeMem, vecEa } from '../simd/access.js';
import { env, F16, F32, convert } from '../simd/softfloat.js';
import * as fp from '../simd/fpops.js';
import { r64 } from '../simd/fpops.js';
import { MX_RC_SHIFT, MX_FTZ } from '../simd/mxcsr.js';
import { vspec, elems, NO_SEL, type VecOpts } from './sseSpec.js';
import type { SpecEntry } from './spec.js';
import type { InstructionClass } from '../../profile/schema.js';

const TWO32 = 4294967296;

/** VBROADCASTSS/SD/F128/I128, VPBROADCASTB/W/D/Q: op.elem = element bytes; the source is memory or the low element of an XMM. */
function broadcast(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem;
  if (op.k1 === K.Mem) loadMem(c, op, c.ea(op), e);
  else { const s = op.r1 << 3; for (let i = 0; i < 4; i++) c.vs[i] = c.xmm[s + i]!; }
  const s8 = c.sv.u8, r8 = c.rv.u8;
  for (let i = 0; i < op.vl; i++) r8[i] = s8[i % e]!;
  op.vd = op.r0;
  commit(c, op, op.vl >> 2);
}

/** VINSERTF128/VINSERTI128 ymm1, ymm2, xmm3/m128, imm8: the lane imm8[0] replaced. */
function insert128(c: Core, op: Op): void {
  simdAvail(c, op);
  if (op.k2 === K.Mem) c.readVec(c.ea(op), 16, c.vs, 0);
  else { const s = op.r2 << 3; for (let i = 0; i < 4; i++) c.vs[i] = c.xmm[s + i]!; }
  copyToVr(c, op.r1, 8);
  const lane = (op.immLo & 1) * 4;
  for (let i = 0; i < 4; i++) c.vr[lane + i] = c.vs[i]!;
  op.vd = op.r0;
  commit(c, op, 8);
}

/** VEXTRACTF128/VEXTRACTI128 xmm1/m128, ymm2, imm8. */
function extract128(c: Core, op: Op): void {
  simdAvail(c, op);
  const s = (op.r1 << 3) + (op.immLo & 1) * 4;
  if (op.k0 === K.Mem) { c.writeVec(c.ea(op), 16, c.xmm, s); return; }
  for (let i = 0; i < 4; i++) c.vr[i] = c.xmm[s + i]!;
  op.vd = op.r0;
  commit(c, op, 4);
}

/** VPERM2F128/VPERM2I128: each result lane picks one of four source lanes (imm8[1:0], imm8[5:4]) or zero (imm8[3], imm8[7]). */
function perm2x128(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const imm = op.immLo & 0xff, a = op.va << 3;
  for (let l = 0; l < 2; l++) {
    const ctl = imm >> (4 * l);
    const sel = ctl & 3;
    for (let i = 0; i < 4; i++) {
      const v = sel < 2 ? c.xmm[a + sel * 4 + i]! : c.vs[(sel - 2) * 4 + i]!;
      c.vr[4 * l + i] = ctl & 8 ? 0 : v;
    }
  }
  commit(c, op, 8);
}

/**
 * VPERMILPS/VPERMILPD: within each lane, elements of the first source picked
 * by a control (imm8, or a vector: PS bits 1:0 of each dword, PD bit 1 of
 * each qword). op.elem: element bytes; the form follows the operands.
 */
function permil(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem, variable = op.k2 === K.Vec || op.k2 === K.Mem;
  let src: number;
  if (variable) { loadB(c, op); src = op.va; }
  else {
    // imm form: VPERMILPS ymm1, ymm2/m256, imm8 — the table source is operand 1.
    if (op.k1 === K.Mem) { c.readVec(vecEa(c, op), op.vl, c.vr, 0); for (let i = 0; i < 8; i++) c.vs[i] = c.vr[i]!; }
    else { const s = op.r1 << 3; for (let i = 0; i < 8; i++) c.vs[i] = c.xmm[s + i]!; }
    src = -1;
  }
  const imm = op.immLo & 0xff;
  const table = (i: number) => (src < 0 ? c.vs[i]! : c.xmm[(src << 3) + i]!);
  const out = permOut;
  for (let i = 0; i < op.vl / e; i++) {
    const lane = e === 4 ? i & ~3 : i & ~1;
    let sel: number;
    if (e === 4) sel = variable ? c.vs[i]! & 3 : (imm >> (2 * (i & 3))) & 3;
    else sel = variable ? (c.vs[2 * i]! >> 1) & 1 : (imm >> i) & 1;
    if (e === 4) out[i] = table(lane + sel);
    else { out[2 * i] = table(2 * (lane + sel)); out[2 * i + 1] = table(2 * (lane + sel) + 1); }
  }
  for (let i = 0; i < 8; i++) c.vr[i] = out[i]!;
  op.vd = op.r0;
  commit(c, op, op.vl >> 2);
}

const permOut = new Uint32Array(8);

/** VPERMD/VPERMPS ymm1, ymm2 (indices), ymm3/m256: dword permute across lanes (op.elem 4); VPERMQ/VPERMPD ymm1, ymm2/m256, imm8 (op.elem 8). */
function permCross(c: Core, op: Op): void {
  simdAvail(c, op);
  if (op.elem === 4) {
    loadB(c, op);
    const idx = op.va << 3;
    for (let i = 0; i < 8; i++) c.vr[i] = c.vs[c.xmm[idx + i]! & 7]!;
  } else {
    if (op.k1 === K.Mem) c.readVec(c.ea(op), 32, c.vs, 0);
    else { const s = op.r1 << 3; for (let i = 0; i < 8; i++) c.vs[i] = c.xmm[s + i]!; }
    const imm = op.immLo & 0xff;
    for (let i = 0; i < 4; i++) { const q = (imm >> (2 * i)) & 3; c.vr[2 * i] = c.vs[2 * q]!; c.vr[2 * i + 1] = c.vs[2 * q + 1]!; }
  }
  op.vd = op.r0;
  commit(c, op, 8);
}

/**
 * VMASKMOVPS/PD, VPMASKMOVD/Q: elements whose mask sign bit is set are
 * loaded (others zero) or stored (others untouched in memory). Faults are
 * checked only for selected elements. op.elem = element bytes.
 */
function maskmov(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem, n = op.vl / e;
  if (op.k0 === K.Mem) {
    // VMASKMOVPS m, mask, src
    const a = c.ea(op), m = op.r1 << 3, s = op.r2 << 3;
    for (let i = 0; i < n; i++) {
      if ((c.xmm[m + (i + 1) * (e >> 2) - 1]! >>> 31) === 0) continue;
      storeMem(c, a + i * e, e, c.xmm, s + i * (e >> 2));
    }
    return;
  }
  const a = c.ea(op), m = op.r1 << 3;
  for (let i = 0; i < 8; i++) c.vr[i] = 0;
  for (let i = 0; i < n; i++) {
    if ((c.xmm[m + (i + 1) * (e >> 2) - 1]! >>> 31) === 0) continue;
    loadMem(c, op, a + i * e, e);
    c.vr[i * (e >> 2)] = c.vs[0]!;
    if (e === 8) c.vr[i * 2 + 1] = c.vs[1]!;
  }
  op.vd = op.r0;
  commit(c, op, op.vl >> 2);
}

/** What VZEROUPPER and VZEROALL clear (op.sel). */
const enum VZero { Upper, All }

/** VZEROUPPER (VZero.Upper): bits 255:128 of every YMM cleared; VZEROALL (VZero.All): every YMM cleared. */
function vzero(c: Core, op: Op): void {
  simdAvail(c, op);
  const x = c.xmm;
  for (let r = 0; r < 16; r++) for (let k = op.sel === VZero.All ? 0 : 4; k < 8; k++) x[8 * r + k] = 0;
}

/**
 * Gathers (AVX2, SDM "VGATHERDPS/VGATHERDPD", "VPGATHERDD/VPGATHERQD"...):
 * for each element whose mask sign bit is set, in order, load from base +
 * index[i] × scale + displacement, then clear that mask element; a fault
 * leaves the elements done so far (and their cleared mask bits) in place.
 * #UD if the destination, index and mask registers are not all different.
 * op.elem: element bytes; op.elem2: index bytes.
 */
function gather(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem, ie = op.elem2;
  const dst = op.r0, mask = op.r2, index = op.vsibIndex;
  if (dst === mask || dst === index || mask === index) throw new Fault(Vector.UD, null, 'gather with the destination, index and mask registers not all different');
  const n = Math.min(op.vsib / ie, (e === 4 && ie === 8 ? 16 : op.vl) / e);
  const outDwords = (n * e) >> 2;
  const x = c.xmm, m = mask << 3, d = dst << 3, ix = index << 3;
  // Base + displacement (the VSIB index is added per element).
  let base = op.mDispLo >>> 0, baseHi = op.mDispHi;
  if (op.mBase >= 0) { base += c.lo[op.mBase]! >>> 0; baseHi += c.hi[op.mBase]!; }
  const baseV = (baseHi | 0) * TWO32 + base;
  const scale = 1 << op.mShift;
  for (let i = 0; i < n; i++) {
    const mi = m + (i + 1) * (e >> 2) - 1;
    if ((x[mi]! >>> 31) === 0) continue;
    const idx = ie === 4 ? x[ix + i]! | 0 : (x[ix + 2 * i + 1]! | 0) * TWO32 + x[ix + 2 * i]!;
    let a = baseV + idx * scale;
    if (op.mSeg >= 0) a += c.segBase[op.mSeg]!;
    loadMem(c, op, a, e);
    x[d + i * (e >> 2)] = c.vs[0]!;
    if (e === 8) x[d + i * 2 + 1] = c.vs[1]!;
    x[m + i * (e >> 2)] = 0;
    if (e === 8) x[m + i * 2 + 1] = 0;
  }
  // Elements beyond the gathered ones, and the upper bits, are zeroed in both registers (VEX.128/256 rules).
  for (let k = outDwords; k < 8; k++) { x[d + k] = 0; x[m + k] = 0; }
  for (let k = 0; k < outDwords; k++) x[m + k] = 0;
}

// ------------------------------------------------------------------- FMA

/**
 * op.sel of FMA: the operand order in the Order field (Order132, Order213,
 * Order231), and flags: NegateProduct (VFNM*), Subtract (VFMSUB, VFNMSUB;
 * with Alternate VFMADDSUB), Binary64 (PD/SD), Scalar (SS/SD), Alternate
 * (VFMADDSUB/VFMSUBADD: even and odd elements differ). None: VFMADD132PS.
 */
const enum FmaBits {
  None = 0, Order132 = 0, Order213 = 1, Order231 = 2, Order = 3,
  NegateProduct = 4, Subtract = 8, Binary64 = 16, Scalar = 32, Alternate = 64,
}

/**
 * VFMADD/VFMSUB/VFNMADD/VFNMSUB 132/213/231 PS/PD/SS/SD and
 * VFMADDSUB/VFMSUBADD (SDM "VFMADD132PS..."): one rounding. With operand 1
 * = dest (d), operand 2 = vvvv (s2), operand 3 = r/m (s3): 132 computes
 * d·s3 ± s2, 213 s2·d ± s3, 231 s2·s3 ± d. op.sel: FmaBits (Alternate:
 * ADDSUB, even elements subtract; with Subtract, SUBADD).
 */
function fma(c: Core, op: Op): void {
  simdAvail(c, op);
  op.va = op.r1; op.kb = op.k2; op.rb = op.r2;
  loadB(c, op);
  env.flags = 0;
  const sel = op.sel, order = (sel & FmaBits.Order);
  const negP = (sel & FmaBits.NegateProduct) !== 0, sub = (sel & FmaBits.Subtract) !== 0;
  const dbl = (sel & FmaBits.Binary64) !== 0, scalar = (sel & FmaBits.Scalar) !== 0, alt = (sel & FmaBits.Alternate) !== 0;
  const x = c.xmm, vs = c.vs, vr = c.vr, d = op.r0 << 3, s2 = op.r1 << 3, mx = c.mxcsr;
  copyToVr(c, op.r0, 8);
  const n = scalar ? 1 : op.vl / (dbl ? 8 : 4);
  for (let i = 0; i < n; i++) {
    const negC = alt ? ((i & 1) === 0) === sub : sub; // FMADDSUB: even elements subtract; FMSUBADD: odd ones
    if (dbl) {
      const dh = x[d + 2 * i + 1]!, dl = x[d + 2 * i]!, ah = x[s2 + 2 * i + 1]!, al = x[s2 + 2 * i]!, bh = vs[2 * i + 1]!, bl = vs[2 * i]!;
      if (order === FmaBits.Order132) fp.fma64(dh, dl, bh, bl, ah, al, mx, negP, negC);
      else if (order === FmaBits.Order213) fp.fma64(ah, al, dh, dl, bh, bl, mx, negP, negC);
      else fp.fma64(ah, al, bh, bl, dh, dl, mx, negP, negC);
      vr[2 * i] = r64.lo; vr[2 * i + 1] = r64.hi;
    } else {
      const D = x[d + i]!, S2 = x[s2 + i]!, S3 = vs[i]!;
      vr[i] = order === FmaBits.Order132 ? fp.fma32(D, S3, S2, mx, negP, negC) : order === FmaBits.Order213 ? fp.fma32(S2, D, S3, mx, negP, negC) : fp.fma32(S2, S3, D, mx, negP, negC);
    }
  }
  finishFp(c);
  op.vd = op.r0;
  commit(c, op, scalar ? 4 : op.vl >> 2);
}

// ------------------------------------------------------------------- F16C

/** VCVTPH2PS xmm/ymm, xmm/m64/m128: exact widening; an SNaN signals IE and is quieted; DAZ does not apply (SDM "VCVTPH2PS"). */
function cvtph2ps(c: Core, op: Op): void {
  simdAvail(c, op);
  const n = op.vl >> 2;
  if (op.k1 === K.Mem) loadMem(c, op, c.ea(op), n * 2);
  else { const s = op.r1 << 3; for (let i = 0; i < 4; i++) c.vs[i] = c.xmm[s + i]!; }
  env.flags = 0;
  const h = c.sv.u16;
  for (let i = 0; i < n; i++) c.vr[i] = Number(convert(BigInt(h[i]!), F16, F32, c.mxcsr, false)) | 0;
  finishFp(c);
  op.vd = op.r0;
  commit(c, op, n);
}

const halfOut = new Uint16Array(8);

/** VCVTPS2PH xmm/m64/m128, xmm/ymm, imm8: rounding from imm8[1:0], or MXCSR.RC if imm8[2]; FTZ does not apply (SDM "VCVTPS2PH"). */
function cvtps2ph(c: Core, op: Op): void {
  simdAvail(c, op);
  const n = op.vl >> 2, s = op.r1 << 3, imm = op.immLo & 0xff;
  const rc = imm & 4 ? (c.mxcsr >> MX_RC_SHIFT) & 3 : imm & 3;
  const mx = ((c.mxcsr & ~(3 << MX_RC_SHIFT)) | (rc << MX_RC_SHIFT)) & ~MX_FTZ;
  env.flags = 0;
  const out = halfOut;
  out.fill(0);
  for (let i = 0; i < n; i++) out[i] = Number(convert(BigInt(c.xmm[s + i]!), F32, F16, mx));
  finishFp(c);
  for (let i = 0; i < 4; i++) c.vr[i] = i < n / 2 ? out[2 * i]! | (out[2 * i + 1]! << 16) : 0;
  if (op.k0 === K.Mem) { storeMem(c, c.ea(op), n * 2, c.vr, 0); return; }
  op.vd = op.r0;
  commit(c, op, 4);
}

// ------------------------------------------------------------------- table

const A = (m: Mnemonic, exec: (c: Core, op: Op) => void, sel: number, cls: InstructionClass, o?: VecOpts): SpecEntry => [m, vspec(exec, sel, cls, o)];

const fmaSpecs: SpecEntry[] = [];
{
  const kinds: [string, number][] = [
    ['Vfmadd', FmaBits.None], ['Vfmsub', FmaBits.Subtract], ['Vfnmadd', FmaBits.NegateProduct],
    ['Vfnmsub', FmaBits.NegateProduct | FmaBits.Subtract], ['Vfmaddsub', FmaBits.Alternate | FmaBits.Subtract], ['Vfmsubadd', FmaBits.Alternate],
  ];
  const orders: [string, number][] = [['132', FmaBits.Order132], ['213', FmaBits.Order213], ['231', FmaBits.Order231]];
  const types: [string, number][] = [
    ['ps', FmaBits.None], ['pd', FmaBits.Binary64], ['ss', FmaBits.Scalar], ['sd', FmaBits.Binary64 | FmaBits.Scalar],
  ];
  for (const [k, kb] of kinds) for (const [o, ob] of orders) for (const [t, tb] of types) {
    if ((kb & FmaBits.Alternate) !== 0 && (tb & FmaBits.Scalar) !== 0) continue;
    const m = (Mnemonic as unknown as Record<string, number>)[`${k}${o}${t}`];
    if (m === undefined) throw new Error(`iced-x86 has no ${k}${o}${t}`);
    fmaSpecs.push([m, vspec(fma, kb | ob | tb, 'vecFma')]);
  }
}

export const avxSpecs: SpecEntry[] = [
  A(Mnemonic.Vbroadcastss, broadcast, NO_SEL, 'vecShuffle', elems(4)), A(Mnemonic.Vbroadcastsd, broadcast, NO_SEL, 'vecShuffle', elems(8)),
  A(Mnemonic.Vbroadcastf128, broadcast, NO_SEL, 'vecShuffle', elems(16)), A(Mnemonic.Vbroadcasti128, broadcast, NO_SEL, 'vecShuffle', elems(16)),
  A(Mnemonic.Vpbroadcastb, broadcast, NO_SEL, 'vecShuffle', elems(1)), A(Mnemonic.Vpbroadcastw, broadcast, NO_SEL, 'vecShuffle', elems(2)),
  A(Mnemonic.Vpbroadcastd, broadcast, NO_SEL, 'vecShuffle', elems(4)), A(Mnemonic.Vpbroadcastq, broadcast, NO_SEL, 'vecShuffle', elems(8)),
  A(Mnemonic.Vinsertf128, insert128, NO_SEL, 'vecShuffle'), A(Mnemonic.Vinserti128, insert128, NO_SEL, 'vecShuffle'),
  A(Mnemonic.Vextractf128, extract128, NO_SEL, 'vecShuffle'), A(Mnemonic.Vextracti128, extract128, NO_SEL, 'vecShuffle'),
  A(Mnemonic.Vperm2f128, perm2x128, NO_SEL, 'vecLanePermute'), A(Mnemonic.Vperm2i128, perm2x128, NO_SEL, 'vecLanePermute'),
  A(Mnemonic.Vpermilps, permil, NO_SEL, 'vecShuffle', elems(4)), A(Mnemonic.Vpermilpd, permil, NO_SEL, 'vecShuffle', elems(8)),
  A(Mnemonic.Vpermd, permCross, NO_SEL, 'vecLanePermute', elems(4)), A(Mnemonic.Vpermps, permCross, NO_SEL, 'vecLanePermute', elems(4)),
  A(Mnemonic.Vpermq, permCross, NO_SEL, 'vecLanePermute', elems(8)), A(Mnemonic.Vpermpd, permCross, NO_SEL, 'vecLanePermute', elems(8)),
  A(Mnemonic.Vmaskmovps, maskmov, NO_SEL, 'vecMaskMove', elems(4)), A(Mnemonic.Vmaskmovpd, maskmov, NO_SEL, 'vecMaskMove', elems(8)),
  A(Mnemonic.Vpmaskmovd, maskmov, NO_SEL, 'vecMaskMove', elems(4)), A(Mnemonic.Vpmaskmovq, maskmov, NO_SEL, 'vecMaskMove', elems(8)),
  A(Mnemonic.Vzeroupper, vzero, VZero.Upper, 'vzero'), A(Mnemonic.Vzeroall, vzero, VZero.All, 'vzero'),
  A(Mnemonic.Vgatherdps, gather, NO_SEL, 'vecGather', elems(4, 4)), A(Mnemonic.Vgatherdpd, gather, NO_SEL, 'vecGather', elems(8, 4)),
  A(Mnemonic.Vgatherqps, gather, NO_SEL, 'vecGather', elems(4, 8)), A(Mnemonic.Vgatherqpd, gather, NO_SEL, 'vecGather', elems(8, 8)),
  A(Mnemonic.Vpgatherdd, gather, NO_SEL, 'vecGather', elems(4, 4)), A(Mnemonic.Vpgatherdq, gather, NO_SEL, 'vecGather', elems(8, 4)),
  A(Mnemonic.Vpgatherqd, gather, NO_SEL, 'vecGather', elems(4, 8)), A(Mnemonic.Vpgatherqq, gather, NO_SEL, 'vecGather', elems(8, 8)),
  A(Mnemonic.Vcvtph2ps, cvtph2ps, NO_SEL, 'vecCvtHalf'), A(Mnemonic.Vcvtps2ph, cvtps2ph, NO_SEL, 'vecCvtHalf'),
  ...fmaSpecs,
];
