/** One-line descriptions of the VMX events (the debugger's stops, `info events`, trace args). */
import type { EventMap } from '../sim/events.js';
import { hx, vectorList } from './format.js';

/** One line for a VMX event (the debugger's stops, `info events`, the trace's args). */
export function describeVmxEvent(kind: string, ev: unknown): string {
  switch (kind) {
    case 'vmexit': {
      const e = ev as EventMap['vmexit'];
      if (e.entryFailure) return `VM-entry failure on core ${e.core}: exit reason ${e.reason} (${e.name}), qualification ${hx(e.qualification)}: ${e.detail}`;
      return `VM exit on core ${e.core}: reason ${e.reason} (${e.name}), qualification ${hx(e.qualification)}${e.gpa !== null ? `, guest-physical ${hx(e.gpa)}` : ''}, guest RIP ${hx(e.guestRip ?? 0)}`;
    }
    case 'vmentry': {
      const e = ev as EventMap['vmentry'];
      return `VM entry (${e.launch ? 'VMLAUNCH' : 'VMRESUME'}) on core ${e.core} to guest RIP ${hx(e.rip)}${e.vpid ? `, VPID ${e.vpid}` : ''}`;
    }
    case 'vmentryFail': {
      const e = ev as EventMap['vmentryFail'];
      return `VM entry on core ${e.core} failed: VMfailValid(${e.error}) — ${e.rule}`;
    }
    case 'posted': {
      const e = ev as EventMap['posted'];
      const what: Record<string, string> = {
        notification: `notification vector ${hx(e.vector, 2)} acknowledged (step 1-2)`,
        'on-cleared': 'ON cleared in the descriptor (step 3)',
        eoi: 'EOI written to the physical APIC (step 4)',
        'pir-to-virr': `PIR ${vectorList(e.pir ?? [])} ORed into VIRR and cleared (step 5)`,
        rvi: `RVI ← ${hx(e.rvi, 2)} (step 6)`,
        evaluate: `evaluation: ${e.recognized ? 'a virtual interrupt is recognized' : 'nothing recognized'} (step 7)`,
      };
      return `posted-interrupt processing on core ${e.core}, descriptor ${hx(e.pid)}: ${what[e.step] ?? e.step}`;
    }
    case 'vintr': {
      const e = ev as EventMap['vintr'];
      const what: Record<string, string> = {
        delivered: `virtual interrupt ${hx(e.vector, 2)} delivered through the guest IDT`,
        eoi: `virtualized EOI of ${hx(e.vector, 2)}`,
        'self-ipi': `self-IPI ${hx(e.vector, 2)} virtualized`,
        recognized: `virtual interrupt ${hx(e.vector, 2)} recognized`,
        evaluated: 'pending virtual interrupts evaluated: none recognized',
      };
      return `core ${e.core}: ${what[e.phase] ?? e.phase} (RVI ${hx(e.rvi, 2)}, SVI ${hx(e.svi, 2)}, VPPR ${hx(e.vppr, 2)})`;
    }
    case 'eptViolation': {
      const e = ev as EventMap['eptViolation'];
      return `EPT ${e.misconfig ? 'misconfiguration' : 'violation'} on core ${e.core} at guest-physical ${hx(e.gpa)}${e.gla !== null ? ` (linear ${hx(e.gla)})` : ''}, qualification ${hx(e.qualification)}`;
    }
  }
  return kind;
}

