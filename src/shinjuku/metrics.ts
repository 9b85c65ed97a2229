/**
 * A load point's results: per-type latency and slowdown histograms (HDR
 * histograms, hdr-histogram-js: 3 significant digits, mergeable exactly),
 * percentiles, achieved throughput, preemptions per request, the
 * dispatcher's busy fraction and work per request, drops and timeouts.
 *
 * Histograms are kept encoded (compressed base64, the HdrHistogram format)
 * in the result, so shards of a sweep can be merged exactly later
 * (`shinjuku-emu merge`). Latencies are recorded in nanoseconds, slowdowns
 * (latency / service time) in thousandths.
 */
import * as hdr from 'hdr-histogram-js';
import type { RawPoint } from './server.js';
import type { PointConfig } from './config.js';
import type { Breakdown } from './breakdown.js';

export interface TypeResult {
  type: string;
  count: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  slowdownP99: number;
  /** Encoded histograms (merge input). */
  latencyHist: string;
  slowdownHist: string;
}

export interface PointResult {
  offeredRps: number;
  achievedRps: number;
  types: TypeResult[];
  /** All types together. */
  all: Omit<TypeResult, 'type'>;
  requests: number;
  measured: number;
  timeouts: number;
  nicDrops: number;
  serverDrops: number;
  preemptions: number;
  preemptionsPerRequest: number;
  /** Share of the dispatcher's passes' time spent in passes that did something. */
  dispatcherBusy: number;
  /** Dispatcher busy time per dispatched request, core cycles. */
  dispatcherCyclesPerRequest: number;
  simulatedUs: number;
  hostSeconds: number;
  simulatedRequestsPerHostSecond: number;
  seed: number;
  config: PointConfig;
  /** Per-core time breakdown (load --breakdown; of the first replica when merged). */
  breakdown?: Breakdown;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e13, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export function encode(h: hdr.Histogram): string { return hdr.encodeIntoCompressedBase64(h); }
export function decode(s: string): hdr.Histogram { return hdr.decodeFromCompressedBase64(s, 32, false); }

/** Percentile summary of a latency (ns) and a slowdown (‰) histogram. */
export function summarize(lat: hdr.Histogram, slow: hdr.Histogram): Omit<TypeResult, 'type'> {
  const us = (v: number) => v / 1000;
  const n = lat.totalCount;
  return {
    count: n,
    meanUs: n ? us(lat.mean) : NaN,
    p50Us: n ? us(lat.getValueAtPercentile(50)) : NaN,
    p99Us: n ? us(lat.getValueAtPercentile(99)) : NaN,
    p999Us: n ? us(lat.getValueAtPercentile(99.9)) : NaN,
    maxUs: n ? us(lat.maxValue) : NaN,
    slowdownP99: n ? slow.getValueAtPercentile(99) / 1000 : NaN,
    latencyHist: encode(lat),
    slowdownHist: encode(slow),
  };
}

/** Turn a raw run into results. */
export function pointResult(raw: RawPoint): PointResult {
  const { config: c, run, stats, profile } = raw;
  const cl = run.client;
  const tpu = cl.ticksPerUs;
  const nTypes = c.types.length;
  const lat = Array.from({ length: nTypes }, newHistogram);
  const slow = Array.from({ length: nTypes }, newHistogram);
  const allLat = newHistogram(), allSlow = newHistogram();
  let first = Infinity, last = -Infinity, measured = 0, preemptions = 0;
  for (let i = cl.warmup; i < cl.n; i++) {
    if (Number.isNaN(cl.replied[i]!)) continue;
    const t = cl.type[i]!;
    const ns = Math.max(1, Math.round(((cl.replied[i]! - cl.sent[i]!) / tpu) * 1000));
    const service = c.types[t]!.meanUs > 0 && c.app === 'kv' ? c.types[t]!.meanUs : cl.serviceUs[i]!;
    const sd = Math.max(1, Math.round((ns / 1000 / service) * 1000));
    lat[t]!.recordValue(ns); slow[t]!.recordValue(sd);
    allLat.recordValue(ns); allSlow.recordValue(sd);
    first = Math.min(first, cl.sent[i]!);
    last = Math.max(last, cl.replied[i]!);
    measured++;
    preemptions += cl.preemptions[i]!;
  }
  const windowUs = (last - first) / tpu;
  const simulatedUs = (run.machine.now() - run.readyTick) / tpu;
  const cyclesPerTick = profile.clock.coreHz.value / profile.clock.tscHz.value;
  const passTicks = stats.lastPass - stats.firstPass;
  return {
    offeredRps: c.rate,
    achievedRps: measured > 0 && windowUs > 0 ? (measured / windowUs) * 1e6 : 0,
    types: c.types.map((t, i) => ({ type: t.name, ...summarize(lat[i]!, slow[i]!) })),
    all: summarize(allLat, allSlow),
    requests: cl.n,
    measured,
    timeouts: cl.timeouts,
    nicDrops: run.machine.nic!.stats.rxDrops,
    serverDrops: stats.serverDrops,
    preemptions,
    preemptionsPerRequest: measured ? preemptions / measured : 0,
    dispatcherBusy: passTicks > 0 ? stats.busyTicks / passTicks : 0,
    dispatcherCyclesPerRequest: stats.dispatched ? (stats.busyTicks * cyclesPerTick) / stats.dispatched : 0,
    simulatedUs,
    hostSeconds: run.hostSeconds,
    simulatedRequestsPerHostSecond: run.hostSeconds > 0 ? cl.repliedCount / run.hostSeconds : 0,
    seed: c.seed,
    config: c,
  };
}

/** Merge results of replicas of one point (same configuration, different seeds): histograms add exactly. */
export function mergeResults(parts: PointResult[]): PointResult {
  if (parts.length === 1) return parts[0]!;
  const base = parts[0]!;
  const types = base.types.map((t, i) => {
    const l = newHistogram(), s = newHistogram();
    for (const p of parts) { l.add(decode(p.types[i]!.latencyHist)); s.add(decode(p.types[i]!.slowdownHist)); }
    return { type: t.type, ...summarize(l, s) };
  });
  const al = newHistogram(), as = newHistogram();
  for (const p of parts) { al.add(decode(p.all.latencyHist)); as.add(decode(p.all.slowdownHist)); }
  const sum = (f: (p: PointResult) => number) => parts.reduce((a, p) => a + f(p), 0);
  const measured = sum((p) => p.measured);
  const preemptions = sum((p) => p.preemptions);
  // Throughput: total measured requests over the summed measurement windows (replicas run one after another).
  const window = sum((p) => (p.achievedRps > 0 ? p.measured / p.achievedRps : 0));
  const hostSeconds = sum((p) => p.hostSeconds);
  return {
    ...base,
    achievedRps: window > 0 ? measured / window : 0,
    types,
    all: summarize(al, as),
    requests: sum((p) => p.requests),
    measured,
    timeouts: sum((p) => p.timeouts),
    nicDrops: sum((p) => p.nicDrops),
    serverDrops: sum((p) => p.serverDrops),
    preemptions,
    preemptionsPerRequest: measured ? preemptions / measured : 0,
    dispatcherBusy: sum((p) => p.dispatcherBusy * p.simulatedUs) / Math.max(1e-9, sum((p) => p.simulatedUs)),
    dispatcherCyclesPerRequest: sum((p) => p.dispatcherCyclesPerRequest * p.measured) / Math.max(1, measured),
    simulatedUs: sum((p) => p.simulatedUs),
    hostSeconds,
    simulatedRequestsPerHostSecond: hostSeconds > 0 ? sum((p) => p.simulatedRequestsPerHostSecond * p.hostSeconds) / hostSeconds : 0,
  };
}

/** The `--json` object: the CLI contract's keys first, then the rest. */
export function jsonSummary(r: PointResult, withHistograms = false): Record<string, unknown> {
  const strip = <T extends { latencyHist: string; slowdownHist: string }>(t: T) => {
    if (withHistograms) return t;
    const { latencyHist: _l, slowdownHist: _s, ...rest } = t;
    return rest;
  };
  return {
    offeredRps: r.offeredRps,
    achievedRps: r.achievedRps,
    types: r.types.map(strip),
    all: strip(r.all as TypeResult),
    requests: r.requests, measured: r.measured, timeouts: r.timeouts, nicDrops: r.nicDrops, serverDrops: r.serverDrops,
    preemptions: r.preemptions, preemptionsPerRequest: r.preemptionsPerRequest,
    dispatcherBusy: r.dispatcherBusy, dispatcherCyclesPerRequest: r.dispatcherCyclesPerRequest,
    simulatedUs: r.simulatedUs, hostSeconds: r.hostSeconds, simulatedRequestsPerHostSecond: r.simulatedRequestsPerHostSecond,
    seed: r.seed,
    config: r.config,
    ...(r.breakdown ? { breakdown: r.breakdown } : {}),
  };
}
