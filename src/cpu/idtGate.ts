/**
 * Delivery through a 64-bit IDT gate (SDM Vol. 3A §6.14): the hardware
 * sequence that ends every exception, interrupt and INT n once the core has
 * decided to vector (Core.deliverEvent decides, and handles faults raised
 * here: #DF, triple fault, VM exits).
 */
import type { Core } from './core.js';
import { Fault, NO_IDT, Vector } from './fault.js';
import { IF } from './flags.js';
import { SEG_CS, SEG_SS } from './registers.js';

const TWO32 = 4294967296;

/**
 * Vector through a 64-bit IDT gate: read the 16-byte gate, pick the stack
 * (TSS.RSP0 on a privilege change, TSS.ISTn if the gate names one), align it
 * to 16 bytes, push SS, RSP, RFLAGS, CS, RIP and the error code, clear IF for
 * interrupt gates, and jump (SDM Vol. 3A §6.14.2–6.14.5).
 */
export function deliverThroughIdt(c: Core, vector: number, errorCode: number | null, software: boolean, ext = !software): void {
  // Error code for a fault on the gate: IDT bit (1), EXT (0) (SDM Vol. 3A §6.13).
  const gateError = ((vector << 3) | 2 | (ext ? 1 : 0)) >>> 0;
  if (vector * 16 + 15 > c.idtrLimit) {
    throw new Fault(Vector.GP, gateError, c.idtrLimit === 0 ? NO_IDT : `vector ${vector} is beyond the IDT limit`);
  }
  const g = c.idtrBase + vector * 16;
  const w0 = readSystem(c, g, 4), w1 = readSystem(c, g + 4, 4), w2 = readSystem(c, g + 8, 4);
  const present = (w1 >>> 15) & 1;
  const type = (w1 >>> 8) & 0xf;
  const dpl = (w1 >>> 13) & 3;
  const ist = w1 & 7;
  if (type !== 0xe && type !== 0xf) throw new Fault(Vector.GP, gateError, `IDT gate ${vector} is not a 64-bit interrupt or trap gate (type 0x${type.toString(16)})`);
  if (software && dpl < c.cpl) throw new Fault(Vector.GP, gateError, `INT ${vector} from CPL ${c.cpl} to a DPL ${dpl} gate`);
  if (!present) throw new Fault(Vector.NP, gateError, `IDT gate ${vector} is not present`);
  const selector = (w0 >>> 16) & 0xffff;
  const target = (w2 | 0) * TWO32 + (((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0);
  const newCpl = selector & 3;

  const oldSs = c.segSel[SEG_SS]!, oldRsp = c.rsp(), oldCs = c.segSel[SEG_CS]!;
  const oldFlags = c.getRflags();
  let rsp = oldRsp;
  if (ist !== 0) rsp = readTss64(c, 0x24 + 8 * (ist - 1));
  else if (newCpl < c.cpl) rsp = readTss64(c, 4 + 8 * newCpl);
  rsp = Math.floor(rsp / 16) * 16;
  const frame = [oldSs, oldRsp, oldFlags, oldCs, c.rip];
  if (errorCode !== null) frame.push(errorCode);
  const prevCpl = c.cpl;
  if (newCpl < c.cpl) c.cpl = newCpl; // the frame is written with the new privilege (block cache flushed below)
  try {
    for (const v of frame) {
      rsp -= 8;
      const h = Math.floor(v / TWO32);
      c.write(rsp, 8, v - h * TWO32, h);
    }
  } catch (e) { c.cpl = prevCpl; throw e; }
  if (newCpl !== prevCpl) c.segSel[SEG_SS] = 0; // 64-bit mode loads a null SS on a privilege change
  c.setRsp(rsp);
  c.segSel[SEG_CS] = selector;
  c.cpl = prevCpl;
  c.setCpl(newCpl);
  c.rip = target;
  // Interrupt gates clear IF; both clear TF, NT, RF (SDM §6.14.2 / §6.12.1.3).
  c.rflagsRest &= ~((1 << 8) | (1 << 14) | (1 << 16));
  if (type === 0xe) c.rflagsRest &= ~IF;
}

/** Read a system structure (IDT, GDT, TSS) at supervisor privilege. */
function readSystem(c: Core, lin: number, sz: number): number {
  const cpl = c.cpl;
  c.cpl = 0;
  try { return c.read(lin, sz); } finally { c.cpl = cpl; }
}

function readTss64(c: Core, offset: number): number {
  if (c.trLimit < offset + 7) throw new Fault(Vector.TS, c.trSel & ~3, 'TSS too small or not loaded');
  const lo = readSystem(c, c.trBase + offset, 4);
  const hi = readSystem(c, c.trBase + offset + 4, 4);
  return hi * TWO32 + (lo >>> 0);
}
