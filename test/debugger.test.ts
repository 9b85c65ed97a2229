/**
 * The debugger (issue 5), driven as its users drive it: batch mode through
 * the real CLI (`shinjuku-emu debug --commands FILE --json`), the REPL under
 * a pseudo-terminal, and the session API for exactness checks.
 *
 * Expected values come from the SDM and from the guest program
 * (guest/debug/ipi_walk.c), and addresses from binutils (`nm`, `objdump`) —
 * never from the code under test:
 *  - SDM Vol. 3A §10.6.1: the ICR's delivery-status bit reads 1 while the
 *    send is pending; the low word holds the vector (0x40 here), the high
 *    word the destination APIC ID in bits 31:24;
 *  - §10.8.3.1 / §10.8.4: an accepted fixed interrupt sets its IRR bit; when
 *    the core takes it, IRR → ISR and PPR rises to the vector's class (0x40);
 *    an EOI write clears the highest ISR bit (PPR back to 0);
 *  - §6.12.1.3, §6.14.2: through an interrupt gate IF = 0 in the handler; the
 *    64-bit frame is RIP, CS, RFLAGS, RSP, SS (RIP = the instruction after
 *    the HLT that was waiting, CS = 0x18 and SS = 0x10 from the loader's GDT);
 *    IRETQ returns there with IF = 1.
 *  - the bus latency is the profile's ipiLatency (core cycles × tscHz/coreHz).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGuestImage, repoRoot } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';
import { MIN_MEMORY } from '../src/sim/machine.js';
import { DebugSession, fingerprint } from '../src/debug/session.js';
import { Debugger } from '../src/debug/debugger.js';
import { visibleLength } from '../src/debug/format.js';

interface Outcome { status: number | null; stdout: string; stderr: string }

function cli(args: string[], input?: string): Promise<Outcome> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    p.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    p.on('error', fail);
    p.on('close', (status) => done({ status, stdout, stderr }));
    if (input !== undefined) p.stdin.end(input); else p.stdin.end();
  });
}

interface JsonResult { command: string; ok: boolean; result?: Record<string, any>; error?: string }

let tmp: string;
let elf: string;
const sym: Record<string, number> = {};
/** Address of the instruction after core 1's `sti; hlt` (the interrupted RIP) and after send_ipi's ICR-low store. */
let afterHlt = 0;
let afterIcrLow = 0;
let latency = 0;

async function batch(commands: string[]): Promise<{ results: JsonResult[]; out: Outcome }> {
  const f = join(tmp, `cmds-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(f, commands.join('\n') + '\n');
  const out = await cli(['debug', elf, '--cores', '2', '--commands', f, '--json']);
  const results = out.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonResult);
  return { results, out };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'shinjuku-debug-'));
  elf = buildGuestImage({ name: 'ipi_walk', sources: ['guest/debug/ipi_walk.c'] });
  for (const line of spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = /^([0-9a-f]+) \w (\S+)$/.exec(line);
    if (m) sym[m[2]!] = parseInt(m[1]!, 16);
  }
  const dis = spawnSync('objdump', ['-d', '--no-show-raw-insn', elf], { encoding: 'utf8' }).stdout.split('\n');
  const insns = dis.map((l) => /^\s+([0-9a-f]+):\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ addr: parseInt(m[1]!, 16), text: m[2]!.trim() }));
  for (let i = 0; i + 2 < insns.length; i++) {
    if (insns[i]!.text === 'sti' && insns[i + 1]!.text === 'hlt' && insns[i + 2]!.text === 'cli') afterHlt = insns[i + 2]!.addr;
    if (/movabs %eax,0xfee00300/.test(insns[i]!.text) && insns[i]!.addr >= sym.send_ipi! && insns[i]!.addr < sym.send_ipi! + 0x40) afterIcrLow = insns[i + 1]!.addr;
  }
  const p = JSON.parse(readFileSync(join(repoRoot, 'profiles', 'haswell-e5-2658v3.json'), 'utf8'));
  // Costs are rounded to the 2^-8-tick time grid at load (docs/architecture.md).
  latency = Math.round(p.apic.ipiLatency.cycles * p.clock.tscHz.value / p.clock.coreHz.value * 256) / 256;
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const apicOf = (r: JsonResult) => r.result as { irr: number[]; isr: number[]; ppr: number; deliveryStatus: number; icrLo: number; icrHi: number };
const stopOf = (r: JsonResult) => r.result!.stop as { kind: string; reasons: string[]; core: number; events: Record<string, any>[]; end: { reason: string; exitStatus: number } | null };
const coreRow = (r: JsonResult, id: number) => (r.result!.cores as { core: number; cycle: number; rip: number; state: string }[]).find((c) => c.core === id)!;

describe.concurrent('debugger batch mode: one IPI, step by step', () => {
  it('stops at the ICR write, the bus, the IRR, the vectoring, the EOI and the IRETQ, showing what the SDM says', async ({ expect }) => {
    expect(sym.send_ipi && sym.ipi_entry && sym.ipi_count && afterHlt && afterIcrLow).toBeTruthy();
    const { results: r, out } = await batch([
      'break send_ipi',                  // 0
      'catch ipi sent',                  // 1
      'catch ipi accepted',              // 2
      'catch interrupt vector 0x40',     // 3
      'catch eoi',                       // 4
      'continue',                        // 5: breakpoint at send_ipi
      'info apic 1',                     // 6
      'continue',                        // 7: ipi sent (ICR low written)
      'info apic 0',                     // 8
      'info apic 1',                     // 9
      'info bus',                        // 10
      'continue',                        // 11: accepted: IRR set
      'info apic 1',                     // 12
      'continue',                        // 13: vectoring to ipi_entry
      'regs 1',                          // 14
      'info apic 1',                     // 15
      'info apic 0',                     // 16
      'x/5xg $sp',                       // 17: the interrupt frame
      'print (rflags >> 9) & 1',         // 18
      'continue',                        // 19: EOI
      'info apic 1',                     // 20
      'x/1xg ipi_count',                 // 21
      'step 1 2',                        // 22: pop %rax; iretq
      'regs 1',                          // 23
      'continue',                        // 24: the guest exits
    ]);
    expect(out.stderr).toBe('');
    expect(r.map((x) => x.ok)).toEqual(r.map(() => true));
    expect(out.status).toBe(0);

    // The breakpoint: core 0 about to run send_ipi, core 1's IRR still empty.
    const s5 = stopOf(r[5]!);
    expect(s5.kind).toBe('breakpoint');
    expect(s5.core).toBe(0);
    expect(coreRow(r[5]!, 0).rip).toBe(sym.send_ipi);
    expect(apicOf(r[6]!).irr).toEqual([]);

    // The ICR low write puts the message on the bus; the sender stops right after that store.
    const s7 = stopOf(r[7]!);
    expect(s7.kind).toBe('catchpoint');
    expect(s7.events[0]).toMatchObject({ kind: 'ipi', phase: 'sent', from: 0, to: 1, vector: 0x40 });
    const sent = s7.events[0]!.tick as number, arrival = s7.events[0]!.arrival as number;
    expect(arrival - sent).toBeCloseTo(latency, 9); // tick + latency in floating point
    expect(coreRow(r[7]!, 0).rip).toBe(afterIcrLow);
    const a0 = apicOf(r[8]!);
    expect(a0.deliveryStatus).toBe(1); // send pending
    expect(a0.icrLo & 0xff).toBe(0x40);
    expect(a0.icrLo & (1 << 14)).toBe(1 << 14); // level = assert
    expect(a0.icrHi >>> 24).toBe(1); // core 1's APIC ID (the guest reads it from core 1's ID register)
    expect(apicOf(r[9]!).irr).toEqual([]); // not arrived yet
    expect(r[10]!.result!.inFlight).toMatchObject([{ from: 0, to: 1, vector: 0x40, sent, arrival }]);

    // Acceptance at the arrival cycle: IRR bit 0x40 set, nothing in service yet.
    const s11 = stopOf(r[11]!);
    expect(s11.events[0]).toMatchObject({ kind: 'ipi', phase: 'accepted', to: 1, vector: 0x40, tick: arrival });
    expect(s11.core).toBe(1);
    const a11 = apicOf(r[12]!);
    expect(a11.irr).toEqual([0x40]);
    expect(a11.isr).toEqual([]);

    // Core 1 was halted with IF = 1: it wakes and takes the interrupt at once, through gate 0x40.
    const s13 = stopOf(r[13]!);
    expect(s13.events[0]).toMatchObject({ kind: 'interrupt', core: 1, vector: 0x40, tick: arrival, rip: afterHlt });
    expect(r[14]!.result!.rip).toBe(sym.ipi_entry);
    const a15 = apicOf(r[15]!);
    expect(a15.irr).toEqual([]);
    expect(a15.isr).toEqual([0x40]);
    expect(a15.ppr).toBe(0x40);
    expect(apicOf(r[16]!).deliveryStatus).toBe(0); // the sender's ICR is idle again
    const frame = (r[17]!.result!.values as string[]).map((v) => BigInt(v));
    expect(frame[0]).toBe(BigInt(afterHlt)); // RIP
    expect(frame[1]).toBe(0x18n); // CS
    expect((frame[2]! >> 9n) & 1n).toBe(1n); // RFLAGS as interrupted: IF = 1
    expect(frame[4]).toBe(0x10n); // SS
    expect(r[18]!.result!.decimal).toBe('0'); // IF = 0 in the handler

    // EOI: ISR clear, PPR 0; the handler's increment happened before it.
    const s19 = stopOf(r[19]!);
    expect(s19.events[0]).toMatchObject({ kind: 'eoi', core: 1, vector: 0x40 });
    const a20 = apicOf(r[20]!);
    expect(a20.isr).toEqual([]);
    expect(a20.ppr).toBe(0);
    expect(r[21]!.result!.values).toEqual(['0x1']);

    // pop %rax; iretq: back after the HLT with IF = 1.
    expect(stopOf(r[22]!).kind).toBe('step');
    expect(r[23]!.result!.rip).toBe(afterHlt);
    expect((r[23]!.result!.rflags as number) & 0x200).toBe(0x200);

    // Cycles only move forward from stop to stop, on every core.
    const stops = [5, 7, 11, 13, 19, 22].map((i) => r[i]!);
    for (const id of [0, 1]) {
      const cycles = stops.map((x) => coreRow(x, id).cycle);
      expect(cycles).toEqual([...cycles].sort((x, y) => x - y));
    }
    expect(coreRow(r[11]!, 1).cycle).toBe(arrival);

    // And the guest finishes as it would have.
    const end = stopOf(r[24]!);
    expect(end.end).toMatchObject({ reason: 'exit', exitStatus: 0 });
    expect(r[24]!.result!.console).toContain('ipi_walk: ipi_count=1');
  });

  it('step-event walks the IPI: sent, accepted, vectored, EOI', async ({ expect }) => {
    const { results: all } = await batch(Array(6).fill('step-event'));
    const r = all.filter((x) => x.ok && !stopOf(x).end);
    const evs = r.map((x) => stopOf(x).events[0]).filter((e) => e && e.kind !== 'halt');
    expect(evs.slice(0, 4).map((e) => `${e!.kind}${e!.phase ? ':' + e!.phase : ''}`)).toEqual(['ipi:sent', 'ipi:accepted', 'interrupt', 'eoi']);
    const ticks = r.map((x) => stopOf(x).events[0]?.tick as number);
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
  });

  it('finish returns from send_ipi, bt finds the caller, a conditional breakpoint filters calls', async ({ expect }) => {
    const { results: r } = await batch([
      'break send_ipi', 'continue', 'bt', 'finish', 'delete', 'regs 0',
      // wait_for() is called by core 0 for core1_ready, then for core1_woke (guest source): stop at the second only.
      'break wait_for.constprop.0 core 0 if rdi == core1_woke', 'continue', 'regs 0', 'info breakpoints',
    ]);
    expect(r.every((x) => x.ok)).toBe(true);
    expect(stopOf(r[7]!).kind).toBe('breakpoint');
    expect(r[8]!.result!.rdi).toBe('0x' + sym.core1_woke!.toString(16));
    expect((r[9]!.result!.points as { hits: number }[])[0]!.hits).toBe(1);
    const frames = r[2]!.result!.frames as { symbol: string }[];
    expect(frames[0]!.symbol).toBe('send_ipi');
    expect(frames.map((f) => f.symbol.replace(/\+.*/, ''))).toContain('test_main_smp');
    expect(stopOf(r[3]!).kind).toBe('finish');
    const rip = r[5]!.result!.rip as number;
    expect(rip).toBeGreaterThan(sym.test_main_smp!);
    // The return address is right after a call to send_ipi (binutils says so).
    const dis = spawnSync('objdump', ['-d', '--no-show-raw-insn', `--start-address=${rip - 5}`, `--stop-address=${rip}`, elf], { encoding: 'utf8' }).stdout;
    expect(dis).toMatch(/call\s+401[0-9a-f]+ <send_ipi>/);
  });

  it('catch line stops when a cache line moves between cores, and info cacheline shows MESI after it', async ({ expect }) => {
    const { results: r } = await batch(['catch line addr ipi_count core 1', 'continue', 'info cacheline ipi_count', 'step-event line', 'info cacheline p:$pc']);
    expect(r.slice(0, 3).every((x) => x.ok)).toBe(true);
    const e = stopOf(r[1]!).events[0]!;
    expect(e).toMatchObject({ kind: 'line', core: 1, pa: Math.floor(sym.ipi_count! / 64) * 64 });
    expect(['remoteModified', 'remoteClean', 'crossSocket']).toContain(e.source);
    const st = r[2]!.result!.states as string[];
    // MESI: a load leaves a shared (or exclusive) copy with the reader; a store or RFO leaves it Modified and invalidates the others.
    if (e.access === 'load') expect(['S', 'E']).toContain(st[1]);
    else { expect(st[1]).toBe('M'); expect(st[0]).toBe('I'); }
    expect(stopOf(r[3]!).events[0]).toMatchObject({ kind: 'line' });
  });

  it('a person\'s mistakes get one-line errors and the session goes on', async ({ expect }) => {
    const { results: r, out } = await batch([
      'frobnicate',
      'x/4xg 0xdead00000000',
      'break no_such_symbol',
      'print (1 + ) * 2',
      'print (rax',
      'step 7 1',
      'catch nothing',
      'catch ipi sideways',
      'info nothing',
      'until 0',
      'x/4zg rsp',
      'watch',
      'delete 99',
      'xp/1xw 0xfec00000',
      'print 1/0',
      'regs 0',
    ]);
    expect(r).toHaveLength(16);
    for (const x of r.slice(0, 15)) {
      expect(x.ok, x.command).toBe(false);
      expect(x.error, x.command).toMatch(/\S/);
      expect(x.error, x.command).not.toContain('\n');
      expect(x.error, x.command).not.toMatch(/internal error|\.ts:|^\s+at /);
    }
    expect(r[0]!.error).toMatch(/unknown command 'frobnicate'/);
    expect(r[1]!.error).toMatch(/not (mapped|a canonical)/);
    expect(r[2]!.error).toMatch(/unknown symbol or register 'no_such_symbol'/);
    expect(r[3]!.error).toMatch(/bad expression/);
    expect(r[5]!.error).toMatch(/no core 7/);
    expect(r[13]!.error).toMatch(/I\/O APIC.*side effects/);
    expect(r[14]!.error).toMatch(/division by zero/);
    expect(r[15]!.ok).toBe(true);
    expect(out.status).toBe(1); // batch mode: some command failed
  });

  it('text batch mode reads like a session; piping commands works too', async ({ expect }) => {
    const out = await cli(['debug', elf, '--cores', '2'], 'catch ipi\ncontinue\ninfo apic 0\n');
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('(sjdb) catch ipi');
    expect(out.stdout).toMatch(/● catchpoint 1: IPI 0x40 sent by core 0 to core 1/);
    expect(out.stdout).toMatch(/delivery status\s+1 \(send pending\)/);
    expect(out.stdout).not.toMatch(/\x1b\[/); // no colour into a pipe
  });
});

describe('info views fit a terminal', () => {
  it('`info apic` fits 100 columns, whatever the APIC holds (issue 9: its lines ran past 160)', async () => {
    const s = new DebugSession(new Uint8Array(readFileSync(elf)), { cores: 2, memoryBytes: MIN_MEMORY, profile: loadProfile() });
    const texts: string[] = [];
    const d = new Debugger(s, (r) => { expect(r.error).toBeUndefined(); texts.push(r.text); });
    // Core 0 with its IPI in flight (ICR busy, a line for the flight).
    for (const cmd of ['catch ipi', 'continue', 'info apic 0']) await d.run(cmd);
    // Core 1 in x2APIC mode, software-disabled, with every vector pending, in service and level-triggered:
    // the longest values each field can show.
    const a = s.machine.apics[1]!;
    a.wrmsr(0x1b, 0xfee00000 | (1 << 11) | (1 << 10), 0); // IA32_APIC_BASE: EN | EXTD (SDM Vol. 3A §10.12.1)
    a.svr = 0xff;
    for (const v of [a.irr, a.isr, a.tmr]) v.fill(0xffffffff);
    await d.run('info apic 1');
    const [withFlight, full] = [texts[2]!, texts[3]!];
    expect(withFlight).toMatch(/in flight:\n  IPI 0x40 core 0 → core 1/);
    expect(full).toMatch(/^core 1: local APIC, x2apic mode, .*software-disabled/);
    for (const text of [withFlight, full]) {
      for (const line of text.split('\n')) expect(visibleLength(line), line).toBeLessThanOrEqual(100);
    }
    // Wrapped, not cut: all 256 vectors of each register are there.
    expect(full.match(/0x[0-9a-f]{2}(?= |$)/gm)!.filter((x) => x.length === 4).length).toBeGreaterThanOrEqual(3 * 256);
  });
});

describe('reverse-step', () => {
  const profile = loadProfile();
  const open = () => new DebugSession(new Uint8Array(readFileSync(elf)), { cores: 2, memoryBytes: MIN_MEMORY, profile });
  const ramHash = (s: DebugSession) => createHash('sha1').update(s.machine.mem.u8).digest('hex');
  const state = (s: DebugSession) => ({ fp: fingerprint(s.machine), ram: ramHash(s), cores: s.machine.cores.map((c) => c.summary()), apics: s.machine.apics.map((a) => a.snapshot()) });

  it('returns exactly to the previous stop (registers, RAM, cycles, APICs), across every kind of stop', async () => {
    const s = open();
    const boot = state(s);
    const seen: ReturnType<typeof state>[] = [];
    s.addCatch('ipi', { phase: 'accepted' }, null);
    await s.step(0, 40); seen.push(state(s));                  // retire position
    await s.stepEvent('sent'); seen.push(state(s));            // event position, mid-instruction
    await s.cont(); seen.push(state(s));                       // catchpoint at a device event
    s.deletePoint(1);
    await s.stepEvent('interrupt'); seen.push(state(s));       // vectoring
    const w = s.addWatch(sym.ipi_count!, 8, 'w', 'ipi_count', null);
    await s.cont(); seen.push(state(s));                       // watchpoint (the handler's lock inc)
    s.deletePoint(w.id);
    await s.until(s.now() + 5000); seen.push(state(s));        // time position
    await s.cont(); seen.push(state(s));                       // end of run
    expect(s.stopped?.reason).toBe('exit');
    expect(new Set(seen.map((x) => x.ram)).size).toBeGreaterThan(2); // memory really changed along the way
    for (let i = seen.length - 2; i >= 0; i--) {
      s.reverseStep();
      expect(state(s), `back to stop ${i}`).toEqual(seen[i]);
    }
    s.reverseStep();
    expect(state(s)).toEqual(boot);
    // Forward again: the same stops, the same states.
    await s.step(0, 40);
    expect(state(s)).toEqual(seen[0]);
  });
});

describe('observing does not perturb', () => {
  it('a debugged run (breakpoints, steps, catchpoints, watchpoints, reads) has the cycles of an undebugged one', async () => {
    const plain = runImage(elf, { cores: 2 });
    expect(plain.exitStatus).toBe(0);
    const s = new DebugSession(new Uint8Array(readFileSync(elf)), { cores: 2, memoryBytes: 512 * 2 ** 20, profile: loadProfile() });
    s.addBreak('send_ipi', null, null);
    s.addBreak('ipi_entry', 1, 'rsp != 0');
    s.addCatch('eoi', {}, null);
    s.addWatch(0xfee00300, 4, 'w', 'ICR low', null);
    s.addWatch(sym.ipi_count!, 8, 'rw', 'ipi_count', null);
    let stops = 0;
    for (;;) {
      const st = await s.cont();
      stops++;
      // Look around at every stop, as a person would.
      for (const k of s.machine.cores) { s.eval('rip + rsp', k.id); s.eval('*(u64*)rsp', k.id); }
      s.eval('*(u32*)0xfee00100');
      if (st.end) break;
      await s.step(s.selected, 3);
      await s.next(s.selected);
    }
    expect(stops).toBeGreaterThan(4);
    expect(s.stopped!.exitStatus).toBe(0);
    expect(s.machine.cores.map((c) => c.summary())).toEqual(plain.cores);
  });

  it('the same for the timed IPI rounds of guest/apic/ipi_xapic.c (spin loops, 17 IPIs)', async () => {
    const x = buildGuestImage({ name: 'ipi_xapic', sources: ['guest/apic/ipi_xapic.c', 'guest/apic/idt.c'] });
    const plain = runImage(x, { cores: 2 });
    const s = new DebugSession(new Uint8Array(readFileSync(x)), { cores: 2, memoryBytes: 512 * 2 ** 20, profile: loadProfile() });
    s.addBreak('timed_entry', null, null);
    s.addCatch('ipi', {}, null);
    let n = 0;
    for (;;) { const st = await s.cont(); n++; if (st.end) break; if (n % 5 === 0) await s.step(0, 7); }
    expect(n).toBeGreaterThan(16 * 2);
    expect(s.consoleText).toBe(plain.console);
    expect(s.machine.cores.map((c) => c.summary())).toEqual(plain.cores);
  });
});

describe('the REPL under a pseudo-terminal', () => {
  // python3's pty module gives the debugger a real terminal. The driver never sleeps: after each
  // key it waits for the terminal's answer (the echo, the completion, the command's output and
  // the next prompt), and after Ctrl-D for the end of the session; the screen is read back.
  const driver = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.environ['COLUMNS'] = '120'
    os.execvp(sys.argv[1], sys.argv[1:])
screen = b''
eof = False
def read_some(deadline):
    global screen, eof
    r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
    if not r: return False
    try: d = os.read(fd, 65536)
    except OSError: d = b''
    if not d: eof = True; return False
    screen += d
    return True
def wait_for(text, start):
    # until text appears after offset start (None: until anything new arrives); 30 s at most
    deadline = time.time() + 30
    while not eof and time.time() < deadline:
        if text is None and len(screen) > start: return len(screen)
        if text is not None:
            i = screen.find(text.encode(), start)
            if i >= 0: return i + len(text)
        read_some(deadline)
    return len(screen)
def key(k, answer):
    mark = len(screen)
    os.write(fd, k.encode())
    return wait_for(answer, mark)
def command(k, output):
    wait_for('(sjdb)', key(k, output))
def end_session():
    os.write(fd, b'\\x04')
    deadline = time.time() + 30
    while not eof and time.time() < deadline: read_some(deadline)
wait_for('(sjdb)', 0)
key('brea\\t', 'break')
key('send_i\\t', 'send_ipi')
command('\\r', 'breakpoint 1:')
command('continue\\r', '● breakpoint 1')
command('info apic 0\\r', 'delivery status')
command('frobnicate\\r', 'unknown command')
command('step-event\\r', '●')
command('\\r', 'accepted')
for _ in range(6): key('\\x1b[A', None)
command('\\r', 'interrupt bus at cycle')
end_session()
sys.stdout.buffer.write(screen)
`;
  it('types commands with tab completion, repeats a step with Enter, and shows a readable screen', async () => {
    const py = join(tmp, 'drive.py');
    writeFileSync(py, driver);
    const history = join(tmp, 'history');
    writeFileSync(history, 'info bus\n');
    const r = spawnSync('python3', [py, process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'debug', elf, '--cores', '2'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, SHINJUKU_EMU_HISTORY: history } });
    // eslint-disable-next-line no-control-regex
    const screen = r.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(screen).toContain('shinjuku-emu debugger');
    expect(screen).toMatch(/\(sjdb\) break send_ipi/); // Tab completed the command and the symbol
    expect(screen).toContain(`breakpoint 1: break at 0x${sym.send_ipi!.toString(16)} <send_ipi> on all cores`);
    expect(screen).toMatch(/● breakpoint 1: core 0 at 0x[0-9a-f]+ <send_ipi>/);
    expect(screen).toMatch(/=>\s+0\s+running/);
    expect(screen).toMatch(/IRR\s+-/);
    expect(screen).toContain("error: unknown command 'frobnicate'");
    expect(screen).toMatch(/● IPI 0x40 sent by core 0 to core 1/);
    expect(screen).toMatch(/● IPI 0x40 from core 0 accepted by core 1's APIC: IRR bit 0x40 set/); // the empty line repeated step-event
    expect(r.stdout).toMatch(/\x1b\[3\dm/); // colours on a terminal
    // Up-arrow history: the last line recalls a command from the history file of an earlier session.
    expect(screen).toMatch(/interrupt bus at cycle/);
    expect(readFileSync(history, 'utf8')).toContain('info bus\nbreak send_ipi\ncontinue\ninfo apic 0\n');
  }, 60_000);

  it('Ctrl-C stops a run that would never end, and the session goes on', async () => {
    const forever = buildGuestImage({ name: 'forever', sources: ['guest/demo/forever.c'] });
    const py = join(tmp, 'ctrlc.py');
    writeFileSync(py, driver.replace(/wait_for\('\(sjdb\)', 0\)[\s\S]*$/, `wait_for('(sjdb)', 0)
key('continue\\r', 'spinning forever')
command('\\x03', 'interrupted (Ctrl-C)')
command('print $core + 40\\r', '0x28 = 40')
end_session()
sys.stdout.buffer.write(screen)
`));
    const r = spawnSync('python3', [py, process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'debug', forever], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, SHINJUKU_EMU_HISTORY: '' } });
    // eslint-disable-next-line no-control-regex
    const screen = r.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(screen).toContain('spinning forever');
    expect(screen).toMatch(/● interrupted \(Ctrl-C\): every running core has reached cycle \d+/);
    expect(screen).toContain('0x28 = 40');
  }, 60_000);
});
