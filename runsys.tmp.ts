import { buildGuestImage } from './src/guest/build.js';
import { runImage } from './src/sim/run.js';
const [src, ...cflags] = process.argv.slice(2);
const elf = buildGuestImage({ name: src.replace(/.*\//, '').replace(/\.c$/, ''), sources: [src], cflags });
console.error(elf);
const got = runImage(elf, { cores: 1, memoryBytes: 512 * 1024 * 1024, maxCycles: 1e10 });
process.stdout.write(got.console);
console.error(got.stopReason, got.exitStatus, got.stop?.detail ?? '');
