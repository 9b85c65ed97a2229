import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProfileSchema, type Profile, INSTRUCTION_CLASSES, type InstructionClass } from './schema.js';
import type { TlbConfig } from '../cpu/tlb.js';
import { toGrid } from '../sim/time.js';

export const DEFAULT_PROFILE_PATH = fileURLToPath(new URL('../../profiles/haswell-e5-2658v3.json', import.meta.url));

/** A user-facing profile problem: file, field path and what was expected. */
export class ProfileError extends Error {
  override name = 'ProfileError';
}

export function parseProfile(text: string, file: string): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProfileError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const r = ProfileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : '';
    throw new ProfileError(`${file}: field '${field}': ${issue.message}${more}`);
  }
  return r.data;
}

export function loadProfile(file: string = DEFAULT_PROFILE_PATH): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProfileError(`${file}: cannot read profile: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseProfile(text, file);
}

/**
 * Costs the hot paths read, already converted from core cycles to TSC ticks
 * (the reference clock, docs/architecture.md "Time and the global scheduler"): ticks = cycles × tscHz / coreHz.
 */
export interface TickCosts {
  readonly ticksPerCoreCycle: number;
  readonly cls: Readonly<Record<InstructionClass, number>>;
  /** Cache and coherence latencies (profile memory.*), used by src/memory/coherence.ts. */
  readonly cache: CacheTicks;
  readonly loadL1: number;
  readonly storeL1: number;
  /** A load or store to RAM whose memory type is UC (MTRRs): no cache, a memory round trip. */
  readonly uncachedRam: number;
  /** An access to a physical address no RAM or device backs (master abort). */
  readonly unbackedAccess: number;
  /** Extra cost of a load whose bytes span two pages (on top of one access per line). */
  readonly pageSplitLoad: number;
  /** Data TLB: a first-level miss that hits the STLB, and a page walk. */
  readonly tlb: { readonly stlbHit: number; readonly walk: number };
  /** Branch prediction: return stack buffer capacity and the mispredict penalty (ticks). */
  readonly branch: { readonly returnStackEntries: number; readonly mispredict: number };
  /** Share of a core-to-core transfer spent before the request reaches the owning core (0..1). */
  readonly remoteRequestShare: number;
  readonly apic: {
    readonly ipiLatency: number;
    readonly ipiLatencyCrossSocket: number;
    readonly xapicMmioAccess: number;
    /** RDMSR/WRMSR of an x2APIC register (MSRs 800H-8FFH). */
    readonly x2apicMsrAccess: number;
    readonly ioapicMmioAccess: number;
    /** TSC ticks per APIC timer count at divide-by-1. */
    readonly ticksPerTimerCount: number;
  };
  /** VMX hardware sequences (profile `vmx.*`), in ticks. */
  readonly vmx: Readonly<Record<keyof Profile['vmx'], number>>;
}

/** Latencies of an access that misses the L1, in ticks (see coherence.ts for which case is which). */
export interface CacheTicks {
  readonly l2Hit: number;
  readonly l3Hit: number;
  /** Line Exclusive (clean) in another core of the same socket. */
  readonly remoteClean: number;
  /** Line Modified in another core of the same socket. */
  readonly remoteModified: number;
  /** Line only in the other socket's caches. */
  readonly crossSocket: number;
  readonly dram: number;
  /** Shared → Modified upgrade that must invalidate other cores' copies. */
  readonly rfoUpgrade: number;
}

export function tickCosts(p: Profile): TickCosts {
  const ratio = p.clock.tscHz.value / p.clock.coreHz.value;
  /** A profile cost in core cycles → ticks, on the time grid (src/sim/time.ts). */
  const t = (e: { cycles: number }): number => toGrid(e.cycles * ratio);
  const cls = {} as Record<InstructionClass, number>;
  for (const k of INSTRUCTION_CLASSES) cls[k] = t(p.instructionClasses[k]);
  return {
    ticksPerCoreCycle: ratio,
    cls,
    cache: {
      l2Hit: t(p.memory.l2Hit),
      l3Hit: t(p.memory.l3Hit),
      remoteClean: t(p.memory.remoteClean),
      remoteModified: t(p.memory.remoteModified),
      crossSocket: t(p.memory.crossSocket),
      dram: t(p.memory.dram),
      rfoUpgrade: t(p.memory.rfoUpgrade),
    },
    loadL1: t(p.memory.loadL1),
    storeL1: t(p.memory.storeL1),
    uncachedRam: t(p.memory.uncachedRam),
    unbackedAccess: t(p.memory.unbackedAccess),
    pageSplitLoad: t(p.memory.pageSplitLoad),
    tlb: { stlbHit: t(p.tlb.stlbHit), walk: t(p.tlb.walk) },
    remoteRequestShare: p.memory.remoteRequestShare.value,
    branch: { returnStackEntries: p.branch.returnStackEntries.value, mispredict: t(p.branch.mispredictPenalty) },
    apic: {
      ipiLatency: t(p.apic.ipiLatency),
      ipiLatencyCrossSocket: t(p.apic.ipiLatencyCrossSocket),
      xapicMmioAccess: t(p.apic.xapicMmioAccess),
      x2apicMsrAccess: t(p.apic.x2apicMsrAccess),
      ioapicMmioAccess: t(p.apic.ioapicMmioAccess),
      ticksPerTimerCount: toGrid(p.clock.tscHz.value / p.apic.timerHz.value),
    },
    vmx: Object.fromEntries(Object.entries(p.vmx).map(([k, e]) => [k, t(e)])) as Record<keyof Profile['vmx'], number>,
  };
}

/** The data TLB's shape and costs from the profile (src/cpu/tlb.ts). */
export function tlbConfig(p: Profile): TlbConfig {
  const t = p.tlb;
  return {
    l1: [
      { entries: t.dtlb4kEntries.value, ways: t.dtlb4kWays.value },
      { entries: t.dtlb2mEntries.value, ways: t.dtlb2mWays.value },
      { entries: t.dtlb1gEntries.value, ways: t.dtlb1gWays.value },
    ],
    stlb: { entries: t.stlbEntries.value, ways: t.stlbWays.value },
    stlbHit: tickCosts(p).tlb.stlbHit,
  };
}
