/**
 * `shinjuku-emu sweep`: a load curve — the point options of `load`, a list
 * of offered loads (--rates, or --loads as fractions of the workers'
 * capacity) and of policies (the series); every replica of every point runs
 * in a worker thread (piscina) with a progress bar on stderr; the results
 * go to DIR/sweep.json, sweep.csv and sweep.svg. With --shard K/N only the
 * runs numbered K modulo N run, and DIR/part-K-of-N.json is written for
 * `shinjuku-emu merge`.
 *
 * `shinjuku-emu merge FILE...`: parts of a sweep → the sweep's outputs;
 * parts of one load point (`load --shard`) → that point's merged result.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import cliProgress from 'cli-progress';
import { POLICIES } from '../../shinjuku/config.js';
import { serverImage, ServerError } from '../../shinjuku/server.js';
import { jsonSummary } from '../../shinjuku/metrics.js';
import {
  assemble, capacityRps, defaultThreads, makePart, mergeParts, runUnits, shardUnits, sweepCsv, SweepError, units,
  type SweepPart, type SweepResult, type SweepSpec,
} from '../../shinjuku/sweep.js';
import { sweepSvg } from '../../shinjuku/plot.js';
import { loadProfile } from '../../profile/load.js';
import { InputError, UsageError } from '../errors.js';
import { configFromArgs, parseShard, pointOptions, summaryTable } from './load.js';
import type { CliCommand } from './common.js';

/** "a,b,c" or "from:to:step" → numbers. */
export function parseList(s: string, flag: string): number[] {
  const range = /^\s*([^:]+):([^:]+):([^:]+)\s*$/.exec(s);
  let v: number[];
  if (range) {
    const [a, b, st] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (![a, b, st].every(Number.isFinite) || !(st > 0) || b < a) throw new UsageError(`${flag} takes a list (0.2,0.5,0.8) or a range from:to:step (0.1:0.9:0.1), got '${s}'`);
    v = [];
    for (let i = 0; a + i * st <= b + st * 1e-9; i++) v.push(Math.round((a + i * st) * 1e9) / 1e9);
  } else {
    v = s.split(',').map((x) => Number(x.trim()));
    if (v.some((x, i) => s.split(',')[i]!.trim() === '' || !Number.isFinite(x))) throw new UsageError(`${flag} takes numbers separated by commas, got '${s}'`);
  }
  if (v.length === 0 || v.some((x) => !(x > 0))) throw new UsageError(`${flag} values must be positive, got '${s}'`);
  if (v.length > 1000) throw new UsageError(`${flag}: ${v.length} points is more than 1000`);
  return v;
}

function writeOutputs(dir: string, r: SweepResult, plot: { metric: 'latency' | 'slowdown'; logY: boolean }): string[] {
  try { mkdirSync(dir, { recursive: true }); } catch (e) { throw new InputError(`cannot create '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const files = { json: join(dir, 'sweep.json'), csv: join(dir, 'sweep.csv'), svg: join(dir, 'sweep.svg') };
  const full = { ...r, points: r.points.map((p) => ({ ...p, result: jsonSummary(p.result, true) })) };
  write(files.json, JSON.stringify(full, null, 1) + '\n');
  write(files.csv, sweepCsv(r));
  write(files.svg, sweepSvg(r, plot));
  return Object.values(files);
}

function write(file: string, text: string): void {
  try { writeFileSync(file, text); } catch (e) { throw new InputError(`cannot write '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

/** One line per point: what the progress bar leaves behind. */
export function sweepTable(r: SweepResult): string {
  const types = r.points[0]?.result.types.map((t) => t.type) ?? [];
  const head = ['series', 'offered', 'load', 'achieved', ...types.map((t) => `p99 ${t}`), 'preempt/req', 'disp. busy'];
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const rows = [head, ...r.points.map((p) => [p.series, f(p.offeredRps, 0), f(p.load, 2), f(p.result.achievedRps, 0), ...p.result.types.map((t) => `${f(t.p99Us)} µs`), f(p.result.preemptionsPerRequest, 2), `${f(p.result.dispatcherBusy * 100)} %`])];
  const w = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

function sweepBuilder(y: Argv) {
  return pointOptions(y)
    .option('rates', { describe: 'offered loads, requests per second: a,b,c or from:to:step', type: 'string', requiresArg: true })
    .option('loads', { describe: "offered loads as fractions of the workers' capacity (workers / mean service time): a,b,c or from:to:step", type: 'string', requiresArg: true })
    .option('policies', { describe: 'the series: policies separated by commas (default: --policy)', type: 'string', requiresArg: true })
    .option('replicas', { describe: 'independent runs per point (seeds seed, seed+1, ...), merged exactly', type: 'number', default: 1 })
    .option('threads', { describe: 'worker threads (0: run in this thread)', type: 'number', requiresArg: true })
    .option('out', { describe: 'directory for sweep.json, sweep.csv, sweep.svg (or a shard\'s part file)', type: 'string', default: 'sweep-out' })
    .option('shard', { describe: 'run only the runs numbered K modulo N (K/N) and write part-K-of-N.json; combine with `shinjuku-emu merge`', type: 'string', requiresArg: true })
    .option('metric', { describe: 'what the plot shows: p99 latency or p99 slowdown', choices: ['latency', 'slowdown'], default: 'latency' })
    .option('log-y', { describe: 'logarithmic latency axis in the plot', type: 'boolean' })
    .option('progress', { describe: 'progress bar on stderr (default: when stderr is a terminal)', type: 'boolean' })
    .option('json', { describe: 'print the sweep (without histograms) as one JSON object on the last line', type: 'boolean' })
    .example('$0 sweep --policies sq,mq --dist bimodal:50-1,50-100 --workers 4 --loads 0.1:0.8:0.1 --requests 5000 --out fig6', 'Fig. 6a: SQ vs MQ')
    .example('$0 sweep --app kv --dist kv:99.5-get,0.5-scan1000 --policy sq --workers 4 --loads 0.2,0.4,0.6 --out fig8a', 'Fig. 8a on the key-value store')
    .example('$0 sweep ... --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT --out parts', 'one task of a Slurm job array; then `merge parts/*.json`');
}

type SweepArgs = ReturnType<typeof sweepBuilder> extends Argv<infer T> ? T : never;

export function specFromArgs(a: SweepArgs): SweepSpec {
  if (a.rates && a.loads) throw new UsageError('give --rates or --loads, not both');
  if (!a.rates && !a.loads) throw new UsageError('give the offered loads: --rates (requests per second) or --loads (fractions of capacity)');
  const policies = a.policies ? a.policies.split(',').map((p) => p.trim()) : [];
  for (const p of policies) if (!(POLICIES as readonly string[]).includes(p)) throw new UsageError(`--policies: unknown policy '${p}' (${POLICIES.join(', ')})`);
  if (new Set(policies).size !== policies.length) throw new UsageError('--policies: a policy is listed twice');
  const replicas = a.replicas;
  if (!Number.isInteger(replicas) || replicas < 1) throw new UsageError(`--replicas must be a positive integer, got ${replicas}`);
  // Each series is configured as `load --policy P` would be (its own placement default: MQ head, SQ tail).
  const names = policies.length ? policies : [a.policy];
  const series = names.map((p) => configFromArgs({ ...a, policy: p } as Parameters<typeof configFromArgs>[0], 1));
  const cap = capacityRps(series[0]!);
  const rates = a.rates ? parseList(a.rates, '--rates') : parseList(a.loads!, '--loads').map((l) => Math.round(l * cap));
  return { series: series.map((c) => ({ ...c, rate: rates[0]! })), rates, replicas, ...(a.profile ? { profile: a.profile } : {}) };
}

async function runSweep(a: SweepArgs): Promise<{ status: number }> {
  const spec = specFromArgs(a);
  const shard = parseShard(a.shard);
  const threads = a.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 0) throw new UsageError(`--threads must be a non-negative integer, got ${threads}`);
  if (a.profile) loadProfile(a.profile); // a bad profile is one line here, not an error in a worker thread
  serverImage(spec.series[0]!.app); // build once, before the threads start
  const all = units(spec);
  const mine = shardUnits(all, shard);
  const showBar = a.progress ?? process.stderr.isTTY === true;
  const bar = showBar ? new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'sweep [{bar}] {value}/{total} runs | {duration_formatted} elapsed, ETA {eta_formatted} | {last}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic) : null;
  bar?.start(mine.length, 0, { last: '' });
  let results;
  try {
    results = await runUnits(mine, {
      threads, ...(spec.profile ? { profile: spec.profile } : {}),
      onDone: (u, r) => bar?.increment(1, { last: `${u.config.policy} ${u.config.rate} rps: p99 ${r.types.map((t) => t.p99Us.toFixed(1)).join('/')} µs` }),
    });
  } finally {
    bar?.stop();
  }
  if (shard) {
    const part = makePart(spec, shard, mine, results);
    try { mkdirSync(a.out, { recursive: true }); } catch (e) { throw new InputError(`cannot create '${a.out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    const file = join(a.out, `part-${shard.k}-of-${shard.n}.json`);
    write(file, JSON.stringify(part) + '\n');
    process.stdout.write(`shard ${shard.k}/${shard.n}: ${mine.length} of ${all.length} runs → ${file}\n`);
    return { status: 0 };
  }
  const got = new Map(mine.map((u, i) => [u.unit, results[i]!]));
  const r = assemble(spec, got);
  const files = writeOutputs(a.out, r, { metric: a.metric as 'latency' | 'slowdown', logY: a['log-y'] ?? false });
  process.stdout.write(sweepTable(r) + '\n' + `wrote ${files.join(', ')}\n`);
  if (a.json) process.stdout.write(JSON.stringify({ ...r, points: r.points.map((p) => ({ ...p, result: jsonSummary(p.result) })) }) + '\n');
  return { status: 0 };
}

const sweepDefinition = (done: (status: number) => void): CommandModule<object, SweepArgs> => ({
  command: 'sweep',
  describe: 'a load curve: points in parallel worker threads, results as JSON, CSV and an SVG plot of p99 vs throughput per type',
  builder: sweepBuilder,
  handler: async (a) => {
    try {
      done((await runSweep(a)).status);
    } catch (e) {
      if (e instanceof ServerError) { process.stderr.write(`shinjuku-emu: ${e.message}\n`); done(1); return; }
      if (e instanceof SweepError) throw new InputError(e.message);
      // A point that failed in a worker thread comes back as a plain Error carrying the ServerError's message.
      if (e instanceof Error && /^the server /.test(e.message)) { process.stderr.write(`shinjuku-emu: ${e.message}\n`); done(1); return; }
      throw e;
    }
  },
});

export const sweepCommand: CliCommand = { name: 'sweep', register: (y, done) => y.command(sweepDefinition(done)) };

function mergeBuilder(y: Argv) {
  return y
    .positional('first', { describe: 'a part file (sweep --shard, or load --shard output)', type: 'string' })
    .positional('more', { describe: 'the other part files', type: 'string', array: true })
    .option('out', { describe: 'directory for sweep.json, sweep.csv, sweep.svg', type: 'string', default: 'sweep-out' })
    .option('metric', { describe: 'what the plot shows', choices: ['latency', 'slowdown'], default: 'latency' })
    .option('log-y', { describe: 'logarithmic latency axis in the plot', type: 'boolean' })
    .option('json', { describe: 'print the merged result as one JSON object on the last line', type: 'boolean' })
    .example('$0 merge parts/part-*.json --out fig6', 'the sweep a job array computed')
    .example('$0 merge part0.json part1.json --json', 'the replicas of one load point');
}

type MergeArgs = ReturnType<typeof mergeBuilder> extends Argv<infer T> ? T : never;

function readPart(file: string): SweepPart {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  // `load --shard` prints its part as the last line of its output.
  const line = text.trim().split('\n').at(-1) ?? '';
  let o: unknown;
  try { o = JSON.parse(text.trim().startsWith('{') && !text.trim().includes('\n{') ? text : line); } catch { throw new InputError(`${file}: not a part file (no JSON object)`); }
  const p = o as SweepPart;
  if (!p || typeof p !== 'object' || typeof p.shard !== 'string' || !/^\d+\/\d+$/.test(p.shard) || !Array.isArray(p.points)) throw new InputError(`${file}: not a part file (from sweep --shard or load --shard)`);
  return p;
}

const mergeDefinition = (done: (status: number) => void): CommandModule<object, MergeArgs> => ({
  command: 'merge <first> [more..]',
  describe: 'merge the parts of a sharded sweep (or of a sharded load point); histograms merge exactly',
  builder: mergeBuilder,
  handler: (a) => {
    const files = [a.first as string, ...((a.more ?? []) as string[])];
    if (files.length === 0) throw new UsageError('give the part files to merge');
    let m;
    try { m = mergeParts(files.map((f) => ({ name: f, part: readPart(f) }))); } catch (e) {
      if (e instanceof SweepError) throw new InputError(e.message);
      throw e;
    }
    if ('point' in m) {
      if (a.json) process.stdout.write(JSON.stringify(jsonSummary(m.point)) + '\n');
      else process.stdout.write(summaryTable(m.point) + '\n');
    } else {
      const out = writeOutputs(a.out, m.sweep, { metric: a.metric as 'latency' | 'slowdown', logY: a['log-y'] ?? false });
      process.stdout.write(sweepTable(m.sweep) + '\n' + `wrote ${out.join(', ')}\n`);
      if (a.json) process.stdout.write(JSON.stringify({ ...m.sweep, points: m.sweep.points.map((p) => ({ ...p, result: jsonSummary(p.result) })) }) + '\n');
    }
    done(0);
  },
});

export const mergeCommand: CliCommand = { name: 'merge', register: (y, done) => y.command(mergeDefinition(done)) };
