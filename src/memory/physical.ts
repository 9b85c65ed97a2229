/**
 * Physical address space (docs/architecture.md "Memory").
 *
 * RAM is one ArrayBuffer the size of `--memory`. Node allocates it zeroed and
 * the host OS commits its pages on first touch, so it is as sparse in host
 * memory as a table of 4 KiB typed arrays would be, while every access is one
 * DataView call with no page-table lookup. (Rather than "4 KiB pages of typed arrays"; docs/architecture.md
 * records why.)
 *
 * Above RAM, MMIO regions route to devices; each device sees the accessing
 * core, because some devices (the local APIC at 0xFEE00000) show each core its
 * own registers. A physical address nothing backs reads as all ones and drops
 * writes, as a PCI master abort does.
 */
export interface MmioDevice {
  readonly name: string;
  /** Read `size` (1, 2, 4 or 8) bytes at `offset` inside the region; 8-byte reads return the low half and put the high half in `hiOut[0]`. */
  read(core: number, offset: number, size: number, hiOut: Int32Array): number;
  write(core: number, offset: number, size: number, lo: number, hi: number): void;
  /** Ticks per access, if the device has its own cost (else the memory system's uncached cost applies). */
  readonly accessCost?: number;
}

interface MmioRegion { base: number; end: number; dev: MmioDevice; }

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;

export class PhysicalMemory {
  readonly ramBytes: number;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** One flag per RAM page: 1 if decoded code was cached from it (see DecodeCache). */
  readonly codePages: Uint8Array;
  /** Called when a write lands on a page with cached code. */
  onCodeWrite: (ppn: number) => void = () => {};
  private regions: MmioRegion[] = [];

  constructor(ramBytes: number) {
    if (!Number.isInteger(ramBytes) || ramBytes <= 0 || ramBytes % PAGE_SIZE !== 0) {
      throw new RangeError(`memory size must be a positive multiple of 4 KiB, got ${ramBytes}`);
    }
    this.ramBytes = ramBytes;
    const buf = new ArrayBuffer(ramBytes);
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
    this.codePages = new Uint8Array(ramBytes >>> PAGE_SHIFT);
  }

  mapMmio(base: number, size: number, dev: MmioDevice): void {
    if (base < this.ramBytes) throw new RangeError(`MMIO region ${dev.name} at 0x${base.toString(16)} overlaps RAM`);
    for (const r of this.regions) {
      if (base < r.end && base + size > r.base) throw new RangeError(`MMIO region ${dev.name} overlaps ${r.dev.name}`);
    }
    this.regions.push({ base, end: base + size, dev });
  }

  findMmio(pa: number): MmioRegion | undefined {
    for (const r of this.regions) if (pa >= r.base && pa < r.end) return r;
    return undefined;
  }

  /** The device's own access cost at `pa`, or -1. */
  deviceCost(pa: number): number {
    const r = this.findMmio(pa);
    return r && r.dev.accessCost !== undefined ? r.dev.accessCost : -1;
  }

  /** Slow path for any physical access outside RAM (≤ 8 bytes, no page crossing). */
  readOther(core: number, pa: number, size: number, hiOut: Int32Array): number {
    const r = this.findMmio(pa);
    if (r) return r.dev.read(core, pa - r.base, size, hiOut);
    hiOut[0] = -1;
    return size === 4 || size === 8 ? -1 : (1 << (size * 8)) - 1;
  }

  writeOther(core: number, pa: number, size: number, lo: number, hi: number): void {
    const r = this.findMmio(pa);
    if (r) r.dev.write(core, pa - r.base, size, lo, hi);
  }

  /** Bulk load (ELF segments, boot structures). Not a guest access: costs nothing. */
  load(pa: number, bytes: Uint8Array): void {
    if (pa < 0 || pa + bytes.length > this.ramBytes) throw new RangeError(`load at 0x${pa.toString(16)} outside RAM`);
    this.u8.set(bytes, pa);
  }
}
