/**
 * A virtual-machine control structure (SDM Vol. 3C "Virtual Machine Control
 * Structures"). Software sees a VMCS only through VMREAD and VMWRITE; the
 * processor keeps the active ones in its own storage and writes them to
 * their 4-KiB-aligned region in physical memory when VMCLEAR makes the
 * region coherent ("VMCS data ... copied to the VMCS region", SDM §24.11.3).
 * The in-memory format after the first 8 bytes is implementation-specific
 * (§24.2); this machine's is:
 *
 *   0   revision identifier (bits 30:0) and shadow-VMCS indicator (bit 31)
 *   4   VMX-abort indicator
 *   8   launch state (0 clear, 1 launched)
 *   16  the fields of fields.ts in encoding order, packed by width
 *       (2, 4 or 8 bytes, little endian), 868 bytes: the region is 1 KiB
 *       (IA32_VMX_BASIC bits 44:32).
 */
import { FIELDS, FIELD_COUNT, fieldBytes, slotOf } from './fields.js';
import { VMCS_REGION_BYTES } from './capabilities.js';
import type { PhysicalMemory } from '../memory/physical.js';

const TWO32 = 4294967296;
const FIELDS_START = 16;

/** Byte offset of each field slot in the region. */
const OFFSET = new Uint16Array(FIELD_COUNT);
{
  let off = FIELDS_START;
  FIELDS.forEach((f, i) => { OFFSET[i] = off; off += fieldBytes(f); });
  if (off > VMCS_REGION_BYTES) throw new Error(`VMCS layout is ${off} bytes, more than the ${VMCS_REGION_BYTES}-byte region`);
}

/** Value mask of the low half per slot: 16-bit fields keep 16 bits, the rest 32. */
const LO_MASK = new Uint32Array(FIELDS.map((f) => (f.width === 16 ? 0xffff : 0xffffffff)));
/** Fields with a high half (64-bit and natural width). */
const HAS_HI = new Uint8Array(FIELDS.map((f) => (f.width === 64 || f.width === 'natural' ? 1 : 0)));

export class Vmcs {
  readonly lo = new Uint32Array(FIELD_COUNT);
  readonly hi = new Uint32Array(FIELD_COUNT);
  launched = false;
  /** Bit 31 of the revision word: a shadow VMCS (VMCS shadowing). */
  shadow = false;

  constructor(readonly pa: number) {}

  /** Load this VMCS's data from its region (VMPTRLD of a VMCS not active on the processor). */
  loadFrom(mem: PhysicalMemory): void {
    const dv = mem.dv;
    const base = this.pa;
    this.shadow = (dv.getUint32(base, true) >>> 31) === 1;
    this.launched = dv.getUint32(base + 8, true) === 1;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const o = base + OFFSET[i]!;
      const bytes = fieldBytes(FIELDS[i]!);
      if (bytes === 2) { this.lo[i] = dv.getUint16(o, true); this.hi[i] = 0; }
      else if (bytes === 4) { this.lo[i] = dv.getUint32(o, true); this.hi[i] = 0; }
      else { this.lo[i] = dv.getUint32(o, true); this.hi[i] = dv.getUint32(o + 4, true); }
    }
  }

  /** Write the data and the launch state to the region (VMCLEAR). Leaves bytes 0–7 (revision, abort) alone. */
  storeTo(mem: PhysicalMemory): void {
    const dv = mem.dv;
    const base = this.pa;
    dv.setUint32(base + 8, this.launched ? 1 : 0, true);
    for (let i = 0; i < FIELD_COUNT; i++) {
      const o = base + OFFSET[i]!;
      const bytes = fieldBytes(FIELDS[i]!);
      if (bytes === 2) dv.setUint16(o, this.lo[i]!, true);
      else if (bytes === 4) dv.setUint32(o, this.lo[i]!, true);
      else { dv.setUint32(o, this.lo[i]!, true); dv.setUint32(o + 4, this.hi[i]!, true); }
    }
    const first = Math.floor(base / 4096), last = Math.floor((base + VMCS_REGION_BYTES - 1) / 4096);
    for (let p = first; p <= last; p++) if (mem.codePages[p] !== 0) mem.onCodeWrite(p);
  }

  // ----------------------------------------------------------- VMREAD/VMWRITE

  /** VMWRITE of slot `s` (the high half of a 64-bit field when `high`): the value is truncated to the field's width. */
  writeSlot(s: number, high: boolean, lo: number, hi: number): void {
    if (high) { this.hi[s] = lo >>> 0; return; }
    this.lo[s] = (lo & LO_MASK[s]!) >>> 0;
    this.hi[s] = HAS_HI[s] === 1 ? hi >>> 0 : 0;
  }

  // ----------------------------------------------------- the processor's view

  /** A 16- or 32-bit field (or the low half of a wider one), unsigned. */
  u32(enc: number): number { return this.lo[slotOf(enc)]!; }

  /** A 64-bit or natural-width field as a signed double: exact for addresses (canonical or physical) and small offsets. */
  num(enc: number): number {
    const s = slotOf(enc);
    return (this.hi[s]! | 0) * TWO32 + this.lo[s]!;
  }

  /** A 64-bit field as an unsigned double (physical addresses, bitmaps of 53 bits or fewer). */
  unum(enc: number): number {
    const s = slotOf(enc);
    return this.hi[s]! * TWO32 + this.lo[s]!;
  }

  hi32(enc: number): number { return this.hi[slotOf(enc)]!; }

  /** Processor write of a field (VM exit saving state): a 32-bit value. */
  set32(enc: number, v: number): void {
    const s = slotOf(enc);
    this.lo[s] = (v & LO_MASK[s]!) >>> 0;
    this.hi[s] = 0;
  }

  /** Processor write of a 64-bit/natural field from a double (exact canonical addresses and values below 2^53). */
  setNum(enc: number, v: number): void {
    const s = slotOf(enc);
    const h = Math.floor(v / TWO32);
    this.lo[s] = (v - h * TWO32) >>> 0;
    this.hi[s] = h >>> 0;
  }

  setPair(enc: number, lo: number, hi: number): void {
    const s = slotOf(enc);
    this.lo[s] = lo >>> 0;
    this.hi[s] = HAS_HI[s] === 1 ? hi >>> 0 : 0;
  }
}

/** Read the 32-bit revision word at the start of a VMXON or VMCS region. */
export function regionRevision(mem: PhysicalMemory, pa: number): number {
  return mem.dv.getUint32(pa, true);
}
