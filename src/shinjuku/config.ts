/**
 * A Shinjuku load point's configuration: the server (cores, policy, ports
 * and SLOs, quantum, placement, application) and the load (distribution,
 * rate, requests, seed). It comes from a JSON file checked by a zod schema
 * (errors name the field) and from command-line flags, which win.
 *
 * File example (every field optional):
 *   { "workers": 14, "policy": "mq", "quantumUs": 5, "preempt": "when-queued",
 *     "types": [{ "port": 1234, "sloUs": 10, "placement": "head" }, { "port": 1235, "sloUs": 1000 }],
 *     "app": "spin", "platform": "dune", "rxQueues": 1, "lineRate": "10G",
 *     "load": { "dist": "bimodal:50-1,50-100", "rate": 200000, "requests": 20000, "seed": 1 } }
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDist, DistError, type ServiceDist } from '../load/dist.js';

export const POLICIES = ['sq', 'mq', 'cfcfs'] as const;
/** What the server runs on: the bare machine, or a Dune process (every core in VMX non-root mode). */
export const PLATFORMS = ['bare', 'dune'] as const;
export type Platform = (typeof PLATFORMS)[number];
/** The Dune module's vCPU limit (guest/dune/vmx.h DUNE_MAX_CPUS): the Dune server's cores, workers + 2. */
export const DUNE_MAX_CPUS = 16;
export type Policy = (typeof POLICIES)[number];

const TypeEntry = z.object({
  port: z.number().int().min(1).max(65535).optional().describe('UDP port of this request type'),
  sloUs: z.number().positive().optional().describe('tail-latency target for the MQ policy, µs'),
  placement: z.enum(['head', 'tail']).optional().describe('where a preempted request of this type goes back'),
}).strict();

export const ConfigFileSchema = z.object({
  workers: z.number().int().min(1).max(30).optional(),
  policy: z.enum(POLICIES).optional(),
  preempt: z.enum(['when-queued', 'always']).optional().describe("'when-queued' (the paper, §3.4) or 'always' (the released dispatcher)"),
  quantumUs: z.number().positive().optional(),
  placement: z.enum(['head', 'tail']).optional(),
  types: z.array(TypeEntry).max(16).optional(),
  basePort: z.number().int().min(1).max(65519).optional(),
  app: z.enum(['spin', 'kv']).optional(),
  platform: z.enum(PLATFORMS).optional().describe("'bare' (ring 0 on the machine) or 'dune' (a Dune process: VMX non-root, posted preemption IPIs)"),
  kvKeys: z.number().int().min(1000).max(4_000_000).optional(),
  rxQueues: z.number().int().min(1).max(16).optional(),
  lineRate: z.enum(['10G', '40G']).optional(),
  poolContexts: z.number().int().min(64).max(1 << 20).optional(),
  memoryMiB: z.number().int().min(320).max(3072).optional(),
  load: z.object({
    dist: z.string().optional(),
    rate: z.number().positive().optional(),
    requests: z.number().int().min(1).optional(),
    arrival: z.enum(['poisson', 'constant']).optional(),
    flows: z.number().int().min(1).max(65536).optional(),
    seed: z.number().int().min(0).optional(),
    warmup: z.number().min(0).max(0.9).optional(),
    timeoutUs: z.number().positive().optional(),
  }).strict().optional(),
}).strict();
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** A fully resolved point: what the server and the client run with. */
export interface PointConfig {
  workers: number;
  policy: Policy;
  preempt: 'when-queued' | 'always';
  quantumUs: number;
  app: 'spin' | 'kv';
  platform: Platform;
  kvKeys: number;
  rxQueues: number;
  lineRate: '10G' | '40G';
  poolContexts: number;
  memoryMiB: number;
  dist: string;
  /** Per request type: port, SLO (µs), placement. */
  types: { name: string; meanUs: number; port: number; sloUs: number; placement: 'head' | 'tail' }[];
  rate: number;
  requests: number;
  arrival: 'poisson' | 'constant';
  flows: number;
  seed: number;
  warmup: number;
  timeoutUs?: number;
}

export class ConfigError extends Error { override name = 'ConfigError'; }

export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new ConfigError(`${file}: not valid JSON: ${(e as Error).message}`); }
  return parseConfig(raw, file);
}

export function parseConfig(raw: unknown, where = 'configuration'): ConfigFile {
  const r = ConfigFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(`${where}: field '${field}': ${issue.message}`);
  }
  return r.data;
}

/** Flags from the command line (each overrides the file). */
export interface ConfigOverrides {
  workers?: number; policy?: Policy; preempt?: 'when-queued' | 'always'; quantum?: number; placement?: 'head' | 'tail';
  dist?: string; rate?: number; requests?: number; seed?: number; app?: 'spin' | 'kv'; arrival?: 'poisson' | 'constant';
  rxQueues?: number; lineRate?: '10G' | '40G'; flows?: number; warmup?: number; kvKeys?: number; platform?: Platform;
}

/** Merge file and flags over the defaults; check what only the combination can tell. */
export function resolveConfig(file: ConfigFile, o: ConfigOverrides): PointConfig {
  const load = file.load ?? {};
  const appHint = o.app ?? file.app;
  const distText = o.dist ?? load.dist ?? (appHint === 'kv' ? 'kv:99.5-get,0.5-scan1000' : 'exp:10');
  let dist: ServiceDist;
  try { dist = parseDist(distText); } catch (e) { throw new ConfigError(e instanceof DistError ? `--dist: ${e.message}` : String(e)); }
  const app = o.app ?? file.app ?? (dist.types.some((t) => t.op) ? 'kv' : 'spin');
  if (app === 'kv' && !dist.types.every((t) => t.op)) throw new ConfigError(`the key-value application takes a kv: distribution (e.g. kv:99.5-get,0.5-scan1000), not '${distText}'`);
  if (app === 'spin' && dist.types.some((t) => t.op)) throw new ConfigError(`a kv: distribution needs the key-value application (app "kv")`);
  const policy = o.policy ?? file.policy ?? 'sq';
  const placement = o.placement ?? file.placement ?? (policy === 'mq' ? 'head' : 'tail');
  const basePort = file.basePort ?? 1234;
  const ft = file.types ?? [];
  if (ft.length > 0 && ft.length !== dist.types.length) throw new ConfigError(`field 'types': ${ft.length} entries, but the distribution '${distText}' has ${dist.types.length} request type(s)`);
  const types = dist.types.map((t, i) => ({
    name: t.name,
    meanUs: t.meanUs,
    port: ft[i]?.port ?? basePort + i,
    // The paper sets each type's SLO to its p99 when run alone (§3.4); without one, 10× its mean service time.
    sloUs: ft[i]?.sloUs ?? 10 * t.meanUs,
    placement: (o.placement ?? ft[i]?.placement ?? placement) as 'head' | 'tail',
  }));
  if (new Set(types.map((t) => t.port)).size !== types.length) throw new ConfigError(`field 'types': two request types share a port`);
  const workers = o.workers ?? file.workers ?? 4;
  if (!Number.isInteger(workers) || workers < 1 || workers > 30) throw new ConfigError(`--workers must be 1..30, got ${workers}`);
  const platform = o.platform ?? file.platform ?? 'bare';
  if (platform === 'dune' && workers + 2 > DUNE_MAX_CPUS) throw new ConfigError(`field 'workers': ${workers} workers need ${workers + 2} cores, and the Dune platform runs at most ${DUNE_MAX_CPUS} (the module's vCPU limit): use at most ${DUNE_MAX_CPUS - 2} workers, or platform "bare"`);
  const rate = o.rate ?? load.rate;
  if (rate === undefined) throw new ConfigError('give the offered load: --rate (requests per second) or load.rate in the configuration file');
  if (!(rate > 0)) throw new ConfigError(`--rate must be positive, got ${rate}`);
  const requests = o.requests ?? load.requests ?? 2000;
  if (!Number.isInteger(requests) || requests < 1) throw new ConfigError(`--requests must be a positive integer, got ${requests}`);
  const quantumUs = o.quantum ?? file.quantumUs ?? (app === 'kv' ? 15 : 5);
  if (!(quantumUs > 0)) throw new ConfigError(`--quantum must be positive, got ${quantumUs}`);
  const warmup = o.warmup ?? load.warmup ?? 0.1;
  return {
    workers, policy, preempt: o.preempt ?? file.preempt ?? 'when-queued', quantumUs, app,
    platform,
    // db_bench's default --num.
    kvKeys: o.kvKeys ?? file.kvKeys ?? 1_000_000,
    rxQueues: o.rxQueues ?? file.rxQueues ?? 1,
    lineRate: o.lineRate ?? file.lineRate ?? '10G',
    poolContexts: file.poolContexts ?? 16384,
    // The key-value store's files (kvdb.ts: 126 bytes a key) live at the top of memory.
    memoryMiB: file.memoryMiB ?? (app === 'kv' ? 768 : 512),
    dist: distText, types, rate, requests,
    arrival: o.arrival ?? load.arrival ?? 'poisson',
    flows: o.flows ?? load.flows ?? 1920,
    seed: o.seed ?? load.seed ?? 1,
    warmup,
    ...(load.timeoutUs !== undefined ? { timeoutUs: load.timeoutUs } : {}),
  };
}
