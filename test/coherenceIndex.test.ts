/**
 * The coherence model's index structures (`CoherentMemorySystem.fastIndexEnabled`,
 * optimization `cacheIndex`) against the model without them: long random access
 * sequences on small caches (many evictions at every level, several cores in
 * one to three sockets, DMA, CLFLUSH, store-drain windows), every answer and every cache
 * decision compared. The expected values come from the independent scanning
 * path (fastIndexEnabled = false), never from the indexed one.
 */
import { describe, expect, it } from 'vitest';
import { CoherentMemorySystem, LINE_BYTES, type CoherenceConfig } from '../src/memory/coherence.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';

const costs = tickCosts(loadProfile());

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Case {
  name: string;
  cfg: CoherenceConfig;
  /** Lines the accesses range over (a few times the L3). */
  lines: number;
  /** Include DMA writes (deviceWrite). */
  dma: boolean;
}

const g = (sets: number, ways: number) => ({ bytes: sets * ways * LINE_BYTES, ways });

const cases: Case[] = [
  // L1 4 sets × 4 ways, L2 8 × 4, L3 6 sets (not a power of two) × 5 ways.
  { name: '1 core', cfg: { cores: 1, ramBytes: 1 << 16, coresPerSocket: 1, sockets: 1, l1: g(4, 4), l2: g(8, 4), l3: g(6, 5) }, lines: 120, dma: true },
  { name: '4 cores', cfg: { cores: 4, ramBytes: 1 << 16, coresPerSocket: 4, sockets: 1, l1: g(4, 4), l2: g(8, 4), l3: g(12, 5) }, lines: 200, dma: true },
  { name: '3 cores, L1 and L2 with as many sets', cfg: { cores: 3, ramBytes: 1 << 16, coresPerSocket: 3, sockets: 1, l1: g(8, 2), l2: g(8, 8), l3: g(10, 7) }, lines: 160, dma: true },
  // Several sockets: a line Exclusive in another socket's core while this socket's L3 still
  // holds it was once inserted a second time (the indexed model then lost track of a copy).
  { name: '4 cores, 2 sockets', cfg: { cores: 4, ramBytes: 1 << 16, coresPerSocket: 2, sockets: 2, l1: g(4, 4), l2: g(8, 4), l3: g(12, 5) }, lines: 200, dma: true },
  { name: '6 cores, 3 sockets', cfg: { cores: 6, ramBytes: 1 << 16, coresPerSocket: 2, sockets: 3, l1: g(4, 4), l2: g(8, 4), l3: g(6, 5) }, lines: 160, dma: true },
];

/** Run the same random sequence on the model with and without its indexes; every answer must match. */
function compare(c: Case, seed: number, steps: number): void {
  const clocks = [new Float64Array(c.cfg.cores), new Float64Array(c.cfg.cores)];
  const mk = (k: 0 | 1) => {
    const ms = new CoherentMemorySystem(costs, c.cfg, (core) => clocks[k]![core]!);
    ms.fastIndexEnabled = k === 0;
    const log: string[] = [];
    ms.observer = (core, line, kind, source, cost) => { log.push(`${core} ${line} ${kind} ${source} ${cost}`); };
    ms.evictObserver = (accessor, line) => { log.push(`evict ${accessor} ${line}`); };
    return { ms, log };
  };
  const fast = mk(0);
  const slow = mk(1);
  const rand = rng(seed);
  const base = 0x1000; // not line 0
  for (let step = 0; step < steps; step++) {
    const core = Math.floor(rand() * c.cfg.cores);
    const pa = base + Math.floor(rand() * c.lines) * LINE_BYTES + Math.floor(rand() * LINE_BYTES);
    const op = rand();
    const dt = Math.floor(rand() * 300);
    clocks[0]![core] += dt;
    clocks[1]![core] += dt;
    let a: number | string, b: number | string;
    if (op < 0.4) { a = fast.ms.load(core, pa); b = slow.ms.load(core, pa); }
    else if (op < 0.7) { a = fast.ms.store(core, pa); b = slow.ms.store(core, pa); }
    else if (op < 0.8) { a = fast.ms.rfo(core, pa); b = slow.ms.rfo(core, pa); }
    else if (op < 0.87) {
      // What the core does with loadHit: -1 means "ask load" (the indexed model may answer more hits).
      const h = fast.ms.loadHit(core, pa);
      a = h >= 0 ? h : fast.ms.load(core, pa);
      b = slow.ms.load(core, pa);
    } else if (op < 0.9) { a = fast.ms.remoteLoadCost(core, pa); b = slow.ms.remoteLoadCost(core, pa); }
    else if (op < 0.93) { fast.ms.flush(core, pa); slow.ms.flush(core, pa); a = b = 0; }
    else if (op < 0.96 && c.dma) {
      const bytes = 1 + Math.floor(rand() * 3 * LINE_BYTES);
      const socket = Math.floor(rand() * c.cfg.sockets);
      const ways = 1 + Math.floor(rand() * 3);
      fast.ms.deviceWrite(pa, bytes, socket, ways);
      slow.ms.deviceWrite(pa, bytes, socket, ways);
      a = b = 0;
    } else if (op < 0.98) {
      const bytes = 1 + Math.floor(rand() * 3 * LINE_BYTES);
      fast.ms.deviceRead(pa, bytes);
      slow.ms.deviceRead(pa, bytes);
      a = b = 0;
    } else { a = fast.ms.load(core, pa); b = slow.ms.load(core, pa); }
    if (a !== b) expect(`step ${step}: ${a}`).toBe(`step ${step}: ${b}`);
    if (fast.log.length !== slow.log.length || fast.log[fast.log.length - 1] !== slow.log[slow.log.length - 1]) {
      expect(fast.log.slice(-3)).toEqual(slow.log.slice(-3));
    }
    if (fast.ms.lineVersion(pa) !== slow.ms.lineVersion(pa)) expect(fast.ms.lineVersion(pa)).toBe(slow.ms.lineVersion(pa));
    // Every line's state now and then (the LRU order shows in later evictions; the contents here).
    if (step % 97 === 0 || step === steps - 1) {
      for (let l = 0; l < c.lines; l++) {
        const x = base + l * LINE_BYTES;
        expect({ step, ...fast.ms.lineState(x) }).toEqual({ step, ...slow.ms.lineState(x) });
      }
    }
  }
  expect(fast.log).toEqual(slow.log);
}

describe('coherence model: the index structures change no decision', () => {
  for (const c of cases) {
    it(c.name, () => {
      for (let seed = 1; seed <= 4; seed++) compare(c, seed * 7919, 15000);
    });
  }
});
