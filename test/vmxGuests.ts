/**
 * The bare-metal hypervisor test guests of guest/vmx/ (issue 10): how each is
 * built and run, which peer emulator recorded its expected text
 * (test/expected/vmx/<name>.txt, written by guest/vmx/record-bochs.ts), and
 * the lines where that peer departs from the Intel SDM — the tests expect
 * the SDM's line instead, and say why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuestImage, repoRoot } from '../src/guest/build.js';

export interface SdmCorrection {
  /** The line as the peer prints it. */
  peer: string;
  /** The line the SDM requires (what this machine must print). */
  sdm: string;
  why: string;
}

export interface VmxGuest {
  name: string;
  cores: number;
  /** Bochs 2.7 (`run-bochs.sh`) or the Bochs 3.0 build with posted interrupts and MTF (`run-bochs3.sh`). */
  peer: 'bochs' | 'bochs3';
  corrections: SdmCorrection[];
}

export const VMX_GUESTS: VmxGuest[] = [
  {
    name: 'vmx_posted', cores: 2, peer: 'bochs3', corrections: [
      {
        peer: 'timer interrupt while the guest is in HLT: reason 1, vector 0x70, saved activity state 0',
        sdm: 'timer interrupt while the guest is in HLT: reason 1, vector 0x70, saved activity state 1',
        why: 'SDM §27.3.4 (saving non-register state): the activity state is saved as the state the logical processor was in, HLT (1) for an external-interrupt exit that leaves the HLT state. Bochs 2.7 and 3.0 save 0 (active); ../shared/peers/README.md lists the departure.',
      },
    ],
  },
  { name: 'vmx_apicv', cores: 1, peer: 'bochs', corrections: [] },
  { name: 'vmx_ept', cores: 1, peer: 'bochs', corrections: [] },
  { name: 'vmx_exits', cores: 1, peer: 'bochs', corrections: [] },
  { name: 'vmx_fpstate', cores: 1, peer: 'bochs', corrections: [] },
  {
    name: 'vmx_entry_checks', cores: 1, peer: 'bochs', corrections: [
      {
        peer: 'entry to SMM outside SMM: VM-entry failure, exit reason 33 | bit 31, qualification 0',
        sdm: 'entry to SMM outside SMM: VMfailValid(7)',
        why: 'SDM §26.2.1.3 (checks on VM-entry control fields): outside SMM the "entry to SMM" and "deactivate dual-monitor treatment" controls must be 0, a control-field check that fails with VMfailValid(VM entry with invalid control field(s)) = 7. Bochs checks only "deactivate dual-monitor treatment" there and catches "entry to SMM" later, among the guest-state checks (blocking by SMI), as exit reason 33.',
      },
    ],
  },
  {
    name: 'vmx_instructions', cores: 1, peer: 'bochs', corrections: [
      {
        peer: 'VMCALL in root operation, launched VMCS: VMfailValid(19)',
        sdm: 'VMCALL in root operation, launched VMCS: VMfailValid(1)',
        why: 'SDM "VMCALL" pseudo-code: in VMX root operation, with the dual-monitor treatment of SMIs and SMM not active (the valid bit of IA32_SMM_MONITOR_CTL is clear), VMCALL is VMfail(VMCALL executed in VMX root operation) = error 1; error 19 (VMCALL with non-clear VMCS) belongs to the branch that activates the dual-monitor treatment. Bochs 2.7 and 3.0 report 19 when the current VMCS is launched (../shared/peers/README.md lists this departure), and stop with "VMCALL: not implemented yet" when it is clear, so the program only tries the launched case.',
      },
    ],
  },
];

export function buildVmxGuest(name: string): string {
  return buildGuestImage({ name, sources: [`guest/vmx/${name}.c`, 'guest/vmx/vmxlib.c', 'guest/apic/idt.c'] });
}

export function expectedPath(name: string): string {
  return join(repoRoot, 'test', 'expected', 'vmx', `${name}.txt`);
}

/** The peer's recorded console with the SDM corrections applied. */
export function expectedText(g: VmxGuest): string {
  let text = readFileSync(expectedPath(g.name), 'latin1');
  for (const c of g.corrections) {
    if (!text.includes(c.peer)) throw new Error(`${g.name}: the recorded text no longer contains the corrected line "${c.peer}"`);
    text = text.replace(c.peer, c.sdm);
  }
  return text;
}
