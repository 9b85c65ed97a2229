/**
 * x87 FPU state against the host CPU and the SDM: the control/status/tag
 * words and the FNSTENV/FNSAVE images (guest/fpu/x87_state.c, native vs
 * emulator, byte for byte), #MF delivery of an unmasked exception
 * (guest/fpu/x87_mf.c: SIGFPE with trap number 16 natively), #NM from
 * CR0.EM/MP/TS (guest/fpu/x87_nm.c: ring 0, expected lines from SDM Vol. 3A
 * Table 2-2; QEMU 7.2 printed the same), and the x87 bytes of the FXSAVE
 * area (X87State.fxsaveLegacy) against the host's FXSAVE for the same
 * FRSTOR image (guest/fpu/fxsave_native.c).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram, type GuestBuild } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X87State, FCW_INIT } from '../src/cpu/fpu/x87.js';
import { supportedMnemonics } from '../src/cpu/decoder.js';
import { repoRoot } from '../src/guest/build.js';
import { DebugSession } from '../src/debug/session.js';
import { Debugger, type Result } from '../src/debug/debugger.js';
import { setColorLevel } from '../src/debug/format.js';
import { loadProfile } from '../src/profile/load.js';

const MEMORY_BYTES = 512 * 1024 * 1024;

function native(b: GuestBuild): { console: string; status: number } {
  const r = spawnSync(buildNativeProgram(b), [], { encoding: 'latin1', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  if (r.status === null) throw new Error(`native ${b.name} was killed by ${r.signal}`);
  return { console: r.stdout, status: r.status };
}

function guest(b: GuestBuild, maxCycles = 2e9) {
  return runImage(buildGuestImage(b), { cores: 1, memoryBytes: MEMORY_BYTES, maxCycles });
}

function sameAsHost(b: GuestBuild): void {
  const want = native(b);
  const got = guest(b);
  expect(got.console, `console of ${b.name} (stop: ${got.stopReason}: ${got.stop.detail})`).toBe(want.console);
  expect(got.exitStatus).toBe(want.status);
}

describe('x87 state and its memory images: emulator vs host CPU', () => {
  it('FNINIT, FLDCW/FNSTCW, FNSTSW, FNCLEX, FNSTENV/FLDENV, FNSAVE/FRSTOR, FINCSTP/FDECSTP, FFREE, FXCH, waiting forms', () => {
    sameAsHost({ name: 'x87_state', sources: ['guest/fpu/x87_state.c'] });
  });

  it('an unmasked exception is reported as #MF at the next waiting instruction (CR0.NE = 1)', () => {
    const b = { name: 'x87_mf', sources: ['guest/fpu/x87_mf.c'] };
    sameAsHost(b);
    expect(native(b).console).toContain('exception 16 (#MF)');
  });
});

/** Up to `max` differing lines of two outputs. */
function differingLines(want: string, got: string, max: number): string[] {
  const w = want.split('\n'), g = got.split('\n');
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < Math.max(w.length, g.length); i++) {
    if (w[i] === g[i]) continue;
    count++;
    if (out.length < max) out.push(`line ${i + 1}:\n  want ${w[i] ?? '<missing>'}\n  got  ${g[i] ?? '<missing>'}`);
  }
  if (count > out.length) out.push(`... ${count - out.length} more differing lines`);
  return out;
}

const ORACLE: GuestBuild = { name: 'x87_oracle', sources: ['guest/fpu/x87_oracle.c'] };
const SUMMARY = /^(\S+) ([0-9a-f]{4}): n=(\d+) h=([0-9a-f]{16})$/;

describe('x87 oracle: every x87 instruction on edge operands, every rounding and precision control, vs the host CPU', () => {
  it('guest output equals the native output exactly', () => {
    const want = native(ORACLE);
    const got = guest(ORACLE, 1e12);
    if (got.console !== want.console) {
      const first = want.console.split('\n').find((l, i) => l !== got.console.split('\n')[i]);
      const mn = first ? SUMMARY.exec(first)?.[1] : undefined;
      let detail = '';
      if (mn) {
        // Verbose re-run of the first differing instruction on both sides: its first differing cases.
        const b = { ...ORACLE, name: 'x87_oracle-verbose', cflags: ['-DX87_VERBOSE', `-DX87_ONLY="${mn}"`] };
        const vw = native(b), vg = guest(b, 1e13);
        detail = `\n\nverbose re-run of '${mn}' (format: cw, a = ST0, b = ST1, memory operands -> ` +
          `FSW, FTW, ST0, ST1, memory results, flags):\n` + differingLines(vw.console, vg.console, 6).join('\n');
      }
      expect(got.console, `x87 oracle mismatch (stop: ${got.stopReason})\n` + differingLines(want.console, got.console, 10).join('\n') + detail)
        .toBe(want.console);
    }
    expect(got.exitStatus).toBe(want.status);
  });

  it('the reference has a case for every x87 instruction the machine implements', () => {
    const out = native(ORACLE).console.trim().split('\n');
    for (const line of out.slice(0, -1)) {
      const m = SUMMARY.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m![3]), line).toBeGreaterThan(0);
    }
    // Every implemented x87 mnemonic appears in the oracle or in the state test (AT&T size suffixes allowed).
    const src = ['guest/fpu/x87_oracle.c', 'guest/fpu/x87_state.c'].map((f) => readFileSync(join(repoRoot, f), 'utf8')).join('\n');
    const x87 = supportedMnemonics().filter((m) => /^f/.test(m) && !/^fxsave|^fxrstor/.test(m));
    expect(x87.length).toBeGreaterThan(80);
    for (const m of x87) expect(new RegExp(`[\\s"](${m})(s|l|t|ll)?[\\s"]`).test(src), m).toBe(true);
  });
});

/**
 * gcc's x87 code for ordinary C (long double, and double/float with -mfpmath=387) runs with
 * outputs identical to native. -mno-sse keeps the native build on the same x87 instructions
 * (the x86-64 ABI would pass double in XMM registers); the flags work with and without the
 * guests' -mgeneral-regs-only.
 */
const X87_CFLAGS = ['-m80387', '-mno-sse', '-mfpmath=387', '-fno-math-errno'];
describe('long double programs: emulator vs host CPU (guest/fpu/longdouble.c)', () => {
  for (const extra of [[], ['-O3'], ['-march=haswell'], ['-O3', '-march=haswell']]) {
    it(`series, Newton, a 4x4 matrix, conversions, compares, rounding modes (${(extra.includes('-O3') ? extra : ['-O2', ...extra]).join(' ')})`, () => {
      sameAsHost({ name: 'longdouble', sources: ['guest/fpu/longdouble.c'], cflags: [...X87_CFLAGS, ...extra] });
    });
  }
});

describe('integer programs built for the modelled CPU (-march=haswell: BMI1/BMI2, MOVBE, LZCNT/TZCNT, POPCNT)', () => {
  for (const name of ['arith', 'builtins', 'memory']) {
    it(`guest/tests/${name}.c`, () => {
      sameAsHost({ name: `${name}-haswell`, sources: [`guest/tests/${name}.c`], cflags: ['-march=haswell'] });
    });
  }
});

describe('x87 instructions the machine does not implement', () => {
  it('FSIN (a transcendental: microcode-specific results) stops the run naming the instruction', () => {
    const r = guest({ name: 'x87_fsin', sources: ['guest/fpu/x87_fsin.c'] });
    expect(r.console).toBe('before fsin\n');
    expect(r.stopReason).toBe('unsupported');
    expect(r.stop.detail).toBe('unsupported instruction: fsin');
  });
});

describe('CR0.EM / MP / TS (guest/fpu/x87_nm.c)', () => {
  // SDM Vol. 3A Table 2-2: EM or TS → #NM for every x87 instruction; WAIT → #NM only if MP and TS.
  const cases: [number, string][] = [
    [1, 'TS=1: fld1\nexception 7 (#NM)\n'],
    [2, 'EM=1: fld1\nexception 7 (#NM)\n'],
    [3, 'TS=1: fninit\nexception 7 (#NM)\n'],
    [4, 'EM=1: fnstsw ax\nexception 7 (#NM)\n'],
    [5, 'MP=1 TS=1: fwait\nexception 7 (#NM)\n'],
    [6, 'MP=0 TS=1: fwait\nno exception\n'],
    [7, 'EM=1 MP=1: fwait\nno exception\n'],
    [8, 'TS=1, then clts: fld1\nno exception\n'],
  ];
  it('CR0.NE = 0 (FERR# / IRQ 13 error reporting, not modelled) stops the run at the waiting instruction, saying so', () => {
    const r = guest({ name: 'x87_nm_9', sources: ['guest/fpu/x87_nm.c'], cflags: ['-DCASE=9'] }, 1e9);
    expect(r.console).toBe('NE=0: 1/0 with ZM clear, then fwait\n');
    expect(r.stopReason).toBe('unsupported');
    expect(r.stop.detail).toContain('CR0.NE = 0');
    expect(r.stop.disassembly).toBe('fwait');
  });
  for (const [n, text] of cases) {
    it(text.split('\n')[0]!, () => {
      const r = guest({ name: `x87_nm_${n}`, sources: ['guest/fpu/x87_nm.c'], cflags: [`-DCASE=${n}`] }, 1e9);
      expect(r.console).toBe(text);
      expect(r.exitStatus).toBe(text.includes('#NM') ? 71 : 0);
    });
  }
});

describe('X87State: FXSAVE area and XSAVE init tracking', () => {
  const hexBytes = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

  it('fxsaveLegacy writes the x87 bytes the host FXSAVE64 / FXSAVE write for the same FRSTOR image', () => {
    const out = native({ name: 'fxsave_native', sources: ['guest/fpu/fxsave_native.c'] }).console.trim().split('\n');
    expect(out.length).toBe(12);
    for (let k = 0; k < out.length; k += 3) {
      const image = hexBytes(out[k]!.replace('image:', ''));
      const f = new X87State();
      f.loadState(new DataView(image.buffer), 0);
      const pending = (f.statusWord() & 0x80) !== 0;
      for (const [line, rexW] of [[out[k + 1]!, true], [out[k + 2]!, false]] as const) {
        const host = hexBytes(line.slice(line.indexOf(':') + 1));
        const buf = new Uint8Array(160).fill(0xaa);
        f.fxsaveLegacy(buf, 0, rexW);
        // Not compared: MXCSR and MXCSR_MASK (24-31, the SIMD side's); in the REX.W=0 form FCS and FDS
        // (12-13, 20-21), which this AMD host stores and the modelled Haswell deprecates to 0 (SDM Vol. 1
        // §8.1.8, CPUID.(EAX=07H,ECX=0):EBX[13]); and with no exception pending FOP/FIP/FDP (6-23), which
        // AMD CPUs do not store then (AMD APM Vol. 5 FXSAVE), while Intel's FXSAVE always does.
        const skip = (i: number) => (i >= 24 && i < 32) || (!rexW && (i === 12 || i === 13 || i === 20 || i === 21)) || (!pending && i >= 6 && i < 24);
        for (let i = 0; i < 160; i++) {
          if (skip(i)) continue;
          expect(buf[i], `${line.slice(0, line.indexOf(':'))} byte ${i} of state ${k / 3}`).toBe(host[i]);
        }
        if (!pending) {
          // What Intel stores: the pointers as FRSTOR loaded them (FIP bytes 8.., FDP 16..).
          const dv = new DataView(buf.buffer);
          expect(dv.getUint32(8, true)).toBe(new DataView(image.buffer).getUint32(12, true));
          expect(dv.getUint32(16, true)).toBe(new DataView(image.buffer).getUint32(20, true));
        }
      }
      // And back: fxrstorLegacy of that area gives the same state.
      const area = new Uint8Array(512);
      f.fxsaveLegacy(area, 0);
      const g = new X87State();
      g.fxrstorLegacy(area, 0);
      const a = new DataView(new ArrayBuffer(108)), b = new DataView(new ArrayBuffer(108));
      f.storeState(a, 0); g.storeState(b, 0);
      expect(new Uint8Array(b.buffer)).toEqual(new Uint8Array(a.buffer));
    }
  });

  it('isInitState: true exactly in the FNINIT configuration with zero registers', () => {
    const f = new X87State();
    expect(f.isInitState()).toBe(true);
    f.push(0x3fff, 1n << 63n);
    expect(f.isInitState()).toBe(false);
    f.init();
    expect(f.isInitState()).toBe(false); // FNINIT keeps the register contents
    f.init(true); // XRSTOR's initialization also clears the data registers
    expect(f.isInitState()).toBe(true);
    f.setControlWord(0x027f);
    expect(f.isInitState()).toBe(false);
    f.setControlWord(FCW_INIT);
    f.fip = 0x401000;
    expect(f.isInitState()).toBe(false);
  });
});

describe('x87 costs come from the profile (guest/fpu/x87_cost.c)', () => {
  it('FNSTENV, FLDENV and the pair cost their classes plus 7 doubleword accesses each, per loop iteration', () => {
    const r = guest({ name: 'x87_cost', sources: ['guest/fpu/x87_cost.c'] });
    expect(r.exitStatus).toBe(0);
    const p = loadProfile();
    const c = p.instructionClasses;
    const ticks = p.clock.tscHz.value / p.clock.coreHz.value;
    const loop = c.alu.cycles + c.jcc.cycles + c.branchTaken.cycles; // dec; jnz (taken)
    const save = c.x87Stenv.cycles + 7 * p.memory.storeL1.cycles;
    const load = c.x87Ldenv.cycles + 7 * p.memory.loadL1.cycles;
    const want: Record<string, number> = { fnstenv: save + loop, fldenv: load + loop, 'fnstenv+fldenv': save + load + loop };
    for (const line of r.console.trim().split('\n')) {
      const m = /^(\S+): loop 1000 (\d+) 2000 (\d+) 3000 (\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [d1, d2, d3] = [Number(m![2]), Number(m![3]), Number(m![4])];
      // RDTSC returns whole ticks: allow 2 ticks of rounding over 1000 iterations.
      expect(Math.abs(d3 - d2 - (d2 - d1)), line).toBeLessThanOrEqual(2);
      expect(Math.abs(d2 - d1 - 1000 * want[m![1]!]! * ticks), line).toBeLessThanOrEqual(2);
    }
  });
});

describe('debugger: info fpu and the x87 names in expressions (guest/fpu/x87_debug.c)', () => {
  it('shows the stack in ST(i) order with tags and values, and the control and status words decoded', async () => {
    setColorLevel(0);
    const elf = buildGuestImage({ name: 'x87_debug', sources: ['guest/fpu/x87_debug.c'] });
    const s = new DebugSession(new Uint8Array(readFileSync(elf)), { cores: 1, memoryBytes: MEMORY_BYTES, profile: loadProfile() });
    const results: Result[] = [];
    const d = new Debugger(s, (r) => results.push(r));
    for (const cmd of ['break fpu_here', 'continue', 'info fpu', 'print st3', 'print st5', 'print fcw', 'print ftop', 'print $st4'])
      expect(await d.run(cmd), cmd).toBe(true);
    const info = results[2]!;
    // The stack the guest built (pushes: -2.5, 0, 1, pi, QNaN, then 1 and 0 and FDIVRP 1/0 → +inf with ZE).
    const regs = info.data.registers as { st: number; physical: number; tag: string; raw: string; value: string | null }[];
    expect(regs.map((r) => r.tag)).toEqual(['special', 'special', 'valid', 'valid', 'zero', 'valid', 'empty', 'empty']);
    expect(regs.map((r) => r.raw).slice(0, 6)).toEqual([
      '7fff:8000000000000000', '7fff:c000000000000123', '4000:c90fdaa22168c235', '3fff:8000000000000000', '0000:0000000000000000', 'c000:a000000000000000']);
    // FLDPI rounds pi up with RC = up: C90FDAA22168C234C4... → ...C235 (SDM Vol. 2 FLDPI); its decimal
    // value 3.14159265358979323851... to 20 digits.
    expect(regs.map((r) => r.value).slice(0, 6)).toEqual(['inf', 'qnan(0x123)', '3.1415926535897932385e+0', '1e+0', '0', '-2.5e+0']);
    // TOP: 8 pushes, one pop → 2 (physical R2 is ST(0)).
    expect(regs[0]!.physical).toBe(2);
    expect(info.data.top).toBe(2);
    expect(info.data.rounding).toBe('up');
    expect(info.data.precision).toBe('53-bit');
    // FSW: ZE (bit 2) from 1/0, TOP 2 (bits 13:11), C1 = 0 (nothing rounded).
    expect(info.text).toContain('FSW 0x1004: flags ZE; C3 C2 C1 C0 = 0 0 0 0; TOP 2; ES 0');
    expect(info.text).toContain('FCW 0x0a7f: masks IM DM ZM OM UM PM; precision 53-bit; rounding up');
    // Expressions: st3 = 1, st5 = -2.5 truncated to -2 (as a 64-bit value), fcw, ftop, $st4 = 0.
    expect(results.slice(3).map((r) => r.data.decimal)).toEqual(['1', '18446744073709551614', String(0x0a7f), '2', '0']);
  });
});
