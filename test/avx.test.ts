/**
 * AVX oracle (guest/tests/avx.c): the VEX-only instructions of AVX, AVX2,
 * FMA and F16C, and the VEX forms of the SSE families in both vector
 * lengths, instruction runs on edge operands under several MXCSR settings
 * (every rounding mode, DAZ, FTZ); results, RFLAGS where defined and the
 * whole MXCSR are hashed per instruction form. The host CPU running the
 * native build is the reference; the emulator must print the same lines.
 *
 * On a mismatch the message lists the differing lines, then re-runs the
 * first one verbosely on both sides (-DAVX_VERBOSE -DAVX_ONLY="<name>") and
 * shows the first differing cases.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram, type GuestBuild } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { Mnemonic } from 'iced-x86';
import { avxSpecs } from '../src/cpu/handlers/avx.js';

const AVX: GuestBuild = { name: 'avx', sources: ['guest/tests/avx.c'] };
const MEMORY_BYTES = 512 * 1024 * 1024;
/** About 30 M instructions; this only stops a runaway guest. */
const MAX_CYCLES = 2_000_000_000;
const SUMMARY = /^(\S+): n=(\d+) h=([0-9a-f]{16})$/;

function runNative(b: GuestBuild): string {
  const r = spawnSync(buildNativeProgram(b), [], { encoding: 'latin1', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`native ${b.name} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

function runGuest(b: GuestBuild): ReturnType<typeof runImage> {
  return runImage(buildGuestImage(b), { cores: 1, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES });
}

function differingLines(want: string, got: string, max: number): string[] {
  const w = want.split('\n');
  const g = got.split('\n');
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

function verboseDiagnosis(name: string): string {
  try {
    const b: GuestBuild = { name: 'avx-verbose', sources: AVX.sources, cflags: ['-DAVX_VERBOSE', `-DAVX_ONLY="${name}"`] };
    const cases = differingLines(runNative(b), runGuest(b).console, 8);
    return `verbose re-run of '${name}' (mx = MXCSR in/out, a/b/c = operands high to low, r = result, m = mask):\n` +
      (cases.length ? cases.join('\n') : '(verbose outputs are identical)');
  } catch (e) {
    return `verbose re-run of '${name}' failed: ${(e as Error).message}`;
  }
}

describe('AVX oracle: emulator vs host CPU', () => {
  it('the native reference runs every line, and covers every VEX-only mnemonic', () => {
    const lines = runNative(AVX).trimEnd().split('\n');
    const total = lines.pop()!;
    expect(total).toMatch(/^total: n=\d+ h=[0-9a-f]{16}$/);
    const seen = new Set<string>();
    for (const line of lines) {
      const m = SUMMARY.exec(line);
      expect(m, `malformed line: ${line}`).not.toBeNull();
      expect(Number(m![2]), `no cases ran for: ${line}`).toBeGreaterThan(0);
      expect(seen.has(m![1]!), `duplicate line: ${line}`).toBe(false);
      seen.add(m![1]!);
    }
    // Every VEX-only mnemonic (handlers/avx.ts) has a line (name or name_<variant>).
    const covered = new Set([...seen].map((n) => n.replace(/_.*$/, '')));
    const vexOnly = avxSpecs.flatMap(([m]) => (Array.isArray(m) ? m : [m])).map((m) => Mnemonic[m]!.toLowerCase());
    expect(vexOnly.length).toBeGreaterThan(90);
    const missing = vexOnly.filter((m) => !covered.has(m));
    expect(missing, 'implemented vector mnemonics with no oracle line').toEqual([]);
  });

  it('guest output equals the native output exactly', () => {
    const want = runNative(AVX);
    const got = runGuest(AVX);
    if (got.console !== want) {
      const first = want.split('\n').find((l, i) => l !== got.console.split('\n')[i]);
      const name = first ? SUMMARY.exec(first)?.[1] : undefined;
      expect(got.console, `AVX oracle mismatch (stop reason: ${got.stopReason})\n${differingLines(want, got.console, 12).join('\n')}` +
        (name ? `\n\n${verboseDiagnosis(name)}` : '')).toBe(want);
    }
    expect(got.exitStatus, `exit status (stop reason: ${got.stopReason})`).toBe(0);
  });
});
