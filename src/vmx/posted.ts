/**
 * Posted-interrupt processing (SDM Vol. 3C §29.6), in the SDM's order.
 * With "external-interrupt exiting" and "process posted interrupts" both 1,
 * an unmasked external interrupt in VMX non-root operation is handled as:
 *   1. the local APIC is acknowledged, giving the physical vector;
 *   2. a vector other than the notification vector causes an
 *      external-interrupt VM exit as usual (the caller does that);
 *   3. ON (bit 256 of the descriptor) is cleared, atomically;
 *   4. 0 is written to the physical local APIC's EOI register;
 *   5. PIR is ORed into VIRR and cleared — no other agent can touch PIR
 *      between the read and the clear;
 *   6. RVI ← max(RVI, highest PIR bit) (unchanged if PIR was empty);
 *   7. pending virtual interrupts are evaluated (§29.2.1).
 * The steps are uninterruptible. The descriptor is ordinary memory: steps 3
 * and 5 go through the coherence model. Step 3 takes the line for ownership
 * (a transfer if another core posted into it); the core then holds it
 * through step 5, so the PIR reads and the clear hit the line it owns and
 * nothing can come between them (the whole sequence runs without another
 * core being scheduled). Each step is an event on the stream.
 */
import { Reg } from '../apic/registers.js';
import { VIRR, vload, vstore, evaluatePendingVirtualInterrupts } from './vapic.js';
import type { VmxCpu } from './vmxCpu.js';

export type PostedStep = 'notification' | 'on-cleared' | 'eoi' | 'pir-to-virr' | 'rvi' | 'evaluate';

function emit(v: VmxCpu, step: PostedStep, vector: number, extra: { pir?: number[]; rvi?: number; recognized?: boolean } = {}): void {
  const ev = v.host.events;
  if (!ev.wants.posted) return;
  const c = v.core;
  ev.emit('posted', { core: c.id, tick: c.time, step, vector, pid: v.g.pidAddr, rvi: extra.rvi ?? v.rvi, pir: extra.pir ?? null, recognized: extra.recognized ?? null });
}

/** Steps 1–2 done by the caller (the acknowledged `vector` is the notification vector): steps 3–7. */
export function postedInterruptProcessing(v: VmxCpu, vector: number): void {
  const c = v.core;
  const costs = v.host.costs.vmx;
  const pid = v.g.pidAddr;
  const op = c.curOp;
  c.curOp = null; // the processor's own accesses, not an instruction's
  try {
    c.time += costs.postedInterruptNotification;
    emit(v, 'notification', vector);

    // Step 3: clear ON with a locked AND on the descriptor line (read for ownership, then the store).
    c.time += c.memsys.rfo(c.id, pid) + costs.postedInterruptOnClear;
    const word = readRaw(v, pid + 32);
    c.writePhys(pid + 32, 4, word & ~1, 0);
    emit(v, 'on-cleared', vector);

    // Step 4: dismiss the notification vector in the physical local APIC.
    c.time += costs.postedInterruptEoi;
    const apic = v.host.apic;
    apic.writeReg(Reg.EOI, 0, apic.mode === 'x2apic');
    emit(v, 'eoi', vector);

    // Step 5: PIR → VIRR and PIR cleared, on the line this core now owns.
    c.time += costs.postedInterruptPirToVirr;
    const pir: number[] = [];
    let highest = -1;
    for (let w = 0; w < 8; w++) {
      const bits = c.readPhys(pid + w * 4, 4) >>> 0;
      pir.push(bits);
      if (bits === 0) continue;
      c.writePhys(pid + w * 4, 4, 0, 0);
      vstore(v, VIRR + w * 16, vload(v, VIRR + w * 16) | bits);
      highest = w * 32 + 31 - Math.clz32(bits);
    }
    emit(v, 'pir-to-virr', vector, { pir });

    // Step 6: RVI ← max(RVI, highest PIR index); unchanged if PIR was empty.
    if (highest > v.rvi) v.rvi = highest;
    emit(v, 'rvi', vector, { rvi: v.rvi });

    // Step 7: evaluation of pending virtual interrupts.
    evaluatePendingVirtualInterrupts(v);
    emit(v, 'evaluate', vector, { recognized: v.viRecognized });
  } finally {
    c.curOp = op;
  }
}

/** The bytes of a line the core already owns (its cost was the read for ownership). */
function readRaw(v: VmxCpu, pa: number): number {
  const mem = v.host.mem;
  return pa + 4 <= mem.ramBytes ? mem.dv.getInt32(pa, true) : 0;
}
