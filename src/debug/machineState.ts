/**
 * Reading a machine's state for the debugger: per-core summaries, the state
 * fingerprint reverse-step checks after a replay, and registers by name.
 */
import { RunState, type Core } from '../cpu/core.js';
import type { Machine } from '../sim/machine.js';
import { GPR_NAMES, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../cpu/registers.js';
import type { EventMap } from '../sim/events.js';
import type { X87State } from '../cpu/fpu/x87.js';
import { classify, Cls } from '../cpu/fpu/float80.js';
import { cyc, hx, pairToBig } from './format.js';

export interface CoreState { id: number; time: number; instructions: number; rip: number; state: RunState; }

export function coreStates(m: Machine): CoreState[] {
  return m.cores.map((c) => ({ id: c.id, time: c.time, instructions: c.instructions, rip: c.rip, state: c.state }));
}

export function fingerprint(m: Machine): string {
  return JSON.stringify({
    cores: m.cores.map((c) => [c.time, c.instructions, c.rip, c.state, c.getRflags(), Array.from(c.lo), Array.from(c.hi),
      [c.x87.cw, c.x87.statusWord(), c.x87.valid, c.x87.fop, c.x87.fip, c.x87.fdp, Array.from(c.x87.sigLo), Array.from(c.x87.sigHi), Array.from(c.x87.se)]]),
    apics: m.apics.map((a) => [Array.from(a.irr), Array.from(a.isr)]),
  });
}

export function stateName(s: RunState): string {
  switch (s) {
    case RunState.Running: return 'running';
    case RunState.Halted: return 'halted';
    case RunState.Stopped: return 'stopped';
    case RunState.Spinning: return 'spinning';
    default: return String(s);
  }
}

const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const REG8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const SEGS: Record<string, number> = { es: SEG_ES, cs: SEG_CS, ss: SEG_SS, ds: SEG_DS, fs: SEG_FS, gs: SEG_GS };
/** Every register name expressions know (for completion). */
const VEC = Array.from({ length: 16 }, (_, i) => [`xmm${i}`, `ymm${i}`]).flat();
export const REGISTER_NAMES = [...GPR_NAMES, ...REG32, ...REG16, ...REG8, 'rip', 'pc', 'rflags', 'eflags', 'cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer', ...Object.keys(SEGS),
  'st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7', 'fcw', 'fsw', 'ftw', 'ftop', ...VEC, 'mxcsr', 'xcr0'];

/** The value of ST(i) truncated to a 64-bit integer (0 for empty, NaN, infinity, unsupported). */
function stInteger(f: X87State, i: number): bigint {
  if (f.isEmpty(i)) return 0n;
  const se = f.stSe(i), sig = f.stSig(i);
  const cls = classify(se, sig);
  if (cls !== Cls.Normal && cls !== Cls.Denormal) return 0n;
  const b = se & 0x7fff;
  const e = (b === 0 ? 1 : b) - 16383 - 63;
  const mag = e >= 0 ? (e > 64 ? 0n : sig << BigInt(e)) : e < -64 ? 0n : sig >> BigInt(-e);
  return BigInt.asUintN(64, (se & 0x8000) !== 0 ? -mag : mag);
}

/** x87 names in expressions: st0–st7 (the value truncated to a 64-bit integer), fcw, fsw, ftw (full tag word), ftop. */
function x87RegisterValue(k: Core, name: string): bigint | undefined {
  const f = k.x87;
  const m = /^st([0-7])$/.exec(name);
  if (m) return stInteger(f, Number(m[1]));
  switch (name) {
    case 'fcw': return BigInt(f.cw);
    case 'fsw': return BigInt(f.statusWord());
    case 'ftw': return BigInt(f.tagWord());
    case 'ftop': return BigInt(f.top);
    default: return undefined;
  }
}

/** A register of a core by name (64/32/16/8-bit GPRs, rip, rflags, control registers, selectors, x87). */
export function registerValue(c: Core, name: string): bigint | undefined {
  let i = GPR_NAMES.indexOf(name);
  if (i >= 0) return pairToBig(c.lo[i]!, c.hi[i]!);
  i = REG32.indexOf(name);
  if (i >= 0) return BigInt(c.lo[i]! >>> 0);
  i = REG16.indexOf(name);
  if (i >= 0) return BigInt(c.lo[i]! & 0xffff);
  i = REG8.indexOf(name);
  if (i >= 0) return BigInt(c.lo[i]! & 0xff);
  switch (name) {
    case 'rip': case 'pc': return BigInt.asUintN(64, BigInt(c.rip));
    case 'rflags': case 'eflags': return BigInt(c.getRflags());
    case 'cr0': return BigInt(c.cr0 >>> 0);
    case 'cr2': return BigInt.asUintN(64, BigInt(c.cr2));
    case 'cr3': return BigInt(c.cr3);
    case 'cr4': return BigInt(c.cr4 >>> 0);
    case 'cr8': return BigInt((c.intr?.tpr ?? c.cr8) >> 4);
    case 'efer': return BigInt(c.efer >>> 0);
    case 'mxcsr': return BigInt(c.mxcsr >>> 0);
    case 'xcr0': return BigInt(c.xcr0);
  }
  // XMMn (128 bits) and YMMn (256 bits) as unsigned integers (expressions
  // compute in 64 bits, so arithmetic sees the low quadword), and their
  // lanes: xmm0.q1 (quadword 1), ymm2.d7 (doubleword 7), xmm1.w3, xmm1.b15.
  const v = /^([xy])mm(\d+)(?:\.([bwdq])(\d+))?$/.exec(name);
  if (v && Number(v[2]) < 16) {
    const r = Number(v[2]), bytes = v[1] === 'y' ? 32 : 16;
    let x = 0n;
    for (let i = bytes / 4 - 1; i >= 0; i--) x = (x << 32n) | BigInt(c.xmm[8 * r + i]! >>> 0);
    if (v[3] === undefined) return x;
    const w = { b: 1, w: 2, d: 4, q: 8 }[v[3] as 'b' | 'w' | 'd' | 'q'], lane = Number(v[4]);
    if ((lane + 1) * w > bytes) return undefined;
    return (x >> BigInt(8 * w * lane)) & ((1n << BigInt(8 * w)) - 1n);
  }
  if (Object.hasOwn(SEGS, name)) return BigInt(c.segSel[SEGS[name]!]!);
  return x87RegisterValue(c, name);
}

export function describeIpi(e: EventMap['ipi']): string {
  const from = e.from >= 0 ? `core ${e.from}` : 'the I/O APIC';
  if (e.phase === 'sent') return `IPI ${hx(e.vector, 2)} sent by ${from} to core ${e.to}: on the bus until cycle ${cyc(e.arrival)} (${cyc(e.arrival - e.tick)} cycles)`;
  return `IPI ${hx(e.vector, 2)} from ${from} accepted by core ${e.to}'s APIC: IRR bit ${hx(e.vector, 2)} set`;
}
