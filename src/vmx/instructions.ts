/**
 * The VMX instructions (SDM Vol. 3C chapter "VMX Instruction Reference",
 * ch. 30 in 2016-era editions): each handler follows the instruction's
 * Operation pseudo-code in order — #UD outside VMX operation, a VM exit in
 * VMX non-root operation, #GP(0) above CPL 0, then the VMfail checks — and
 * reports with VMsucceed / VMfailInvalid / VMfailValid(error).
 *
 * The machine runs only 64-bit code, so the pseudo-code's "CR0.PE = 0,
 * RFLAGS.VM = 1, or IA32_EFER.LMA = 1 and CS.L = 0" #UD cases cannot arise.
 */
import { Mnemonic } from 'iced-x86';
import type { Core } from '../cpu/core.js';
import type { Op } from '../cpu/op.js';
import { K } from '../cpu/op.js';
import { Fault, Vector } from '../cpu/fault.js';
import { MAXPHYADDR } from '../cpu/paging.js';
import type { SpecEntry } from '../cpu/handlers/spec.js';
import { CR4_VMXE } from '../cpu/coreMemory.js';
import { VmxCpu, INVALID_POINTER } from './vmxCpu.js';
import { CAPS, VMCS_REVISION, VMWRITE_ANY_FIELD, FEATURE_CONTROL_LOCK, FEATURE_CONTROL_VMX_OUTSIDE_SMX, fixedBitsOk, eptCap, EPT_CAP, INVVPID_TYPES } from './capabilities.js';
import { decodeFieldOperand, FIELDS } from './fields.js';
import { ExitReason, VmxError } from './reasons.js';
import { VmExit } from './vmexit.js';
import { instructionInfo } from './nonroot.js';
import { vmEntry } from './entry.js';
import { eptPointerValid } from './ept.js';
import { invalidateEpt, invalidateVpid } from './tlbContext.js';

const TWO32 = 4294967296;
/** Bits 63:MAXPHYADDR of a physical address, in the high word. */
const HI_BEYOND_WIDTH = ~((1 << (MAXPHYADDR - 32)) - 1);

/**
 * The checks every VMX instruction but VMXON starts with: #UD outside VMX
 * operation, a VM exit in non-root operation, #GP(0) at CPL > 0.
 */
function enter(c: Core, op: Op, name: string, reason: ExitReason): VmxCpu {
  const v = c.vmx;
  if (v === null || !v.inVmx) throw new Fault(Vector.UD, null, `${name} outside VMX operation`);
  if (c.nonRoot) {
    const e = new VmExit(reason, displacementQualification(c, op));
    switch (reason) {
      case ExitReason.Vmread: e.instrInfo = instructionInfo(op, 0, true); break;
      case ExitReason.Vmwrite: case ExitReason.Invept: case ExitReason.Invvpid: e.instrInfo = instructionInfo(op, 1, true); break;
      case ExitReason.Vmclear: case ExitReason.Vmptrld: case ExitReason.Vmptrst: e.instrInfo = instructionInfo(op, 0, false); break;
    }
    throw e;
  }
  if (c.cpl > 0) throw new Fault(Vector.GP, 0, `${name} at CPL ${c.cpl}`);
  return v;
}

/** Exit qualification of VMX instructions with a memory operand: its displacement (SDM §27.2.1, "VMCLEAR, VMPTRLD, ... INVVPID"). */
function displacementQualification(_c: Core, op: Op): number {
  if (op.k0 !== K.Mem && op.k1 !== K.Mem) return 0;
  return op.mDispHi * TWO32 + (op.mDispLo >>> 0);
}

/** The 64-bit memory operand as a physical address (VMXON, VMCLEAR, VMPTRLD): [lo, hi]. */
function readPointer(c: Core, op: Op): [number, number] {
  const a = c.ea(op);
  const lo = c.read(a, 8);
  return [lo, c.tHi];
}

/** 4-KiB aligned and within the physical-address width (SDM: "addr is not 4KB-aligned or sets any bits beyond the physical-address width"). */
function pointerValid(lo: number, hi: number): boolean {
  return (lo & 0xfff) === 0 && (hi & HI_BEYOND_WIDTH) === 0;
}

const pointerOf = (lo: number, hi: number) => (hi >>> 0) * TWO32 + (lo >>> 0);

/** The 32-bit revision word of a region, through the physical address space (all ones where nothing backs it). */
function revisionAt(c: Core, pa: number): number {
  const mem = c.mem;
  if (pa + 4 <= mem.ramBytes) return mem.dv.getUint32(pa, true);
  return mem.readOther(c.id, pa, 4, c.hiOut) >>> 0;
}

// ---------------------------------------------------------------- VMXON

/** VMXON—Enter VMX Operation. */
function vmxon(c: Core, op: Op): void {
  const v = c.vmx;
  if (v === null || (c.cr4 & CR4_VMXE) === 0) throw new Fault(Vector.UD, null, 'VMXON with CR4.VMXE = 0');
  if (!v.inVmx) {
    if (c.cpl > 0) throw new Fault(Vector.GP, 0, `VMXON at CPL ${c.cpl}`);
    if (!fixedBitsOk(c.cr0, CAPS.cr0Fixed0, CAPS.cr0Fixed1)) throw new Fault(Vector.GP, 0, 'VMXON with CR0 bits not allowed in VMX operation (IA32_VMX_CR0_FIXED0/1)');
    if (!fixedBitsOk(c.cr4, CAPS.cr4Fixed0, CAPS.cr4Fixed1)) throw new Fault(Vector.GP, 0, 'VMXON with CR4 bits not allowed in VMX operation (IA32_VMX_CR4_FIXED0/1)');
    const fc = v.msrs.featureControl;
    if ((fc & FEATURE_CONTROL_LOCK) === 0) throw new Fault(Vector.GP, 0, 'VMXON with IA32_FEATURE_CONTROL unlocked');
    if ((fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX) === 0) throw new Fault(Vector.GP, 0, 'VMXON with VMX outside SMX disabled in IA32_FEATURE_CONTROL');
    const [lo, hi] = readPointer(c, op);
    if (!pointerValid(lo, hi)) { v.failInvalid(); return; }
    const addr = pointerOf(lo, hi);
    const rev = revisionAt(c, addr);
    if ((rev & 0x7fffffff) !== VMCS_REVISION || (rev >>> 31) !== 0) { v.failInvalid(); return; }
    v.current = null;
    v.vmxonPointer = addr;
    v.inVmx = true;
    v.succeed();
    return;
  }
  if (c.nonRoot) { const e = new VmExit(ExitReason.Vmxon, displacementQualification(c, op)); e.instrInfo = instructionInfo(op, 0, false); throw e; }
  if (c.cpl > 0) throw new Fault(Vector.GP, 0, `VMXON at CPL ${c.cpl}`);
  v.fail(VmxError.VmxonInRoot);
}

/** VMXOFF—Leave VMX Operation. */
function vmxoff(c: Core, op: Op): void {
  const v = enter(c, op, 'VMXOFF', ExitReason.Vmxoff);
  v.inVmx = false;
  v.vmxonPointer = INVALID_POINTER;
  v.succeed();
}

// ------------------------------------------------------ VMCS pointers

/** VMCLEAR—Clear Virtual-Machine Control Structure. */
function vmclear(c: Core, op: Op): void {
  const v = enter(c, op, 'VMCLEAR', ExitReason.Vmclear);
  const [lo, hi] = readPointer(c, op);
  if (!pointerValid(lo, hi)) { v.fail(VmxError.VmclearInvalidAddress); return; }
  const addr = pointerOf(lo, hi);
  if (addr === v.vmxonPointer) { v.fail(VmxError.VmclearVmxonPointer); return; }
  v.clear(addr);
  v.succeed();
}

/** VMPTRLD—Load Pointer to Virtual-Machine Control Structure. */
function vmptrld(c: Core, op: Op): void {
  const v = enter(c, op, 'VMPTRLD', ExitReason.Vmptrld);
  const [lo, hi] = readPointer(c, op);
  if (!pointerValid(lo, hi)) { v.fail(VmxError.VmptrldInvalidAddress); return; }
  const addr = pointerOf(lo, hi);
  if (addr === v.vmxonPointer) { v.fail(VmxError.VmptrldVmxonPointer); return; }
  const active = v.active.get(addr);
  // Bit 31 set (a shadow VMCS) is allowed: this processor supports VMCS shadowing (secondary bit 14).
  const rev = active !== undefined ? VMCS_REVISION | (active.shadow ? 0x80000000 : 0) : revisionAt(c, addr);
  if ((rev & 0x7fffffff) !== VMCS_REVISION) { v.fail(VmxError.VmptrldBadRevision); return; }
  v.makeCurrent(addr);
  v.succeed();
}

/** VMPTRST—Store Pointer to Virtual-Machine Control Structure. */
function vmptrst(c: Core, op: Op): void {
  const v = enter(c, op, 'VMPTRST', ExitReason.Vmptrst);
  const p = v.currentPointer;
  const a = c.ea(op);
  if (p === INVALID_POINTER) c.write(a, 8, -1, -1);
  else c.write(a, 8, (p % TWO32) | 0, Math.floor(p / TWO32) | 0);
  v.succeed();
}

// ------------------------------------------------------ VMREAD/VMWRITE

/** VMREAD—Read Field from Virtual-Machine Control Structure (r/m64 ← field named by r64). */
function vmread(c: Core, op: Op): void {
  const v = enter(c, op, 'VMREAD', ExitReason.Vmread);
  const vmcs = v.current;
  if (vmcs === null) { v.failInvalid(); return; }
  const f = decodeFieldOperand(c.lo[op.r1]!, c.hi[op.r1]!);
  if (f === null) { v.failValid(VmxError.UnsupportedComponent); return; }
  const lo = f.high ? vmcs.hi[f.slot]! : vmcs.lo[f.slot]!;
  const hi = f.high ? 0 : vmcs.hi[f.slot]!;
  c.writeDst(op, 8, lo | 0, hi | 0, false);
  v.succeed();
}

/** VMWRITE—Write Field to Virtual-Machine Control Structure (field named by r64 ← r/m64). */
function vmwrite(c: Core, op: Op): void {
  const v = enter(c, op, 'VMWRITE', ExitReason.Vmwrite);
  const vmcs = v.current;
  if (vmcs === null) { v.failInvalid(); return; }
  const f = decodeFieldOperand(c.lo[op.r0]!, c.hi[op.r0]!);
  if (f === null) { v.failValid(VmxError.UnsupportedComponent); return; }
  if (FIELDS[f.slot]!.group === 'exit-info' && !VMWRITE_ANY_FIELD) { v.failValid(VmxError.VmwriteReadOnly); return; }
  const lo = c.readOperand(op, op.k1, op.r1, op.h1, 8);
  vmcs.writeSlot(f.slot, f.high, lo, c.tHi);
  v.succeed();
}

// ---------------------------------------------------- VMLAUNCH/VMRESUME

function vmlaunch(c: Core, op: Op): void { vmEntry(enter(c, op, 'VMLAUNCH', ExitReason.Vmlaunch), op, true); }
function vmresume(c: Core, op: Op): void { vmEntry(enter(c, op, 'VMRESUME', ExitReason.Vmresume), op, false); }

// --------------------------------------------------------------- VMCALL

/** VMCALL—Call to VM Monitor: exits in non-root operation; in root operation fails (no dual-monitor treatment is active). */
function vmcall(c: Core, op: Op): void {
  const v = c.vmx;
  if (v === null || !v.inVmx) throw new Fault(Vector.UD, null, 'VMCALL outside VMX operation');
  if (c.nonRoot) throw new VmExit(ExitReason.Vmcall, 0);
  if (c.cpl > 0) throw new Fault(Vector.GP, 0, `VMCALL at CPL ${c.cpl}`);
  void op;
  // IA32_SMM_MONITOR_CTL's valid bit is clear: the dual-monitor treatment of SMIs and SMM is not active.
  v.fail(VmxError.VmcallInRoot);
}

// ---------------------------------------------------- INVEPT/INVVPID

/** Read the 128-bit descriptor: [lo0, hi0, lo1, hi1]. */
function readDescriptor(c: Core, op: Op): [number, number, number, number] {
  const a = c.ea(op);
  const lo0 = c.read(a, 8), hi0 = c.tHi;
  const lo1 = c.read(a + 8, 8), hi1 = c.tHi;
  return [lo0, hi0, lo1, hi1];
}

/** INVEPT—Invalidate Translations Derived from EPT (type 1 single-context, 2 all-context). */
function invept(c: Core, op: Op): void {
  const v = enter(c, op, 'INVEPT', ExitReason.Invept);
  const tlo = c.lo[op.r0]!, thi = c.hi[op.r0]!;
  const type = thi === 0 ? tlo >>> 0 : -1;
  const supported = (type === 1 && eptCap(EPT_CAP.INVEPT_SINGLE)) || (type === 2 && eptCap(EPT_CAP.INVEPT_ALL));
  if (!supported) { v.fail(VmxError.InvalidInveptInvvpid); return; }
  const [lo0, hi0] = readDescriptor(c, op);
  if (type === 1) {
    if (!eptPointerValid(lo0, hi0)) { v.fail(VmxError.InvalidInveptInvvpid); return; }
    invalidateEpt(v, pointerOf(lo0 & ~0xfff, hi0));
  } else {
    invalidateEpt(v, null);
  }
  v.succeed();
}

/** INVVPID—Invalidate Translations Based on VPID (0 individual address, 1 single context, 2 all contexts, 3 single context retaining globals). */
function invvpid(c: Core, op: Op): void {
  const v = enter(c, op, 'INVVPID', ExitReason.Invvpid);
  const tlo = c.lo[op.r0]!, thi = c.hi[op.r0]!;
  const type = thi === 0 ? tlo >>> 0 : -1;
  if (type < 0 || type > 3 || ((INVVPID_TYPES >>> type) & 1) === 0) { v.fail(VmxError.InvalidInveptInvvpid); return; }
  const [lo0, hi0, lo1, hi1] = readDescriptor(c, op);
  if ((lo0 >>> 16) !== 0 || hi0 !== 0) { v.fail(VmxError.InvalidInveptInvvpid); return; }
  const vpid = lo0 & 0xffff;
  switch (type) {
    case 0: {
      const canonical = hi1 >= -32768 && hi1 <= 32767;
      if (vpid === 0 || !canonical) { v.fail(VmxError.InvalidInveptInvvpid); return; }
      invalidateVpid(v, vpid, hi1 * TWO32 + (lo1 >>> 0));
      break;
    }
    case 1: case 3:
      if (vpid === 0) { v.fail(VmxError.InvalidInveptInvvpid); return; }
      invalidateVpid(v, vpid, null);
      break;
    default:
      invalidateVpid(v, null, null);
  }
  v.succeed();
}

/** VMFUNC is advertised (EPTP switching) but "enable VM functions" is refused at VM entry; outside non-root operation it is #UD. */
function vmfunc(c: Core, _op: Op): void {
  if (c.nonRoot) throw new VmExit(ExitReason.Vmfunc, 0);
  throw new Fault(Vector.UD, null, 'VMFUNC outside VMX non-root operation');
}

export const vmxSpecs: SpecEntry[] = [
  [Mnemonic.Vmxon, { exec: vmxon, cls: 'vmxInstruction', ends: true }],
  [Mnemonic.Vmxoff, { exec: vmxoff, cls: 'vmxInstruction', ends: true }],
  [Mnemonic.Vmclear, { exec: vmclear, cls: 'vmclear', ends: true }],
  [Mnemonic.Vmptrld, { exec: vmptrld, cls: 'vmptrld', ends: true }],
  [Mnemonic.Vmptrst, { exec: vmptrst, cls: 'vmxInstruction', ends: true }],
  [Mnemonic.Vmread, { exec: vmread, cls: 'vmread', ends: true }],
  [Mnemonic.Vmwrite, { exec: vmwrite, cls: 'vmwrite', ends: true }],
  // VM entry charges its own cost (profile vmx.vmEntry); a failed entry costs a VMX instruction.
  [Mnemonic.Vmlaunch, { exec: vmlaunch, cls: 'vmxInstruction', selfTimed: true, ends: true }],
  [Mnemonic.Vmresume, { exec: vmresume, cls: 'vmxInstruction', selfTimed: true, ends: true }],
  [Mnemonic.Vmcall, { exec: vmcall, cls: 'vmxInstruction', ends: true }],
  [Mnemonic.Invept, { exec: invept, cls: 'vmxInstruction', ends: true }],
  [Mnemonic.Invvpid, { exec: invvpid, cls: 'vmxInstruction', ends: true }],
  [Mnemonic.Vmfunc, { exec: vmfunc, cls: 'vmxInstruction', ends: true }],
];
