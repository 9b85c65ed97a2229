/**
 * Model-specific registers of one core (SDM Vol. 4). Only MSRs the emulated
 * hardware implements exist; RDMSR/WRMSR of any other index raises #GP(0), as
 * the SDM specifies for reserved or unimplemented MSRs.
 */
import type { CoreMemory } from './coreMemory.js';
import { Fault, Unsupported, Vector } from './fault.js';

export const IA32_TSC = 0x10;
export const IA32_APIC_BASE = 0x1b;
/**
 * Speculation control (Intel, "Speculative Execution Side Channel
 * Mitigations", rev. 1.0, January 2018, §2; SDM Vol. 4 Table 2-2): IA32_SPEC_CTRL
 * bit 0 IBRS (indirect branch restricted speculation), bit 1 STIBP; IA32_PRED_CMD
 * is write-only, bit 0 IBPB (indirect branch prediction barrier). Enumerated by
 * CPUID.(EAX=07H,ECX=0):EDX[26] and [27], which the microcode updates of early
 * 2018 added to Haswell. This machine has no indirect-branch predictor to
 * restrict: the bits are stored and the writes cost time (a serializing WRMSR).
 */
export const IA32_SPEC_CTRL = 0x48;
export const IA32_PRED_CMD = 0x49;
export const SPEC_CTRL_IBRS = 1 << 0, SPEC_CTRL_STIBP = 1 << 1;
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
export const IA32_MTRRCAP = 0xfe;
export const IA32_SYSENTER_CS = 0x174;
export const IA32_SYSENTER_ESP = 0x175;
export const IA32_SYSENTER_EIP = 0x176;
export const IA32_DEBUGCTL = 0x1d9;
export const IA32_MTRR_DEF_TYPE = 0x2ff;
export const IA32_MTRR_PHYSBASE0 = 0x200;
/** Variable-range MTRR pairs implemented (IA32_MTRRCAP.VCNT). */
export const MTRR_VCNT = 8;

/** Memory types (SDM Vol. 3A §11.3, Table 11-2). */
export const MT_UC = 0, MT_WC = 1, MT_WT = 4, MT_WP = 5, MT_WB = 6;

const TWO32 = 4294967296;

/** A device that owns a range of MSRs (the local APIC's x2APIC range, later). */
export interface MsrDevice {
  handles(index: number): boolean;
  /** Returns the low half; the high half goes to hiOut[0]. Throws Fault for #GP. */
  rdmsr(index: number, hiOut: Int32Array): number;
  wrmsr(index: number, lo: number, hi: number): void;
}

const validType = (t: number) => t === MT_UC || t === MT_WC || t === MT_WT || t === MT_WP || t === MT_WB;

/**
 * The effective MTRR memory type of a physical address (SDM Vol. 3A §11.11.4.1):
 * MTRRs disabled → UC; variable ranges that match decide, UC winning over
 * everything and WT over WB; otherwise the default type.
 */
export function mtrrType(m: MsrFile, pa: number): number {
  if ((m.mtrrDefType & 0x800) === 0) return MT_UC;
  let found = -1;
  for (let n = 0; n < MTRR_VCNT; n++) {
    const mask = m.mtrrMask[n]!;
    if (mask % 4096 < 2048) continue; // valid bit (11) clear
    const maskBits = Math.floor(mask / 4096);
    const baseBits = Math.floor(m.mtrrBase[n]! / 4096);
    const pBits = Math.floor(pa / 4096);
    if (Number(BigInt(pBits) & BigInt(maskBits)) !== Number(BigInt(baseBits) & BigInt(maskBits))) continue;
    const t = m.mtrrBase[n]! % 256;
    if (t === MT_UC) return MT_UC;
    if (found < 0 || (found === MT_WB && t === MT_WT)) found = t;
  }
  return found >= 0 ? found : m.mtrrDefType & 0xff;
}

export class MsrFile {
  private readonly values = new Map<number, [number, number]>();
  readonly devices: MsrDevice[] = [];

  /**
   * Variable-range MTRRs and the default type (SDM Vol. 3A §11.11). Fixed
   * ranges are not implemented (IA32_MTRRCAP.FIX = 0). The firmware state
   * the machine boots with is "default WB, enabled", as a BIOS leaves it.
   */
  mtrrDefType = 0xc06; // E = 1, FE = 0, type WB
  readonly mtrrBase = new Float64Array(MTRR_VCNT);
  readonly mtrrMask = new Float64Array(MTRR_VCNT);

  constructor(private readonly core: CoreMemory) {
    // Power-on values (SDM Vol. 3A Table 9-1 and Vol. 4): PAT = 0007040600070406h.
    for (const m of [IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK, IA32_KERNEL_GS_BASE, IA32_TSC_AUX, IA32_MISC_ENABLE, IA32_SPEC_CTRL]) this.values.set(m, [0, 0]);
    // SYSENTER MSRs and IA32_DEBUGCTL: plain storage (SYSENTER is not decoded); VM entry and exit load and save them.
    for (const m of [IA32_SYSENTER_CS, IA32_SYSENTER_ESP, IA32_SYSENTER_EIP, IA32_DEBUGCTL]) this.values.set(m, [0, 0]);
    this.values.set(IA32_PAT, [0x00070406, 0x00070406]);
  }

  /** RDMSR: value low half returned, high half in core.tHi. */
  read(index: number): number {
    const c = this.core;
    if (index >= IA32_MTRR_PHYSBASE0 && index < IA32_MTRR_PHYSBASE0 + 2 * MTRR_VCNT) {
      const v = (index & 1) === 0 ? this.mtrrBase[(index - IA32_MTRR_PHYSBASE0) >> 1]! : this.mtrrMask[(index - IA32_MTRR_PHYSBASE0) >> 1]!;
      c.tHi = Math.floor(v / TWO32) | 0;
      return (v % TWO32) | 0;
    }
    switch (index) {
      case IA32_MTRRCAP: c.tHi = 0; return MTRR_VCNT; // VCNT = 8, no fixed ranges, no WC, no SMRR
      case IA32_MTRR_DEF_TYPE: c.tHi = 0; return this.mtrrDefType;
      // In VMX non-root operation with TSC offsetting, RDMSR of IA32_TSC adds the offset (SDM Vol. 3C §25.3).
      case IA32_TSC: { const t = Math.floor(c.time) + c.tscOffset; const h = Math.floor(t / TWO32); c.tHi = h | 0; return (t - h * TWO32) | 0; }
      case IA32_EFER: c.tHi = 0; return c.efer;
      case IA32_PRED_CMD: throw new Fault(Vector.GP, 0, 'RDMSR of the write-only IA32_PRED_CMD');
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
    if (index >= IA32_MTRR_PHYSBASE0 && index < IA32_MTRR_PHYSBASE0 + 2 * MTRR_VCNT) {
      const n = (index - IA32_MTRR_PHYSBASE0) >> 1;
      // Bits above MAXPHYADDR (40) and the reserved low bits #GP (SDM §11.11.2.3).
      if ((hi & 0xffffff00) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR MTRR with bits above MAXPHYADDR');
      if ((index & 1) === 0) {
        if ((lo & 0xf00) !== 0 || !validType(lo & 0xff)) throw new Fault(Vector.GP, 0, 'WRMSR IA32_MTRR_PHYSBASE with a reserved type or bits');
        this.mtrrBase[n] = (hi >>> 0) * TWO32 + (lo >>> 0);
      } else {
        if ((lo & 0x7ff) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR IA32_MTRR_PHYSMASK with reserved bits');
        this.mtrrMask[n] = (hi >>> 0) * TWO32 + (lo >>> 0);
      }
      c.updateMemoryTypes();
      return;
    }
    switch (index) {
      case IA32_MTRRCAP: throw new Fault(Vector.GP, 0, 'WRMSR to the read-only IA32_MTRRCAP');
      case IA32_MTRR_DEF_TYPE:
        if (hi !== 0 || (lo & ~0xcff) !== 0 || !validType(lo & 0xff)) throw new Fault(Vector.GP, 0, 'WRMSR IA32_MTRR_DEF_TYPE with reserved bits');
        this.mtrrDefType = lo & 0xcff;
        c.updateMemoryTypes();
        return;
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
      case IA32_SPEC_CTRL:
        if (hi !== 0 || (lo & ~(SPEC_CTRL_IBRS | SPEC_CTRL_STIBP)) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR IA32_SPEC_CTRL with reserved bits');
        break;
      case IA32_PRED_CMD:
        // IBPB: a barrier for a branch predictor this machine does not model; nothing is stored.
        if (hi !== 0 || (lo & ~1) !== 0) throw new Fault(Vector.GP, 0, 'WRMSR IA32_PRED_CMD with reserved bits');
        return;
      case IA32_SYSENTER_ESP: case IA32_SYSENTER_EIP:
        if (hi < -32768 || hi > 32767 || ((hi >> 15) !== 0 && (hi >> 15) !== -1)) throw new Fault(Vector.GP, 0, 'WRMSR of a non-canonical address');
        break;
      case IA32_DEBUGCTL:
        // LBR, BTF and the other debug controls are not modelled: a guest that turns one on is stopped, not ignored.
        if ((lo | hi) !== 0) throw new Unsupported(`WRMSR IA32_DEBUGCTL = 0x${(lo >>> 0).toString(16)}: last-branch recording and branch trace are not modelled`);
        break;
    }
    for (const d of this.devices) if (d.handles(index)) { d.wrmsr(index, lo, hi); return; }
    if (!this.values.has(index)) throw new Fault(Vector.GP, 0, `WRMSR of unimplemented MSR 0x${(index >>> 0).toString(16)}`);
    this.values.set(index, [lo | 0, hi | 0]);
  }
}
