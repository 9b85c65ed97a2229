/**
 * How the end of a run is told to the user: the stop report on stderr for
 * runs the guest did not end itself, and the --json summary line.
 */
import { chalkStderr } from 'chalk';
import { STATUS, type RunResult } from '../sim/run.js';
import { NO_IDT, VECTOR_NAMES, vectorShortName, type Undelivered } from '../cpu/fault.js';
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

/** " on core 0 at cycle 22332: RIP 0x40102d  idiv %ecx": where and when a stop happened. */
function where(stop: StopInfo): string {
  let s = '';
  if (stop.core !== null) s += ` on core ${stop.core}`;
  s += ` at cycle ${cycle(stop.tick)}:`;
  if (stop.rip !== null) s += ` RIP 0x${hex(stop.rip)}`;
  // The formatter pads the mnemonic into a column; in a sentence one space reads better.
  if (stop.disassembly) s += `  ${stop.disassembly.replace(/\s+/g, ' ')}`;
  return s;
}

/** What guest/lib/rt.c's handlers print for a vector, and the status they exit with (see rt.h). */
function trappedAs(vector: number): string {
  if (vector >= 32) return `"unexpected interrupt ${vector}" and exit with 63`;
  const name = VECTOR_NAMES[vector] ? vectorShortName(vector) : 'its name';
  return `"exception ${vector} (${name})" and exit with ${64 + vector}`;
}

/**
 * A triple fault, told from the fault the program raised: that fault first
 * (vector, core, cycle, RIP, instruction, cause), then why the core could not
 * deliver it and what followed, then what to do about it.
 */
function tripleFaultReport(stop: StopInfo, chain: readonly Undelivered[]): string {
  const [first, ...rest] = chain as [Undelivered, ...Undelivered[]];
  const lines = [`${VECTOR_NAMES[first.vector] ?? `vector ${first.vector}`}${where(stop)} — ${first.detail}`];
  let why = `it could not be delivered: ${first.reason}`;
  if (rest.length > 0 && rest.every((r) => r.reason === first.reason)) {
    const names = rest.map((r) => vectorShortName(r.vector));
    why += `; nor could the ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`} that followed`;
  } else {
    for (const r of rest) why += `; then ${vectorShortName(r.vector)}: ${r.reason}`;
  }
  lines.push(`  ${why}: triple fault, core ${stop.core} shut down`);
  lines.push(first.reason === NO_IDT
    ? `  hint: the guest has no IDT; with rt_trap_exceptions() (guest/lib/rt.h) called first it would print ${trappedAs(first.vector)}`
    : "  hint: 'shinjuku-emu debug' shows the gates the core read ('info idt') and can stop at each exception ('catch exception')");
  return lines.join('\n');
}

/**
 * The report (without the `shinjuku-emu: ` prefix) for a run that did not
 * end through the guest's exit port, or null when it did. One line, except
 * for a triple fault (see tripleFaultReport).
 */
export function stopReport(stop: StopInfo, maxCycles: number | undefined): string | null {
  switch (stop.reason) {
    case 'exit':
      return null;
    case 'max-cycles':
      return `the guest did not finish within --max-cycles ${maxCycles ?? cycle(stop.tick)} (cycle limit reached); raise --max-cycles or check for a runaway loop`;
    case 'all-halted':
      return `every core had halted at cycle ${cycle(stop.tick)} and no interrupt could wake one, but the guest never wrote an exit status (port 0xf4): exit status ${STATUS.allHalted}`;
    case 'triple-fault':
      if (stop.undelivered && stop.undelivered.length > 0) return tripleFaultReport(stop, stop.undelivered);
      return `${REASON[stop.reason]}${where(stop)} — ${stop.detail}`;
    default:
      return `${REASON[stop.reason] ?? stop.reason}${where(stop)} — ${stop.detail}`;
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
