/**
 * Shinjuku's cache-line mailbox (NSDI'19 §3.5) as a guest on two cores. Its
 * round trip is, by construction of the model, two transfers of a Modified
 * line (`memory.remoteModified`, from a published core-to-core measurement),
 * one PAUSE and a few instructions. So the paper's 211 cycles is not
 * predicted here: comparing the two is a consistency check of two published
 * measurements (44 ns one way on a Broadwell-EP, 211 cycles round trip on the
 * paper's Haswell-EP). The tests assert that decomposition — each term moves
 * the round trip by exactly its share — and then the check.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import type { Profile } from '../src/profile/schema.js';
import type { CoherentMemorySystem, AccessSource } from '../src/memory/coherence.js';

/** "The average roundtrip latency for a message sent and received over a cache line is 211 cycles" (NSDI'19 §3.5). */
const PAPER_ROUND_TRIP = 211;
const TOLERANCE = 0.1;

const image = () => buildGuestImage({ name: 'mailbox', sources: ['guest/coherence/mailbox.c'] });

function roundTrip(p: Profile = loadProfile(), observe?: (core: number, kind: string, source: AccessSource) => void): { rt: number; n: number } {
  const r = runImage(image(), {
    cores: 2,
    profile: p,
    beforeRun: observe ? (m) => { (m.memsys as CoherentMemorySystem).observer = (core, _line, kind, source) => observe(core, kind, source); } : undefined,
  });
  expect(r.stopReason).toBe('exit');
  expect(r.console).toContain('answers matching their messages: all');
  expect(r.exitStatus).toBe(0);
  const m = /mailbox round trip: (\d+)\.(\d) cycles \((\d+) round trips\)/.exec(r.console);
  expect(m, r.console).not.toBeNull();
  return { rt: Number(m![1]) + Number(m![2]) / 10, n: Number(m![3]) };
}

const withChange = (f: (p: Profile) => void) => { const p = loadProfile(); f(p); return roundTrip(p).rt; };

describe('cache-line mailbox (Shinjuku §3.5)', () => {
  const base = roundTrip().rt;
  const t = tickCosts(loadProfile());

  it('each direction is one miss on a line the other core holds Modified, and nothing is read for ownership', () => {
    const misses: Record<string, number> = {};
    const { n } = roundTrip(loadProfile(), (core, kind, source) => { const k = `${core} ${kind} ${source}`; misses[k] = (misses[k] ?? 0) + 1; });
    for (const core of [0, 1]) {
      const transfers = misses[`${core} load remoteModified`] ?? 0;
      expect(transfers).toBeGreaterThanOrEqual(n);
      expect(transfers).toBeLessThanOrEqual(n + 32); // + warm-up round trips
    }
    expect(Object.keys(misses).filter((k) => k.includes(' rfo '))).toEqual([]);
  });

  it('changing remoteModified by Δ moves the round trip by 2Δ: two transfers per round trip', () => {
    for (const d of [-10, 20]) expect(withChange((p) => { p.memory.remoteModified.cycles += d; }) - base, `Δ = ${d}`).toBe(2 * d);
  });

  it('changing PAUSE by Δ moves it by Δ; costs the mailbox does not use do not move it', () => {
    expect(withChange((p) => { p.instructionClasses.pause.cycles += 4; }) - base).toBe(4);
    expect(withChange((p) => { p.memory.remoteClean.cycles += 20; })).toBe(base);
    expect(withChange((p) => { p.memory.rfoUpgrade.cycles += 20; })).toBe(base);
  });

  it('what is left after the two transfers and the PAUSE is a few instructions', () => {
    const rest = base - 2 * t.cache.remoteModified - t.cls.pause;
    // Filling the message (five stores), reading the answer (three loads), the loop: a few dozen ops.
    expect(rest).toBeGreaterThan(0);
    expect(rest).toBeLessThan(20);
  });

  it(`consistency check: the decomposition lands within ±${TOLERANCE * 100}% of the paper's ${PAPER_ROUND_TRIP} cycles`, () => {
    expect(base).toBeGreaterThanOrEqual(PAPER_ROUND_TRIP * (1 - TOLERANCE));
    expect(base).toBeLessThanOrEqual(PAPER_ROUND_TRIP * (1 + TOLERANCE));
  });

  it('no memory cost in the profile is the paper\'s round trip or its half', () => {
    const mem = loadProfile().memory as Record<string, { cycles?: number }>;
    for (const [k, e] of Object.entries(mem)) {
      if (e.cycles === undefined) continue;
      expect([PAPER_ROUND_TRIP, Math.floor(PAPER_ROUND_TRIP / 2), PAPER_ROUND_TRIP / 2], k).not.toContain(e.cycles);
    }
  });

  it('needs two cores', () => {
    const r = runImage(image(), { cores: 1 });
    expect(r.console).toContain('mailbox needs 2 cores');
    expect(r.exitStatus).toBe(1);
  });
});
