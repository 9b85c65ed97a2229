import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
const img = buildGuestImage({ name: 'smp_counter', sources: ['guest/tests/smp_counter.c'] });
let t = 0, ins = 0;
for (let i = 0; i < 15; i++) { const r = runImage(img, { cores: 4 }); if (i >= 5) { t += r.hostSeconds; ins += r.cores.reduce((a, c) => a + c.instructions, 0); } }
console.log((ins / t / 1e6).toFixed(2), 'M/s');
