/**
 * `shinjuku-emu trace` (issue 5): the Chrome Trace Event JSON that Perfetto
 * opens. The structure is validated against the format's rules as Perfetto's
 * JSON importer applies them (src/trace_processor/importers/json): every
 * event has a phase and a pid; X slices have a non-negative dur and nest
 * within their track; timestamps never go back on a track; flow v2 ids pair
 * up (one flow_out-only start, one flow_in-only end, steps with both); and
 * the IPI's arrow runs from the sender's core over the bus into the
 * receiver's handler.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGuestImage, repoRoot } from '../src/guest/build.js';
import { createMachine, runImage } from '../src/sim/run.js';
import { traceMachine, type TraceEvent, type TraceJson } from '../src/debug/trace.js';
import { loadProfile } from '../src/profile/load.js';
import { parseElf } from '../src/loader/elf.js';

interface Outcome { status: number | null; stdout: string; stderr: string }

function cli(args: string[], input = ''): Promise<Outcome> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    p.on('error', fail);
    p.on('close', (status) => done({ status, stdout, stderr }));
    p.stdin.end(input);
  });
}

/** Structural checks; returns the slices by track for further assertions. */
function validate(t: TraceJson): Map<string, TraceEvent[]> {
  expect(Array.isArray(t.traceEvents)).toBe(true);
  const tracks = new Map<string, TraceEvent[]>();
  const lastTs = new Map<string, number>();
  const flowRoles = new Map<number, string[]>();
  for (const e of t.traceEvents) {
    expect(['X', 'i', 'M', 'C', 'B', 'E']).toContain(e.ph);
    expect(typeof e.pid).toBe('number');
    expect(typeof e.name).toBe('string');
    if (e.ph === 'M') continue;
    expect(typeof e.ts).toBe('number');
    expect(e.ts).toBeGreaterThanOrEqual(0);
    const key = e.ph === 'C' ? `${e.pid}/counter/${e.name}` : `${e.pid}/${e.tid}`;
    if (e.ph !== 'C') expect(typeof e.tid).toBe('number');
    expect(e.ts!, `ts goes back on ${key}`).toBeGreaterThanOrEqual(lastTs.get(key) ?? -Infinity);
    lastTs.set(key, e.ts!);
    expect(e.args?.cycle ?? (e.ph === 'C' ? 0 : undefined), `${e.name} carries its cycle`).toBeDefined();
    if (e.ph === 'X') {
      expect(typeof e.dur).toBe('number');
      expect(e.dur).toBeGreaterThanOrEqual(0);
      const l = tracks.get(key); if (l) l.push(e); else tracks.set(key, [e]);
    }
    if (e.bind_id !== undefined) {
      expect(e.ph).toBe('X'); // v2 flows bind to slices
      const role = e.flow_in && e.flow_out ? 'step' : e.flow_out ? 'out' : e.flow_in ? 'in' : 'none';
      const l = flowRoles.get(e.bind_id); if (l) l.push(role); else flowRoles.set(e.bind_id, [role]);
    }
  }
  // Slices on one track nest (Perfetto moves overlapping ones to an overflow track).
  for (const [key, slices] of tracks) {
    const ns = (us: number) => Math.round(us * 1000);
    const stack: number[] = [];
    for (const s of slices) {
      const a = ns(s.ts!), b = ns(s.ts! + s.dur!);
      while (stack.length && stack[stack.length - 1]! <= a && !(stack[stack.length - 1]! === a && b === a)) stack.pop();
      if (stack.length) expect(b, `slice '${s.name}' at ${a} ns crosses its parent's end on ${key}`).toBeLessThanOrEqual(stack[stack.length - 1]!);
      stack.push(b);
    }
  }
  // Flow v2: every id starts once, ends once, and steps in between.
  for (const [id, roles] of flowRoles) {
    expect(roles.filter((r) => r === 'out'), `flow ${id}`).toHaveLength(1);
    expect(roles.filter((r) => r === 'in'), `flow ${id}`).toHaveLength(1);
    expect(roles).not.toContain('none');
  }
  return tracks;
}

const threadNames = (t: TraceJson) => new Map(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid!, e.args!.name as string]));

let tmp: string;
let walk: string;
let xapic: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shinjuku-trace-'));
  walk = buildGuestImage({ name: 'ipi_walk', sources: ['guest/debug/ipi_walk.c'] });
  xapic = buildGuestImage({ name: 'ipi_xapic', sources: ['guest/apic/ipi_xapic.c', 'guest/apic/idt.c'] });
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.concurrent('shinjuku-emu trace', () => {
  it('writes a Perfetto trace of one IPI: a track per core, the bus, slices, instants and the flow arrow', async ({ expect }) => {
    const out = join(tmp, 'walk.json');
    const r = await cli(['trace', walk, '--cores', '2', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ipi_walk: ipi_count=1\n'); // the guest console, as with run
    expect(r.stderr).toMatch(/wrote \d+ trace events \(1 IPIs, 1 flow arrows, 1 interrupts\)/);
    const t = JSON.parse(readFileSync(out, 'utf8')) as TraceJson;
    const tracks = validate(t);
    const names = threadNames(t);
    expect(names.get(0)).toBe('core 0');
    expect(names.get(1)).toBe('core 1');
    expect([...names.values()]).toContain('interrupt bus');
    expect([...names.values()]).toContain('I/O APIC');
    // The IPI's flow: core 0 (send) → bus → core 1 (handler of vector 0x40, ended by its EOI).
    const flow = t.traceEvents.filter((e) => e.bind_id !== undefined);
    expect(flow).toHaveLength(3);
    const start = flow.find((e) => e.flow_out && !e.flow_in)!;
    const step = flow.find((e) => e.flow_out && e.flow_in)!;
    const end = flow.find((e) => e.flow_in && !e.flow_out)!;
    expect(names.get(start.tid!)).toBe('core 0');
    expect(names.get(step.tid!)).toBe('interrupt bus');
    expect(names.get(end.tid!)).toBe('core 1');
    expect(end.name).toBe('interrupt 0x40');
    expect(end.args!.eoi).toBe(true);
    // Cycles: the bus slice lasts the profile's latency; the handler starts when the message arrives.
    const p = JSON.parse(readFileSync(join(repoRoot, 'profiles', 'haswell-e5-2658v3.json'), 'utf8'));
    // Costs are rounded to the 2^-8-tick time grid at load (docs/architecture.md).
    const latency = Math.round(p.apic.ipiLatency.cycles * p.clock.tscHz.value / p.clock.coreHz.value * 256) / 256;
    expect(step.args!.arrival_cycle as number - (step.args!.cycle as number)).toBeCloseTo(latency, 9); // tick + latency in floating point
    expect(end.args!.cycle).toBe(step.args!.arrival_cycle);
    expect(step.ts).toBe(Math.floor(step.args!.cycle as number) / 1000); // 1 cycle = 1 ns
    // Instants on core 1: IRR set at arrival, then the EOI.
    const core1 = t.traceEvents.filter((e) => e.tid === 1 && e.ph === 'i').map((e) => e.name);
    expect(core1).toEqual(['IRR[0x40] ← 1 (IPI accepted)', 'EOI (ISR[0x40] ← 0)']);
    // Core 1 waited in HLT until the IPI arrived.
    const halts = tracks.get('1/1')!.filter((e) => e.name === 'HLT');
    expect(halts.some((h) => Math.round((h.ts! + h.dur!) * 1000) === Math.floor(step.args!.arrival_cycle as number))).toBe(true);
  });

  it('windows a long run: only what overlaps --from..--to, clipped, still well formed; the run stops at --to', async ({ expect }) => {
    // The window is placed on the guest, not read off a run: around the first timed IPI, from
    // the event stream's first execution of its handler `timed_entry` — 2000 cycles before it
    // (the send, the bus flight and the vectoring fall inside) to 2000 after.
    const timedEntry = parseElf(new Uint8Array(readFileSync(xapic)), { ramBytes: 512 * 2 ** 20 }).symbols.find((s) => s.name === 'timed_entry')!.value;
    let firstHandler = -1;
    runImage(xapic, { cores: 2, beforeRun: (m) => m.events.on('retire', (e) => { if (firstHandler < 0 && e.rip === timedEntry) firstHandler = e.start; }) });
    expect(firstHandler).toBeGreaterThan(0);
    const from = Math.floor(firstHandler) - 2000, to = Math.floor(firstHandler) + 2000;
    const full = join(tmp, 'xapic-full.json');
    const win = join(tmp, 'xapic-window.json');
    const [a, b] = await Promise.all([
      cli(['trace', xapic, '--cores', '2', '-o', full]),
      cli(['trace', xapic, '--cores', '2', '-o', win, '--from', String(from), '--to', String(to)]),
    ]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(b.stderr).toMatch(new RegExp(`window ended at cycle ${to}; the guest had not finished`));
    const tf = JSON.parse(readFileSync(full, 'utf8')) as TraceJson;
    const tw = JSON.parse(readFileSync(win, 'utf8')) as TraceJson;
    validate(tf);
    validate(tw);
    expect(statSync(win).size).toBeLessThan(statSync(full).size);
    const flowsFull = new Set(tf.traceEvents.filter((e) => e.bind_id !== undefined).map((e) => e.bind_id)).size;
    expect(flowsFull).toBe(17); // ipi_xapic sends 1 + 16 IPIs, each one vectored
    for (const e of tw.traceEvents) {
      if (e.ph === 'M') continue;
      expect(e.ts!).toBeGreaterThanOrEqual(from / 1000);
      expect(e.ts! + (e.dur ?? 0)).toBeLessThanOrEqual(to / 1000);
    }
    expect(tw.traceEvents.some((e) => e.bind_id !== undefined)).toBe(true);
  });

  it('builds a guest from several sources given after the .c image', async ({ expect }) => {
    const out = join(tmp, 'multi.json');
    const r = await cli(['trace', 'guest/apic/ipi_xapic.c', 'guest/apic/idt.c', '--cores', '2', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(readFileSync(out, 'utf8')) as TraceJson;
    expect(t.traceEvents.some((e) => e.ph === 'X')).toBe(true);
  });

  it('rejects a window that ends before it starts', async ({ expect }) => {
    const r = await cli(['trace', walk, '--cores', '2', '-o', join(tmp, 'x.json'), '--from', '500', '--to', '100']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--to 100 must be after --from 500/);
  });

  it('checks the output path before the guest runs (issue 9: it failed only after the whole run)', async ({ expect }) => {
    // forever.c prints a line and spins: had it run, stdout would hold that line and the run would take the whole limit.
    const missing = join(tmp, 'no-such-folder', 'x.json');
    const r = await cli(['trace', 'guest/demo/forever.c', '--max-cycles', '1e12', '-o', missing]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`shinjuku-emu: cannot write the trace to '${missing}': there is no folder '${join(tmp, 'no-such-folder')}'\n`);
    const dir = await cli(['trace', 'guest/demo/forever.c', '--max-cycles', '1e12', '-o', tmp]);
    expect(dir.status).toBe(2);
    expect(dir.stdout).toBe('');
    expect(dir.stderr).toBe(`shinjuku-emu: cannot write the trace to '${tmp}': it is a directory\n`);
  });

  it("the debugger's `trace FILE` exports the session so far", async ({ expect }) => {
    const out = join(tmp, 'dbg.json');
    const r = await cli(['debug', walk, '--cores', '2', '--json'], `catch eoi\ncontinue\ntrace ${out}\n`);
    expect(r.status).toBe(0);
    const t = JSON.parse(readFileSync(out, 'utf8')) as TraceJson;
    validate(t);
    expect(t.traceEvents.filter((e) => e.bind_id !== undefined)).toHaveLength(3);
  });
});

describe('well formed on the interrupt-hardware oracles', () => {
  it.each([['apic_semantics', 3], ['ioapic_pit', 1]] as const)('%s: nested handlers, self IPIs, broadcasts, timers, the I/O APIC', (name, cores) => {
    const img = buildGuestImage({ name, sources: [`guest/apic/${name}.c`, 'guest/apic/idt.c'] });
    const t = traceMachine(createMachine(new Uint8Array(readFileSync(img)), { cores, profile: loadProfile() }), {});
    expect(t.stop?.reason).toBe('exit');
    validate(t.json);
    expect(t.stats.ipis).toBeGreaterThan(0); // else the next line would compare 0 with 0
    // Every IPI that was vectored has its arrow; I/O APIC messages start on the I/O APIC track.
    expect(t.stats.flows).toBe(t.stats.ipis);
    if (name === 'ioapic_pit') {
      const starts = t.json.traceEvents.filter((e) => e.flow_out && !e.flow_in);
      expect(starts.length).toBeGreaterThan(0);
      expect(starts.every((e) => e.tid === 900)).toBe(true);
    }
  });
});

describe('tracing does not perturb, and is free when off', () => {
  it('a traced run has the cycles of a plain one; without a tracer nothing listens', () => {
    const plain = runImage(xapic, { cores: 2 });
    const m = createMachine(new Uint8Array(readFileSync(xapic)), { cores: 2, profile: loadProfile() });
    expect(Object.values(m.events.wants).every((w) => !w)).toBe(true);
    const t = traceMachine(m, {});
    expect(m.cores.map((c) => c.summary())).toEqual(plain.cores);
    expect(Object.values(m.events.wants).every((w) => !w)).toBe(true); // the tracer detached
    expect(t.stats.ipis).toBe(17);
    writeFileSync(join(tmp, 'api.json'), JSON.stringify(t.json));
  });
});
