/**
 * The differential test programs themselves: each must build both ways, link
 * into an image the loader accepts (and build integer-only, unless it is an
 * SSE/AVX oracle), and, run natively, print and exit exactly as designed. This checks the reference side of the
 * differential tests independently of the emulator.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGuestImage, buildNativeProgram, repoRoot } from '../src/guest/build.js';
import { parseElf } from '../src/loader/elf.js';

const programs = readdirSync(join(repoRoot, 'guest', 'tests'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2))
  .sort();

/** Instruction oracles that test vector instructions themselves: no integer-only build. */
const VECTOR_ORACLES = new Set(['sse', 'avx']);

/**
 * Programs that end in a CPU exception: vector numbers and mnemonics from the
 * SDM, Vol. 3A, Table 6-1; rt.h maps vector V to exit status 64 + V.
 */
const exceptions: Record<string, { vector: number; name: string }> = {
  divzero: { vector: 0, name: '#DE' },
  int3: { vector: 3, name: '#BP' },
  ud2: { vector: 6, name: '#UD' },
};

function runNative(name: string) {
  const exe = buildNativeProgram({ name, sources: [`guest/tests/${name}.c`] });
  const r = spawnSync(exe, [], { encoding: 'latin1', maxBuffer: 1 << 26 });
  return { stdout: r.stdout, status: r.status, signal: r.signal };
}

describe('differential test programs, native reference runs', () => {
  it('include the programs the CPU tests rely on', () => {
    for (const p of ['arith', 'builtins', 'control', 'memory', 'sort', 'divzero', 'ud2', 'int3', 'smp_counter'])
      expect(programs).toContain(p);
  });

  for (const name of Object.keys(exceptions)) {
    const { vector, name: mnemonic } = exceptions[name]!;
    it(`${name} reports exception ${vector} (${mnemonic}) with status ${64 + vector}`, () => {
      const r = runNative(name);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(64 + vector);
      expect(r.stdout.endsWith(`exception ${vector} (${mnemonic})\n`)).toBe(true);
      expect(r.stdout).not.toContain('not reached');
    });
  }

  // Issue 9: a guest that defines main printed nothing and exited 0. Natively the C library calls main;
  // the emulator must match (test/differential.test.ts compares the two runs byte for byte).
  const entries: [string, string, number][] = [
    ['hello_main', 'hello from main: 1 + ... + 100 = 5050\n', 42], // 100 * 101 / 2
    ['main_precedence', 'main runs\n', 4],
    ['no_entry', 'rt: the program defines no main(), test_main() or test_main_smp(): nothing to run\n', 1],
  ];
  for (const [name, stdout, status] of entries) {
    it(`${name}: prints what its entry point says and exits with its status`, () => {
      const r = runNative(name);
      expect(r.stdout).toBe(stdout);
      expect(r.status).toBe(status);
    });
  }

  it('sort prints the standard check values of its hashes and the prime count', () => {
    const r = runNative('sort');
    expect(r.status).toBe(0);
    // CRC-32/ISO-HDLC and FNV-1a 32 of "123456789": the published check values
    expect(r.stdout).toContain('crc32("123456789") = cbf43926 fnv1a32 = bb86b11c\n');
    // pi(200000) = 17984, and 199999 is prime
    expect(r.stdout).toContain('primes <= 200000: 17984, largest 199999,');
    expect(r.stdout).toMatch(/quicksort: .* unsorted pairs 0\n/);
    expect(r.stdout).toMatch(/heapsort: .* unsorted pairs 0\n/);
    expect(r.stdout).toMatch(/insertion: .* unsorted pairs 0\n/);
  });

  it('smp_counter reports every total correct on one core', () => {
    const r = runNative('smp_counter');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(5);
    for (const l of lines) expect(l).toMatch(/: yes$/);
  });

  for (const name of ['arith', 'builtins', 'control', 'memory']) {
    it(`${name} runs to completion`, () => {
      const r = runNative(name);
      expect(r.status).toBe(0);
      expect(r.stdout.endsWith(`${name} done\n`)).toBe(true);
    });
  }
});

describe('differential test programs as guest images', () => {
  for (const name of programs) {
    it(`${name} links into an image the loader accepts; the integer-only build has no vector code`, () => {
      const elf = buildGuestImage({ name, sources: [`guest/tests/${name}.c`] });
      const image = parseElf(new Uint8Array(readFileSync(elf)), { ramBytes: 512 * 1024 * 1024 });
      expect(image.symbols.some((s) => s.name === 'test_main' || s.name === 'test_main_smp')).toBe(true);
      // integerOnly (-mgeneral-regs-only) plus rt's own libgcc routines: no
      // vector registers anywhere, for guests that must not touch FP state
      if (VECTOR_ORACLES.has(name)) return; // the SSE/AVX oracles are vector code by design
      const io = buildGuestImage({ name: `${name}-int`, sources: [`guest/tests/${name}.c`], integerOnly: true });
      const dis = spawnSync('objdump', ['-d', '--no-show-raw-insn', io], { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(dis.status).toBe(0);
      expect(dis.stdout).not.toMatch(/%[xyz]mm\d/);
    });
  }
});
