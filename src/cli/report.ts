/**
 * How the end of a run is told to the user: the stop report on stderr for
 * runs the guest did not end itself, and the --json summary line.
 */
import { chalkStderr } from 'chalk';
import type { RunResult } from '../sim/run.js';
import type { StopInfo } from '../sim/machine.js';
import { hex } from '../sim/machine.js';
import type { StopReason } from '../sim/events.js';

const REASON: Record<StopReason, string> = {
  'exit': 'exit',
  'all-halted': 'all cores halted',
  'deadlock': 'every running core spins on memory nothing will write',
  'max-cycles': 'cycle limit reached',
  'fault': 'fault',
  'triple-fault': 'triple fault',
  'unsupported': 'unsupported instruction',
  'breakpoint': 'breakpoint',
};

/** Cycle counts are fractional TSC ticks; a report shows the tick the event falls in. */
function cycle(tick: number): string {
  return String(Math.floor(tick));
}

/**
 * The one-line report (without the `shinjuku-emu: ` prefix) for a run that did
 * not end through the guest's exit port, or null when it did.
 */
export function stopReport(stop: StopInfo, maxCycles: number | undefined): string | null {
  switch (stop.reason) {
    case 'exit':
      return null;
    case 'max-cycles':
      return `the guest did not finish within --max-cycles ${maxCycles ?? cycle(stop.tick)} (cycle limit reached); raise --max-cycles or check for a runaway loop`;
    case 'all-halted':
      return `all cores halted at cycle ${cycle(stop.tick)} without the guest writing to the exit port; ${stop.detail}`;
    default: {
      let s = REASON[stop.reason] ?? stop.reason;
      if (stop.core !== null) s += ` on core ${stop.core}`;
      s += ` at cycle ${cycle(stop.tick)}:`;
      if (stop.rip !== null) s += ` RIP 0x${hex(stop.rip)}`;
      // The formatter pads the mnemonic into a column; in a sentence one space reads better.
      if (stop.disassembly) s += `  ${stop.disassembly.replace(/\s+/g, ' ')}`;
      return `${s} — ${stop.detail}`;
    }
  }
}

/** The --json line: exactly these fields, so scripts can rely on them. */
export function jsonSummary(r: RunResult): string {
  return JSON.stringify({
    exitStatus: r.exitStatus,
    hostSeconds: r.hostSeconds,
    stopReason: r.stopReason,
    cores: r.cores.map((c) => ({ id: c.id, instructions: c.instructions, cycles: c.cycles })),
  });
}

/** Red only for a person at a terminal; NO_COLOR and friends are honoured by chalk. */
export function errorLine(text: string): string {
  const line = `shinjuku-emu: ${text}`;
  return process.stderr.isTTY && chalkStderr.level > 0 ? chalkStderr.red(line) : line;
}
