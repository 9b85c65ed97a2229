/**
 * The return stack buffer (src/cpu/returnStack.ts): a cost-model feature
 * with closed-form expectations. guest/costs/rsb.c times loops whose returns
 * are predicted or mispredicted by construction; run once with the
 * profile's mispredict penalty and once with 0, each loop's difference is
 * exactly (its mispredicted returns) × the penalty, and the predictor never
 * changes what a program computes.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';
import type { Profile } from '../src/profile/schema.js';
import { ReturnStackBuffer } from '../src/cpu/returnStack.js';

const N = 64;

function loops(p: Profile) {
  const r = runImage(buildGuestImage({ name: 'rsb', sources: ['guest/costs/rsb.c'] }), { profile: p });
  expect(r.exitStatus).toBe(0);
  return Object.fromEntries([...r.console.matchAll(/cycles: (\S+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

describe('return stack buffer: mispredicted returns cost the penalty, predicted ones nothing', () => {
  it('Haswell profile: 16 entries, penalty 16 (LLVM MispredictPenalty)', () => {
    const p = loadProfile();
    expect(p.branch.returnStackEntries.value).toBe(16);
    expect(p.branch.mispredictPenalty.cycles).toBe(16);
  });

  it('each loop differs from a zero-penalty run by exactly (mispredicts × penalty)', () => {
    const p = loadProfile();
    const free = loadProfile();
    free.branch.mispredictPenalty.cycles = 0;
    const a = loops(p), b = loops(free);
    const P = p.branch.mispredictPenalty.cycles;
    // [loop, mispredicted returns per iteration]
    const want: [string, number][] = [['matched', 0], ['push-ret', 1], ['call-next', 0], ['depth-15', 0], ['depth-16', 1]];
    for (const [k, m] of want) expect(a[k]! - b[k]!, k).toBe(N * m * P);
  });

  it('capacity is the profile entry: with 17 entries 17 nested calls fit', () => {
    const p = loadProfile();
    const free = loadProfile();
    p.branch.returnStackEntries.value = 17;
    free.branch.returnStackEntries.value = 17;
    free.branch.mispredictPenalty.cycles = 0;
    const a = loops(p), b = loops(free);
    expect(a['depth-16']! - b['depth-16']!).toBe(0);
  });
});

describe('ReturnStackBuffer unit', () => {
  it('is a circular array: overflow overwrites the oldest, underflow pops stale entries', () => {
    const r = new ReturnStackBuffer(4, 16);
    for (let i = 1; i <= 5; i++) r.onCall(100 + i, 1000);
    // 105, 104, 103, 102 predicted; the 5th pop lands on the slot 105 overwrote.
    expect([105, 104, 103, 102].map((t) => r.onRet(t))).toEqual([0, 0, 0, 0]);
    expect(r.onRet(101)).toBe(16);
    expect(r.lastPrediction).toBe(105);
    expect(r.mispredicts).toBe(1);
  });
  it('an empty entry predicts nothing; a call to the next instruction is not pushed', () => {
    const r = new ReturnStackBuffer(16, 16);
    expect(r.onRet(5)).toBe(16);
    r.onCall(200, 300);
    r.onCall(305, 305); // call 1f; 1:
    expect(r.onRet(200)).toBe(0);
  });
});
