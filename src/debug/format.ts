/**
 * Presentation helpers shared by the debugger's views: numbers, cycle
 * counts, aligned tables and colours. Colour goes through one chalk
 * instance whose level the front end sets (none for --json, pipes and
 * tests that compare text; the terminal's level in the REPL).
 */
import { Chalk, type ChalkInstance } from 'chalk';

let chalkInstance: ChalkInstance = new Chalk({ level: 0 });

/** The colour functions every view uses. */
export function c(): ChalkInstance { return chalkInstance; }

export function setColorLevel(level: 0 | 1 | 2 | 3): void { chalkInstance = new Chalk({ level }); }

const TWO32 = 4294967296;

/** A 64-bit value held in a double (signed canonical or unsigned) as a BigInt in 0..2^64-1. */
export function u64(v: number): bigint { return BigInt.asUintN(64, BigInt(Math.trunc(v))); }

/** 0x-prefixed hex, zero-padded to `digits` (default: no padding). */
export function hx(v: number | bigint, digits = 0): string {
  const b = typeof v === 'bigint' ? BigInt.asUintN(64, v) : u64(v);
  return '0x' + b.toString(16).padStart(digits, '0');
}

/** A register pair (lo, hi int32 halves) as an unsigned 64-bit BigInt. */
export function pairToBig(lo: number, hi: number): bigint { return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0); }

/** An unsigned 64-bit BigInt as the signed canonical double the machine uses for linear addresses. */
export function bigToAddr(v: bigint): number {
  const s = BigInt.asIntN(64, v);
  return Number(s);
}

/** Unsigned double from a register pair (exact below 2^53; used for addresses). */
export function pairToNumber(lo: number, hi: number): number { return hi * TWO32 + (lo >>> 0); }

/** Cycle counts (TSC ticks, possibly fractional: throughput costs are quarter cycles). */
export function cyc(t: number): string {
  if (!Number.isFinite(t)) return String(t);
  return Number.isInteger(t) ? String(t) : t.toFixed(2);
}

/** Visible width of a string that may hold ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

function pad(s: string, width: number, right: boolean): string {
  const n = width - visibleLength(s);
  if (n <= 0) return s;
  return right ? ' '.repeat(n) + s : s + ' '.repeat(n);
}

/**
 * An aligned table: columns as wide as their widest cell (colour codes do
 * not count); `align` says which columns are right-aligned ('r').
 */
export function table(rows: string[][], opts: { align?: string; gap?: number; header?: boolean; indent?: number } = {}): string {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = new Array<number>(cols).fill(0);
  for (const r of rows) r.forEach((cell, i) => { widths[i] = Math.max(widths[i]!, visibleLength(cell)); });
  const gap = ' '.repeat(opts.gap ?? 2);
  const indent = ' '.repeat(opts.indent ?? 0);
  const lines = rows.map((r, ri) => {
    const cells = r.map((cell, i) => (i === r.length - 1 && opts.align?.[i] !== 'r' ? cell : pad(cell, widths[i]!, opts.align?.[i] === 'r')));
    const line = indent + cells.join(gap);
    return opts.header && ri === 0 ? c().bold(line) : line;
  });
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n');
}

/** The 256-bit IRR/ISR/TMR words as a list of set vectors, e.g. "0x40 0xef" ("-" when empty). */
export function vectorList(words: ArrayLike<number>): string {
  const out: string[] = [];
  for (let w = 0; w < 8; w++) {
    const x = words[w]! >>> 0;
    for (let b = 0; b < 32; b++) if ((x >>> b) & 1) out.push(hx(w * 32 + b, 2));
  }
  return out.length ? out.join(' ') : '-';
}

export function vectorsOf(words: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let w = 0; w < 8; w++) {
    const x = words[w]! >>> 0;
    for (let b = 0; b < 32; b++) if ((x >>> b) & 1) out.push(w * 32 + b);
  }
  return out;
}
