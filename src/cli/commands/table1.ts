/**
 * `shinjuku-emu table1`: the Shinjuku paper's Table 1 (preemption overhead)
 * from guest code on the machine — the Linux Signal row (a Linux process on
 * the host kernel) and the four IPI rows (the Dune module in VMX root mode,
 * libdune and the benchmark in non-root mode, four configurations) — next to
 * the paper, each cell marked calibrated (a profile constant was fitted on
 * it) or predicted.
 */
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { loadProfile, DEFAULT_PROFILE_PATH } from '../../profile/load.js';
import { TABLE1_MECHANISMS, isTable1Mechanism, runTable1Row, table1Rows, type Cell, type Table1Mechanism, type Table1Row } from '../../bench/table1.js';
import { formatLinuxSignal, linuxSignalRow, type LinuxSignalRow } from '../../bench/linuxSignal.js';
import { TraceBuilder } from '../../debug/trace.js';
import { parseProfilePath, type ArgsOf } from '../options.js';
import { InputError, UsageError } from '../errors.js';
import type { CliCommand } from './common.js';

const ALL_ROWS = ['Linux Signal', ...TABLE1_MECHANISMS] as const;

function parseIterations(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new UsageError(`--iterations must be a whole number from 1 to 10000, got '${String(v)}'`);
  return n;
}

function parseRow(v: unknown): string {
  const s = String(v);
  if (s === '' || s === 'all') return 'all';
  const hit = ALL_ROWS.find((r) => r.toLowerCase() === s.toLowerCase());
  if (!hit) throw new UsageError(`unknown Table 1 row '${s}' (rows: ${ALL_ROWS.map((r) => `'${r}'`).join(', ')})`);
  return hit;
}

function builder(y: Argv) {
  return y
    .option('explain', { describe: "break each cell of ROW (or, without a value, of every row) into its phases from the event stream", type: 'string', coerce: parseRow })
    .option('json', { describe: 'print one JSON object: {"rows": [{"mechanism", "sender", "receiver", "total", "calibrated", ...}]}', type: 'boolean', default: false })
    .option('profile', { describe: 'hardware cost profile (JSON)', type: 'string', default: DEFAULT_PROFILE_PATH, requiresArg: true, coerce: parseProfilePath })
    .option('iterations', { describe: 'timed rounds per cell', type: 'string', default: 20, requiresArg: true, coerce: parseIterations })
    .option('cross-socket', { describe: 'put the receiver on the other socket (a prediction: nothing was fitted across sockets)', type: 'boolean', default: false })
    .option('trace', { describe: 'write a Perfetto trace (Chrome JSON) of a few rounds of one IPI row (the --explain row, else Vanilla IPI) to FILE', type: 'string', requiresArg: true })
    .example('$0 table1', 'the table next to the paper')
    .example("$0 table1 --explain 'Vanilla IPI'", 'where each cell of a row goes')
    .example("$0 table1 --trace vanilla.json --explain 'Vanilla IPI'", 'open vanilla.json in ui.perfetto.dev');
}

type Args = ArgsOf<typeof builder>;

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

interface AnyRow { mechanism: string; sender: number; receiver: number; total: number; calibrated: string[]; paper: Record<Cell, number>; deviation: Record<Cell, number>; events: Record<Cell, number> }

export function formatTable1(rows: AnyRow[], notes: string[]): string {
  const lines: string[] = [];
  lines.push("Table 1: preemption overhead in cycles (Shinjuku, NSDI'19 §3.2), measured on the machine");
  lines.push('');
  const head = (c: string) => `${c.padStart(8)} ${'paper'.padStart(6)} ${'dev.'.padStart(7)}     `;
  lines.push(`${'Mechanism'.padEnd(23)} ${head('sender')}${head('receiver')}${head('total')}`);
  for (const r of rows) {
    const cell = (c: Cell) => `${r[c].toFixed(0).padStart(8)} ${String(r.paper[c]).padStart(6)} ${pct(r.deviation[c]).padStart(7)} ${r.calibrated.includes(c) ? 'cal ' : 'pred'}`;
    lines.push(`${r.mechanism.padEnd(23)} ${cell('sender')} ${cell('receiver')} ${cell('total')}`);
  }
  lines.push('');
  lines.push('cal: a profile constant was fitted on this cell (docs/cost-model.md names it); pred: a prediction.');
  for (const n of notes) lines.push(n);
  return lines.join('\n') + '\n';
}

export function explainIpiRow(r: Table1Row): string[] {
  const out = [`${r.mechanism} (sender ${r.configuration.senderExit ? 'WRMSR to the x2APIC ICR: a VM exit' : 'posted, no exit'}; receiver ${r.configuration.postedIntr ? 'posted-interrupt processing, no exit' : 'external-interrupt VM exit'}${r.configuration.crossSocket ? '; across sockets' : ''})`];
  const exits = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  out.push(`  VM exits in the timed total rounds: sender core ${exits(r.exits.sender)}; receiver core ${exits(r.exits.receiver)}`);
  for (const c of ['sender', 'receiver'] as const) {
    out.push(`  ${c}: ${r[c].toFixed(1)} cycles (event stream ${r.events[c].toFixed(1)}), by phase on the ${c === 'sender' ? 'sending' : 'receiving'} core (the window includes the RDTSC the cell subtracts):`);
    for (const p of r.phases[c]) if (p.cycles >= 0.5) out.push(`    ${p.cycles.toFixed(1).padStart(8)}  ${p.phase}`);
  }
  out.push(`  total: ${r.total.toFixed(1)} cycles per round (event stream ${r.events.total.toFixed(1)}), one round across both cores:`);
  for (const s of r.segments) out.push(`    ${s.cycles.toFixed(1).padStart(8)}  ${s.phase}`);
  return out;
}

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'table1',
  describe: "the paper's Table 1 (Linux signal and the four IPI rows) measured on the machine",
  builder,
  handler: (a) => {
    const profile = loadProfile(a.profile);
    const explain = a.explain as string | undefined;
    const traceRow: Table1Mechanism = explain && isTable1Mechanism(explain) ? explain : 'Vanilla IPI';
    if (a.trace !== undefined) {
      // A few rounds of one row, every event on the stream.
      let tb: TraceBuilder | null = null;
      runTable1Row(traceRow, { profile, iterations: 3, warmup: 1, crossSocket: a['cross-socket'], beforeRun: (m) => { tb = new TraceBuilder(m.cores.length, { title: `shinjuku-emu table1: ${traceRow}` }).attach(m); } });
      const b = tb as TraceBuilder | null;
      if (b) {
        b.detach();
        const t = b.build(Infinity);
        try { writeFileSync(a.trace, JSON.stringify(t.json)); } catch (e) { throw new InputError(`cannot write the trace to '${a.trace}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
      }
    }
    const signal = linuxSignalRow({ profile, iterations: a.iterations });
    const ipi = table1Rows({ profile, iterations: a.iterations, crossSocket: a['cross-socket'] });
    const rows: (LinuxSignalRow | Table1Row)[] = [signal.row, ...ipi];
    if (a.json) {
      const strip = (r: LinuxSignalRow | Table1Row) => {
        const base = { mechanism: r.mechanism, sender: r.sender, receiver: r.receiver, total: r.total, calibrated: r.calibrated, paper: r.paper, deviation: r.deviation, events: r.events };
        if (!('segments' in r)) return base;
        return { ...base, icrWrite: r.icrWrite, exits: r.exits, configuration: r.configuration, ...(explain && (explain === 'all' || explain === r.mechanism) ? { phases: r.phases, segments: r.segments } : {}) };
      };
      process.stdout.write(JSON.stringify({ rows: rows.map(strip), iterations: a.iterations, crossSocket: a['cross-socket'] }) + '\n');
      done(0);
      return;
    }
    const notes = [
      `${a.iterations} timed rounds per cell${a['cross-socket'] ? '; the IPI rows with the receiver on the other socket (predictions)' : ''}. Linux Signal: a Linux process on the host kernel (guest/host); IPI rows: the Dune module (guest/dune) with libdune and the benchmark in VMX non-root mode.`,
    ];
    let text = formatTable1(rows as AnyRow[], notes);
    if (explain) {
      const lines: string[] = [''];
      if (explain === 'all' || explain === 'Linux Signal') lines.push(...formatLinuxSignal(signal, true).slice(1).map((l) => l), '');
      for (const r of ipi) if (explain === 'all' || explain === r.mechanism) lines.push(...explainIpiRow(r), '');
      text += lines.join('\n');
    }
    if (a.trace !== undefined) text += `\nwrote a Perfetto trace of '${traceRow}' (3 rounds per cell) to ${a.trace}\n`;
    process.stdout.write(text);
    done(0);
  },
});

export const table1Command: CliCommand = { name: 'table1', register: (y, done) => y.command(definition(done)) };
