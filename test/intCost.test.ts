/**
 * INT n and INT3 are one microcode path with exception and interrupt
 * delivery, and their cost has one owner: `exceptionDelivery`, charged once
 * per vectoring. The expected loop cost is the closed-form sum of the
 * profile entries each iteration pays (guest/costs/int_n.c).
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import type { Profile } from '../src/profile/schema.js';

const N = 100;

function loops(p: Profile) {
  const r = runImage(buildGuestImage({ name: 'int_n', sources: ['guest/costs/int_n.c'] }), { profile: p });
  expect(r.exitStatus).toBe(0);
  return Object.fromEntries([...r.console.matchAll(/cycles: (\S+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

describe('INT n / INT3 cost (guest/costs/int_n.c)', () => {
  it('an iteration is one vectoring, its memory accesses, one IRETQ and the loop: nothing else', () => {
    const p = loadProfile();
    const t = tickCosts(p);
    const c = t.cls;
    // Vectoring: exceptionDelivery + the 16-byte gate read as three 4-byte loads + five 8-byte frame
    // stores; IRETQ: its class + five 8-byte pops; the loop: DEC, JNZ (taken except the last time).
    const perIteration = c.exceptionDelivery + 3 * t.loadL1 + 5 * t.storeL1 + c.iret + 5 * t.loadL1 + c.alu + c.jcc + c.branchTaken;
    // Timed from the first RDTSC's start: it, SHL, OR and MOV are inside the interval; the last JNZ falls through.
    const overhead = c.rdtsc + c.shift + c.alu + c.mov;
    const want = overhead + N * perIteration - c.branchTaken;
    const got = loops(p);
    for (const k of ['int-n', 'int3']) expect(Math.abs(got[k]! - want), `${k}: ${got[k]} vs ${want}`).toBeLessThan(1);
  });

  it('changing exceptionDelivery by Δ moves each INT by Δ exactly once', () => {
    const a = loops(loadProfile());
    const p = loadProfile();
    p.instructionClasses.exceptionDelivery.cycles += 50;
    const b = loops(p);
    for (const k of ['int-n', 'int3']) expect(b[k]! - a[k]!).toBe(N * 50);
  });
});
