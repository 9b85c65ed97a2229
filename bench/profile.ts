/**
 * One bench program under the V8 profiler:
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts bigsort [CORES]
 * NAME is a program in bench/guest (bigsort, branchy) or smp_counter.
 */
import { buildGuestImage } from '../src/guest/build.js';
import { optFlagsFromEnv, runImage } from '../src/sim/run.js';

const name = process.argv[2] ?? 'bigsort';
const src = name === 'smp_counter' ? 'guest/tests/smp_counter.c' : `bench/guest/${name}.c`;
const img = buildGuestImage({ name: name === 'smp_counter' ? name : `bench_${name}`, sources: [src] });
const cores = Number(process.argv[3] ?? 1);
const cpu0 = process.cpuUsage();
const r = runImage(img, { cores, opt: optFlagsFromEnv() });
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const ins = r.cores.reduce((a, c) => a + c.instructions, 0);
console.log(name, ins, r.cores.map((c) => c.cycles).join(' '), `wall ${r.hostSeconds.toFixed(2)} s`, `${(ins / r.hostSeconds / 1e6).toFixed(1)} M/s`, `cpu ${cpuS.toFixed(2)} s (with boot)`, `${(ins / cpuS / 1e6).toFixed(1)} M/s`);
