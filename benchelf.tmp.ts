import { runImage } from './src/sim/run.js';
const [elf, reps] = [process.argv[2]!, Number(process.argv[3] ?? 5)];
let best = Infinity, r = runImage(elf, { cores: 1 });
for (let i = 0; i < reps; i++) { r = runImage(elf, { cores: 1 }); best = Math.min(best, r.hostSeconds); }
const ins = r.cores[0]!.instructions;
console.log(`${elf.split('/').pop()} instr ${ins} cycles ${r.cores[0]!.cycles.toFixed(1)} best ${best.toFixed(3)} s  ${(ins / best / 1e6).toFixed(1)} M/s`);
