/**
 * A load curve (`shinjuku-emu sweep`): the same server and load at several
 * offered rates, for one or more policies (the series of the paper's
 * figures), each point possibly replicated with consecutive seeds.
 *
 * The unit of work is one replica of one point: a run of the machine whose
 * result depends only on its configuration and seed, so the units can run
 * in any order, in worker threads or in this one, on one host or on many
 * (`--shard K/N` takes the units whose number is K modulo N), and the
 * merged curve is the same: replicas of a point are merged exactly through
 * their HDR histograms (src/shinjuku/metrics.ts).
 *
 * A shard writes a part file; `shinjuku-emu merge` checks that the parts
 * come from one sweep (same spec) and cover every unit, then writes what an
 * unsharded sweep writes: sweep.json, sweep.csv and sweep.svg.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { mergeResults, type PointResult } from './metrics.js';
import type { PointConfig, Policy } from './config.js';
import { parseDist } from '../load/dist.js';

/** Everything that determines a sweep's numbers (host-independent). */
export interface SweepSpec {
  /** One point configuration per series (a policy with its placement defaults); each point sets the rate. */
  series: PointConfig[];
  /** Offered loads, requests per second, in order. */
  rates: number[];
  replicas: number;
  profile?: string;
}

export interface SweepUnit {
  /** Unit number: point × replicas + replica. */
  unit: number;
  point: number;
  replica: number;
  config: PointConfig;
}

export interface SweepPoint {
  index: number;
  series: string;
  policy: Policy;
  offeredRps: number;
  /** Offered load as a fraction of the workers' capacity (workers / E[S]). */
  load: number;
  result: PointResult;
}

export interface SweepResult {
  kind: 'shinjuku-sweep';
  specHash: string;
  spec: SweepSpec;
  points: SweepPoint[];
}

/** A shard's output (also what `load --shard` prints, without `spec`). */
export interface SweepPart {
  kind?: 'shinjuku-sweep-part';
  specHash?: string;
  spec?: SweepSpec;
  shard: string;
  points: { index: number; units?: number[]; parts: PointResult[] }[];
}

export class SweepError extends Error { override name = 'SweepError'; }

/** A stable hash of the spec, so parts of different sweeps are never merged. */
export function specHash(s: SweepSpec): string {
  const canon = (v: unknown): unknown => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object'
    ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
    : v);
  return createHash('sha256').update(JSON.stringify(canon(s))).digest('hex').slice(0, 16);
}

/** Capacity of the workers in requests per second: workers / E[S] (E[S] from the distribution). */
export function capacityRps(c: PointConfig): number {
  return (c.workers / parseDist(c.dist).meanUs) * 1e6;
}

/** Point p is series ⌊p / rates⌋ at rate p mod rates. */
export function pointConfig(s: SweepSpec, point: number): PointConfig {
  const base = s.series[Math.floor(point / s.rates.length)]!;
  return { ...base, rate: s.rates[point % s.rates.length]! };
}

export function units(s: SweepSpec): SweepUnit[] {
  const out: SweepUnit[] = [];
  const points = s.series.length * s.rates.length;
  for (let p = 0; p < points; p++) {
    const c = pointConfig(s, p);
    for (let r = 0; r < s.replicas; r++) out.push({ unit: p * s.replicas + r, point: p, replica: r, config: { ...c, seed: c.seed + r } });
  }
  return out;
}

/** The units shard K of N runs. */
export function shardUnits(all: SweepUnit[], shard: { k: number; n: number } | null): SweepUnit[] {
  return shard ? all.filter((u) => u.unit % shard.n === shard.k) : all;
}

/** What a worker thread (or this thread) is given and returns. */
export interface UnitTask { config: PointConfig; profile?: string }

const WORKER = fileURLToPath(new URL('./sweepWorker.mjs', import.meta.url));

/**
 * Run units, `threads` at a time in worker threads (0: in this thread).
 * `onDone` sees each unit as it finishes (the progress bar). Results come
 * back in unit order whatever the completion order.
 */
export async function runUnits(list: SweepUnit[], opts: { threads: number; profile?: string; onDone?: (u: SweepUnit, r: PointResult) => void }): Promise<PointResult[]> {
  const out: PointResult[] = new Array(list.length);
  if (opts.threads === 0 || list.length === 0) {
    const { runUnit } = await import('./sweepTask.js');
    list.forEach((u, i) => {
      out[i] = runUnit({ config: u.config, ...(opts.profile ? { profile: opts.profile } : {}) });
      opts.onDone?.(u, out[i]!);
    });
    return out;
  }
  const { Piscina } = await import('piscina');
  const threads = Math.max(1, Math.min(opts.threads, list.length));
  const pool = new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  try {
    await Promise.all(list.map(async (u, i) => {
      const task: UnitTask = { config: u.config, ...(opts.profile ? { profile: opts.profile } : {}) };
      out[i] = (await pool.run(task)) as PointResult;
      opts.onDone?.(u, out[i]!);
    }));
  } finally {
    await pool.destroy();
  }
  return out;
}

export function defaultThreads(): number { return Math.max(1, availableParallelism()); }

/** Group unit results by point and merge replicas exactly. */
export function assemble(s: SweepSpec, got: Map<number, PointResult>): SweepResult {
  const all = units(s);
  const missing = all.filter((u) => !got.has(u.unit)).map((u) => u.unit);
  if (missing.length) throw new SweepError(`the parts do not cover the sweep: ${missing.length} of ${all.length} runs missing (units ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''}); is a shard's part file absent?`);
  const points: SweepPoint[] = [];
  const n = s.series.length * s.rates.length;
  for (let p = 0; p < n; p++) {
    const parts = all.filter((u) => u.point === p).sort((a, b) => a.replica - b.replica).map((u) => got.get(u.unit)!);
    const c = pointConfig(s, p);
    points.push({ index: p, series: c.policy, policy: c.policy, offeredRps: c.rate, load: c.rate / capacityRps(c), result: mergeResults(parts) });
  }
  return { kind: 'shinjuku-sweep', specHash: specHash(s), spec: s, points };
}

/** A shard's part: its units' results, unmerged (histograms included). */
export function makePart(s: SweepSpec, shard: { k: number; n: number }, list: SweepUnit[], results: PointResult[]): SweepPart {
  const byPoint = new Map<number, { index: number; units: number[]; parts: PointResult[] }>();
  list.forEach((u, i) => {
    const e = byPoint.get(u.point) ?? { index: u.point, units: [], parts: [] };
    e.units.push(u.unit); e.parts.push(results[i]!);
    byPoint.set(u.point, e);
  });
  return { kind: 'shinjuku-sweep-part', specHash: specHash(s), spec: s, shard: `${shard.k}/${shard.n}`, points: [...byPoint.values()] };
}

/**
 * Merge part files. Sweep parts (with a spec) become a SweepResult; parts
 * of one `load` point (no spec) become that point's merged result.
 */
export function mergeParts(parts: { name: string; part: SweepPart }[]): { sweep: SweepResult } | { point: PointResult } {
  if (parts.length === 0) throw new SweepError('no part files to merge');
  const withSpec = parts.filter((p) => p.part.spec);
  if (withSpec.length > 0 && withSpec.length < parts.length) throw new SweepError(`${parts.find((p) => !p.part.spec)!.name}: a part of a single load point, the others are parts of a sweep`);
  const shardN = new Set(parts.map((p) => p.part.shard.split('/')[1]));
  if (shardN.size > 1) throw new SweepError(`the parts come from different shard counts (${[...shardN].join(', ')})`);
  const seen = new Map<string, string>();
  for (const p of parts) {
    const prev = seen.get(p.part.shard);
    if (prev) throw new SweepError(`${p.name} and ${prev} are the same shard (${p.part.shard})`);
    seen.set(p.part.shard, p.name);
  }
  if (withSpec.length === 0) {
    // `load --shard`: replicas i with i mod N = K, in order; put them back in replica order.
    const n = Number([...shardN][0]);
    const byReplica = new Map<number, PointResult>();
    for (const { part } of parts) {
      const k = Number(part.shard.split('/')[0]);
      part.points[0]?.parts.forEach((r, j) => byReplica.set(k + j * n, r));
    }
    const order = [...byReplica.keys()].sort((a, b) => a - b);
    order.forEach((r, i) => { if (r !== i) throw new SweepError(`replica ${i} is missing: is a shard's part file absent?`); });
    if (seen.size !== n) throw new SweepError(`${seen.size} of ${n} shards given`);
    return { point: mergeResults(order.map((r) => byReplica.get(r)!)) };
  }
  const h = withSpec[0]!.part.specHash!;
  const other = withSpec.find((p) => p.part.specHash !== h);
  if (other) throw new SweepError(`${other.name} belongs to another sweep than ${withSpec[0]!.name} (different configuration)`);
  const spec = withSpec[0]!.part.spec!;
  if (specHash(spec) !== h) throw new SweepError(`${withSpec[0]!.name}: the spec does not match its hash (edited by hand?)`);
  const got = new Map<number, PointResult>();
  for (const { part } of parts) for (const p of part.points) (p.units ?? []).forEach((u, i) => got.set(u, p.parts[i]!));
  return { sweep: assemble(spec, got) };
}

const CSV_COLUMNS = ['series', 'policy', 'offeredRps', 'load', 'achievedRps', 'type', 'count', 'meanUs', 'p50Us', 'p99Us', 'p999Us', 'maxUs', 'slowdownP99',
  'preemptionsPerRequest', 'dispatcherBusy', 'dispatcherCyclesPerRequest', 'timeouts', 'nicDrops', 'serverDrops'] as const;

/** One row per point and request type, plus an "all" row per point. */
export function sweepCsv(r: SweepResult): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  const num = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '');
  for (const p of r.points) {
    const x = p.result;
    for (const t of [...x.types, { type: 'all', ...x.all }]) {
      const v: Record<(typeof CSV_COLUMNS)[number], string> = {
        series: p.series, policy: p.policy, offeredRps: num(p.offeredRps), load: num(p.load), achievedRps: num(x.achievedRps),
        type: t.type, count: String(t.count), meanUs: num(t.meanUs), p50Us: num(t.p50Us), p99Us: num(t.p99Us), p999Us: num(t.p999Us), maxUs: num(t.maxUs),
        slowdownP99: num(t.slowdownP99), preemptionsPerRequest: num(x.preemptionsPerRequest), dispatcherBusy: num(x.dispatcherBusy),
        dispatcherCyclesPerRequest: num(x.dispatcherCyclesPerRequest), timeouts: String(x.timeouts), nicDrops: String(x.nicDrops), serverDrops: String(x.serverDrops),
      };
      rows.push(CSV_COLUMNS.map((c) => v[c]).join(','));
    }
  }
  return rows.join('\n') + '\n';
}

/** The sweep without histograms and host timings: what two runs of one sweep must agree on. */
export function sweepNumbers(r: SweepResult): unknown {
  return r.points.map((p) => ({
    index: p.index, series: p.series, offeredRps: p.offeredRps, achievedRps: p.result.achievedRps,
    types: p.result.types.map((t) => ({ ...t })), all: p.result.all, preemptions: p.result.preemptions,
    measured: p.result.measured, dispatcherBusy: p.result.dispatcherBusy, simulatedUs: p.result.simulatedUs,
  }));
}
