/**
 * RDMSR/WRMSR of an x2APIC register costs `apic.x2apicMsrAccess`; every
 * other MSR costs the `msr` class (guest/costs/msr.c). The loops are the
 * same but for the MSR number, so their difference is closed-form.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import type { Profile } from '../src/profile/schema.js';

const N = 100;

function loops(p: Profile) {
  const r = runImage(buildGuestImage({ name: 'msr_cost', sources: ['guest/costs/msr.c'] }), { profile: p });
  expect(r.exitStatus).toBe(0);
  return Object.fromEntries([...r.console.matchAll(/cycles: (\S+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

describe('MSR access cost (guest/costs/msr.c)', () => {
  it('an x2APIC register access costs apic.x2apicMsrAccess, any other MSR the msr class', () => {
    const p = loadProfile();
    const t = tickCosts(p);
    const c = loops(p);
    const want = N * (t.apic.x2apicMsrAccess - t.cls.msr);
    for (const op of ['wrmsr', 'rdmsr']) {
      const d = c[`${op}-x2apic`]! - c[`${op}-other`]!;
      expect(Math.abs(d - want), `${op}: ${d} vs ${want}`).toBeLessThan(2); // two RDTSC floors
    }
  });

  it('changing apic.x2apicMsrAccess by Δ moves only the x2APIC loops, by N × Δ', () => {
    const a = loops(loadProfile());
    const p = loadProfile();
    p.apic.x2apicMsrAccess.cycles += 30;
    const b = loops(p);
    expect(b['wrmsr-x2apic']! - a['wrmsr-x2apic']!).toBe(N * 30);
    expect(b['rdmsr-x2apic']! - a['rdmsr-x2apic']!).toBe(N * 30);
    expect(b['wrmsr-other']).toBe(a['wrmsr-other']);
    expect(b['rdmsr-other']).toBe(a['rdmsr-other']);
  });
});
