/**
 * SSE/SSE2/SSE3/AVX data movement, bitwise logic, shuffles and unpacks,
 * inserts and extracts (SDM Vol. 2, per instruction). Legacy and VEX forms
 * share handlers: `op.vex` selects the VEX rules (three operands, upper
 * bits zeroed); 256-bit forms work on each 128-bit lane as the SDM defines.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { simdAvail, loadB, commit, copyToVr, vecEa, loadMem, storeMem } from '../simd/access.js';
import { vspec, elems, NO_SEL, type VecOpts } from './sseSpec.js';
import type { SpecEntry } from './spec.js';
import { RDI } from '../registers.js';

const dwordsOf = (op: Op): number => op.vl >> 2;

// ------------------------------------------------------------ whole-register moves

/** MOVAPS/MOVUPS/MOVDQA/MOVDQU/LDDQU/MOVNTxx and VEX forms: load or store the whole XMM/YMM. */
function movFull(c: Core, op: Op): void {
  simdAvail(c, op);
  if (op.k0 === K.Mem) {
    c.writeVec(vecEa(c, op), op.vl, c.xmm, op.r1 << 3);
    return;
  }
  loadB(c, op);
  const vr = c.vr, vs = c.vs;
  for (let i = 0; i < 8; i++) vr[i] = vs[i]!;
  commit(c, op, dwordsOf(op));
}

/**
 * MOVSS/MOVSD (SSE): register to register merges the low element; a load
 * zeroes bits 127:(element) (legacy keeps 255:128); a store writes the low
 * element. VMOVSS/VMOVSD xmm1, xmm2, xmm3 take the low element from xmm3 and
 * bits 127:(element) from xmm2. op.elem = element bytes (4 or 8).
 */
function movScalar(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem;
  if (op.k0 === K.Mem) { storeMem(c, c.ea(op), e, c.xmm, (op.k2 === K.Vec ? op.r2 : op.r1) << 3); return; }
  const vr = c.vr;
  if (op.kb === K.Mem) {
    loadMem(c, op, c.ea(op), e);
    vr[0] = c.vs[0]!; vr[1] = e === 8 ? c.vs[1]! : 0; vr[2] = 0; vr[3] = 0;
  } else {
    copyToVr(c, op.va, 4);
    const s = op.rb << 3;
    vr[0] = c.xmm[s]!; if (e === 8) vr[1] = c.xmm[s + 1]!;
  }
  commit(c, op, 4);
}

/**
 * MOVD/MOVQ (SDM "MOVD/MOVQ", "MOVQ"): to XMM zero-extends to 128 bits (VEX:
 * to the full register); from XMM writes the low 32/64 bits to a GPR or
 * memory. op.elem = 4 for 32-bit, 8 for 64-bit transfers.
 */
function movdq(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem;
  if (op.k0 === K.Vec) {
    const vr = c.vr;
    if (op.k1 === K.Reg) { vr[0] = c.lo[op.r1]!; vr[1] = e === 8 ? c.hi[op.r1]! : 0; }
    else if (op.k1 === K.Mem) { loadMem(c, op, c.ea(op), e); vr[0] = c.vs[0]!; vr[1] = e === 8 ? c.vs[1]! : 0; }
    else { const s = op.r1 << 3; vr[0] = c.xmm[s]!; vr[1] = e === 8 ? c.xmm[s + 1]! : 0; }
    vr[2] = 0; vr[3] = 0;
    op.vd = op.r0;
    commit(c, op, 4);
    return;
  }
  const s = op.r1 << 3;
  if (op.k0 === K.Reg) c.setReg(op.r0, 0, e, c.xmm[s]! | 0, e === 8 ? c.xmm[s + 1]! | 0 : 0);
  else storeMem(c, c.ea(op), e, c.xmm, s);
}

/** Which half of an XMM register MOVLPx/MOVHPx move, and MOVHLPS/MOVLHPS's direction (op.sel). */
const enum Half { Low, High, HighToLow, LowToHigh }

/**
 * MOVLPS/MOVLPD/MOVHPS/MOVHPD: Half.Low or Half.High. Loads replace that
 * half (VEX: the other half from the first source); stores write it.
 * MOVHLPS/MOVLHPS (register forms, Half.HighToLow / Half.LowToHigh) move
 * between halves.
 */
function movHalf(c: Core, op: Op): void {
  simdAvail(c, op);
  const sel = op.sel as Half;
  const hiHalf = sel === Half.High ? 1 : 0;
  if (op.k0 === K.Mem) { storeMem(c, c.ea(op), 8, c.xmm, (op.r1 << 3) + 2 * hiHalf); return; }
  const vr = c.vr;
  copyToVr(c, op.va, 4);
  if (sel === Half.HighToLow || sel === Half.LowToHigh) {
    // MOVHLPS: low ← high of source; MOVLHPS: high ← low of source.
    const s = (op.rb << 3) + (sel === Half.HighToLow ? 2 : 0);
    const d = sel === Half.HighToLow ? 0 : 2;
    vr[d] = c.xmm[s]!; vr[d + 1] = c.xmm[s + 1]!;
  } else {
    loadMem(c, op, c.ea(op), 8);
    vr[2 * hiHalf] = c.vs[0]!; vr[2 * hiHalf + 1] = c.vs[1]!;
  }
  commit(c, op, 4);
}

/** What MOVDDUP / MOVSLDUP / MOVSHDUP duplicate (op.sel). */
const enum Dup { LowQword, EvenDwords, OddDwords }

/** MOVDDUP / MOVSLDUP / MOVSHDUP (SSE3): duplicate the low qword, the even dwords or the odd dwords (a Dup); per lane. */
function movDup(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const vs = c.vs, vr = c.vr;
  for (let l = 0; l < op.vl; l += 16) {
    const o = l >> 2;
    if (op.sel === Dup.LowQword) { vr[o] = vs[o]!; vr[o + 1] = vs[o + 1]!; vr[o + 2] = vs[o]!; vr[o + 3] = vs[o + 1]!; }
    else {
      const k = op.sel === Dup.OddDwords ? 1 : 0;
      vr[o] = vs[o + k]!; vr[o + 1] = vs[o + k]!; vr[o + 2] = vs[o + 2 + k]!; vr[o + 3] = vs[o + 2 + k]!;
    }
  }
  commit(c, op, dwordsOf(op));
}

/** MOVMSKPS/MOVMSKPD/PMOVMSKB: the sign bit of each element into a GPR (zero-extended). op.elem = element bytes. */
function movMask(c: Core, op: Op): void {
  simdAvail(c, op);
  const s = op.r1 << 3, e = op.elem;
  let m = 0;
  if (e === 1) {
    const u8 = c.xv.u8, b = s << 2;
    for (let i = op.vl - 1; i >= 0; i--) m = (m << 1) | (u8[b + i]! >>> 7);
  } else {
    const step = e >> 2;
    for (let i = op.vl / e - 1; i >= 0; i--) m = (m << 1) | (c.xmm[s + i * step + step - 1]! >>> 31);
  }
  c.setReg(op.r0, 0, 8, m, 0);
}

/** MASKMOVDQU: store the bytes of xmm1 whose mask byte (xmm2) has its top bit set, at DS:RDI. */
function maskMov(c: Core, op: Op): void {
  simdAvail(c, op);
  const base = c.hi[RDI]! * 4294967296 + (c.lo[RDI]! >>> 0);
  const u8 = c.xv.u8, d = op.r1 << 5, m = op.r2 << 5; // iced: op0 is the implicit [RDI]
  for (let i = 0; i < 16; i++) if (u8[m + i]! & 0x80) c.write(base + i, 1, u8[d + i]!, 0);
}

/** MOVNTI m32/m64, r: a non-temporal GPR store (no SSE state; caching hints are not modelled). */
function movnti(c: Core, op: Op): void {
  c.write(c.ea(op), op.size, c.lo[op.r1]!, c.hi[op.r1]!);
}

// ------------------------------------------------------------------ logic

export const enum Logic { And = 0, AndN = 1, Or = 2, Xor = 3 }

/** ANDPS/ANDPD/PAND, ANDNPS/ANDNPD/PANDN, ORPS/ORPD/POR, XORPS/XORPD/PXOR. */
function logic(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const x = c.xmm, vs = c.vs, vr = c.vr, a = op.va << 3, n = dwordsOf(op);
  switch (op.sel as Logic) {
    case Logic.And: for (let i = 0; i < n; i++) vr[i] = x[a + i]! & vs[i]!; break;
    case Logic.AndN: for (let i = 0; i < n; i++) vr[i] = ~x[a + i]! & vs[i]!; break;
    case Logic.Or: for (let i = 0; i < n; i++) vr[i] = x[a + i]! | vs[i]!; break;
    default: for (let i = 0; i < n; i++) vr[i] = x[a + i]! ^ vs[i]!; break;
  }
  commit(c, op, n);
}

// ---------------------------------------------------------------- shuffles

/** The elements PSHUFD, PSHUFLW and PSHUFHW shuffle (op.sel). */
const enum Shuf { Dwords, LowWords, HighWords }

/** PSHUFD (Shuf.Dwords), PSHUFLW (Shuf.LowWords), PSHUFHW (Shuf.HighWords): imm8 selects elements of the source, per lane. */
function pshuf(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const imm = op.immLo & 0xff, vr = c.vr;
  for (let l = 0; l < op.vl; l += 16) {
    const o = l >> 2;
    if (op.sel === Shuf.Dwords) {
      const vs = c.vs;
      for (let i = 0; i < 4; i++) vr[o + i] = vs[o + ((imm >> (2 * i)) & 3)]!;
    } else {
      const s16 = c.sv.u16, r16 = c.rv.u16, w = l >> 1;
      const sh = op.sel === Shuf.LowWords ? 0 : 4, keep = op.sel === Shuf.LowWords ? 4 : 0;
      for (let i = 0; i < 4; i++) r16[w + sh + i] = s16[w + sh + ((imm >> (2 * i)) & 3)]!;
      for (let i = 0; i < 4; i++) r16[w + keep + i] = s16[w + keep + i]!;
    }
  }
  commit(c, op, dwordsOf(op));
}

/** SHUFPS (op.elem 4) / SHUFPD (op.elem 8): low results from the first source, high from the second, per lane. */
function shufp(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const imm = op.immLo & 0xff, x = c.xmm, vs = c.vs, vr = c.vr, a = op.va << 3;
  for (let l = 0; l < op.vl; l += 16) {
    const o = l >> 2;
    if (op.elem === 4) {
      vr[o] = x[a + o + (imm & 3)]!; vr[o + 1] = x[a + o + ((imm >> 2) & 3)]!;
      vr[o + 2] = vs[o + ((imm >> 4) & 3)]!; vr[o + 3] = vs[o + ((imm >> 6) & 3)]!;
    } else {
      const k = (l >> 4) * 2; // imm bits for this lane
      const s0 = (imm >> k) & 1, s1 = (imm >> (k + 1)) & 1;
      vr[o] = x[a + o + 2 * s0]!; vr[o + 1] = x[a + o + 2 * s0 + 1]!;
      vr[o + 2] = vs[o + 2 * s1]!; vr[o + 3] = vs[o + 2 * s1 + 1]!;
    }
  }
  commit(c, op, dwordsOf(op));
}

/**
 * UNPCKL/H PS/PD and PUNPCKL/H BW/WD/DQ/QDQ: interleave the low (Half.Low)
 * or high (Half.High) halves of each lane; op.elem = element bytes.
 */
function unpack(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const e = op.elem, high = op.sel === Half.High;
  const x8 = c.xv.u8, s8 = c.sv.u8, r8 = c.rv.u8, a = op.va << 5;
  for (let l = 0; l < op.vl; l += 16) {
    const base = l + (high ? 8 : 0);
    for (let i = 0; i < 8 / e; i++) {
      for (let k = 0; k < e; k++) {
        r8[l + 2 * i * e + k] = x8[a + base + i * e + k]!;
        r8[l + (2 * i + 1) * e + k] = s8[base + i * e + k]!;
      }
    }
  }
  commit(c, op, dwordsOf(op));
}

/** The direction of PSLLDQ / PSRLDQ (op.sel). */
const enum ByteShift { Left, Right }

/** PSLLDQ (ByteShift.Left) / PSRLDQ (ByteShift.Right): shift each lane by imm8 bytes (≥ 16 clears). The register is operand 1 for VEX (vd = r0, src = r1). */
function byteShift(c: Core, op: Op): void {
  simdAvail(c, op);
  const n = op.immLo & 0xff, x8 = c.xv.u8, r8 = c.rv.u8;
  const src = (op.vex ? op.r1 : op.r0) << 5;
  for (let l = 0; l < op.vl; l += 16) {
    for (let i = 0; i < 16; i++) {
      const j = op.sel === ByteShift.Left ? i - n : i + n;
      r8[l + i] = j >= 0 && j < 16 ? x8[src + l + j]! : 0;
    }
  }
  op.vd = op.r0;
  commit(c, op, dwordsOf(op));
}

/** PALIGNR (SSSE3): per lane, bytes imm8.. of the 32-byte concatenation (first source : second source). */
function palignr(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const n = op.immLo & 0xff, x8 = c.xv.u8, s8 = c.sv.u8, r8 = c.rv.u8, a = op.va << 5;
  for (let l = 0; l < op.vl; l += 16) {
    for (let i = 0; i < 16; i++) {
      const j = i + n;
      r8[l + i] = j < 16 ? s8[l + j]! : j < 32 ? x8[a + l + j - 16]! : 0;
    }
  }
  commit(c, op, dwordsOf(op));
}

// ---------------------------------------------------- inserts and extracts

/** PEXTRB/W/D/Q, EXTRACTPS: element imm8 of the XMM source to a GPR (zero-extended) or memory. op.elem = element bytes. */
function pextr(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem, idx = op.immLo & (16 / e - 1), s = op.r1 << 5, x8 = c.xv.u8;
  let lo = 0, hi = 0;
  for (let k = 0; k < Math.min(e, 4); k++) lo |= x8[s + idx * e + k]! << (8 * k);
  if (e === 8) for (let k = 0; k < 4; k++) hi |= x8[s + idx * e + 4 + k]! << (8 * k);
  if (op.k0 === K.Reg) c.setReg(op.r0, 0, e === 8 ? 8 : 4, lo, hi);
  else c.write(c.ea(op), e, lo, hi);
}

/** PINSRB/W/D/Q: a GPR or memory element into position imm8 (VEX: other elements from the first source). op.elem = element bytes. */
function pinsr(c: Core, op: Op): void {
  simdAvail(c, op);
  const e = op.elem;
  const kSrc = op.vex ? op.k2 : op.k1, rSrc = op.vex ? op.r2 : op.r1;
  let lo: number, hi = 0;
  if (kSrc === K.Reg) { lo = c.lo[rSrc]!; hi = c.hi[rSrc]!; }
  else { lo = c.read(c.ea(op), e); hi = c.tHi; }
  copyToVr(c, op.vex ? op.r1 : op.r0, 4);
  const idx = op.immLo & (16 / e - 1), r8 = c.rv.u8;
  for (let k = 0; k < e; k++) r8[idx * e + k] = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
  op.vd = op.r0;
  commit(c, op, 4);
}

/**
 * INSERTPS (SSE4.1): imm8[7:6] picks the source dword (register form; the
 * memory form loads one dword), imm8[5:4] the destination slot, imm8[3:0]
 * zeroes slots.
 */
function insertps(c: Core, op: Op): void {
  simdAvail(c, op);
  const imm = op.immLo & 0xff;
  let v: number;
  if (op.kb === K.Mem) v = c.read(c.ea(op), 4) >>> 0;
  else v = c.xmm[(op.rb << 3) + ((imm >> 6) & 3)]!;
  copyToVr(c, op.va, 4);
  const vr = c.vr;
  vr[(imm >> 4) & 3] = v;
  for (let i = 0; i < 4; i++) if ((imm >> i) & 1) vr[i] = 0;
  commit(c, op, 4);
}

// ------------------------------------------------------------------- table

const V: VecOpts = {};
const U: VecOpts = { unaligned: true };
const M = (m: Mnemonic, vm: Mnemonic | null, exec: (c: Core, op: Op) => void, sel: number, cls: Parameters<typeof vspec>[2], o: VecOpts = V): SpecEntry[] =>
  vm === null ? [[m, vspec(exec, sel, cls, o)]] : [[m, vspec(exec, sel, cls, o)], [vm, vspec(exec, sel, cls, o)]];

export const sseMoveSpecs: SpecEntry[] = [
  ...M(Mnemonic.Movaps, Mnemonic.Vmovaps, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movapd, Mnemonic.Vmovapd, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movdqa, Mnemonic.Vmovdqa, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movntps, Mnemonic.Vmovntps, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movntpd, Mnemonic.Vmovntpd, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movntdq, Mnemonic.Vmovntdq, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movntdqa, Mnemonic.Vmovntdqa, movFull, NO_SEL, 'vecMove', { alignVex: true }),
  ...M(Mnemonic.Movups, Mnemonic.Vmovups, movFull, NO_SEL, 'vecMove', U),
  ...M(Mnemonic.Movupd, Mnemonic.Vmovupd, movFull, NO_SEL, 'vecMove', U),
  ...M(Mnemonic.Movdqu, Mnemonic.Vmovdqu, movFull, NO_SEL, 'vecMove', U),
  ...M(Mnemonic.Lddqu, Mnemonic.Vlddqu, movFull, NO_SEL, 'vecMove', U),
  ...M(Mnemonic.Movss, Mnemonic.Vmovss, movScalar, NO_SEL, 'vecMove', elems(4)),
  [Mnemonic.Vmovsd, vspec(movScalar, NO_SEL, 'vecMove', elems(8))],
  ...M(Mnemonic.Movd, Mnemonic.Vmovd, movdq, NO_SEL, 'vecToGpr', elems(4)),
  ...M(Mnemonic.Movq, Mnemonic.Vmovq, movdq, NO_SEL, 'vecToGpr', elems(8)),
  ...M(Mnemonic.Movlps, Mnemonic.Vmovlps, movHalf, Half.Low, 'vecShuffle'),
  ...M(Mnemonic.Movlpd, Mnemonic.Vmovlpd, movHalf, Half.Low, 'vecShuffle'),
  ...M(Mnemonic.Movhps, Mnemonic.Vmovhps, movHalf, Half.High, 'vecShuffle'),
  ...M(Mnemonic.Movhpd, Mnemonic.Vmovhpd, movHalf, Half.High, 'vecShuffle'),
  ...M(Mnemonic.Movhlps, Mnemonic.Vmovhlps, movHalf, Half.HighToLow, 'vecShuffle'),
  ...M(Mnemonic.Movlhps, Mnemonic.Vmovlhps, movHalf, Half.LowToHigh, 'vecShuffle'),
  ...M(Mnemonic.Movddup, Mnemonic.Vmovddup, movDup, Dup.LowQword, 'vecShuffle', U),
  ...M(Mnemonic.Movsldup, Mnemonic.Vmovsldup, movDup, Dup.EvenDwords, 'vecShuffle'),
  ...M(Mnemonic.Movshdup, Mnemonic.Vmovshdup, movDup, Dup.OddDwords, 'vecShuffle'),
  ...M(Mnemonic.Movmskps, Mnemonic.Vmovmskps, movMask, NO_SEL, 'vecToGpr', elems(4)),
  ...M(Mnemonic.Movmskpd, Mnemonic.Vmovmskpd, movMask, NO_SEL, 'vecToGpr', elems(8)),
  ...M(Mnemonic.Pmovmskb, Mnemonic.Vpmovmskb, movMask, NO_SEL, 'vecToGpr', elems(1)),
  ...M(Mnemonic.Maskmovdqu, Mnemonic.Vmaskmovdqu, maskMov, NO_SEL, 'vecMove', U),
  [Mnemonic.Movnti, { exec: movnti, cls: 'mov' }],
  ...M(Mnemonic.Andps, Mnemonic.Vandps, logic, Logic.And, 'vecLogic'),
  ...M(Mnemonic.Andpd, Mnemonic.Vandpd, logic, Logic.And, 'vecLogic'),
  ...M(Mnemonic.Pand, Mnemonic.Vpand, logic, Logic.And, 'vecLogic'),
  ...M(Mnemonic.Andnps, Mnemonic.Vandnps, logic, Logic.AndN, 'vecLogic'),
  ...M(Mnemonic.Andnpd, Mnemonic.Vandnpd, logic, Logic.AndN, 'vecLogic'),
  ...M(Mnemonic.Pandn, Mnemonic.Vpandn, logic, Logic.AndN, 'vecLogic'),
  ...M(Mnemonic.Orps, Mnemonic.Vorps, logic, Logic.Or, 'vecLogic'),
  ...M(Mnemonic.Orpd, Mnemonic.Vorpd, logic, Logic.Or, 'vecLogic'),
  ...M(Mnemonic.Por, Mnemonic.Vpor, logic, Logic.Or, 'vecLogic'),
  ...M(Mnemonic.Xorps, Mnemonic.Vxorps, logic, Logic.Xor, 'vecLogic'),
  ...M(Mnemonic.Xorpd, Mnemonic.Vxorpd, logic, Logic.Xor, 'vecLogic'),
  ...M(Mnemonic.Pxor, Mnemonic.Vpxor, logic, Logic.Xor, 'vecLogic'),
  ...M(Mnemonic.Pshufd, Mnemonic.Vpshufd, pshuf, Shuf.Dwords, 'vecShuffle'),
  ...M(Mnemonic.Pshuflw, Mnemonic.Vpshuflw, pshuf, Shuf.LowWords, 'vecShuffle'),
  ...M(Mnemonic.Pshufhw, Mnemonic.Vpshufhw, pshuf, Shuf.HighWords, 'vecShuffle'),
  ...M(Mnemonic.Shufps, Mnemonic.Vshufps, shufp, NO_SEL, 'vecShuffle', elems(4)),
  ...M(Mnemonic.Shufpd, Mnemonic.Vshufpd, shufp, NO_SEL, 'vecShuffle', elems(8)),
  ...M(Mnemonic.Unpcklps, Mnemonic.Vunpcklps, unpack, Half.Low, 'vecShuffle', elems(4)),
  ...M(Mnemonic.Unpckhps, Mnemonic.Vunpckhps, unpack, Half.High, 'vecShuffle', elems(4)),
  ...M(Mnemonic.Unpcklpd, Mnemonic.Vunpcklpd, unpack, Half.Low, 'vecShuffle', elems(8)),
  ...M(Mnemonic.Unpckhpd, Mnemonic.Vunpckhpd, unpack, Half.High, 'vecShuffle', elems(8)),
  ...M(Mnemonic.Punpcklbw, Mnemonic.Vpunpcklbw, unpack, Half.Low, 'vecShuffle', elems(1)),
  ...M(Mnemonic.Punpcklwd, Mnemonic.Vpunpcklwd, unpack, Half.Low, 'vecShuffle', elems(2)),
  ...M(Mnemonic.Punpckldq, Mnemonic.Vpunpckldq, unpack, Half.Low, 'vecShuffle', elems(4)),
  ...M(Mnemonic.Punpcklqdq, Mnemonic.Vpunpcklqdq, unpack, Half.Low, 'vecShuffle', elems(8)),
  ...M(Mnemonic.Punpckhbw, Mnemonic.Vpunpckhbw, unpack, Half.High, 'vecShuffle', elems(1)),
  ...M(Mnemonic.Punpckhwd, Mnemonic.Vpunpckhwd, unpack, Half.High, 'vecShuffle', elems(2)),
  ...M(Mnemonic.Punpckhdq, Mnemonic.Vpunpckhdq, unpack, Half.High, 'vecShuffle', elems(4)),
  ...M(Mnemonic.Punpckhqdq, Mnemonic.Vpunpckhqdq, unpack, Half.High, 'vecShuffle', elems(8)),
  ...M(Mnemonic.Pslldq, Mnemonic.Vpslldq, byteShift, ByteShift.Left, 'vecShuffle'),
  ...M(Mnemonic.Psrldq, Mnemonic.Vpsrldq, byteShift, ByteShift.Right, 'vecShuffle'),
  ...M(Mnemonic.Palignr, Mnemonic.Vpalignr, palignr, NO_SEL, 'vecShuffle'),
  ...M(Mnemonic.Pextrb, Mnemonic.Vpextrb, pextr, NO_SEL, 'vecToGpr', elems(1)),
  ...M(Mnemonic.Pextrw, Mnemonic.Vpextrw, pextr, NO_SEL, 'vecToGpr', elems(2)),
  ...M(Mnemonic.Pextrd, Mnemonic.Vpextrd, pextr, NO_SEL, 'vecToGpr', elems(4)),
  ...M(Mnemonic.Pextrq, Mnemonic.Vpextrq, pextr, NO_SEL, 'vecToGpr', elems(8)),
  ...M(Mnemonic.Extractps, Mnemonic.Vextractps, pextr, NO_SEL, 'vecToGpr', elems(4)),
  ...M(Mnemonic.Pinsrb, Mnemonic.Vpinsrb, pinsr, NO_SEL, 'vecShuffle', elems(1)),
  ...M(Mnemonic.Pinsrw, Mnemonic.Vpinsrw, pinsr, NO_SEL, 'vecShuffle', elems(2)),
  ...M(Mnemonic.Pinsrd, Mnemonic.Vpinsrd, pinsr, NO_SEL, 'vecShuffle', elems(4)),
  ...M(Mnemonic.Pinsrq, Mnemonic.Vpinsrq, pinsr, NO_SEL, 'vecShuffle', elems(8)),
  ...M(Mnemonic.Insertps, Mnemonic.Vinsertps, insertps, NO_SEL, 'vecShuffle'),
];

/** SSE2 MOVSD shares its mnemonic with the string MOVSD: the decoder picks this when an operand is an XMM register. */
export const sseStringAliases: SpecEntry[] = [
  [Mnemonic.Movsd, vspec(movScalar, NO_SEL, 'vecMove', elems(8))],
];


