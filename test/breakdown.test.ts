/**
 * `load --breakdown`: per-core time from the event stream. The breakdown
 * changes no cycle (the same histograms with and without it); its shares
 * add up; the workers' request share is the offered work (ρ = λ·S/k, closed
 * form) plus the request's own path (parse, reply), and with c-FCFS there
 * is no preemption interrupt while SQ has some.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/shinjuku/config.js';
import { runReplicas } from '../src/cli/commands/load.js';
import { CATEGORIES } from '../src/shinjuku/breakdown.js';
import { runPoint } from '../src/shinjuku/server.js';
import { pointResult } from '../src/shinjuku/metrics.js';

const cfg = (policy: 'cfcfs' | 'sq', dist: string, rate: number) =>
  resolveConfig({}, { workers: 2, policy, dist, rate, requests: 60, seed: 4, warmup: 0 });

describe('per-core time breakdown', () => {
  it('c-FCFS, fixed 10 µs at ρ = 0.3: request share ≈ the offered work, no interrupts; the same numbers without the breakdown', () => {
    const c = cfg('cfcfs', 'fixed:10', 60_000);
    const [withB] = runReplicas(c, 1, () => true, undefined, undefined, true);
    const raw = runPoint(c);
    const without = pointResult(raw);
    expect(withB!.types.map((t) => t.latencyHist)).toEqual(without.types.map((t) => t.latencyHist));
    expect(withB!.dispatcherBusy).toBe(without.dispatcherBusy);
    const b = withB!.breakdown!;
    // The offered work over the window, from the client's own record of what it sent.
    const cl = raw.run.client;
    const workUs = Array.from(cl.serviceUs).reduce((a, x) => a + x, 0);
    const windowUs = b.cores[2]!.total / cl.ticksPerUs;
    const rho = workUs / (2 * windowUs);
    expect(rho).toBeGreaterThan(0.2);
    const sum = CATEGORIES.reduce((a, k) => a + b.workers[k], 0);
    expect(sum).toBeCloseTo(1, 9);
    // The request's own path (generic_work's parse and reply, ~0.3 µs of 10) comes on top.
    expect(b.workers.request).toBeGreaterThan(rho);
    expect(b.workers.request).toBeLessThan(rho * 1.06);
    expect(b.workers.interrupt).toBe(0);
    expect(b.workers.switch).toBeGreaterThan(0);
    expect(b.workers.idle).toBeGreaterThan(0.5);
    expect(b.cores.find((x) => x.role === 'networker')!.ticks.idle).toBeGreaterThan(0);
  });

  it('SQ with preemption spends time in the preemption interrupt', () => {
    const [r] = runReplicas(cfg('sq', 'bimodal:80-1,20-30', 100_000), 1, () => true, undefined, undefined, true);
    expect(r!.preemptions).toBeGreaterThan(0);
    expect(r!.breakdown!.workers.interrupt).toBeGreaterThan(0);
    // Inside the server a preempted context is cold or was last written by another core, so each switch
    // costs at least its warm microbenchmark (NSDI'19 Table 2, Dune column: No FP-restore 36, No FP-save 109
    // cycles) and less than a whole Table 1 receiver (1212).
    const p = r!.breakdown!.preemption;
    expect(p.interrupts).toBeGreaterThan(0);
    expect(p.switchToMainCycles).toBeGreaterThan(36);
    expect(p.switchToMainCycles).toBeLessThan(1212);
    expect(p.resumeCycles).toBeGreaterThan(109);
    expect(p.resumeCycles).toBeLessThan(1212);
    expect(p.interruptCycles).toBeGreaterThan(0);
    expect(p.interruptCycles).toBeLessThan(1212);
  });
});
