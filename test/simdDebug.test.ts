/**
 * The debugger's view of SSE/AVX state (src/debug/simdView.ts, machineState.ts):
 * `info sse` and vector registers by name in expressions. The guest
 * (guest/debug/sse_regs.c) loads known values, so every expected value here
 * is the one the guest wrote.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { loadProfile } from '../src/profile/load.js';
import { DebugSession } from '../src/debug/session.js';
import { Debugger } from '../src/debug/debugger.js';

interface Res { command: string; ok: boolean; text: string; data: Record<string, unknown>; error?: string }

describe('debugger: SSE/AVX state', () => {
  it('info sse and $xmm/$ymm/$mxcsr show what the guest loaded', async () => {
    const elf = buildGuestImage({ name: 'sse_regs', sources: ['guest/debug/sse_regs.c'] });
    const s = new DebugSession(new Uint8Array(readFileSync(elf)), { cores: 1, memoryBytes: 512 * 2 ** 20, profile: loadProfile() });
    const results: Res[] = [];
    const d = new Debugger(s, (r) => results.push(r as Res));
    for (const line of ['break sse_here', 'continue', 'info sse', 'info sse ymm f64', 'print $xmm1.d1', 'print $ymm2.q3', 'print $mxcsr', 'print $xcr0']) await d.run(line);
    for (const r of results) expect(r.ok, `${r.command}: ${r.error}`).toBe(true);
    const sse = results[2]!;
    expect(sse.data.xmm1).toBe('7fc00000c040000040000000' + '3f800000');
    expect(sse.data.mxcsr).toBe(0x9fc0);
    expect(sse.data.xcr0).toBe(7); // x87 | SSE | AVX, set by the runtime's start-up
    expect(sse.text).toContain('DAZ');
    expect(sse.text).toContain('FTZ');
    const ymm = results[3]!;
    expect(ymm.data.ymm2).toBe('1122334455667788' + '0000000000000003' + '0000000000000002' + '0000000000000001');
    expect(results[4]!.text).toContain('0x40000000');
    expect(results[5]!.text).toContain('0x1122334455667788');
    expect(results[6]!.text).toContain('0x9fc0');
    expect(results[7]!.text).toContain('0x7');
  });
});
