/**
 * Queueing theory over several loads, and the policy shapes the paper
 * states (NSDI'19 §4.2–4.3), on the Shinjuku server as guest code. Lean:
 * a few hundred requests per point on 1–2 workers.
 *
 * Oracles. Each request's ideal FCFS wait comes from the exact sample path
 * of the very arrivals and service times the client generated (the
 * Kiefer–Wolfowitz recursion, src/shinjuku/queueing.ts); the emulator's
 * wait is latency − service − the constant path (the smallest
 * latency − service of the run). Mechanism overheads only add work, so the
 * emulator's mean wait lies between the ideal path's and the path with
 * every service DELTA_MAX_US longer (tight). The closed forms — Erlang C
 * for M/M/k (P(wait) and E[W]) and Pollaczek–Khinchine for M/G/1 — are
 * checked two ways: the emulator's P(wait) against Erlang C directly
 * (within 4 binomial standard errors, √(C(1−C)/n): neighbouring requests'
 * waits are correlated, which widens the naive 2–3), and E[W] through the chain
 * emulator = sample path (the bracket, per request) and sample path =
 * closed form (the same client streams, same seed, run 200,000 requests
 * long on the host: ±5 %). A direct E[W] comparison on a few hundred
 * requests would need a ±50 % tolerance at ρ = 0.5 (the spread over seeds
 * of a 250-request sample path is ±40 %), so it would prove little.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigOverrides } from '../src/shinjuku/config.js';
import { runPoint, type RawPoint } from '../src/shinjuku/server.js';
import { pointResult } from '../src/shinjuku/metrics.js';
import { erlangC, fcfsWaits, mg1MeanWait, mmkMeanWait } from '../src/shinjuku/queueing.js';
import { parseDist } from '../src/load/dist.js';
import { Prng } from '../src/sim/prng.js';

const DELTA_MAX_US = 0.6; // the most a request's mechanisms add to its worker's busy time (see shinjukuServer.test.ts)

const point = (o: ConfigOverrides): RawPoint => runPoint(resolveConfig({}, { seed: 11, warmup: 0, ...o }));

function waits(r: RawPoint, k: number) {
  const cl = r.run.client;
  const arr = Array.from(cl.sent, (t) => t / cl.ticksPerUs);
  const path = fcfsWaits(k, arr, cl.serviceUs);
  const pathHi = fcfsWaits(k, arr, Array.from(cl.serviceUs, (s) => s + DELTA_MAX_US));
  const over = Array.from({ length: cl.n }, (_, i) => cl.latencyUs(i) - cl.serviceUs[i]!);
  const d = Math.min(...over);
  const emu = over.map((o) => o - d);
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0) / a.length;
  // A request waited if it sat in the queue longer than the dispatcher's reaction (a fraction of a µs).
  const waited = emu.filter((w) => w > DELTA_MAX_US).length / emu.length;
  return { meanEmu: mean(emu), meanPath: mean(path), meanPathHi: mean(pathHi), waited };
}

/** The client's own streams (src/load/client.ts: arrivals stream 1, service stream 2), n requests, through the FCFS recursion. */
function longSampleMeanWait(k: number, dist: string, lambdaPerUs: number, seed: number, n = 200_000): number {
  const d = parseDist(dist), arrivals = new Prng(seed, 1), service = new Prng(seed, 2), o = { type: 0, serviceUs: 0 };
  const a = new Float64Array(n), s = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) { a[i] = t; d.sample(service, o); s[i] = o.serviceUs; t += -Math.log(1 - arrivals.nextFloat()) / lambdaPerUs; }
  return fcfsWaits(k, a, s).reduce((x, y) => x + y, 0) / n;
}

describe('M/M/k: c-FCFS with exponential service is Erlang C at several loads', () => {
  const k = 2, mean = 20;
  for (const rho of [0.5, 0.7]) {
    it(`k = 2, ρ = ${rho}`, () => {
      const lambda = (rho * k) / mean;
      const r = point({ workers: k, policy: 'cfcfs', dist: `exp:${mean}`, rate: lambda * 1e6, requests: 160 });
      expect(r.run.client.repliedCount).toBe(160);
      const w = waits(r, k);
      expect(w.meanEmu).toBeGreaterThan(w.meanPath * 0.98);
      expect(w.meanEmu).toBeLessThan(w.meanPathHi * 1.02);
      const c = erlangC(k, rho * k);
      expect(Math.abs(w.waited - c)).toBeLessThan(4 * Math.sqrt((c * (1 - c)) / 160));
      expect(Math.abs(longSampleMeanWait(k, `exp:${mean}`, lambda, 11) / mmkMeanWait(k, mean, lambda) - 1)).toBeLessThan(0.05);
    });
  }
});

describe('M/G/1: one worker is Pollaczek–Khinchine', () => {
  it('bimodal service (C²ₛ = 2.2), ρ = 0.5 (fixed service, M/D/1, is in shinjukuServer.test.ts)', () => {
    for (const dist of ['bimodal:80-2,20-20']) {
      const d = parseDist(dist), lambda = 0.5 / d.meanUs;
      const r = point({ workers: 1, policy: 'cfcfs', dist, rate: lambda * 1e6, requests: 160 });
      const w = waits(r, 1);
      expect(w.meanEmu, dist).toBeGreaterThan(w.meanPath * 0.98);
      expect(w.meanEmu, dist).toBeLessThan(w.meanPathHi * 1.02);
      // One server: P(wait) = ρ whatever the service distribution.
      expect(Math.abs(w.waited - 0.5), dist).toBeLessThan(4 * Math.sqrt(0.25 / 160));
      expect(Math.abs(longSampleMeanWait(1, dist, lambda, 11) / mg1MeanWait(lambda, d.meanUs, d.secondMomentUs2) - 1), dist).toBeLessThan(0.05);
    }
  });
});

describe("policy shapes (NSDI'19 §4.3, Figs. 6 and 7a) on a scaled Bimodal(50–1, 50–20)", () => {
  // Two workers at ρ = 0.6; the long mode (20 µs) is 4 quanta of 5 µs, as 100 µs is 20 in the paper.
  const dist = 'bimodal:50-1,50-20';
  const rate = (0.6 * 2) / parseDist(dist).meanUs * 1e6;
  const common = { workers: 2, dist, rate, requests: 160, warmup: 0.1 } as const;

  it('MQ lowers the short requests\' p99 slowdown below SQ\'s', () => {
    const sq = pointResult(point({ ...common, policy: 'sq' }));
    const mq = pointResult(point({ ...common, policy: 'mq' }));
    expect(sq.preemptions).toBeGreaterThan(0);
    expect(mq.types[0]!.slowdownP99).toBeLessThan(sq.types[0]!.slowdownP99);
  });

  it('a shorter quantum lowers the short requests\' p99 (MQ)', () => {
    const q2 = pointResult(point({ ...common, policy: 'mq', quantum: 2 }));
    const q10 = pointResult(point({ ...common, policy: 'mq', quantum: 10 }));
    expect(q2.preemptionsPerRequest).toBeGreaterThan(q10.preemptionsPerRequest);
    expect(q2.types[0]!.p99Us).toBeLessThan(q10.types[0]!.p99Us);
  });
});
