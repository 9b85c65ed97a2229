/**
 * The machine profile: every cycle constant of the machine, each with one
 * provenance kind and its text (docs/cost-model.md). Validated with zod so
 * a bad file fails with the file name, the field path and what was expected.
 */
import { z } from 'zod';

/**
 * Provenance: every entry says where its value comes from, with exactly one
 * of four kinds (docs/cost-model.md, "Provenance"):
 * - `source`: a public measurement or document (the paper's section, the
 *   Intel SDM, uops.info, a public measurement repository) — primary, so a
 *   user can look it up;
 * - `derived`: arithmetic on sourced values — the text gives the equation;
 * - `assumption`: a modelling choice no source pins down — the text says why;
 * - `calibrated`: fitted — the text names the Table cells or figures it was
 *   fitted on (those cells are then not predictions).
 */
export const PROVENANCE_KINDS = ['source', 'derived', 'assumption', 'calibrated'] as const;
export type ProvenanceKind = (typeof PROVENANCE_KINDS)[number];

const provenance = {
  unit: z.string().min(1).describe('unit of the value, e.g. "core cycles" or "Hz"'),
  source: z.string().min(1).optional().describe('the public source of the value'),
  derived: z.string().min(1).optional().describe('the equation over sourced values that gives it'),
  assumption: z.string().min(1).optional().describe('the modelling choice, and why'),
  calibrated: z.string().min(1).optional().describe('the cells or figures it was fitted on, and why'),
};

function sourced<T extends z.ZodRawShape>(shape: T) {
  return z
    .object({ ...shape, ...provenance })
    .strict()
    .refine((e: Record<string, unknown>) => PROVENANCE_KINDS.filter((k) => e[k] !== undefined).length === 1, {
      message: 'needs exactly one of "source", "derived", "assumption" or "calibrated" (with its text)',
    });
}

/** The provenance kind an entry uses (the schema guarantees exactly one). */
export function provenanceOf(e: Partial<Record<ProvenanceKind, string>>): { kind: ProvenanceKind; text: string } {
  for (const k of PROVENANCE_KINDS) if (e[k] !== undefined) return { kind: k, text: e[k]! };
  throw new Error('profile entry without provenance');
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
  'hlt', 'portIo', 'controlRegister', 'iret', 'syscall', 'sysret', 'exceptionDelivery',
  // Cost model (issue 8):
  'clflush',
  // x87 FPU (issue 13, x87 part)
  'x87Wait', 'x87Init', 'x87Clex', 'x87Ldcw', 'x87Stcw', 'x87Stsw', 'x87Stenv', 'x87Ldenv', 'x87Save', 'x87Rstor',
  'x87Stack', 'x87Move', 'x87Load', 'x87Store', 'x87Ild', 'x87Ist', 'x87Bld', 'x87Bstp', 'x87Const', 'x87Zero', 'x87Xch',
  'x87Cmov', 'x87Add', 'x87Mul', 'x87Div', 'x87IntArith', 'x87IntDiv', 'x87Sign', 'x87Sqrt', 'x87Rndint', 'x87Scale',
  'x87Xtract', 'x87Prem', 'x87Prem1', 'x87Compare', 'x87IntCompare', 'x87Comi', 'x87Xam',
  // BMI2 and MOVBE (issue 13, x87 part)
  'bmi2Shift', 'bzhi', 'mulx', 'pdepPext', 'movbe',
  // SSE/AVX and extended-state classes (issue 13, SIMD part)
  'vecMove', 'vecLogic', 'vecShuffle', 'vecToGpr', 'vecIntAlu', 'vecIntMul',
  'vecIntMulLong', 'vecHorizontal', 'vecShift', 'vecShiftVar', 'vecBlendVar', 'vecTest',
  'vecFpAdd', 'vecFpMul', 'vecFpDivSingle', 'vecFpDivSingleY', 'vecFpDivDouble', 'vecFpDivDoubleY',
  'vecFpSqrtSingle', 'vecFpSqrtSingleY', 'vecFpSqrtDouble', 'vecFpSqrtDoubleY', 'vecFpHorizontal', 'vecComi',
  'vecCvt', 'vecFpRound', 'vecFpDot', 'vecFpRcp', 'ldmxcsr', 'stmxcsr',
  'fxsave', 'fxrstor', 'xgetbv', 'xsetbv',
  'vecPcmpStr', 'crc32', 'xsave', 'xrstor', 'vecAes', 'vecClmul',
  'vecFma', 'vecLanePermute', 'vecMaskMove', 'vzero', 'vecGather', 'vecCvtHalf',
  // VMX (issue 10): VMX instructions in root mode; VM entry/exit costs are in the `vmx` section
  'vmread', 'vmwrite', 'vmptrld', 'vmclear', 'vmxInstruction',
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
        uncachedRam: CostEntry,
        unbackedAccess: CostEntry,
        pageSplitLoad: CostEntry,
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
    // The data TLB (src/cpu/tlb.ts): capacities per page size and the cost of each level's miss.
    tlb: z
      .object({
        dtlb4kEntries: ValueEntry,
        dtlb4kWays: ValueEntry,
        dtlb2mEntries: ValueEntry,
        dtlb2mWays: ValueEntry,
        dtlb1gEntries: ValueEntry,
        dtlb1gWays: ValueEntry,
        stlbEntries: ValueEntry,
        stlbWays: ValueEntry,
        stlbHit: CostEntry,
        walk: CostEntry,
      })
      .strict(),
    instructionClasses: z.object(classShape).strict(),
    // Branch prediction (issue 14): the return stack buffer (src/cpu/returnStack.ts) and the mispredict penalty.
    branch: z
      .object({
        returnStackEntries: ValueEntry,
        mispredictPenalty: CostEntry,
      })
      .strict(),
    // The host kernel's calibrated residuals (issue 14): what Linux 4.4 does on a path that the host
    // kernel (guest/host) does not, executed by that path as a TSC spin (guest/host/residual.c).
    linux: z
      .object({
        signalSendResidual: CostEntry,
        signalDeliveryResidual: CostEntry,
        sigprocmaskResidual: CostEntry,
      })
      .strict(),
    apic: z
      .object({
        ipiLatency: CostEntry,
        ipiLatencyCrossSocket: CostEntry,
        xapicMmioAccess: CostEntry,
        x2apicMsrAccess: CostEntry,
        ioapicMmioAccess: CostEntry,
        timerHz: ValueEntry,
      })
      .strict(),
    // VMX hardware sequences (src/vmx): each a separate entry so a Table 1 fit can name the one it moves.
    vmx: z
      .object({
        vmExit: CostEntry,
        vmEntry: CostEntry,
        eptWalkLevel: CostEntry,
        postedInterruptNotification: CostEntry,
        postedInterruptOnClear: CostEntry,
        postedInterruptEoi: CostEntry,
        postedInterruptPirToVirr: CostEntry,
        virtualInterruptDelivery: CostEntry,
        eoiVirtualization: CostEntry,
        apicVirtualization: CostEntry,
      })
      .strict(),
    // The key-value store application (guest/shinjuku/app_kv.c): its one calibrated per-key residual.
    kvStore: z.object({ perKeyResidual: CostEntry }).strict(),
    // The NIC (src/devices/nic.ts, issue 15): link speeds, DMA and wire latencies, its MMIO cost, DDIO.
    nic: z
      .object({
        lineRate10G: ValueEntry,
        lineRate40G: ValueEntry,
        wireLatencyNs: ValueEntry,
        rxDmaLatencyNs: ValueEntry,
        txDmaLatencyNs: ValueEntry,
        mmioAccess: CostEntry,
        rxPacketBufferBytes: ValueEntry,
        ddioWays: ValueEntry,
      })
      .strict(),
  })
  .strict();

export type Profile = z.infer<typeof ProfileSchema>;
