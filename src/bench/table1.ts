/**
 * Table 1 of the Shinjuku paper (NSDI'19 §3.2), the four IPI rows, measured
 * on the machine: the Dune module (guest/dune) in VMX root mode on two
 * cores, libdune and the benchmark (guest/dune/bench/posted_ipi.c) in
 * non-root mode. The rows are four configurations of that one software
 * stack — the sender is libdune's posted sender (no exit) or its x2APIC-ICR
 * WRMSR (an exit the module emulates); the receiver has posted-interrupt
 * processing on or off (an external-interrupt exit and the module's
 * queued-interrupt merge) — not four cost tables.
 *
 * Each cell is measured twice: by the guest's RDTSC/RDTSCP (as the paper's
 * programs did) and from the event stream between the same instructions.
 * `phases` says where each cell's cycles go; `segments` splits one round of
 * the total across both cores (sender up to its ICR write, the message on
 * the bus, the receiver up to its handler, the handler's EOI and flag store,
 * the flag's way back); `exits` counts the VM exits of the timed rounds by
 * core and reason.
 */
import { readFileSync } from 'node:fs';
import { parseElf, type ElfImage } from '../loader/elf.js';
import { createMachine } from '../sim/run.js';
import type { Machine } from '../sim/machine.js';
import type { Profile } from '../profile/schema.js';
import { loadProfile } from '../profile/load.js';
import { buildDuneImage, symbolOf, writeDuneParams } from '../dune/module.js';
import { PhaseProfiler, Symbolizer } from './timeline.js';
import { fittedCells } from './table2.js';
import { exitReasonName } from '../vmx/reasons.js';

export type Table1Mechanism = 'Vanilla IPI' | 'IPI Sender-only Exit' | 'IPI Receiver-only Exit' | 'IPI No Exits';
export type Cell = 'sender' | 'receiver' | 'total';
export const CELLS: readonly Cell[] = ['sender', 'receiver', 'total'];

/** The paper's Table 1 IPI rows (cycles) and the configuration that is each row. */
export const TABLE1_PAPER: readonly { mechanism: Table1Mechanism; sender: number; receiver: number; total: number; senderExit: boolean; postedIntr: boolean }[] = [
  { mechanism: 'Vanilla IPI', sender: 2081, receiver: 2662, total: 4219, senderExit: true, postedIntr: false },
  { mechanism: 'IPI Sender-only Exit', sender: 2081, receiver: 1212, total: 2768, senderExit: true, postedIntr: true },
  { mechanism: 'IPI Receiver-only Exit', sender: 298, receiver: 2662, total: 3433, senderExit: false, postedIntr: false },
  { mechanism: 'IPI No Exits', sender: 298, receiver: 1212, total: 1993, senderExit: false, postedIntr: true },
];

export const TABLE1_MECHANISMS: readonly Table1Mechanism[] = TABLE1_PAPER.map((r) => r.mechanism);

export function isTable1Mechanism(s: string): s is Table1Mechanism { return (TABLE1_MECHANISMS as readonly string[]).includes(s); }

export interface Table1Options {
  profile?: Profile;
  /** timed rounds per cell (default 20) */
  iterations?: number;
  /** untimed rounds before each cell's timed ones (default 3) */
  warmup?: number;
  /** the receiver on the other socket (a prediction: nothing was fitted across sockets) */
  crossSocket?: boolean;
  rows?: readonly Table1Mechanism[];
  /** listeners (a trace) before the run */
  beforeRun?: (m: Machine, mechanism: Table1Mechanism) => void;
}

export interface Phase { phase: string; cycles: number }

export interface Table1Row {
  mechanism: Table1Mechanism;
  sender: number;
  receiver: number;
  total: number;
  /** cells a profile entry was fitted on */
  calibrated: Cell[];
  paper: Record<Cell, number>;
  deviation: Record<Cell, number>;
  /** the same cells from the event stream */
  events: Record<Cell, number>;
  /** where each cell's cycles go (the core it is measured on), per round, largest first */
  phases: Record<Cell, Phase[]>;
  /** one round of the total, across both cores */
  segments: Phase[];
  /** cycles from the sender's RDTSC to its physical ICR write (the send rounds) */
  icrWrite: number;
  /** VM exits during the timed rounds, by core and reason name */
  exits: { sender: Record<string, number>; receiver: Record<string, number> };
  configuration: { senderExit: boolean; postedIntr: boolean; crossSocket: boolean };
}

/** The image: one program, the module and libdune. */
export function table1Image(): string {
  return buildDuneImage('dune-table1', ['guest/dune/bench/posted_ipi.c']);
}

const TABLE1_MAGIC = 0x31425454;

/** A profile whose second core sits on another socket (one core per socket). */
export function crossSocketProfile(p: Profile): Profile {
  const q = structuredClone(p);
  q.topology.sockets.value = 2;
  q.topology.coresPerSocket.value = 1;
  return q;
}

const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function sumPhases(ws: { phases: Map<string, number> }[], per: number): Phase[] {
  const m = new Map<string, number>();
  for (const w of ws) for (const [k, v] of w.phases) m.set(k, (m.get(k) ?? 0) + v);
  return [...m.entries()].map(([phase, t]) => ({ phase, cycles: t / per })).sort((a, b) => b.cycles - a.cycles);
}

/** Write a row's configuration into a machine booted with the Table 1 image: the module's parameter and the benchmark's. */
export function configureTable1(m: Machine, image: ElfImage, mechanism: Table1Mechanism, iterations: number, warmup: number): void {
  const spec = TABLE1_PAPER.find((r) => r.mechanism === mechanism)!;
  writeDuneParams(m, image, { postedIntr: spec.postedIntr });
  const conf = symbolOf(image, 'table1_conf');
  m.mem.dv.setUint32(conf, TABLE1_MAGIC, true);
  m.mem.dv.setUint32(conf + 4, spec.senderExit ? 1 : 0, true);
  m.mem.dv.setUint32(conf + 8, iterations, true);
  m.mem.dv.setUint32(conf + 12, warmup, true);
}

/** Run one row's configuration and measure its three cells. */
export function runTable1Row(mechanism: Table1Mechanism, opts: Table1Options = {}): Table1Row {
  const spec = TABLE1_PAPER.find((r) => r.mechanism === mechanism)!;
  const base = opts.profile ?? loadProfile();
  const profile = opts.crossSocket ? crossSocketProfile(base) : base;
  const iterations = opts.iterations ?? 20;
  const warmup = opts.warmup ?? 3;
  const elfPath = table1Image();
  const bytes = new Uint8Array(readFileSync(elfPath));
  const image = parseElf(bytes, { ramBytes: 2 ** 29 });
  const out: number[] = [];
  const m = createMachine(bytes, { cores: 2, profile, maxCycles: 2e9, onConsole: (b) => out.push(b) });
  configureTable1(m, image, mechanism, iterations, warmup);

  const syms = new Symbolizer();
  syms.add(elfPath, 0, 2 ** 32);
  const prof = new PhaseProfiler(m, syms, [
    { begin: 't1_send_begin', end: 't1_send_end' },
    { begin: 't1_recv_spin', end: 't1_recv_end', sticky: true, commit: 't1_recv_stored' },
    { begin: 't1_total_begin', end: 't1_total_end' },
  ]);
  // Ticks of the marker instructions and of what crosses cores, for the segments and the exit counts.
  const at = (s: string) => syms.lookup(s)!;
  const rips = { sendBegin: at('t1_send_begin'), sendEnd: at('t1_send_end'), totalBegin: at('t1_total_begin'), totalEnd: at('t1_total_end'), handler: at('ipi_handler'), flag: at('t1_flag_clear') };
  const marks: { what: string; core: number; tick: number }[] = [];
  const exits: { core: number; tick: number; reason: number }[] = [];
  const sent: { tick: number; arrival: number; from: number }[] = [];
  const offRetire = m.events.on('retire', (e) => {
    for (const [k, r] of Object.entries(rips)) if (e.rip === r) marks.push({ what: k, core: e.core, tick: e.start });
  });
  const offExit = m.events.on('vmexit', (e) => { exits.push({ core: e.core, tick: e.tick, reason: e.reason }); });
  const offIpi = m.events.on('ipi', (e) => { if (e.phase === 'sent' && e.vector === 0xf2) sent.push({ tick: e.tick, arrival: e.arrival, from: e.from }); });
  opts.beforeRun?.(m, mechanism);
  const stop = m.run();
  prof.stop(); offRetire(); offExit(); offIpi();
  const text = Buffer.from(out).toString('latin1');
  if (stop.reason !== 'exit' || stop.exitStatus !== 0) throw new Error(`Table 1 benchmark (${mechanism}) did not finish: ${stop.reason} ${stop.detail}\n${text}`);
  const sums: Record<string, number> = {};
  for (const mm of text.matchAll(/table1 (\S+) (\d+) (\d+)/g)) sums[mm[1]!] = Number(mm[3]);
  const overhead = Math.floor(profile.instructionClasses.rdtsc.cycles * profile.clock.tscHz.value / profile.clock.coreHz.value);

  const w = (name: string) => prof.windows.filter((x) => x.name === name).slice(-iterations);
  const sendW = w('t1_send_begin'), recvW = w('t1_recv_spin'), totW = prof.windows.filter((x) => x.name === 't1_total_begin');
  const cellEvents = (ws: { ticks: number }[], per: number) => (ws.reduce((a, x) => a + x.ticks, 0) - overhead * ws.length) / per;

  // The timed rounds of each phase, in ticks: send rounds from their begins, the total between its markers.
  const ticksOf = (what: string, core: number) => marks.filter((x) => x.what === what && x.core === core).map((x) => x.tick);
  const sendBegins = ticksOf('sendBegin', 0).slice(-iterations);
  const totalBegin = ticksOf('totalBegin', 0).at(-1)!, totalEnd = ticksOf('totalEnd', 0).at(-1)!;
  // ICR write: the first F2H message core 0 put on the bus after each timed send began.
  const icr = sendBegins.map((b) => { const s = sent.find((x) => x.from === 0 && x.tick >= b); return s ? s.tick - b : NaN; });
  const inTotal = sent.filter((x) => x.from === 0 && x.tick >= totalBegin && x.tick <= totalEnd);
  const handlerTicks = ticksOf('handler', 1).filter((t) => t >= totalBegin && t <= totalEnd);
  const flagTicks = ticksOf('flag', 1).filter((t) => t >= totalBegin && t <= totalEnd);
  const flight = avg(inTotal.map((x) => x.arrival - x.tick));
  const toHandler = avg(inTotal.map((x, i) => (handlerTicks[i] ?? NaN) - x.arrival));
  const handlerToFlag = avg(handlerTicks.map((h, i) => (flagTicks[i] ?? NaN) - h));
  const total = sums.total! / iterations;
  const icrWrite = avg(icr);
  const segments: Phase[] = [
    { phase: 'sender: RDTSC to the physical ICR write', cycles: icrWrite },
    { phase: 'the F2H message on the APIC bus', cycles: flight },
    { phase: 'receiver: interrupt arrival to the handler\'s first instruction', cycles: toHandler },
    { phase: 'handler: virtualized EOI and the flag store', cycles: handlerToFlag },
  ];
  segments.push({ phase: 'the flag line back to the spinning sender, its loop exit (the rest of the round)', cycles: total - segments.reduce((a, s) => a + s.cycles, 0) });

  const count = (core: number, from: number, to: number) => {
    const r: Record<string, number> = {};
    for (const e of exits) if (e.core === core && e.tick >= from && e.tick <= to) { const k = exitReasonName(e.reason); r[k] = (r[k] ?? 0) + 1; }
    return r;
  };
  const paper = { sender: spec.sender, receiver: spec.receiver, total: spec.total };
  const row: Table1Row = {
    mechanism,
    sender: sums.send! / iterations,
    receiver: sums.receive! / iterations,
    total,
    calibrated: CELLS.filter((c) => fittedCells(base, `Table 1, row '${mechanism}'`, c).length > 0),
    paper,
    deviation: { sender: 0, receiver: 0, total: 0 },
    events: { sender: cellEvents(sendW, iterations), receiver: cellEvents(recvW, iterations), total: cellEvents(totW, iterations) },
    phases: { sender: sumPhases(sendW, iterations), receiver: sumPhases(recvW, iterations), total: sumPhases(totW, iterations) },
    segments,
    icrWrite,
    exits: { sender: count(0, totalBegin, totalEnd), receiver: count(1, totalBegin, totalEnd) },
    configuration: { senderExit: spec.senderExit, postedIntr: spec.postedIntr, crossSocket: opts.crossSocket ?? false },
  };
  for (const c of CELLS) row.deviation[c] = row[c] / paper[c] - 1;
  return row;
}

/** The rows asked for (all four by default), in the paper's order. */
export function table1Rows(opts: Table1Options = {}): Table1Row[] {
  const want = opts.rows ?? TABLE1_MECHANISMS;
  return TABLE1_MECHANISMS.filter((r) => want.includes(r)).map((r) => runTable1Row(r, opts));
}
