/**
 * System instructions (SDM Vol. 2 and Vol. 3A): interrupt flag, HLT, PAUSE,
 * time stamp counter, MSRs, CPUID, port I/O, fences, software interrupts,
 * control registers, descriptor tables, IRETQ. Privileged ones raise #GP(0)
 * outside ring 0 (SDM Vol. 3A §5.9).
 */
import { Code, Mnemonic, Register } from 'iced-x86';
import { type Core, RunState, CR0_PG, CR0_PE, CR0_TS, ACC_READ } from '../core.js';
import type { Op } from '../op.js';
import { K } from '../op.js';
import { Fault, Unsupported, Vector } from '../fault.js';
import { IF, TF } from '../flags.js';
import { TWO32, MASK, sel, type SpecEntry } from './spec.js';
import { RAX, RCX, RDX, RBX, SEG_CS, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS } from '../registers.js';
import { IA32_TSC_AUX } from '../msr.js';
import { ExitReason } from '../../vmx/reasons.js';
import { CAPS, fixedBitsOk } from '../../vmx/capabilities.js';
import {
  unconditionalExit, hltInGuest, rdtscInGuest, pauseInGuest, invlpgInGuest, wbinvdInGuest, descriptorTableInGuest,
  msrInGuest, ioInGuest, movCrInGuest, cltsInGuest,
} from '../../vmx/nonroot.js';
import { CR4_OSXSAVE, CR4_PCIDE, NOT_RETIRED } from '../coreMemory.js';
import { XCR0_SUPPORTED, XSAVE_AVX, XSAVE_AVX_SIZE, xsaveSize } from './xsave.js';

function requireRing0(c: Core, what: string): void {
  if (c.cpl !== 0) throw new Fault(Vector.GP, 0, `${what} at CPL ${c.cpl}`);
}

/** I/O-sensitive instructions need CPL ≤ IOPL (the TSS I/O bitmap is not modelled). */
function requireIopl(c: Core, what: string): void {
  const iopl = (c.rflagsRest >> 12) & 3;
  if (c.cpl > iopl) throw new Fault(Vector.GP, 0, `${what} at CPL ${c.cpl} > IOPL ${iopl}`);
}

function cli(c: Core, _op: Op): void {
  requireIopl(c, 'CLI');
  c.rflagsRest &= ~IF;
}

/** STI: interrupts stay blocked until the instruction after STI completes (SDM STI). */
function sti(c: Core, _op: Op): void {
  requireIopl(c, 'STI');
  if ((c.rflagsRest & IF) === 0) { c.interruptShadow = true; c.shadowByMovSs = false; }
  c.rflagsRest |= IF;
}

/** HLT with IF = 0 stops the core for good (nothing can wake it here: no NMI/INIT source); with IF = 1 it waits for an interrupt. */
function hlt(c: Core, _op: Op): void {
  requireRing0(c, 'HLT');
  if (c.nonRoot) { hltInGuest(c); haltGuest(c); return; }
  const ie = c.interruptsEnabled;
  c.state = ie ? RunState.Halted : RunState.Stopped;
  // An interrupt already pending (e.g. `sti; hlt`) wakes the core at once; RIP is past the HLT.
  if (ie && (c.intrPending || c.nmiPending)) c.state = RunState.Running;
  const ev = c.host.events;
  if (ev.wants.halt) ev.emit('halt', { core: c.id, tick: c.time, rip: c.rip, interruptsEnabled: ie });
}

/**
 * HLT in VMX non-root operation without "HLT exiting": the guest enters the
 * HLT activity state. Events that VMX handles regardless of RFLAGS.IF (an
 * external interrupt with "external-interrupt exiting", the preemption
 * timer, a virtual interrupt) end it, so the core only sleeps.
 */
function haltGuest(c: Core): void {
  c.state = RunState.Halted;
  c.vmx!.guestHalted = true;
  if (c.nmiPending || c.vmxPending || (c.intrPending && (c.interruptsEnabled || c.vmx!.externalInterruptExiting))) c.state = RunState.Running;
  const ev = c.host.events;
  if (ev.wants.halt) ev.emit('halt', { core: c.id, tick: c.time, rip: c.rip, interruptsEnabled: c.interruptsEnabled });
}

/** PAUSE: a spin-loop hint; spin detection (src/sim/spin.ts) may put the core to sleep here. */
function pause(c: Core, op: Op): void {
  if (c.nonRoot) pauseInGuest(c);
  // Asleep here, the PAUSE has not run: it runs again when the core wakes (the loop's next iteration).
  if (c.spin !== null && c.spin.onPause(c, op)) throw NOT_RETIRED;
  c.time += c.costs.cls.pause;
}

function tscToEdxEax(c: Core, t: number): void {
  const h = Math.floor(t / TWO32);
  c.setReg(RAX, 0, 4, (t - h * TWO32) | 0, 0);
  c.setReg(RDX, 0, 4, h | 0, 0);
}

/**
 * RDTSC reads the reference clock at the instruction's start (CR4.TSD is not
 * modelled), plus the TSC offset in VMX non-root operation (SDM Vol. 3C §25.3).
 */
function rdtsc(c: Core, _op: Op): void {
  if (c.nonRoot) rdtscInGuest(c, false);
  tscToEdxEax(c, Math.floor(c.time) + c.tscOffset);
}

function rdtscp(c: Core, _op: Op): void {
  if (c.nonRoot) rdtscInGuest(c, true);
  tscToEdxEax(c, Math.floor(c.time) + c.tscOffset);
  const aux = c.msr.read(IA32_TSC_AUX);
  c.setReg(RCX, 0, 4, aux, 0);
}

/**
 * RDMSR/WRMSR time: an access to a local APIC register in x2APIC mode
 * (MSRs 800H-8FFH) has its own cost (`apic.x2apicMsrAccess`): WRMSR to those
 * is not serializing (SDM Vol. 3A §10.12.3 "MSR Access in x2APIC Mode"),
 * unlike every other WRMSR (`msr`). Charged when the instruction starts, so
 * one that faults costs the same.
 */
function msrTime(c: Core, index: number): void {
  c.time += index >= 0x800 && index <= 0x8ff ? c.costs.apic.x2apicMsrAccess : c.costs.cls.msr;
}

function rdmsr(c: Core, _op: Op): void {
  const index = c.lo[RCX]! >>> 0;
  // In VMX non-root operation a VM exit (which leaves the instruction unexecuted and uncharged) comes after the CPL check.
  const virt = c.nonRoot && c.cpl === 0 ? msrInGuest(c, index, false, 0, 0) : null;
  msrTime(c, index);
  requireRing0(c, 'RDMSR');
  let lo: number, hi: number;
  if (Array.isArray(virt)) { lo = virt[0]; hi = virt[1]; }
  else { lo = c.msr.read(index); hi = c.tHi; }
  c.setReg(RAX, 0, 4, lo, 0);
  c.setReg(RDX, 0, 4, hi, 0);
}

function wrmsr(c: Core, _op: Op): void {
  const index = c.lo[RCX]! >>> 0;
  // As RDMSR: the CPL check, then the VM exit; a virtualized x2APIC write is done by msrInGuest.
  const virt = c.nonRoot && c.cpl === 0 ? msrInGuest(c, index, true, c.lo[RAX]!, c.lo[RDX]!) : null;
  msrTime(c, index);
  requireRing0(c, 'WRMSR');
  if (virt !== true) c.msr.write(index, c.lo[RAX]!, c.lo[RDX]!);
  c.requestBlockExit(); // EFER and friends change how the next instruction runs
}

const BRAND = 'shinjuku-emu Haswell-EP (E5-2658 v3 model)'.padEnd(47, ' ') + '\0';

function brandWords(leaf: number): number[] {
  const out: number[] = [];
  const base = (leaf - 0x80000002) * 16;
  for (let w = 0; w < 4; w++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v |= BRAND.charCodeAt(base + w * 4 + b) << (8 * b);
    out.push(v);
  }
  return out;
}

/**
 * CPUID: a Haswell-EP identity (family 6, model 3Fh) that advertises only the
 * features this machine implements, so a guest that probes never picks an
 * instruction the emulator lacks.
 */
export function cpuidLeaf(core: number, ncores: number, leaf: number, sub: number): [number, number, number, number] {
  switch (leaf >>> 0) {
    case 0: return [0xd, 0x756e6547, 0x6c65746e, 0x49656e69]; // "GenuineIntel" in EBX, EDX, ECX order
    case 7: {
      // EBX: BMI1(3), AVX2(5), BMI2(8); FCS/FDS deprecated (13: the x87 stores them as 0, a Haswell de-feature bit).
      const ebx = (1 << 3) /* BMI1: TZCNT */ | (1 << 5) /* AVX2 */ | (1 << 8) /* BMI2 */ | (1 << 13) /* ZERO_FCS_FDS */;
      // EDX: IBRS/IBPB (26) and STIBP (27), the speculation-control MSRs of the early-2018 microcode (msr.ts).
      const edx = (1 << 26) | (1 << 27);
      return sub === 0 ? [0, ebx, 0, edx] : [0, 0, 0, 0];
    }
    case 1: {
      const eax = 0x000306f2; // stepping 2, model F, family 6, extended model 3
      const ebx = ((core & 0xff) << 24) | ((Math.min(ncores, 255) & 0xff) << 16) | (8 << 8); // initial APIC ID, logical count, CLFLUSH 8×8 bytes
      const ecx = (1 << 5) /* VMX (src/vmx) */ | (1 << 13) /* CMPXCHG16B */ | (1 << 17) /* PCID: CR4.PCIDE, tagged TLB (tlb.ts) */ | (1 << 22) /* MOVBE */ | (1 << 23) /* POPCNT */ | (1 << 21) /* x2APIC */ | (1 << 24) /* TSC-deadline timer */ |
        // SIMD (issue 13): OSXSAVE (27) is added by the CPUID instruction from CR4
        ECX_SIMD;
      // EDX: FPU(0) TSC(4) MSR(5) PAE(6) CX8(8) APIC(9) MTRR(12) PGE(13) CMOV(15) PAT(16) CLFSH(19), SIMD
      const edx = (1 << 0) /* FPU: x87 (src/cpu/fpu) */ | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 19) |
        EDX_SIMD;
      return [eax, ebx, ecx, edx];
    }
    case 0xd: return xsaveLeaf(sub);
    case 0x80000000: return [0x80000008, 0, 0, 0];
    case 0x80000001: return [0, 0, 1 /* LAHF/SAHF in 64-bit mode */ | (1 << 5) /* LZCNT */, (1 << 11) /* SYSCALL */ | (1 << 20) /* NX */ | (1 << 27) /* RDTSCP */ | (1 << 29) /* LM */];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const w = brandWords(leaf >>> 0);
      return [w[0]!, w[1]!, w[2]!, w[3]!];
    }
    case 0x80000007: return [0, 0, 0, 1 << 8]; // invariant TSC
    case 0x80000008: return [0x3028, 0, 0, 0]; // 40-bit physical, 48-bit linear addresses
    default: return [0, 0, 0, 0];
  }
}


/** Leaf 1 SIMD feature bits (SDM Vol. 2A CPUID, Table 3-10/3-11): SSE3 PCLMULQDQ SSSE3 FMA SSE4.1 SSE4.2 AES XSAVE AVX F16C; FXSR SSE SSE2. */
const ECX_SIMD = (1 << 0) | (1 << 1) | (1 << 9) | (1 << 12) | (1 << 19) | (1 << 20) | (1 << 25) | (1 << 26) | (1 << 28) | (1 << 29);
const EDX_SIMD = (1 << 24) | (1 << 25) | (1 << 26);

/**
 * Leaf 0DH (SDM Vol. 1 §13.2): sub-leaf 0 supported XCR0 bits (x87, SSE,
 * AVX) and the area sizes — EBX for the components XCR0 enables now is
 * filled in by the CPUID instruction; sub-leaf 1: XSAVEOPT and XSAVEC (no
 * XGETBV with ECX = 1, no XSAVES); sub-leaf 2: the AVX component, 256 bytes
 * at offset 576.
 */
function xsaveLeaf(sub: number): [number, number, number, number] {
  switch (sub) {
    case 0: return [XCR0_SUPPORTED, xsaveSize(XCR0_SUPPORTED), xsaveSize(XCR0_SUPPORTED), 0];
    case 1: return [(1 << 0) | (1 << 1), 0, 0, 0];
    case 2: return [XSAVE_AVX_SIZE, XSAVE_AVX, 0, 0];
    default: return [0, 0, 0, 0];
  }
}

function cpuid(c: Core, _op: Op): void {
  if (c.nonRoot) unconditionalExit(ExitReason.Cpuid);
  const r = cpuidLeaf(c.id, c.host.coreCount, c.lo[RAX]!, c.lo[RCX]!);
  // The parts that follow the core's own state: CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE; 0DH.0:EBX sizes the area for XCR0.
  const leaf = c.lo[RAX]! >>> 0;
  if (leaf === 1 && (c.cr4 & CR4_OSXSAVE) !== 0) r[2] |= 1 << 27;
  if (leaf === 0xd && c.lo[RCX] === 0) r[1] = xsaveSize(c.xcr0);
  c.setReg(RAX, 0, 4, r[0], 0);
  c.setReg(RBX, 0, 4, r[1], 0);
  c.setReg(RCX, 0, 4, r[2], 0);
  c.setReg(RDX, 0, 4, r[3], 0);
}

/** IN or OUT (`op.sel`). */
const enum PortDir { In, Out }

/** IN/OUT: the port is an immediate or DX. */
function portIo(c: Core, op: Op): void {
  requireIopl(c, op.sel === PortDir.In ? 'IN' : 'OUT');
  if (c.spinTrack) c.spin!.onDirty(c);
  const sz = op.size;
  if (op.sel === PortDir.In) {
    const port = op.k1 === K.Imm ? op.immLo & 0xff : c.lo[RDX]! & 0xffff;
    if (c.nonRoot) ioInGuest(c, op, port, sz, true, op.k1 === K.Imm);
    const v = c.host.ioIn(c.id, port, sz);
    c.setReg(RAX, 0, sz, sz === 4 ? v | 0 : v & MASK[sz]!, 0);
  } else {
    const port = op.k0 === K.Imm ? op.immLo & 0xff : c.lo[RDX]! & 0xffff;
    if (c.nonRoot) ioInGuest(c, op, port, sz, false, op.k0 === K.Imm);
    const v = sz === 4 ? c.lo[RAX]! : c.lo[RAX]! & MASK[sz]!;
    c.host.ioOut(c.id, port, sz, v);
  }
}

/** Fences: this machine executes each core's accesses in program order, so they only cost time. */
function fence(_c: Core, _op: Op): void {}

/**
 * CLFLUSH m8 (SDM Vol. 2A "CLFLUSH—Flush Cache Line"): the line leaves every
 * cache of the coherence domain. Permission checks and faults are a byte
 * load's (it sets Accessed, not Dirty); the memory type does not matter.
 */
function clflush(c: Core, op: Op): void {
  if (c.spinTrack) c.spin!.onDirty(c);
  const pa = c.translate(c.ea(op), ACC_READ);
  if (pa < c.mem.ramBytes) c.memsys.flush(c.id, pa);
}

/** CLFLUSHOPT is not a Haswell instruction: CPUID.(EAX=07H,ECX=0):EBX[23] = 0, so it raises #UD (SDM Vol. 2A CLFLUSHOPT). */
function clflushopt(_c: Core, _op: Op): void { throw new Fault(Vector.UD, null, 'CLFLUSHOPT (not on this CPU: CPUID.07H:EBX.CLFLUSHOPT = 0)'); }

/** INT3 and INT n are traps: RIP already points past them when the gate is entered (SDM INT n/INT3). */
function int3(_c: Core, _op: Op): void { throw new Fault(Vector.BP, null, 'INT3', true); }
function intN(_c: Core, op: Op): void { throw new Fault(op.immLo & 0xff, null, `INT ${op.immLo & 0xff}`, true); }
/**
 * INT1 (ICEBP, F1): a #DB trap. Unlike INT3 and INT n it is not a software
 * interrupt: delivery skips the gate DPL check and sets EXT in any error
 * code, as for a hardware exception, and it sets no DR6 bit (SDM Vol. 2A
 * INT n/INTO/INT3/INT1).
 */
function int1(_c: Core, _op: Op): void { throw new Fault(Vector.DB, null, 'INT1 (ICEBP)', true, false); }
function ud2(_c: Core, _op: Op): void { throw new Fault(Vector.UD, null, 'UD2'); }

/**
 * CR4 bits a Haswell core implements (SDM Vol. 3A §2.5): VME..OSXMMEXCPT
 * (0–10), VMXE (13), SMXE (14), FSGSBASE (16), PCIDE (17), OSXSAVE (18),
 * SMEP (20). Bit 11 (UMIP), 12 (LA57), 15, 19, 21+ are reserved → #GP.
 */
const CR4_VALID = 0x7ff | (1 << 13) | (1 << 14) | (1 << 16) | (1 << 17) | (1 << 18) | (1 << 20);

/**
 * MOV to/from CR0/CR2/CR3/CR4/CR8 (SDM "MOV—Move to/from Control
 * Registers"): `op.sel` is the control register's number; it is the
 * destination when operand 0 is the special register (op.ts: r0 = -1).
 */
export function movCr(c: Core, op: Op): void {
  requireRing0(c, 'MOV CR');
  const toCr = op.r0 < 0;
  const n = op.sel;
  // VMX non-root operation: CR-access exits, read shadows, the TPR shadow (SDM Vol. 3C §25.1.3, §25.3).
  let guestValue: number | null = null;
  if (c.nonRoot) {
    guestValue = movCrInGuest(c, n, toCr, toCr ? op.r1 : op.r0, toCr ? (c.hi[op.r1]! >>> 0) * TWO32 + (c.lo[op.r1]! >>> 0) : 0);
    if (toCr && guestValue === -1) { c.requestBlockExit(); return; } // MOV to CR8 went to the TPR shadow
  }
  if (!toCr) {
    let v: number;
    if (guestValue !== null) { c.setReg(op.r0, 0, 8, guestValue | 0, 0); return; }
    switch (n) {
      case 0: v = c.cr0; break;
      case 2: v = c.cr2; break;
      case 3: v = c.cr3; break;
      case 4: v = c.cr4; break;
      case 8: v = c.intr ? c.intr.tpr >> 4 : c.cr8; break;
      default: throw new Fault(Vector.UD, null, `MOV from CR${n}`);
    }
    const h = Math.floor(v / TWO32);
    c.setReg(op.r0, 0, 8, (v - h * TWO32) | 0, h | 0);
    return;
  }
  let lo = c.lo[op.r1]!;
  const hi = c.hi[op.r1]!;
  if (guestValue !== null && (n === 0 || n === 4)) lo = guestValue | 0; // host-owned bits keep their values
  const v = (hi >>> 0) * TWO32 + (lo >>> 0);
  // In VMX operation, CR0 and CR4 bits fixed by IA32_VMX_CR0/CR4_FIXED0/1 cannot change (SDM Vol. 3C §23.8).
  if (c.vmx !== null && c.vmx.inVmx && hi === 0) {
    if (n === 0 && !fixedBitsOk(lo >>> 0, CAPS.cr0Fixed0, CAPS.cr0Fixed1)) throw new Fault(Vector.GP, 0, 'MOV CR0 changing a bit fixed in VMX operation');
    if (n === 4 && !fixedBitsOk(lo >>> 0, CAPS.cr4Fixed0, CAPS.cr4Fixed1)) throw new Fault(Vector.GP, 0, 'MOV CR4 changing a bit fixed in VMX operation (CR4.VMXE)');
  }
  switch (n) {
    case 0:
      if (hi !== 0) throw new Fault(Vector.GP, 0, 'MOV CR0 with reserved high bits');
      // NW without CD is an invalid combination (SDM MOV CR, "#GP(0) if ... CR0.NW = 1 and CR0.CD = 0").
      if ((lo & (1 << 29)) !== 0 && (lo & (1 << 30)) === 0) throw new Fault(Vector.GP, 0, 'MOV CR0 with NW = 1 and CD = 0');
      // Long mode requires paging and protection to stay on (SDM §9.8.5).
      if ((lo & CR0_PG) === 0 || (lo & CR0_PE) === 0) throw new Fault(Vector.GP, 0, 'clearing CR0.PG or CR0.PE in 64-bit mode');
      c.cr0 = lo >>> 0;
      c.flushTlb();
      break;
    case 2: c.cr2 = v; break;
    case 3: {
      // With CR4.PCIDE, bit 63 of the source is the no-flush bit: it is not stored (CR3[63] stays 0)
      // and keeps the new PCID's translations (SDM Vol. 3A §4.10.4.1, MOV to CR3). Bits at or above
      // MAXPHYADDR (40) are reserved, and so is bit 63 without PCIDE.
      const noFlush = (c.cr4 & CR4_PCIDE) !== 0 && hi < 0;
      const h = noFlush ? hi & 0x7fffffff : hi;
      if ((h & 0xffffff00) !== 0) throw new Fault(Vector.GP, 0, 'MOV CR3 with bits set above MAXPHYADDR');
      c.cr3 = (h >>> 0) * TWO32 + (lo >>> 0);
      c.switchAddressSpace(noFlush);
      break;
    }
    case 4:
      if (hi !== 0 || (lo & ~CR4_VALID) !== 0) throw new Fault(Vector.GP, 0, 'MOV CR4 with reserved bits');
      if ((lo & (1 << 5)) === 0) throw new Fault(Vector.GP, 0, 'clearing CR4.PAE in 64-bit mode');
      // Setting PCIDE needs CR3[11:0] = 000H (SDM Vol. 2B MOV to CR4, #GP(0) conditions).
      if ((lo & CR4_PCIDE) !== 0 && (c.cr4 & CR4_PCIDE) === 0 && c.cr3 % 4096 !== 0) throw new Fault(Vector.GP, 0, 'setting CR4.PCIDE with CR3[11:0] not 000H');
      c.cr4 = lo >>> 0;
      c.flushTlb();
      c.tlb.setPcid((c.cr4 & CR4_PCIDE) !== 0 ? c.cr3 % 4096 : 0);
      break;
    case 8:
      // CR8 is the APIC TPR's priority class (SDM §10.8.6.1).
      if (hi !== 0 || (lo & ~0xf) !== 0) throw new Fault(Vector.GP, 0, 'MOV CR8 with reserved bits set');
      c.cr8 = lo & 0xf;
      c.intr?.writeReg(0x80, (lo & 0xf) << 4, false);
      break;
    default: throw new Fault(Vector.UD, null, `MOV to CR${n}`);
  }
  c.requestBlockExit();
}

/** The descriptor-table instruction (`op.sel`), numbered as its VM exit's instruction identity (SDM Vol. 3C Table 27-10). */
const enum DescriptorTableOp { Sgdt = 0, Sidt = 1, Lgdt = 2, Lidt = 3 }

/** LGDT/LIDT m16&64 and SGDT/SIDT (SDM). */
function descriptorTable(c: Core, op: Op): void {
  const which = op.sel as DescriptorTableOp;
  if (c.nonRoot) descriptorTableInGuest(c, op, false, which);
  const a = c.ea(op);
  if (which === DescriptorTableOp.Lgdt || which === DescriptorTableOp.Lidt) {
    requireRing0(c, which === DescriptorTableOp.Lgdt ? 'LGDT' : 'LIDT');
    const limit = c.read(a, 2);
    const lo = c.read(a + 2, 4);
    const hi = c.read(a + 6, 4);
    const base = hi * TWO32 + (lo >>> 0);
    if (which === DescriptorTableOp.Lgdt) { c.gdtrBase = base; c.gdtrLimit = limit; }
    else { c.idtrBase = base; c.idtrLimit = limit; }
  } else {
    const base = which === DescriptorTableOp.Sgdt ? c.gdtrBase : c.idtrBase;
    const limit = which === DescriptorTableOp.Sgdt ? c.gdtrLimit : c.idtrLimit;
    const h = Math.floor(base / TWO32);
    c.write(a, 2, limit, 0);
    c.write(a + 2, 4, (base - h * TWO32) | 0, 0);
    c.write(a + 6, 4, h | 0, 0);
  }
}

/** LTR: load TR from a 16-byte 64-bit TSS descriptor in the GDT and mark it busy (SDM LTR). */
function ltr(c: Core, op: Op): void {
  requireRing0(c, 'LTR');
  if (c.nonRoot) descriptorTableInGuest(c, op, true, 3);
  const sel = c.readOperand(op, op.k0, op.r0, op.h0, 2) & 0xffff;
  if ((sel & 4) !== 0 || (sel & ~7) === 0) throw new Fault(Vector.GP, sel & ~3, 'LTR with a null or LDT selector');
  const d = c.gdtrBase + (sel & ~7);
  if ((sel & ~7) + 15 > c.gdtrLimit) throw new Fault(Vector.GP, sel & ~3, 'LTR selector beyond the GDT limit');
  const w0 = c.read(d, 4), w1 = c.read(d + 4, 4), w2 = c.read(d + 8, 4);
  const type = (w1 >>> 8) & 0xf;
  if (type !== 9) throw new Fault(Vector.GP, sel & ~3, 'LTR of a descriptor that is not an available 64-bit TSS');
  if (((w1 >>> 15) & 1) === 0) throw new Fault(Vector.NP, sel & ~3, 'LTR of a not-present TSS');
  c.trBase = (w2 >>> 0) * TWO32 + ((((w1 >>> 24) & 0xff) << 24) | ((w1 & 0xff) << 16) | (w0 >>> 16)) >>> 0;
  c.trLimit = ((w1 & 0xf0000) | (w0 & 0xffff)) >>> 0;
  c.trSel = sel;
  c.write(d + 4, 4, w1 | (1 << 9), 0); // busy
}

/** DPL of the code/data descriptor a selector names (GDT only; LDTs are not modelled). */
function descriptorDpl(c: Core, sel: number): number {
  const off = sel & ~7;
  if ((sel & 4) !== 0 || off + 7 > c.gdtrLimit) return 0;
  const w1 = c.read(c.gdtrBase + off + 4, 4);
  const conformingCode = (w1 & (1 << 12)) !== 0 && (w1 & (1 << 11)) !== 0 && (w1 & (1 << 10)) !== 0;
  return conformingCode ? 3 : (w1 >>> 13) & 3;
}

/** IRETQ in 64-bit mode always pops RIP, CS, RFLAGS, RSP, SS (SDM IRET, IA-32e mode). */
function iretq(c: Core, _op: Op): void {
  const rip = c.pop(8), ripHi = c.tHi;
  const cs = c.pop(8) & 0xffff;
  const flags = c.pop(8);
  const rsp = c.pop(8), rspHi = c.tHi;
  const ss = c.pop(8) & 0xffff;
  const newCpl = cs & 3;
  if (newCpl < c.cpl) throw new Fault(Vector.GP, cs & ~3, 'IRET to a more privileged level');
  if (ripHi < -32768 || ripHi > 32767) throw new Fault(Vector.GP, 0, 'IRET to a non-canonical RIP');
  // Writable RFLAGS bits as for POPF at the old CPL; IF/IOPL need privilege.
  const old = c.getRflags();
  const iopl = (old >> 12) & 3;
  let writable = 0x244dd5 | TF | (1 << 14) | (1 << 18);
  if (c.cpl <= iopl) writable |= IF;
  if (c.cpl === 0) writable |= 3 << 12;
  c.setRflags((old & ~writable) | (flags & writable));
  c.segSel[SEG_CS] = cs;
  c.segSel[SEG_SS] = ss;
  if (newCpl > c.cpl) {
    // Returning to an outer level: data-segment registers whose descriptor DPL is below the new
    // CPL are loaded with null (SDM IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL).
    for (const seg of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) {
      const sel = c.segSel[seg]!;
      if ((sel & ~3) === 0) continue;
      if (descriptorDpl(c, sel) < newCpl) c.segSel[seg] = 0;
    }
  }
  c.setCpl(newCpl);
  c.nmiBlocked = false; // IRET ends NMI blocking (SDM §6.7.1)
  c.rip = ripHi * TWO32 + (rip >>> 0);
  c.lo[4] = rsp; c.hi[4] = rspHi;
  c.requestBlockExit();
}

function invlpg(c: Core, op: Op): void {
  requireRing0(c, 'INVLPG');
  if (c.nonRoot) invlpgInGuest(c, c.ea(op));
  c.flushTlbPage(c.ea(op));
  c.requestBlockExit();
}

/** SWAPGS: exchange GS.base with IA32_KERNEL_GS_BASE (SDM SWAPGS). */
function swapgs(c: Core, _op: Op): void {
  requireRing0(c, 'SWAPGS');
  const k = c.msr.read(0xc0000102), kHi = c.tHi;
  const g = c.segBase[5]!;
  const gh = Math.floor(g / TWO32);
  c.msr.write(0xc0000102, (g - gh * TWO32) | 0, gh | 0);
  c.segBase[5] = kHi * TWO32 + (k >>> 0);
}

/** WBINVD exits with "WBINVD exiting"; INVD always exits in VMX non-root operation (SDM Vol. 3C §25.1.2). */
function wbinvd(c: Core, op: Op): void {
  requireRing0(c, 'WBINVD');
  if (c.nonRoot) wbinvdInGuest(c);
  void op;
}

function invd(c: Core, _op: Op): void {
  requireRing0(c, 'INVD');
  if (c.nonRoot) unconditionalExit(ExitReason.Invd);
}

/**
 * CLTS (SDM Vol. 2 CLTS): clear CR0.TS, ring 0 only. In VMX non-root
 * operation the CR0 guest/host mask and read shadow decide (SDM Vol. 3C
 * §25.1.3, §25.3): a VM exit, no change, or the normal clear.
 */
function clts(c: Core, _op: Op): void {
  requireRing0(c, 'CLTS');
  if (c.nonRoot && !cltsInGuest(c)) return;
  c.cr0 = (c.cr0 & ~CR0_TS) >>> 0;
}

/**
 * MOV to/from a segment register: selectors only (64-bit mode ignores
 * data-segment bases except FS/GS, whose bases come from MSRs). `op.sel` is
 * the segment register's index; it is the destination when operand 0 is the
 * special register (op.ts: r0 = -1).
 */
export function movSeg(c: Core, op: Op): void {
  const seg = op.sel;
  if (op.k0 === K.Reg && op.r0 < 0) {
    const sel = c.readOperand(op, op.k1, op.r1, op.h1, 2) & 0xffff;
    c.segSel[seg] = sel;
    if (seg === SEG_SS) { c.interruptShadow = true; c.shadowByMovSs = true; } // MOV SS blocks interrupts for one instruction
  } else {
    c.writeDst(op, op.k0 === K.Mem ? 2 : op.size, c.segSel[seg]!, 0, false);
  }
}

/**
 * SYSCALL (SDM "SYSCALL—Fast System Call", 64-bit mode): RCX ← next RIP,
 * R11 ← RFLAGS, RFLAGS &= ~IA32_FMASK, CS/SS from IA32_STAR[47:32], CPL 0,
 * RIP ← IA32_LSTAR. No stack switch: the kernel does that itself.
 */
function syscall(c: Core, _op: Op): void {
  if ((c.efer & 1) === 0) throw new Fault(Vector.UD, null, 'SYSCALL with IA32_EFER.SCE = 0');
  const star = c.msr.read(0xc0000081), starHi = c.tHi;
  const lstar = c.msr.read(0xc0000082), lstarHi = c.tHi;
  const fmask = c.msr.read(0xc0000084);
  const rip = c.rip;
  const h = Math.floor(rip / TWO32);
  c.setReg(RCX, 0, 8, (rip - h * TWO32) | 0, h | 0);
  const flags = c.getRflags() & ~(1 << 16);
  c.setReg(11, 0, 8, flags, 0);
  c.setRflags(flags & ~fmask & ~(1 << 16));
  const kcs = (starHi & 0xffff) & 0xfffc;
  c.segSel[SEG_CS] = kcs;
  c.segSel[SEG_SS] = kcs + 8;
  c.setCpl(0);
  c.rip = lstarHi * TWO32 + (lstar >>> 0);
  void star;
}

/**
 * SYSRET with REX.W (return to 64-bit ring 3) (SDM "SYSRET"): RIP ← RCX,
 * RFLAGS ← (R11 & 3C7FD7H) | 2, CS ← IA32_STAR[63:48] + 16 | 3,
 * SS ← IA32_STAR[63:48] + 8 | 3. A non-canonical RCX raises #GP in ring 0.
 */
function sysret(c: Core, op: Op): void {
  if ((c.efer & 1) === 0) throw new Fault(Vector.UD, null, 'SYSRET with IA32_EFER.SCE = 0');
  if (c.cpl !== 0) throw new Fault(Vector.GP, 0, `SYSRET at CPL ${c.cpl}`);
  if (op.code !== Code.Sysretq) throw new Unsupported('SYSRET to 32-bit compatibility mode (no REX.W) is not supported');
  const lo = c.lo[RCX]!, hi = c.hi[RCX]!;
  if (hi < -32768 || hi > 32767) throw new Fault(Vector.GP, 0, 'SYSRET to a non-canonical RCX');
  c.msr.read(0xc0000081);
  const ubase = (c.tHi >>> 16) & 0xffff;
  c.setRflags((c.lo[11]! & 0x3c7fd7) | 2);
  c.segSel[SEG_CS] = ((ubase + 16) | 3) & 0xffff;
  c.segSel[SEG_SS] = ((ubase + 8) | 3) & 0xffff;
  c.setCpl(3);
  c.rip = hi * TWO32 + (lo >>> 0);
}


export const systemSpecs: SpecEntry[] = [
  [Mnemonic.Cli, { exec: cli, cls: 'interruptFlag', ends: true }],
  [Mnemonic.Sti, { exec: sti, cls: 'interruptFlag', ends: true }],
  [Mnemonic.Hlt, { exec: hlt, cls: 'hlt', ends: true }],
  [Mnemonic.Pause, { exec: pause, cls: 'pause', selfTimed: true, ends: true }],
  [Mnemonic.Rdtsc, { exec: rdtsc, cls: 'rdtsc' }],
  [Mnemonic.Rdtscp, { exec: rdtscp, cls: 'rdtscp' }],
  [Mnemonic.Rdmsr, { exec: rdmsr, cls: 'msr', selfTimed: true }], // msrTime: APIC MSRs cost apic.x2apicMsrAccess
  [Mnemonic.Wrmsr, { exec: wrmsr, cls: 'msr', selfTimed: true, ends: true }],
  [Mnemonic.Cpuid, { exec: cpuid, cls: 'cpuid' }],
  [Mnemonic.In, { exec: portIo, cls: 'portIo', setup: (op, ins) => { op.sel = PortDir.In; op.size = sizeOfAcc(ins.op0Register); } }],
  [Mnemonic.Out, { exec: portIo, cls: 'portIo', ends: true, setup: (op, ins) => { op.sel = PortDir.Out; op.size = sizeOfAcc(ins.op1Register); } }],
  [[Mnemonic.Lfence, Mnemonic.Sfence], { exec: fence, cls: 'fence' }],
  [Mnemonic.Mfence, { exec: fence, cls: 'mfence' }],
  // INT3 / INT n are IDT vectoring and nothing else: their whole cost is the delivery's
  // exceptionDelivery (Core.deliverEvent), so the op itself is charged nothing (one owner).
  [Mnemonic.Int3, { exec: int3, cls: 'exceptionDelivery', selfTimed: true, ends: true }],
  [Mnemonic.Int, { exec: intN, cls: 'exceptionDelivery', selfTimed: true, ends: true }],
  [Mnemonic.Int1, { exec: int1, cls: 'exceptionDelivery', selfTimed: true, ends: true }],
  [Mnemonic.Ud2, { exec: ud2, cls: 'nop', ends: true }],
  [Mnemonic.Lgdt, { exec: descriptorTable, cls: 'controlRegister', setup: sel(DescriptorTableOp.Lgdt), ends: true }],
  [Mnemonic.Lidt, { exec: descriptorTable, cls: 'controlRegister', setup: sel(DescriptorTableOp.Lidt), ends: true }],
  [Mnemonic.Sgdt, { exec: descriptorTable, cls: 'controlRegister', setup: sel(DescriptorTableOp.Sgdt) }],
  [Mnemonic.Sidt, { exec: descriptorTable, cls: 'controlRegister', setup: sel(DescriptorTableOp.Sidt) }],
  [Mnemonic.Ltr, { exec: ltr, cls: 'controlRegister', ends: true }],
  [Mnemonic.Iretq, { exec: iretq, cls: 'iret', ends: true }],
  [Mnemonic.Syscall, { exec: syscall, cls: 'syscall', ends: true }],
  [[Mnemonic.Sysret, Mnemonic.Sysretq], { exec: sysret, cls: 'sysret', ends: true }],
  [Mnemonic.Invlpg, { exec: invlpg, cls: 'controlRegister', ends: true }],
  [Mnemonic.Swapgs, { exec: swapgs, cls: 'controlRegister' }],
  [Mnemonic.Clts, { exec: clts, cls: 'controlRegister' }],
  [Mnemonic.Wbinvd, { exec: wbinvd, cls: 'controlRegister' }],
  [Mnemonic.Invd, { exec: invd, cls: 'controlRegister' }],
  [Mnemonic.Clflush, { exec: clflush, cls: 'clflush' }],
  [Mnemonic.Clflushopt, { exec: clflushopt, cls: 'nop', ends: true }],
];

function sizeOfAcc(r: Register): number {
  return r === Register.AL ? 1 : r === Register.AX ? 2 : 4;
}
