/**
 * CPUID advertises exactly the SIMD features the machine implements (SDM
 * Vol. 2A "CPUID", Table 3-10/3-11 feature bits, leaf 07H EBX, leaf 0DH),
 * and the two fields that follow the core's state: CPUID.1:ECX.OSXSAVE[27]
 * mirrors CR4.OSXSAVE and CPUID.(0DH,0):EBX sizes the XSAVE area for the
 * current XCR0 (SDM Vol. 1 §13.2). The guest runtime enables OSXSAVE and
 * XCR0 = 7 at start-up, so a guest sees both.
 */
import { describe, expect, it } from 'vitest';
import { cpuidLeaf } from '../src/cpu/handlers/system.js';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

const bit = (v: number, b: number) => (v >>> b) & 1;

describe('CPUID: SIMD features', () => {
  it('leaf 1, 7 and 0DH name what is implemented', () => {
    const [, , ecx, edx] = cpuidLeaf(0, 1, 1, 0);
    // ECX: SSE3 0, PCLMULQDQ 1, SSSE3 9, FMA 12, SSE4.1 19, SSE4.2 20, AES 25, XSAVE 26, OSXSAVE 27 (dynamic), AVX 28, F16C 29, RDRAND 30 (no)
    expect([0, 1, 9, 12, 19, 20, 25, 26, 27, 28, 29, 30].map((b) => bit(ecx, b))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0]);
    // EDX: MMX 23 (no: MMX is not implemented), FXSR 24, SSE 25, SSE2 26
    expect([23, 24, 25, 26].map((b) => bit(edx, b))).toEqual([0, 1, 1, 1]);
    const [, ebx7] = cpuidLeaf(0, 1, 7, 0);
    expect(bit(ebx7, 5)).toBe(1); // AVX2
    expect(cpuidLeaf(0, 1, 0xd, 0)).toEqual([7, 832, 832, 0]); // x87|SSE|AVX; 512 + 64 + 256 bytes
    expect(cpuidLeaf(0, 1, 0xd, 1)[0]).toBe(0b11); // XSAVEOPT, XSAVEC; no XGETBV ECX=1, no XSAVES
    expect(cpuidLeaf(0, 1, 0xd, 2)).toEqual([256, 576, 0, 0]); // AVX: 256 bytes at 576
  });

  it('a guest sees OSXSAVE and the XSAVE size for its XCR0', () => {
    const elf = buildGuestImage({ name: 'cpuid_simd', sources: ['guest/system/cpuid_simd.c'] });
    const r = runImage(elf, { memoryBytes: 512 * 1024 * 1024, maxCycles: 100_000_000 });
    expect(`${r.stopReason} ${r.exitStatus}`, r.stop.detail).toBe('exit 0');
    expect(r.console).toBe(
      'osxsave 1 xcr0 7 size 832\n' +
      'after xcr0=3: size 576\n' +
      'after cr4.osxsave=0: osxsave 0\n',
    );
  });
});
