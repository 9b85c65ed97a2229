/**
 * Table 1 of the Shinjuku paper (NSDI'19 §3.2), row "Linux Signal": sender,
 * receiver and total cost of preempting a thread on another core with a
 * signal, measured on the machine by guest/linux/bench/table1_signal.c (the
 * three shapes of the paper's IPI benchmarks, with tgkill) running as a
 * Linux process on two cores under the host kernel. Each cell is measured
 * by the guest's RDTSC/RDTSCP and from the event stream between the same
 * instructions; `phases` says where each cell's cycles go.
 */
import { buildLinuxProgram } from '../linux/build.js';
import { bootLinux } from '../linux/run.js';
import type { Profile } from '../profile/schema.js';
import { loadProfile } from '../profile/load.js';
import { PhaseProfiler, Symbolizer } from './timeline.js';
import { fittedCells } from './table2.js';

const fittedOn = (p: Profile, cell: string, column: string) => fittedCells(p, cell, column).length > 0;

/** The paper's Table 1 row (cycles). */
export const LINUX_SIGNAL_PAPER = { mechanism: 'Linux Signal', sender: 2084, receiver: 2523, total: 4950 } as const;

export type SignalCell = 'sender' | 'receiver' | 'total';

export interface SignalCellMeasurement {
  /** cycles per round, by the guest's RDTSC/RDTSCP (overhead subtracted as the benchmark does) */
  rdtsc: number;
  /** the same span from the event stream */
  events: number;
  /** cycles per round by phase, largest first (the core the cell is measured on) */
  phases: { phase: string; cycles: number }[];
}

export interface LinuxSignalOptions { profile?: Profile; iterations?: number }

export function runLinuxSignal(opts: LinuxSignalOptions = {}): { cells: Record<SignalCell, SignalCellMeasurement>; iterations: number; overhead: number } {
  const iterations = opts.iterations ?? 20;
  const profile = opts.profile ?? loadProfile();
  const elf = buildLinuxProgram({ name: 'table1_signal', sources: ['guest/linux/bench/table1_signal.c'], cflags: [`-DITERATIONS=${iterations}`] });
  const out: number[] = [];
  const boot = bootLinux(elf, { profile, cores: 2, maxCycles: 1e11, onConsole: (b) => out.push(b) });
  const syms = new Symbolizer();
  syms.add(boot.program, 0, 0x1000000);
  syms.add(boot.kernel, 0x1000000, 0x4000000);
  const prof = new PhaseProfiler(boot.machine, syms, [
    { begin: 't1_send_begin', end: 't1_send_end' },
    { begin: 't1_recv_spin', end: 't1_recv_end', sticky: true, commit: 't1_recv_stored' },
    { begin: 't1_total_begin', end: 't1_total_end' },
  ]);
  const stop = boot.machine.run();
  prof.stop();
  const text = Buffer.from(out).toString('latin1');
  if (stop.reason !== 'exit' || stop.exitStatus !== 0) throw new Error(`table1_signal benchmark did not finish: ${stop.reason} ${stop.detail}\n${text}`);
  const sums: Record<string, number> = {};
  for (const m of text.matchAll(/table1 (\S+) (\d+) (\d+)/g)) sums[m[1]!] = Number(m[3]);
  // The guest subtracts its own measured RDTSC->RDTSCP overhead; the event stream subtracts the same span.
  const overhead = overheadOf(profile);
  const cell = (name: string, guestSum: number, windows: { ticks: number; phases: Map<string, number> }[]): SignalCellMeasurement => {
    const last = windows.slice(-iterations);   // the timed rounds (warm-up rounds come first)
    const n = last.length;
    const phases = new Map<string, number>();
    for (const w of last) for (const [k, v] of w.phases) phases.set(k, (phases.get(k) ?? 0) + v);
    return {
      rdtsc: guestSum / (name === 'total' ? iterations : iterations),
      events: (last.reduce((a, w) => a + w.ticks, 0) - overhead * n) / (name === 'total' ? iterations : n),
      phases: [...phases.entries()].map(([phase, t]) => ({ phase, cycles: t / (name === 'total' ? iterations : n) })).sort((a, b) => b.cycles - a.cycles),
    };
  };
  const w = (name: string) => prof.windows.filter((x) => x.name === name);
  return {
    cells: {
      sender: cell('send', sums.send!, w('t1_send_begin')),
      receiver: cell('receive', sums.receive!, w('t1_recv_spin')),
      total: cell('total', sums.total!, w('t1_total_begin')),
    },
    iterations,
    overhead,
  };
}

/** The RDTSC -> RDTSCP back-to-back span the guest measures: RDTSC's cost (RDTSCP reads the clock at its start). */
function overheadOf(p: Profile): number { return Math.floor(p.instructionClasses.rdtsc.cycles * p.clock.tscHz.value / p.clock.coreHz.value); }

/** The row as `shinjuku-emu table1 --json` prints rows (issue 11's contract), with the paper's values and deviations. */
export interface LinuxSignalRow {
  mechanism: 'Linux Signal';
  sender: number;
  receiver: number;
  total: number;
  /** cells a profile entry was fitted on */
  calibrated: SignalCell[];
  paper: { sender: number; receiver: number; total: number };
  deviation: Record<SignalCell, number>;
  /** the same cells from the event stream */
  events: Record<SignalCell, number>;
}

export function linuxSignalRow(opts: LinuxSignalOptions = {}): { row: LinuxSignalRow; phases: Record<SignalCell, { phase: string; cycles: number }[]> } {
  const profile = opts.profile ?? loadProfile();
  const r = runLinuxSignal({ ...opts, profile });
  const cells: SignalCell[] = ['sender', 'receiver', 'total'];
  const fitted = (c: SignalCell) => fittedOn(profile, `Table 1, row '${LINUX_SIGNAL_PAPER.mechanism}'`, c);
  const row: LinuxSignalRow = {
    mechanism: 'Linux Signal',
    sender: r.cells.sender.rdtsc,
    receiver: r.cells.receiver.rdtsc,
    total: r.cells.total.rdtsc,
    calibrated: cells.filter(fitted),
    paper: { sender: LINUX_SIGNAL_PAPER.sender, receiver: LINUX_SIGNAL_PAPER.receiver, total: LINUX_SIGNAL_PAPER.total },
    deviation: { sender: r.cells.sender.rdtsc / LINUX_SIGNAL_PAPER.sender - 1, receiver: r.cells.receiver.rdtsc / LINUX_SIGNAL_PAPER.receiver - 1, total: r.cells.total.rdtsc / LINUX_SIGNAL_PAPER.total - 1 },
    events: { sender: r.cells.sender.events, receiver: r.cells.receiver.events, total: r.cells.total.events },
  };
  return { row, phases: { sender: r.cells.sender.phases, receiver: r.cells.receiver.phases, total: r.cells.total.phases } };
}

/** Lines for a table1 printer: the row next to the paper, and with `explain` each cell by phase. */
export function formatLinuxSignal(x: { row: LinuxSignalRow; phases: Record<SignalCell, { phase: string; cycles: number }[]> }, explain: boolean): string[] {
  const { row } = x;
  const cell = (c: SignalCell) => `${row[c].toFixed(0)} (paper ${row.paper[c]}, ${row.deviation[c] >= 0 ? '+' : ''}${(row.deviation[c] * 100).toFixed(1)}%, ${row.calibrated.includes(c) ? 'calibrated' : 'predicted'})`;
  const out = [`${row.mechanism}: sender ${cell('sender')}, receiver ${cell('receiver')}, total ${cell('total')}`];
  if (explain) {
    for (const c of ['sender', 'receiver', 'total'] as SignalCell[]) {
      out.push(`  ${c}: ${row[c].toFixed(1)} cycles per round (event stream ${row.events[c].toFixed(1)})`);
      for (const p of x.phases[c]) if (p.cycles >= 0.5) out.push(`    ${p.cycles.toFixed(1).padStart(8)}  ${p.phase}`);
    }
  }
  return out;
}
