/**
 * Bare-metal IPI costs measured two ways must agree: the guest
 * (guest/apic/ipi_xapic.c) measures sender cost, receiver cost and round
 * trip with RDTSC; the same quantities are rebuilt here from the event
 * stream alone — the start tick of each RDTSC instruction (the previous
 * retire of its core), the IPI 'sent' events and the cores' 'interrupt'
 * events. RDTSC reads the reference clock at the start of the instruction,
 * so the two must match to the cycle. The test also prints the event
 * stream's own decomposition of one IPI (bus flight, vectoring).
 */
import { describe, it, expect } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { readFileSync } from 'node:fs';
import { parseElf } from '../src/loader/elf.js';

const TIMED = 0x41;

describe('bare-metal IPI timing: guest RDTSC vs the event stream', () => {
  it('sender, receiver and round-trip averages agree exactly', () => {
    const img = buildGuestImage({ name: 'ipi_xapic', sources: ['guest/apic/ipi_xapic.c', 'guest/apic/idt.c'] });
    const rdtscStarts: number[][] = [[], []];
    const lastRetire = [0, 0];
    const sends: number[] = [];
    const accepts: number[] = [];
    const interrupts: number[] = [];
    const isRdtsc = new Map<number, boolean>();
    // The guest's receiver cost subtracts the value its spin loop last *stored* in t_last.
    const tLast = parseElf(new Uint8Array(readFileSync(img)), { ramBytes: 512 * 2 ** 20 }).symbols.find((s) => s.name === 't_last')!.value;
    const tLastStores: { at: number; rdtsc: number }[] = []; // each store to t_last: when, and the RDTSC start it stored
    const r = runImage(img, {
      cores: 2,
      beforeRun: (m) => {
        m.events.on('retire', (e) => {
          let rd = isRdtsc.get(e.rip);
          if (rd === undefined) { rd = m.disassembleAt(m.cores[e.core]!, e.rip).startsWith('rdtsc'); isRdtsc.set(e.rip, rd); }
          if (rd) rdtscStarts[e.core]!.push(lastRetire[e.core]!);
          lastRetire[e.core] = e.tick;
        });
        m.events.on('interrupt', (e) => { if (e.vector === TIMED) interrupts.push(e.tick); });
        m.events.on('mem', (e) => {
          if (e.core === 1 && e.write && e.lin === tLast) tLastStores.push({ at: e.tick, rdtsc: rdtscStarts[1]![rdtscStarts[1]!.length - 1]! });
        });
        m.events.on('ipi', (e) => {
          if (e.vector !== TIMED) return;
          if (e.phase === 'sent') sends.push(e.tick); else accepts.push(e.tick);
        });
      },
    });
    expect(r.stopReason).toBe('exit');
    expect(r.exitStatus).toBe(0);
    const printed = (what: string) => {
      const m = new RegExp(`cycles: ${what}[^\\n]* avg (\\d+)`).exec(r.console);
      if (!m) throw new Error(`no '${what}' line in:\n${r.console}`);
      return Number(m[1]);
    };
    expect(sends.length).toBe(16);
    const c0 = rdtscStarts[0]!, c1 = rdtscStarts[1]!;
    const before = (arr: number[], t: number) => arr.filter((x) => x <= t).pop()!;
    const after = (arr: number[], t: number, k = 0) => arr.filter((x) => x > t)[k]!;
    const avg = (xs: number[]) => Math.floor(xs.reduce((a, b) => a + b, 0) / xs.length);
    const sender = sends.map((t) => Math.floor(after(c0, t)) - Math.floor(before(c0, t)));
    const rtt = sends.map((t) => Math.floor(after(c0, t, 1)) - Math.floor(before(c0, t)));
    expect(avg(sender)).toBe(printed('ipi sender'));
    expect(avg(rtt)).toBe(printed('ipi round trip'));
    // Receiver: the handler's RDTSC (after vectoring and two pushes) minus the RDTSC value the spin
    // loop had stored in t_last when the interrupt was taken.
    const recv = interrupts.map((t) => {
      const stored = tLastStores.filter((x) => x.at <= t).pop()!;
      return Math.floor(after(c1, t)) - Math.floor(stored.rdtsc);
    });
    expect(avg(recv)).toBe(printed('ipi receiver'));
    const flight = accepts.map((a, i) => a - sends[i]!);
    console.log(`IPI (xAPIC, same socket), event stream: sender ${avg(sender)}, receiver ${avg(recv)}, round trip ${avg(rtt)} cycles; bus flight ${flight[0]} cycles (sent → IRR)`);
  });
});
