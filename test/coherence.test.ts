/**
 * The cache/coherence model (src/memory/coherence.ts) on its own. Expected
 * costs come from the profile's entries and closed-form reasoning about
 * MESI, LRU and inclusion — never from running the implementation.
 */
import { describe, expect, it } from 'vitest';
import { CoherentMemorySystem, coherenceConfig, LINE_BYTES } from '../src/memory/coherence.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import type { Profile } from '../src/profile/schema.js';

const profile = loadProfile();
const MiB = 2 ** 20;

/** A profile entry in ticks (core cycles × tscHz/coreHz). */
function ticks(p: Profile, e: { cycles: number }): number {
  return (e.cycles * p.clock.tscHz.value) / p.clock.coreHz.value;
}

function withTopology(sockets: number, coresPerSocket: number): Profile {
  const p = structuredClone(profile);
  p.topology.sockets.value = sockets;
  p.topology.coresPerSocket.value = coresPerSocket;
  return p;
}

function model(opts: { cores?: number; ram?: number; p?: Profile; now?: (core: number) => number } = {}) {
  const p = opts.p ?? profile;
  const cores = opts.cores ?? 4;
  const ms = new CoherentMemorySystem(tickCosts(p), coherenceConfig(p, cores, opts.ram ?? 64 * MiB), opts.now);
  const m = p.memory;
  const cost = {
    load: ticks(p, m.loadL1), store: ticks(p, m.storeL1), l2: ticks(p, m.l2Hit), l3: ticks(p, m.l3Hit),
    remoteClean: ticks(p, m.remoteClean), remoteModified: ticks(p, m.remoteModified),
    cross: ticks(p, m.crossSocket), dram: ticks(p, m.dram), upgrade: ticks(p, m.rfoUpgrade),
  };
  return { ms, cost };
}

const A = 0x20_0000; // a line-aligned address in RAM
const L1_SET_STRIDE = profile.memory.l1dBytes.value / profile.memory.l1dWays.value; // 4 KiB: same L1 set
const L2_SET_STRIDE = profile.memory.l2Bytes.value / profile.memory.l2Ways.value; // 32 KiB: same L2 set
const L3_SET_STRIDE = profile.memory.l3BytesPerSocket.value / profile.memory.l3Ways.value; // 1.5 MiB: same L3 set

describe('coherence model: a single core', () => {
  it('the first touch of a line costs DRAM, then L1 hits, for any byte of the line', () => {
    const { ms, cost } = model();
    expect(ms.load(0, A)).toBe(cost.dram);
    expect(ms.load(0, A)).toBe(cost.load);
    expect(ms.load(0, A + LINE_BYTES - 1)).toBe(cost.load);
    expect(ms.load(0, A + LINE_BYTES)).toBe(cost.dram); // the next line is another first touch
    expect(ms.lineState(A).states[0]).toBe('E'); // nobody else has it: Exclusive
  });

  it('a store costs the store throughput whatever the state; the first one makes an Exclusive line Modified silently', () => {
    const { ms, cost } = model();
    expect(ms.store(0, A)).toBe(cost.store); // a cold line: the RFO goes on in the background
    expect(ms.lineState(A).states[0]).toBe('M');
    expect(ms.load(0, A)).toBe(cost.load); // and it arrived
    ms.load(0, A + 2 * LINE_BYTES);
    expect(ms.lineState(A + 2 * LINE_BYTES).states[0]).toBe('E');
    expect(ms.store(0, A + 2 * LINE_BYTES)).toBe(cost.store);
    expect(ms.lineState(A + 2 * LINE_BYTES).states[0]).toBe('M');
  });

  it('L1 capacity: a ninth line in one 8-way set evicts the least recently used one to the L2', () => {
    const { ms, cost } = model();
    const line = (i: number) => A + i * L1_SET_STRIDE;
    for (let i = 0; i < 9; i++) expect(ms.load(0, line(i))).toBe(cost.dram);
    // set now holds lines 1..8; line 0 went to the L2
    expect(ms.load(0, line(8))).toBe(cost.load);
    expect(ms.load(0, line(0))).toBe(cost.l2); // back in, evicting line 1 (now the LRU)
    expect(ms.load(0, line(2))).toBe(cost.load);
    expect(ms.load(0, line(1))).toBe(cost.l2);
    const s = ms.lineState(line(3));
    expect(s.inL1[0]).toBe(false); // line 3 was the LRU when line 1 came back
    expect(s.inL2[0]).toBe(true);
  });

  it('LRU counts uses: re-touching the oldest line protects it', () => {
    const { ms, cost } = model();
    const line = (i: number) => A + i * L1_SET_STRIDE;
    for (let i = 0; i < 8; i++) ms.load(0, line(i));
    expect(ms.load(0, line(0))).toBe(cost.load); // line 1 is now the LRU
    ms.load(0, line(8));
    expect(ms.load(0, line(0))).toBe(cost.load);
    expect(ms.load(0, line(1))).toBe(cost.l2);
  });

  it('L2 capacity: a ninth line in one L2 set goes back to the L3', () => {
    const { ms, cost } = model();
    const line = (i: number) => A + i * L2_SET_STRIDE;
    for (let i = 0; i < 9; i++) expect(ms.load(0, line(i))).toBe(cost.dram);
    expect(ms.load(0, line(0))).toBe(cost.l3);
  });

  it('L3 capacity (20 ways): the 21st line of a set sends the first back to DRAM; 20 fit', () => {
    const fits = model();
    for (let i = 0; i < 20; i++) fits.ms.load(0, A + i * L3_SET_STRIDE);
    expect(fits.ms.load(0, A)).toBe(fits.cost.l3);
    const spills = model();
    for (let i = 0; i < 21; i++) spills.ms.load(0, A + i * L3_SET_STRIDE);
    expect(spills.ms.load(0, A)).toBe(spills.cost.dram);
  });

  it('the L3 is inclusive: evicting a line from it takes it out of the cores that hold it', () => {
    const { ms, cost } = model();
    ms.load(1, A); // core 1 holds line A in its L1
    for (let i = 1; i <= 20; i++) ms.load(0, A + i * L3_SET_STRIDE); // core 0 fills A's L3 set
    const s = ms.lineState(A);
    expect(s.inL3[0]).toBe(false);
    expect(s.inL1[1]).toBe(false);
    expect(s.states[1]).toBe('I');
    expect(ms.load(1, A)).toBe(cost.dram);
  });
});

describe('coherence model: cores of one socket', () => {
  it('a line written by core 0 and then read by core 1 costs a dirty transfer and leaves both Shared', () => {
    const { ms, cost } = model();
    ms.store(0, A);
    expect(ms.load(1, A)).toBe(cost.remoteModified);
    expect(ms.lineState(A).states.slice(0, 2)).toEqual(['S', 'S']);
    expect(ms.load(1, A)).toBe(cost.load);
    expect(ms.load(0, A)).toBe(cost.load); // the writer keeps a Shared copy
  });

  it('a line Exclusive (clean) in another core costs a clean snoop; a Shared one is answered by the L3', () => {
    const { ms, cost } = model();
    ms.load(0, A);
    expect(ms.load(1, A)).toBe(cost.remoteClean);
    expect(ms.load(2, A)).toBe(cost.l3);
    expect(ms.lineState(A).states.slice(0, 4)).toEqual(['S', 'S', 'S', 'I']);
  });

  it('a store to a Shared line invalidates the other copies: their next reads miss', () => {
    const { ms, cost } = model();
    for (const c of [0, 1, 2]) ms.load(c, A);
    expect(ms.store(0, A)).toBe(cost.store);
    expect(ms.lineState(A).states.slice(0, 3)).toEqual(['M', 'I', 'I']);
    expect(ms.lineState(A).inL1.slice(1, 3)).toEqual([false, false]);
    expect(ms.load(1, A)).toBe(cost.remoteModified); // core 0 had it Modified
    expect(ms.load(2, A)).toBe(cost.l3); // now Shared by 0 and 1: the L3 answers
  });

  it('read-for-ownership: an upgrade of a Shared line, a transfer of a Modified one, and the following store hits', () => {
    const { ms, cost } = model();
    ms.load(0, A);
    ms.load(1, A);
    expect(ms.rfo(0, A)).toBe(cost.upgrade);
    expect(ms.lineState(A).states.slice(0, 2)).toEqual(['E', 'I']);
    expect(ms.store(0, A)).toBe(cost.store);
    expect(ms.rfo(1, A)).toBe(cost.remoteModified); // Modified in core 0
    expect(ms.store(1, A)).toBe(cost.store);
    expect(ms.lineState(A).states.slice(0, 2)).toEqual(['I', 'M']);
    expect(ms.rfo(1, A)).toBe(cost.load); // owned: an L1 hit
    expect(ms.load(0, A)).toBe(cost.remoteModified); // core 0's copy is gone
    expect(ms.rfo(2, A + 4 * LINE_BYTES)).toBe(cost.dram); // a cold line
  });

  it('read-for-ownership of a line only others share pays the invalidation', () => {
    const { ms, cost } = model();
    ms.load(1, A);
    ms.load(2, A);
    expect(ms.rfo(0, A)).toBe(cost.upgrade);
    expect(ms.lineState(A).states.slice(0, 3)).toEqual(['E', 'I', 'I']);
    expect(ms.load(1, A)).toBe(cost.remoteClean); // its copy is gone; core 0 holds it clean
    expect(ms.load(2, A)).toBe(cost.l3);
  });

  it('versions bump on every store, not on loads or on the read half of a read-modify-write', () => {
    const { ms } = model();
    expect(ms.lineVersion(A)).toBe(0);
    ms.load(0, A);
    ms.load(1, A + 8);
    expect(ms.lineVersion(A)).toBe(0);
    ms.store(0, A);
    ms.store(0, A + 63); // same line
    ms.store(1, A + 8); // another core
    expect(ms.lineVersion(A)).toBe(3);
    ms.rfo(0, A);
    expect(ms.lineVersion(A)).toBe(3);
    ms.store(0, A);
    expect(ms.lineVersion(A)).toBe(4);
    expect(ms.lineVersion(A + LINE_BYTES)).toBe(0);
    expect(ms.lineState(A).version).toBe(4);
  });
});

describe('coherence model: two sockets', () => {
  // Two sockets of two cores: cores 0, 1 on socket 0 and 2, 3 on socket 1 (socket-major).
  const p = withTopology(2, 2);

  it('a line from the other socket costs a cross-socket transfer, then each socket\'s L3 answers its cores', () => {
    const { ms, cost } = model({ p });
    ms.store(0, A);
    expect(ms.load(2, A)).toBe(cost.cross); // Modified on socket 0
    expect(ms.lineState(A).inL3).toEqual([true, true]);
    expect(ms.load(1, A)).toBe(cost.l3);
    expect(ms.load(3, A)).toBe(cost.l3);
    ms.store(3, A); // invalidates everything, including socket 0's L3 copy
    expect(ms.lineState(A).inL3).toEqual([false, true]);
    expect(ms.load(0, A)).toBe(cost.cross);
  });

  it('an upgrade whose other sharers sit on the other socket costs a cross-socket round trip', () => {
    const { ms, cost } = model({ p });
    ms.load(0, A);
    ms.load(2, A);
    expect(ms.rfo(0, A)).toBe(cost.cross);
    expect(ms.lineState(A).states).toEqual(['E', 'I', 'I', 'I']);
  });

  it('clean lines too: the same-socket costs stay local', () => {
    const { ms, cost } = model({ p });
    ms.load(0, A);
    expect(ms.load(1, A)).toBe(cost.remoteClean);
    const b = A + 16 * LINE_BYTES;
    ms.load(3, b);
    expect(ms.load(0, b)).toBe(cost.cross);
  });

  it('cores beyond the topology form further sockets', () => {
    const { ms, cost } = model({ p: withTopology(1, 2), cores: 3 });
    ms.store(0, A);
    expect(ms.load(1, A)).toBe(cost.remoteModified);
    expect(ms.load(2, A + 0)).toBe(cost.cross);
  });
});

describe('coherence model: store-drain windows', () => {
  it('stores issued while the acquiring store\'s RFO is outstanding reach a reader with it; later ones invalidate it', () => {
    const time = [0, 0];
    const { ms, cost } = model({ cores: 2, now: (c) => time[c]! });
    ms.load(0, A);
    ms.load(1, A); // Shared by both
    time[0] = 1000;
    ms.store(0, A); // upgrade: the window stays open for the upgrade's latency
    time[1] = 1001;
    expect(ms.load(1, A)).toBe(cost.remoteModified); // core 1 misses in the middle of core 0's burst
    time[0] = 1000 + cost.upgrade - 1;
    ms.store(0, A + 8); // still inside the window: part of what core 1 received
    expect(ms.lineState(A).states).toEqual(['S', 'S']);
    expect(ms.load(1, A)).toBe(cost.load);
    expect(ms.lineVersion(A)).toBe(2);
    time[0] = 1000 + cost.upgrade;
    ms.store(0, A + 16); // the window has closed: an ordinary upgrade
    expect(ms.lineState(A).states).toEqual(['M', 'I']);
    expect(ms.load(1, A)).toBe(cost.remoteModified);
  });

  it('without a clock there are no windows', () => {
    const { ms, cost } = model({ cores: 2 });
    ms.load(0, A);
    ms.load(1, A);
    ms.store(0, A);
    expect(ms.load(1, A)).toBe(cost.remoteModified);
    ms.store(0, A + 8);
    expect(ms.lineState(A).states).toEqual(['M', 'I']);
  });
});

describe('coherence model: shape', () => {
  it('reads its geometry and topology from the profile', () => {
    const cfg = coherenceConfig(profile, 2, 64 * MiB);
    expect(cfg.l1).toEqual({ bytes: 32 * 1024, ways: 8 });
    expect(cfg.l2).toEqual({ bytes: 256 * 1024, ways: 8 });
    expect(cfg.l3).toEqual({ bytes: 30 * MiB, ways: 20 });
    expect(cfg.sockets).toBe(profile.topology.sockets.value);
    expect(cfg.coresPerSocket).toBe(profile.topology.coresPerSocket.value);
  });

  it('refuses more cores than the sharer mask holds and geometries that are not whole sets', () => {
    const costs = tickCosts(profile);
    expect(() => new CoherentMemorySystem(costs, coherenceConfig(profile, 33, 64 * MiB))).toThrow(/1\.\.32 cores/);
    const bad = { ...coherenceConfig(profile, 1, 64 * MiB), l1: { bytes: 32 * 1024, ways: 7 } };
    expect(() => new CoherentMemorySystem(costs, bad)).toThrow(/L1D/);
  });

  it('an uncached (UC) RAM access costs uncachedRam', () => {
    const { ms } = model();
    expect(ms.uncached(0, 0x1000)).toBe(ticks(profile, profile.memory.uncachedRam));
  });
});
