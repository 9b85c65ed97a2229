/**
 * The debugger and the Perfetto trace with VMX in use (issue 10, stage 6).
 *
 * Expected values come from the SDM and from the guest programs, never from
 * the code under test:
 *  - guest/vmx/vmx_posted.c: core 0 posts vector 45H into the descriptor of
 *    core 1's running guest (notification vector F2H, Dune's configuration);
 *    SDM Vol. 3C §29.6 processes it in seven steps, in order, and leaves the
 *    vector in VIRR with RVI = 45H and ON / PIR clear (the descriptor line
 *    is then owned by core 1, which wrote it last);
 *  - guest/vmx/cpuid_loop.c: the host enters the guest with VMLAUNCH once,
 *    then VMRESUME after each CPUID exit (basic exit reason 10, §C), the guest
 *    at cpuid_guest, the host resuming at cpuid_exit_point;
 *  - guest/vmx/vmx_ept.c: the host's EPT leaves np_page not present until the
 *    guest's first touch has caused its EPT violation.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DebugSession } from '../src/debug/session.js';
import { Debugger, type Result } from '../src/debug/debugger.js';
import { traceMachine, type TraceEvent } from '../src/debug/trace.js';
import { createMachine, runImage } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';
import type { EventMap } from '../src/sim/events.js';
import { buildVmxGuest } from './vmxGuests.js';
import { repoRoot } from '../src/guest/build.js';
import { positionalWords } from '../src/cli/cli.js';

let posted = '';
let cpuidLoop = '';
beforeAll(() => {
  posted = buildVmxGuest('vmx_posted');
  cpuidLoop = buildVmxGuest('cpuid_loop');
});

function session(img: string, cores: number): { s: DebugSession; run: (line: string) => Promise<Result> } {
  const s = new DebugSession(new Uint8Array(readFileSync(img)), { cores, memoryBytes: 512 * 2 ** 20, profile: loadProfile() });
  let last: Result | null = null;
  const d = new Debugger(s, (r) => { last = r; });
  return {
    s,
    run: async (line) => {
      await d.run(line);
      return last!;
    },
  };
}

describe('debugger: VMX catchpoints, step-event kinds and views', () => {
  it('catch posted stops at the processing of core 0\'s post on core 1, each SDM step a hit in order; info vapic / info pid show the outcome', async () => {
    const { s, run } = session(posted, 2);
    expect((await run('catch posted')).ok).toBe(true);
    const st = await run('continue');
    expect(st.ok).toBe(true);
    const stop = s.lastStop!;
    expect(stop.core).toBe(1);
    expect(stop.hits.map((h) => (h.event as { step: string }).step)).toEqual(['notification', 'on-cleared', 'eoi', 'pir-to-virr', 'rvi', 'evaluate']);
    expect(stop.hits[0]!.text).toContain('notification vector 0xf2');
    expect(stop.hits[3]!.text).toContain('PIR 0x45 ORed into VIRR');
    expect(stop.hits[5]!.text).toContain('a virtual interrupt is recognized');

    const vapic = await run('info vapic 1');
    expect(vapic.ok).toBe(true);
    expect(vapic.data).toMatchObject({ core: 1, rvi: 0x45 });
    expect(vapic.text).toMatch(/VIRR: 0x45/);
    expect(vapic.text).toContain('notification vector 0xf2');

    const pid = await run('info pid pid1');
    expect(pid.ok).toBe(true);
    expect(pid.text).toContain('ON (bit 256): 0');
    expect(pid.text).toContain('PIR (bits 255:0): -');
    // Core 1 cleared ON and PIR last: it holds the line Modified.
    expect(pid.text).toContain('core 1 M');

    const vmcs = await run('info vmcs 1');
    expect(vmcs.ok).toBe(true);
    expect(vmcs.text).toContain('VMX non-root operation');
    const controls = vmcs.data.controls as Record<string, string[]>;
    // Dune's kern/vmx.c configuration, as vmx_posted.c writes it.
    expect(controls.pin).toEqual(expect.arrayContaining(['external-interrupt-exiting', 'posted-interrupts']));
    expect(controls.proc).toEqual(expect.arrayContaining(['tpr-shadow', 'msr-bitmaps', 'secondary-controls']));
    expect(controls.proc2).toEqual(['virtualize-x2apic-mode', 'apic-register-virtualization', 'virtual-interrupt-delivery']);
    expect(controls.exit).toEqual(expect.arrayContaining(['host-address-space-size', 'ack-interrupt-on-exit']));
    expect((vmcs.data.fields as Record<string, string>).POSTED_INTR_NV).toBe('0xf2');
  });

  it('catch posted takes a step and a core; catch vmexit takes a reason by name or number, and says so in info breakpoints', async () => {
    const { s, run } = session(posted, 2);
    expect((await run('catch posted step rvi core 1')).text).toBe('catchpoint 1: catch posted core 1 step rvi');
    expect((await run('catch vmexit external core 1')).text).toBe('catchpoint 2: catch vmexit core 1 reason 1 (external interrupt)');
    const bad = await run('catch vmexit bogus');
    expect(bad.ok).toBe(false);
    expect(bad.error).toContain("unknown exit reason 'bogus'");
    expect((await run('catch posted step nonsense')).ok).toBe(false);
    await run('continue');
    expect(s.lastStop!.hits).toHaveLength(1);
    expect(s.lastStop!.hits[0]!.text).toContain('RVI ← 0x45 (step 6)');
    const bps = await run('info breakpoints');
    expect(bps.text).toContain('catch posted core 1 step rvi');
    expect(bps.text).toContain('catch vmexit core 1 reason 1 (external interrupt)');
  });

  it('catch vmexit cpuid / catch vmentry / step-event vmexit|vmentry stop where the guest program says, and replay to them is exact', async () => {
    const { s, run } = session(cpuidLoop, 1);
    await run('catch vmexit cpuid');
    await run('catch vmentry');
    await run('continue');
    expect(s.lastStop!.hits[0]!.text).toBe('catchpoint 2: VM entry (VMLAUNCH) on core 0 to guest RIP ' + hex(s.symbols.lookup('cpuid_guest')!.value));
    expect(s.machine.cores[0]!.rip).toBe(s.symbols.lookup('cpuid_guest')!.value);
    await run('continue');
    expect(s.lastStop!.hits[0]!.text).toMatch(/^catchpoint 1: VM exit on core 0: reason 10 \(CPUID\)/);
    expect(s.machine.cores[0]!.rip).toBe(s.symbols.lookup('cpuid_exit_point')!.value);
    const v = await run('info vmcs');
    expect(v.text).toContain('VMX root operation');
    expect(v.text).toContain('last exit: reason 10 (CPUID)');
    expect(v.data.exitReason).toBe(10);
    await run('delete');
    await run('step-event vmentry');
    expect(s.lastStop!.hits[0]!.text).toContain('VM entry (VMRESUME)');
    await run('step-event');
    expect(s.lastStop!.hits[0]!.text).toMatch(/VM exit on core 0: reason 10 \(CPUID\)/);
    const fp = s.lastStop!.fingerprint;
    await run('step-event vmexit');
    // Back one stop: a fresh machine replays to the previous VM exit and must match it.
    const back = await run('reverse-step');
    expect(back.ok).toBe(true);
    expect(s.lastStop!.fingerprint).toBe(fp);
  });
});

describe('debugger: reading a guest\'s memory through its EPT', () => {
  it('a core in the guest of guest/vmx/vmx_ept.c reads through EPT: np_page has no EPT entry yet (its first touch is a violation), ro_page reads', async () => {
    const { s, run } = session(buildVmxGuest('vmx_ept'), 1);
    await run('break guest_entry');
    await run('continue');
    expect(s.machine.cores[0]!.nonRoot).toBe(true);
    const np = await run('x/bx np_page');
    expect(np.ok).toBe(false);
    expect(np.error).toContain(`guest-physical ${hex(s.symbols.lookup('np_page')!.value)} is not mapped by EPT`);
    expect((await run('x/bx ro_page')).ok).toBe(true);
  });
});

function hex(n: number): string { return '0x' + n.toString(16); }

describe('Perfetto trace with VMX', () => {
  it('VM exit / entry slices on the core, a non-root track per core, and the post flowing from core 0\'s ICR write into core 1\'s processing and its virtual interrupt', () => {
    const m = createMachine(new Uint8Array(readFileSync(posted)), { cores: 2, profile: loadProfile() });
    // The raw events, to check the trace against.
    const exits: EventMap['vmexit'][] = [];
    const entries: EventMap['vmentry'][] = [];
    m.events.on('vmexit', (e) => { exits.push({ ...e }); });
    m.events.on('vmentry', (e) => { entries.push({ ...e }); });
    const t = traceMachine(m, {});
    expect(t.stop?.reason).toBe('exit');
    const ev = t.json.traceEvents;
    const slices = ev.filter((e) => e.ph === 'X');
    const named = (re: RegExp, tid?: number) => slices.filter((e) => re.test(e.name) && (tid === undefined || e.tid === tid));

    // One slice per VM exit and per VM entry, on the core, as long as the hardware sequence.
    expect(named(/^VM (exit|entry-failure): /)).toHaveLength(exits.length);
    expect(named(/^VM entry \(/)).toHaveLength(entries.length);
    expect(t.stats.vmExits).toBe(exits.length);
    const firstExit = named(/^VM exit: /).find((e) => e.args!.cycle === exits[0]!.tick)!;
    expect(firstExit.dur).toBe((Math.floor(exits[0]!.end) - Math.floor(exits[0]!.tick)) / 1000);

    // Non-root time per core: the stays in the guest, entry done → next exit, and their total.
    const meta = ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
    expect(meta).toEqual(expect.arrayContaining(['core 0: VMX non-root', 'core 1: VMX non-root']));
    for (const core of [0, 1]) {
      let total = 0;
      let since: number | null = null;
      const seq = [...entries.filter((e) => e.core === core).map((e) => ({ t: e.end, enter: true })), ...exits.filter((e) => e.core === core).map((e) => ({ t: e.tick, enter: false }))].sort((a, b) => a.t - b.t);
      for (const x of seq) {
        if (x.enter) since = x.t;
        else if (since !== null) { total += x.t - since; since = null; }
      }
      if (since !== null) total += t.end - since;
      expect(t.json.otherData[`core${core}NonRootCycles`]).toBeCloseTo(total, 6);
      expect(total).toBeGreaterThan(0);
    }

    // The post: send (core 0) → bus → posted-interrupt processing (core 1) → virtual interrupt 0x45 (core 1), one flow.
    const proc = named(/^posted-interrupt processing/, 1);
    expect(proc).toHaveLength(1);
    expect(proc[0]!.args).toMatchObject({ notification_vector: '0xf2', pir: ['0x45'], rvi: '0x45', recognized: true });
    const id = proc[0]!.bind_id!;
    expect(id).toBeDefined();
    const flow = slices.filter((e) => e.bind_id === id).sort((a, b) => a.ts! - b.ts! || a.dur! - b.dur!);
    const where = (e: TraceEvent) => `${e.tid}:${e.name}`;
    expect(flow.map(where)).toEqual(['0:send IPI 0xf2 → core 1', '1000:IPI 0xf2 core 0 → core 1', '1:posted-interrupt processing (notification 0xf2)', '1:virtual interrupt 0x45']);
    expect(flow[0]!.flow_out && !flow[0]!.flow_in).toBe(true);
    expect(flow[3]!.flow_in && !flow[3]!.flow_out).toBe(true);
    // The notification is not an ordinary handler: no "interrupt 0xf2" slice on core 1.
    expect(named(/^interrupt 0xf2$/, 1)).toHaveLength(0);
    // The virtual interrupt ends at its virtualized EOI (the guest's WRMSR 80BH).
    expect(flow[3]!.args!.eoi).toBe(true);
  });

  it('a traced VMX run has the cycles of a plain one', () => {
    const plain = runImage(posted, { cores: 2 });
    const m = createMachine(new Uint8Array(readFileSync(posted)), { cores: 2, profile: loadProfile() });
    traceMachine(m, {});
    expect(m.cores.map((c) => c.summary())).toEqual(plain.cores);
  });
});

describe('the CLI builds a VMX guest from several sources', () => {
  it('`run guest/vmx/cpuid_loop.c guest/vmx/vmxlib.c guest/apic/idt.c` links all three (yargs kept only the last of [more..])', () => {
    expect(positionalWords(['run', '--cores', '2', 'a.c', '-o', 'x.json', 'b.c', 'c.S', '--json', '--cores=3', 'd.c'], new Set(['json']), ['run']))
      .toEqual(['a.c', 'b.c', 'c.S', 'd.c']);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', 'guest/vmx/cpuid_loop.c', 'guest/vmx/vmxlib.c', 'guest/apic/idt.c'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('VM entry + CPUID exit round trip');
  });
});
