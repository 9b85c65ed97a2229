/**
 * Model-specific registers of one core (SDM Vol. 4). Only MSRs the emulated
 * hardware implements exist; RDMSR/WRMSR of any other index raises #GP(0), as
 * the SDM specifies for reserved or unimplemented MSRs.
 */
import type { Core } from './core.js';
import { Fault, Unsupported, Vector } from './fault.js';

export const IA32_TSC = 0x10;
export const IA32_APIC_BASE = 0x1b;
export const IA32_MISC_ENABLE = 0x1a0;
export const IA32_PAT = 0x277;
export const IA32_EFER = 0xc0000080;
export const IA32_STAR = 0xc0000081;
export const IA32_LSTAR = 0xc0000082;
export const IA32_CSTAR = 0xc0000083;
export const IA32_FMASK = 0xc0000084;
export const IA32_FS_BASE = 0xc0000100;
export const IA32_GS_BASE = 0xc0000101;
export const IA32_KERNEL_GS_BASE = 0xc0000102;
export const IA32_TSC_AUX = 0xc0000103;

const TWO32 = 4294967296;

/** A device that owns a range of MSRs (the local APIC's x2APIC range, later). */
export interface MsrDevice {
  handles(index: number): boolean;
  /** Returns the low half; the high half goes to hiOut[0]. Throws Fault for #GP. */
  rdmsr(index: number, hiOut: Int32Array): number;
  wrmsr(index: number, lo: number, hi: number): void;
}

export class MsrFile {
  private readonly values = new Map<number, [number, number]>();
  readonly devices: MsrDevice[] = [];

  constructor(private readonly core: Core) {
    // Power-on values (SDM Vol. 3A Table 9-1 and Vol. 4): PAT = 0007040600070406h.
    for (const m of [IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK, IA32_KERNEL_GS_BASE, IA32_TSC_AUX, IA32_MISC_ENABLE]) this.values.set(m, [0, 0]);
    this.values.set(IA32_PAT, [0x00070406, 0x00070406]);
  }

  /** RDMSR: value low half returned, high half in core.tHi. */
  read(index: number): number {
    const c = this.core;
    switch (index) {
      case IA32_TSC: { const t = Math.floor(c.time); const h = Math.floor(t / TWO32); c.tHi = h | 0; return (t - h * TWO32) | 0; }
      case IA32_EFER: c.tHi = 0; return c.efer;
      case IA32_FS_BASE: case IA32_GS_BASE: {
        const b = c.segBase[index === IA32_FS_BASE ? 4 : 5]!;
        const h = Math.floor(b / TWO32); c.tHi = h | 0; return (b - h * TWO32) | 0;
      }
    }
    for (const d of this.devices) if (d.handles(index)) { const lo = d.rdmsr(index, c.hiOut); c.tHi = c.hiOut[0]!; return lo; }
    const v = this.values.get(index);
    if (v === undefined) throw new Fault(Vector.GP, 0, `RDMSR of unimplemented MSR 0x${(index >>> 0).toString(16)}`);
    c.tHi = v[1];
    return v[0];
  }

  write(index: number, lo: number, hi: number): void {
    const c = this.core;
    switch (index) {
      case IA32_EFER: {
        // LMA is read-only (it reflects CR0.PG && LME); reserved bits #GP.
        if ((lo & ~0xd01) !== 0 || hi !== 0) throw new Fault(Vector.GP, 0, 'WRMSR EFER with reserved bits set');
        // LME cannot change while paging is on (SDM Vol. 3A §9.8.5 / §4.1.2).
        if ((c.cr0 & 0x80000000) !== 0 && ((lo ^ c.efer) & 0x100) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR EFER changing LME with paging enabled');
        c.efer = (lo & ~0x400) | (c.efer & 0x400);
        c.flushTlb();
        return;
      }
      case IA32_FS_BASE: case IA32_GS_BASE: case IA32_KERNEL_GS_BASE: case IA32_LSTAR: case IA32_CSTAR:
        // These hold linear addresses: non-canonical values #GP (SDM Vol. 4, WRMSR).
        if (hi < -32768 || hi > 32767 || ((hi >> 15) !== 0 && (hi >> 15) !== -1)) throw new Fault(Vector.GP, 0, 'WRMSR of a non-canonical address');
        if (index === IA32_FS_BASE || index === IA32_GS_BASE) { c.segBase[index === IA32_FS_BASE ? 4 : 5] = hi * TWO32 + (lo >>> 0); return; }
        break;
      case IA32_TSC:
        throw new Unsupported('WRMSR to IA32_TSC: the TSC is the machine reference clock and cannot be written');
    }
    for (const d of this.devices) if (d.handles(index)) { d.wrmsr(index, lo, hi); return; }
    if (!this.values.has(index)) throw new Fault(Vector.GP, 0, `WRMSR of unimplemented MSR 0x${(index >>> 0).toString(16)}`);
    this.values.set(index, [lo | 0, hi | 0]);
  }
}
