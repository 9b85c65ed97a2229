/**
 * SSE4.2 string and text instructions PCMPESTRI/PCMPESTRM/PCMPISTRI/
 * PCMPISTRM (SDM Vol. 2B "PCMPESTRI" and §4.1 "Imm8 Control Byte Operation
 * for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM") and CRC32 (SDM Vol. 2A
 * "CRC32": CRC-32C, polynomial 11EDC6F41H, bit-reflected).
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import { K, type Op } from '../op.js';
import { simdAvail, loadB, commit } from '../simd/access.js';
import { vspec } from './sseSpec.js';
import type { SpecEntry } from './spec.js';
import { RAX, RCX, RDX } from '../registers.js';

const enum Agg { EqualAny = 0, Ranges = 1, EqualEach = 2, EqualOrdered = 3 }

/**
 * op.sel flags of PCMPxSTRx: ExplicitLengths (the E forms: lengths in
 * RAX/EAX and RDX/EDX; else the I forms' NUL-terminated operands), Mask (the
 * M forms: a mask in XMM0; else the I forms' index in ECX), Wide (REX.W /
 * VEX.W: 64-bit RAX/RDX lengths). None: PCMPISTRI.
 */
const enum StrBits { None = 0, ExplicitLengths = 1, Mask = 2, Wide = 4 }

/** Element i of register or scratch bytes, by format (imm8[1:0]). */
function elem(u8: Uint8Array, base: number, i: number, fmt: number): number {
  if ((fmt & 1) === 0) { const b = u8[base + i]!; return fmt & 2 ? (b << 24) >> 24 : b; }
  const w = u8[base + 2 * i]! | (u8[base + 2 * i + 1]! << 8);
  return fmt & 2 ? (w << 16) >> 16 : w;
}

/** Explicit length: |reg| saturated to the element count (REX.W selects 64-bit registers). */
function explicitLen(c: Core, r: number, wide: boolean, n: number): number {
  let v: number;
  if (wide) {
    const hi = c.hi[r]!, lo = c.lo[r]! >>> 0;
    if (hi < 0) return hi === -1 && lo !== 0 ? Math.min(4294967296 - lo, n) : n; // negative: |value|
    if (hi > 0) return n;
    v = lo;
  } else {
    const s = c.lo[r]!;
    v = s < 0 ? -s : s;
    if (v < 0) v = n; // |INT_MIN|
  }
  return Math.min(v, n);
}

const boolRes = new Uint8Array(16 * 16);

/** The four instructions share one engine; op.sel is a set of StrBits. */
function pcmpstr(c: Core, op: Op): void {
  simdAvail(c, op);
  op.va = op.r0; op.kb = op.k1; op.rb = op.r1;
  loadB(c, op);
  const imm = op.immLo & 0xff, fmt = imm & 3, agg = (imm >> 2) & 3, pol = (imm >> 4) & 3, sel = (imm >> 6) & 1;
  const n = fmt & 1 ? 8 : 16;
  const x8 = c.xv.u8, a = op.va << 5, s8 = c.sv.u8;
  let la: number, lb: number;
  if ((op.sel & StrBits.ExplicitLengths) !== 0) {
    const wide = (op.sel & StrBits.Wide) !== 0;
    la = explicitLen(c, RAX, wide, n);
    lb = explicitLen(c, RDX, wide, n);
  } else {
    la = n; lb = n;
    for (let i = 0; i < n; i++) if (elem(x8, a, i, fmt) === 0) { la = i; break; }
    for (let i = 0; i < n; i++) if (elem(s8, 0, i, fmt) === 0) { lb = i; break; }
  }
  // BoolRes[j][i]: operand 1 element j against operand 2 element i, with the validity overrides (SDM Table 4-7).
  for (let j = 0; j < n; j++) {
    const aj = elem(x8, a, j, fmt), va = j < la;
    for (let i = 0; i < n; i++) {
      const bi = elem(s8, 0, i, fmt), vb = i < lb;
      let r: boolean;
      if (va && vb) r = agg === Agg.Ranges ? ((j & 1) === 0 ? bi >= aj : bi <= aj) : aj === bi;
      else if (agg === Agg.EqualEach) r = !va && !vb;
      else if (agg === Agg.EqualOrdered) r = !va;
      else r = false;
      boolRes[j * 16 + i] = r ? 1 : 0;
    }
  }
  let res = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    switch (agg) {
      case Agg.EqualAny: for (let j = 0; j < n; j++) r |= boolRes[j * 16 + i]!; break;
      case Agg.Ranges: for (let j = 0; j + 1 < n; j += 2) r |= boolRes[j * 16 + i]! & boolRes[(j + 1) * 16 + i]!; break;
      case Agg.EqualEach: r = boolRes[i * 16 + i]!; break;
      default: {
        r = 1;
        for (let k = 0; k < n - i; k++) r &= boolRes[k * 16 + i + k]!;
      }
    }
    res |= r << i;
  }
  const all = (1 << n) - 1;
  if (pol === 1) res ^= all;
  else if (pol === 3) res ^= (1 << lb) - 1;
  res &= all;
  if ((op.sel & StrBits.Mask) !== 0) {
    const vr = c.vr, r8 = c.rv.u8;
    vr.fill(0);
    if (sel === 0) vr[0] = res;
    else for (let i = 0; i < n; i++) {
      const m = (res >> i) & 1 ? 0xff : 0;
      if (n === 16) r8[i] = m; else { r8[2 * i] = m; r8[2 * i + 1] = m; }
    }
    op.vd = 0; // XMM0
    commit(c, op, 4);
  } else {
    let idx = n;
    if (res !== 0) idx = sel === 0 ? 31 - Math.clz32(res & -res) : 31 - Math.clz32(res);
    c.setReg(RCX, 0, 4, idx, 0);
  }
  // CF: IntRes2 ≠ 0; ZF: operand 2 shorter than n; SF: operand 1 shorter than n; OF: IntRes2[0]; AF = PF = 0.
  c.setArithFlags((res !== 0 ? 0x001 : 0) | (lb < n ? 0x040 : 0) | (la < n ? 0x080 : 0) | ((res & 1) !== 0 ? 0x800 : 0));
}

// ------------------------------------------------------------------- CRC32

const CRC_TABLE = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let r = i;
  for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ 0x82f63b78 : r >>> 1;
  CRC_TABLE[i] = r;
}

/** CRC32 r32/r64, r/m8/16/32/64: the source's bytes, low first, into the low 32 bits of the destination (zero-extended). */
function crc32(c: Core, op: Op): void {
  const sz = op.size2;
  let lo: number, hi = 0;
  if (op.k1 === K.Reg) { lo = c.getReg(op.r1, op.h1, sz); hi = sz === 8 ? c.tHi : 0; }
  else { lo = c.read(c.ea(op), sz); hi = sz === 8 ? c.tHi : 0; }
  let crc = c.lo[op.r0]! >>> 0;
  for (let k = 0; k < sz; k++) {
    const b = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
    crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ b) & 0xff]!;
  }
  c.setReg(op.r0, 0, 4, crc | 0, 0);
}

const P = (m: Mnemonic, bits: number): SpecEntry => [m, vspec(pcmpstr, bits, 'vecPcmpStr', { unaligned: true })];
const E = StrBits.ExplicitLengths, M = StrBits.Mask, W = StrBits.Wide;

export const sse42Specs: SpecEntry[] = [
  P(Mnemonic.Pcmpistri, StrBits.None), P(Mnemonic.Pcmpistrm, M), P(Mnemonic.Pcmpestri, E), P(Mnemonic.Pcmpestrm, E | M),
  P(Mnemonic.Pcmpestri64, E | W), P(Mnemonic.Pcmpestrm64, E | M | W),
  P(Mnemonic.Vpcmpistri, StrBits.None), P(Mnemonic.Vpcmpistrm, M), P(Mnemonic.Vpcmpestri, E), P(Mnemonic.Vpcmpestrm, E | M),
  P(Mnemonic.Vpcmpestri64, E | W), P(Mnemonic.Vpcmpestrm64, E | M | W),
  [Mnemonic.Crc32, { exec: crc32, cls: 'crc32', setup: (op) => { if (op.size2 === 0) op.size2 = op.msz; } }],
];
