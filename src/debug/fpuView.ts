/**
 * `info fpu`: the x87 state of a core — the register stack in ST(i) order
 * with physical register, tag and value, the control and status words
 * decoded, the last-instruction pointers. (The x87 names expressions know,
 * st0–st7, fcw, fsw, ftw, ftop, are in machineState.ts.) Reads only.
 */
import { TAG_EMPTY, TAG_SPECIAL, TAG_VALID, TAG_ZERO, FSW_TOP_SHIFT } from '../cpu/fpu/x87.js';
import { classify, Cls, bitLength } from '../cpu/fpu/float80.js';
import { c, hx, table } from './format.js';
import { coreArg, out, registerInfoView } from './views.js';

const LOG10_2 = Math.log10(2);
const TAG_NAMES = ['valid', 'zero', 'special', 'empty'];
const PC_NAMES = ['24-bit', 'reserved', '53-bit', '64-bit'];
const RC_NAMES = ['nearest', 'down', 'up', 'toward zero'];
const EXC_NAMES = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE'];
const MASK_NAMES = ['IM', 'DM', 'ZM', 'OM', 'UM', 'PM'];

/**
 * A register value in decimal: 20 significant digits computed exactly with
 * BigInt (any exponent), or its class for the non-finite encodings.
 */
export function formatExtended(se: number, sig: bigint): string {
  const neg = (se & 0x8000) !== 0 ? '-' : '';
  switch (classify(se, sig)) {
    case Cls.Zero: return `${neg}0`;
    case Cls.Inf: return `${neg}inf`;
    case Cls.QNaN: return `${neg}qnan(${hx(sig & ((1n << 62n) - 1n))})`;
    case Cls.SNaN: return `${neg}snan(${hx(sig & ((1n << 62n) - 1n))})`;
    case Cls.Unsupported: return 'unsupported encoding';
    default: break;
  }
  const b = se & 0x7fff;
  const e = (b === 0 ? 1 : b) - 16383 - 63; // value = sig × 2^e
  // Scale to an integer with at least 21 digits: sig × 2^e × 10^k.
  const k = e >= 0 ? 0 : Math.ceil(-e * LOG10_2) + 21 - Math.floor(bitLength(sig) * LOG10_2);
  const n = e >= 0 ? sig << BigInt(e) : (sig * 10n ** BigInt(Math.max(k, 0))) >> BigInt(-e);
  const digits = n.toString();
  const exp10 = digits.length - 1 - Math.max(k, 0);
  const d = digits.slice(0, 20).replace(/0+$/, '');
  return `${neg}${d[0]}${d.length > 1 ? '.' + d.slice(1) : ''}e${exp10 >= 0 ? '+' : ''}${exp10}`;
}

function flagList(bits: number, names: string[]): string {
  const on = names.filter((_, i) => (bits >> i) & 1);
  return on.length ? on.join(' ') : '-';
}

registerInfoView({
  name: 'fpu',
  help: 'x87 register stack (ST(i) order, tags, values), control and status words decoded, last-instruction pointers',
  usage: 'info fpu [core]',
  run(s, args) {
    const id = coreArg(s, args[0]);
    const f = s.core(id).x87;
    const cw = f.cw, sw = f.statusWord();
    const rows: string[][] = [['', 'phys', 'tag', 'raw', 'value']];
    const regs: Record<string, unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      const p = f.phys(i);
      const tag = f.tagOf(p);
      const se = f.se[p]!, sig = f.sigOf(p);
      const raw = `${se.toString(16).padStart(4, '0')}:${sig.toString(16).padStart(16, '0')}`;
      const value = tag === TAG_EMPTY ? '' : formatExtended(se, sig);
      const tagText = tag === TAG_VALID ? c().green(TAG_NAMES[tag]!) : tag === TAG_ZERO ? TAG_NAMES[tag]! : tag === TAG_SPECIAL ? c().yellow(TAG_NAMES[tag]!) : c().gray(TAG_NAMES[tag]!);
      rows.push([c().cyan(`ST(${i})`), `R${p}`, tagText, tag === TAG_EMPTY ? c().gray(raw) : raw, value]);
      regs.push({ st: i, physical: p, tag: TAG_NAMES[tag], raw, value: tag === TAG_EMPTY ? null : value });
    }
    const cc = [14, 10, 9, 8].map((b) => (sw >> b) & 1).join(' ');
    const words = [
      `FCW ${hx(cw, 4)}: masks ${flagList(cw & 0x3f, MASK_NAMES)}; precision ${PC_NAMES[(cw >> 8) & 3]}; rounding ${RC_NAMES[(cw >> 10) & 3]}`,
      `FSW ${hx(sw, 4)}: flags ${flagList(sw & 0x3f, EXC_NAMES)}${sw & 0x40 ? ' SF' : ''}; C3 C2 C1 C0 = ${cc}; TOP ${(sw >> FSW_TOP_SHIFT) & 7}; ` +
        `ES ${(sw >> 7) & 1}${(sw & 0x80) !== 0 ? c().red(' (unmasked exception pending: #MF at the next waiting x87 instruction)') : ''}`,
      `FTW ${hx(f.tagWord(), 4)}  FOP ${hx(f.fop, 3)}  FIP ${hx(f.fip)}  FDP ${hx(f.fdp)}`,
    ];
    const text = `${c().bold(`x87 FPU, core ${id}`)}\n${table(rows, { header: true })}\n${words.join('\n')}`;
    return out(text, {
      core: id, registers: regs, fcw: cw, fsw: sw, ftw: f.tagWord(), top: f.top, fop: f.fop, fip: f.fip, fdp: f.fdp,
      precision: PC_NAMES[(cw >> 8) & 3], rounding: RC_NAMES[(cw >> 10) & 3], pendingException: (sw & 0x80) !== 0,
    });
  },
});
