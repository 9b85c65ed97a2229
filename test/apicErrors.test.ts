/**
 * Bad input to the interrupt hardware gets the SDM's behaviour (ESR bits,
 * Vol. 3A §10.5.3), and an interrupt with no IDT gets a clear report.
 * Expected values come from the SDM's ESR bit definitions.
 */
import { describe, it, expect } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

describe('APIC errors and unhandled interrupts', () => {
  it('sets ESR bits 7, 2 and 5 for a reserved register, an unaccepted IPI and an illegal vector', () => {
    const r = runImage(buildGuestImage({ name: 'apic_errors', sources: ['guest/apic/apic_errors.c'] }));
    expect(r.exitStatus).toBe(0);
    expect(r.console).toBe(
      'esr at start 0x00\n' +
      'write to reserved offset 0x3a0: esr 0x80\n' +
      'read of reserved offset 0x050: esr 0x80\n' +
      'ipi to absent apic id 0x7e: esr 0x04\n' +
      'self ipi with vector 0x0a: esr 0x20\n' +
      'esr after a clean latch 0x00\n',
    );
  });

  it('an interrupt taken with no IDT stops the run with a report naming the vector', () => {
    const r = runImage(buildGuestImage({ name: 'apic_unhandled', sources: ['guest/apic/apic_errors.c'], cflags: ['-DUNHANDLED'] }));
    expect(r.stopReason).toBe('triple-fault');
    expect(r.stop.core).toBe(0);
    expect(r.stop.detail).toMatch(/interrupt vector 0x47/);
    expect(r.stop.detail).toMatch(/no IDT loaded/);
    expect(r.console).toBe('');
  });
});
