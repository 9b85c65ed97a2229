/**
 * RFLAGS across VM entry and exit (guest/vmx/vmx_rflags.c): VM entry loads
 * the guest's RFLAGS (SDM Vol. 3C §26.3.2.3), a VM exit saves it (§27.3.3),
 * and a successful VMLAUNCH/VMRESUME writes no flags of its own (its
 * pseudocode sets CF/ZF only on VMfail). Expected values from the SDM and
 * the arithmetic: -1 + 1 in 32 bits leaves CF, PF, AF and ZF set (0x57 with
 * the fixed bit 1). The machine once cleared them on every successful
 * entry, which broke a Dune guest interrupted between TEST and JE.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

describe('RFLAGS across VM entries and exits', () => {
  it('entry loads the guest-state RFLAGS; flags computed before an exit survive the VMRESUME', () => {
    const r = runImage(buildGuestImage({ name: 'vmx_rflags', sources: ['guest/vmx/vmx_rflags.c', 'guest/vmx/vmxlib.c', 'guest/apic/idt.c'] }), { maxCycles: 1e8 });
    expect(r.exitStatus).toBe(0);
    expect(r.console).toContain('RFLAGS at the guest\'s first instruction: 0x83 ');
    expect(r.console).toContain('guest RFLAGS saved by the exit: 0x57 ');
    expect(r.console).toContain('RFLAGS after VMRESUME: 0x57 ');
  });
});
