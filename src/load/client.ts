/**
 * The open-loop load generator: the paper's client machines (NSDI'19 §4.1,
 * "an open loop load generator similar to mutilate"), outside the machine.
 *
 * Requests leave at Poisson (or constant-rate) times whatever the server
 * does, each from one of N distinct UDP 5-tuples (1920 by default), to the
 * destination port of its type, with its service time (or key-value
 * operation) in the payload. The client hands each frame to the NIC's
 * receive link at its send time, as a device event in the machine's event
 * queue, so the whole run stays deterministic. A request's latency runs from
 * its send time to the arrival of its reply's last bit. Every random choice
 * has its own seeded stream (src/sim/prng.ts): arrivals, service times and
 * flows, so changing one never perturbs another.
 */
import { Prng } from '../sim/prng.js';
import type { Machine } from '../sim/machine.js';
import type { Tick } from '../sim/time.js';
import type { Nic } from '../devices/nic.js';
import { buildUdpFrame, parseUdpFrame, REQUEST_BYTES, type Flow } from './frames.js';
import type { ServiceDist } from './dist.js';

export const SERVER_IP = 0x0a000001; // 10.0.0.1
export const SERVER_MAC = 0x020000000001n;
const CLIENT_MAC = 0x020000000100n;

export interface ClientOptions {
  dist: ServiceDist;
  /** Offered load, requests per second. */
  rate: number;
  /** Requests to send (warm-up included). */
  requests: number;
  arrival?: 'poisson' | 'constant';
  /** Distinct UDP 5-tuples (NSDI'19 §4.1: 1920). */
  flows?: number;
  seed?: number;
  /** Destination UDP port of each request type; with one port, every type goes there. */
  ports: number[];
  /** Share of the first requests left out of the statistics (default 0.1). */
  warmupFraction?: number;
  /** How long after the last send the run waits for replies (µs; default 20 ms or 50 mean service times). */
  timeoutUs?: number;
  /** Keys in the key-value store (GET keys and SCAN starts are uniform over them). */
  kvKeys?: number;
}

/** Stream numbers (one PRNG per source of randomness). */
const STREAM = { arrivals: 1, service: 2, flows: 3, keys: 4 } as const;

export class LoadClient {
  readonly n: number;
  /** Per request: send tick, reply tick (NaN until it arrives), type, service time (µs), preemptions and worker from the reply. */
  readonly sent: Float64Array;
  readonly replied: Float64Array;
  readonly type: Uint8Array;
  readonly serviceUs: Float64Array;
  readonly preemptions: Uint32Array;
  readonly worker: Int16Array;
  /** Key-value requests: the (first) key number sent; the reply's result (the store's checksum of the values read). */
  readonly key: Float64Array;
  readonly result: BigUint64Array;
  readonly warmup: number;
  readonly ticksPerUs: number;
  sentCount = 0;
  repliedCount = 0;
  timeouts = 0;
  /** Replies that matched no outstanding request (duplicates, garbage). */
  strayReplies = 0;
  done = false;
  /** Called once, in a device event, when every request has a reply or the timeout has passed. */
  onDone: (tick: Tick) => void = () => {};
  private readonly arrivals: Prng;
  private readonly service: Prng;
  private readonly flowRng: Prng;
  private readonly keyRng: Prng;
  private readonly flowTable: Flow[] = [];
  private readonly draw = { type: 0, serviceUs: 0 };
  private next = 0;
  private lastSend = 0;
  private readonly nic: Nic;
  private readonly timeoutTicks: Tick;

  constructor(private readonly machine: Machine, readonly opts: ClientOptions) {
    if (!machine.nic) throw new Error('the load client needs a machine with a NIC');
    if (!(opts.rate > 0)) throw new RangeError(`rate must be positive, got ${opts.rate}`);
    if (!Number.isInteger(opts.requests) || opts.requests < 1) throw new RangeError(`requests must be a positive integer, got ${opts.requests}`);
    if (opts.dist.types.length > 255) throw new RangeError('at most 255 request types');
    this.nic = machine.nic;
    this.n = opts.requests;
    this.sent = new Float64Array(this.n);
    this.replied = new Float64Array(this.n).fill(NaN);
    this.type = new Uint8Array(this.n);
    this.serviceUs = new Float64Array(this.n);
    this.preemptions = new Uint32Array(this.n);
    this.worker = new Int16Array(this.n).fill(-1);
    this.key = new Float64Array(this.n).fill(NaN);
    this.result = new BigUint64Array(this.n);
    this.warmup = Math.floor(this.n * (opts.warmupFraction ?? 0.1));
    this.ticksPerUs = machine.config.profile.clock.tscHz.value / 1e6;
    const seed = opts.seed ?? 1;
    this.arrivals = new Prng(seed, STREAM.arrivals);
    this.service = new Prng(seed, STREAM.service);
    this.flowRng = new Prng(seed, STREAM.flows);
    this.keyRng = new Prng(seed, STREAM.keys);
    const flows = opts.flows ?? 1920;
    if (!Number.isInteger(flows) || flows < 1 || flows > 65536) throw new RangeError(`flows must be 1..65536, got ${flows}`);
    for (let i = 0; i < flows; i++) {
      // 10.1.x.y, source port 10000 + i: every flow a distinct 5-tuple.
      this.flowTable.push({ srcMac: CLIENT_MAC + BigInt(i % 6), dstMac: SERVER_MAC, srcIp: (0x0a010000 + 1 + i) >>> 0, dstIp: SERVER_IP, srcPort: 10000 + (i % 50000), dstPort: 0 });
    }
    this.timeoutTicks = (opts.timeoutUs ?? Math.max(20000, 50 * opts.dist.meanUs)) * this.ticksPerUs;
    this.nic.onTransmit = (frame, tick) => this.receive(frame, tick);
  }

  /** Start sending at `tick` (the server said it is ready). */
  start(tick: Tick): void {
    this.schedule(tick);
  }

  private gap(): Tick {
    const mean = 1e6 / this.opts.rate; // µs
    const us = this.opts.arrival === 'constant' ? mean : -Math.log(1 - this.arrivals.nextFloat()) * mean;
    return us * this.ticksPerUs;
  }

  private schedule(at: Tick): void {
    this.machine.queue.schedule(at, (t) => this.send(t), 0, 'client: next request');
  }

  private send(tick: Tick): void {
    const i = this.next++;
    this.opts.dist.sample(this.service, this.draw);
    const type = this.draw.type;
    const t = this.opts.dist.types[type]!;
    this.type[i] = type;
    this.serviceUs[i] = this.draw.serviceUs;
    this.sent[i] = tick;
    const payload = new Uint8Array(REQUEST_BYTES);
    const dv = new DataView(payload.buffer);
    dv.setBigUint64(0, BigInt(i), true);
    if (t.op === undefined) {
      dv.setBigUint64(8, BigInt(Math.round(this.draw.serviceUs * 1000)), true);
    } else {
      const keys = this.opts.kvKeys ?? 1;
      const count = t.op === 'scan' ? t.scanKeys! : 0;
      const start = Math.floor(this.keyRng.nextFloat() * Math.max(1, keys - count));
      this.key[i] = start;
      dv.setBigUint64(8, t.op === 'scan' ? 1n : 0n, true);
      dv.setBigUint64(16, BigInt(start) | (BigInt(count) << 32n), true);
    }
    dv.setBigUint64(24, BigInt(Math.floor(tick)), true);
    const f = this.flowTable[Math.floor(this.flowRng.nextFloat() * this.flowTable.length)]!;
    const port = this.opts.ports[Math.min(type, this.opts.ports.length - 1)]!;
    const frame = buildUdpFrame({ ...f, dstPort: port }, payload, i);
    this.nic.fromWire(frame, tick);
    this.sentCount++;
    this.lastSend = tick;
    const ev = this.machine.events;
    if (ev.wants.request) ev.emit('request', { tick, id: i, type, phase: 'sent', latency: 0 });
    if (this.next < this.n) this.schedule(tick + this.gap());
    else this.machine.queue.schedule(tick + this.timeoutTicks, (tt) => this.finish(tt), 0, 'client: reply timeout');
  }

  private receive(frame: Uint8Array, tick: Tick): void {
    if (this.done) return;
    const p = parseUdpFrame(frame);
    if (!p || p.payload.length < REQUEST_BYTES || p.dstIp !== this.flowOf(p.dstIp, p.dstPort)) { this.strayReplies++; return; }
    const dv = new DataView(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength);
    const id = Number(dv.getBigUint64(0, true));
    if (!(id < this.next) || !Number.isNaN(this.replied[id]!)) { this.strayReplies++; return; }
    this.replied[id] = tick;
    this.preemptions[id] = dv.getUint32(32, true);
    this.worker[id] = dv.getUint32(36, true);
    this.result[id] = dv.getBigUint64(40, true);
    this.repliedCount++;
    const ev = this.machine.events;
    if (ev.wants.request) ev.emit('request', { tick, id, type: this.type[id]!, phase: 'replied', latency: tick - this.sent[id]! });
    if (this.repliedCount === this.n) this.finish(tick);
  }

  /** The reply must go back to a client address (10.1.0.0/16). */
  private flowOf(ip: number, _port: number): number { return (ip >>> 16) === 0x0a01 ? ip : -1; }

  private finish(tick: Tick): void {
    if (this.done) return;
    this.done = true;
    const ev = this.machine.events;
    for (let i = 0; i < this.next; i++) {
      if (Number.isNaN(this.replied[i]!)) {
        this.timeouts++;
        if (ev.wants.request) ev.emit('request', { tick, id: i, type: this.type[i]!, phase: 'timeout', latency: tick - this.sent[i]! });
      }
    }
    this.onDone(tick);
  }

  /** Latency of request i in µs (NaN without a reply). */
  latencyUs(i: number): number { return (this.replied[i]! - this.sent[i]!) / this.ticksPerUs; }

  /** The tick of the last send. */
  get lastSendTick(): Tick { return this.lastSend; }
}
