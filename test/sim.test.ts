import { describe, it, expect } from 'vitest';
import { EventQueue } from '../src/sim/scheduler.js';
import { Prng } from '../src/sim/prng.js';
import { EventStream } from '../src/sim/events.js';

describe('event queue', () => {
  it('orders by (tick, priority, insertion sequence)', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    const add = (t: number, p: number, name: string) => q.schedule(t, () => seen.push(name), p);
    add(5, 0, 'e'); add(1, 1, 'b'); add(1, 0, 'a1'); add(3, 0, 'c'); add(1, 0, 'a2'); add(1, 1, 'b2'); add(0.25, 9, 'z');
    while (q.length) q.runNext();
    expect(seen).toEqual(['z', 'a1', 'a2', 'b', 'b2', 'c', 'e']);
  });

  it('lists pending events with their labels in run order', () => {
    const q = new EventQueue();
    q.schedule(30, () => {}, 0, 'c');
    q.schedule(10, () => {}, 1, 'b');
    q.schedule(10, () => {}, 0, 'a');
    q.schedule(20, () => {});
    expect(q.pending().map((e) => e.label)).toEqual(['a', 'b', '', 'c']);
    q.runNext();
    expect(q.pending().map((e) => [e.tick, e.label])).toEqual([[10, 'b'], [20, ''], [30, 'c']]);
  });

  it('stays a heap through growth and interleaved scheduling', () => {
    const q = new EventQueue();
    const out: number[] = [];
    const r = new Prng(7);
    for (let i = 0; i < 1000; i++) q.schedule(r.nextU32() % 500, (t) => out.push(t));
    for (let i = 0; i < 500; i++) q.runNext();
    for (let i = 0; i < 500; i++) q.schedule(1000 + (r.nextU32() % 500), (t) => out.push(t));
    while (q.length) q.runNext();
    const sorted = [...out].sort((a, b) => a - b);
    expect(out).toEqual(sorted);
    expect(out.length).toBe(1500);
    expect(q.peekTick()).toBe(Infinity);
  });
});

describe('PRNG streams', () => {
  it('is deterministic per (seed, stream) and streams differ', () => {
    const a = new Prng(42, 1), b = new Prng(42, 1), c = new Prng(42, 2);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('is uniform enough: mean of 100k floats within 4 sigma of 1/2', () => {
    const r = new Prng(1);
    let s = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) s += r.nextFloat();
    // Uniform(0,1) has variance 1/12, so the mean has sigma sqrt(1/(12n)).
    expect(Math.abs(s / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / (12 * n)));
  });
});

describe('event stream', () => {
  it('reports wanted kinds only while someone listens', () => {
    const ev = new EventStream();
    expect(ev.wants.io).toBe(false);
    const got: number[] = [];
    const off = ev.on('io', (e) => got.push(e.port));
    expect(ev.wants.io).toBe(true);
    ev.emit('io', { core: 0, tick: 1, port: 0xe9, size: 1, value: 65, dir: 'out' });
    off();
    expect(ev.wants.io).toBe(false);
    expect(got).toEqual([0xe9]);
  });
});
