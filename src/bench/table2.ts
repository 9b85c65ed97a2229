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
  /** VM exits and SYSCALL instructions inside the timed window (all its switches) */
  vmExits: number;
  syscalls: number;
}

/** libdune for a Linux process: linked after the C library, so the program's own code and data keep their addresses. */
export const LIBDUNE_PROCESS = ['guest/libdune/entry.c'];

export type Table2Column = 'linux' | 'dune';

/** The benchmark program of one column: the same source, with libdune (entering Dune mode first) for 'dune'. */
export function buildTable2(column: Table2Column, iterations: number): string {
  return buildLinuxProgram({
    name: column === 'dune' ? 'table2-dune' : 'table2',
    sources: ['guest/linux/bench/table2.c'],
    cflags: [`-DITERATIONS=${iterations}`],
    ...(column === 'dune' ? { after: LIBDUNE_PROCESS } : {}),
  });
}

/**
 * In a Dune process the page at the host's LSTAR address holds libdune's __dune_syscall (the guest's
 * page table maps it there), while the kernel image has its SYSCALL entry at those addresses: inside a
 * Dune window the instructions there are the stub's.
 */
class DuneSymbolizer extends Symbolizer {
  constructor(private readonly stubPage: number) { super(); }
  override find(addr: number): string {
    if (addr >= this.stubPage && addr < this.stubPage + 4096) return '__dune_syscall (libdune stub at LSTAR)';
    return super.find(addr);
  }
}

/** One run of a column's program: per row, cycles per switch (absolute) by RDTSC and by the event stream. */
export function runTable2Column(column: Table2Column, opts: Table2Options = {}): { rows: Map<string, Table2Measurement>; overhead: number } {
  const iterations = opts.iterations ?? 100;
  const profile = opts.profile ?? loadProfile();
  const elf = buildTable2(column, iterations);
  const out: number[] = [];
  const boot = bootLinux(elf, { profile, cores: 1, maxCycles: 1e10, onConsole: (b) => out.push(b) });
  const m = boot.machine;
  const kernelSyms = new Symbolizer();
  kernelSyms.add(boot.kernel, 0x1000000, 0x4000000);
  const lstar = kernelSyms.lookup('entry_SYSCALL_64');
  if (lstar === undefined) throw new Error(`${boot.kernel}: no entry_SYSCALL_64 symbol`);
  const syms = column === 'dune' ? new DuneSymbolizer(lstar - (lstar % 4096)) : new Symbolizer();
  syms.add(boot.program, 0, 0x1000000);
  syms.add(boot.kernel, 0x1000000, 0x4000000);
  const rowsOf = [...TABLE2_PAPER.map((r) => r.row), 'baseline', ...(column === 'dune' ? ['ring3'] : [])];
  // VMX instructions are phases of their own: VMRESUME carries the VM entry, VMCALL the exit's start.
  const vmxPhase = (_sym: string, insn: string): string | null => {
    const mnem = insn.split(/\s+/)[0] ?? '';
    return mnem === 'vmresume' ? 'VMRESUME (VM entry)' : mnem === 'vmcall' ? 'VMCALL' : mnem === 'vmread' ? 'VMREAD' : mnem === 'vmwrite' ? 'VMWRITE' : null;
  };
  const prof = new PhaseProfiler(m, syms, rowsOf.map((r) => ({ begin: `t2_begin_${r}`, end: `t2_end_${r}` })), vmxPhase);
  // VM exits and system calls inside each window: a SYSCALL lands at LSTAR in both columns (the host's
  // entry_SYSCALL_64, or the Dune stub the guest maps at that address).
  const marks = new Map<number, { row: string; begin: boolean }>();
  for (const r of rowsOf) {
    marks.set(syms.lookup(`t2_begin_${r}`)!, { row: r, begin: true });
    marks.set(syms.lookup(`t2_end_${r}`)!, { row: r, begin: false });
  }
  const counts = new Map<string, { vmExits: number; syscalls: number }>(rowsOf.map((r) => [r, { vmExits: 0, syscalls: 0 }]));
  let open: string | null = null;
  const offRetire = m.events.on('retire', (e) => {
    const mk = marks.get(e.rip);
    if (mk) {
      // a row's function may run more than once (a warm-up call): the last window is the timed one
      if (mk.begin) counts.set(mk.row, { vmExits: 0, syscalls: 0 });
      open = mk.begin ? mk.row : null;
    }
    else if (open !== null && e.rip === lstar) counts.get(open)!.syscalls++;
  });
  const offExit = m.events.on('vmexit', () => { if (open !== null) counts.get(open)!.vmExits++; });
  const stop = m.run();
  prof.stop();
  offRetire();
  offExit();
  const text = Buffer.from(out).toString('latin1');
  if (stop.reason !== 'exit' || stop.exitStatus !== 0) throw new Error(`table2 benchmark (${column}) did not finish: ${stop.reason} ${stop.detail}\n${text}`);
  const overhead = Number(/table2 overhead (\d+)/.exec(text)?.[1] ?? NaN);
  const rows = new Map<string, Table2Measurement>();
  for (const mm of text.matchAll(/table2 (\S+) (\d+) (\d+)/g)) {
    const row = mm[1]!, switches = Number(mm[2]), cycles = Number(mm[3]);
    const w = prof.windows.filter((x) => x.name === `t2_begin_${row}`).pop();
    if (!w) throw new Error(`no event-stream window for row ${row}`);
    const phases = [...w.phases.entries()].map(([phase, t]) => ({ phase, cycles: t / switches })).sort((a, b) => b.cycles - a.cycles);
    const c = counts.get(row)!;
    rows.set(row, { row, switches, rdtsc: cycles / switches, events: (w.ticks - overhead) / switches, phases, vmExits: c.vmExits, syscalls: c.syscalls });
  }
  return { rows, overhead };
}

/** The Linux column's run (kept for callers of the first version). */
export function runTable2Linux(opts: Table2Options = {}): { rows: Map<string, Table2Measurement>; overhead: number } {
  return runTable2Column('linux', opts);
}

export interface Table2Row {
  mechanism: Table2Mechanism;
  /** this machine: overhead per switch above the bare register switch (RDTSC), Linux process */
  linux: number;
  /** the same from the event stream */
  linuxEvents: number;
  /** this machine: the whole switch, per switch (RDTSC) */
  linuxAbsolute: number;
  /** the same three in a Dune process (VMX non-root ring 0 under the host kernel's Dune module) */
  dune: number;
  duneEvents: number;
  duneAbsolute: number;
  paper: { linux: number; dune: number };
  /** (machine - paper) / paper */
  deviation: { linux: number; dune: number };
  /** which of this row's cells a profile entry was fitted on */
  calibrated: ('linux' | 'dune')[];
  /** event-stream phases of one switch (absolute), largest first: Linux process, Dune process */
  phases: { phase: string; cycles: number }[];
  dunePhases: { phase: string; cycles: number }[];
  /** inside the timed window of the Dune process (all its switches): VM exits and SYSCALL instructions */
  duneVmExits: number;
  duneSyscalls: number;
}

/** The ring 3 -> 0 -> 3 round trip inside Dune (NSDI'19 §3.6, "Security model": 84 cycles). */
export interface Ring3Result {
  paper: number;
  /** cycles per round trip (RDTSC; the loop's DEC/JNZ included), and from the event stream */
  machine: number;
  events: number;
  deviation: number;
  /** profile entries fitted on §3.6's number (SYSCALL and SYSRET): it is their sum, not an independent prediction */
  fittedOn: string[];
  phases: { phase: string; cycles: number }[];
  vmExits: number;
}

export interface Table2Result {
  rows: Table2Row[];
  /** the bare register switch (swapcontext_very_fast), cycles per switch, in each column */
  baseline: number;
  duneBaseline: number;
  ring3: Ring3Result;
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
  const { rows } = runTable2Column('linux', { ...opts, profile, iterations });
  const { rows: drows } = runTable2Column('dune', { ...opts, profile, iterations });
  const base = rows.get('baseline')!;
  const dbase = drows.get('baseline')!;
  const out: Table2Row[] = TABLE2_PAPER.map((p) => {
    const m = rows.get(p.row)!;
    const d = drows.get(p.row)!;
    const linux = m.rdtsc - base.rdtsc;
    const dune = d.rdtsc - dbase.rdtsc;
    const calibrated: ('linux' | 'dune')[] = [];
    if (fittedCells(profile, `Table 2, row '${p.mechanism}'`, 'Linux').length > 0) calibrated.push('linux');
    if (fittedCells(profile, `Table 2, row '${p.mechanism}'`, 'Dune').length > 0) calibrated.push('dune');
    return {
      mechanism: p.mechanism,
      linux,
      linuxEvents: m.events - base.events,
      linuxAbsolute: m.rdtsc,
      dune,
      duneEvents: d.events - dbase.events,
      duneAbsolute: d.rdtsc,
      paper: { linux: p.linux, dune: p.dune },
      deviation: { linux: (linux - p.linux) / p.linux, dune: (dune - p.dune) / p.dune },
      calibrated,
      phases: m.phases,
      dunePhases: d.phases,
      duneVmExits: d.vmExits,
      duneSyscalls: d.syscalls,
    };
  });
  const r3 = drows.get('ring3');
  if (!r3) throw new Error('the Dune table2 run printed no ring3 row');
  const ring3: Ring3Result = {
    paper: 84,
    machine: r3.rdtsc,
    events: r3.events,
    deviation: (r3.rdtsc - 84) / 84,
    fittedOn: fittedCells(profile, "§3.6 'Security model'", ''),
    phases: r3.phases,
    vmExits: r3.vmExits,
  };
  return {
    rows: out,
    baseline: base.rdtsc,
    duneBaseline: dbase.rdtsc,
    ring3,
    iterations,
    notes: [
      `A cell is one switch's cost above the bare register switch (swapcontext_very_fast: ${base.rdtsc.toFixed(1)} cycles per switch in the Linux process, ${dbase.rdtsc.toFixed(1)} in the Dune process).`,
      "Dune column: the same program in a Dune process (libdune's dune_enter, VMX non-root ring 0). Its swapcontext cell is a prediction: the rt_sigprocmask SYSCALL lands in libdune's __dune_syscall, whose VMCALL exits to the module's loop, which runs the host kernel's handler and resumes; no profile entry is fitted on it (the loop's VM exit/entry split and VMWRITE come from Table 1's exiting-sender row, the handler's residual from the Linux swapcontext cell). The three fast variants make no system call and no VM exit, so they equal the Linux cells.",
      `Ring 3 -> 0 -> 3 inside Dune (a null SYSCALL from ring 3 of the Dune process to __dune_syscall's user-mode path and SYSRETQ back): ${r3.rdtsc.toFixed(1)} cycles per round trip, paper 84 (NSDI'19 §3.6). ${ring3.fittedOn.length > 0 ? `Not an independent prediction: ${ring3.fittedOn.join(' and ')} were fitted on that number; the stub's instructions and the loop add the rest.` : 'A prediction.'}`,
    ],
  };
}
