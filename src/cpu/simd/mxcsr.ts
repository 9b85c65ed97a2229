/**
 * MXCSR — the SSE control/status register (SDM Vol. 1 §10.2.3, Figure 10-3).
 *
 * Exception flags (bits 5:0) and masks (bits 12:7) share one order, so a
 * flag's mask is the flag shifted left by 7.
 */
export const MX_IE = 1 << 0; // invalid operation
export const MX_DE = 1 << 1; // denormal operand
export const MX_ZE = 1 << 2; // divide by zero
export const MX_OE = 1 << 3; // overflow
export const MX_UE = 1 << 4; // underflow
export const MX_PE = 1 << 5; // precision (inexact)
export const MX_FLAGS = 0x3f;
export const MX_DAZ = 1 << 6;
export const MX_MASK_SHIFT = 7;
export const MX_MASKS = 0x3f << MX_MASK_SHIFT;
export const MX_RC_SHIFT = 13;
export const MX_FTZ = 1 << 15;
/** Power-up and FXRSTOR-less default: all exceptions masked, round to nearest, flags clear (SDM Vol. 1 §10.2.3). */
export const MXCSR_DEFAULT = 0x1f80;
/**
 * MXCSR_MASK: the bits software may set (SDM Vol. 1 §11.6.6). Haswell
 * supports DAZ, so the mask is 0000FFFFH; LDMXCSR/FXRSTOR/XRSTOR raise #GP
 * for any bit outside it.
 */
export const MXCSR_MASK = 0xffff;

/** Rounding-control values (RC field; also ROUNDSS imm8[1:0] and VCVTPS2PH imm8[1:0]). */
export const enum Rc { Nearest = 0, Down = 1, Up = 2, Zero = 3 }

export const MXCSR_FLAG_NAMES = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE'];

/** Human-readable MXCSR (debugger). */
export function describeMxcsr(m: number): string {
  const flags = MXCSR_FLAG_NAMES.filter((_, i) => (m >> i) & 1).join(' ') || '-';
  const masks = MXCSR_FLAG_NAMES.filter((_, i) => (m >> (i + MX_MASK_SHIFT)) & 1).map((n) => n[0] + 'M').join(' ') || '-';
  const rc = ['nearest', 'down', 'up', 'zero'][(m >> MX_RC_SHIFT) & 3];
  return `flags ${flags}; masks ${masks}; RC ${rc}${m & MX_DAZ ? '; DAZ' : ''}${m & MX_FTZ ? '; FTZ' : ''}`;
}
