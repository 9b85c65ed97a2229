/**
 * The Shinjuku server as a Dune process (guest/shinjuku/platform_dune.c):
 * every core in VMX non-root mode under the Dune module with posted
 * interrupts, the dispatcher preempting workers with libdune's no-exit
 * posted IPI — the paper's setup (NSDI'19 §3.2, §4).
 *
 * One short load (60 requests, 2 workers, 10 % of them 50 µs against a 5 µs
 * quantum, so preemptions happen) on each platform:
 *  - the Dune server answers every request, the same request stream as bare
 *    metal (same seed: same types and service times), no timeouts, no stray
 *    replies, short requests never preempted and long ones always;
 *  - no VM exit on a worker core from the first preemption IPI on (the
 *    posted path: PIR + ON, notification F2H, virtual delivery, virtualized
 *    EOI), and on the dispatcher only the one EPT violation of its first ICR
 *    write (ept.c maps the APIC page read-only on the first read); every
 *    other exit is a first touch of a RAM page (EPT violation);
 *  - the per-preemption receive cost, notification arrival to the
 *    handler's first instruction, against Table 1's "IPI No Exits" receiver
 *    (1212 cycles). That cell is calibrated (postedInterruptPirToVirr is
 *    fitted on it, in guest/dune/bench/posted_ipi.c's spin loop); here the
 *    same mechanism runs in another program, so the server's figure is a
 *    prediction. Tolerance ±15 % on the median: the Table 1 cell starts at
 *    the last RDTSC before the arrival (up to one spin iteration earlier,
 *    tens of cycles), and the worker's IDT entry, libdune stub, dispatch
 *    table and handler lines may sit in L2/L3 rather than L1 after a
 *    request ran (a handful of lines at the profile's L2/L3 hit costs:
 *    ~10 % of 1212); the median keeps an arrival during a long instruction
 *    or cache miss from counting.
 *    The sender likewise: the dispatcher's platform_send_ipi call to its ICR
 *    write against Table 1's "IPI No Exits" sender (298 cycles, also a
 *    calibrated cell), ±15 % on the median for the same reasons (the cell
 *    also holds the return after the write, a few cycles).
 *  - determinism: the same seed twice (once with listeners attached, once
 *    without) gives identical latencies and guest counters.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, parseConfig, ConfigError, type ConfigOverrides } from '../src/shinjuku/config.js';
import { runPoint, type RawPoint } from '../src/shinjuku/server.js';
import { exitReasonName } from '../src/vmx/reasons.js';
import { BreakdownRecorder, type Breakdown } from '../src/shinjuku/breakdown.js';
import { configFromArgs } from '../src/cli/commands/load.js';
import { UsageError } from '../src/cli/errors.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOAD: ConfigOverrides = { seed: 3, warmup: 0, workers: 2, rate: 100000, requests: 60, dist: 'bimodal:90-2,10-50' };
const TABLE1_NO_EXITS_RECEIVER = 1212; // NSDI'19 §3.2 Table 1, cycles
const TABLE1_NO_EXITS_SENDER = 298;
const EPT_VIOLATION = 48; // SDM Vol. 3C Appendix C
const LAPIC_PAGE = 0xfee00000;

interface Observed {
  r: RawPoint;
  exits: { core: number; tick: number; reason: number; gpa: number | null }[];
  /** notification arrival → the worker's preempt_handler entry, cycles, per preemption IPI */
  receive: number[];
  /** the dispatcher's platform_send_ipi call → its ICR write leaving for the bus, cycles */
  send: number[];
  firstIpi: number;
  breakdown: Breakdown;
}

function observe(platform: 'bare' | 'dune'): Observed {
  const exits: Observed['exits'] = [];
  const sent: { to: number; arrival: number; tick: number }[] = [];
  const entries: { core: number; tick: number }[] = [];
  const sendCalls: number[] = [];
  let br: BreakdownRecorder | undefined;
  const r = runPoint(resolveConfig({}, { ...LOAD, platform }), {
    beforeRun: (m, img) => {
      const h = img.symbols.find((s) => s.name === 'preempt_handler')!.value;
      const snd = img.symbols.find((s) => s.name === 'platform_send_ipi')!.value;
      br = new BreakdownRecorder(m, img).attach();
      m.events.on('vmexit', (e) => { exits.push({ core: e.core, tick: e.tick, reason: e.reason, gpa: e.gpa }); });
      m.events.on('ipi', (e) => { if (e.phase === 'sent' && e.vector === 0xf2) sent.push({ to: e.to, arrival: e.arrival, tick: e.tick }); });
      m.events.on('retire', (e) => {
        if (e.rip === h) entries.push({ core: e.core, tick: e.start });
        else if (e.rip === snd && e.core === 0) sendCalls.push(e.start);
      });
    },
  });
  const receive = sent.map((s) => (entries.find((x) => x.core === s.to && x.tick >= s.arrival)?.tick ?? NaN) - s.arrival);
  const send = sendCalls.map((t, i) => (sent[i]?.tick ?? NaN) - t);
  br!.detach();
  return { r, exits, receive, send, firstIpi: sent[0]?.tick ?? NaN, breakdown: br!.result(LOAD.workers!) };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
const p99 = (r: RawPoint) => {
  const cl = r.run.client;
  const l = Array.from({ length: cl.n }, (_, i) => cl.latencyUs(i)).sort((a, b) => a - b);
  return l[Math.floor(0.99 * (l.length - 1))]!;
};

describe('the Shinjuku server on the Dune platform', () => {
  let bare: Observed, dune: Observed;
  const get = () => {
    bare ??= observe('bare');
    dune ??= observe('dune');
    return { bare, dune };
  };

  it('serves the same requests as on bare metal, preempting the long ones', () => {
    const { bare, dune } = get();
    for (const o of [bare, dune]) {
      const cl = o.r.run.client;
      expect(cl.timeouts).toBe(0);
      expect(cl.strayReplies).toBe(0);
      expect(o.r.stats.finished).toBe(LOAD.requests);
      expect(o.r.stats.badPackets).toBe(0);
      for (let i = 0; i < cl.n; i++) {
        // 2 µs requests finish inside one 5 µs quantum; 50 µs ones wait behind nothing only rarely at 2 workers
        // and this load, but run for ten quanta, so with anything queued they are preempted.
        if (cl.serviceUs[i]! < 5) expect(cl.preemptions[i]).toBe(0);
      }
      expect(o.r.stats.preempted).toBeGreaterThan(5);
      expect(o.r.stats.ipis).toBe(o.r.stats.preempted);
    }
    const a = bare.r.run.client, b = dune.r.run.client;
    expect(Array.from(b.type)).toEqual(Array.from(a.type));
    expect(Array.from(b.serviceUs)).toEqual(Array.from(a.serviceUs));
    // Every long request was preempted on both platforms.
    const long = (cl: typeof a) => Array.from({ length: cl.n }, (_, i) => i).filter((i) => cl.serviceUs[i]! > 20);
    expect(long(b).every((i) => b.preemptions[i]! > 0)).toBe(long(a).every((i) => a.preemptions[i]! > 0));
  }, 180_000);

  it('takes no VM exit for a preemption: posted delivery and virtualized EOI on the workers', () => {
    const { bare, dune } = get();
    expect(bare.exits).toEqual([]);
    const { firstIpi } = dune;
    expect(Number.isFinite(firstIpi)).toBe(true);
    const workerCores = [2, 3];
    const byReason = (core: number) => {
      const r: Record<string, number> = {};
      for (const e of dune.exits) if (e.core === core && e.tick >= firstIpi) r[exitReasonName(e.reason)] = (r[exitReasonName(e.reason)] ?? 0) + 1;
      return r;
    };
    for (const c of workerCores) expect(byReason(c)).toEqual({});
    // The dispatcher: its first ICR write upgrades the APIC page's EPT entry to writable, once.
    const disp = dune.exits.filter((e) => e.core === 0 && e.tick >= firstIpi - 5000);
    expect(disp.filter((e) => !(e.reason === EPT_VIOLATION && e.gpa !== null && e.gpa - (e.gpa % 4096) === LAPIC_PAGE))).toEqual([]);
    expect(disp.length).toBeLessThanOrEqual(1);
    // Before that, only first touches of RAM (EPT violations below the device range) and the APIC page.
    for (const e of dune.exits) {
      expect(exitReasonName(e.reason)).toBe(exitReasonName(EPT_VIOLATION));
      expect(e.gpa !== null && (e.gpa < 0xc0000000 || e.gpa >= 0xfe000000)).toBe(true);
    }
  }, 180_000);

  it("costs the receiver and the sender what Table 1's 'IPI No Exits' row says; the receiver far more than a bare APIC interrupt", () => {
    const { bare, dune } = get();
    expect(dune.receive.length).toBe(dune.r.stats.ipis);
    expect(dune.receive.every(Number.isFinite)).toBe(true);
    const m = median(dune.receive);
    expect(m).toBeGreaterThan(TABLE1_NO_EXITS_RECEIVER * 0.85);
    expect(m).toBeLessThan(TABLE1_NO_EXITS_RECEIVER * 1.15);
    // Bare metal's delivery has no PIR-to-VIRR step or virtual-interrupt delivery: an ordinary IDT vectoring.
    expect(median(bare.receive)).toBeLessThan(m / 3);
    // The sender (Table 1's cell is calibrated too: xapicMmioAccess): the PIR and ON lines, then the ICR through
    // the EPT-mapped page. The first send also takes the APIC page's write-upgrade exit: the median leaves it out.
    expect(dune.send.length).toBe(dune.r.stats.ipis);
    const ms = median(dune.send);
    expect(ms).toBeGreaterThan(TABLE1_NO_EXITS_SENDER * 0.85);
    expect(ms).toBeLessThan(TABLE1_NO_EXITS_SENDER * 1.15);
    // The Dune server's tail stays close to bare metal's at this load: about 0.5 µs more per preemption.
    expect(Math.abs(p99(dune.r) - p99(bare.r))).toBeLessThan(10);
  }, 180_000);

  it("prices a preemption in the per-core breakdown: libdune's stub and EOI are interrupt time, the switches unchanged", () => {
    const { bare, dune } = get();
    const d = dune.breakdown.preemption, b = bare.breakdown.preemption;
    expect(d.interrupts).toBeGreaterThan(0);
    // Delivery (arrival to the handler) is part of it; the rest is the handler's EOI, libdune's register
    // restore and IRETQ: a few hundred cycles, not another delivery.
    expect(d.interruptCycles).toBeGreaterThan(median(dune.receive));
    expect(d.interruptCycles).toBeLessThan(median(dune.receive) + 600);
    expect(b.interruptCycles).toBeLessThan(d.interruptCycles / 2);
    // The context switches are the same code on both platforms.
    expect(Math.abs(d.switchToMainCycles - b.switchToMainCycles)).toBeLessThan(0.25 * b.switchToMainCycles);
    expect(Math.abs(d.resumeCycles - b.resumeCycles)).toBeLessThan(0.25 * b.resumeCycles);
  }, 180_000);

  it('is deterministic: the same seed gives the same numbers, with or without listeners', () => {
    const { dune } = get();
    const again = runPoint(resolveConfig({}, { ...LOAD, platform: 'dune' }));
    expect(again.stats).toEqual(dune.r.stats);
    expect(Array.from(again.run.client.replied)).toEqual(Array.from(dune.r.run.client.replied));
    expect(Array.from(again.run.client.preemptions)).toEqual(Array.from(dune.r.run.client.preemptions));
  }, 180_000);

  it('gives the same ticks with spin detection on and off (pollers in VMX non-root sleep through posted preemptions)', () => {
    const on = runPoint(resolveConfig({}, { ...LOAD, platform: 'dune' }));
    const off = runPoint(resolveConfig({}, { ...LOAD, platform: 'dune' }), { spinDetection: false });
    expect(on.run.machine.spin.sleeps).toBeGreaterThan(10);
    expect(off.run.machine.spin.sleeps).toBe(0);
    expect(on.run.machine.cores.map((x) => [x.time, x.instructions])).toEqual(off.run.machine.cores.map((x) => [x.time, x.instructions]));
    expect(Array.from(on.run.client.replied)).toEqual(Array.from(off.run.client.replied));
    expect(on.stats).toEqual(off.stats);
  }, 180_000);

  it('checks the platform field and the Dune core limit', () => {
    expect(() => parseConfig({ platform: 'kvm' }, 'f.json')).toThrow(/field 'platform'/);
    expect(resolveConfig(parseConfig({ platform: 'dune' }), { rate: 1000 }).platform).toBe('dune');
    expect(resolveConfig({}, { rate: 1000 }).platform).toBe('bare');
    expect(() => resolveConfig({ platform: 'dune', workers: 15 }, { rate: 1000 })).toThrow(ConfigError);
    expect(() => resolveConfig({ platform: 'dune', workers: 15 }, { rate: 1000 })).toThrow(/at most 14 workers/);
    // From the command line: the file's field by name, the flag winning over the file.
    const dir = mkdtempSync(join(tmpdir(), 'sjdune-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ platform: 'xen' }));
    writeFileSync(join(dir, 'dune.json'), JSON.stringify({ platform: 'dune', load: { rate: 1000 } }));
    expect(() => configFromArgs({ config: join(dir, 'bad.json'), rate: 1000 })).toThrow(UsageError);
    expect(() => configFromArgs({ config: join(dir, 'bad.json'), rate: 1000 })).toThrow(/field 'platform'/);
    expect(configFromArgs({ config: join(dir, 'dune.json') }).platform).toBe('dune');
    expect(configFromArgs({ config: join(dir, 'dune.json'), platform: 'bare' }).platform).toBe('bare');
  });
});
