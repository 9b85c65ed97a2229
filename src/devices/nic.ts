/**
 * A multi-queue 10/40 GbE NIC modelled on the Intel 82599 (Intel 82599 10
 * GbE Controller Datasheet; the paper's server NIC, NSDI'19 §4.1): receive
 * and transmit descriptor rings in guest memory, doorbells by MMIO, DMA
 * through the coherence model (writes land in the L3, as DDIO does), RSS
 * with a Toeplitz hash over the UDP/IPv4 5-tuple and a redirection table,
 * wire timing at the line rate, and no interrupts: drivers poll, as
 * Shinjuku's networking thread does. The programming interface is the
 * 82599's, reduced to what a polling driver uses (docs/architecture.md
 * "The NIC" has the register map and descriptor formats):
 *
 *  - registers: RDBAL/RDBAH/RDLEN/RDH/RDT/SRRCTL/RXDCTL per receive queue
 *    (0x01000 + 0x40·n), TDBAL/TDBAH/TDLEN/TDH/TDT/TXDCTL per transmit
 *    queue (0x06000 + 0x40·n), MRQC (0x0EC80), RETA (0x0EB00, 32 registers
 *    of four entries), RSSRK (0x0EB80, ten registers), the counters GPRC,
 *    GPTC and MPC (read to clear), STATUS (link up);
 *  - receive descriptors: 16 bytes, the 82599 "advanced" format: the driver
 *    writes the buffer address in the first quadword and zero in the second;
 *    the NIC writes back RSS type and packet type (dword 0), the RSS hash
 *    (dword 1), status DD|EOP (dword 2) and the length (dword 3);
 *  - transmit descriptors: 16 bytes, buffer address, then DTALEN [15:0] and
 *    DCMD [31:24] (EOP bit 24, RS bit 27) in dword 2 — the same positions in
 *    the legacy and advanced data formats; with RS the NIC writes the
 *    descriptor back with STA.DD (dword 3 bit 0) once it has fetched the data.
 *
 * Timing. A frame handed to the NIC by the far end (`fromWire`) crosses the
 * receive link (serialization at the line rate, then the wire latency); once
 * fully received it waits in the packet buffer for a descriptor, and its data
 * and write-back descriptor reach memory `rxDmaLatency` later. A doorbell (a
 * TDT write) makes the NIC fetch descriptors and data `txDmaLatency` later;
 * the frames then cross the transmit link to the far end (`onTransmit`).
 * Everything happens in device events, so it is deterministic.
 */
import type { MmioDevice, PhysicalMemory } from '../memory/physical.js';
import type { EventQueue } from '../sim/scheduler.js';
import type { EventStream, NicEvent } from '../sim/events.js';
import { toGrid, type Tick } from '../sim/time.js';
import type { Profile } from '../profile/schema.js';
import { Link, ETH_MAX_FRAME_BYTES } from './ethernet.js';
import { RETA_ENTRIES, RSS_KEY_BYTES, rssInputIpv4, toeplitzHash } from './rss.js';

/** Physical address of the NIC's register BAR (in the 3–4 GiB MMIO window, below the I/O APIC). */
export const NIC_BAR = 0xfe000000;
export const NIC_BAR_BYTES = 0x20000;

/** Register offsets (82599 datasheet §8.2.3). */
export const NIC_REG = {
  CTRL: 0x00000,
  STATUS: 0x00008,
  /** Receive queue n: base + 0x40·n. */
  RX_BASE: 0x01000,
  TX_BASE: 0x06000,
  MPC: 0x03fa0,
  GPRC: 0x04074,
  GPTC: 0x04080,
  RETA: 0x0eb00,
  RSSRK: 0x0eb80,
  MRQC: 0x0ec80,
} as const;
/** Offsets inside a queue's 0x40-byte register block. */
export const QREG = { BAL: 0x00, BAH: 0x04, LEN: 0x08, H: 0x10, SRRCTL: 0x14, T: 0x18, DCTL: 0x28 } as const;
/** RXDCTL/TXDCTL.ENABLE. */
export const QUEUE_ENABLE = 1 << 25;
/** STATUS.LU: link up. */
export const STATUS_LU = 1 << 7;
/** MRQC.MRQE = 0001b: RSS on; field enables for IPv4 and UDP over IPv4. */
export const MRQC_RSS = 0x1;
export const MRQC_IPV4 = 1 << 17;
export const MRQC_IPV4_TCP = 1 << 16;
export const MRQC_IPV4_UDP = 1 << 22;

/** Receive write-back status and transmit command bits. */
export const RXD_STAT_DD = 1 << 0;
export const RXD_STAT_EOP = 1 << 1;
export const TXD_CMD_EOP = 1 << 24;
export const TXD_CMD_RS = 1 << 27;
export const TXD_STAT_DD = 1 << 0;
/** RSS types in the receive write-back (dword 0, bits 3:0). */
export const RSS_TYPE_NONE = 0;
export const RSS_TYPE_IPV4 = 2;
export const RSS_TYPE_IPV4_UDP = 7;

export const DESC_BYTES = 16;
const MAX_QUEUES = 64;

export interface NicTiming {
  /** TSC ticks per bit on the wire. */
  ticksPerBit: number;
  wireLatency: Tick;
  rxDmaLatency: Tick;
  txDmaLatency: Tick;
  mmioAccess: Tick;
  rxPacketBufferBytes: number;
  ddioWays: number;
}

export type LineRate = '10G' | '40G';

/** The NIC's timing from the profile, in TSC ticks. */
export function nicTiming(p: Profile, rate: LineRate = '10G'): NicTiming {
  const tscHz = p.clock.tscHz.value;
  const perNs = tscHz / 1e9;
  const bps = rate === '40G' ? p.nic.lineRate40G.value : p.nic.lineRate10G.value;
  return {
    ticksPerBit: tscHz / bps,
    wireLatency: p.nic.wireLatencyNs.value * perNs,
    rxDmaLatency: p.nic.rxDmaLatencyNs.value * perNs,
    txDmaLatency: p.nic.txDmaLatencyNs.value * perNs,
    mmioAccess: toGrid(p.nic.mmioAccess.cycles * (tscHz / p.clock.coreHz.value)), // a core's cost: on the time grid
    rxPacketBufferBytes: p.nic.rxPacketBufferBytes.value,
    ddioWays: p.nic.ddioWays.value,
  };
}

/** How the NIC's DMA reaches memory: the machine routes it through the coherence model and wakes pollers. */
export interface DmaPort {
  /** The device wrote [pa, pa+bytes) at `tick` (the bytes are already in RAM). */
  write(pa: number, bytes: number, tick: Tick): void;
  /** The device read [pa, pa+bytes) (snoops Modified copies). */
  read(pa: number, bytes: number): void;
}

export interface NicConfig {
  rxQueues: number;
  txQueues: number;
  timing: NicTiming;
}

interface RxQueue {
  bal: number; bah: number; len: number; head: number; tail: number; srrctl: number; dctl: number;
  /** Frames received, waiting for a descriptor (in arrival order) and the tick each may be written. */
  pending: { frame: Uint8Array; hash: number; rssType: number; readyAt: Tick }[];
}
interface TxQueue { bal: number; bah: number; len: number; head: number; tail: number; dctl: number; }

export class Nic implements MmioDevice {
  readonly name = 'NIC (82599-like)';
  readonly accessCost: Tick;
  /** The receive link (far end → NIC) and the transmit link (NIC → far end). */
  readonly rxLink: Link;
  readonly txLink: Link;
  /** Frames leaving the NIC: called when a frame's last bit reaches the far end (in a device event at `tick`). */
  onTransmit: ((frame: Uint8Array, tick: Tick) => void) | null = null;
  /** A driver programmed something the NIC cannot do: the machine stops with this message. */
  onError: (message: string) => void = (m) => { throw new Error(m); };
  /** Counters (also readable by the guest as GPRC/GPTC/MPC, which clear on read). */
  readonly stats = { rxFrames: 0, rxDrops: 0, txFrames: 0 };
  private gprc = 0; private gptc = 0; private mpc = 0;
  private readonly rx: RxQueue[] = [];
  private readonly tx: TxQueue[] = [];
  private mrqc = 0;
  private readonly reta = new Uint8Array(RETA_ENTRIES);
  private readonly key = new Uint8Array(RSS_KEY_BYTES);
  private bufferedBytes = 0;
  private readonly hashIn = new Uint8Array(12);

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly dma: DmaPort,
    private readonly queue: EventQueue,
    private readonly events: EventStream,
    /** Each core's clock (an MMIO write happens at the writing core's time). */
    private readonly coreTime: (core: number) => Tick,
    readonly config: NicConfig,
  ) {
    if (!Number.isInteger(config.rxQueues) || config.rxQueues < 1 || config.rxQueues > 16) throw new RangeError(`the NIC has 1..16 receive queues (RSS), got ${config.rxQueues}`);
    if (!Number.isInteger(config.txQueues) || config.txQueues < 1 || config.txQueues > MAX_QUEUES) throw new RangeError(`the NIC has 1..${MAX_QUEUES} transmit queues, got ${config.txQueues}`);
    const t = config.timing;
    this.accessCost = t.mmioAccess;
    this.rxLink = new Link(t.ticksPerBit, t.wireLatency);
    this.txLink = new Link(t.ticksPerBit, t.wireLatency);
    for (let i = 0; i < config.rxQueues; i++) this.rx.push({ bal: 0, bah: 0, len: 0, head: 0, tail: 0, srrctl: 2, dctl: 0, pending: [] });
    for (let i = 0; i < config.txQueues; i++) this.tx.push({ bal: 0, bah: 0, len: 0, head: 0, tail: 0, dctl: 0 });
  }

  // ------------------------------------------------------------- registers

  read(_core: number, offset: number, _size: number, hiOut: Int32Array): number {
    hiOut[0] = 0;
    const off = offset & ~3;
    if (off === NIC_REG.STATUS) return STATUS_LU;
    if (off === NIC_REG.GPRC) { const v = this.gprc; this.gprc = 0; return v | 0; }
    if (off === NIC_REG.GPTC) { const v = this.gptc; this.gptc = 0; return v | 0; }
    if (off === NIC_REG.MPC) { const v = this.mpc; this.mpc = 0; return v | 0; }
    if (off === NIC_REG.MRQC) return this.mrqc | 0;
    if (off >= NIC_REG.RETA && off < NIC_REG.RETA + RETA_ENTRIES) {
      const i = off - NIC_REG.RETA;
      return (this.reta[i]! | (this.reta[i + 1]! << 8) | (this.reta[i + 2]! << 16) | (this.reta[i + 3]! << 24)) | 0;
    }
    if (off >= NIC_REG.RSSRK && off < NIC_REG.RSSRK + RSS_KEY_BYTES) {
      const i = off - NIC_REG.RSSRK;
      return (this.key[i]! | (this.key[i + 1]! << 8) | (this.key[i + 2]! << 16) | (this.key[i + 3]! << 24)) | 0;
    }
    const rq = this.queueReg(off, NIC_REG.RX_BASE, this.rx.length);
    if (rq) {
      const q = this.rx[rq.n]!;
      switch (rq.reg) {
        case QREG.BAL: return q.bal | 0;
        case QREG.BAH: return q.bah | 0;
        case QREG.LEN: return q.len | 0;
        case QREG.H: return q.head;
        case QREG.T: return q.tail;
        case QREG.SRRCTL: return q.srrctl | 0;
        case QREG.DCTL: return q.dctl | 0;
      }
      return 0;
    }
    const tq = this.queueReg(off, NIC_REG.TX_BASE, this.tx.length);
    if (tq) {
      const q = this.tx[tq.n]!;
      switch (tq.reg) {
        case QREG.BAL: return q.bal | 0;
        case QREG.BAH: return q.bah | 0;
        case QREG.LEN: return q.len | 0;
        case QREG.H: return q.head;
        case QREG.T: return q.tail;
        case QREG.DCTL: return q.dctl | 0;
      }
    }
    return 0; // unimplemented registers read as 0 (interrupt causes, flow control...: polled mode)
  }

  write(core: number, offset: number, size: number, lo: number, _hi: number): void {
    if (size < 4 || (offset & 3) !== 0) return; // registers take aligned 32-bit writes (datasheet §8.1)
    const v = lo >>> 0;
    if (offset === NIC_REG.MRQC) { this.mrqc = v; return; }
    if (offset >= NIC_REG.RETA && offset < NIC_REG.RETA + RETA_ENTRIES) {
      // Four 8-bit entries per register; the queue index is the entry's low 4 bits (16 RSS queues).
      for (let b = 0; b < 4; b++) this.reta[offset - NIC_REG.RETA + b] = (v >>> (8 * b)) & 0xf;
      return;
    }
    if (offset >= NIC_REG.RSSRK && offset < NIC_REG.RSSRK + RSS_KEY_BYTES) {
      // RSSRK(0) bits 7:0 hold key byte 0 (the first byte hashed), and so on.
      for (let b = 0; b < 4; b++) this.key[offset - NIC_REG.RSSRK + b] = (v >>> (8 * b)) & 0xff;
      return;
    }
    const tick = this.coreTime(core);
    const rq = this.queueReg(offset, NIC_REG.RX_BASE, this.rx.length);
    if (rq) { this.writeRx(rq.n, rq.reg, v, tick); return; }
    const tq = this.queueReg(offset, NIC_REG.TX_BASE, this.tx.length);
    if (tq) this.writeTx(tq.n, tq.reg, v, tick);
  }

  private queueReg(off: number, base: number, count: number): { n: number; reg: number } | null {
    if (off < base || off >= base + 0x40 * count) return null;
    return { n: (off - base) >> 6, reg: (off - base) & 0x3f };
  }

  private writeRx(n: number, reg: number, v: number, tick: Tick): void {
    const q = this.rx[n]!;
    switch (reg) {
      case QREG.BAL: q.bal = v; break;
      case QREG.BAH: q.bah = v; break;
      case QREG.LEN: q.len = v; break;
      case QREG.H: q.head = v % Math.max(1, this.ringSize(q.len)); break;
      case QREG.SRRCTL: q.srrctl = v; break;
      case QREG.DCTL:
        if ((v & QUEUE_ENABLE) && !(q.dctl & QUEUE_ENABLE)) this.checkRing('receive', n, q.bal, q.bah, q.len);
        q.dctl = v;
        break;
      case QREG.T: {
        const size = this.ringSize(q.len);
        if (size === 0 || v >= size) { this.onError(`NIC receive queue ${n}: RDT ${v} is outside the ring of ${size} descriptors (RDLEN ${q.len})`); return; }
        q.tail = v;
        // New descriptors: frames waiting in the packet buffer can go once the NIC has fetched them.
        if (q.pending.length > 0) this.queue.schedule(tick + this.config.timing.rxDmaLatency, (t) => this.deliver(n, t), 0, `NIC rx queue ${n}: descriptors refilled`);
        break;
      }
    }
  }

  private writeTx(n: number, reg: number, v: number, tick: Tick): void {
    const q = this.tx[n]!;
    switch (reg) {
      case QREG.BAL: q.bal = v; break;
      case QREG.BAH: q.bah = v; break;
      case QREG.LEN: q.len = v; break;
      case QREG.H: q.head = v % Math.max(1, this.ringSize(q.len)); break;
      case QREG.DCTL:
        if ((v & QUEUE_ENABLE) && !(q.dctl & QUEUE_ENABLE)) this.checkRing('transmit', n, q.bal, q.bah, q.len);
        q.dctl = v;
        break;
      case QREG.T: {
        const size = this.ringSize(q.len);
        if (size === 0 || v >= size) { this.onError(`NIC transmit queue ${n}: TDT ${v} is outside the ring of ${size} descriptors (TDLEN ${q.len})`); return; }
        if (!(q.dctl & QUEUE_ENABLE)) { this.onError(`NIC transmit queue ${n}: TDT written while TXDCTL.ENABLE is clear`); return; }
        q.tail = v;
        if (this.events.wants.nic) this.emit(tick, 'tx-doorbell', n, 0);
        this.queue.schedule(tick + this.config.timing.txDmaLatency, (t) => this.transmit(n, v, t), 0, `NIC tx queue ${n}: fetch up to descriptor ${v}`);
        break;
      }
    }
  }

  private ringSize(len: number): number { return Math.floor(len / DESC_BYTES); }

  private ringBase(bal: number, bah: number): number { return bah * 2 ** 32 + bal; }

  private checkRing(kind: string, n: number, bal: number, bah: number, len: number): void {
    const base = this.ringBase(bal, bah);
    // 82599 datasheet §8.2.3.8.1/§8.2.3.9.5: the ring base is 128-byte aligned and its length a multiple of 128.
    if (len === 0 || len % 128 !== 0) this.onError(`NIC ${kind} queue ${n}: ring length ${len} must be a non-zero multiple of 128 bytes`);
    else if (base % 128 !== 0) this.onError(`NIC ${kind} queue ${n}: ring base 0x${base.toString(16)} must be 128-byte aligned`);
    else if (base + len > this.mem.ramBytes) this.onError(`NIC ${kind} queue ${n}: ring 0x${base.toString(16)}+${len} is not in RAM`);
  }

  // ---------------------------------------------------------------- receive

  /**
   * The far end sends `frame` (destination MAC onwards, no FCS); its first
   * bit can leave at `ready`. It crosses the receive link and is handled
   * when its last bit has arrived.
   */
  fromWire(frame: Uint8Array, ready: Tick): void {
    if (frame.length > ETH_MAX_FRAME_BYTES) throw new RangeError(`frame of ${frame.length} bytes exceeds the ${ETH_MAX_FRAME_BYTES}-byte maximum`);
    const arrival = this.rxLink.send(frame.length, ready);
    this.queue.schedule(arrival, (t) => this.arrive(frame, t), 0, 'NIC: frame received');
  }

  private arrive(frame: Uint8Array, tick: Tick): void {
    const { queue: n, hash, rssType } = this.classify(frame);
    if (this.events.wants.nic) this.emit(tick, 'rx-wire', n, frame.length);
    const q = this.rx[n]!;
    if (this.bufferedBytes + frame.length > this.config.timing.rxPacketBufferBytes || !(q.dctl & QUEUE_ENABLE)) {
      this.stats.rxDrops++;
      this.mpc++;
      if (this.events.wants.nic) this.emit(tick, 'rx-drop', n, frame.length);
      return;
    }
    this.bufferedBytes += frame.length;
    const readyAt = tick + this.config.timing.rxDmaLatency;
    q.pending.push({ frame, hash, rssType, readyAt });
    this.queue.schedule(readyAt, (t) => this.deliver(n, t), 0, `NIC rx queue ${n}: DMA`);
  }

  /** RSS: the queue the redirection table gives the frame's hash (queue 0 when RSS is off or the frame is not IPv4). */
  classify(frame: Uint8Array): { queue: number; hash: number; rssType: number } {
    if ((this.mrqc & 0xf) !== MRQC_RSS || frame.length < 34) return { queue: 0, hash: 0, rssType: RSS_TYPE_NONE };
    const etherType = (frame[12]! << 8) | frame[13]!;
    if (etherType !== 0x0800 || (frame[14]! >> 4) !== 4) return { queue: 0, hash: 0, rssType: RSS_TYPE_NONE };
    const ihl = (frame[14]! & 0xf) * 4;
    const proto = frame[23]!;
    const src = ((frame[26]! << 24) | (frame[27]! << 16) | (frame[28]! << 8) | frame[29]!) >>> 0;
    const dst = ((frame[30]! << 24) | (frame[31]! << 16) | (frame[32]! << 8) | frame[33]!) >>> 0;
    const fragmented = (((frame[20]! << 8) | frame[21]!) & 0x3fff) !== 0;
    let hash: number;
    let rssType: number;
    const l4 = 14 + ihl;
    if (proto === 17 && (this.mrqc & MRQC_IPV4_UDP) && !fragmented && frame.length >= l4 + 4) {
      const sp = (frame[l4]! << 8) | frame[l4 + 1]!;
      const dp = (frame[l4 + 2]! << 8) | frame[l4 + 3]!;
      hash = toeplitzHash(this.key, rssInputIpv4(src, dst, sp, dp, this.hashIn));
      rssType = RSS_TYPE_IPV4_UDP;
    } else if (this.mrqc & MRQC_IPV4) {
      hash = toeplitzHash(this.key, rssInputIpv4(src, dst, 0, 0, this.hashIn), 8);
      rssType = RSS_TYPE_IPV4;
    } else {
      return { queue: 0, hash: 0, rssType: RSS_TYPE_NONE };
    }
    // The redirection table is indexed by the hash's 7 least significant bits (datasheet §7.1.2.8.1).
    const queue = this.reta[hash & (RETA_ENTRIES - 1)]!;
    return { queue: queue < this.rx.length ? queue : 0, hash, rssType };
  }

  /** Write waiting frames whose DMA time has come into the queue's free descriptors. */
  private deliver(n: number, tick: Tick): void {
    const q = this.rx[n]!;
    const size = this.ringSize(q.len);
    const base = this.ringBase(q.bal, q.bah);
    const bufBytes = (q.srrctl & 0x1f) * 1024 || 2048;
    while (q.pending.length > 0 && q.pending[0]!.readyAt <= tick && q.head !== q.tail && size > 0) {
      const p = q.pending.shift()!;
      this.bufferedBytes -= p.frame.length;
      const d = base + q.head * DESC_BYTES;
      this.dma.read(d, DESC_BYTES);
      const dv = this.mem.dv;
      const buf = dv.getUint32(d, true) + dv.getUint32(d + 4, true) * 2 ** 32;
      if (p.frame.length > bufBytes) { this.onError(`NIC receive queue ${n}: a ${p.frame.length}-byte frame does not fit the ${bufBytes}-byte buffers (SRRCTL.BSIZEPACKET)`); return; }
      if (buf + p.frame.length > this.mem.ramBytes) { this.onError(`NIC receive queue ${n}: descriptor ${q.head} points at 0x${buf.toString(16)}, not in RAM`); return; }
      this.mem.u8.set(p.frame, buf);
      this.codeWritten(buf, p.frame.length);
      this.dma.write(buf, p.frame.length, tick);
      // Write-back format (datasheet §7.1.6.2): packet type IPv4+UDP, RSS type, hash, DD|EOP, length.
      const ptype = p.rssType === RSS_TYPE_IPV4_UDP ? 0x21 : p.rssType === RSS_TYPE_IPV4 ? 0x01 : 0;
      dv.setUint32(d, (ptype << 4) | p.rssType, true);
      dv.setUint32(d + 4, p.hash, true);
      dv.setUint32(d + 8, RXD_STAT_DD | RXD_STAT_EOP, true);
      dv.setUint32(d + 12, p.frame.length, true);
      this.dma.write(d, DESC_BYTES, tick);
      q.head = (q.head + 1) % size;
      this.stats.rxFrames++;
      this.gprc++;
      if (this.events.wants.nic) this.emit(tick, 'rx-dma', n, p.frame.length);
    }
  }

  // --------------------------------------------------------------- transmit

  /** The NIC fetches queue n's descriptors up to (not including) `tail`, as the doorbell said, and sends the frames. */
  private transmit(n: number, tail: number, tick: Tick): void {
    const q = this.tx[n]!;
    const size = this.ringSize(q.len);
    const base = this.ringBase(q.bal, q.bah);
    const dv = this.mem.dv;
    let parts: Uint8Array[] = [];
    while (q.head !== tail && size > 0) {
      const d = base + q.head * DESC_BYTES;
      this.dma.read(d, DESC_BYTES);
      const buf = dv.getUint32(d, true) + dv.getUint32(d + 4, true) * 2 ** 32;
      const cmd = dv.getUint32(d + 8, true);
      const len = cmd & 0xffff;
      const dtyp = (cmd >>> 20) & 0xf;
      if ((cmd & (1 << 29)) && dtyp !== 0x3) { this.onError(`NIC transmit queue ${n}: descriptor ${q.head} has DTYP ${dtyp}; only data descriptors (0011b) are supported, not context descriptors`); return; }
      if (buf + len > this.mem.ramBytes) { this.onError(`NIC transmit queue ${n}: descriptor ${q.head} points at 0x${buf.toString(16)}+${len}, not in RAM`); return; }
      this.dma.read(buf, len);
      parts.push(this.mem.u8.slice(buf, buf + len));
      if (cmd & TXD_CMD_RS) {
        dv.setUint32(d, 0, true); dv.setUint32(d + 4, 0, true); dv.setUint32(d + 8, 0, true);
        dv.setUint32(d + 12, TXD_STAT_DD, true);
        this.dma.write(d, DESC_BYTES, tick);
      }
      q.head = (q.head + 1) % size;
      if (cmd & TXD_CMD_EOP) {
        const frame = parts.length === 1 ? parts[0]! : concat(parts);
        parts = [];
        this.send(n, frame, tick);
      }
    }
  }

  private send(n: number, frame: Uint8Array, tick: Tick): void {
    if (frame.length > ETH_MAX_FRAME_BYTES) { this.onError(`NIC transmit queue ${n}: a ${frame.length}-byte frame exceeds the ${ETH_MAX_FRAME_BYTES}-byte maximum`); return; }
    this.stats.txFrames++;
    this.gptc++;
    if (this.events.wants.nic) this.emit(tick, 'tx-dma', n, frame.length);
    const arrival = this.txLink.send(frame.length, tick);
    this.queue.schedule(arrival, (t) => {
      if (this.events.wants.nic) this.emit(t, 'tx-wire', n, frame.length);
      this.onTransmit?.(frame, t);
    }, 0, `NIC tx queue ${n}: frame on the wire`);
  }

  // ------------------------------------------------------------------ misc

  private codeWritten(pa: number, len: number): void {
    const cp = this.mem.codePages;
    for (let p = pa >>> 12; p <= (pa + len - 1) >>> 12; p++) if (cp[p]) this.mem.onCodeWrite(p);
  }

  private emit(tick: Tick, what: NicEvent['what'], queue: number, bytes: number): void {
    this.events.emit('nic', { tick, what, queue, bytes });
  }

  /** Frames waiting in the packet buffer (all queues). */
  get buffered(): number { let k = 0; for (const q of this.rx) k += q.pending.length; return k; }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
