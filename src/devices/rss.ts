/**
 * Receive-side scaling (RSS): the Toeplitz hash a NIC computes over a
 * packet's addresses and ports, and the redirection table that maps the
 * hash to a receive queue.
 *
 * The hash is the one Microsoft specifies for NDIS ("RSS Hashing
 * Functions", Windows driver documentation) and the Intel 82599 implements
 * (82599 10 GbE Controller Datasheet §7.1.2.8): for each bit of the input,
 * most significant bit of the first byte first, XOR the leftmost 32 bits of
 * the 40-byte secret key into the result when the bit is 1, then shift the
 * key left by one bit. For IPv4 with ports the input is source address,
 * destination address, source port, destination port, in network byte
 * order (12 bytes); the 82599 hashes UDP the same way when MRQC enables it.
 */

/** Bytes of the RSS secret key (RSSRK: ten 32-bit registers). */
export const RSS_KEY_BYTES = 40;
/** Entries of the redirection table (RETA: 32 registers of four 8-bit entries). */
export const RETA_ENTRIES = 128;

/**
 * The key of the Microsoft/82599 RSS verification suite, which drivers
 * commonly program as their default key.
 */
export const RSS_VERIFICATION_KEY = Uint8Array.of(
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
);

/** Toeplitz hash of `input` (at most 36 bytes, so the key window never runs out) under a 40-byte key. */
export function toeplitzHash(key: Uint8Array, input: Uint8Array, length = input.length): number {
  if (key.length < RSS_KEY_BYTES) throw new RangeError(`the RSS key is ${RSS_KEY_BYTES} bytes, got ${key.length}`);
  if (length > RSS_KEY_BYTES - 4) throw new RangeError(`the Toeplitz input is at most ${RSS_KEY_BYTES - 4} bytes, got ${length}`);
  let result = 0;
  // `window` holds the leftmost 32 bits of the shifted key; the next key byte feeds it bit by bit.
  let window = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
  for (let i = 0; i < length; i++) {
    const b = input[i]!;
    const next = key[i + 4]!;
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) result ^= window;
      window = ((window << 1) | ((next >> bit) & 1)) >>> 0;
    }
  }
  return result >>> 0;
}

/** The 12-byte IPv4 + L4 hash input (addresses and ports as numbers in host order). */
export function rssInputIpv4(srcIp: number, dstIp: number, srcPort: number, dstPort: number, out = new Uint8Array(12)): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(0, srcIp >>> 0);
  dv.setUint32(4, dstIp >>> 0);
  dv.setUint16(8, srcPort);
  dv.setUint16(10, dstPort);
  return out;
}

/** A dotted IPv4 address as a number (host order). */
export function ipv4(dotted: string): number {
  const parts = dotted.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`not an IPv4 address: '${dotted}'`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}
