/**
 * The key-value store's service times on this machine profile, and the fit
 * of its one calibrated constant (kvStore.perKeyResidual on NSDI'19 §4.4
 * SCAN(5000) = 1200 µs): `npx tsx scripts/kv-service-times.ts`.
 * Each shape runs alone on one worker with c-FCFS (no preemption inside a
 * measured request), 1M keys, the database cold at the start.
 */
import { resolveConfig } from '../src/shinjuku/config.js';
import { runPoint } from '../src/shinjuku/server.js';
import { loadProfile } from '../src/profile/load.js';

const profile = loadProfile();
const shapes = [{ dist: 'kv:100-get', n: 100, rate: 20000, paper: 6 }, { dist: 'kv:100-scan1000', n: 10, rate: 3000, paper: 240 }, { dist: 'kv:100-scan5000', n: 5, rate: 700, paper: 1200 }];
const measure = (residual: number) => shapes.map((s) => {
  const p = structuredClone(profile);
  p.kvStore.perKeyResidual.cycles = residual;
  const r = runPoint(resolveConfig({}, { policy: 'cfcfs', app: 'kv', dist: s.dist, workers: 1, rate: s.rate, requests: s.n, seed: 1, warmup: 0, arrival: 'constant' }), { profile: p });
  return { ...s, us: r.kv![0]!.meanUs };
});
const code = measure(0);
const fit = ((1200 - code[2]!.us) * (profile.clock.coreHz.value / 1e6)) / 5000;
const now = measure(profile.kvStore.perKeyResidual.cycles);
for (let i = 0; i < shapes.length; i++) {
  const s = shapes[i]!;
  console.log(`${s.dist.padEnd(18)} code only ${code[i]!.us.toFixed(2).padStart(8)} µs   with the residual ${now[i]!.us.toFixed(2).padStart(8)} µs   paper ${s.paper} µs (${(((now[i]!.us / s.paper) - 1) * 100).toFixed(1)} %)`);
}
console.log(`fitted kvStore.perKeyResidual = ${fit.toFixed(1)} cycles (profile: ${profile.kvStore.perKeyResidual.cycles})`);
