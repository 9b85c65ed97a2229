/**
 * The VMX capability MSRs offer what a Haswell-EP offers, so software that
 * probes them finds a Haswell (issue 10): EPT with accessed/dirty flags, VPID,
 * unrestricted guest, APIC-register virtualization, virtual-interrupt
 * delivery, posted interrupts, MTF, the VMX-preemption timer. Bit positions
 * are the SDM's (Vol. 3C Tables 24-5 to 24-12, Vol. 3D Appendix A); the
 * expected feature set is QEMU's "Haswell" model (target/i386/cpu.c) plus
 * the server parts' APIC virtualization.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/sim/machine.js';
import { loadProfile } from '../src/profile/load.js';
import type { Fault } from '../src/cpu/fault.js';

function msrOf(index: number): bigint {
  const m = new Machine({ cores: 1, memoryBytes: 320 * 2 ** 20, profile: loadProfile() });
  const c = m.cores[0]!;
  const lo = c.msr.read(index);
  return (BigInt(c.tHi >>> 0) << 32n) | BigInt(lo >>> 0);
}
const allowed1 = (v: bigint, bit: number) => ((v >> 32n) >> BigInt(bit)) & 1n;
const allowed0 = (v: bigint, bit: number) => (v >> BigInt(bit)) & 1n; // 1 = the control must be 1

describe('VMX capability MSRs (SDM Vol. 3D Appendix A)', () => {
  it('CPUID.1:ECX[5] reports VMX and IA32_FEATURE_CONTROL is locked with VMX allowed outside SMX', () => {
    expect(msrOf(0x3a) & 5n).toBe(5n);
  });

  it('IA32_VMX_BASIC: 1-KiB VMCS, WB, INS/OUTS information, TRUE controls, 64-bit addresses', () => {
    const b = msrOf(0x480);
    expect((b >> 32n) & 0x1fffn).toBe(0x400n);
    expect((b >> 48n) & 1n).toBe(0n);
    expect((b >> 50n) & 0xfn).toBe(6n);
    expect((b >> 54n) & 1n).toBe(1n);
    expect((b >> 55n) & 1n).toBe(1n);
    expect(b & 0x80000000n).toBe(0n);
  });

  it('pin-based: external-interrupt and NMI exiting, virtual NMIs, preemption timer, posted interrupts', () => {
    const p = msrOf(0x48d);
    for (const bit of [0, 3, 5, 6, 7]) expect(allowed1(p, bit), `pin bit ${bit}`).toBe(1n);
    for (const bit of [1, 2, 4]) expect(allowed0(p, bit), `pin default1 bit ${bit}`).toBe(1n);
  });

  it('primary processor-based: TPR shadow, MSR and I/O bitmaps, MTF, HLT/RDTSC/CR exiting, secondary controls; CR3 exiting can be 0', () => {
    const p = msrOf(0x48e);
    for (const bit of [2, 3, 7, 9, 10, 11, 12, 15, 16, 19, 20, 21, 22, 23, 24, 25, 27, 28, 29, 30, 31]) expect(allowed1(p, bit), `proc bit ${bit}`).toBe(1n);
    expect(allowed0(p, 15)).toBe(0n);
    expect(allowed0(p, 16)).toBe(0n);
    expect(allowed0(msrOf(0x482), 15)).toBe(1n); // the non-TRUE MSR keeps CR3 exiting in the default1 class
  });

  it('secondary: APIC accesses, EPT, VPID, unrestricted guest, x2APIC mode, APIC-register virtualization, virtual-interrupt delivery; no PML (Broadwell)', () => {
    const p = msrOf(0x48b);
    for (const bit of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]) expect(allowed1(p, bit), `proc2 bit ${bit}`).toBe(1n);
    expect(allowed1(p, 17)).toBe(0n);
    expect(p & 0xffffffffn).toBe(0n);
  });

  it('VM-exit and VM-entry controls: acknowledge interrupt on exit, save/load EFER and PAT, save preemption timer, IA-32e mode guest', () => {
    const x = msrOf(0x48f), e = msrOf(0x490);
    for (const bit of [9, 15, 18, 19, 20, 21, 22]) expect(allowed1(x, bit), `exit bit ${bit}`).toBe(1n);
    for (const bit of [9, 14, 15]) expect(allowed1(e, bit), `entry bit ${bit}`).toBe(1n);
  });

  it('IA32_VMX_MISC: preemption-timer rate, LMA store, HLT activity state, 4 CR3 targets, VMWRITE to exit fields', () => {
    const m = msrOf(0x485);
    expect(m & 0x1fn).toBe(5n);
    expect((m >> 5n) & 1n).toBe(1n);
    expect((m >> 6n) & 1n).toBe(1n);
    expect((m >> 16n) & 0x1ffn).toBe(4n);
    expect((m >> 29n) & 1n).toBe(1n);
  });

  it('EPT/VPID: execute-only, 4-level walks, WB, 2-MiB and 1-GiB pages, A/D flags, INVEPT and INVVPID types', () => {
    const c = msrOf(0x48c);
    for (const bit of [0, 6, 8, 14, 16, 17, 20, 21, 25, 26, 32, 40, 41, 42, 43]) expect((c >> BigInt(bit)) & 1n, `EPT/VPID bit ${bit}`).toBe(1n);
  });

  it('CR0/CR4 fixed bits: PE, NE, PG and VMXE fixed to 1; every fixed-1 bit is allowed', () => {
    expect(msrOf(0x486)).toBe(0x80000021n);
    expect(msrOf(0x488)).toBe(0x2000n);
    expect(msrOf(0x486) & ~msrOf(0x487)).toBe(0n);
    expect(msrOf(0x488) & ~msrOf(0x489)).toBe(0n);
  });

  it('IA32_VMX_VMCS_ENUM names the highest field index this machine supports (23: the preemption timer value, 482EH)', () => {
    expect(msrOf(0x48a)).toBe(0x2en);
  });

  it('the capability MSRs are read-only (#GP)', () => {
    const m = new Machine({ cores: 1, memoryBytes: 320 * 2 ** 20, profile: loadProfile() });
    const fault = (f: () => void) => { try { f(); return null; } catch (e) { return e as Fault; } };
    expect(fault(() => m.cores[0]!.msr.write(0x480, 0, 0))?.vector).toBe(13);
    const locked = fault(() => m.cores[0]!.msr.write(0x3a, 5, 0));
    expect(locked?.vector).toBe(13);
    expect(locked?.detail).toMatch(/locked/);
  });
});
