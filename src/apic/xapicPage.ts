/**
 * The xAPIC MMIO page at 0xFEE00000. Every core addresses the same physical
 * page but reaches its own local APIC (SDM "Local APIC Registers": "each
 * processor ... sees its own local APIC"). Registers are 32 bits wide on
 * 16-byte boundaries; this model takes aligned 32-bit accesses and treats
 * other sizes as touching the containing register.
 */
import type { MmioDevice } from '../memory/physical.js';
import type { LocalApic } from './localApic.js';
import type { Tick } from '../sim/time.js';

export class XapicPage implements MmioDevice {
  readonly name = 'local APIC (xAPIC page)';
  constructor(private readonly apics: LocalApic[], readonly accessCost: Tick) {}

  read(core: number, offset: number, size: number, hiOut: Int32Array): number {
    hiOut[0] = 0;
    const a = this.apics[core]!;
    if (a.mode !== 'xapic') return -1; // page not decoded: reads float (SDM: x2APIC mode disables the MMIO interface)
    const v = a.readReg(offset & 0xff0, false);
    const shift = (offset & 3) * 8;
    return size >= 4 ? v : (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  write(core: number, offset: number, size: number, lo: number, _hi: number): void {
    const a = this.apics[core]!;
    if (a.mode !== 'xapic') return;
    if (size < 4 || (offset & 0xf) !== 0) return; // only aligned 32-bit writes reach a register (SDM: other accesses are undefined)
    a.writeReg(offset & 0xff0, lo, false);
  }
}
