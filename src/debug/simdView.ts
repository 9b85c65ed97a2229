/**
 * `info sse`: the SSE/AVX state of a core — MXCSR decoded, XCR0, and
 * XMM0–15 (or YMM0–15 with `ymm`) as hex with the float interpretations a
 * reader wants (`f32`/`f64` lanes). Registers by name (`$xmm0`, `$ymm3`,
 * `$mxcsr`, `$xcr0`) are in machineState.ts.
 */
import { registerInfoView, coreArg, out } from './views.js';
import { c, table } from './format.js';
import { describeMxcsr } from '../cpu/simd/mxcsr.js';
import type { Core } from '../cpu/core.js';

/** The register as hex, most significant dword first, dwords separated by '_'. */
export function vecHex(k: Core, r: number, dwords: number): string {
  const parts: string[] = [];
  for (let i = dwords - 1; i >= 0; i--) parts.push((k.xmm[8 * r + i]! >>> 0).toString(16).padStart(8, '0'));
  return parts.join('_');
}

function lanes(k: Core, r: number, dwords: number, kind: 'f32' | 'f64'): string {
  const v: string[] = [];
  if (kind === 'f32') for (let i = 0; i < dwords; i++) v.push(fmtNum(k.xv.f32[8 * r + i]!));
  else for (let i = 0; i < dwords / 2; i++) v.push(fmtNum(k.xv.f64[4 * r + i]!));
  return v.join(' ');
}

const fmtNum = (x: number): string => (Number.isNaN(x) ? 'nan' : Object.is(x, -0) ? '-0' : String(Math.abs(x) >= 1e7 || (x !== 0 && Math.abs(x) < 1e-4) ? x.toExponential(6) : +x.toPrecision(7)));

registerInfoView({
  name: 'sse',
  help: 'MXCSR, XCR0 and the vector registers of a core (XMM, or YMM with `ymm`; f32/f64 lane views)',
  usage: 'info sse [core] [ymm] [f32|f64]',
  run(s, args) {
    const w = args.slice();
    const ymm = w.includes('ymm');
    const kind = w.includes('f64') ? 'f64' : w.includes('f32') ? 'f32' : null;
    const rest = w.filter((x) => x !== 'ymm' && x !== 'f32' && x !== 'f64');
    const id = coreArg(s, rest[0]);
    const k = s.core(id);
    const dwords = ymm ? 8 : 4;
    const rows = [];
    for (let r = 0; r < 16; r++) {
      const row = [c().cyan(`${ymm ? 'ymm' : 'xmm'}${r}`), vecHex(k, r, dwords)];
      if (kind) row.push(lanes(k, r, dwords, kind));
      rows.push(row);
    }
    const head = `${c().cyan('mxcsr')} ${(k.mxcsr >>> 0).toString(16).padStart(8, '0')} (${describeMxcsr(k.mxcsr)})   ${c().cyan('xcr0')} ${k.xcr0.toString(16)}`;
    const regs: Record<string, string> = {};
    for (let r = 0; r < 16; r++) regs[`${ymm ? 'ymm' : 'xmm'}${r}`] = vecHex(k, r, dwords).replaceAll('_', '');
    return out(`${head}\n${table(rows)}`, { core: id, mxcsr: k.mxcsr >>> 0, xcr0: k.xcr0, ...regs });
  },
});
