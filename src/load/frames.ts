/**
 * The load generator's packets: Ethernet II + IPv4 + UDP frames carrying
 * one request or reply (the layout guest/shinjuku/proto.h mirrors).
 *
 * Request payload (little-endian, REQUEST_BYTES):
 *   0  u64 id          the client's request number
 *   8  u64 arg0        synthetic server: service time in ns; key-value store: operation (GET 0, SCAN 1)
 *  16  u64 arg1        key-value store: first key; SCAN: number of keys in bits 63:32 (0 otherwise)
 *  24  u64 sent        the client's send tick (echoed; the client keeps its own copy)
 *  32  u32 preemptions the reply: how often the request was preempted
 *  36  u32 worker      the reply: the worker that finished it
 *  40  u64 result      the reply: application result (checksum of the values read)
 * A reply is the request's payload with the reply fields filled in, sent
 * back with addresses and ports swapped (as Shinjuku's synthetic server does).
 */
import { ETH_HEADER_BYTES } from '../devices/ethernet.js';

export const IPV4_HEADER_BYTES = 20;
export const UDP_HEADER_BYTES = 8;
export const REQUEST_BYTES = 48;
export const PAYLOAD_OFFSET = ETH_HEADER_BYTES + IPV4_HEADER_BYTES + UDP_HEADER_BYTES;
export const REQUEST_FRAME_BYTES = PAYLOAD_OFFSET + REQUEST_BYTES;

export interface Flow {
  srcMac: bigint; dstMac: bigint;
  srcIp: number; dstIp: number;
  srcPort: number; dstPort: number;
}

/** RFC 1071 Internet checksum of `len` bytes at `off`. */
export function ipChecksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet II / IPv4 / UDP frame (no FCS) around `payload`. The UDP checksum is 0 (none), which IPv4 allows (RFC 768). */
export function buildUdpFrame(flow: Flow, payload: Uint8Array, ipId = 0): Uint8Array {
  const f = new Uint8Array(PAYLOAD_OFFSET + payload.length);
  const dv = new DataView(f.buffer);
  for (let i = 0; i < 6; i++) {
    f[i] = Number((flow.dstMac >> BigInt(8 * (5 - i))) & 0xffn);
    f[6 + i] = Number((flow.srcMac >> BigInt(8 * (5 - i))) & 0xffn);
  }
  dv.setUint16(12, 0x0800); // EtherType IPv4
  const ip = ETH_HEADER_BYTES;
  f[ip] = 0x45; // version 4, IHL 5
  f[ip + 1] = 0;
  dv.setUint16(ip + 2, IPV4_HEADER_BYTES + UDP_HEADER_BYTES + payload.length);
  dv.setUint16(ip + 4, ipId & 0xffff);
  dv.setUint16(ip + 6, 0x4000); // don't fragment
  f[ip + 8] = 64; // TTL
  f[ip + 9] = 17; // UDP
  dv.setUint32(ip + 12, flow.srcIp >>> 0);
  dv.setUint32(ip + 16, flow.dstIp >>> 0);
  dv.setUint16(ip + 10, ipChecksum(f, ip, IPV4_HEADER_BYTES));
  const udp = ip + IPV4_HEADER_BYTES;
  dv.setUint16(udp, flow.srcPort);
  dv.setUint16(udp + 2, flow.dstPort);
  dv.setUint16(udp + 4, UDP_HEADER_BYTES + payload.length);
  f.set(payload, PAYLOAD_OFFSET);
  return f;
}

export interface ParsedUdp { srcIp: number; dstIp: number; srcPort: number; dstPort: number; payload: Uint8Array; }

/** Parse an Ethernet II / IPv4 / UDP frame; null for anything else or a bad IPv4 header checksum. */
export function parseUdpFrame(f: Uint8Array): ParsedUdp | null {
  if (f.length < PAYLOAD_OFFSET) return null;
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  if (dv.getUint16(12) !== 0x0800 || (f[14]! >> 4) !== 4) return null;
  const ihl = (f[14]! & 0xf) * 4;
  if (f[14 + 9] !== 17 || ipChecksum(f, 14, ihl) !== 0) return null;
  const udp = 14 + ihl;
  const len = dv.getUint16(udp + 4);
  if (len < UDP_HEADER_BYTES || udp + len > f.length) return null;
  return {
    srcIp: dv.getUint32(26), dstIp: dv.getUint32(30),
    srcPort: dv.getUint16(udp), dstPort: dv.getUint16(udp + 2),
    payload: f.subarray(udp + UDP_HEADER_BYTES, udp + len),
  };
}
