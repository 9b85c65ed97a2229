/**
 * `shinjuku-emu load`: one load point on the Shinjuku server (guest code on
 * the machine, driven by the open-loop client): a summary table, or with
 * --json one object on the last line with at least
 * {"offeredRps", "achievedRps", "types": [{"type", "count", "meanUs", "p50Us", "p99Us", "p999Us"}]}.
 */
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, readConfigFile, resolveConfig, POLICIES, PLATFORMS, type ConfigOverrides, type PointConfig, type Platform } from '../../shinjuku/config.js';
import { runPoint, ServerError } from '../../shinjuku/server.js';
import { pointResult, mergeResults, jsonSummary, type PointResult } from '../../shinjuku/metrics.js';
import { loadProfile } from '../../profile/load.js';
import { TraceBuilder } from '../../debug/trace.js';
import { BreakdownRecorder, breakdownTable } from '../../shinjuku/breakdown.js';
import { InputError, UsageError } from '../errors.js';
import type { CliCommand } from './common.js';

export function pointOptions<T>(y: Argv<T>) {
  return y
    .option('config', { describe: 'configuration file (JSON: server and load; flags win)', type: 'string', requiresArg: true })
    .option('policy', { describe: 'sq (single queue, preemptive), mq (a queue per type, BVT-like), cfcfs (single queue, no preemption)', choices: POLICIES as unknown as string[] })
    .option('dist', { describe: "service times in the paper's notation, µs: fixed:1, exp:50, lognormal:1,10, bimodal:99.5-0.5,0.5-500, trimodal:33-1,33-10,33-100, kv:99.5-get,0.5-scan1000", type: 'string', requiresArg: true })
    .option('workers', { describe: 'worker cores (the machine has 2 more: dispatcher and networker)', type: 'number', requiresArg: true })
    .option('requests', { describe: 'requests to send (the first 10 % are warm-up)', type: 'number', requiresArg: true })
    .option('quantum', { describe: 'preemption quantum, µs (default 5; 15 for the key-value store)', type: 'number', requiresArg: true })
    .option('placement', { describe: 'where a preempted request goes back in its queue', choices: ['head', 'tail'] })
    .option('preempt', { describe: "when the quantum expires: preempt only if something waits (the paper), or always (the released code)", choices: ['when-queued', 'always'] })
    .option('seed', { describe: 'seed of the client\'s random streams', type: 'number', requiresArg: true })
    .option('app', { describe: 'the application: spin (synthetic) or kv (key-value store)', choices: ['spin', 'kv'] })
    .option('arrival', { describe: 'inter-arrival times', choices: ['poisson', 'constant'] })
    .option('rx-queues', { describe: 'NIC receive queues the networker polls (RSS spreads the flows)', type: 'number', requiresArg: true })
    .option('line-rate', { describe: 'NIC line rate', choices: ['10G', '40G'] })
    .option('platform', { describe: 'what the server runs on: bare (ring 0 on the machine) or dune (a Dune process: every core in VMX non-root mode, posted preemption IPIs)', choices: PLATFORMS as unknown as string[] })
    .option('profile', { describe: 'machine profile (JSON)', type: 'string', requiresArg: true });
}

type PointArgs = { config?: string; policy?: string; dist?: string; workers?: number; requests?: number; quantum?: number; placement?: string; preempt?: string; seed?: number; app?: string; arrival?: string; 'rx-queues'?: number; 'line-rate'?: string; rate?: number; platform?: string };

export function configFromArgs(a: PointArgs, rate?: number): PointConfig {
  const num = (v: number | undefined, flag: string) => {
    if (v !== undefined && !Number.isFinite(v)) throw new UsageError(`${flag} needs a number`);
    return v;
  };
  const o: ConfigOverrides = {
    ...(a.policy ? { policy: a.policy as ConfigOverrides['policy'] } : {}),
    ...(a.dist ? { dist: a.dist } : {}),
    ...(num(a.workers, '--workers') !== undefined ? { workers: a.workers } : {}),
    ...(num(a.requests, '--requests') !== undefined ? { requests: a.requests } : {}),
    ...(num(a.quantum, '--quantum') !== undefined ? { quantum: a.quantum } : {}),
    ...(a.placement ? { placement: a.placement as 'head' | 'tail' } : {}),
    ...(a.preempt ? { preempt: a.preempt as 'when-queued' | 'always' } : {}),
    ...(num(a.seed, '--seed') !== undefined ? { seed: a.seed } : {}),
    ...(a.app ? { app: a.app as 'spin' | 'kv' } : {}),
    ...(a.arrival ? { arrival: a.arrival as 'poisson' | 'constant' } : {}),
    ...(num(a['rx-queues'], '--rx-queues') !== undefined ? { rxQueues: a['rx-queues'] } : {}),
    ...(a['line-rate'] ? { lineRate: a['line-rate'] as '10G' | '40G' } : {}),
    ...(a.platform ? { platform: a.platform as Platform } : {}),
    ...(num(rate ?? a.rate, '--rate') !== undefined ? { rate: rate ?? a.rate } : {}),
  };
  try {
    return resolveConfig(a.config ? readConfigFile(a.config) : {}, o);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** `K/N` → { k, n } with 0 ≤ k < n. */
export function parseShard(s: string | undefined): { k: number; n: number } | null {
  if (s === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 0 && k < n)) throw new UsageError(`--shard takes K/N with 0 <= K < N (e.g. 0/4), got '${s}'`);
  return { k, n };
}

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');

export function summaryTable(r: PointResult): string {
  const rows = [['type', 'count', 'mean µs', 'p50 µs', 'p99 µs', 'p99.9 µs', 'p99 slowdown']];
  for (const t of [...r.types, { type: 'all', ...r.all }]) rows.push([t.type, String(t.count), f(t.meanUs), f(t.p50Us), f(t.p99Us), f(t.p999Us), f(t.slowdownP99)]);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
  const c = r.config;
  return [
    `Shinjuku ${c.policy}${c.policy !== 'cfcfs' ? ` (quantum ${c.quantumUs} µs, ${c.preempt}, ${[...new Set(c.types.map((t) => t.placement))].join('/')})` : ''}, ${c.workers} workers, ${c.app}, ${c.dist}${c.platform === 'dune' ? ', in a Dune process' : ''}`,
    `offered ${f(r.offeredRps, 0)} req/s, achieved ${f(r.achievedRps, 0)} req/s; ${r.measured} measured of ${r.requests} (warm-up ${Math.round(c.warmup * 100)} %), ${r.timeouts} timeouts, ${r.nicDrops} NIC drops, ${r.serverDrops} server drops`,
    ...lines,
    `preemptions ${r.preemptions} (${f(r.preemptionsPerRequest, 3)} per request); dispatcher busy ${f(r.dispatcherBusy * 100)} %, ${f(r.dispatcherCyclesPerRequest, 0)} cycles per dispatched request`,
    `simulated ${f(r.simulatedUs / 1000, 2)} ms in ${f(r.hostSeconds, 1)} host s: ${f(r.simulatedRequestsPerHostSecond, 0)} simulated requests per host second`,
  ].join('\n');
}

function builder(y: Argv) {
  return pointOptions(y)
    .option('rate', { describe: 'offered load, requests per second', type: 'number', requiresArg: true })
    .option('json', { describe: 'print one JSON object on the last line', type: 'boolean' })
    .option('trace', { describe: 'write a Perfetto trace of the first --trace-us µs of load', type: 'string', requiresArg: true })
    .option('trace-us', { describe: 'length of the trace window, µs', type: 'number', default: 100 })
    .option('replicas', { describe: 'independent runs of the point (seeds seed, seed+1, ...), merged', type: 'number', default: 1 })
    .option('shard', { describe: 'run only replica(s) K of N (K/N) and print the unmerged parts; combine with `shinjuku-emu merge`', type: 'string', requiresArg: true })
    .option('histograms', { describe: 'include the encoded HDR histograms in --json', type: 'boolean' })
    .option('breakdown', { describe: 'per-core time in requests, context switches, interrupts, idle (from the event stream; slower: spin detection is off)', type: 'boolean' })
    .example('$0 load --policy sq --dist bimodal:99.5-0.5,0.5-500 --workers 4 --rate 400000 --requests 20000 --placement tail', 'one point of Fig. 5c')
    .example('$0 load --policy mq --dist bimodal:50-1,50-100 --workers 4 --rate 50000 --json', 'Fig. 6a, JSON on the last line')
    .example('$0 load --config point.json --shard 0/4 --replicas 4 --json > part0.json', 'one shard of a point; merge the parts later');
}

type Args = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export function runReplicas(c: PointConfig, replicas: number, select: (i: number) => boolean, profilePath?: string, trace?: { file: string; us: number }, breakdown = false): PointResult[] {
  const profile = profilePath ? loadProfile(profilePath) : undefined;
  const out: PointResult[] = [];
  for (let i = 0; i < replicas; i++) {
    if (!select(i)) continue;
    let tb: TraceBuilder | null = null;
    let br: BreakdownRecorder | null = null;
    const first = out.length === 0;
    const raw = runPoint({ ...c, seed: c.seed + i }, {
      ...(profile ? { profile } : {}),
      beforeRun: (trace || breakdown) && first ? (m, image) => {
        if (trace) tb = new TraceBuilder(m.cores.length, { from: 0, to: Infinity, title: 'shinjuku-emu load' }).attach(m);
        if (breakdown) br = new BreakdownRecorder(m, image).attach();
      } : undefined,
    });
    if (tb !== null && trace) {
      const b = tb as TraceBuilder;
      b.detach();
      const ticksPerUs = raw.profile.clock.tscHz.value / 1e6;
      const end = raw.run.readyTick + trace.us * ticksPerUs;
      const t = b.build(end);
      try { writeFileSync(trace.file, JSON.stringify(t.json)); } catch (e) { throw new InputError(`cannot write the trace to '${trace.file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    }
    const r = pointResult(raw);
    if (br !== null) { const b = br as BreakdownRecorder; b.detach(); r.breakdown = b.result(c.workers); }
    out.push(r);
  }
  return out;
}

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'load',
  describe: 'run one load point on the Shinjuku server (guest code) with an open-loop client; tail latency per request type',
  builder,
  handler: (a) => {
    const c = configFromArgs(a as PointArgs);
    const replicas = a.replicas;
    if (!Number.isInteger(replicas) || replicas < 1) throw new UsageError(`--replicas must be a positive integer, got ${replicas}`);
    const shard = parseShard(a.shard);
    let parts: PointResult[];
    try {
      parts = runReplicas(c, replicas, (i) => !shard || i % shard.n === shard.k, a.profile, a.trace ? { file: a.trace, us: a['trace-us'] } : undefined, a.breakdown ?? false);
    } catch (e) {
      if (e instanceof ServerError) { process.stderr.write(`shinjuku-emu: ${e.message}\n`); done(1); return; }
      throw e;
    }
    if (shard) {
      // A shard prints its parts whole (histograms included) for `merge`.
      process.stdout.write(JSON.stringify({ shard: `${shard.k}/${shard.n}`, points: [{ index: 0, parts: parts.map((p) => jsonSummary(p, true)) }] }) + '\n');
      done(0);
      return;
    }
    const r = mergeResults(parts);
    if (a.json) process.stdout.write(JSON.stringify(jsonSummary(r, a.histograms ?? false)) + '\n');
    else process.stdout.write(summaryTable(r) + '\n' + (r.breakdown ? breakdownTable(r.breakdown) + '\n' : ''));
    done(r.timeouts > 0 && r.measured === 0 ? 1 : 0);
  },
});

export const loadCommand: CliCommand = { name: 'load', register: (y, done) => y.command(definition(done)) };
