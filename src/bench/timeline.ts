/**
 * Where a core's cycles go, from the event stream: every retired
 * instruction's time (its retire tick minus its start tick) is charged to a
 * phase — the function it belongs to, or for instructions that matter on
 * their own (SYSCALL, SWAPGS, MOV to/from CR3, WRMSR, FNSTENV, ...) the
 * instruction — and a mispredicted return's penalty to "return mispredict".
 * Windows between two marker instructions (global labels in the guest) are
 * measured the same way: the tick the first one started to the tick the
 * second one started, which is what RDTSC at those two instructions reads.
 *
 * Used by the Table 1 and Table 2 benchmarks (src/bench) for their
 * event-stream measurement and their `--explain` breakdowns.
 */
import { readFileSync } from 'node:fs';
import { parseElf } from '../loader/elf.js';
import { SymbolTable } from '../debug/symbols.js';
import { decodeAt } from '../debug/disasm.js';
import type { Machine } from '../sim/machine.js';
import type { Tick } from '../sim/time.js';

/** Symbols of several images, each owning an address range (the kernel's image, the user program). */
export class Symbolizer {
  private readonly tables: { lo: number; hi: number; table: SymbolTable }[] = [];

  add(elfPath: string, lo: number, hi: number): SymbolTable {
    const img = parseElf(new Uint8Array(readFileSync(elfPath)), { ramBytes: 2 ** 31 });
    const table = new SymbolTable(img.symbols);
    this.tables.push({ lo, hi, table });
    return table;
  }

  /** The function containing `addr` (a sized function symbol), else the nearest label, else '?'. */
  find(addr: number): string {
    for (const t of this.tables) if (addr >= t.lo && addr < t.hi) return t.table.containingFunction(addr)?.name ?? t.table.find(addr)?.name ?? '?';
    return '?';
  }

  lookup(name: string): number | undefined {
    for (const t of this.tables) { const s = t.table.lookup(name); if (s) return s.value; }
    return undefined;
  }
}

/** Instructions that are their own phase, by the mnemonic of their AT&T text. */
const OWN_PHASE: Record<string, string> = {
  syscall: 'SYSCALL', sysretq: 'SYSRET', sysret: 'SYSRET', swapgs: 'SWAPGS', wrmsr: 'WRMSR', rdmsr: 'RDMSR', iretq: 'IRETQ',
  fnstenv: 'FNSTENV', fldenv: 'FLDENV', stmxcsr: 'STMXCSR', ldmxcsr: 'LDMXCSR', xsave: 'XSAVE', xrstor: 'XRSTOR',
  rdtsc: 'RDTSC', rdtscp: 'RDTSCP', hlt: 'HLT', pause: 'PAUSE',
  vmread: 'VMREAD', vmwrite: 'VMWRITE', vmresume: 'VMRESUME (with the VM entry)', vmlaunch: 'VMLAUNCH (with the VM entry)', vmcall: 'VMCALL',
};

/**
 * A window opens at the instruction at symbol `begin` and closes at `end`.
 * `sticky`: an `end` that comes without a new `begin` since the last window
 * still measures from that last `begin` (a benchmark that keeps the time of
 * its last RDTSC in a variable, as the paper's receive benchmark does).
 * `commit`: the `begin` counts only once the instruction at `commit` retires
 * (the store of that RDTSC's value: an interrupt between the two leaves the
 * variable, and so the window, at the previous one).
 */
/** The host kernel's calibrated residual spin (guest/host/residual.c), one phase whatever its instructions. */
export const RESIDUAL_PHASE = 'calibrated residual (linux_residual)';

export interface Window { begin: string; end: string; sticky?: boolean; commit?: string }

/** Per-core phase accounting over marked windows. */
export class PhaseProfiler {
  private readonly phaseOfRip = new Map<number, string>();
  private readonly pendingPenalty: number[];
  /** The open window per core: its name, begin tick and phases; and a begin not yet committed. */
  private readonly cur: ({ name: string; tick: number; phases: Map<string, number> } | null)[];
  private readonly pend: ({ name: string; tick: number; phases: Map<string, number> } | null)[];
  private readonly closed: boolean[];
  private readonly lastTick: number[];
  /** An interrupt or exception was vectored since this core's last retired instruction. */
  private readonly vectoring: boolean[];
  private readonly markerAt = new Map<number, { name: string; role: 'begin' | 'commit' | 'end'; sticky: boolean }>();
  /** Closed windows, in order: name, core, ticks, and the ticks per phase. */
  readonly windows: { name: string; core: number; ticks: Tick; phases: Map<string, number> }[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  /**
   * @param windows marker pairs (and optional commit points): instructions at global labels in the
   *   guest, e.g. the RDTSC it times with
   */
  constructor(private readonly m: Machine, private readonly syms: Symbolizer, windows: Window[], private readonly phaseName?: (sym: string, insn: string) => string | null) {
    const n = m.cores.length;
    this.pendingPenalty = new Array(n).fill(0);
    this.cur = new Array(n).fill(null);
    this.pend = new Array(n).fill(null);
    this.closed = new Array(n).fill(true);
    this.lastTick = new Array(n).fill(0);
    this.vectoring = new Array(n).fill(false);
    const at = (sym: string) => {
      const a = syms.lookup(sym);
      if (a === undefined) throw new Error(`marker ${sym} is not a symbol of the images`);
      return a;
    };
    for (const w of windows) {
      const sticky = w.sticky ?? false;
      this.markerAt.set(at(w.begin), { name: w.begin, role: 'begin', sticky });
      if (w.commit) this.markerAt.set(at(w.commit), { name: w.begin, role: 'commit', sticky });
      this.markerAt.set(at(w.end), { name: w.begin, role: 'end', sticky });
    }
    this.unsubscribe.push(m.events.on('mispredict', (e) => { this.pendingPenalty[e.core]! += e.penalty; }));
    this.bounds = Array.from({ length: n }, () => []);
    this.tail = new Array(n).fill(null);
    // What happens between two instructions, split at the hardware's own events (VMX transitions,
    // posted-interrupt steps, virtual-interrupt delivery): each boundary closes the segment before it.
    const mark = (core: number, tick: number, label: string, tail: string) => { this.bounds[core]!.push({ tick, label }); this.tail[core] = tail; };
    const tailOr = (core: number, dflt: string) => this.tail[core] ?? dflt;
    this.unsubscribe.push(m.events.on('interrupt', (e) => { this.vectoring[e.core] = true; mark(e.core, e.tick, 'interrupt recognition', 'IDT vectoring'); }));
    this.unsubscribe.push(m.events.on('vmexit', (e) => {
      mark(e.core, e.tick, tailOr(e.core, `${e.name} (exiting instruction)`), 'VM exit');
      mark(e.core, e.end, 'VM exit', 'VM exit');
    }));
    this.unsubscribe.push(m.events.on('vmentry', (e) => {
      mark(e.core, e.tick, tailOr(e.core, 'VMRESUME'), 'VM entry');
      mark(e.core, e.end, 'VM entry', 'VM entry');
    }));
    const POSTED: Record<string, string> = {
      notification: 'posted: notification (steps 1-2)', 'on-cleared': 'posted: ON cleared (step 3)', eoi: 'posted: physical EOI (step 4)',
      'pir-to-virr': 'posted: PIR to VIRR (step 5)', rvi: 'posted: PIR to VIRR (step 5)', evaluate: 'posted: PIR to VIRR (step 5)',
    };
    this.unsubscribe.push(m.events.on('posted', (e) => { mark(e.core, e.tick, POSTED[e.step]!, 'virtual-interrupt recognition'); }));
    this.unsubscribe.push(m.events.on('vintr', (e) => {
      if (e.phase === 'delivered') { this.vectoring[e.core] = true; mark(e.core, e.tick, tailOr(e.core, 'virtual-interrupt recognition'), 'virtual-interrupt delivery and IDT vectoring'); }
    }));
    this.unsubscribe.push(m.events.on('exception', (e) => { this.vectoring[e.core] = true; }));
    this.unsubscribe.push(m.events.on('retire', (e) => this.onRetire(e.core, e.rip, e.start, e.tick)));
    this.commitOf = new Set(windows.filter((w) => w.commit).map((w) => w.begin));
  }

  private readonly commitOf: Set<string>;
  /** Per core: hardware boundaries since the last retired instruction, and the label of the time after the last one. */
  private readonly bounds: { tick: number; label: string }[][];
  private readonly tail: (string | null)[];

  stop(): void { for (const u of this.unsubscribe) u(); }

  private phaseOf(core: number, rip: number): string {
    const known = this.phaseOfRip.get(rip);
    if (known !== undefined) return known;
    const sym = this.syms.find(rip);
    let text = '';
    try { text = decodeAt(this.m, this.m.cores[core]!, rip)?.text ?? ''; } catch { text = ''; }
    const mnem = text.split(/\s+/)[0] ?? '';
    const p = this.phaseName?.(sym, text) ?? (sym === 'linux_residual' ? RESIDUAL_PHASE : /^mov\S*\s.*%cr3/.test(text) ? 'MOV CR3' : OWN_PHASE[mnem] ?? sym);
    this.phaseOfRip.set(rip, p);
    return p;
  }

  private onRetire(core: number, rip: number, start: Tick, tick: Tick): void {
    const mk = this.markerAt.get(rip);
    if (mk !== undefined) {
      if (mk.role === 'begin') {
        const w = { name: mk.name, tick: start, phases: new Map<string, number>() };
        if (this.commitOf.has(mk.name)) this.pend[core] = w;
        else { this.cur[core] = w; this.closed[core] = false; }
      } else if (mk.role === 'commit') {
        const p = this.pend[core];
        if (p !== null && p.name === mk.name) { this.cur[core] = p; this.pend[core] = null; this.closed[core] = false; }
      } else {
        const c = this.cur[core];
        if (c !== null && c.name === mk.name && (!this.closed[core] || mk.sticky)) {
          this.windows.push({ name: mk.name, core, ticks: start - c.tick, phases: new Map(c.phases) });
          this.closed[core] = true;
          if (!mk.sticky) this.cur[core] = null;
        }
      }
    }
    const last = this.lastTick[core]!;
    this.lastTick[core] = tick;
    const vectored = this.vectoring[core]!;
    this.vectoring[core] = false;
    const maps: Map<string, number>[] = [];
    if (this.cur[core] !== null) maps.push(this.cur[core]!.phases);
    if (this.pend[core] !== null) maps.push(this.pend[core]!.phases);
    const bounds = this.bounds[core]!;
    const tail = this.tail[core];
    if (bounds.length > 0) { this.bounds[core] = []; }
    this.tail[core] = null;
    if (maps.length === 0) { this.pendingPenalty[core] = 0; return; }
    let dt = tick - start;
    const pen = this.pendingPenalty[core]!;
    this.pendingPenalty[core] = 0;
    const add = (k: string, v: number) => { for (const ph of maps) ph.set(k, (ph.get(k) ?? 0) + v); };
    // Time between instructions: IDT vectoring of an interrupt or exception (or a halted core
    // waiting for one), else the stall of a load that waited for another core's line (load replay).
    // A window's first instruction starts it: the time before belongs to no window.
    if (!(mk !== undefined && mk.role === 'begin') && start > last) {
      if (bounds.length === 0) add(vectored ? 'IDT vectoring' : 'remote cache-line stall', start - last);
      else {
        let at = last;
        for (const b of bounds) {
          const t = Math.min(Math.max(b.tick, at), start);
          if (t > at) add(b.label, t - at);
          at = t;
        }
        if (start > at) add(tail ?? (vectored ? 'IDT vectoring' : 'remote cache-line stall'), start - at);
      }
    }
    if (pen > 0) { add('return mispredict', pen); dt -= pen; }
    add(this.phaseOf(core, rip), dt);
  }
}
