/** The debugger's vocabulary: stop positions, breakpoints / catchpoints / watchpoints, hits and stops. */
import type { StopInfo } from '../sim/machine.js';
import type { LoggedKind } from './eventlog.js';
import type { CoreState } from './machineState.js';

export type Position =
  | { type: 'boot' }
  | { type: 'retire'; core: number; n: number }
  | { type: 'event'; kind: LoggedKind; ordinal: number }
  | { type: 'tick'; tick: number }
  | { type: 'end' };

export type CatchKind = 'ipi' | 'interrupt' | 'eoi' | 'exception' | 'halt' | 'wake' | 'io' | 'line' | 'vmexit' | 'vmentry' | 'posted';
export const CATCH_KINDS: CatchKind[] = ['ipi', 'interrupt', 'eoi', 'exception', 'halt', 'wake', 'io', 'line', 'vmexit', 'vmentry', 'posted'];

/** The steps of posted-interrupt processing, in the SDM's order (`catch posted [step]`). */
export const POSTED_STEPS = ['notification', 'on-cleared', 'eoi', 'pir-to-virr', 'rvi', 'evaluate'];

/** Line sources that are a transfer from another core's cache (coherence traffic between cores). */
export const TRANSFER_SOURCES = new Set(['remoteModified', 'remoteClean', 'crossSocket']);

export interface CatchFilter {
  from?: number; to?: number; vector?: number; core?: number; phase?: 'sent' | 'accepted'; port?: number;
  /** Physical address whose 64-byte line is watched (catch line). */ addr?: number;
  /** Basic exit reason (catch vmexit). */ reason?: number;
  /** Posted-interrupt step (catch posted). */ step?: string;
}

interface BpBase { id: number; enabled: boolean; hits: number; cond: string | null; }
export interface Breakpoint extends BpBase { kind: 'break'; addr: number; where: string; core: number | null; }
export interface Catchpoint extends BpBase { kind: 'catch'; what: CatchKind; filter: CatchFilter; }
export interface Watchpoint extends BpBase { kind: 'watch'; pa: number; len: number; access: 'w' | 'r' | 'rw'; where: string; }
export type Point = Breakpoint | Catchpoint | Watchpoint;

/** Kinds `step-event` understands (and `step-event` alone: any of the default set). */
export const STEP_EVENT_KINDS = ['ipi', 'sent', 'accepted', 'interrupt', 'eoi', 'exception', 'halt', 'wake', 'io', 'line', 'vmexit', 'vmentry', 'posted', 'vintr', 'any'] as const;
export type StepEventKind = (typeof STEP_EVENT_KINDS)[number];

export interface Hit {
  /** What stopped the run, as the stop report says it. */
  text: string;
  /** 'step', 'breakpoint', 'catchpoint', 'watchpoint', 'event', 'until', 'next', 'finish', 'interrupted'. */
  kind: string;
  position: Position;
  core: number | null;
  point?: Point;
  /** The event that triggered it (for --json). */
  event?: Record<string, unknown>;
  /** Evaluated once the machine has paused; a false result resumes the run silently. */
  confirm?: () => boolean;
}


export interface Stop {
  kind: string;
  hits: Hit[];
  /** The machine has stopped for good (exit, all halted, fault, cycle limit). */
  end: StopInfo | null;
  position: Position;
  fingerprint: string;
  core: number | null;
  /** Per core: instructions and cycles before the command ran. */
  before: CoreState[];
  /** Instructions other cores retired while a step ran (up to a few per core). */
  meanwhile: Map<number, number[]>;
  /** Guest console output produced by this command. */
  console: string;
  replayed: boolean;
}

