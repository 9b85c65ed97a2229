/**
 * VMX hardware (issue 10) against Bochs: the bare-metal hypervisors in
 * guest/vmx/ run unchanged on Bochs (2.7, or the 3.0 build for posted
 * interrupts) and on this machine, and must print the same text — the
 * expected files in test/expected/vmx/ are Bochs's output, recorded by
 * guest/vmx/record-bochs.ts; each line names the SDM section it checks.
 * Where Bochs departs from the SDM, test/vmxGuests.ts replaces its line
 * with the SDM's and says why.
 */
import { describe, expect, it } from 'vitest';
import { runImage } from '../src/sim/run.js';
import { VMX_GUESTS, buildVmxGuest, expectedText } from './vmxGuests.js';

describe('VMX test hypervisors print what Bochs prints (SDM departures corrected)', () => {
  for (const g of VMX_GUESTS) {
    it(`${g.name} (${g.cores} core${g.cores > 1 ? 's' : ''}, recorded on ${g.peer})`, () => {
      const elf = buildVmxGuest(g.name);
      const r = runImage(elf, { cores: g.cores, maxCycles: 2e9 });
      const got = `${r.console}status: ${r.exitStatus}\n`;
      expect(got, r.stop.detail).toBe(expectedText(g));
    });
  }
});
