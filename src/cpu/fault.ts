/**
 * Architectural exceptions (SDM Vol. 3A §6.3, Table 6-1) and the machine-level
 * stop conditions that end a run with a report instead of a JS stack trace.
 */
export const enum Vector {
  DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
  TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19,
}

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE divide error', 1: '#DB debug', 2: 'NMI', 3: '#BP breakpoint', 4: '#OF overflow', 5: '#BR bound range',
  6: '#UD invalid opcode', 7: '#NM device not available', 8: '#DF double fault', 10: '#TS invalid TSS',
  11: '#NP segment not present', 12: '#SS stack fault', 13: '#GP general protection', 14: '#PF page fault',
  16: '#MF x87 error', 17: '#AC alignment check', 18: '#MC machine check', 19: '#XM SIMD exception',
};

/** "#DE", "NMI", "vector 40": the short name of a vector. */
export function vectorShortName(v: number): string {
  const n = VECTOR_NAMES[v];
  return n ? n.split(' ')[0]! : `vector ${v}`;
}

/** Why delivering an event faulted when the guest never loaded an IDT (the guest ABI starts with IDTR limit 0). */
export const NO_IDT = 'no IDT loaded (IDTR limit 0)';

/**
 * An event the core tried to deliver and could not: delivering it faulted
 * (SDM Vol. 3A §6.15, Tables 6-4 and 6-5). A triple fault ends a chain of
 * these; the first is the event the program raised.
 */
export interface Undelivered {
  vector: number;
  /** What raised it, e.g. "divide by zero" (for later links: the fault that led to it). */
  detail: string;
  /** Why delivering it faulted, e.g. NO_IDT. */
  reason: string;
}

/**
 * One line for a chain of undelivered events, the original fault first:
 * "#DE divide error (divide by zero) could not be delivered: no IDT loaded
 * (IDTR limit 0); the #DF that followed failed the same way".
 */
export function describeUndelivered(chain: readonly Undelivered[]): string {
  const [first, ...rest] = chain;
  if (first === undefined) return '';
  let s = `${VECTOR_NAMES[first.vector] ?? `vector ${first.vector}`} (${first.detail}) could not be delivered: ${first.reason}`;
  if (rest.length === 0) return s;
  if (rest.every((r) => r.reason === first.reason)) {
    const names = rest.map((r) => vectorShortName(r.vector));
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    return `${s}; the ${list} that followed failed the same way`;
  }
  for (const r of rest) s += `; then ${vectorShortName(r.vector)}: ${r.reason}`;
  return s;
}

/** Exceptions that push an error code (SDM Vol. 3A Table 6-1). */
export function hasErrorCode(v: number): boolean {
  return v === 8 || v === 10 || v === 11 || v === 12 || v === 13 || v === 14 || v === 17 || v === 21;
}

/**
 * Thrown by instruction handlers: a fault restarts at the faulting
 * instruction (RIP = its address), a trap (`isTrap`) continues after it.
 * `software`: INT n / INT3, whose delivery checks the gate's DPL and leaves
 * EXT clear; INT1 is a trap that is not (SDM Vol. 2A INT n/INTO/INT3/INT1).
 */
export class Fault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | null,
    readonly detail: string,
    readonly isTrap = false,
    readonly software = isTrap,
  ) {}
}

/** Thrown to stop the machine: an instruction the emulator does not implement. */
export class Unsupported {
  constructor(readonly detail: string) {}
}

export function fault(vector: number, errorCode: number | null, detail: string): Fault {
  return new Fault(vector, errorCode, detail);
}
