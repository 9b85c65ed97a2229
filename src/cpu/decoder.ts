/**
 * Decode cache: iced-x86 decodes each code address once into an Op; Ops are
 * grouped into Blocks that end at a control transfer, a system op that
 * changes how later code runs, a page end, or 64 ops.
 *
 * Blocks are keyed by linear address and validated against the current
 * linear→physical translation, so a changed mapping re-decodes. Writes to a
 * physical page that holds decoded code (PhysicalMemory.codePages) drop that
 * page's blocks: self-modifying code and code loaded at run time just work.
 */
import { Decoder, DecoderOptions, DecoderError, Formatter, FormatterSyntax, Instruction, Mnemonic, OpKind, Register, MemorySizeExt, FlowControl, EncodingKind } from 'iced-x86';
import { Block, K, Op } from './op.js';
import { Form } from './form.js';
import { FORMS } from './formTable.js';
import { isPure } from './pureOps.js';
import type { Core } from './core.js';
import { Fault, Vector } from './fault.js';
import { gprInfo, vecInfo, segIndex, SEG_FS, SEG_GS } from './registers.js';
import type { OpSpec, SpecEntry } from './handlers/spec.js';
import type { PhysicalMemory } from '../memory/physical.js';
import type { TickCosts } from '../profile/load.js';
import { aluSpecs } from './handlers/alu.js';
import { mulDivSpecs } from './handlers/muldiv.js';
import { bitSpecs } from './handlers/bits.js';
import { dataSpecs } from './handlers/data.js';
import { controlSpecs } from './handlers/control.js';
import { stringSpecs } from './handlers/string.js';
import { systemSpecs, movCr, movSeg } from './handlers/system.js';
import { vmxSpecs } from '../vmx/instructions.js';
import { x87Specs } from './handlers/x87.js';
import { x87ArithSpecs } from './handlers/x87arith.js';
// SSE/AVX and extended state (issue 13, SIMD part)
import { sseMoveSpecs, sseStringAliases } from './handlers/sseMove.js';
import { sseIntSpecs } from './handlers/sseInt.js';
import { sseFloatSpecs, sseFloatStringAliases } from './handlers/sseFloat.js';
import { xsaveSpecs } from './handlers/xsave.js';
import { sse42Specs } from './handlers/sse42.js';
import { avxSpecs } from './handlers/avx.js';
import { aesSpecs } from './handlers/aes.js';

const MAX_BLOCK_OPS = 64;

/** Ops whose memory source operand is their one and first memory access (register destination). */
const REPLAY_LOADS = new Set<Mnemonic>([
  Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Add, Mnemonic.Adc, Mnemonic.Sub, Mnemonic.Sbb,
  Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Imul,
  Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
]);
/** Ops that only read a memory destination. */
const REPLAY_READ_ONLY_DST = new Set<Mnemonic>([Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Bt]);
const DECODE_WINDOW = 1024;

function buildTable(lists: SpecEntry[][]): Map<Mnemonic, OpSpec> {
  const t = new Map<Mnemonic, OpSpec>();
  for (const list of lists) {
    for (const [m, spec] of list) {
      if ((spec.form === undefined) === (spec.exec === undefined)) {
        throw new Error(`opcode table: ${[m].flat().map((x) => Mnemonic[x]).join('/')} needs exactly one of a form and a handler`);
      }
      for (const one of Array.isArray(m) ? m : [m]) {
        if (t.has(one)) throw new Error(`opcode table: mnemonic ${Mnemonic[one]} registered twice`);
        t.set(one, spec);
      }
    }
  }
  return t;
}

const TABLE = buildTable([aluSpecs, mulDivSpecs, bitSpecs, dataSpecs, controlSpecs, stringSpecs, systemSpecs,
  x87Specs, x87ArithSpecs, // x87 FPU (issue 13)
  vmxSpecs, // VMX instructions (src/vmx, issue 10)
  // SSE/AVX and extended state (issue 13, SIMD part)
  sseMoveSpecs, sseIntSpecs, sseFloatSpecs, sse42Specs, avxSpecs, aesSpecs, xsaveSpecs]);
/** MOVSD/CMPSD name both a string instruction and an SSE2 one: with an XMM operand the SSE2 entry applies. */
const VECTOR_ALIASES = buildTable([sseStringAliases, sseFloatStringAliases]);

/** Mnemonics the CPU implements (lower case), for coverage tests of the instruction oracles. */
export function supportedMnemonics(): string[] {
  return [...TABLE.keys()].map((m) => Mnemonic[m]!.toLowerCase()).sort();
}

let formatter: Formatter | null = null;
export function formatInstruction(ins: Instruction): string {
  if (formatter === null) {
    formatter = new Formatter(FormatterSyntax.Gas);
    formatter.firstOperandCharIndex = 8;
  }
  return formatter.format(ins);
}

/** Decode the single instruction in `bytes` at linear address `rip` and format it (debugger, fault reports). */
export function disassemble(bytes: Uint8Array, rip: number): { text: string; length: number } {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt.asUintN(64, BigInt(rip));
  const ins = d.decode();
  const r = ins.isInvalid ? { text: '(bad)', length: 1 } : { text: formatInstruction(ins), length: ins.length };
  ins.free(); d.free();
  return r;
}

const u64ToPair = (v: bigint): [number, number] => [Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0];

/**
 * The x87 FOP of an instruction (SDM Vol. 1 §8.1.9, Figure 8-8): the low 3
 * bits of its D8–DF escape byte and its ModR/M byte; 0 for other
 * instructions. Prefixes (including REX and the 9B of the waiting forms)
 * come before the escape byte.
 */
function x87Opcode(bytes: Uint8Array, start: number, len: number): number {
  for (let i = start; i < start + len - 1; i++) {
    const b = bytes[i]!;
    if (b >= 0xd8 && b <= 0xdf) return ((b & 7) << 8) | bytes[i + 1]!;
    const prefix = b === 0x66 || b === 0x67 || b === 0xf2 || b === 0xf3 || b === 0xf0 || b === 0x9b ||
      b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65 || (b >= 0x40 && b <= 0x4f);
    if (!prefix) return 0;
  }
  return 0;
}

/** An op of a form decided here (formTable.ts): its handler is the form's. */
function formOp(form: Form): Op {
  const op = new Op(FORMS[form]!.exec);
  op.form = form;
  return op;
}

/** The op stops the run when executed, saying what is not implemented (`why`) and for which instruction. */
function unsupportedOp(op: Op, why: string, text: string): Op {
  op.form = Form.Unsupported;
  op.exec = FORMS[Form.Unsupported]!.exec;
  op.note = `${why}: ${text}`;
  op.endsBlock = true;
  return op;
}

export class DecodeCache {
  private readonly blocks = new Map<number, Block>();
  private readonly byPage = new Map<number, Block[]>();
  private readonly instr = new Instruction();
  /**
   * When false, every block is decoded afresh each time it runs: the decode
   * cache is an optimization, and tests run guests both ways to show it
   * changes no cycle.
   */
  cacheBlocks = true;

  constructor(private readonly mem: PhysicalMemory, private readonly costs: TickCosts) {
    mem.onCodeWrite = (ppn) => this.invalidatePage(ppn);
  }

  /** The block starting at `rip` for this core's current mapping; null if fetching faulted (already delivered). */
  blockAt(core: Core, rip: number): Block | null {
    let pa: number;
    try {
      pa = core.translateFetch(rip);
    } catch (e) {
      if (e instanceof Fault) { core.fetchFault(e); return null; }
      throw e;
    }
    const b = this.blocks.get(rip);
    if (b !== undefined && b.pa === pa && b.valid && this.cacheBlocks) return b;
    return this.build(core, rip, pa);
  }

  invalidatePage(ppn: number): void {
    const list = this.byPage.get(ppn);
    this.mem.codePages[ppn] = 0;
    if (!list) return;
    for (const b of list) {
      b.valid = false;
      if (this.blocks.get(b.rip) === b) this.blocks.delete(b.rip);
    }
    this.byPage.delete(ppn);
  }

  /**
   * Code fetched from outside RAM. Where nothing backs the address, the bytes
   * read as all ones, as every read there does (a PCI master abort), and
   * FF FF is no instruction (FF /7 is reserved): #UD, as Bochs raises too.
   * A device's registers are not code: fetching from them ends the run (as
   * on Bochs, which stops "running in bogus memory").
   */
  private fetchOutsideRam(core: Core, pa: number): null {
    const where = `physical 0x${pa.toString(16)}`;
    const device = this.mem.findMmio(pa);
    if (device) {
      core.host.stop('fault', core, `instruction fetch from ${device.dev.name} registers (MMIO) at ${where}: code runs only from RAM`);
      core.yieldNow();
    } else {
      core.fetchFault(new Fault(Vector.UD, null, `instruction fetch from ${where}, where there is no memory: it reads as all ones, and FF FF is not an instruction`));
    }
    return null;
  }

  private build(core: Core, rip: number, pa: number): Block | null {
    if (pa + 1 > this.mem.ramBytes) return this.fetchOutsideRam(core, pa);
    const off = pa % 4096;
    const inPage = Math.min(4096 - off, this.mem.ramBytes - pa);
    // Decode from a window, not the whole page: iced copies its input into
    // WASM memory, and a block rarely needs more than a few hundred bytes.
    // A block that reaches the window's end simply ends there.
    const window = Math.min(inPage, DECODE_WINDOW);
    const atPageEnd = window === inPage;
    // Up to 15 bytes of the next page, for an instruction that straddles the boundary.
    let next: number | null = null;
    let tail = 0;
    if (atPageEnd) {
      try {
        next = core.translateFetch(rip + inPage);
        tail = next + 15 <= this.mem.ramBytes ? 15 : 0;
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        next = null;
      }
    } else {
      tail = 15; // the rest of this page: always present
    }
    const bytes = new Uint8Array(window + tail);
    if (atPageEnd) {
      bytes.set(this.mem.u8.subarray(pa, pa + window), 0);
      if (tail) bytes.set(this.mem.u8.subarray(next!, next! + tail), window);
    } else {
      bytes.set(this.mem.u8.subarray(pa, pa + window + tail), 0);
    }
    const dec = new Decoder(64, bytes, DecoderOptions.None);
    dec.ip = BigInt.asUintN(64, BigInt(rip));
    const ins = this.instr;
    const ops: Op[] = [];
    let crosses = false;
    try {
      while (dec.position < window && ops.length < MAX_BLOCK_OPS) {
        const start = dec.position;
        dec.decodeOut(ins);
        let op: Op;
        if (ins.isInvalid && dec.lastError === DecoderError.NoMoreBytes && atPageEnd && start + 15 > inPage && next === null) {
          // The instruction runs into a page we cannot fetch: #PF at the missing page when executed.
          op = formOp(Form.FetchPageFault);
          op.rip = rip + start; op.next = op.rip + 1; op.len = 1; op.endsBlock = true;
          op.target = rip + inPage;
          ops.push(op);
          break;
        }
        op = this.makeOp(ins);
        op.fop = x87Opcode(bytes, start, op.len);
        op.pure = isPure(op);
        ops.push(op);
        if (atPageEnd && dec.position > inPage) crosses = true;
        if (dec.position >= window) break;
        if (op.endsBlock || crosses) break;
      }
    } finally {
      dec.free();
    }
    const ppn = Math.floor(pa / 4096);
    const pages = crosses && next !== null ? [ppn, Math.floor(next / 4096)] : [ppn];
    const block = new Block(rip, pa, ops, pages);
    const old = this.blocks.get(rip);
    if (old) {
      old.valid = false;
      // Forget it in its pages' lists too: with the block cache off every execution rebuilds its
      // block, and a list that kept each one would grow without bound.
      for (const p of old.pages) {
        const l = this.byPage.get(p);
        const k = l === undefined ? -1 : l.indexOf(old);
        if (k >= 0) { l![k] = l![l!.length - 1]!; l!.pop(); }
      }
    }
    this.blocks.set(rip, block);
    for (const p of pages) {
      this.mem.codePages[p] = 1;
      let l = this.byPage.get(p);
      if (!l) this.byPage.set(p, (l = []));
      l.push(block);
    }
    return block;
  }

  /** Turn one iced-x86 instruction into an Op: generic operand fields, then the family's form and setup. */
  makeOp(ins: Instruction): Op {
    const text = () => formatInstruction(ins);
    const op = formOp(Form.Invalid);
    op.rip = Number(BigInt.asIntN(64, ins.ip));
    if (ins.isInvalid) {
      // Not an instruction (#UD when executed): one byte, and the block ends here.
      op.len = 1; op.next = op.rip + 1; op.endsBlock = true;
      return op;
    }
    op.len = ins.length;
    op.next = op.rip + op.len;
    op.code = ins.code;
    op.mnemonic = ins.mnemonic;
    op.lock = ins.hasLockPrefix;
    op.rep = ins.hasRepePrefix || ins.hasRepPrefix ? 1 : ins.hasRepnePrefix ? 2 : 0;
    op.endsBlock = ins.flowControl !== FlowControl.Next;

    let size = 0;
    let unsupported: string | null = null;
    const special: Register[] = [];
    const n = Math.min(ins.opCount, 4);
    if (ins.opCount > 4) unsupported = 'instruction with more than four operands';
    const enc = ins.encoding;
    if (enc === EncodingKind.VEX) op.vex = true;
    else if (enc !== EncodingKind.Legacy) unsupported = `${EncodingKind[enc]}-encoded instruction`;
    for (let i = 0; i < n; i++) {
      const kind = ins.opKind(i);
      let k = K.None, r = 0, h = 0;
      switch (kind) {
        case OpKind.Register: {
          const reg = ins.opRegister(i);
          const info = gprInfo(reg);
          if (reg >= Register.ST0 && reg <= Register.ST7) { k = K.Reg; r = reg - Register.ST0; } // x87 ST(i)
          else if (info) { k = K.Reg; r = info.index; h = info.highByte ? 8 : 0; if (i === 0 || size === 0) size = size || info.size; if (i === 1) op.size2 = info.size; }
          else {
            const v = vecInfo(reg);
            if (v) { k = K.Vec; r = v.index; if (v.size > op.vl) op.vl = v.size; }
            else { k = K.Reg; r = -1; special.push(reg); }
          }
          break;
        }
        case OpKind.Memory: {
          k = K.Mem;
          const base = ins.memoryBase, index = ins.memoryIndex;
          const [dlo, dhi] = u64ToPair(BigInt.asUintN(64, ins.memoryDisplacement));
          op.mDispLo = dlo; op.mDispHi = dhi;
          if (base === Register.RIP || base === Register.EIP) {
            op.mBase = -1; // iced gives the absolute target for RIP-relative operands
            op.addr32 = base === Register.EIP;
          } else {
            const bi = base === Register.None ? undefined : gprInfo(base);
            op.mBase = bi ? bi.index : -1;
            if (bi && bi.size === 4) op.addr32 = true;
            if (base !== Register.None && !bi) unsupported = 'memory operand with an unsupported base register';
          }
          if (index !== Register.None) {
            const xi = gprInfo(index);
            const vi = xi ? undefined : vecInfo(index);
            if (xi) { op.mIndex = xi.index; if (xi.size === 4) op.addr32 = true; }
            else if (vi) { op.vsibIndex = vi.index; op.vsib = vi.size; } // VSIB (AVX2 gathers): the handler forms each element's address
            else unsupported = `memory operand with index register ${Register[index]}`;
            op.mShift = Math.log2(ins.memoryIndexScale);
          }
          const seg = segIndex(ins.memorySegment);
          op.mSeg = seg === SEG_FS || seg === SEG_GS ? seg : -1;
          if (!op.addr32 && op.mSeg < 0 && op.mIndex < 0 && op.vsib === 0) {
            if (op.mBase < 0) {
              const abs = Number(BigInt.asIntN(64, ins.memoryDisplacement));
              if (abs >= -(2 ** 47) && abs < 2 ** 47) { op.eaKind = 1; op.mAbs = abs; }
            } else {
              const d = Number(BigInt.asIntN(64, ins.memoryDisplacement));
              if (d >= -(2 ** 31) && d < 2 ** 31) { op.eaKind = 2; op.mDisp = d; }
            }
          }
          const msz = MemorySizeExt.size(ins.memorySize);
          op.msz = msz;
          if (i === 0 || size === 0) size = size || msz;
          if (i === 1) op.size2 = msz;
          break;
        }
        case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32: case OpKind.Immediate64:
        case OpKind.Immediate8to16: case OpKind.Immediate8to32: case OpKind.Immediate8to64: case OpKind.Immediate32to64: {
          k = K.Imm;
          const [lo, hi] = u64ToPair(ins.immediate(i));
          op.immLo = lo; op.immHi = hi;
          break;
        }
        case OpKind.NearBranch64: case OpKind.NearBranch32: case OpKind.NearBranch16:
          op.target = Number(BigInt.asIntN(64, ins.nearBranch64));
          break;
        case OpKind.MemorySegRSI: case OpKind.MemorySegESI: case OpKind.MemoryESRDI: case OpKind.MemoryESEDI:
        case OpKind.MemorySegRDI: case OpKind.MemorySegDI: case OpKind.MemorySegSI: case OpKind.MemoryESDI:
          if (kind === OpKind.MemorySegESI || kind === OpKind.MemoryESEDI) unsupported = 'string instruction with 32-bit addressing';
          break;
        default:
          unsupported = `operand kind ${OpKind[kind]}`;
      }
      if (i === 0) { op.k0 = k; op.r0 = r; op.h0 = h; }
      else if (i === 1) { op.k1 = k; op.r1 = r; op.h1 = h; }
      else if (i === 2) { op.k2 = k; op.r2 = r; op.h2 = h; }
      else { op.k3 = k; op.r3 = r; }
    }
    op.size = size === 1 || size === 2 || size === 4 || size === 8 ? size : 8;

    let spec = (op.k0 === K.Vec || op.k1 === K.Vec) && VECTOR_ALIASES.get(ins.mnemonic) || TABLE.get(ins.mnemonic);
    if (ins.mnemonic === Mnemonic.Mov && special.length > 0) spec = this.movSpecial(op, ins, special);
    else if (special.length > 0 && spec) unsupported ??= `register operand ${Register[special[0]!]}`;
    if (!spec || unsupported) return unsupportedOp(op, unsupported ?? 'unsupported instruction', text());
    // The spec's form (or Form.Handler); setup may pick a more specific form from the operands.
    op.form = spec.form ?? Form.Handler;
    spec.setup?.(op, ins);
    if (op.form === Form.Unsupported) return unsupportedOp(op, op.note, text()); // a shape the family does not implement
    op.exec = op.form === Form.Handler ? spec.exec! : FORMS[op.form]!.exec;
    let cls = typeof spec.cls === 'function' ? spec.cls(op) : spec.cls;
    // LOCK'd read-modify-writes, and XCHG with memory (implicitly locked), cost a locked RMW.
    if (op.lock || (ins.mnemonic === Mnemonic.Xchg && (op.k0 === K.Mem || op.k1 === K.Mem))) cls = 'lockedRmw';
    op.cost = spec.selfTimed ? 0 : this.costs.cls[cls];
    if (spec.ends) op.endsBlock = true;
    op.replayable = !op.lock && op.rep === 0 &&
      ((op.k0 === K.Reg && op.k1 === K.Mem && REPLAY_LOADS.has(ins.mnemonic)) || (op.k0 === K.Mem && REPLAY_READ_ONLY_DST.has(ins.mnemonic)));
    return op;
  }

  /** MOV to/from a control or segment register. */
  private movSpecial(op: Op, ins: Instruction, special: Register[]): OpSpec | undefined {
    const reg = special[0]!;
    const toSpecial = ins.op0Kind === OpKind.Register && gprInfo(ins.op0Register) === undefined;
    const crNames = ['CR0', 'CR2', 'CR3', 'CR4', 'CR8'];
    const name = Register[reg] ?? '';
    if (crNames.includes(name)) {
      const nr = Number(name.slice(2));
      op.sel = nr;
      return { exec: movCr, cls: 'controlRegister', ends: toSpecial };
    }
    const seg = segIndex(reg);
    if (seg >= 0) {
      if (toSpecial && seg === 1) return undefined; // MOV CS is #UD; iced marks it invalid anyway
      op.sel = seg;
      // MOV to SS starts an interrupt shadow over the next instruction: end the block so it runs alone.
      return { exec: movSeg, cls: 'mov', ends: toSpecial && seg === 2 };
    }
    return undefined;
  }
}
