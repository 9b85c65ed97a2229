/**
 * FP/SIMD availability and SIMD floating-point exceptions in ring 0
 * (guest/system/fpstate.c), where the guest controls CR0, CR4 and XCR0.
 *
 * Expected text: the vectors from the SDM (Vol. 3A §13.1–13.3, Vol. 2 §2.8
 * exception classes, each instruction's exception list); the MXCSR and
 * destination after an unmasked exception are what the host CPU shows in a
 * SIGFPE handler for the same instruction and operands (the destination
 * unchanged, only the exception taken flagged: OE and UE without PE, a
 * pre-computation exception without the post-computation ones).
 *
 * Bochs 2.7 (`../shared/peers/run-bochs.sh`, corei7_skylake_x) printed
 * exactly these lines. QEMU 7.2 TCG (`run-qemu.sh`, -cpu max) agrees on every
 * #UD/#NM/#GP availability, alignment, XSETBV/XGETBV and XRSTOR case except
 * three, where it departs from the SDM: no #XM for unmasked SIMD exceptions
 * (it writes the masked result), no #GP for LDMXCSR/FXRSTOR with reserved
 * MXCSR bits, and #UD for a VEX instruction with CR0.EM = 1 (the SDM's VEX
 * exception classes do not consult CR0.EM).
 */
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

const MEMORY_BYTES = 512 * 1024 * 1024;
const MAX_CYCLES = 200_000_000;
const image = (cflags: string[] = []) => buildGuestImage({ name: 'fpstate', sources: ['guest/system/fpstate.c'], cflags });

describe('FP/SIMD state control and SIMD exceptions (guest/system/fpstate.c)', () => {
  it('raises #UD, #NM, #GP and #XM as the SDM says, leaving the destination unchanged', () => {
    const r = runImage(image(), { memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES });
    expect(`${r.stopReason} ${r.exitStatus}`, r.stop.detail).toBe('exit 0');
    expect(r.console).toBe(
      [
        'addps: no exception',
        'addps, CR0.TS=1: vector 7, rip = the instruction',
        'fxsave, CR0.TS=1: vector 7, rip = the instruction',
        'addps, CR0.EM=1: vector 6, rip = the instruction',
        'fxsave, CR0.EM=1: vector 7, rip = the instruction', // FXSAVE: #NM if CR0.TS or CR0.EM
        'addps, CR4.OSFXSR=0: vector 6, rip = the instruction',
        'ldmxcsr, CR4.OSFXSR=0: vector 6, rip = the instruction',
        'ldmxcsr with bit 16 set: vector 13, error code 0x0, rip = the instruction',
        'ldmxcsr 0x1f80: no exception',
        'fxsave to a misaligned area: vector 13, error code 0x0, rip = the instruction',
        'fxsave: no exception',
        'fxrstor with a reserved MXCSR bit: vector 13, error code 0x0, rip = the instruction',
        'movaps from a misaligned m128: vector 13, error code 0x0, rip = the instruction',
        'divss 1/0, ZM=0: vector 19, rip = the instruction',
        '  mxcsr 1d84 xmm0 3f800000',
        'addss 1+2^-30, PM=0: vector 19, rip = the instruction',
        '  mxcsr 0fa0 xmm0 3f800000',
        'mulss tiny*tiny, UM=0: vector 19, rip = the instruction',
        '  mxcsr 1790 xmm0 1a000001',
        'mulss 2^127*2^127, OM=0: vector 19, rip = the instruction',
        '  mxcsr 1b88 xmm0 7f000000',
        'addss SNaN+denormal, IM=0: vector 19, rip = the instruction',
        '  mxcsr 1f01 xmm0 7f800005',
        'addss 1+denormal, DM=0 PM=0: vector 19, rip = the instruction',
        '  mxcsr 0e82 xmm0 3f800000',
        'mulss tiny*tiny, masked, PM=0: vector 19, rip = the instruction',
        '  mxcsr 0fb0 xmm0 1a000001',
        'divss 1/0, ZM=0, CR4.OSXMMEXCPT=0: vector 6, rip = the instruction',
        '  mxcsr 1d84 xmm0 3f800000',
        'vaddps: no exception',
        'vaddps, CR0.EM=1: no exception',
        'vaddps, CR0.TS=1: vector 7, rip = the instruction',
        'vaddps, XCR0=3: vector 6, rip = the instruction',
        'vaddps, CR4.OSXSAVE=0: vector 6, rip = the instruction',
        'xgetbv, CR4.OSXSAVE=0: vector 6, rip = the instruction',
        // XSETBV/XGETBV (SDM Vol. 2D): #GP(0) for AVX without SSE, x87 clear, unsupported bits, an XCR other than XCR0.
        'xsetbv XCR0=5 (AVX without SSE): vector 13, error code 0x0, rip = the instruction',
        'xsetbv XCR0=6 (no x87): vector 13, error code 0x0, rip = the instruction',
        'xsetbv XCR0=0xf (bit 3 unsupported): vector 13, error code 0x0, rip = the instruction',
        'xsetbv XCR1: vector 13, error code 0x0, rip = the instruction',
        'xsetbv XCR0=7: no exception',
        'xgetbv XCR0: no exception',
        'xgetbv XCR2: vector 13, error code 0x0, rip = the instruction',
        // XSAVE/XRSTOR (SDM Vol. 1 §13.7–13.8): a 64-byte aligned area; XSTATE_BV within XCR0; header bytes 8–23 zero.
        'xsave to a 16-byte aligned area: vector 13, error code 0x0, rip = the instruction',
        'xrstor with XSTATE_BV bit 3: vector 13, error code 0x0, rip = the instruction',
        'xrstor with header bytes 16-23 set: vector 13, error code 0x0, rip = the instruction',
        'fpstate done',
        '',
      ].join('\n'),
    );
  });

  it('SSE with CR0.TS = 1 and no IDT: the triple-fault report names #NM and its cause', () => {
    const r = runImage(image(['-DNO_HANDLER']), { memoryBytes: MEMORY_BYTES, maxCycles: MAX_CYCLES });
    expect(r.stopReason).toBe('triple-fault');
    expect(r.stop.disassembly).toContain('addps');
    expect(r.stop.detail).toContain('#NM device not available (SSE instruction with CR0.TS = 1)');
    expect(r.console).toBe('');
  });
});
