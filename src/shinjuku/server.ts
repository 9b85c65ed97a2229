/**
 * One load point on the Shinjuku server: build the guest (guest/shinjuku/
 * with the chosen application), boot it on 2 + workers cores with a NIC,
 * write its configuration into the image's `shinjuku_cfg`, drive it with the
 * open-loop client, and collect what the client measured and the guest
 * counted (`shinjuku_stats`).
 */
import type { Optimizations } from '../sim/machine.js';
import { buildGuestImage } from '../guest/build.js';
import { loadProfile } from '../profile/load.js';
import type { Profile } from '../profile/schema.js';
import type { ElfImage } from '../loader/elf.js';
import type { Machine } from '../sim/machine.js';
import { RESERVED_END } from '../loader/layout.js';
import { runLoad, type LoadRunResult } from '../load/harness.js';
import { parseDist } from '../load/dist.js';
import { DUNE_MAX_CPUS, type PointConfig, type Platform } from './config.js';
import { buildKvDb, type KvDb } from './kvdb.js';
import { DUNE_SOURCES, writeDuneParams } from '../dune/module.js';

/** Where the guest's pools start: the first 2 MiB boundary above the boot area. */
const POOL_BASE = Math.ceil(RESERVED_END / 0x200000) * 0x200000;

export const CFG_MAGIC = 0x4b4a4853;

export class ServerError extends Error { override name = 'ServerError'; }

/**
 * The server image. 'bare': the runtime starts the server on every core in
 * ring 0 (guest/shinjuku/platform_bare.c). 'dune': the Dune module's
 * carrying kernel (guest/dune/minihost.c) runs every core as a thread of a
 * Dune process in VMX non-root mode, entered through libdune
 * (guest/shinjuku/platform_dune.c).
 */
export function serverImage(app: 'spin' | 'kv', platform: Platform = 'bare'): string {
  const common = ['guest/shinjuku/main.c', `guest/shinjuku/app_${app}.c`];
  if (platform === 'bare') return buildGuestImage({ name: `shinjuku-${app}`, sources: [...common, 'guest/shinjuku/platform_bare.c'] });
  return buildGuestImage({
    name: `shinjuku-${app}-dune`,
    sources: [...common, 'guest/shinjuku/platform_dune.c', ...DUNE_SOURCES],
    cflags: ['-DSHINJUKU_PLATFORM_DUNE', `-DMINIHOST_MAX_CPUS=${DUNE_MAX_CPUS}`, '-DMINIHOST_EXPORT_NCPUS'],
  });
}

function symbol(image: ElfImage, name: string): number {
  const s = image.symbols.find((x) => x.name === name);
  if (!s) throw new ServerError(`the server image has no symbol '${name}'`);
  return s.value;
}

const dbCache = new Map<number, KvDb>();
/** The key-value store's files for this many keys (built once per process). */
function kvDb(keys: number): KvDb {
  let db = dbCache.get(keys);
  if (!db) { dbCache.clear(); db = buildKvDb(keys); dbCache.set(keys, db); }
  return db;
}

/** End of the pool region: the top of memory, or the start of the key-value store's files there. */
function poolEnd(c: PointConfig): number {
  const top = c.memoryMiB * 2 ** 20;
  if (c.app !== 'kv') return top;
  return top - Math.ceil(kvDb(c.kvKeys).bytes.length / 0x200000) * 0x200000;
}

/** Lay out struct shinjuku_cfg (guest/shinjuku/dispatch.h) in guest memory. */
function writeConfig(m: Machine, image: ElfImage, c: PointConfig, profile: Profile): void {
  const a = symbol(image, 'shinjuku_cfg');
  const dv = m.mem.dv;
  const tscPerNs = profile.clock.tscHz.value / 1e9;
  dv.setUint32(a + 0, CFG_MAGIC, true);
  dv.setUint32(a + 4, c.workers, true);
  dv.setUint32(a + 8, c.types.length, true);
  dv.setUint32(a + 12, c.rxQueues, true);
  dv.setUint32(a + 16, c.policy === 'mq' ? 1 : 0, true);
  dv.setUint32(a + 20, c.policy === 'cfcfs' ? 0 : c.preempt === 'always' ? 2 : 1, true);
  dv.setUint32(a + 24, c.poolContexts, true);
  dv.setUint32(a + 28, c.kvKeys, true);
  c.types.forEach((t, i) => {
    dv.setUint16(a + 32 + 2 * i, t.port, true);
    m.mem.u8[a + 64 + i] = t.placement === 'head' ? 1 : 0;
    dv.setBigUint64(a + 80 + 8 * i, BigInt(Math.max(1, Math.round(t.sloUs * 1000 * tscPerNs))), true);
  });
  dv.setFloat64(a + 208, c.quantumUs * 1000, true);
  dv.setFloat64(a + 216, tscPerNs, true);
  dv.setBigUint64(a + 224, BigInt(POOL_BASE), true);
  dv.setBigUint64(a + 232, BigInt(poolEnd(c) - POOL_BASE), true);
  // Cycles → TSC ticks (the guest spins on the TSC).
  const residual = profile.kvStore.perKeyResidual.cycles * (profile.clock.tscHz.value / profile.clock.coreHz.value);
  dv.setBigUint64(a + 240, BigInt(Math.round(residual * 256)), true);
  if (c.app === 'kv') {
    const db = kvDb(c.kvKeys);
    const base = poolEnd(c);
    m.mem.u8.set(db.bytes, base);
    dv.setBigUint64(a + 248, BigInt(base), true);
    dv.setBigUint64(a + 256, BigInt(db.bytes.length), true);
  }
}

/** struct shinjuku_stats (guest/shinjuku/dispatch.h). */
export interface GuestStats {
  dispatched: number; finished: number; preempted: number; ipis: number; serverDrops: number; badPackets: number;
  passes: number; busyPasses: number; busyTicks: number; firstPass: number; lastPass: number;
  netBatches: number; netPackets: number; workerRequests: number[]; workerPreemptions: number[]; stackOverflows: number;
}

function readStats(m: Machine, image: ElfImage, workers: number): GuestStats {
  const a = symbol(image, 'shinjuku_stats');
  const q = (off: number) => Number(m.mem.dv.getBigUint64(a + off, true));
  return {
    dispatched: q(0), finished: q(8), preempted: q(16), ipis: q(24), serverDrops: q(32), badPackets: q(40),
    passes: q(48), busyPasses: q(56), busyTicks: q(64), firstPass: q(72), lastPass: q(80),
    netBatches: q(88), netPackets: q(96),
    workerRequests: Array.from({ length: workers }, (_, i) => q(104 + 8 * i)),
    workerPreemptions: Array.from({ length: workers }, (_, i) => q(344 + 8 * i)),
    stackOverflows: q(584),
  };
}

/**
 * The key-value store's own measurements (guest/shinjuku/app_kv.c kv_stats):
 * per operation shape (GET, SCAN of n keys), requests and the mean time
 * inside handle_request (RDTSC at its start and end), µs.
 */
export interface KvOpStats { op: 'GET' | 'SCAN'; keys: number; count: number; meanUs: number }

function readKvStats(m: Machine, image: ElfImage, ticksPerUs: number): KvOpStats[] | undefined {
  const s = image.symbols.find((x) => x.name === 'kv_stats');
  if (!s) return undefined;
  const out: KvOpStats[] = [];
  for (let i = 0; i < 8; i++) {
    const q = (off: number) => Number(m.mem.dv.getBigUint64(s.value + 32 * i + off, true));
    if (q(0) === 0) continue;
    out.push({ op: q(0) === 1 ? 'GET' : 'SCAN', keys: q(8), count: q(16), meanUs: q(24) / Math.max(1, q(16)) / ticksPerUs });
  }
  return out;
}

export interface RawPoint {
  config: PointConfig;
  run: LoadRunResult;
  stats: GuestStats;
  profile: Profile;
  kv?: KvOpStats[];
}

export interface PointRunOptions {
  profile?: Profile;
  spinDetection?: boolean;
  /** Host-speed optimizations to turn off (results are identical either way). */
  opt?: Partial<Optimizations>;
  /** Attach listeners (traces, breakdowns) before the run. */
  beforeRun?: (m: Machine, image: ElfImage) => void;
}

/** Run one point (one replica: the config's seed). */
export function runPoint(c: PointConfig, opts: PointRunOptions = {}): RawPoint {
  const profile = opts.profile ?? loadProfile();
  const image = serverImage(c.app, c.platform);
  // Contexts, stacks, receive buffers and task nodes: about 5.5 KiB per pooled context, plus rings.
  const need = c.poolContexts * 5632 + 16 * 2 ** 20;
  if (poolEnd(c) - POOL_BASE < need) {
    throw new ServerError(`memoryMiB ${c.memoryMiB} is too small: ${c.app === 'kv' ? `the key-value store's ${c.kvKeys} keys take ${Math.ceil(kvDb(c.kvKeys).bytes.length / 2 ** 20)} MiB and ` : ''}the pools need ${Math.ceil(need / 2 ** 20)} MiB above the first ${POOL_BASE / 2 ** 20} MiB; raise memoryMiB in the configuration file`);
  }
  const dist = parseDist(c.dist);
  const run = runLoad({
    image,
    cores: c.workers + 2,
    memoryBytes: c.memoryMiB * 2 ** 20,
    profile,
    spinDetection: opts.spinDetection,
    opt: opts.opt,
    nic: { rxQueues: c.rxQueues, txQueues: c.workers, lineRate: c.lineRate },
    client: {
      dist, rate: c.rate, requests: c.requests, arrival: c.arrival, flows: c.flows, seed: c.seed,
      ports: c.types.map((t) => t.port), warmupFraction: c.warmup, kvKeys: c.kvKeys,
      ...(c.timeoutUs !== undefined ? { timeoutUs: c.timeoutUs } : {}),
    },
    beforeRun: (m, img) => {
      writeConfig(m, img, c, profile);
      // The paper's module: posted-interrupt processing on every vCPU, so the preemption IPI needs no exit.
      if (c.platform === 'dune') writeDuneParams(m, img, { postedIntr: true });
      opts.beforeRun?.(m, img);
    },
  });
  if (run.stop !== null) {
    const s = run.stop;
    const where = s.core !== null ? ` on core ${s.core} at tick ${s.tick}${s.rip !== null ? `, rip 0x${s.rip.toString(16)} (${s.disassembly})` : ''}` : '';
    throw new ServerError(`the server stopped before the load finished: ${s.reason}${where}: ${s.detail}${run.console ? `\nconsole:\n${run.console}` : ''}`);
  }
  if (Number.isNaN(run.readyTick)) throw new ServerError(`the server never said it was ready; console:\n${run.console}`);
  const kv = readKvStats(run.machine, run.image, profile.clock.tscHz.value / 1e6);
  return { config: c, run, stats: readStats(run.machine, run.image, c.workers), profile, ...(kv ? { kv } : {}) };
}
