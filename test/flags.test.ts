/**
 * Flags oracle (guest/tests/flags.c): every integer ALU instruction of the
 * guest's instruction set runs on edge operands with chosen input RFLAGS; the
 * result registers and the architecturally defined flags are hashed per
 * (instruction, size). The host CPU running the native build is the reference;
 * the emulator must print exactly the same lines.
 *
 * On a mismatch the failure message lists the differing (instruction, size)
 * lines, then re-runs the first differing mnemonic on both sides in verbose
 * mode (-DFLAGS_VERBOSE -DFLAGS_ONLY="<mnemonic>") and shows the first
 * differing cases: operands, input flags, results, flags and defined mask.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram, type GuestBuild } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

const FLAGS: GuestBuild = { name: 'flags', sources: ['guest/tests/flags.c'] };
/** 512 MiB, the peers' default, as in the other differential tests. */
const MEMORY_BYTES = 512 * 1024 * 1024;
/** The program runs about 3.5 M instructions; this only stops a runaway guest. */
const MAX_CYCLES = 1_000_000_000;
/** One summary line: `<mnemonic> <size>: n=<cases> h=<hash>`. */
const SUMMARY = /^(\S+) (\d+): n=(\d+) h=([0-9a-f]{16})$/;

function runNative(b: GuestBuild): string {
  const exe = buildNativeProgram(b);
  const r = spawnSync(exe, [], { encoding: 'latin1', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`native ${b.name} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

function runGuest(b: GuestBuild): ReturnType<typeof runImage> {
  return runImage(buildGuestImage(b), { cores: 1, memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES });
}

/** Up to `max` differing lines, as "line N: want ... / got ...". */
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

/** Verbose re-run of one mnemonic on both sides: the first differing cases. */
function verboseDiagnosis(mnemonic: string): string {
  try {
    const b: GuestBuild = {
      name: 'flags-verbose',
      sources: FLAGS.sources,
      cflags: ['-DFLAGS_VERBOSE', `-DFLAGS_ONLY="${mnemonic}"`],
    };
    const want = runNative(b);
    const got = runGuest(b);
    const cases = differingLines(want, got.console, 8);
    return (
      `verbose re-run of '${mnemonic}' (stop reason: ${got.stopReason}); ` +
      `format: mnemonic size.variant: inputs a b c, input flags -> r1 r2, defined flags f, mask def\n` +
      (cases.length ? cases.join('\n') : '(verbose outputs are identical)')
    );
  } catch (e) {
    return `verbose re-run of '${mnemonic}' failed: ${(e as Error).message}`;
  }
}

describe('flags oracle: emulator vs host CPU', () => {
  it('the native reference covers every instruction line', () => {
    const out = runNative(FLAGS);
    const lines = out.trimEnd().split('\n');
    const total = lines.pop()!;
    expect(total).toMatch(/^total: n=\d+ h=[0-9a-f]{16}$/);
    const seen = new Set<string>();
    let cases = 0;
    for (const line of lines) {
      const m = SUMMARY.exec(line);
      expect(m, `malformed line: ${line}`).not.toBeNull();
      expect(Number(m![3]), `no cases ran for: ${line}`).toBeGreaterThan(0);
      expect(seen.has(`${m![1]} ${m![2]}`), `duplicate line: ${line}`).toBe(false);
      seen.add(`${m![1]} ${m![2]}`);
      cases += Number(m![3]);
    }
    expect(total).toContain(`n=${cases} `);
    for (const mn of ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test', 'inc', 'dec', 'neg', 'not',
      'shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'mul', 'imul1', 'xadd', 'cmpxchg']) {
      for (const size of [8, 16, 32, 64]) expect(seen.has(`${mn} ${size}`), `${mn} ${size}`).toBe(true);
    }
    for (const mn of ['shld', 'shrd', 'imul2', 'imul3', 'bt', 'bts', 'btr', 'btc', 'bsf', 'bsr', 'cmovo', 'cmovg']) {
      for (const size of [16, 32, 64]) expect(seen.has(`${mn} ${size}`), `${mn} ${size}`).toBe(true);
    }
  });

  it('the verbose build prints the same summary lines', () => {
    const plain = runNative(FLAGS);
    const verbose = runNative({ ...FLAGS, name: 'flags-verbose', cflags: ['-DFLAGS_VERBOSE'] });
    const summary = verbose
      .split('\n')
      .filter((l) => SUMMARY.test(l) || l.startsWith('total: '))
      .join('\n');
    expect(summary + '\n').toBe(plain);
  });

  it('guest output equals the native output exactly', () => {
    const want = runNative(FLAGS);
    const got = runGuest(FLAGS);
    if (got.console !== want) {
      const diff = differingLines(want, got.console, 12);
      const first = want.split('\n').find((l, i) => l !== got.console.split('\n')[i]);
      const mn = first ? SUMMARY.exec(first)?.[1] : undefined;
      const message =
        `flags oracle mismatch (stop reason: ${got.stopReason}, exit status: ${got.exitStatus})\n` +
        diff.join('\n') +
        (mn ? `\n\n${verboseDiagnosis(mn)}` : '');
      expect(got.console, message).toBe(want);
    }
    expect(got.exitStatus, `exit status (stop reason: ${got.stopReason})`).toBe(0);
  });
});
