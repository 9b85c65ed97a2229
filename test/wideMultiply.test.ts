import { describe, it, expect } from 'vitest';
import { mulU64, mulS64, prodWords } from '../src/cpu/handlers/muldiv.js';
import { Prng } from '../src/sim/prng.js';

// Reference: exact integer arithmetic with BigInt (closed-form math, not the code under test).
const pair = (v: bigint): [number, number] => [Number(BigInt.asUintN(32, v)) | 0, Number(BigInt.asUintN(32, v >> 32n)) | 0];

describe('64×64 → 128-bit multiply', () => {
  it('matches BigInt on edge and random operands, signed and unsigned', () => {
    const edges = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 0xdeadbeefcafebaben];
    const r = new Prng(3);
    const vals = [...edges];
    for (let i = 0; i < 200; i++) vals.push((BigInt(r.nextU32()) << 32n) | BigInt(r.nextU32()));
    for (const a of vals) {
      for (const b of vals.slice(0, 40)) {
        const [alo, ahi] = pair(a), [blo, bhi] = pair(b);
        mulU64(alo, ahi, blo, bhi);
        expect(prodWords(), `${a} * ${b}`).toBe(BigInt.asUintN(128, a * b));
        mulS64(alo, ahi, blo, bhi);
        expect(prodWords(), `signed ${a} * ${b}`).toBe(BigInt.asUintN(128, BigInt.asIntN(64, a) * BigInt.asIntN(64, b)));
      }
    }
  });
});
