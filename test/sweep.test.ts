/**
 * `shinjuku-emu sweep` and `merge`: a point's numbers depend only on its
 * configuration and seed — the same in this thread (--threads 0), in worker
 * threads, and split over shards then merged (histograms merged exactly) —
 * and the outputs (JSON, CSV, SVG) have the documented shape. Tiny points
 * (40 requests on 2 workers) keep this cheap.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/guest/build.js';
import { parseList, specFromArgs } from '../src/cli/commands/sweep.js';
import { makePart, mergeParts, runUnits, shardUnits, units, type SweepSpec } from '../src/shinjuku/sweep.js';

const bin = join(repoRoot, 'bin', 'shinjuku-emu.js');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot });
const SWEEP = ['sweep', '--policy', 'sq', '--dist', 'bimodal:90-1,10-20', '--workers', '2', '--rates', '100000,200000', '--requests', '40', '--seed', '5', '--replicas', '2', '--quantum', '5', '--progress'];

interface SweepJson { specHash: string; points: { series: string; offeredRps: number; result: { types: { type: string; count: number; p99Us: number; latencyHist: string }[]; achievedRps: number; preemptions: number } }[] }
const numbers = (s: SweepJson) => s.points.map((p) => ({ rate: p.offeredRps, achieved: p.result.achievedRps, pre: p.result.preemptions, types: p.result.types }));

describe('shinjuku-emu sweep', () => {
  it('same numbers in worker threads (CLI) and sharded in this thread then merged; JSON, CSV and SVG written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    const threads = run([...SWEEP, '--threads', '2', '--out', join(dir, 'b')]);
    expect(threads.status, threads.stderr).toBe(0);
    const b = JSON.parse(readFileSync(join(dir, 'b', 'sweep.json'), 'utf8')) as SweepJson & { spec: SweepSpec };

    // The same spec, run here in two shards without worker threads, each written as a part file.
    const spec = b.spec;
    mkdirSync(join(dir, 'parts'));
    for (const k of [0, 1]) {
      const mine = shardUnits(units(spec), { k, n: 2 });
      const res = await runUnits(mine, { threads: 0 });
      writeFileSync(join(dir, 'parts', `part-${k}-of-2.json`), JSON.stringify(makePart(spec, { k, n: 2 }, mine, res)));
    }
    const parts = readdirSync(join(dir, 'parts')).map((f) => join(dir, 'parts', f));
    const m = mergeParts(parts.map((f) => ({ name: f, part: JSON.parse(readFileSync(f, 'utf8')) })));
    if (!('sweep' in m)) throw new Error('expected a sweep');
    expect(m.sweep.specHash).toBe(b.specHash);
    const mj = JSON.parse(JSON.stringify({ points: m.sweep.points })) as SweepJson;
    expect(b.points).toHaveLength(2);
    // 2 replicas × (40 − 4 warm-up) measured requests per point.
    expect(b.points[0]!.result.types.reduce((x, t) => x + t.count, 0)).toBe(72);
    expect(numbers(mj)).toEqual(numbers(b));

    const csv = readFileSync(join(dir, 'b', 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv[0]!.split(',').slice(0, 10)).toEqual(['series', 'policy', 'offeredRps', 'load', 'achievedRps', 'type', 'count', 'meanUs', 'p50Us', 'p99Us']);
    expect(csv).toHaveLength(1 + 2 * 3); // two points × (two types + all)
    const svg = readFileSync(join(dir, 'b', 'sweep.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('p99 latency (µs)');
    expect(svg).toContain('throughput (kRPS)');
    expect((svg.match(/<svg /g) ?? []).length).toBe(1 + 3); // one panel per type and one for all

    // A missing shard is named, not papered over.
    expect(() => mergeParts([{ name: parts[0]!, part: JSON.parse(readFileSync(parts[0]!, 'utf8')) }])).toThrow(/do not cover the sweep: 2 of 4 runs missing/);
  });

  it('bad input', () => {
    expect(parseList('0.1:0.5:0.1', '--loads')).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(() => parseList('1,,2', '--rates')).toThrow(/numbers separated by commas/);
    expect(() => parseList('0.5:0.1:0.1', '--loads')).toThrow(/from:to:step/);
    const args = (o: Record<string, unknown>) => ({ dist: 'exp:10', replicas: 1, ...o }) as unknown as Parameters<typeof specFromArgs>[0];
    expect(() => specFromArgs(args({ loads: '0.5', policies: 'sq,fifo' }))).toThrow(/unknown policy 'fifo'/);
    expect(() => specFromArgs(args({}))).toThrow(/--rates .* or --loads/);
    expect(() => specFromArgs(args({ rates: '1000', loads: '0.5' }))).toThrow(/not both/);
    // Each series is configured as load would be: MQ puts preempted requests at the head, SQ at the tail.
    const s = specFromArgs(args({ loads: '0.5', policies: 'sq,mq', dist: 'bimodal:50-1,50-100', workers: 4 }));
    expect(s.series.map((c) => c.types[0]!.placement)).toEqual(['tail', 'head']);
    expect(s.rates).toEqual([Math.round(0.5 * 4 / 50.5 * 1e6)]);
  });
});
