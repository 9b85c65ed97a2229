/** Typed views over vector storage (SDM Vol. 1 §4.6 packed data types). */
/** Typed views over one vector buffer (the register file or a 32-byte scratch). */
export class VecViews {
  readonly u8: Uint8Array; readonly i8: Int8Array;
  readonly u16: Uint16Array; readonly i16: Int16Array;
  readonly u32: Uint32Array; readonly i32: Int32Array;
  readonly f32: Float32Array; readonly f64: Float64Array;
  constructor(b: ArrayBufferLike) {
    this.u8 = new Uint8Array(b); this.i8 = new Int8Array(b);
    this.u16 = new Uint16Array(b); this.i16 = new Int16Array(b);
    this.u32 = new Uint32Array(b); this.i32 = new Int32Array(b);
    this.f32 = new Float32Array(b); this.f64 = new Float64Array(b);
  }
}

