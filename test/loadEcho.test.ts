/**
 * The client and the NIC end to end with a trivial guest (guest/shinjuku/
 * echo.c): every request comes back, each latency is the wire and DMA path
 * the profile and IEEE 802.3 framing give plus a little guest work, and the
 * run is deterministic — with spin detection on and off (the echo server
 * sleeps on its receive descriptor and is woken by the NIC's DMA).
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { loadProfile } from '../src/profile/load.js';
import { runLoad } from '../src/load/harness.js';
import { parseDist } from '../src/load/dist.js';
import { nicTiming } from '../src/devices/nic.js';
import { wireBytes } from '../src/devices/ethernet.js';
import { REQUEST_FRAME_BYTES } from '../src/load/frames.js';

const profile = loadProfile();
const image = buildGuestImage({ name: 'shinjuku-echo', sources: ['guest/shinjuku/echo.c'] });

function echo(opts: { rate: number; requests: number; arrival?: 'poisson' | 'constant'; seed?: number; spinDetection?: boolean }) {
  return runLoad({
    image, cores: 1, memoryBytes: 512 * 2 ** 20, profile, spinDetection: opts.spinDetection,
    nic: { rxQueues: 1, txQueues: 1 },
    client: { dist: parseDist('fixed:1'), rate: opts.rate, requests: opts.requests, arrival: opts.arrival ?? 'constant', ports: [1234], seed: opts.seed ?? 1, warmupFraction: 0 },
  });
}

describe('echo server on the NIC', () => {
  it('answers every request; at low load each latency is the hardware path plus a little guest work', () => {
    const r = echo({ rate: 50_000, requests: 60 });
    expect(r.stop).toBeNull();
    expect(r.client.repliedCount).toBe(60);
    expect(r.client.timeouts).toBe(0);
    const t = nicTiming(profile);
    const occupancy = wireBytes(REQUEST_FRAME_BYTES) * 8 * t.ticksPerBit;
    // Request: serialization + wire + receive DMA; reply: transmit DMA + serialization + wire.
    const floor = 2 * (occupancy + t.wireLatency) + t.rxDmaLatency + t.txDmaLatency;
    const guestBound = 3000; // ticks: poll, copy 90 bytes, swap, descriptor, doorbell, refill — well under 1.5 µs
    for (let i = 0; i < 60; i++) {
      const lat = r.client.replied[i]! - r.client.sent[i]!;
      expect(lat).toBeGreaterThan(floor);
      expect(lat - floor).toBeLessThan(guestBound);
    }
  });

  it('is deterministic, and spin detection (woken by DMA) changes no tick', () => {
    const a = echo({ rate: 300_000, requests: 80, arrival: 'poisson', seed: 7 });
    const b = echo({ rate: 300_000, requests: 80, arrival: 'poisson', seed: 7 });
    const c = echo({ rate: 300_000, requests: 80, arrival: 'poisson', seed: 7, spinDetection: false });
    expect(a.client.repliedCount).toBe(80);
    expect(Array.from(b.client.replied)).toEqual(Array.from(a.client.replied));
    expect(Array.from(c.client.replied)).toEqual(Array.from(a.client.replied));
    expect(a.machine.spin.sleeps).toBeGreaterThan(0);
    expect(c.machine.cores[0]!.time).toBe(a.machine.cores[0]!.time);
    expect(c.machine.cores[0]!.instructions).toBe(a.machine.cores[0]!.instructions);
    const d = echo({ rate: 300_000, requests: 80, arrival: 'poisson', seed: 8 });
    expect(Array.from(d.client.sent)).not.toEqual(Array.from(a.client.sent));
  });
});
