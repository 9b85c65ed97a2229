/**
 * VMX on the event stream and in the cost model (issue 10):
 *  - posted-interrupt processing happens step by step in the SDM's order
 *    (Vol. 3C §29.6), as the event stream shows it, with the descriptor line
 *    moving through the coherence model;
 *  - a VM entry + CPUID VM exit round trip costs the profile's exit + entry
 *    pair plus the host loop's instructions: closed form from the profile;
 *  - runs with VMX are deterministic, and observing them (every listener,
 *    spin detection off, the decode cache off) changes no cycle;
 *  - what the machine does not model stops the run with a report naming the
 *    control.
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage, type RunResult } from '../src/sim/run.js';
import { loadProfile, tickCosts } from '../src/profile/load.js';
import type { EventMap } from '../src/sim/events.js';
import { buildVmxGuest } from './vmxGuests.js';

const vmxImage = (name: string, cflags: string[] = []) =>
  buildGuestImage({ name, sources: [`guest/vmx/${name}.c`, 'guest/vmx/vmxlib.c', 'guest/apic/idt.c'], cflags });

describe('posted-interrupt processing on the event stream (SDM §29.6)', () => {
  it('core 1 processes core 0\'s post in the SDM order: notification, ON cleared, physical EOI, PIR into VIRR, RVI, evaluation, then delivery', () => {
    type Ev = { kind: string; e: Record<string, unknown> };
    const seen: Ev[] = [];
    const r = runImage(buildVmxGuest('vmx_posted'), {
      cores: 2, maxCycles: 3e8,
      beforeRun: (m) => {
        for (const kind of ['posted', 'eoi', 'vintr', 'vmexit', 'line'] as const) {
          m.events.on(kind, (e) => { seen.push({ kind, e: e as unknown as Record<string, unknown> }); });
        }
      },
    });
    expect(r.exitStatus).toBe(0);
    const posted = seen.filter((x) => x.kind === 'posted');
    // One notification processed (core 1): the steps in order, once each.
    expect(posted.map((x) => x.e.step)).toEqual(['notification', 'on-cleared', 'eoi', 'pir-to-virr', 'rvi', 'evaluate']);
    expect(posted.every((x) => x.e.core === 1 && x.e.vector === 0xf2)).toBe(true);
    const pid = posted[0]!.e.pid as number;
    // Step 5 took vector 0x45 out of PIR; step 6 raised RVI to it; step 7 recognized it.
    expect(((posted[3]!.e.pir as number[])[2]! >>> 5) & 1).toBe(1);
    expect(posted[4]!.e.rvi).toBe(0x45);
    expect(posted[5]!.e.recognized).toBe(true);
    // Ticks never go backwards through the sequence; the physical EOI of F2H sits between steps 3 and 5.
    const at = (x: Ev) => seen.indexOf(x);
    const ticks = posted.map((x) => x.e.tick as number);
    expect([...ticks].sort((a, b) => a - b)).toEqual(ticks);
    const eoi = seen.find((x) => x.kind === 'eoi' && x.e.core === 1 && x.e.vector === 0xf2)!;
    expect(at(eoi)).toBeGreaterThan(at(posted[1]!));
    expect(at(eoi)).toBeLessThan(at(posted[3]!));
    // Then the virtual interrupt is delivered to the guest, without a VM exit on core 1 in between.
    const delivered = seen.find((x) => x.kind === 'vintr' && x.e.phase === 'delivered' && x.e.core === 1)!;
    expect(delivered.e.vector).toBe(0x45);
    expect(at(delivered)).toBeGreaterThan(at(posted[5]!));
    expect(seen.slice(at(posted[0]!), at(delivered)).some((x) => x.kind === 'vmexit' && x.e.core === 1)).toBe(false);
    // ON was cleared with a read for ownership of the descriptor line, which core 0 had written: a transfer.
    const line = pid - (pid % 64);
    const onClear = seen.slice(at(posted[0]!), at(posted[1]!)).filter((x) => x.kind === 'line' && x.e.pa === line && x.e.core === 1);
    expect(onClear.map((x) => [x.e.kind, x.e.source])).toEqual([['rfo', 'remoteModified']]);
    // Steps 3-5 hold the line: no other core touches it between the ON clear and the PIR read-and-clear.
    expect(seen.slice(at(posted[1]!), at(posted[3]!)).some((x) => x.kind === 'line' && x.e.pa === line)).toBe(false);
  });
});

describe('VM entry + CPUID VM exit round trip (closed form from the profile)', () => {
  it('each round trip costs vmx.vmExit + vmx.vmEntry + the host loop (DEC, JZ not taken); the pair is the Haswell-EP measurement', () => {
    const profile = loadProfile();
    const t = tickCosts(profile);
    const exits: number[] = [];
    const r = runImage(buildGuestImage({ name: 'cpuid_loop', sources: ['guest/vmx/cpuid_loop.c', 'guest/vmx/vmxlib.c', 'guest/apic/idt.c'] }), {
      maxCycles: 1e8,
      beforeRun: (m) => { m.events.on('vmexit', (e: EventMap['vmexit']) => { if (e.reason === 10) exits.push(e.tick); }); },
    });
    expect(r.exitStatus).toBe(0);
    expect(exits.length).toBe(200);
    const perRound = t.vmx.vmExit + t.vmx.vmEntry + t.cls.alu + t.cls.jcc;
    // Close to, not equal: ticks are floats and the guest's start-up runs SSE ops whose costs are not dyadic (vecLogic 0.33).
    for (let i = 1; i < exits.length; i++) expect(exits[i]! - exits[i - 1]!).toBeCloseTo(perRound, 9);
    // github.com/yulyugin/vmlatency, Haswell-EP (E5-2697 v3, E5-2680 v3): 445-505 TSC ticks per round trip.
    const pair = profile.vmx.vmExit.cycles + profile.vmx.vmEntry.cycles;
    expect(pair).toBeGreaterThanOrEqual(445);
    expect(pair).toBeLessThanOrEqual(505);
    expect(r.console).toMatch(/^cycles: VM entry \+ CPUID exit round trip avg (\d+) \(200 rounds\)$/m);
  });
});

describe('determinism and observation with VMX in use', () => {
  const key = (r: RunResult) => JSON.stringify({ console: r.console, status: r.exitStatus, cores: r.cores, stop: r.stop.reason });

  it('the posted-interrupt run is identical twice, with every listener attached, and with spin detection off', () => {
    const elf = buildVmxGuest('vmx_posted');
    const plain = runImage(elf, { cores: 2, maxCycles: 3e8 });
    const again = runImage(elf, { cores: 2, maxCycles: 3e8 });
    expect(key(again)).toBe(key(plain));
    const observed = runImage(elf, {
      cores: 2, maxCycles: 3e8,
      beforeRun: (m) => {
        for (const k of Object.keys(m.events.wants) as (keyof typeof m.events.wants)[]) m.events.on(k, () => {});
      },
    });
    expect(key(observed)).toBe(key(plain));
    const noSpin = runImage(elf, { cores: 2, maxCycles: 3e8, spinDetection: false });
    expect(key(noSpin)).toBe(key(plain));
  });

  it('EPT and APIC-virtualization runs give the same cycles with the decode cache off, and with the TLB filter off (in every VPID/EPTP context)', () => {
    for (const name of ['vmx_ept', 'vmx_apicv']) {
      const elf = buildVmxGuest(name);
      const cached = runImage(elf, { maxCycles: 3e8 });
      const uncached = runImage(elf, { maxCycles: 3e8, beforeRun: (m) => { m.decode.cacheBlocks = false; } });
      expect(key(uncached), name).toBe(key(cached));
      // A context created at a VM entry takes the filter setting of the TLB in use (CoreMemory.newTlbArrays).
      const noFilter = runImage(elf, { maxCycles: 3e8, beforeRun: (m) => { for (const c of m.cores) c.tlb.filterEnabled = false; } });
      expect(key(noFilter), name).toBe(key(cached));
    }
  });
});

describe('what is not modelled stops the run, naming it', () => {
  it('a VM entry with "PAUSE-loop exiting"', () => {
    const r = runImage(vmxImage('vmx_unsupported', ['-DCASE=1']), { maxCycles: 1e8 });
    expect(r.stopReason).toBe('unsupported');
    expect(r.stop.detail).toMatch(/"pause loop exiting" control set: not modelled/);
  });

  it('a VM entry to a guest outside IA-32e mode', () => {
    const r = runImage(vmxImage('vmx_unsupported', ['-DCASE=2']), { maxCycles: 1e8 });
    expect(r.stopReason).toBe('unsupported');
    expect(r.stop.detail).toMatch(/"IA-32e mode guest" = 0/);
  });

  it('VMCS shadowing', () => {
    const r = runImage(vmxImage('vmx_unsupported', ['-DCASE=3']), { maxCycles: 1e8 });
    expect(r.stopReason).toBe('unsupported');
    expect(r.stop.detail).toMatch(/"vmcs shadowing" control set/);
  });

  it('"enable XSAVES/XRSTORS", which a Haswell does not offer: VMfailValid(7) (SDM §26.2.1.1), and the rule names the control', () => {
    const rules: string[] = [];
    const r = runImage(vmxImage('vmx_unsupported', ['-DCASE=4']), {
      maxCycles: 1e8,
      beforeRun: (m) => { m.events.on('vmentryFail', (e) => { rules.push(e.rule); }); },
    });
    expect(r.exitStatus).toBe(0);
    expect(r.console).toContain('entered: VMfailValid(7)');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatch(/^SDM 26\.2\.1\.1: secondary processor-based controls 0x100000 set "enable xsaves xrstors", which this CPU does not support/);
  });
});
