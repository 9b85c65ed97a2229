/**
 * The debugger's command language, shared by the REPL, batch mode
 * (`--commands FILE`) and --json: `run(line)` parses one command, runs it on
 * the DebugSession and hands a Result to the sink (text for a person, one
 * JSON object per command for scripts). A mistake in a command — unknown
 * command, bad address, unknown symbol, malformed expression — is a one-line
 * error and the session goes on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { c, hx } from './format.js';
import { CommandError, DebugSession, CATCH_KINDS, STEP_EVENT_KINDS, REGISTER_NAMES, type CatchFilter, type CatchKind, type StepEventKind, type Stop } from './session.js';
import { ExprError } from './expr.js';
import {
  backtrace, coreArg, coresTable, disas, examine, infoView, infoViews, out, parseXFormat, pointText, regs, renderStop, timeline, type Output, type XFormat,
} from './views.js';
import './fpuView.js'; // registers `info fpu`
import { buildChromeTrace } from './trace.js';
import './simdView.js'; // registers `info sse`
import './vmxViews.js'; // registers `info vmcs`, `info vapic`, `info pid`
import { POSTED_STEPS } from './points.js';
import { exitReasonByName } from '../vmx/reasons.js';

/** Exit-reason names `catch vmexit` completes. */
const EXIT_REASON_WORDS = ['cpuid', 'hlt', 'vmcall', 'io', 'rdmsr', 'wrmsr', 'cr', 'rdtsc', 'invlpg', 'exception', 'external', 'intwindow', 'ept-violation', 'ept-misconfig', 'preemption', 'apic-access', 'apic-write', 'eoi', 'tpr', 'mtf', 'xsetbv'];

export interface Result {
  command: string;
  ok: boolean;
  text: string;
  data: Record<string, unknown>;
  error?: string;
}

interface Command {
  name: string;
  aliases?: string[];
  usage: string;
  help: string;
  /** Run-control commands: an empty line in the REPL repeats them. */
  repeatable?: boolean;
  run(d: Debugger, args: string, name: string): Promise<Output> | Output;
}

interface Display { id: number; expr: string; fmt: 'x' | 'd'; }

const num = (s: string | undefined, what: string): number => {
  if (s === undefined || !/^\d+$/.test(s)) throw new CommandError(`${what} must be a whole number${s !== undefined ? `, got '${s}'` : ''}`);
  return Number(s);
};

/** `step`, `step N`, `step K N`, `step core K [N]`, `step cK [N]`. */
function parseStepArgs(d: Debugger, args: string): { core: number; count: number } {
  const w = args.trim().split(/\s+/).filter(Boolean);
  let core = d.s.selected;
  let count = 1;
  if (w[0] === 'core') { core = coreArg(d.s, w[1] ?? ''); w.splice(0, 2); if (w[0] !== undefined) count = num(w[0], 'step count'); }
  else if (w[0] !== undefined && /^c\d+$/.test(w[0])) { core = coreArg(d.s, w[0].slice(1)); if (w[1] !== undefined) count = num(w[1], 'step count'); }
  else if (w.length === 1) count = num(w[0], 'step count');
  else if (w.length === 2) { core = coreArg(d.s, w[0]); count = num(w[1], 'step count'); }
  else if (w.length > 2) throw new CommandError('usage: step [N] | step <core> <N> | step core <K> [N]');
  return { core, count };
}

/** Split "EXPR [core N] [if COND]" (for break / watch). */
function splitCond(args: string): { head: string; cond: string | null } {
  const m = /(?:^|\s)if\s+(.*)$/.exec(args);
  if (!m) return { head: args.trim(), cond: null };
  if (m[1]!.trim() === '') throw new CommandError("'if' needs a condition");
  return { head: args.slice(0, m.index).trim(), cond: m[1]!.trim() };
}

const COMMANDS: Command[] = [
  {
    name: 'continue', aliases: ['c', 'cont'], usage: 'continue', help: 'run until a breakpoint, catchpoint or watchpoint, or the end', repeatable: true,
    run: async (d) => d.stopOutput(await d.s.cont()),
  },
  {
    name: 'step', aliases: ['s', 'si', 'stepi'], usage: 'step [N] | step <core> <N> | step core <K> [N]', repeatable: true,
    help: 'N steps (instructions, or an interrupt/exception delivery) of one core, through the global scheduler: the other cores run to the same time',
    run: async (d, args) => { const { core, count } = parseStepArgs(d, args); return d.stopOutput(await d.s.step(core, count)); },
  },
  {
    name: 'next', aliases: ['n', 'ni', 'nexti'], usage: 'next [core]', help: 'one instruction of the selected core, stepping over calls', repeatable: true,
    run: async (d, args) => d.stopOutput(await d.s.next(coreArg(d.s, args.trim() || undefined))),
  },
  {
    name: 'finish', aliases: ['fin'], usage: 'finish [core]', help: 'run until the current function returns (a RET or IRETQ that pops its frame)', repeatable: true,
    run: async (d, args) => d.stopOutput(await d.s.finish(coreArg(d.s, args.trim() || undefined))),
  },
  {
    name: 'until', aliases: ['u', 'advance'], usage: 'until <cycle> | until +<cycles>', help: 'run until every running core has reached a cycle (absolute, or +relative)',
    run: async (d, args) => {
      const a = args.trim();
      if (!a) throw new CommandError('usage: until <cycle> | until +<cycles>');
      const rel = a.startsWith('+');
      const v = Number(d.s.eval(rel ? a.slice(1) : a));
      return d.stopOutput(await d.s.until(rel ? d.s.now() + v : v));
    },
  },
  {
    name: 'step-event', aliases: ['se', 'stepe'], usage: `step-event [${STEP_EVENT_KINDS.join('|')}]`, repeatable: true,
    help: 'run to the next event on the stream: ipi (sent = on the bus / accepted = IRR set), interrupt (vectoring), eoi, exception, halt, wake, io, line (a cache line moving between cores), vmexit, vmentry, posted (a posted-interrupt step), vintr (virtual-interrupt delivery / EOI); default any but io, line, vmentry, posted and vintr',
    run: async (d, args) => {
      const aliases: Record<string, string> = { delivered: 'interrupt', vectored: 'interrupt', 'in-flight': 'sent', inflight: 'sent', irr: 'accepted', transfer: 'line', hlt: 'halt' };
      const k = aliases[args.trim()] ?? args.trim();
      if (k && !(STEP_EVENT_KINDS as readonly string[]).includes(k)) throw new CommandError(`unknown event kind '${k}' (kinds: ${STEP_EVENT_KINDS.join(', ')})`);
      return d.stopOutput(await d.s.stepEvent((k || null) as StepEventKind | null));
    },
  },
  {
    name: 'reverse-step', aliases: ['rs', 'rstep'], usage: 'reverse-step [N]', help: 'go back N stops (replays the machine from boot; registers, memory and cycles are exactly as they were)', repeatable: true,
    run: (d, args) => {
      const n = args.trim() ? num(args.trim(), 'reverse-step count') : 1;
      const st = d.s.reverseStep(n);
      if (st === null) return out(`back at boot\n${d.coresOnly().text}`, { stop: { kind: 'boot', position: { type: 'boot' } }, cores: d.coresOnly().data });
      return d.stopOutput(st);
    },
  },
  {
    name: 'restart', usage: 'restart', help: 'back to boot (breakpoints and displays stay)',
    run: (d) => { d.s.restart(); return out(`machine restarted at boot\n${d.coresOnly().text}`, { cores: d.coresOnly().data }); },
  },
  {
    name: 'break', aliases: ['b', 'br'], usage: 'break <address|symbol|expr> [core N] [if <expr>]',
    help: 'stop before a core executes the instruction at an address (all cores, or one)',
    run: (d, args) => {
      const { head, cond } = splitCond(args);
      let loc = head;
      let core: number | null = null;
      const cm = /\s+core\s+(\S+)$/.exec(head);
      if (cm) { core = coreArg(d.s, cm[1]); loc = head.slice(0, cm.index).trim(); }
      // gdb's `break *ADDR` means the address itself.
      if (loc.startsWith('*')) loc = loc.slice(1).trim();
      if (!loc) throw new CommandError('usage: break <address|symbol> [core N] [if <expr>]');
      const bp = d.s.addBreak(loc, core, cond);
      return out(`breakpoint ${bp.id}: ${pointText(d.s, bp)}`, { point: { ...bp } });
    },
  },
  {
    name: 'catch', usage: 'catch ipi [sent|accepted] [from A] [to B] [vector V] | catch interrupt|eoi|exception [core N] [vector V] | catch halt|wake [core N] | catch io [port P] | catch line [addr A] [core N] | catch vmexit [reason] [core N] | catch vmentry [core N] | catch posted [step] [core N]  [if <expr>]',
    help: 'stop when an event of a kind happens, filtered (line: a cache line moving between cores, addr physical; vmexit: a VM exit or VM-entry failure, reason by name or number; posted: a step of posted-interrupt processing)',
    run: (d, args) => {
      const { head, cond } = splitCond(args);
      const w = head.split(/\s+/).filter(Boolean);
      const what = w.shift() as CatchKind | undefined;
      if (!what || !CATCH_KINDS.includes(what)) throw new CommandError(`catch what? (kinds: ${CATCH_KINDS.join(', ')})`);
      const f: CatchFilter = {};
      const allowed: Record<CatchKind, string[]> = {
        ipi: ['from', 'to', 'vector'], interrupt: ['core', 'vector'], eoi: ['core', 'vector'], exception: ['core', 'vector'], halt: ['core'], wake: ['core'], io: ['port', 'core'], line: ['addr', 'core'],
        vmexit: ['core', 'reason'], vmentry: ['core'], posted: ['core', 'step'],
      };
      while (w.length) {
        const key = w.shift()!;
        if (what === 'ipi' && (key === 'sent' || key === 'accepted')) { f.phase = key; continue; }
        // `catch vmexit cpuid`, `catch vmexit 48`: the reason by name or number.
        if (what === 'vmexit' && !allowed.vmexit.includes(key)) {
          const r = /^\d+$/.test(key) ? Number(key) : exitReasonByName(key);
          if (r === undefined) throw new CommandError(`catch vmexit: unknown exit reason '${key}' (a number, or a name such as cpuid, hlt, vmcall, io, rdmsr, wrmsr, cr, ept-violation, external-interrupt, preemption)`);
          f.reason = r;
          continue;
        }
        if (what === 'posted' && POSTED_STEPS.includes(key)) { f.step = key; continue; }
        if (!allowed[what].includes(key)) throw new CommandError(`catch ${what}: unknown filter '${key}' (filters: ${allowed[what].join(', ')}${what === 'ipi' ? ', sent, accepted' : ''})`);
        const v = w.shift();
        if (v === undefined) throw new CommandError(`catch ${what}: '${key}' needs a value`);
        if (key === 'step') {
          if (!POSTED_STEPS.includes(v)) throw new CommandError(`catch posted: step must be one of ${POSTED_STEPS.join(', ')}`);
          f.step = v;
          continue;
        }
        if (key === 'reason' && !/^\d+$/.test(v)) {
          const r = exitReasonByName(v);
          if (r === undefined) throw new CommandError(`catch vmexit: unknown exit reason '${v}'`);
          f.reason = r;
          continue;
        }
        const n = Number(d.s.eval(v));
        if (key === 'from' || key === 'to' || key === 'core') { d.s.core(n); }
        if (key === 'vector' && n > 255) throw new CommandError(`vector ${v} is not 0-255`);
        (f as Record<string, number>)[key] = n;
      }
      const cp = d.s.addCatch(what, f, cond);
      return out(`catchpoint ${cp.id}: ${pointText(d.s, cp)}`, { point: { ...cp } });
    },
  },
  {
    name: 'watch', aliases: ['rwatch', 'awatch'], usage: 'watch|rwatch|awatch <physical address> [len N] [if <expr>]',
    help: 'stop after an instruction writes (watch), reads (rwatch) or accesses (awatch) physical memory (a mailbox line, the ICR at 0xfee00300)',
    run: (d, args, name) => {
      const { head, cond } = splitCond(args);
      let expr = head;
      let len = 8;
      const lm = /\s+len\s+(\S+)$/.exec(head);
      if (lm) { len = Number(d.s.eval(lm[1]!)); expr = head.slice(0, lm.index).trim(); }
      if (!expr) throw new CommandError('usage: watch <physical address> [len N] [if <expr>]');
      const pa = d.s.evalAddress(expr);
      const label = d.s.symbols.label(pa);
      const literal = /^(0x[0-9a-f_]+|\d+)$/i.test(expr);
      const where = `${literal ? '' : `${expr} = `}${hx(pa)}${label ? ` <${label}>` : ''}`;
      const wp = d.s.addWatch(pa, len, name === 'rwatch' ? 'r' : name === 'awatch' ? 'rw' : 'w', where, cond);
      return out(`watchpoint ${wp.id}: ${pointText(d.s, wp)}`, { point: { ...wp } });
    },
  },
  {
    name: 'delete', aliases: ['d', 'del'], usage: 'delete [N...]', help: 'delete breakpoints/catchpoints/watchpoints (all without arguments)',
    run: (d, args) => {
      const ids = args.trim().split(/\s+/).filter(Boolean);
      if (ids.length === 0) { const n = d.s.points.size; d.s.points.clear(); return out(`deleted ${n} point${n === 1 ? '' : 's'}`, { deleted: n }); }
      for (const i of ids) d.s.deletePoint(num(i, 'point number'));
      return out(`deleted ${ids.join(', ')}`, { deleted: ids.map(Number) });
    },
  },
  {
    name: 'disable', usage: 'disable N...', help: 'disable points (they stay listed)',
    run: (d, args) => d.setEnabled(args, false),
  },
  {
    name: 'enable', usage: 'enable N...', help: 'enable points again',
    run: (d, args) => d.setEnabled(args, true),
  },
  {
    name: 'info', aliases: ['i'], usage: `info ${'<' + 'cpu|idt|apic|cacheline|bus|events|breakpoints|display|symbol' + '>'} [args]`, help: 'state views (see help info)',
    run: (d, args) => {
      const w = args.trim().split(/\s+/).filter(Boolean);
      const name = w.shift();
      const alias: Record<string, string> = { b: 'breakpoints', break: 'breakpoints', breaks: 'breakpoints', watchpoints: 'breakpoints', lapic: 'apic', registers: 'regs', r: 'regs', line: 'cacheline', sym: 'symbol' };
      const n = name ? alias[name] ?? name : undefined;
      if (n === 'regs') return regs(d.s, coreArg(d.s, w[0]));
      if (n === 'display') return d.infoDisplay();
      const v = n ? infoView(n) : undefined;
      if (!v) throw new CommandError(`info what? (${[...infoViews().map((x) => x.name), 'display', 'registers'].join(', ')})`);
      return v.run(d.s, w);
    },
  },
  {
    name: 'regs', aliases: ['r', 'registers'], usage: 'regs [core]', help: 'general registers, RIP and RFLAGS of a core',
    run: (d, args) => regs(d.s, coreArg(d.s, args.trim() || undefined)),
  },
  {
    name: 'x', aliases: ['xp'], usage: 'x[/NFU] <expr>  |  xp[/NFU] <physical expr>', help: 'examine memory: linear (as the selected core maps it) or physical; N count, F x d u o t c a s i, U b h w g',
    run: (d, args, name) => {
      const m = /^\/(\S*)\s*(.*)$/.exec(args.trim());
      const spec = m ? m[1]! : '';
      const expr = (m ? m[2]! : args).trim();
      if (!expr) throw new CommandError(`usage: ${name}[/NFU] <address>`);
      const f = parseXFormat(spec, d.lastX);
      d.lastX = { ...f, count: 1 };
      return examine(d.s, expr, f, name === 'xp');
    },
  },
  {
    name: 'disas', aliases: ['disassemble', 'u', 'dis'], usage: 'disas [addr] [n]', help: 'disassemble with symbols (default: 8 instructions at the selected core\'s RIP)',
    run: (d, args) => {
      const a = args.trim();
      let addr = d.s.core().rip;
      let n = 8;
      if (a) {
        const parts = a.split(/\s+/);
        if (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1]!)) { n = num(parts.pop(), 'count'); }
        addr = d.s.evalAddress(parts.join(' '));
      }
      if (n < 1 || n > 1000) throw new CommandError('count must be 1 to 1000');
      return disas(d.s, addr, n);
    },
  },
  {
    name: 'bt', aliases: ['backtrace', 'where'], usage: 'bt [core]', help: 'call stack (a heuristic stack scan: gcc -O2 keeps no frame pointers)',
    run: (d, args) => backtrace(d.s, coreArg(d.s, args.trim() || undefined)),
  },
  {
    name: 'timeline', aliases: ['tl'], usage: 'timeline [width] | timeline <from> <to> [width]', help: 'per-core ASCII timeline with IPIs on the bus',
    run: (d, args) => {
      const w = args.trim().split(/\s+/).filter(Boolean);
      const width = () => (process.stdout.columns ? Math.max(40, process.stdout.columns - 14) : 100);
      if (w.length === 0) return timeline(d.s, width(), null, null);
      if (w.length === 1) return timeline(d.s, num(w[0], 'width'), null, null);
      const from = Number(d.s.eval(w[0]!)), to = Number(d.s.eval(w[1]!));
      return timeline(d.s, w[2] ? num(w[2], 'width') : width(), from, to);
    },
  },
  {
    name: 'print', aliases: ['p', 'output'], usage: 'print <expr>', help: 'evaluate an expression (registers, symbols, numbers, + - * / & | ^ << >> == != < > && ||, *(u32*)addr, [addr])',
    run: (d, args) => {
      if (!args.trim()) throw new CommandError('usage: print <expr>');
      const v = d.s.eval(args);
      const label = d.s.symbols.label(Number(BigInt.asIntN(64, v)));
      return out(`${hx(v)} = ${v}${BigInt.asIntN(64, v) < 0n ? ` (${BigInt.asIntN(64, v)})` : ''}${label ? ` <${label}>` : ''}`, { value: '0x' + v.toString(16), decimal: v.toString(), symbol: label || null });
    },
  },
  {
    name: 'display', usage: 'display[/d] <expr>', help: 'evaluate an expression at every stop (hex; /d decimal); undisplay N removes it',
    run: (d, args) => {
      const m = /^\/([xd])\s+(.*)$/.exec(args.trim());
      const expr = (m ? m[2]! : args).trim();
      if (!expr) return d.infoDisplay();
      d.s.eval(expr); // must evaluate now
      const disp: Display = { id: d.nextDisplay++, expr, fmt: (m?.[1] ?? 'x') as 'x' | 'd' };
      d.displays.push(disp);
      return d.showDisplay(disp);
    },
  },
  {
    name: 'undisplay', usage: 'undisplay [N...]', help: 'remove displays (all without arguments)',
    run: (d, args) => {
      const ids = args.trim().split(/\s+/).filter(Boolean).map((x) => num(x, 'display number'));
      if (ids.length === 0) { d.displays = []; return out('all displays removed'); }
      for (const i of ids) {
        const k = d.displays.findIndex((x) => x.id === i);
        if (k < 0) throw new CommandError(`no display number ${i}`);
        d.displays.splice(k, 1);
      }
      return out(`removed display ${ids.join(', ')}`);
    },
  },
  {
    name: 'core', aliases: ['thread'], usage: 'core [N]', help: 'select the core that commands apply to by default',
    run: (d, args) => {
      if (args.trim()) d.s.selected = coreArg(d.s, args.trim());
      return out(`selected core ${d.s.selected}\n${d.coresOnly().text}`, { selected: d.s.selected, cores: d.coresOnly().data });
    },
  },
  {
    name: 'trace', usage: 'trace <file.json> [<from> <to>]', help: 'write the events since boot as a Chrome/Perfetto trace',
    run: (d, args) => {
      const w = args.trim().split(/\s+/).filter(Boolean);
      if (w.length !== 1 && w.length !== 3) throw new CommandError('usage: trace <file.json> [<from> <to>]');
      const from = w[1] !== undefined ? Number(d.s.eval(w[1])) : undefined;
      const to = w[2] !== undefined ? Number(d.s.eval(w[2])) : undefined;
      const t = buildChromeTrace(d.s.log, d.s.machine, { from, to, end: Math.max(...d.s.machine.cores.map((k) => k.time)), title: 'shinjuku-emu debug session' });
      try { writeFileSync(w[0]!, JSON.stringify(t.json)); } catch (e) { throw new CommandError(`cannot write ${w[0]}: ${(e as Error).message}`); }
      return out(`wrote ${t.json.traceEvents.length} trace events (${t.stats.ipis} IPIs, ${t.stats.flows} flows) to ${w[0]}: open it in ui.perfetto.dev`, { file: w[0], events: t.json.traceEvents.length, ...t.stats });
    },
  },
  {
    name: 'source', usage: 'source <file>', help: 'run the commands in a file (one per line, # comments)',
    run: async (d, args) => {
      const f = args.trim();
      if (!f) throw new CommandError('usage: source <file>');
      if (d.depth >= 8) throw new CommandError('source: nested too deeply');
      let text: string;
      const path = resolve(d.baseDir, f);
      try { text = readFileSync(path, 'utf8'); } catch (e) { throw new CommandError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
      d.depth++;
      const saved = d.baseDir;
      d.baseDir = dirname(path);
      let n = 0, failed = 0;
      try {
        for (const line of text.split('\n')) {
          if (d.quit) break;
          const t = line.trim();
          if (!t || t.startsWith('#')) continue;
          n++;
          if (!(await d.run(t))) failed++;
        }
      } finally { d.depth--; d.baseDir = saved; }
      return out(`sourced ${f}: ${n} command${n === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}`, { file: f, commands: n, failed });
    },
  },
  {
    name: 'help', aliases: ['h', '?'], usage: 'help [command]', help: 'list commands, or describe one',
    run: (d, args) => d.help(args.trim()),
  },
  {
    name: 'quit', aliases: ['q', 'exit'], usage: 'quit', help: 'leave the debugger',
    run: (d) => { d.quit = true; return out('bye'); },
  },
];

const byName = new Map<string, Command>();
for (const cmd of COMMANDS) { byName.set(cmd.name, cmd); for (const a of cmd.aliases ?? []) byName.set(a, cmd); }

/** Command names and aliases (tab completion). */
export function commandNames(): string[] { return [...byName.keys()].sort(); }

export class Debugger {
  displays: Display[] = [];
  nextDisplay = 1;
  lastX: XFormat = { count: 1, fmt: 'x', unit: 4 };
  quit = false;
  depth = 0;
  /** Relative paths in `source` resolve from here. */
  baseDir = process.cwd();
  /** Any command failed (batch mode's exit status). */
  failures = 0;

  /** Called with each command line before it runs (batch mode echoes it, so guest output lands after it). */
  onStart: ((line: string) => void) | null = null;

  constructor(readonly s: DebugSession, private readonly sink: (r: Result) => void) {}

  /** The command a line names (for the REPL's repeat-on-empty-line). */
  static commandOf(line: string): { repeatable: boolean } | null {
    const name = line.trim().split(/[\s/]/, 1)[0] ?? '';
    const cmd = byName.get(name);
    return cmd ? { repeatable: cmd.repeatable === true } : null;
  }

  /** Run one command line; false if it failed. */
  async run(line: string): Promise<boolean> {
    const text = line.trim();
    if (!text || text.startsWith('#')) return true;
    const m = /^([A-Za-z?][\w-]*|\?)(\/\S*)?\s*(.*)$/s.exec(text);
    const name = m?.[1] ?? text.split(/\s+/)[0]!;
    const cmd = byName.get(name);
    this.onStart?.(text);
    try {
      if (!cmd) throw new CommandError(`unknown command '${name}' (try 'help')${suggest(name)}`);
      const args = (m?.[2] ?? '') + (m?.[2] && m?.[3] ? ' ' : '') + (m?.[3] ?? '');
      const o = await cmd.run(this, args, name);
      this.sink({ command: text, ok: true, text: o.text, data: o.data });
      return true;
    } catch (e) {
      const user = e instanceof CommandError || e instanceof ExprError;
      const msg = user ? (e as Error).message : `internal error: ${(e as Error)?.stack ?? String(e)}`;
      this.failures++;
      this.sink({ command: text, ok: false, text: '', data: {}, error: msg.split('\n').length > 1 && user ? msg.replace(/\s*\n\s*/g, '; ') : msg });
      return false;
    }
  }

  stopOutput(st: Stop): Output { return renderStop(this.s, st, this.displays.map((x) => this.showDisplay(x))); }

  /** The per-core table of a stop report, without a stop. */
  coresOnly(): { text: string; data: Record<string, unknown>[] } { return coresTable(this.s); }

  showDisplay(x: Display): Output {
    let v: string;
    let ok = true;
    try {
      const n = this.s.eval(x.expr);
      v = x.fmt === 'd' ? n.toString() : hx(n);
    } catch (e) { v = c().red(`<${(e as Error).message}>`); ok = false; }
    return out(`${c().dim(`${x.id}:`)} ${x.expr} = ${c().bold(v)}`, { id: x.id, expr: x.expr, value: ok ? v : null });
  }

  infoDisplay(): Output {
    if (this.displays.length === 0) return out('no displays', { displays: [] });
    return out(this.displays.map((x) => this.showDisplay(x).text).join('\n'), { displays: this.displays.map((x) => this.showDisplay(x).data) });
  }

  setEnabled(args: string, on: boolean): Output {
    const ids = args.trim().split(/\s+/).filter(Boolean);
    if (ids.length === 0) throw new CommandError(`usage: ${on ? 'enable' : 'disable'} N...`);
    for (const i of ids) {
      const p = this.s.points.get(num(i, 'point number'));
      if (!p) throw new CommandError(`no breakpoint, catchpoint or watchpoint number ${i}`);
      p.enabled = on;
    }
    return out(`${on ? 'enabled' : 'disabled'} ${ids.join(', ')}`);
  }

  help(topic: string): Output {
    if (topic === 'info') {
      const rows = infoViews().map((v) => `  ${(v.usage ?? `info ${v.name}`).padEnd(34)} ${v.help}`);
      rows.push(`  ${'info display'.padEnd(34)} the display expressions`);
      return out(`info views:\n${rows.join('\n')}`);
    }
    if (topic === 'expressions' || topic === 'expr') {
      return out('expressions: 64-bit unsigned; registers of the selected core (rax eax ax al ... rip rflags cr3), symbols (their address), numbers (0x.., 0b.., decimal),\n$core $cycle $now $instructions $ncores; operators + - * / % & | ^ ~ << >> == != < > <= >= && || !; memory: *(u8|u16|u32|u64*)addr, *addr and [addr] (8 bytes)');
    }
    if (topic) {
      const cmd = byName.get(topic);
      if (!cmd) throw new CommandError(`no command '${topic}'${suggest(topic)}`);
      return out(`${c().bold(cmd.usage)}\n  ${cmd.help}${cmd.aliases ? `\n  aliases: ${cmd.aliases.join(', ')}` : ''}`);
    }
    const lines = COMMANDS.map((cmd) => `  ${c().bold(cmd.name.padEnd(13))} ${cmd.help}`);
    return out(`commands (help <command> for usage; help info; help expressions):\n${lines.join('\n')}`, { commands: COMMANDS.map((x) => x.name) });
  }

  /** Words for tab completion after `line` (commands, info views, symbols, registers). */
  completions(line: string): string[] {
    const words = line.split(/\s+/);
    if (words.length <= 1) return commandNames();
    const first = words[0]!;
    if ((first === 'info' || first === 'i') && words.length === 2) return [...infoViews().map((v) => v.name), 'display', 'registers'];
    if ((first === 'step-event' || first === 'se') && words.length === 2) return [...STEP_EVENT_KINDS];
    if (first === 'catch' && words.length === 2) return [...CATCH_KINDS];
    if (first === 'catch' && words[1] === 'posted' && words.length === 3) return [...POSTED_STEPS, 'core', 'step'];
    if (first === 'catch' && words[1] === 'vmexit' && words.length === 3) return [...EXIT_REASON_WORDS, 'core', 'reason'];
    if (first === 'help' && words.length === 2) return [...commandNames(), 'info', 'expressions'];
    return [...this.s.symbols.names(), ...REGISTER_NAMES];
  }
}

function suggest(name: string): string {
  const names = commandNames();
  const close = names.filter((n) => n.startsWith(name.slice(0, 2)) && Math.abs(n.length - name.length) < 4 && name.length > 1);
  return close.length ? `; did you mean ${close.slice(0, 3).join(', ')}?` : '';
}

