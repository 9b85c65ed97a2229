/**
 * AES-NI and PCLMULQDQ (Haswell-EP has both; SDM Vol. 2A "AESENC",
 * "AESENCLAST", "AESDEC", "AESDECLAST", "AESIMC", "AESKEYGENASSIST",
 * "PCLMULQDQ"; the round functions are FIPS-197's). The 128-bit state is
 * the register's bytes in order, column-major: byte 4c + r is row r of
 * column c.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../core.js';
import type { Op } from '../op.js';
import { simdAvail, loadB, commit } from '../simd/access.js';
import { vspec, NO_SEL } from './sseSpec.js';
import type { SpecEntry } from './spec.js';

/** GF(2^8) multiply modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 §4.2). */
function gmul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

/** S-box and its inverse from the definition (multiplicative inverse, then the affine map; FIPS-197 §5.1.1). */
const SBOX = new Uint8Array(256), INV_SBOX = new Uint8Array(256);
for (let x = 0; x < 256; x++) {
  let inv = 0;
  if (x !== 0) for (let y = 1; y < 256; y++) if (gmul(x, y) === 1) { inv = y; break; }
  let s = inv;
  for (let k = 1; k <= 4; k++) s ^= ((inv << k) | (inv >> (8 - k))) & 0xff;
  s ^= 0x63;
  SBOX[x] = s;
  INV_SBOX[s] = x;
}

const st = new Uint8Array(16), tmp = new Uint8Array(16);

function shiftRows(inv: boolean): void {
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) tmp[4 * c + r] = st[4 * ((inv ? c - r + 4 : c + r) % 4) + r]!;
  st.set(tmp);
}
function subBytes(inv: boolean): void { for (let i = 0; i < 16; i++) st[i] = (inv ? INV_SBOX : SBOX)[st[i]!]!; }
function mixColumns(inv: boolean): void {
  const m = inv ? [14, 11, 13, 9] : [2, 3, 1, 1];
  for (let c = 0; c < 4; c++) {
    const a0 = st[4 * c]!, a1 = st[4 * c + 1]!, a2 = st[4 * c + 2]!, a3 = st[4 * c + 3]!;
    for (let r = 0; r < 4; r++) {
      tmp[4 * c + r] = gmul(a0, m[(4 - r) % 4]!) ^ gmul(a1, m[(5 - r) % 4]!) ^ gmul(a2, m[(6 - r) % 4]!) ^ gmul(a3, m[(7 - r) % 4]!);
    }
  }
  st.set(tmp);
}

const enum Aes { Enc = 0, EncLast = 1, Dec = 2, DecLast = 3, Imc = 4 }

/** AESENC/AESENCLAST/AESDEC/AESDECLAST (state = first source, round key = second) and AESIMC (second source only); op.sel the Aes. */
function aesRound(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const x8 = c.xv.u8, s8 = c.sv.u8, r8 = c.rv.u8, a = op.va << 5;
  if (op.sel === Aes.Imc) { for (let i = 0; i < 16; i++) st[i] = s8[i]!; mixColumns(true); for (let i = 0; i < 16; i++) r8[i] = st[i]!; }
  else {
    for (let i = 0; i < 16; i++) st[i] = x8[a + i]!;
    const dec = op.sel === Aes.Dec || op.sel === Aes.DecLast;
    shiftRows(dec);
    subBytes(dec);
    if (op.sel === Aes.Enc || op.sel === Aes.Dec) mixColumns(dec);
    for (let i = 0; i < 16; i++) r8[i] = st[i]! ^ s8[i]!;
  }
  c.vr.fill(0, 4);
  commit(c, op, 4);
}

const subWord = (w: number): number => SBOX[w & 0xff]! | (SBOX[(w >>> 8) & 0xff]! << 8) | (SBOX[(w >>> 16) & 0xff]! << 16) | (SBOX[w >>> 24]! << 24);
const rotWord = (w: number): number => (w >>> 8) | (w << 24);

/** AESKEYGENASSIST xmm1, xmm2/m128, imm8 (SDM): SubWord/RotWord of dwords 1 and 3, RCON = imm8. */
function aesKeygen(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const vs = c.vs, vr = c.vr, rcon = op.immLo & 0xff;
  const x1 = subWord(vs[1]!), x3 = subWord(vs[3]!);
  vr[0] = x1; vr[1] = rotWord(x1) ^ rcon; vr[2] = x3; vr[3] = rotWord(x3) ^ rcon;
  op.vd = op.r0;
  commit(c, op, 4);
}

/** PCLMULQDQ: the carry-less product of the quadwords imm8[0] (first source) and imm8[4] (second source). */
function pclmul(c: Core, op: Op): void {
  simdAvail(c, op);
  loadB(c, op);
  const imm = op.immLo & 0xff, a = (op.va << 3) + (imm & 1 ? 2 : 0), b = imm & 0x10 ? 2 : 0;
  const x = (BigInt(c.xmm[a + 1]!) << 32n) | BigInt(c.xmm[a]!);
  const y = (BigInt(c.vs[b + 1]!) << 32n) | BigInt(c.vs[b]!);
  let r = 0n;
  for (let i = 0n; i < 64n; i++) if ((y >> i) & 1n) r ^= x << i;
  const vr = c.vr;
  for (let k = 0; k < 4; k++) vr[k] = Number((r >> BigInt(32 * k)) & 0xffffffffn);
  commit(c, op, 4);
}

const A = (m: Mnemonic, vm: Mnemonic, exec: (c: Core, op: Op) => void, sel: number): SpecEntry[] =>
  [[m, vspec(exec, sel, 'vecAes')], [vm, vspec(exec, sel, 'vecAes')]];

export const aesSpecs: SpecEntry[] = [
  ...A(Mnemonic.Aesenc, Mnemonic.Vaesenc, aesRound, Aes.Enc), ...A(Mnemonic.Aesenclast, Mnemonic.Vaesenclast, aesRound, Aes.EncLast),
  ...A(Mnemonic.Aesdec, Mnemonic.Vaesdec, aesRound, Aes.Dec), ...A(Mnemonic.Aesdeclast, Mnemonic.Vaesdeclast, aesRound, Aes.DecLast),
  ...A(Mnemonic.Aesimc, Mnemonic.Vaesimc, aesRound, Aes.Imc), ...A(Mnemonic.Aeskeygenassist, Mnemonic.Vaeskeygenassist, aesKeygen, NO_SEL),
  [Mnemonic.Pclmulqdq, vspec(pclmul, NO_SEL, 'vecClmul')], [Mnemonic.Vpclmulqdq, vspec(pclmul, NO_SEL, 'vecClmul')],
];
