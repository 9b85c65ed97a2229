/**
 * `npm run bench`: host speed of the emulator (docs/architecture.md "Performance":
 * performance is measured in benchmarks, never in timed tests).
 *
 * Reports guest instructions per host second on compute-bound guests, with
 * cycle accounting on and no event listeners — the figure to compare with
 * Bochs (~57 M instructions/s on this machine class, accounting no time).
 */
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

interface Case { name: string; sources: string[]; cores: number; repeat: number; spin?: boolean; label?: string; cflags?: string[] }

const cases: Case[] = [
  { name: 'sort', sources: ['guest/tests/sort.c'], cores: 1, repeat: 3 },
  { name: 'control', sources: ['guest/tests/control.c'], cores: 1, repeat: 3 },
  { name: 'smp_counter', sources: ['guest/tests/smp_counter.c'], cores: 4, repeat: 2 },
  // Floating point and vector code (SSE2 baseline; AVX2/FMA with -march=haswell): the exact IEEE paths' host cost.
  { name: 'fpmath', label: 'fpmath (SSE2 -O2)', sources: ['guest/fp/fpmath.c'], cores: 1, repeat: 3, cflags: ['-fno-math-errno', '-O2'] },
  { name: 'fpmath', label: 'fpmath (AVX2 -O3)', sources: ['guest/fp/fpmath.c'], cores: 1, repeat: 3, cflags: ['-fno-math-errno', '-O3', '-march=haswell'] },
  // An idle multi-core guest, with and without spin detection (same cycles either way).
  { name: 'idle', label: 'idle (spin detect on)', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, repeat: 3, spin: true },
  { name: 'idle', label: 'idle (spin detect off)', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'], cores: 4, repeat: 3, spin: false },
  { name: 'abandon', label: 'abandon (spin on)', sources: ['guest/spin/abandon.c'], cores: 8, repeat: 3, spin: true },
  { name: 'abandon', label: 'abandon (spin off)', sources: ['guest/spin/abandon.c'], cores: 8, repeat: 3, spin: false },
];

const only = process.argv[2];
console.log('guest                 cores  instructions   cycles          host s   M instr/s (best)');
for (const c of cases) {
  if (only && c.name !== only) continue;
  const img = buildGuestImage({ name: c.name, sources: c.sources, cflags: c.cflags });
  let best = Infinity;
  let r = runImage(img, { cores: c.cores, spinDetection: c.spin });
  for (let i = 0; i < c.repeat; i++) {
    r = runImage(img, { cores: c.cores, spinDetection: c.spin });
    best = Math.min(best, r.hostSeconds);
  }
  const ins = r.cores.reduce((a, x) => a + x.instructions, 0);
  const cyc = Math.max(...r.cores.map((x) => x.cycles));
  console.log(
    `${(c.label ?? c.name).padEnd(22)}${String(c.cores).padStart(5)}  ${String(ins).padStart(12)}  ${cyc.toFixed(0).padStart(14)}  ${best.toFixed(3).padStart(8)}   ${(ins / best / 1e6).toFixed(1).padStart(8)}`,
  );
}
