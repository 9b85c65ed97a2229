/**
 * `shinjuku-emu table2`: the Shinjuku paper's Table 2 (context switches) from
 * guest code on the machine — glibc's swapcontext and Shinjuku's three fast
 * variants in a Linux process and in a Dune process under the host kernel —
 * next to the paper, each cell marked calibrated (a profile entry was
 * fitted on it) or predicted, and the ring 3 -> 0 -> 3 round trip inside
 * Dune (§3.6).
 */
import type { Argv, CommandModule } from 'yargs';
import { loadProfile } from '../../profile/load.js';
import { table2, type Table2Result } from '../../bench/table2.js';
import { DEFAULT_PROFILE_PATH } from '../../profile/load.js';
import { parseProfilePath, type ArgsOf } from '../options.js';
import { UsageError } from '../errors.js';
import type { CliCommand } from './common.js';

function parseIterations(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new UsageError(`--iterations must be a whole number from 1 to 100000, got '${String(v)}'`);
  return n;
}

function builder(y: Argv) {
  return y
    .option('explain', { describe: 'break each cell into its phases (from the event stream)', type: 'boolean', default: false })
    .option('json', { describe: 'print one JSON object: {"rows": [{"mechanism", "linux", "dune", "calibrated", ...}], "ring3": {...}}', type: 'boolean', default: false })
    .option('profile', { describe: 'hardware cost profile (JSON)', type: 'string', default: DEFAULT_PROFILE_PATH, requiresArg: true, coerce: parseProfilePath })
    .option('iterations', { describe: 'round trips per mechanism (each is two switches)', type: 'string', default: 100, requiresArg: true, coerce: parseIterations });
}

type Args = ArgsOf<typeof builder>;

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export function formatTable2(r: Table2Result, explain: boolean): string {
  const lines: string[] = [];
  const mark = (row: Table2Result['rows'][number], col: 'linux' | 'dune') => (row.calibrated.includes(col) ? 'calibrated' : 'predicted');
  lines.push('Table 2: context-switch overhead in cycles (Shinjuku, NSDI\'19 §3.3), measured on the machine');
  lines.push('');
  lines.push(`${'Mechanism'.padEnd(16)} ${'Linux'.padStart(8)} ${'paper'.padStart(7)} ${'dev.'.padStart(8)}  ${''.padEnd(10)}  ${'Dune'.padStart(8)} ${'paper'.padStart(7)} ${'dev.'.padStart(8)}  ${''.padEnd(10)}`);
  for (const row of r.rows) {
    lines.push(`${row.mechanism.padEnd(16)} ${row.linux.toFixed(1).padStart(8)} ${String(row.paper.linux).padStart(7)} ${pct(row.deviation.linux).padStart(8)}  ${mark(row, 'linux').padEnd(10)}  ${row.dune.toFixed(1).padStart(8)} ${String(row.paper.dune).padStart(7)} ${pct(row.deviation.dune).padStart(8)}  ${mark(row, 'dune').padEnd(10)}`);
  }
  const g = r.ring3;
  lines.push('');
  lines.push(`Ring 3 -> 0 -> 3 inside Dune (§3.6): ${g.machine.toFixed(1)} cycles, paper ${g.paper} (${pct(g.deviation)}), ${g.fittedOn.length > 0 ? `SYSCALL/SYSRET fitted on it (${g.fittedOn.join(', ')})` : 'predicted'}`);
  lines.push('');
  for (const n of r.notes) lines.push(n);
  if (explain) {
    for (const row of r.rows) {
      lines.push('');
      lines.push(`${row.mechanism}, Linux: ${row.linuxAbsolute.toFixed(1)} cycles per switch (RDTSC; event stream ${(row.linuxEvents + r.baseline).toFixed(1)}), minus the bare switch ${r.baseline.toFixed(1)} = ${row.linux.toFixed(1)}`);
      for (const p of row.phases) if (p.cycles >= 0.05) lines.push(`  ${p.cycles.toFixed(2).padStart(9)}  ${p.phase}`);
      lines.push(`${row.mechanism}, Dune: ${row.duneAbsolute.toFixed(1)} cycles per switch (RDTSC; event stream ${(row.duneEvents + r.duneBaseline).toFixed(1)}), minus the bare switch ${r.duneBaseline.toFixed(1)} = ${row.dune.toFixed(1)}; ${row.duneVmExits} VM exits and ${row.duneSyscalls} system calls in the timed loop`);
      for (const p of row.dunePhases) if (p.cycles >= 0.05) lines.push(`  ${p.cycles.toFixed(2).padStart(9)}  ${p.phase}`);
    }
    lines.push('');
    lines.push(`Ring 3 -> 0 -> 3 inside Dune: ${g.machine.toFixed(1)} cycles per round trip (RDTSC; event stream ${g.events.toFixed(1)}), ${g.vmExits} VM exits`);
    for (const p of g.phases) if (p.cycles >= 0.05) lines.push(`  ${p.cycles.toFixed(2).padStart(9)}  ${p.phase}`);
  }
  return lines.join('\n') + '\n';
}

const definition = (done: (status: number) => void): CommandModule<object, Args> => ({
  command: 'table2',
  describe: "the paper's Table 2 (swapcontext and Shinjuku's fast switches) measured on the machine",
  builder,
  handler: (a) => {
    const r = table2({ profile: loadProfile(a.profile), iterations: a.iterations });
    if (a.json) {
      const ring3 = a.explain ? r.ring3 : (({ phases: _p, ...rest }) => rest)(r.ring3);
      process.stdout.write(JSON.stringify({
        rows: r.rows.map(({ phases, dunePhases, ...rest }) => (a.explain ? { ...rest, phases, dunePhases } : rest)),
        baseline: r.baseline, duneBaseline: r.duneBaseline, ring3, iterations: r.iterations, notes: r.notes,
      }) + '\n');
    } else {
      process.stdout.write(formatTable2(r, a.explain));
    }
    done(0);
  },
});

export const table2Command: CliCommand = { name: 'table2', register: (y, done) => y.command(definition(done)) };
