/**
 * The VMX-preemption timer (SDM Vol. 3C §25.5.1): loaded from the VMCS at VM
 * entry, it counts down by 1 each time bit X of the TSC changes (X =
 * IA32_VMX_MISC[4:0] = 5 here), and a VM exit (reason 52) happens when it
 * reaches 0 — at once, before the first guest instruction, if it starts at
 * 0. Modelled as one device event at the tick the count reaches 0; VM exits
 * save the remaining count when "save VMX-preemption timer value" is 1.
 */
import { RunState } from '../cpu/core.js';
import { PREEMPTION_TIMER_RATE } from './capabilities.js';
import type { VmxCpu } from './vmxCpu.js';

const UNIT = 2 ** PREEMPTION_TIMER_RATE;

export function startPreemptionTimer(v: VmxCpu, value: number): void {
  const c = v.core;
  v.timerGen++;
  if (value === 0) {
    v.timerDeadline = c.time;
    v.timerExpired = true;
    c.vmxPending = true;
    return;
  }
  // The count decrements at each change of TSC bit X: the first one at the next multiple of 2^X.
  const deadline = (Math.floor(c.time / UNIT) + value) * UNIT;
  v.timerDeadline = deadline;
  v.timerExpired = false;
  const gen = v.timerGen;
  v.host.queue.schedule(deadline, (t) => {
    if (gen !== v.timerGen || !c.nonRoot) return;
    v.timerExpired = true;
    c.vmxPending = true;
    if (c.state === RunState.Halted) c.wakeForVmx(t);
    else c.requestBlockExit();
  }, 0, `core ${c.id}'s VMX-preemption timer reaches 0`);
}

export function stopPreemptionTimer(v: VmxCpu): void {
  v.timerGen++;
  v.timerExpired = false;
}

/** The count left (what a VM exit saves). */
export function preemptionTimerRemaining(v: VmxCpu): number {
  if (v.timerExpired) return 0;
  return Math.max(0, v.timerDeadline / UNIT - Math.floor(v.core.time / UNIT));
}
