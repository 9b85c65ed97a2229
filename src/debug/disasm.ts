/**
 * Disassembly for the debugger: iced-x86 decoding of guest memory read
 * without side effects, in the machine's own syntax (AT&T, as the fault
 * reports use), with symbols on the address and on branch targets.
 */
import { Decoder, DecoderOptions, FlowControl } from 'iced-x86';
import { formatInstruction } from '../cpu/decoder.js';
import type { Core } from '../cpu/core.js';
import type { Machine } from '../sim/machine.js';
import { readLinear, PeekError } from './peek.js';
import type { SymbolTable } from './symbols.js';

export type Flow = 'next' | 'branch' | 'cond' | 'call' | 'ret' | 'int' | 'other';

export interface Insn {
  addr: number;
  length: number;
  bytes: Uint8Array;
  text: string;
  flow: Flow;
  /** Direct branch/call target, if any. */
  target: number | null;
}

function flowOf(f: FlowControl): Flow {
  switch (f) {
    case FlowControl.Next: return 'next';
    case FlowControl.UnconditionalBranch: case FlowControl.IndirectBranch: return 'branch';
    case FlowControl.ConditionalBranch: return 'cond';
    case FlowControl.Call: case FlowControl.IndirectCall: return 'call';
    case FlowControl.Return: return 'ret';
    case FlowControl.Interrupt: return 'int';
    default: return 'other';
  }
}

/** Decode one instruction from `bytes` (at most 15) at linear `addr`; null if invalid. */
export function decodeBytes(bytes: Uint8Array, addr: number): Insn | null {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt.asUintN(64, BigInt(addr));
  const ins = d.decode();
  try {
    if (ins.isInvalid) return null;
    const flow = flowOf(ins.flowControl);
    const t = ins.nearBranchTarget;
    const target = (flow === 'branch' || flow === 'cond' || flow === 'call') && t !== 0n ? Number(BigInt.asIntN(64, t)) : null;
    return { addr, length: ins.length, bytes: bytes.slice(0, ins.length), text: formatInstruction(ins), flow, target };
  } finally {
    ins.free(); d.free();
  }
}

/** Up to 15 readable code bytes at `addr` (fewer at the end of mapped memory). */
function codeBytes(m: Machine, core: Core, addr: number): Uint8Array {
  for (let n = 15; n >= 1; n--) {
    try { return readLinear(m, core, addr, n); } catch (e) { if (!(e instanceof PeekError) || n === 1) throw e; }
  }
  throw new PeekError('unreachable');
}

/** The instruction at `addr` as `core` sees memory; throws PeekError for unmapped memory. */
export function decodeAt(m: Machine, core: Core, addr: number): Insn | null {
  return decodeBytes(codeBytes(m, core, addr), addr);
}

/** The text of an instruction with its branch target named: "call 0x401040 <send_ipi>". */
export function describe(insn: Insn, syms: SymbolTable): string {
  if (insn.target === null) return insn.text;
  const l = syms.label(insn.target);
  return l ? `${insn.text} <${l}>` : insn.text;
}

/** One line: the instruction at `addr`, or "(unmapped)" / "(bad)". Never throws. */
export function insnText(m: Machine, core: Core, addr: number, syms: SymbolTable): string {
  try {
    const i = decodeAt(m, core, addr);
    return i ? describe(i, syms) : '(bad)';
  } catch (e) {
    return e instanceof PeekError ? '(unmapped)' : '(unreadable)';
  }
}
