/**
 * Table 2 of the Shinjuku paper (NSDI'19 §3.3), Linux column: the cost of
 * a context switch by glibc's swapcontext and by Shinjuku's three faster
 * variants, measured on the machine by guest/linux/bench/table2.c running
 * as a Linux process under the host kernel. Each cell is measured twice:
 * by the guest's RDTSC/RDTSCP, and from the event stream between the same
 * two instructions; `explain` breaks each cell into phases.
 *
 * What a cell is: the cost of one switch of the mechanism *above* a switch
 * that moves only the registers (Shinjuku's swapcontext_very_fast: no
 * mask, no FP state), both measured the same way. The paper calls the
 * cells "average overhead" without saying over what; its own numbers are
 * additive around that choice (36 + 109 = 145 against 140 for the switch
 * that does both), while the bare switch itself — its stores, its loads,
 * the return the return-stack buffer mispredicts, the loop — costs this
 * machine about 54 cycles, more than the whole 'No FP-restore' cell. The
 * absolute per-switch costs are reported next to the cells.
 */
import { buildLinuxProgram } from '../linux/build.js';
import { bootLinux } from '../linux/run.js';
import type { Profile } from '../profile/schema.js';
import { loadProfile } from '../profile/load.js';
import { PhaseProfiler, Symbolizer } from './timeline.js';

export type Table2Mechanism = 'swapcontext' | 'No signal mask' | 'No FP-restore' | 'No FP-save';

/** The paper's Table 2 (cycles), and the benchmark row that measures each mechanism. */
export const TABLE2_PAPER: readonly { mechanism: Table2Mechanism; row: string; linux: number; dune: number }[] = [
  { mechanism: 'swapcontext', row: 'swapcontext', linux: 985, dune: 2290 },
  { mechanism: 'No signal mask', row: 'nomask', linux: 140, dune: 140 },
  { mechanism: 'No FP-restore', row: 'fp_restore_skipped', linux: 36, dune: 36 },
  { mechanism: 'No FP-save', row: 'fp_save_skipped', linux: 109, dune: 109 },
];

export interface Table2Options { profile?: Profile; iterations?: number; explain?: boolean }

export interface Table2Measurement {
  row: string;
  switches: number;
  /** cycles per switch, by the guest's RDTSC (overhead subtracted as the guest did) */
  rdtsc: number;
  /** cycles per switch, from the event stream between the same two instructions */
  events: number;
  /** cycles per switch by phase (event stream), largest first */
  phases: { phase: string; cycles: number }[];
}

/** One benchmark run: per row, cycles per switch (absolute) by RDTSC and by the event stream. */
export function runTable2Linux(opts: Table2Options = {}): { rows: Map<string, Table2Measurement>; overhead: number } {
  const iterations = opts.iterations ?? 100;
  const profile = opts.profile ?? loadProfile();
  const elf = buildLinuxProgram({ name: 'table2', sources: ['guest/linux/bench/table2.c'], cflags: [`-DITERATIONS=${iterations}`] });
  const out: number[] = [];
  const boot = bootLinux(elf, { profile, cores: 1, maxCycles: 1e10, onConsole: (b) => out.push(b) });
  const m = boot.machine;
  const syms = new Symbolizer();
  syms.add(boot.program, 0, 0x1000000);
  syms.add(boot.kernel, 0x1000000, 0x4000000);
  const rowsOf = [...TABLE2_PAPER.map((r) => r.row), 'baseline'];
  const prof = new PhaseProfiler(m, syms, rowsOf.map((r) => ({ begin: `t2_begin_${r}`, end: `t2_end_${r}` })));
  const stop = m.run();
  prof.stop();
  const text = Buffer.from(out).toString('latin1');
  if (stop.reason !== 'exit' || stop.exitStatus !== 0) throw new Error(`table2 benchmark did not finish: ${stop.reason} ${stop.detail}\n${text}`);
  const overhead = Number(/table2 overhead (\d+)/.exec(text)?.[1] ?? NaN);
  const rows = new Map<string, Table2Measurement>();
  for (const mm of text.matchAll(/table2 (\S+) (\d+) (\d+)/g)) {
    const row = mm[1]!, switches = Number(mm[2]), cycles = Number(mm[3]);
    const w = prof.windows.find((x) => x.name === `t2_begin_${row}`);
    if (!w) throw new Error(`no event-stream window for row ${row}`);
    const phases = [...w.phases.entries()].map(([phase, t]) => ({ phase, cycles: t / switches })).sort((a, b) => b.cycles - a.cycles);
    rows.set(row, { row, switches, rdtsc: cycles / switches, events: (w.ticks - overhead) / switches, phases });
  }
  return { rows, overhead };
}

export interface Table2Row {
  mechanism: Table2Mechanism;
  /** this machine: overhead per switch above the bare register switch (RDTSC) */
  linux: number;
  /** the same from the event stream */
  linuxEvents: number;
  /** this machine: the whole switch, per switch (RDTSC) */
  linuxAbsolute: number;
  /** the Dune column: needs the host kernel to carry the Dune module (guest/dune), whose system calls it answers */
  dune: null;
  paper: { linux: number; dune: number };
  /** (linux - paper) / paper */
  deviation: { linux: number };
  /** which of this row's cells a profile entry was fitted on */
  calibrated: ('linux' | 'dune')[];
  /** event-stream phases of one switch (absolute), largest first */
  phases: { phase: string; cycles: number }[];
}

export interface Table2Result {
  rows: Table2Row[];
  /** the bare register switch (swapcontext_very_fast), cycles per switch */
  baseline: number;
  iterations: number;
  notes: string[];
}

/**
 * The profile entries fitted on a cell of the paper: those whose `calibrated` text names it, as
 * "Table 2, row 'No FP-save' (109 cycles, Linux process)" or "Table 1, row 'Linux Signal', sender":
 * `cell` is the part up to the row's name ("Table 2, row 'No FP-save'"), `column` what must follow it.
 */
export function fittedCells(profile: Profile, cell: string, column: string): string[] {
  const out: string[] = [];
  const visit = (path: string, v: unknown) => {
    if (v === null || typeof v !== 'object') return;
    const e = v as Record<string, unknown>;
    const text = typeof e.calibrated === 'string' ? e.calibrated : '';
    const at = text.indexOf(cell);
    if (at >= 0 && text.slice(at + cell.length, at + cell.length + 40).includes(column)) out.push(path);
    for (const [k, w] of Object.entries(e)) if (k !== 'calibrated') visit(path ? `${path}.${k}` : k, w);
  };
  visit('', profile);
  return out;
}

export function table2(opts: Table2Options = {}): Table2Result {
  const profile = opts.profile ?? loadProfile();
  const iterations = opts.iterations ?? 100;
  const { rows } = runTable2Linux({ ...opts, profile, iterations });
  const base = rows.get('baseline')!;
  const out: Table2Row[] = TABLE2_PAPER.map((p) => {
    const m = rows.get(p.row)!;
    const linux = m.rdtsc - base.rdtsc;
    return {
      mechanism: p.mechanism,
      linux,
      linuxEvents: m.events - base.events,
      linuxAbsolute: m.rdtsc,
      dune: null,
      paper: { linux: p.linux, dune: p.dune },
      deviation: { linux: (linux - p.linux) / p.linux },
      calibrated: fittedCells(profile, `Table 2, row '${p.mechanism}'`, 'Linux').length > 0 ? ['linux'] : [],
      phases: m.phases,
    };
  });
  return {
    rows: out,
    baseline: base.rdtsc,
    iterations,
    notes: [
      'Dune column: null until the host kernel carries the Dune module (guest/dune runs today under a minimal kernel that answers no system call but exit); the three fast variants make no system call, so their Dune cells will equal the Linux ones.',
      `A cell is one switch's cost above the bare register switch (swapcontext_very_fast, ${base.rdtsc.toFixed(1)} cycles per switch on this machine).`,
    ],
  };
}
