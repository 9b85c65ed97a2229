/**
 * The decode cache and the per-core block cache are optimizations: turning
 * them off (every block decoded afresh, every lookup through translation)
 * must not change a single cycle, instruction count or output byte.
 */
import { describe, it, expect } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

const cases = [
  { name: 'divzero', cores: 1 },
  { name: 'memory', cores: 1 },
  { name: 'smp_counter', cores: 3 },
];

describe('decode cache on/off equivalence', () => {
  for (const c of cases) {
    it(`${c.name} on ${c.cores} core(s): identical with and without cached blocks`, () => {
      const img = buildGuestImage({ name: c.name, sources: [`guest/tests/${c.name}.c`] });
      const on = runImage(img, { cores: c.cores });
      const off = runImage(img, { cores: c.cores, beforeRun: (m) => { m.decode.cacheBlocks = false; } });
      expect(off.stopReason).toBe('exit'); // divzero exits through its #DE handler
      expect(off.console).toBe(on.console);
      expect(off.exitStatus).toBe(on.exitStatus);
      expect(off.cores).toEqual(on.cores);
    });
  }
});
