/**
 * `npm run bench`: host speed of the emulator (docs/architecture.md "Performance":
 * performance is measured in benchmarks, never in timed tests).
 *
 * Reports guest instructions per host second, with cycle accounting and the
 * coherence model on and no event listeners. `bigsort` (a merge sort of 300 k
 * 64-bit keys and a 1 M-slot hash table: a working set of ~20 MiB) and
 * `branchy` (a bytecode interpreter walking a 64 k-node tree) are what users
 * run; `sort` and `control` fit in L1.
 *
 * Side by side with Bochs: when SHINJUKU_PEERS names the peers directory
 * (run-bochs3.sh or run-bochs.sh there), each single-core program also boots
 * on Bochs from the same image in the same run; Bochs's boot (BIOS, GRUB, the
 * loader) is measured with an empty guest and subtracted, and Bochs's rate is
 * our instruction count over its remaining time (the same image executes the
 * same instructions on both). Bochs accounts no time and models no caches.
 *
 *   npm run bench [-- NAME...] [--quick]
 *   SHINJUKU_PEERS=/path/to/peers npm run bench -- bigsort
 * Optimizations can be turned off for comparison with SHINJUKU_OPT=-name,...
 * (see `optFlagsFromEnv` in src/sim/run.ts): results are identical, only speed changes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage, optFlagsFromEnv, type RunResult } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';
import { resolveConfig } from '../src/shinjuku/config.js';
import { runPoint } from '../src/shinjuku/server.js';

interface Case {
  name: string; sources: string[]; cores: number; repeat: number;
  spin?: boolean; label?: string; cflags?: string[];
  /** Compare with Bochs (single-core programs whose instruction count does not depend on timing). */
  bochs?: boolean;
  /** Report host seconds per simulated second instead of (or besides) instructions per second. */
  perSimSecond?: boolean;
  /** Also run it with the block compiler off (the interpreter alone). */
  interp?: boolean;
}

const cases: Case[] = [
  { name: 'bigsort', label: 'bigsort (20 MiB set)', sources: ['bench/guest/bigsort.c'], cores: 1, repeat: 1, bochs: true, interp: true },
  { name: 'branchy', sources: ['bench/guest/branchy.c'], cores: 1, repeat: 1, bochs: true, interp: true },
  { name: 'sort', label: 'sort (fits L1)', sources: ['guest/tests/sort.c'], cores: 1, repeat: 2, bochs: true },
  { name: 'control', sources: ['guest/tests/control.c'], cores: 1, repeat: 2, bochs: true },
  { name: 'smp_counter', sources: ['guest/tests/smp_counter.c'], cores: 4, repeat: 2 },
  { name: 'ipi_xapic', label: 'ipi_xapic (4 cores)', sources: ['guest/apic/ipi_xapic.c', 'guest/apic/idt.c'], cores: 4, repeat: 2 },
  // Floating point and vector code (SSE2 baseline; AVX2/FMA with -march=haswell): the exact IEEE paths' host cost.
  { name: 'fpmath', label: 'fpmath (SSE2 -O2)', sources: ['guest/fp/fpmath.c'], cores: 1, repeat: 2, cflags: ['-fno-math-errno', '-O2'] },
  { name: 'fpmath', label: 'fpmath (AVX2 -O3)', sources: ['guest/fp/fpmath.c'], cores: 1, repeat: 2, cflags: ['-fno-math-errno', '-O3', '-march=haswell'] },
  // Idle multi-core guests, with and without spin detection (same cycles either way).
  { name: 'idle', label: 'idle (spin detect on)', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, repeat: 2, spin: true },
  { name: 'idle', label: 'idle (spin detect off)', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, repeat: 2, spin: false },
  { name: 'idle', label: 'idle16 (16 cores)', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 16, repeat: 1, spin: true, perSimSecond: true },
  { name: 'abandon', label: 'abandon (spin on)', sources: ['guest/spin/abandon.c'], cores: 8, repeat: 2, spin: true },
  { name: 'abandon', label: 'abandon (spin off)', sources: ['guest/spin/abandon.c'], cores: 8, repeat: 2, spin: false },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const opt = optFlagsFromEnv();
const tscHz = loadProfile().clock.tscHz.value;

/** The Bochs run script in the peers directory, if the environment names one that exists. */
function bochsScript(): string | null {
  const peers = process.env.SHINJUKU_PEERS;
  if (!peers) return null;
  for (const s of ['run-bochs3.sh', 'run-bochs.sh']) if (existsSync(join(peers, s))) return join(peers, s);
  return null;
}

const bochs = bochsScript();
const peersOut = bochs ? mkdtempSync(join(tmpdir(), 'shinjuku-bench-peers-')) : '';

/** Wall seconds of one Bochs run of `img` (console checked against ours); null when it fails. */
function bochsSeconds(img: string, cores: number, expect: string | null): number | null {
  const t0 = performance.now();
  const r = spawnSync(bochs!, [img, String(cores)], { encoding: 'latin1', env: { ...process.env, PEERS_OUT: peersOut }, maxBuffer: 1 << 26 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) { console.log(`  bochs: exit status ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}`); return null; }
  if (expect !== null && !r.stdout.endsWith(expect)) { console.log('  bochs: console does not end with ours; ratio not reported'); return null; }
  return s;
}

let bochsBoot = 0;
if (bochs) {
  const empty = buildGuestImage({ name: 'bench_empty', sources: ['bench/guest/empty.c'] });
  const runs = [0, 1, 2].map(() => bochsSeconds(empty, 1, null) ?? Infinity);
  bochsBoot = Math.min(...runs);
  console.log(`Bochs (${bochs}): boot of an empty guest ${bochsBoot.toFixed(2)} s, subtracted below`);
}
console.log(`optimizations: ${Object.entries(opt).map(([k, v]) => `${k}=${v ? 'on' : 'off'}`).join(' ')}`);
console.log(`host load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (wall-clock rates suffer when it exceeds the CPUs; "cpu" divides by this process's CPU time, boot included)`);
console.log('guest                 cores  instructions   cycles          host s   M instr/s   cpu M/s   Bochs M/s  ratio');
/** One line of the table: wall and CPU rates of a run. */
function row(label: string, cores: number, ins: number, cyc: number, hostS: number, cpuS: number, extra: string): void {
  console.log(`${label.padEnd(22)}${String(cores).padStart(5)}  ${String(ins).padStart(12)}  ${cyc.toFixed(0).padStart(14)}  ${hostS.toFixed(3).padStart(8)}   ${(ins / hostS / 1e6).toFixed(1).padStart(8)}  ${(ins / cpuS / 1e6).toFixed(1).padStart(8)}${extra}`);
}
for (const c of cases) {
  if (only.length > 0 && !only.includes(c.name)) continue;
  const img = buildGuestImage({ name: c.sources[0]!.startsWith('bench/') ? `bench_${c.name}` : c.name, sources: c.sources, cflags: c.cflags });
  let best = Infinity, bestCpu = Infinity;
  let r: RunResult | null = null;
  const repeat = quick ? 1 : c.repeat;
  for (let i = 0; i < repeat; i++) {
    const cpu0 = process.cpuUsage();
    r = runImage(img, { cores: c.cores, spinDetection: c.spin, opt });
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, r.hostSeconds);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  const ins = r!.cores.reduce((a, x) => a + x.instructions, 0);
  const cyc = Math.max(...r!.cores.map((x) => x.cycles));
  let extra = '';
  if (c.perSimSecond) extra = `   ${(best / (cyc / tscHz)).toFixed(2)} host s per simulated s`;
  else if (bochs && c.bochs && c.cores === 1) {
    // Best of three, as the boot time is: Bochs's wall time varies with the host's load as ours does.
    const runs = [0, 1, 2].map(() => bochsSeconds(img, c.cores, r!.console));
    const s = runs.includes(null) ? null : Math.min(...(runs as number[]));
    if (s !== null) {
      // Under host load Bochs's boot time varies by a few tenths of a second: a run not clearly longer than it says nothing.
      if (s - bochsBoot < Math.max(0.5, bochsBoot)) extra = `  (Bochs ${s.toFixed(2)} s, boot ${bochsBoot.toFixed(2)} s: too short to rate)`;
      else {
        const bRate = ins / (s - bochsBoot) / 1e6;
        extra = `  ${bRate.toFixed(1).padStart(8)}   ${((ins / best / 1e6) / bRate).toFixed(2)}`;
      }
    }
  }
  row(c.label ?? c.name, c.cores, ins, cyc, best, bestCpu, extra);
  if (c.interp && opt.blockCompile) {
    // The interpreter alone, for the issue's side-by-side figure (same cycles: the compiler is exact).
    const cpu0 = process.cpuUsage();
    const ri = runImage(img, { cores: c.cores, spinDetection: c.spin, opt: { ...opt, blockCompile: false } });
    const cpu = process.cpuUsage(cpu0);
    const insI = ri.cores.reduce((a, x) => a + x.instructions, 0);
    const cycI = Math.max(...ri.cores.map((x) => x.cycles));
    row('  interpreter only', c.cores, insI, cycI, ri.hostSeconds, (cpu.user + cpu.system) / 1e6, insI === ins && cycI === cyc ? '' : '   (cycles differ: a bug)');
  }
}

/**
 * One server point, timed: the row's first columns as for the programs above (no CPU column),
 * then `tail` of the host seconds and the simulated cycles.
 */
function serverRow(label: string, config: ReturnType<typeof resolveConfig>, o: typeof opt, tail: (s: number, cyc: number) => string, spinDetection = true): void {
  const t0 = performance.now();
  const m = runPoint(config, { opt: o, spinDetection }).run.machine;
  const s = (performance.now() - t0) / 1000;
  const ins = m.cores.reduce((a, x) => a + x.instructions, 0);
  const cyc = Math.max(...m.cores.map((x) => x.time));
  console.log(`${label.padEnd(22)}${String(m.cores.length).padStart(5)}  ${String(ins).padStart(12)}  ${cyc.toFixed(0).padStart(14)}  ${s.toFixed(3).padStart(8)}   ${(ins / s / 1e6).toFixed(1).padStart(8)}   ${tail(s, cyc)}`);
}

// The Shinjuku server (synthetic app: each request spins on RDTSC for its service time) on 2
// workers, 40 requests of 500 µs: what fast-forward of the service loops saves.
if (only.length === 0 || only.includes('server')) {
  const c = resolveConfig({}, { seed: 5, warmup: 0, workers: 2, policy: 'sq', dist: 'fixed:500', rate: 3000, requests: quick ? 12 : 40 });
  const perSim = (s: number, cyc: number) => `${(s / (cyc / tscHz)).toFixed(1)} host s per simulated s`;
  serverRow('server (500 µs spins)', c, opt, perSim);
  serverRow('  loopForward off', c, { ...opt, loopForward: false }, perSim);
}
// Issue 15's speed figures: simulated requests per host second for 1 µs fixed requests on 14
// workers (the server's own heaviest per-request case: every request is a dispatch, a mailbox
// round trip and a reply), with spin detection on and off (identical results), and the host
// time of one point of a Bimodal(50–1, 50–100) curve.
if (only.length === 0 || only.includes('server14')) {
  const fixed = resolveConfig({}, { seed: 5, warmup: 0.1, workers: 14, policy: 'sq', dist: 'fixed:1', rate: 2_000_000, requests: quick ? 2000 : 8000 });
  const perRequest = (s: number) => `${(fixed.requests / s).toFixed(0)} simulated requests per host s (2 Mrps offered)`;
  serverRow('server 14w fixed:1', fixed, opt, perRequest);
  serverRow('  spin detection off', fixed, opt, perRequest, false);
  serverRow('  runAhead off', fixed, { ...opt, runAhead: false }, perRequest);
  serverRow('  blockCompile off', fixed, { ...opt, blockCompile: false }, perRequest);
  const bimodal = resolveConfig({}, { seed: 5, warmup: 0.1, workers: 14, policy: 'sq', dist: 'bimodal:50-1,50-100', rate: 200_000, requests: quick ? 1000 : 4000 });
  const point = (s: number) => `one point: ${bimodal.requests} requests at 200 krps (≈ 0.7 load), ${(bimodal.requests / s).toFixed(0)} simulated requests per host s`;
  serverRow('server 14w bimodal', bimodal, opt, point);
  // With loopForward off: what fast-forward of the preempted 100 µs service loops saves (same results).
  serverRow('  loopForward off', bimodal, { ...opt, loopForward: false }, point);
}
