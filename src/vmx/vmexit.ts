/**
 * A VM exit requested while the core executes guest code (an instruction
 * that exits, an exception the exception bitmap intercepts, an EPT
 * violation...). It is thrown like a fault so the instruction stops before
 * changing any state (fault-like exits, SDM §27.1), or after completing
 * (`trap`: APIC-write, virtualized-EOI, TPR-below-threshold exits); the core
 * hands it to `VmxCpu.vmExit`, which performs the SDM's exit sequence.
 * Vector -1 marks it for the core's fault paths.
 */
import { Fault } from '../cpu/fault.js';
import { exitReasonName } from './reasons.js';

export const VMEXIT_VECTOR = -1;

export class VmExit extends Fault {
  /** Guest-linear address (EPT violations, some APIC accesses), or NaN when not valid. */
  gla = NaN;
  /** Guest-physical address (EPT violations and misconfigurations), or NaN. */
  gpa = NaN;
  /** VM-exit instruction-information field (SDM §27.2.4), when the reason defines it. */
  instrInfo = 0;
  /** VM-exit interruption information and error code (exceptions, NMIs, external interrupts). */
  intrInfo = 0;
  intrError = 0;

  constructor(
    readonly reason: number,
    /** Exit qualification (natural width; a linear address for #PF exits). */
    readonly qualification: number,
    /** Trap-like: the guest's RIP is past the instruction, which completed. */
    readonly trap = false,
    detail = exitReasonName(reason),
  ) {
    super(VMEXIT_VECTOR, null, detail);
  }
}
