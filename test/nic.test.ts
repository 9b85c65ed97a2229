/**
 * The NIC (src/devices/nic.ts) driven through its registers, with the event
 * queue run by hand: RSS against the published verification suite, wire
 * timing from IEEE 802.3 framing and the profile's rates, descriptor rings,
 * drops, transmit, and DMA through the coherence model (DDIO).
 */
import { describe, expect, it } from 'vitest';
import { RSS_VERIFICATION_KEY, ipv4, rssInputIpv4, toeplitzHash } from '../src/devices/rss.js';
import { Link, wireBytes } from '../src/devices/ethernet.js';
import { DESC_BYTES, MRQC_IPV4, MRQC_IPV4_UDP, MRQC_RSS, NIC_BAR, NIC_REG, QREG, QUEUE_ENABLE, RSS_TYPE_IPV4_UDP, RXD_STAT_DD, RXD_STAT_EOP, TXD_CMD_EOP, TXD_CMD_RS, TXD_STAT_DD, nicTiming } from '../src/devices/nic.js';
import { Machine } from '../src/sim/machine.js';
import { loadProfile } from '../src/profile/load.js';
import { buildUdpFrame, parseUdpFrame, type Flow } from '../src/load/frames.js';
import type { NicEvent } from '../src/sim/events.js';
import type { CoherentMemorySystem } from '../src/memory/coherence.js';

const profile = loadProfile();
const tscHz = profile.clock.tscHz.value;

/**
 * The IPv4 rows of the RSS verification suite (Intel 82599 datasheet
 * §7.1.2.8.3; the same table as Microsoft's "Verifying the RSS Hash
 * Calculation"): destination and source address and port, the hash over
 * the addresses only and over addresses and ports.
 */
const VECTORS: [string, number, string, number, number, number][] = [
  ['161.142.100.80', 1766, '66.9.149.187', 2794, 0x323e8fc2, 0x51ccc178],
  ['65.69.140.83', 4739, '199.92.111.2', 14230, 0xd718262a, 0xc626b0ea],
  ['12.22.207.184', 38024, '24.19.198.95', 12898, 0xd2d0a5de, 0x5c2b394a],
  ['209.142.163.6', 2217, '38.27.205.30', 48228, 0x82989176, 0xafc7327f],
  ['202.188.127.2', 1303, '153.39.163.191', 44251, 0x5d1809c5, 0x10e828a2],
];

describe('RSS Toeplitz hash', () => {
  it('matches the verification suite for IPv4 and IPv4 with ports', () => {
    for (const [dst, dport, src, sport, h3, h4] of VECTORS) {
      const input = rssInputIpv4(ipv4(src), ipv4(dst), sport, dport);
      expect(toeplitzHash(RSS_VERIFICATION_KEY, input, 8), `${src} → ${dst}`).toBe(h3);
      expect(toeplitzHash(RSS_VERIFICATION_KEY, input), `${src}:${sport} → ${dst}:${dport}`).toBe(h4);
    }
  });
});

describe('Ethernet wire timing', () => {
  it('a minimum frame takes 84 byte times: 67.2 ns at 10 Gb/s, 16.8 ns at 40 Gb/s', () => {
    expect(wireBytes(42)).toBe(84);
    expect(wireBytes(60)).toBe(84);
    expect(wireBytes(90)).toBe(90 + 4 + 8 + 12);
    const t10 = nicTiming(profile, '10G');
    const t40 = nicTiming(profile, '40G');
    const link10 = new Link(t10.ticksPerBit, 0);
    expect(link10.occupancy(60) / tscHz * 1e9).toBeCloseTo(67.2, 9);
    expect(new Link(t40.ticksPerBit, 0).occupancy(60) / tscHz * 1e9).toBeCloseTo(16.8, 9);
  });

  it('serializes back-to-back frames and adds the wire latency', () => {
    const link = new Link(0.25, 100);
    // 90-byte frames: 114 byte times = 912 bits = 228 ticks each.
    expect(link.send(90, 1000)).toBe(1000 + 228 + 100);
    expect(link.send(90, 1000)).toBe(1000 + 2 * 228 + 100); // waits for the first
    expect(link.send(90, 5000)).toBe(5000 + 228 + 100); // the link was idle again
  });
});

// ------------------------------------------------------------------ the NIC

const RX_RING = 0x0100_0000;
const TX_RING = 0x0101_0000;
const BUFS = 0x0102_0000;

function machine(rxQueues = 2, txQueues = 2) {
  const m = new Machine({ cores: 2, memoryBytes: 512 * 2 ** 20, profile, nic: { rxQueues, txQueues } });
  const nic = m.nic!;
  const reg = (off: number, v: number) => nic.write(0, off, 4, v, 0);
  const events: NicEvent[] = [];
  m.events.on('nic', (e) => events.push(e));
  const drain = (until = Infinity) => { while (m.queue.length > 0 && m.queue.peekTick() <= until) m.queue.runNext(); };
  return { m, nic, reg, events, drain, dv: m.mem.dv, timing: nicTiming(profile) };
}

/** Program receive queue n with `count` descriptors, all but the last handed to the NIC (tail = count - 1). */
function setupRx(t: ReturnType<typeof machine>, n: number, count: number, give = count - 1) {
  const base = RX_RING + n * 0x1000;
  for (let i = 0; i < count; i++) {
    t.dv.setBigUint64(base + i * DESC_BYTES, BigInt(BUFS + (n * 64 + i) * 2048), true);
    t.dv.setBigUint64(base + i * DESC_BYTES + 8, 0n, true);
  }
  const q = NIC_REG.RX_BASE + 0x40 * n;
  t.reg(q + QREG.BAL, base); t.reg(q + QREG.BAH, 0); t.reg(q + QREG.LEN, count * DESC_BYTES);
  t.reg(q + QREG.H, 0); t.reg(q + QREG.DCTL, QUEUE_ENABLE); t.reg(q + QREG.T, give);
  return base;
}

function enableRss(t: ReturnType<typeof machine>, queues: number) {
  for (let i = 0; i < 40; i += 4) t.reg(NIC_REG.RSSRK + i, RSS_VERIFICATION_KEY[i]! | RSS_VERIFICATION_KEY[i + 1]! << 8 | RSS_VERIFICATION_KEY[i + 2]! << 16 | RSS_VERIFICATION_KEY[i + 3]! << 24);
  for (let i = 0; i < 128; i += 4) t.reg(NIC_REG.RETA + i, (i % queues) | ((i + 1) % queues) << 8 | ((i + 2) % queues) << 16 | ((i + 3) % queues) << 24);
  t.reg(NIC_REG.MRQC, MRQC_RSS | MRQC_IPV4 | MRQC_IPV4_UDP);
}

const flow = (src: string, sport: number, dst: string, dport: number): Flow => ({ srcMac: 0x020000000001n, dstMac: 0x020000000002n, srcIp: ipv4(src), dstIp: ipv4(dst), srcPort: sport, dstPort: dport });

describe('NIC receive', () => {
  it('RSS picks the queue RETA[hash & 127] gives and the write-back carries the hash, type, status and length', () => {
    const t = machine(2, 1);
    setupRx(t, 0, 8); setupRx(t, 1, 8);
    enableRss(t, 2);
    for (const [dst, dport, src, sport, , h4] of VECTORS) {
      const payload = new Uint8Array(48).fill(0xab);
      const frame = buildUdpFrame(flow(src, sport, dst, dport), payload);
      t.nic.fromWire(frame, 0);
      t.drain();
      const q = (h4 & 127) % 2;
      const rdh = t.nic.read(0, NIC_REG.RX_BASE + 0x40 * q + QREG.H, 4, new Int32Array(1));
      const d = RX_RING + q * 0x1000 + (rdh - 1) * DESC_BYTES;
      expect(t.dv.getUint32(d + 4, true) >>> 0, 'hash').toBe(h4);
      expect(t.dv.getUint32(d, true) & 0xf, 'RSS type').toBe(RSS_TYPE_IPV4_UDP);
      expect(t.dv.getUint32(d + 8, true) & 3).toBe(RXD_STAT_DD | RXD_STAT_EOP);
      expect(t.dv.getUint32(d + 12, true) & 0xffff).toBe(frame.length);
      const buf = BUFS + (q * 64 + rdh - 1) * 2048;
      expect(parseUdpFrame(t.m.mem.u8.slice(buf, buf + frame.length))!.srcPort).toBe(sport);
    }
  });

  it('a frame is in memory at ready + serialization + wire latency + DMA latency, in arrival order', () => {
    const t = machine(1, 1);
    setupRx(t, 0, 16);
    const f = buildUdpFrame(flow('10.0.0.1', 1000, '10.0.0.2', 1234), new Uint8Array(48));
    const occ = wireBytes(f.length) * 8 * t.timing.ticksPerBit;
    t.nic.fromWire(f, 1000);
    t.nic.fromWire(f, 1000);
    t.drain();
    const dma = t.events.filter((e) => e.what === 'rx-dma').map((e) => e.tick);
    // Each stage is a device event, which fires at the first 2^-8-tick grid point at or after its time
    // (docs/architecture.md, "Time and the global scheduler"): within a grid step per stage.
    expect(Number.isInteger(dma[0]! * 256)).toBe(true);
    expect(Math.abs(dma[0]! - (1000 + occ + t.timing.wireLatency + t.timing.rxDmaLatency))).toBeLessThanOrEqual(2 / 256);
    expect(Math.abs(dma[1]! - dma[0]! - occ)).toBeLessThanOrEqual(2 / 256);
  });

  it('frames wait in the packet buffer for descriptors, go when RDT moves, and beyond the buffer are dropped and counted', () => {
    const t = machine(1, 1);
    setupRx(t, 0, 8, 2); // two descriptors for the NIC
    const f = buildUdpFrame(flow('10.0.0.1', 1000, '10.0.0.2', 1234), new Uint8Array(48));
    for (let i = 0; i < 5; i++) t.nic.fromWire(f, 0);
    t.drain();
    expect(t.nic.stats.rxFrames).toBe(2);
    expect(t.nic.buffered).toBe(3);
    const now = t.m.queue.peekTick() === Infinity ? 1e6 : t.m.queue.peekTick();
    t.m.cores[0]!.time = now;
    t.reg(NIC_REG.RX_BASE + QREG.T, 6); // four more
    t.drain();
    expect(t.nic.stats.rxFrames).toBe(5);
    expect(t.nic.buffered).toBe(0);
    const last = t.events.filter((e) => e.what === 'rx-dma').at(-1)!.tick;
    expect(last).toBeCloseTo(now + t.timing.rxDmaLatency, 6);
    // Overflow: a ring with no free descriptor and more frames than the 512 KiB buffer holds.
    const u = machine(1, 1);
    setupRx(u, 0, 8, 0);
    const big = buildUdpFrame(flow('10.0.0.1', 1000, '10.0.0.2', 1234), new Uint8Array(1400));
    const fit = Math.floor(profile.nic.rxPacketBufferBytes.value / big.length);
    for (let i = 0; i < fit + 3; i++) u.nic.fromWire(big, 0);
    u.drain();
    expect(u.nic.stats.rxDrops).toBe(3);
    expect(u.nic.read(0, NIC_REG.MPC, 4, new Int32Array(1))).toBe(3);
    expect(u.nic.read(0, NIC_REG.MPC, 4, new Int32Array(1))).toBe(0); // clear on read
  });

  it('a bad ring stops the machine with the register named', () => {
    const t = machine(1, 1);
    const q = NIC_REG.RX_BASE;
    t.reg(q + QREG.BAL, RX_RING + 8); t.reg(q + QREG.LEN, 256); t.reg(q + QREG.DCTL, QUEUE_ENABLE);
    expect(t.m.stopped?.detail).toMatch(/receive queue 0: ring base 0x1000008 must be 128-byte aligned/);
  });
});

describe('NIC transmit', () => {
  it('a doorbell sends the frames after the DMA latency, serialized on the wire, and writes DD back for RS', () => {
    const t = machine(1, 2);
    const q = NIC_REG.TX_BASE + 0x40 * 1;
    t.reg(q + QREG.BAL, TX_RING); t.reg(q + QREG.LEN, 8 * DESC_BYTES); t.reg(q + QREG.DCTL, QUEUE_ENABLE);
    const f = buildUdpFrame(flow('10.0.0.2', 1234, '10.0.0.1', 1000), new Uint8Array(48));
    for (let i = 0; i < 2; i++) {
      t.m.mem.u8.set(f, BUFS + i * 2048);
      t.dv.setBigUint64(TX_RING + i * 16, BigInt(BUFS + i * 2048), true);
      t.dv.setUint32(TX_RING + i * 16 + 8, f.length | 0x3 << 20 | TXD_CMD_EOP | TXD_CMD_RS | 1 << 29, true);
      t.dv.setUint32(TX_RING + i * 16 + 12, 0, true);
    }
    const got: number[] = [];
    t.nic.onTransmit = (frame, tick) => { expect(frame).toEqual(f); got.push(tick); };
    t.m.cores[0]!.time = 5000;
    t.reg(q + QREG.T, 2);
    t.drain();
    const occ = wireBytes(f.length) * 8 * t.timing.ticksPerBit;
    // Device events fire on the 2^-8-tick grid (docs/architecture.md): within a grid step per stage.
    expect(Number.isInteger(got[0]! * 256)).toBe(true);
    expect(Math.abs(got[0]! - (5000 + t.timing.txDmaLatency + occ + t.timing.wireLatency))).toBeLessThanOrEqual(3 / 256);
    expect(Math.abs(got[1]! - got[0]! - occ)).toBeLessThanOrEqual(2 / 256);
    expect(t.dv.getUint32(TX_RING + 12, true) & TXD_STAT_DD).toBe(TXD_STAT_DD);
    expect(t.dv.getUint32(TX_RING + 16 + 12, true) & TXD_STAT_DD).toBe(TXD_STAT_DD);
    expect(t.nic.read(0, q + QREG.H, 4, new Int32Array(1))).toBe(2);
    expect(t.events.map((e) => e.what)).toEqual(['tx-doorbell', 'tx-dma', 'tx-dma', 'tx-wire', 'tx-wire']);
  });
});

describe('DMA and the caches (DDIO)', () => {
  it('a DMA write takes the line out of every core and leaves it in the L3; a DMA read of a Modified line leaves it Shared', () => {
    const t = machine(1, 1);
    const cms = t.m.memsys as CoherentMemorySystem;
    const d = setupRx(t, 0, 8);
    cms.store(1, d); // core 1 has the first descriptor's line Modified
    expect(cms.lineState(d).states[1]).toBe('M');
    t.nic.fromWire(buildUdpFrame(flow('10.0.0.1', 1000, '10.0.0.2', 1234), new Uint8Array(48)), 0);
    t.drain();
    const s = cms.lineState(d);
    expect(s.states).toEqual(['I', 'I']);
    expect(s.inL3[0]).toBe(true);
    // The core's next load of the descriptor is an L3 hit, not DRAM.
    const l3 = profile.memory.l3Hit.cycles * tscHz / profile.clock.coreHz.value;
    expect(cms.load(1, d)).toBe(l3);
    cms.store(1, BUFS + 0x100000);
    expect(cms.lineState(BUFS + 0x100000).states[1]).toBe('M');
    cms.deviceRead(BUFS + 0x100000, 64);
    expect(cms.lineState(BUFS + 0x100000).states[1]).toBe('S');
  });

  it('DMA allocations are confined to the DDIO ways of an L3 set', () => {
    const t = machine(1, 1);
    const cms = t.m.memsys as CoherentMemorySystem;
    const ways = profile.memory.l3Ways.value;
    const sets = profile.memory.l3BytesPerSocket.value / 64 / ways;
    // Fill one L3 set with lines core 0 reads, then DMA into more lines of the same set.
    const stride = sets * 64;
    for (let i = 0; i < ways; i++) cms.load(0, 0x0200_0000 + i * stride);
    for (let i = 0; i < 5; i++) cms.deviceWrite(0x0200_0000 + (ways + i) * stride, 64, 0, profile.nic.ddioWays.value);
    let coreLinesLeft = 0;
    for (let i = 0; i < ways; i++) if (cms.lineState(0x0200_0000 + i * stride).inL3[0]) coreLinesLeft++;
    expect(coreLinesLeft).toBe(ways - profile.nic.ddioWays.value);
    void NIC_BAR;
  });
});
