/**
 * Ethernet on the wire: how long a frame occupies a link, and a
 * point-to-point link that serializes frames one after another.
 *
 * A frame as software sees it (destination MAC through payload, without the
 * frame check sequence) is padded to the 60-byte minimum; on the wire it
 * carries a 4-byte FCS, is preceded by a 7-byte preamble and a 1-byte
 * start-of-frame delimiter, and is followed by at least 12 bytes of
 * inter-frame gap (IEEE 802.3, clause 3.1.1 "MAC frame format", clause 4.4.2
 * "interFrameGap 96 bits"). A 64-byte minimum frame thus takes 84 byte times:
 * 67.2 ns at 10 Gb/s, the 14.88 Mpps line rate.
 */
import type { Tick } from '../sim/time.js';

export const ETH_HEADER_BYTES = 14;
export const ETH_MIN_FRAME_BYTES = 60; // without the FCS
export const ETH_FCS_BYTES = 4;
export const ETH_PREAMBLE_SFD_BYTES = 8;
export const ETH_IFG_BYTES = 12;
export const ETH_MAX_FRAME_BYTES = 1514; // without the FCS, standard MTU 1500

/** Byte times a frame of `frameBytes` (without FCS) occupies on the wire, overhead included. */
export function wireBytes(frameBytes: number): number {
  return Math.max(frameBytes, ETH_MIN_FRAME_BYTES) + ETH_FCS_BYTES + ETH_PREAMBLE_SFD_BYTES + ETH_IFG_BYTES;
}

/**
 * One direction of a full-duplex link: frames leave in order, each after the
 * previous one has left (serialization), and arrive `latency` ticks after
 * their last bit left (propagation, PHYs and a cut-through switch hop).
 */
export class Link {
  /** When the link is free for the next frame's first bit. */
  private freeAt: Tick = 0;
  /** Frames and bytes sent (statistics). */
  frames = 0;
  bytes = 0;

  constructor(
    /** TSC ticks per bit: tscHz / line rate. */
    readonly ticksPerBit: number,
    readonly latency: Tick,
  ) {}

  /** Ticks the frame occupies the link. */
  occupancy(frameBytes: number): Tick { return wireBytes(frameBytes) * 8 * this.ticksPerBit; }

  /** A frame is ready to go at `ready`: returns when its last bit arrives at the far end. */
  send(frameBytes: number, ready: Tick): Tick {
    const start = Math.max(ready, this.freeAt);
    const end = start + this.occupancy(frameBytes);
    this.freeAt = end;
    this.frames++;
    this.bytes += frameBytes;
    return end + this.latency;
  }

  /** The time the link becomes free (the last frame's last bit has left). */
  get busyUntil(): Tick { return this.freeAt; }
}
