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
import type { PointConfig } from './config.js';

/** Where the guest's pools start: the first 2 MiB boundary above the boot area. */
const POOL_BASE = Math.ceil(RESERVED_END / 0x200000) * 0x200000;

export const CFG_MAGIC = 0x4b4a4853;

export class ServerError extends Error { override name = 'ServerError'; }

export function serverImage(app: 'spin' | 'kv'): string {
  return buildGuestImage({ name: `shinjuku-${app}`, sources: ['guest/shinjuku/main.c', `guest/shinjuku/app_${app}.c`] });
}

function symbol(image: ElfImage, name: string): number {
  const s = image.symbols.find((x) => x.name === name);
  if (!s) throw new ServerError(`the server image has no symbol '${name}'`);
  return s.value;
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
  dv.setBigUint64(a + 232, BigInt(c.memoryMiB * 2 ** 20 - POOL_BASE), true);
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

export interface RawPoint {
  config: PointConfig;
  run: LoadRunResult;
  stats: GuestStats;
  profile: Profile;
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
  const image = serverImage(c.app);
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
    beforeRun: (m, img) => { writeConfig(m, img, c, profile); opts.beforeRun?.(m, img); },
  });
  if (run.stop !== null) {
    const s = run.stop;
    const where = s.core !== null ? ` on core ${s.core} at tick ${s.tick}${s.rip !== null ? `, rip 0x${s.rip.toString(16)} (${s.disassembly})` : ''}` : '';
    throw new ServerError(`the server stopped before the load finished: ${s.reason}${where}: ${s.detail}${run.console ? `\nconsole:\n${run.console}` : ''}`);
  }
  if (Number.isNaN(run.readyTick)) throw new ServerError(`the server never said it was ready; console:\n${run.console}`);
  return { config: c, run, stats: readStats(run.machine, run.image, c.workers), profile };
}
