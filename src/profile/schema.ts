/**
 * The machine profile: every cycle constant of the machine, each with its
 * source or the word `calibrated` and why (design.md §6). Validated with zod so
 * a bad file fails with the file name, the field path and what was expected.
 */
import { z } from 'zod';

/** A sourced quantity: exactly one of `source` or `calibrated` must explain it. */
const provenance = {
  unit: z.string().min(1).describe('unit of the value, e.g. "core cycles" or "Hz"'),
  source: z.string().min(1).optional().describe('public source of the value'),
  calibrated: z.string().min(1).optional().describe('why the value is calibrated and on which cells'),
};

function sourced<T extends z.ZodRawShape>(shape: T) {
  return z
    .object({ ...shape, ...provenance })
    .strict()
    .refine((e: Record<string, unknown>) => (e.source === undefined) !== (e.calibrated === undefined), {
      message: 'needs exactly one of "source" or "calibrated" (with the reason)',
    });
}

export const ValueEntry = sourced({ value: z.number().finite().positive() });
export const CostEntry = sourced({
  cycles: z.number().finite().nonnegative(),
  latency: z.number().finite().nonnegative().optional(),
});

/** Instruction classes the CPU charges; the decoder maps every op to one. */
export const INSTRUCTION_CLASSES = [
  'alu', 'lea', 'mov', 'shift', 'shiftCl', 'rotateCarry', 'doubleShift', 'bitTest', 'bitScan', 'bswap',
  'setcc', 'cmov', 'imul', 'mulWide', 'div32', 'div64', 'cdq', 'push', 'pop', 'jcc', 'branchTaken', 'jmp',
  'jmpIndirect', 'call', 'ret', 'xchgReg', 'lockedRmw', 'cmpxchg', 'xadd', 'stringSetup', 'stringIteration',
  'nop', 'flagOp', 'pushfPopf', 'pause', 'rdtsc', 'rdtscp', 'cpuid', 'msr', 'fence', 'mfence', 'interruptFlag',
  'hlt', 'portIo', 'controlRegister', 'iret', 'syscall', 'sysret', 'exceptionDelivery', 'software_int', 'tlbWalk', 'decodeMiss',
] as const;
export type InstructionClass = (typeof INSTRUCTION_CLASSES)[number];

const classShape = Object.fromEntries(INSTRUCTION_CLASSES.map((k) => [k, CostEntry])) as {
  [K in InstructionClass]: typeof CostEntry;
};

export const ProfileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    clock: z.object({ tscHz: ValueEntry, coreHz: ValueEntry }).strict(),
    topology: z.object({ sockets: ValueEntry, coresPerSocket: ValueEntry }).strict(),
    memory: z
      .object({
        loadL1: CostEntry,
        storeL1: CostEntry,
        unbackedAccess: CostEntry,
        // Cache and coherence latencies (src/memory/coherence.ts).
        l2Hit: CostEntry,
        l3Hit: CostEntry,
        remoteClean: CostEntry,
        remoteModified: CostEntry,
        crossSocket: CostEntry,
        dram: CostEntry,
        rfoUpgrade: CostEntry,
        remoteRequestShare: ValueEntry,
        // Cache geometry.
        l1dBytes: ValueEntry,
        l1dWays: ValueEntry,
        l2Bytes: ValueEntry,
        l2Ways: ValueEntry,
        l3BytesPerSocket: ValueEntry,
        l3Ways: ValueEntry,
      })
      .strict(),
    instructionClasses: z.object(classShape).strict(),
    apic: z
      .object({
        ipiLatency: CostEntry,
        ipiLatencyCrossSocket: CostEntry,
        xapicMmioAccess: CostEntry,
        ioapicMmioAccess: CostEntry,
        timerHz: ValueEntry,
      })
      .strict(),
  })
  .strict();

export type Profile = z.infer<typeof ProfileSchema>;
