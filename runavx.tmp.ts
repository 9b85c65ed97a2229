import { buildGuestImage, buildNativeProgram } from './src/guest/build.js';
import { runImage } from './src/sim/run.js';
import { spawnSync } from 'node:child_process';
const cflags = process.argv.slice(2);
const b = { name: 'avx', sources: ['guest/tests/avx.c'], cflags };
const want = spawnSync(buildNativeProgram(b), [], { encoding: 'latin1', maxBuffer: 1 << 30 }).stdout;
const t0 = Date.now(); const c0 = process.cpuUsage();
const got = runImage(buildGuestImage(b), { cores: 1, memoryBytes: 512 * 1024 * 1024, maxCycles: 1e11 });
console.error('guest time', (Date.now() - t0) / 1000, 's cpu', process.cpuUsage(c0).user / 1e6, got.stopReason, got.exitStatus, 'instr', got.cores[0].instructions);
const w = want.split('\n'), g = got.console.split('\n');
let bad = 0;
for (let i = 0; i < Math.max(w.length, g.length); i++) if (w[i] !== g[i]) { if (bad < 400) console.log(`want ${w[i]}\ngot  ${g[i]}`); bad++; }
console.error('differing lines', bad, 'of', w.length);
