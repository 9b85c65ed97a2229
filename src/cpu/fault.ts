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

/** Exceptions that push an error code (SDM Vol. 3A Table 6-1). */
export function hasErrorCode(v: number): boolean {
  return v === 8 || v === 10 || v === 11 || v === 12 || v === 13 || v === 14 || v === 17 || v === 21;
}

/**
 * Thrown by instruction handlers: a fault restarts at the faulting
 * instruction (RIP = its address), a trap (`isTrap`) continues after it.
 */
export class Fault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | null,
    readonly detail: string,
    readonly isTrap = false,
  ) {}
}

/** Thrown to stop the machine: an instruction the emulator does not implement. */
export class Unsupported {
  constructor(readonly detail: string) {}
}

export function fault(vector: number, errorCode: number | null, detail: string): Fault {
  return new Fault(vector, errorCode, detail);
}
