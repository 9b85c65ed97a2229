/**
 * The I/O APIC stamps a message with the clock of the core whose access sent
 * it — as the local APIC and the PIT do — not with the machine's earliest
 * clock (which can be an idle core's, far in the past). guest/costs/
 * ioapic_clock.c unmasks an asserted level-triggered pin on core 0 while
 * core 1 sleeps in a PAUSE loop; the handler on core 1 must run after the
 * write, one I/O APIC access, the bus latency and the vectoring later.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';

describe('I/O APIC message timing (guest/costs/ioapic_clock.c)', () => {
  it('the message leaves at the writing core\'s clock', () => {
    const img = buildGuestImage({ name: 'ioapic_clock', sources: ['guest/costs/ioapic_clock.c', 'guest/apic/idt.c'] });
    const r = runImage(img, { cores: 2 });
    expect(r.console).toContain('handler ran after the write that sent the message: yes');
    expect(r.exitStatus).toBe(0);
    const d = Number(/cycles: write-to-handler (-?\d+)/.exec(r.console)![1]);
    const t = tickCosts(loadProfile());
    // From the RDTSC before the unmask: two I/O APIC accesses (register select, then the window
    // write that sends), the bus, the vectoring. On top: the RDTSC itself and the call, the PAUSE
    // core 1 was in, core 1's read of an IDT gate core 0 wrote (a miss to core 0's cache) and the
    // handler's two pushes.
    const floor = 2 * t.apic.ioapicMmioAccess + t.apic.ipiLatency + t.cls.exceptionDelivery;
    const slack = t.cls.rdtsc + t.cls.pause + t.cache.remoteModified + 30;
    expect(d).toBeGreaterThanOrEqual(floor);
    expect(d).toBeLessThan(floor + slack);
  });
});
