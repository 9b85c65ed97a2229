/**
 * SSE oracle (guest/tests/sse.c): every implemented SSE/SSE2/SSE3/SSSE3/
 * SSE4.1/SSE4.2 instruction runs on edge operands under several MXCSR settings
 * (every rounding mode, DAZ, FTZ); results, RFLAGS where defined and the
 * whole MXCSR are hashed per instruction form. The host CPU running the
 * native build is the reference; the emulator must print the same lines.
 *
 * On a mismatch the message lists the differing lines, then re-runs the
 * first one verbosely on both sides (-DSSE_VERBOSE -DSSE_ONLY="<name>") and
 * shows the first differing cases.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram, type GuestBuild } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import { Mnemonic } from 'iced-x86';
import { sseMoveSpecs, sseStringAliases } from '../src/cpu/handlers/sseMove.js';
import { sseIntSpecs } from '../src/cpu/handlers/sseInt.js';
import { sseFloatSpecs, sseFloatStringAliases } from '../src/cpu/handlers/sseFloat.js';
import { sse42Specs } from '../src/cpu/handlers/sse42.js';
import { aesSpecs } from '../src/cpu/handlers/aes.js';

const SSE: GuestBuild = { name: 'sse', sources: ['guest/tests/sse.c'] };
const MEMORY_BYTES = 512 * 1024 * 1024;
/** About 37 M instructions; this only stops a runaway guest. */
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
    const b: GuestBuild = { name: 'sse-verbose', sources: SSE.sources, cflags: ['-DSSE_VERBOSE', `-DSSE_ONLY="${name}"`] };
    const cases = differingLines(runNative(b), runGuest(b).console, 8);
    return `verbose re-run of '${name}' (mx = MXCSR in/out, a/b = operands hi:lo, g = GPR, f = RFLAGS):\n` +
      (cases.length ? cases.join('\n') : '(verbose outputs are identical)');
  } catch (e) {
    return `verbose re-run of '${name}' failed: ${(e as Error).message}`;
  }
}

describe('SSE oracle: emulator vs host CPU', () => {
  it('the native reference runs every line, and covers the implemented legacy SSE mnemonics', () => {
    const lines = runNative(SSE).trimEnd().split('\n');
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
    // Every legacy-encoded vector mnemonic in the SSE handler tables has a
    // line (name, or name_<variant>); the exceptions are tested elsewhere.
    // LDMXCSR/STMXCSR run in every case (and their #GP in test/fpstate.test.ts).
    const elsewhere = new Set(['ldmxcsr', 'stmxcsr']);
    const covered = new Set([...seen].flatMap((n) => [n.replace(/_.*$/, ''), n.replace(/_.*$/, '').replace(/(32|64)$/, '')]));
    const legacy = [...sseMoveSpecs, ...sseIntSpecs, ...sseFloatSpecs, ...sse42Specs, ...aesSpecs, ...sseStringAliases, ...sseFloatStringAliases]
      .flatMap(([m]) => (Array.isArray(m) ? m : [m]))
      .map((m) => Mnemonic[m]!.toLowerCase())
      .filter((m) => !m.startsWith('v'));
    expect(legacy.length).toBeGreaterThan(150);
    const missing = legacy.filter((m) => !covered.has(m) && !elsewhere.has(m));
    expect(missing, 'implemented vector mnemonics with no oracle line').toEqual([]);
  });

  it('guest output equals the native output exactly', () => {
    const want = runNative(SSE);
    const got = runGuest(SSE);
    if (got.console !== want) {
      const first = want.split('\n').find((l, i) => l !== got.console.split('\n')[i]);
      const name = first ? SUMMARY.exec(first)?.[1] : undefined;
      expect(got.console, `SSE oracle mismatch (stop reason: ${got.stopReason})\n${differingLines(want, got.console, 12).join('\n')}` +
        (name ? `\n\n${verboseDiagnosis(name)}` : '')).toBe(want);
    }
    expect(got.exitStatus, `exit status (stop reason: ${got.stopReason})`).toBe(0);
  });
});
