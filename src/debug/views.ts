/**
 * What the debugger shows: stop reports, registers, memory, disassembly,
 * backtraces, the `info` views and the ASCII timeline. Each returns an
 * Output: text for a person (chalk colours, aligned tables) and data for
 * --json.
 *
 * `info` views are a registry: a later layer (VMX, Dune, the server) adds
 * its own with `registerInfoView({ name, help, run })` and it appears in
 * `info`, `help` and tab completion.
 */
import { RunState, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE } from '../cpu/core.js';
import { GPR_NAMES } from '../cpu/registers.js';
import { Reg } from '../apic/registers.js';
import { STACKS_BASE, STACK_BYTES } from '../loader/layout.js';
import { decodeAt, decodeBytes, describe, insnText, type Insn } from './disasm.js';
import { c, cyc, hx, table, vectorList, vectorsOf, pairToBig } from './format.js';
import { apicRegister, readLinear, readPhys, le, PeekError, translate } from './peek.js';
import { CommandError, stateName, type DebugSession, type Stop, type Point, type Position } from './session.js';
import type { LogRecord } from './eventlog.js';
import { describeVmxEvent } from './vmxText.js';
import { exitReasonName } from '../vmx/reasons.js';

export interface Output { text: string; data: Record<string, unknown>; }

export const out = (text: string, data: Record<string, unknown> = {}): Output => ({ text, data });

// ------------------------------------------------------------------ helpers

export function symAddr(s: DebugSession, addr: number): string {
  const l = s.symbols.label(addr);
  return l ? `${hx(addr)} <${l}>` : hx(addr);
}

function coloredState(st: RunState): string {
  const n = stateName(st);
  return st === RunState.Running ? c().green(n) : st === RunState.Halted ? c().yellow(n) : c().red(n);
}

function positionText(p: Position): string {
  switch (p.type) {
    case 'boot': return 'boot';
    case 'retire': return `core ${p.core} retired instruction #${p.n}`;
    case 'event': return `${p.kind} event #${p.ordinal}`;
    case 'tick': return `cycle ${cyc(p.tick)}`;
    case 'end': return 'end of run';
  }
}

/** One row per core: where it is, what it does next. */
export function coresTable(s: DebugSession, markSelected = true): { text: string; data: Record<string, unknown>[] } {
  const m = s.machine;
  const rows: string[][] = [[' ', 'core', 'state', 'cycle', 'instrs', 'rip', 'next instruction']];
  const data: Record<string, unknown>[] = [];
  for (const k of m.cores) {
    const sel = markSelected && k.id === s.selected;
    const next = insnText(m, k, k.rip, s.symbols);
    rows.push([sel ? c().cyan('=>') : '  ', String(k.id), coloredState(k.state), cyc(k.time), String(k.instructions), c().blue(symAddr(s, k.rip)), next]);
    data.push({ core: k.id, state: stateName(k.state), cycle: k.time, instructions: k.instructions, rip: k.rip, symbol: s.symbols.label(k.rip), next });
  }
  return { text: table(rows, { align: '  rrr', header: true }), data };
}

// ------------------------------------------------------------------ stops

export function renderStop(s: DebugSession, st: Stop, displays: Output[]): Output {
  const lines: string[] = [];
  if (st.console && !st.console.endsWith('\n')) lines.push('');
  for (const h of st.hits) lines.push(c().bold.magenta(`● ${h.text}`));
  if (st.end) {
    const e = st.end;
    const status = e.exitStatus !== null ? ` with status ${e.exitStatus}` : '';
    lines.push(c().bold.red(`■ the machine stopped: ${e.reason}${status} at cycle ${cyc(e.tick)}`) + (e.detail ? ` — ${e.detail}` : ''));
  }
  if (st.replayed) lines.push(c().dim(`(replayed from boot to ${positionText(st.position)}; state checked against the recorded stop)`));
  const ct = coresTable(s);
  lines.push(ct.text);
  // What the other cores did meanwhile (steps only).
  for (const [core, rips] of st.meanwhile) {
    if (core === st.core) continue;
    const k = s.machine.cores[core]!;
    const b = st.before[core]!;
    const list = rips.map((r) => (Number.isNaN(r) ? '…' : `${symAddr(s, r)} ${insnText(s.machine, k, r, s.symbols)}`));
    lines.push(c().dim(`  meanwhile core ${core} ran ${k.instructions - b.instructions} instruction${k.instructions - b.instructions === 1 ? '' : 's'} (cycle ${cyc(b.time)} → ${cyc(k.time)}):`));
    for (const l of list) lines.push(c().dim(`    ${l}`));
  }
  for (const d of displays) lines.push(d.text);
  return out(lines.join('\n'), {
    stop: {
      kind: st.kind,
      reasons: st.hits.map((h) => h.text),
      points: st.hits.filter((h) => h.point).map((h) => h.point!.id),
      events: st.hits.filter((h) => h.event).map((h) => h.event),
      core: st.core,
      position: st.position,
      replayed: st.replayed,
      end: st.end ? { reason: st.end.reason, exitStatus: st.end.exitStatus, tick: st.end.tick, detail: st.end.detail } : null,
    },
    cores: ct.data,
    console: st.console,
    displays: displays.map((d) => d.data),
  });
}

// ------------------------------------------------------------------ registers

const FLAG_NAMES: [number, string][] = [[0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF']];

export function flagsText(f: number): string {
  return FLAG_NAMES.filter(([b]) => (f >>> b) & 1).map(([, n]) => n).join(' ') || '-';
}

export function regs(s: DebugSession, coreId: number): Output {
  const k = s.core(coreId);
  const g = GPR_NAMES.map((n, i) => [n, pairToBig(k.lo[i]!, k.hi[i]!)] as const);
  const rows: string[][] = [];
  for (let i = 0; i < 16; i += 4) rows.push(g.slice(i, i + 4).flatMap(([n, v]) => [c().cyan(n), hx(v, 16)]));
  const fl = k.getRflags();
  const head = `core ${k.id}  ${coloredState(k.state)}  cycle ${cyc(k.time)}  ${k.instructions} instructions`;
  const text = [
    c().bold(head),
    table(rows),
    `${c().cyan('rip')} ${hx(k.rip, 16)} ${c().blue(`<${s.symbols.label(k.rip) || '?'}>`)}  ${insnText(s.machine, k, k.rip, s.symbols)}`,
    `${c().cyan('rflags')} ${hx(fl, 8)} [ ${flagsText(fl)} ]  cs ${hx(k.segSel[1]!, 2)} ss ${hx(k.segSel[2]!, 2)} ds ${hx(k.segSel[3]!, 2)} es ${hx(k.segSel[0]!, 2)} fs ${hx(k.segSel[4]!, 2)} gs ${hx(k.segSel[5]!, 2)}  cpl ${k.cpl}`,
  ].join('\n');
  const data: Record<string, unknown> = { core: k.id, state: stateName(k.state), cycle: k.time, instructions: k.instructions, rip: k.rip, rflags: fl, cpl: k.cpl };
  for (const [n, v] of g) data[n] = '0x' + v.toString(16);
  return out(text, data);
}

// ------------------------------------------------------------------ memory

export interface XFormat { count: number; fmt: string; unit: number; }

/** gdb's /NFU: count, format (x d u o t c a s i), unit (b h w g). */
export function parseXFormat(spec: string, last: XFormat): XFormat {
  const m = /^(\d*)([xduotcasi]?)([bhwg]?)([xduotcasi]?)$/.exec(spec);
  if (!m) throw new CommandError(`bad format '/${spec}': use /NFU, e.g. /4xg (count, format x d u o t c a s i, unit b h w g)`);
  const count = m[1] ? Number(m[1]) : 1;
  if (count < 1 || count > 4096) throw new CommandError(`count ${count} must be 1 to 4096`);
  const fmt = m[2] || m[4] || last.fmt;
  const unit = m[3] ? { b: 1, h: 2, w: 4, g: 8 }[m[3]]! : fmt === 'a' ? 8 : fmt === 'c' ? 1 : last.unit;
  return { count, fmt, unit };
}

export function examine(s: DebugSession, addrExpr: string, f: XFormat, physical: boolean): Output {
  const m = s.machine;
  const k = s.core();
  const addr = s.evalAddress(addrExpr);
  if (f.fmt === 'i') {
    if (physical) throw new CommandError('xp/i: disassemble by linear address with x/i or disas');
    return disas(s, addr, f.count, false);
  }
  const read = (a: number, n: number) => {
    try { return physical ? readPhys(m, k.id, a, n) : readLinear(m, k, a, n); } catch (e) {
      if (e instanceof PeekError) throw new CommandError(`cannot read ${physical ? 'physical' : ''}${physical ? ' ' : ''}memory at ${hx(a)}: ${e.message}`);
      throw e;
    }
  };
  if (f.fmt === 's') {
    const lines: string[] = [];
    const strings: string[] = [];
    let a = addr;
    for (let i = 0; i < f.count; i++) {
      let str = '';
      for (let j = 0; j < 4096; j++) { const b = read(a + j, 1)[0]!; if (b === 0) break; str += String.fromCharCode(b); }
      lines.push(`${c().blue(symAddr(s, a))}:  ${JSON.stringify(str)}`);
      strings.push(str);
      a += str.length + 1;
    }
    return out(lines.join('\n'), { address: addr, strings });
  }
  const bytes = read(addr, f.count * f.unit);
  const perLine = Math.max(1, 16 / f.unit);
  const values: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < f.count; i += perLine) {
    const cells: string[] = [];
    for (let j = i; j < Math.min(f.count, i + perLine); j++) {
      const v = le(bytes, j * f.unit, f.unit);
      const cell = formatValue(s, v, f.fmt, f.unit);
      cells.push(cell);
      values.push(f.fmt === 'x' || f.fmt === 'a' ? '0x' + v.toString(16) : cell);
    }
    const at = addr + i * f.unit;
    lines.push(`${c().blue(symAddr(s, at))}:  ${cells.join('  ')}`);
  }
  return out(lines.join('\n'), { address: addr, physical, unit: f.unit, format: f.fmt, values });
}

function formatValue(s: DebugSession, v: bigint, fmt: string, unit: number): string {
  const bits = BigInt(unit * 8);
  switch (fmt) {
    case 'd': return BigInt.asIntN(Number(bits), v).toString();
    case 'u': return v.toString();
    case 'o': return '0' + v.toString(8);
    case 't': return v.toString(2).padStart(unit * 8, '0');
    case 'c': { const n = Number(v & 0xffn); return n >= 32 && n < 127 ? `'${String.fromCharCode(n)}'` : `'\\x${n.toString(16).padStart(2, '0')}'`; }
    case 'a': { const a = Number(BigInt.asIntN(64, v)); const l = s.symbols.label(a); return l ? `${hx(v)} <${l}>` : hx(v); }
    default: return hx(v, unit * 2);
  }
}

// ------------------------------------------------------------------ disassembly

export function disas(s: DebugSession, start: number, count: number, markPc = true): Output {
  const m = s.machine;
  const k = s.core();
  const lines: string[] = [];
  const data: Record<string, unknown>[] = [];
  let a = start;
  let lastSym = '';
  for (let i = 0; i < count; i++) {
    let insn: Insn | null;
    try { insn = decodeAt(m, k, a); } catch (e) {
      if (e instanceof PeekError) { if (i === 0) throw new CommandError(`cannot disassemble at ${hx(a)}: ${e.message}`); break; }
      throw e;
    }
    const h = s.symbols.find(a);
    if (h && h.name !== lastSym) { if (h.offset === 0 || i === 0) lines.push(c().bold(`${hx(h.value)} <${h.name}>:`)); lastSym = h.name; }
    const here = markPc && a === k.rip;
    const bytes = insn ? Array.from(insn.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') : '??';
    const text = insn ? describe(insn, s.symbols) : '(bad)';
    const off = h ? `<+${h.offset}>` : '';
    lines.push(`${here ? c().cyan('=> ') : '   '}${c().blue(hx(a))} ${c().dim(off.padEnd(7))} ${bytes.padEnd(30)} ${here ? c().bold(text) : text}`);
    data.push({ address: a, symbol: s.symbols.label(a), bytes, text, current: here });
    a += insn ? insn.length : 1;
  }
  return out(lines.join('\n'), { instructions: data });
}

// ------------------------------------------------------------------ backtrace

/**
 * gcc -O2 code keeps no frame pointers, so this is a heuristic stack scan:
 * every stack qword from RSP up that points just after a CALL instruction
 * inside a known function is taken as a return address; a RIP/CS/RFLAGS
 * triple is taken as an interrupt frame. It can show stale frames.
 */
export function backtrace(s: DebugSession, coreId: number, maxFrames = 32): Output {
  const m = s.machine;
  const k = s.core(coreId);
  const frames: { frame: number; address: number; symbol: string; stack: number | null; kind: string }[] = [];
  frames.push({ frame: 0, address: k.rip, symbol: s.symbols.label(k.rip), stack: null, kind: 'rip' });
  const rsp = k.rsp();
  const own = STACKS_BASE + k.id * STACK_BYTES;
  const top = rsp >= own && rsp < own + STACK_BYTES ? own + STACK_BYTES : rsp + 8192;
  const words = Math.min(Math.floor((top - rsp) / 8), 16384);
  let qs: bigint[] = [];
  try {
    const b = readLinear(m, k, rsp, words * 8);
    qs = Array.from({ length: words }, (_, i) => le(b, i * 8, 8));
  } catch { /* unreadable stack: only frame 0 */ }
  const isCallBefore = (ret: number): boolean => {
    for (const len of [5, 2, 3, 6, 7, 4]) {
      try {
        const bytes = readLinear(m, k, ret - len, len);
        const i = decodeBytes(bytes, ret - len);
        if (i && i.length === len && i.flow === 'call') return true;
      } catch { /* unmapped */ }
    }
    return false;
  };
  for (let i = 0; i < qs.length && frames.length < maxFrames; i++) {
    const v = Number(BigInt.asIntN(64, qs[i]!));
    if (!s.symbols.inFunction(v)) continue;
    const cs = qs[i + 1], fl = qs[i + 2];
    if (cs !== undefined && fl !== undefined && cs < 0x100n && (cs & 3n) === BigInt(k.cpl & 3) && (fl & 2n) === 2n && fl < 1n << 22n && cs !== 0n) {
      frames.push({ frame: frames.length, address: v, symbol: s.symbols.label(v), stack: rsp + i * 8, kind: 'interrupted' });
      i += 4; // RIP CS RFLAGS RSP SS
      continue;
    }
    if (s.symbols.find(v)?.name === '<boot halt stub>' || isCallBefore(v)) {
      frames.push({ frame: frames.length, address: v, symbol: s.symbols.label(v), stack: rsp + i * 8, kind: 'return' });
    }
  }
  const lines = [c().dim(`core ${k.id}: heuristic stack scan (no frame pointers at -O2; return addresses found on the stack after a CALL, and interrupt frames)`)];
  for (const f of frames) {
    const what = f.kind === 'interrupted' ? c().yellow(' [interrupted here: interrupt frame]') : '';
    lines.push(`#${String(f.frame).padEnd(2)} ${c().blue(hx(f.address))} in ${c().bold(f.symbol || '??')}${f.stack !== null ? c().dim(`  (stack ${hx(f.stack)})`) : ''}${what}`);
  }
  return out(lines.join('\n'), { core: k.id, heuristic: true, frames });
}

// ------------------------------------------------------------------ info views

export interface InfoView {
  name: string;
  /** One line for `help info`. */
  help: string;
  usage?: string;
  run(s: DebugSession, args: string[]): Output;
}

const views = new Map<string, InfoView>();

/** Add an `info` view (later layers: `info vmcs`, `info pid`, ...). */
export function registerInfoView(v: InfoView): void { views.set(v.name, v); }
export function infoViews(): InfoView[] { return [...views.values()]; }
export function infoView(name: string): InfoView | undefined { return views.get(name); }

/** An optional core argument: a number, or the selected core. */
export function coreArg(s: DebugSession, a: string | undefined): number {
  if (a === undefined || a === '') return s.selected;
  const t = a.replace(/^core/, '');
  if (!/^\d+$/.test(t)) throw new CommandError(`'${a}' is not a core number`);
  s.core(Number(t));
  return Number(t);
}

registerInfoView({
  name: 'cpu',
  help: 'registers, control registers, descriptor tables, interrupt state and clock of a core',
  usage: 'info cpu [core]',
  run(s, args) {
    const id = coreArg(s, args[0]);
    const k = s.core(id);
    const r = regs(s, id);
    const modes = [k.cr0 & CR0_PE ? 'PE' : '', k.cr0 & CR0_PG ? 'PG' : '', k.cr4 & CR4_PAE ? 'PAE' : '', k.efer & EFER_LME ? 'LME' : '', k.efer & EFER_LMA ? 'LMA' : '', k.efer & EFER_NXE ? 'NXE' : ''].filter(Boolean).join(' ');
    const rows = [
      ['cr0', hx(k.cr0 >>> 0, 8), 'cr2', hx(k.cr2, 16), 'cr3', hx(k.cr3, 16)],
      ['cr4', hx(k.cr4 >>> 0, 8), 'efer', hx(k.efer >>> 0, 8), 'mode', modes],
      ['gdtr', `${hx(k.gdtrBase)} limit ${hx(k.gdtrLimit)}`, 'idtr', `${hx(k.idtrBase)} limit ${hx(k.idtrLimit)}`, 'tr', `${hx(k.trSel, 2)} base ${hx(k.trBase)}`],
      ['IF', k.interruptsEnabled ? '1' : '0', 'intr pending', k.intrPending ? 'yes' : 'no', 'nmi pending', k.nmiPending ? 'yes' : 'no'],
      ['shadow', k.interruptShadow ? 'yes (STI/MOV SS)' : 'no', 'nmi blocked', k.nmiBlocked ? 'yes' : 'no', 'tpr (cr8)', String((k.intr?.tpr ?? 0) >> 4)],
    ];
    const text = `${r.text}\n${table(rows.map((row) => row.map((x, i) => (i % 2 === 0 ? c().cyan(x) : x))))}`;
    return out(text, { ...r.data, cr0: k.cr0 >>> 0, cr2: k.cr2, cr3: k.cr3, cr4: k.cr4 >>> 0, efer: k.efer >>> 0, idtr: { base: k.idtrBase, limit: k.idtrLimit }, gdtr: { base: k.gdtrBase, limit: k.gdtrLimit }, interruptsEnabled: k.interruptsEnabled, intrPending: k.intrPending, interruptShadow: k.interruptShadow });
  },
});

const GATE_TYPES: Record<number, string> = { 0xe: 'int', 0xf: 'trap' };

registerInfoView({
  name: 'idt',
  help: 'the IDT gates a core uses (present ones; runs of stubs folded), or one vector',
  usage: 'info idt [core] [vector V]',
  run(s, args) {
    let id = s.selected;
    let only: number | null = null;
    const w = args.slice();
    if (w[0] !== undefined && w[0] !== 'vector') id = coreArg(s, w.shift());
    if (w[0] === 'vector') {
      if (w[1] === undefined) throw new CommandError('usage: info idt [core] [vector V]');
      const v = Number(s.eval(w[1]));
      if (v < 0 || v > 255) throw new CommandError(`vector ${w[1]} is not 0-255`);
      only = v;
      w.splice(0, 2);
    }
    if (w.length) throw new CommandError(`unexpected '${w.join(' ')}' (usage: info idt [core] [vector V])`);
    const k = s.core(id);
    const n = Math.min(256, Math.floor((k.idtrLimit + 1) / 16));
    if (n === 0) return out(`core ${k.id}: no IDT loaded (IDTR limit ${k.idtrLimit})`, { core: k.id, gates: [] });
    const gates: { vector: number; present: boolean; type: string; dpl: number; ist: number; selector: number; target: number; symbol: string }[] = [];
    let raw: Uint8Array;
    try { raw = readLinear(s.machine, k, k.idtrBase, n * 16); } catch (e) {
      if (e instanceof PeekError) throw new CommandError(`cannot read the IDT at ${hx(k.idtrBase)}: ${e.message}`);
      throw e;
    }
    for (let v = 0; v < n; v++) {
      if (only !== null && v !== only) continue;
      const o = v * 16;
      const w1 = raw[o + 5]!;
      const present = (w1 & 0x80) !== 0;
      const lo = raw[o]! | (raw[o + 1]! << 8), mid = raw[o + 6]! | (raw[o + 7]! << 8);
      const hi = (raw[o + 8]! | (raw[o + 9]! << 8) | (raw[o + 10]! << 16) | (raw[o + 11]! << 24)) | 0;
      const target = hi * 4294967296 + (((mid << 16) | lo) >>> 0);
      gates.push({ vector: v, present, type: GATE_TYPES[w1 & 0xf] ?? `type ${hx(w1 & 0xf)}`, dpl: (w1 >> 5) & 3, ist: raw[o + 4]! & 7, selector: raw[o + 2]! | (raw[o + 3]! << 8), target, symbol: s.symbols.label(target) });
    }
    const shown = gates.filter((g) => g.present || only !== null);
    const rows: string[][] = [['vector', 'type', 'dpl', 'ist', 'sel', 'target']];
    for (let i = 0; i < shown.length;) {
      const g = shown[i]!;
      // Fold a run of gates into the same function (one stub per vector).
      let j = i;
      const fn = (x: typeof g) => x.symbol.replace(/\+.*/, '');
      while (j + 1 < shown.length && shown[j + 1]!.vector === shown[j]!.vector + 1 && fn(shown[j + 1]!) === fn(g) && fn(g) !== '' && shown[j + 1]!.type === g.type) j++;
      const vec = j > i + 1 ? `${hx(g.vector, 2)}-${hx(shown[j]!.vector, 2)}` : hx(g.vector, 2);
      const tgt = j > i + 1 ? `${fn(g)} (${j - i + 1} stubs)` : symAddr(s, g.target);
      rows.push([vec, g.present ? g.type : c().dim('not present'), String(g.dpl), String(g.ist), hx(g.selector, 2), c().blue(tgt)]);
      if (j > i + 1) i = j + 1; else i++;
    }
    const head = `core ${k.id}: IDT at ${hx(k.idtrBase)}, limit ${hx(k.idtrLimit)} (${n} gates)`;
    return out(`${c().bold(head)}\n${table(rows, { header: true })}`, { core: k.id, base: k.idtrBase, limit: k.idtrLimit, gates: only !== null ? gates : gates.filter((g) => g.present) });
  },
});

/** Widest line of an info view (columns): a terminal split in two still shows it whole. */
export const INFO_WIDTH = 100;

/** Words joined by spaces into lines of at most `width` characters. */
function wrapWords(words: string[], width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) { out.push(line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  out.push(line);
  return out;
}

const LVT_NAMES: [number, string][] = [[Reg.LVT_TIMER, 'timer'], [Reg.LVT_LINT0, 'LINT0'], [Reg.LVT_LINT1, 'LINT1'], [Reg.LVT_ERROR, 'error'], [Reg.LVT_PERF, 'perf'], [Reg.LVT_THERMAL, 'thermal'], [Reg.LVT_CMCI, 'CMCI']];

function lvtText(v: number): string {
  const mode = ['fixed', 'lowest', 'SMI', 'rsvd', 'NMI', 'INIT', 'rsvd', 'ExtINT'][(v >> 8) & 7];
  return `${hx(v, 8)} vec ${hx(v & 0xff, 2)} ${mode}${v & 0x10000 ? ' masked' : ''}`;
}

registerInfoView({
  name: 'apic',
  help: "a core's local APIC: IRR/ISR/TMR, TPR/PPR, ICR (delivery status), LVT, timer, and IPIs in flight to or from it",
  usage: 'info apic [core]',
  run(s, args) {
    const id = coreArg(s, args[0]);
    const a = s.machine.apics[id]!;
    const m = s.machine;
    const reg = (off: number) => apicRegister(m, id, off) ?? 0;
    const icrLo = a.mode === 'disabled' ? a.icrLo : reg(Reg.ICR_LO);
    const busy = (icrLo >>> 12) & 1;
    const now = s.now();
    const flights = s.log.inFlight.filter((f) => (f.to === id || f.from === id) && f.arrival >= now);
    // Laid out to fit INFO_WIDTH columns: identity on the title line, the
    // registers in a table, long vector lists wrapped, the LVT two to a line.
    const rows = [
      ['tpr', hx(a.tpr, 2), 'ppr', hx(a.ppr(), 2), 'esr', hx(a.mode === 'disabled' ? 0 : reg(Reg.ESR), 2)],
      ['icr', `${hx(a.icrHi, 8)}:${hx(icrLo, 8)}`, 'vector', hx(icrLo & 0xff, 2), 'delivery status', busy ? c().yellow('1 (send pending)') : '0 (idle)'],
    ];
    const bits = (name: string, words: ArrayLike<number>, bold: boolean) =>
      wrapWords(vectorList(words).split(' '), INFO_WIDTH - 5).map((l, i) => [i === 0 ? c().cyan(name) : '', bold ? c().bold(l) : l]);
    const lvt = LVT_NAMES.map(([off, n]) => [c().cyan(n), a.mode === 'disabled' ? '-' : lvtText(reg(off))]);
    const lvtRows: string[][] = [];
    for (let i = 0; i < lvt.length; i += 2) lvtRows.push([i === 0 ? c().cyan('lvt') : '', ...lvt[i]!, ...(lvt[i + 1] ?? [])]);
    const snap = a.snapshot();
    const timer = `initial ${snap.timerInitial} current ${snap.timerCurrent} divide ${hx(a.mode === 'disabled' ? 0 : reg(Reg.TIMER_DIVIDE), 1)}`;
    const svr = `${hx(a.svr, 3)} (${a.softwareEnabled ? 'software-enabled' : 'software-disabled'}, spurious ${hx(a.svr & 0xff, 2)})`;
    const lines = [
      c().bold(`core ${id}: local APIC, ${a.mode} mode, apic id ${hx(a.apicId, 2)}, svr ${svr}`),
      table(rows.map((r) => r.map((x, i) => (i % 2 === 0 ? c().cyan(x) : x)))),
      table([...bits('IRR', a.irr, true), ...bits('ISR', a.isr, true), ...bits('TMR', a.tmr, false)]),
      table(lvtRows),
      `${c().cyan('timer count')}  ${timer}`,
    ];
    if (flights.length) {
      lines.push(c().bold('in flight:'));
      for (const f of flights) lines.push(`  IPI ${hx(f.vector, 2)} ${f.from >= 0 ? `core ${f.from}` : 'I/O APIC'} → core ${f.to}: sent ${cyc(f.sent)}, arrives ${cyc(f.arrival)} (in ${cyc(f.arrival - now)})`);
    }
    return out(lines.join('\n'), {
      core: id, mode: a.mode, apicId: a.apicId, tpr: a.tpr, ppr: a.ppr(), svr: a.svr, icrLo, icrHi: a.icrHi, deliveryStatus: busy,
      irr: vectorsOf(a.irr), isr: vectorsOf(a.isr), tmr: vectorsOf(a.tmr), inFlight: flights,
    });
  },
});

registerInfoView({
  name: 'cacheline',
  help: 'coherence state of the 64-byte line holding an address (linear as the selected core maps it, or p: physical): MESI per core, L1/L2/L3, version',
  usage: 'info cacheline <addr>|p:<paddr>',
  run(s, args) {
    if (args.length === 0) throw new CommandError('usage: info cacheline <addr>');
    const m = s.machine;
    let src = args.join(' ');
    let pa: number;
    if (src.startsWith('p:')) { src = src.slice(2); pa = s.evalAddress(src); } else {
      const lin = s.evalAddress(src);
      try { pa = translate(m, s.core(), lin).pa; } catch (e) {
        if (e instanceof PeekError) throw new CommandError(e.message);
        throw e;
      }
    }
    const ms = m.memsys as unknown as { lineState?: (pa: number) => { line: number; states: string[]; inL1: boolean[]; inL2: boolean[]; inL3: boolean[]; version: number } };
    if (typeof ms.lineState !== 'function') throw new CommandError('this machine\'s memory system keeps no cache state');
    let st;
    try { st = ms.lineState(pa); } catch (e) { throw new CommandError((e as Error).message); }
    const rows: string[][] = [['core', 'MESI', 'L1', 'L2']];
    st.states.forEach((x, i) => rows.push([String(i), x === 'M' ? c().red(x) : x === 'E' ? c().yellow(x) : x === 'S' ? c().green(x) : c().dim(x), st.inL1[i] ? 'yes' : '-', st.inL2[i] ? 'yes' : '-']));
    const l3 = st.inL3.map((x, i) => `socket ${i}: ${x ? 'yes' : '-'}`).join(', ');
    const base = st.line * 64;
    const lbl = s.symbols.label(base);
    const text = `${c().bold(`line ${hx(base)}${lbl ? ` <${lbl}>` : ''} (physical ${hx(pa)}), version ${st.version}`)}\n${table(rows, { header: true })}\nL3 ${l3}`;
    return out(text, { address: pa, line: base, states: st.states, inL1: st.inL1, inL2: st.inL2, inL3: st.inL3, version: st.version });
  },
});

function recentRecords(s: DebugSession, n: number, filter: (r: LogRecord) => boolean): LogRecord[] {
  const out: LogRecord[] = [];
  const rs = s.log.records;
  for (let i = rs.length - 1; i >= 0 && out.length < n; i--) if (filter(rs[i]!)) out.push(rs[i]!);
  return out.reverse();
}

export function recordText(s: DebugSession, r: LogRecord): string {
  switch (r.kind) {
    case 'ipi': return r.e.phase === 'sent'
      ? `ipi sent      ${r.e.from >= 0 ? `core ${r.e.from}` : 'I/O APIC'} → core ${r.e.to} vector ${hx(r.e.vector, 2)}, arrives ${cyc(r.e.arrival)}`
      : `ipi accepted  core ${r.e.to} IRR[${hx(r.e.vector, 2)}] ← 1 (from ${r.e.from >= 0 ? `core ${r.e.from}` : 'I/O APIC'})`;
    case 'interrupt': return `interrupt     core ${r.e.core} vector ${hx(r.e.vector, 2)} (interrupted ${symAddr(s, r.e.rip)})`;
    case 'eoi': return `eoi           core ${r.e.core} ISR[${hx(r.e.vector, 2)}] ← 0`;
    case 'exception': return `exception     core ${r.e.core} ${r.e.name} at ${symAddr(s, r.e.rip)}`;
    case 'halt': return r.e.woke ? `wake          core ${r.e.core}` : `halt          core ${r.e.core}${r.e.interruptsEnabled ? '' : ' (IF=0: stopped)'}`;
    case 'io': return `io out        core ${r.e.core} port ${hx(r.e.port)} ← ${hx(r.e.value)}${r.e.port === 0xe9 ? ` ${JSON.stringify(String.fromCharCode(r.e.value & 0xff))}` : ''}`;
    case 'stop': return `stop          ${r.e.reason}: ${r.e.detail}`;
    default: return `${r.kind.padEnd(13)} ${describeVmxEvent(r.kind, r.e)}`;
  }
}

registerInfoView({
  name: 'bus',
  help: 'the interrupt bus: latencies, IPIs in flight (with arrival cycles), recent messages',
  usage: 'info bus',
  run(s) {
    const m = s.machine;
    const now = s.now();
    const flights = s.log.inFlight.filter((f) => f.arrival >= now);
    const lines = [c().bold(`interrupt bus at cycle ${cyc(now)}: latency ${cyc(m.costs.apic.ipiLatency)} cycles same socket, ${cyc(m.costs.apic.ipiLatencyCrossSocket)} across sockets`)];
    if (flights.length === 0) lines.push('no IPIs in flight');
    else {
      const rows: string[][] = [['#', 'from', 'to', 'vector', 'sent', 'arrives', 'in']];
      for (const f of flights) rows.push([String(f.id), f.from >= 0 ? `core ${f.from}` : 'I/O APIC', `core ${f.to}`, hx(f.vector, 2), cyc(f.sent), cyc(f.arrival), cyc(f.arrival - now)]);
      lines.push(table(rows, { header: true, align: '    rrr' }));
    }
    const recent = recentRecords(s, 8, (r) => r.kind === 'ipi');
    if (recent.length) {
      lines.push(c().bold('recent bus messages:'));
      for (const r of recent) lines.push(`  ${cyc((r.e as { tick: number }).tick).padStart(10)}  ${recordText(s, r)}`);
    }
    return out(lines.join('\n'), { now, latency: m.costs.apic.ipiLatency, latencyCrossSocket: m.costs.apic.ipiLatencyCrossSocket, inFlight: flights, recent: recent.map((r) => ({ kind: r.kind, ...r.e })) });
  },
});

registerInfoView({
  name: 'events',
  help: "the scheduler: each core's clock, pending device events, IPIs in flight, and the last events of the stream",
  usage: 'info events [n]',
  run(s, args) {
    const m = s.machine;
    const n = args[0] ? Number(args[0]) : 12;
    if (!Number.isInteger(n) || n < 0) throw new CommandError(`'${args[0]}' is not a count`);
    const now = s.now();
    const ct = coresTable(s);
    const pending = m.queue.length - s.internalEvents;
    const next = m.queue.peekTick();
    const flights = s.log.inFlight.filter((f) => f.arrival >= now);
    const lines = [
      c().bold(`machine at cycle ${cyc(now)} (the earliest running core); next device event at ${Number.isFinite(next) ? cyc(next) : 'never'}`),
      ct.text,
      `device events pending: ${pending}${s.internalEvents ? c().dim(` (+${s.internalEvents} debugger timers)`) : ''}; IPIs in flight: ${flights.length}`,
    ];
    for (const f of flights) lines.push(`  IPI ${hx(f.vector, 2)} ${f.from >= 0 ? `core ${f.from}` : 'I/O APIC'} → core ${f.to} arrives ${cyc(f.arrival)}`);
    const queued = m.queue.pending().filter((e) => e.label !== 'debugger timer');
    if (queued.length) {
      lines.push(c().bold('device events, in the order they will happen:'));
      for (const e of queued.slice(0, 16)) lines.push(`  ${cyc(e.tick).padStart(10)}  ${e.label || '(unlabelled)'}`);
      if (queued.length > 16) lines.push(`  … ${queued.length - 16} more`);
    }
    const recent = recentRecords(s, n, () => true);
    if (recent.length) {
      lines.push(c().bold(`last ${recent.length} events (of ${Object.values(s.log.counts).reduce((a, b) => a + b, 0)} since boot):`));
      for (const r of recent) lines.push(`  ${cyc((r.e as { tick: number }).tick).padStart(10)}  ${recordText(s, r)}`);
    }
    return out(lines.join('\n'), { now, cores: ct.data, pendingDeviceEvents: pending, queued, nextDeviceEvent: Number.isFinite(next) ? next : null, inFlight: flights, counts: s.log.counts, recent: recent.map((r) => ({ kind: r.kind, ...r.e })) });
  },
});

registerInfoView({
  name: 'symbol',
  help: 'which symbol an address is in',
  usage: 'info symbol <expr>',
  run(s, args) {
    if (args.length === 0) throw new CommandError('usage: info symbol <expr>');
    const a = s.evalAddress(args.join(' '));
    const h = s.symbols.find(a);
    if (!h) return out(`no symbol matches ${hx(a)}`, { address: a, symbol: null });
    return out(`${hx(a)} is ${h.offset ? `${h.name} + ${h.offset}` : h.name} (${h.type}, at ${hx(h.value)}, ${h.size} bytes)`, { address: a, symbol: h.name, offset: h.offset });
  },
});

export function pointText(s: DebugSession, p: Point): string {
  void s;
  const cond = p.cond ? ` if ${p.cond}` : '';
  switch (p.kind) {
    case 'break': return `break at ${p.where}${p.core !== null ? ` on core ${p.core}` : ' on all cores'}${cond}`;
    case 'watch': return `watch ${p.access === 'w' ? 'writes to' : p.access === 'r' ? 'reads of' : 'accesses to'} physical [${hx(p.pa)}, ${hx(p.pa + p.len)}) (${p.where})${cond}`;
    case 'catch': {
      const f = p.filter;
      const parts = [p.what === 'ipi' && f.phase ? `ipi ${f.phase}` : p.what];
      if (f.from !== undefined) parts.push(`from ${f.from}`);
      if (f.to !== undefined) parts.push(`to ${f.to}`);
      if (f.core !== undefined) parts.push(`core ${f.core}`);
      if (f.vector !== undefined) parts.push(`vector ${hx(f.vector, 2)}`);
      if (f.port !== undefined) parts.push(`port ${hx(f.port)}`);
      if (f.addr !== undefined) parts.push(`addr ${hx(f.addr)}`);
      if (f.reason !== undefined) parts.push(`reason ${f.reason} (${exitReasonName(f.reason)})`);
      if (f.step !== undefined) parts.push(`step ${f.step}`);
      return `catch ${parts.join(' ')}${cond}`;
    }
  }
}

registerInfoView({
  name: 'breakpoints',
  help: 'breakpoints, catchpoints and watchpoints',
  usage: 'info breakpoints',
  run(s) {
    const pts = [...s.points.values()];
    if (pts.length === 0) return out('no breakpoints, catchpoints or watchpoints', { points: [] });
    const rows = [['#', 'type', 'on', 'hits', 'what']];
    for (const p of pts) rows.push([String(p.id), p.kind === 'break' ? 'breakpoint' : p.kind === 'catch' ? 'catchpoint' : 'watchpoint', p.enabled ? c().green('yes') : c().dim('no'), String(p.hits), pointText(s, p)]);
    return out(table(rows, { header: true, align: 'r  r' }), { points: pts.map((p) => ({ ...p, text: pointText(s, p) })) });
  },
});

// ------------------------------------------------------------------ timeline

/**
 * Where each core has been over a window of cycles, one character per
 * column: '=' running, 'I' in an interrupt handler (vectoring to EOI), '.'
 * halted, 'x' stopped, ' ' not reached yet; '^' an IPI sent, '*' an IPI
 * accepted (IRR set), 'v' vectoring, 'e' EOI. Below the cores, each IPI in
 * the window on the bus, from send to arrival.
 */
export function timeline(s: DebugSession, width: number, from: number | null, to: number | null): Output {
  const m = s.machine;
  const now = s.now();
  const latest = Math.max(...m.cores.map((k) => k.time));
  const flights = s.log.inFlight.filter((f) => f.arrival >= now);
  const end = to ?? Math.max(latest, ...flights.map((f) => f.arrival)) + 1;
  const start = from ?? Math.max(0, Math.min(now, end - 1) - Math.max(2000, (end - Math.min(now, end)) * 3));
  if (!(end > start)) throw new CommandError(`empty window: ${cyc(start)} to ${cyc(end)}`);
  const W = Math.max(20, Math.min(width, 400));
  const per = (end - start) / W;
  const col = (t: number) => Math.floor((t - start) / per);
  const recs = s.log.records;
  const rows: string[][] = m.cores.map(() => new Array<string>(W).fill('='));
  // Spans per core from the log.
  const handler: { core: number; from: number; to: number }[] = [];
  const halted: { core: number; from: number; to: number; stopped: boolean }[] = [];
  const openH = m.cores.map(() => [] as number[]);
  const openHalt: ({ t: number; stopped: boolean } | null)[] = m.cores.map(() => null);
  const marks: { core: number; t: number; ch: string }[] = [];
  const ipis: { from: number; to: number; vector: number; sent: number; arrival: number }[] = [];
  for (const r of recs) {
    switch (r.kind) {
      case 'interrupt': openH[r.e.core]!.push(r.e.tick); marks.push({ core: r.e.core, t: r.e.tick, ch: 'v' }); break;
      case 'eoi': { const t0 = openH[r.e.core]!.pop(); if (t0 !== undefined) handler.push({ core: r.e.core, from: t0, to: r.e.tick }); marks.push({ core: r.e.core, t: r.e.tick, ch: 'e' }); break; }
      case 'halt':
        if (r.e.woke) { const h = openHalt[r.e.core]; if (h) halted.push({ core: r.e.core, from: h.t, to: r.e.tick, stopped: false }); openHalt[r.e.core] = null; }
        else openHalt[r.e.core] = { t: r.e.tick, stopped: !r.e.interruptsEnabled };
        break;
      case 'ipi':
        if (r.e.phase === 'sent') { if (r.e.from >= 0) marks.push({ core: r.e.from, t: r.e.tick, ch: '^' }); ipis.push({ from: r.e.from, to: r.e.to, vector: r.e.vector, sent: r.e.tick, arrival: r.e.arrival }); }
        else marks.push({ core: r.e.to, t: r.e.tick, ch: '*' });
        break;
    }
  }
  m.cores.forEach((k, i) => {
    for (const t0 of openH[i]!) handler.push({ core: i, from: t0, to: Infinity });
    const h = openHalt[i];
    if (h) halted.push({ core: i, from: h.t, to: Infinity, stopped: h.stopped });
    void k;
  });
  const paint = (core: number, a: number, b: number, ch: string) => {
    for (let x = Math.max(0, col(a)); x <= Math.min(W - 1, col(Math.min(b, end))); x++) rows[core]![x] = ch;
  };
  for (const h of handler) paint(h.core, h.from, h.to, 'I');
  for (const h of halted) paint(h.core, h.from, h.to, h.stopped ? 'x' : '.');
  m.cores.forEach((k, i) => { for (let x = 0; x < W; x++) if (start + x * per >= k.time) rows[i]![x] = ' '; });
  for (const mk of marks) { const x = col(mk.t); if (x >= 0 && x < W) rows[mk.core]![x] = mk.ch; }
  const colorRow = (chars: string[]) => chars.map((ch) => (ch === 'I' ? c().magenta(ch) : ch === '.' ? c().yellow(ch) : ch === 'x' ? c().red(ch) : ch === '=' ? c().green(ch) : ch === ' ' ? ch : c().bold.cyan(ch))).join('');
  const nowCol = col(now);
  const label = (t: string) => t.padEnd(9);
  const lines: string[] = [];
  const scale = new Array<string>(W).fill(' ');
  const tickEvery = Math.max(12, Math.floor(W / 5));
  let hdr = '';
  for (let x = 0; x < W; x += tickEvery) { scale[x] = '|'; const t = cyc(Math.round(start + x * per)); hdr = hdr.padEnd(x) + t; }
  lines.push(c().dim(label('cycle') + hdr));
  lines.push(c().dim(label('') + scale.join('')));
  m.cores.forEach((k, i) => lines.push(`${(i === s.selected ? c().cyan : c().bold)(label(`core ${i}`))}${colorRow(rows[i]!)}  ${c().dim(`@${cyc(k.time)}`)}`));
  const visible = ipis.filter((p) => p.arrival >= start && p.sent <= end);
  // One bus lane per overlapping message.
  const lanes: number[] = [];
  for (const p of visible) {
    let lane = lanes.findIndex((free) => free < col(p.sent));
    if (lane < 0) { lane = lanes.length; lanes.push(-1); }
    lanes[lane] = col(p.arrival) + 1;
    const chars = new Array<string>(W).fill(' ');
    const a = Math.max(0, col(p.sent)), b = Math.min(W - 1, col(p.arrival));
    for (let x = a; x <= b; x++) chars[x] = '─';
    if (col(p.sent) >= 0) chars[a] = '╰';
    if (col(p.arrival) < W) chars[b] = '╮';
    const tag = ` ${hx(p.vector, 2)} ${p.from >= 0 ? p.from : 'io'}→${p.to} `;
    if (b - a > tag.length + 2) for (let x = 0; x < tag.length; x++) chars[a + 1 + x] = tag[x]!;
    const inFlight = p.arrival > now;
    const line = chars.join('');
    lines.push(`${label(lane === 0 ? 'bus' : '')}${inFlight ? c().yellow(line) : c().dim(line)}${inFlight ? c().yellow(`  in flight, arrives ${cyc(p.arrival)}`) : ''}`);
  }
  if (nowCol >= 0 && nowCol < W) lines.push(label('') + ' '.repeat(nowCol) + c().cyan(`^ now (${cyc(now)})`));
  lines.push(c().dim(`${label('')}= running  I handler (vectored..EOI)  . halted  x stopped  ^ IPI sent  * IRR set  v vectored  e EOI   (${cyc(per)} cycles/column)`));
  return out(lines.join('\n'), {
    from: start, to: end, cyclesPerColumn: per, now,
    cores: m.cores.map((k, i) => ({ core: i, time: k.time, row: rows[i]!.join('') })),
    ipis: visible.map((p) => ({ ...p, inFlight: p.arrival > now })),
  });
}
