/**
 * x87 FPU state — STAND-IN. The x87 unit (register stack, control/status/tag
 * words, FPU pointers and its instructions) is built on its own branch; this
 * file only fixes the interface the SSE/XSAVE code relies on, holding the
 * FNINIT state (SDM Vol. 1 §8.1.x, "FNINIT": FCW 037FH, FSW 0, all tags
 * empty, pointers 0), so FXSAVE/XSAVE can write and read the x87 bytes of the
 * legacy region (SDM Vol. 1 §10.5.1, Table 10-2).
 */
export class X87State {
  fcw = 0x037f;
  fsw = 0;
  /** Full tag word (2 bits per register; 3 = empty). */
  ftw = 0xffff;
  fop = 0;
  /** Stack registers ST0..ST7 as 10 bytes each (80-bit extended). */
  readonly st = new Uint8Array(80);

  /** FNINIT (SDM Vol. 2A "FINIT/FNINIT"): the stack and pointers are left as they are except the tags. */
  init(): void {
    this.fcw = 0x037f;
    this.fsw = 0;
    this.ftw = 0xffff;
    this.fop = 0;
  }

  /** True when the x87 state equals its initial configuration (XSAVE init optimization, SDM Vol. 1 §13.6). */
  isInitState(): boolean {
    return this.fcw === 0x037f && this.fsw === 0 && this.ftw === 0xffff && this.fop === 0;
  }

  /**
   * Write the x87 bytes of the 512-byte FXSAVE legacy region at `off`: 0–1
   * FCW, 2–3 FSW, 4 abridged FTW, 6–7 FOP, 8–23 FIP/FDP (64-bit forms with
   * REX.W, FIP/FCS/FDP/FDS without), 32–159 ST0–ST7.
   */
  fxsaveLegacy(buf: Uint8Array, off: number, rexW = true): void {
    void rexW; // the stand-in keeps no pointers: both forms are zeros
    const dv = new DataView(buf.buffer, buf.byteOffset + off, 160);
    dv.setUint16(0, this.fcw, true);
    dv.setUint16(2, this.fsw, true);
    let abridged = 0;
    for (let i = 0; i < 8; i++) if (((this.ftw >> (2 * i)) & 3) !== 3) abridged |= 1 << i;
    dv.setUint8(4, abridged);
    dv.setUint8(5, 0);
    dv.setUint16(6, this.fop, true);
    for (let i = 8; i < 24; i++) dv.setUint8(i, 0);
    for (let i = 0; i < 8; i++) {
      for (let b = 0; b < 10; b++) dv.setUint8(32 + 16 * i + b, this.st[10 * i + b]!);
      for (let b = 10; b < 16; b++) dv.setUint8(32 + 16 * i + b, 0);
    }
  }

  /** Load the x87 bytes of a legacy region (FXRSTOR/XRSTOR). */
  fxrstorLegacy(buf: Uint8Array, off: number, rexW = true): void {
    void rexW;
    const dv = new DataView(buf.buffer, buf.byteOffset + off, 160);
    this.fcw = dv.getUint16(0, true);
    this.fsw = dv.getUint16(2, true);
    const abridged = dv.getUint8(4);
    // The full tag word is rebuilt as valid/empty only (the stand-in keeps no register classes).
    let ftw = 0;
    for (let i = 0; i < 8; i++) ftw |= ((abridged >> i) & 1 ? 0 : 3) << (2 * i);
    this.ftw = ftw;
    this.fop = dv.getUint16(6, true) & 0x7ff;
    for (let i = 0; i < 8; i++) for (let b = 0; b < 10; b++) this.st[10 * i + b] = dv.getUint8(32 + 16 * i + b);
  }
}
