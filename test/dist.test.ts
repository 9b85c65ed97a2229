/**
 * Service-time distributions in the paper's notation (src/load/dist.ts):
 * sample moments against the closed forms, mode shares, the paper's
 * key-value figures, and errors that name what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { parseDist } from '../src/load/dist.js';
import { Prng } from '../src/sim/prng.js';

function moments(text: string, n: number, seed = 1) {
  const d = parseDist(text);
  const rng = new Prng(seed, 2);
  const out = { type: 0, serviceUs: 0 };
  let s = 0, s2 = 0;
  const counts = new Array(d.types.length).fill(0);
  for (let i = 0; i < n; i++) { d.sample(rng, out); s += out.serviceUs; s2 += out.serviceUs ** 2; counts[out.type]++; }
  return { d, mean: s / n, var: s2 / n - (s / n) ** 2, shares: counts.map((c) => c / n) };
}

describe('service-time distributions', () => {
  it('fixed and exponential: mean and variance (exp: variance = mean²)', () => {
    expect(moments('fixed:1', 1000).var).toBeCloseTo(0, 12);
    const e = moments('exp:50', 400_000);
    // Standard error of the mean: 50/sqrt(4e5) ≈ 0.08; allow 5 of them.
    expect(Math.abs(e.mean - 50)).toBeLessThan(0.4);
    expect(e.var / 2500).toBeCloseTo(1, 1);
    expect(e.d.secondMomentUs2).toBe(5000);
  });

  it('lognormal:m,s has mean m and standard deviation s', () => {
    const l = moments('lognormal:1,1', 400_000);
    expect(l.mean).toBeCloseTo(1, 2);
    expect(Math.sqrt(l.var)).toBeCloseTo(1, 1);
    // The paper's lognormal(1, 10): σ² = ln 101, so its median is exp(-ln(101)/2) = 0.0995 µs.
    const d = parseDist('lognormal:1,10');
    const rng = new Prng(3, 2), out = { type: 0, serviceUs: 0 };
    const xs: number[] = [];
    for (let i = 0; i < 100_001; i++) { d.sample(rng, out); xs.push(out.serviceUs); }
    xs.sort((a, b) => a - b);
    expect(xs[50_000]! / Math.exp(-Math.log(101) / 2)).toBeCloseTo(1, 1);
    expect(d.secondMomentUs2).toBeCloseTo(101, 9);
  });

  it('bimodal and trimodal: each mode is a type with its share; E[S] and E[S²] as in the paper', () => {
    const b = moments('bimodal:99.5-0.5,0.5-500', 400_000);
    expect(b.d.types.map((t) => t.meanUs)).toEqual([0.5, 500]);
    expect(b.shares[1]).toBeCloseTo(0.005, 3);
    expect(b.d.meanUs).toBeCloseTo(2.9975, 12);
    expect(b.d.secondMomentUs2).toBeCloseTo(0.995 * 0.25 + 0.005 * 500 ** 2, 9);
    const t = moments('trimodal:33-1,33-10,33-100', 300_000);
    for (const s of t.shares) expect(s).toBeCloseTo(1 / 3, 2);
    expect(t.d.meanUs).toBeCloseTo(37, 12);
    expect(parseDist('bimodal:50-1,50-100').secondMomentUs2).toBeCloseTo(5000.5, 9);
  });

  it('kv mixes: GET 6 µs, SCAN(n) 0.24·n µs (NSDI\'19 §4.4)', () => {
    const d = parseDist('kv:99.5-get,0.5-scan1000');
    expect(d.types.map((t) => [t.name, t.meanUs])).toEqual([['GET', 6], ['SCAN(1000)', 240]]);
    expect(d.meanUs).toBeCloseTo(7.17, 9);
    expect(parseDist('kv:50-get,50-scan5000').types[1]!.meanUs).toBeCloseTo(1200, 9);
  });

  it('bad notation says what is expected', () => {
    expect(() => parseDist('gauss:1')).toThrow(/unknown distribution 'gauss'/);
    expect(() => parseDist('fixed:-1')).toThrow(/must be positive/);
    expect(() => parseDist('bimodal:99.5-0.5')).toThrow(/takes 2 modes/);
    expect(() => parseDist('lognormal:1')).toThrow(/mean,sd/);
    expect(() => parseDist('kv:50-put')).toThrow(/percent-operation pairs/);
    expect(() => parseDist('50')).toThrow(/kind:parameters/);
  });
});
