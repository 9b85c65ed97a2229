/**
 * The debugger's views of the VMX hardware (src/vmx): `info vmcs` (the
 * current VMCS of a core, every field by name, control words decoded bit by
 * bit), `info vapic` (the virtual-APIC state: RVI, SVI, VTPR, VPPR, VISR,
 * VIRR, the EOI-exit bitmap, posted-interrupt configuration) and `info pid`
 * (a posted-interrupt descriptor: PIR, ON, SN, NV, NDST, and where its
 * cache line is), plus one-line descriptions of the VMX events. Everything
 * here reads without side effects: no memory-system access, no cycle.
 */
import { FIELDS, F, type FieldInfo } from '../vmx/fields.js';
import { CONTROL_WORDS, controlNames, type ControlWord } from '../vmx/controls.js';
import { exitReasonName, VMX_ERROR_NAMES } from '../vmx/reasons.js';
import type { Vmcs } from '../vmx/vmcs.js';
import type { VmxCpu } from '../vmx/vmxCpu.js';
import type { CoherentMemorySystem } from '../memory/coherence.js';
import { c, hx, table, vectorList, vectorsOf } from './format.js';
import { readPhys, le } from './peek.js';
import { registerInfoView, coreArg, out } from './views.js';
import { CommandError, type DebugSession } from './session.js';

function fieldValue(vmcs: Vmcs, i: number): bigint {
  return (BigInt(vmcs.hi[i]!) << 32n) | BigInt(vmcs.lo[i]!);
}

function vmxOf(s: DebugSession, id: number): VmxCpu {
  const v = s.core(id).vmx;
  if (v === null) throw new CommandError(`core ${id} has no VMX hardware`);
  return v;
}

const CONTROL_FIELD: Record<ControlWord, number> = {
  pin: F.PIN_BASED_CONTROLS, proc: F.PROC_BASED_CONTROLS, proc2: F.SECONDARY_CONTROLS, exit: F.EXIT_CONTROLS, entry: F.ENTRY_CONTROLS,
};

registerInfoView({
  name: 'vmcs',
  help: "a core's VMX state and current VMCS: every field by name, the control words decoded bit by bit",
  usage: 'info vmcs [core] [all]',
  run(s, args) {
    const all = args.includes('all');
    const id = coreArg(s, args.filter((a) => a !== 'all')[0]);
    const v = vmxOf(s, id);
    const k = s.core(id);
    const mode = !v.inVmx ? 'not in VMX operation' : k.nonRoot ? 'VMX non-root operation (in the guest)' : 'VMX root operation';
    const lines = [c().bold(`core ${id}: ${mode}`)];
    const data: Record<string, unknown> = { core: id, inVmx: v.inVmx, nonRoot: k.nonRoot, vmxonPointer: v.inVmx ? v.vmxonPointer : null };
    if (v.inVmx) lines.push(`VMXON region ${hx(v.vmxonPointer)}; active VMCSs: ${[...v.active.keys()].map((p) => hx(p)).join(', ') || 'none'}`);
    const vmcs = v.current;
    if (vmcs === null) {
      lines.push('current-VMCS pointer: FFFFFFFF_FFFFFFFFH (none)');
      return out(lines.join('\n'), { ...data, current: null });
    }
    const reason = vmcs.u32(F.EXIT_REASON);
    const err = vmcs.u32(F.VM_INSTRUCTION_ERROR);
    lines.push(`current VMCS ${hx(vmcs.pa)}: launch state ${vmcs.launched ? 'launched' : 'clear'}${vmcs.shadow ? ', shadow VMCS' : ''}`);
    lines.push(`last exit: reason ${reason & 0xffff} (${exitReasonName(reason)})${(reason >>> 31) === 1 ? ', VM-entry failure' : ''}, qualification ${hx(vmcs.num(F.EXIT_QUALIFICATION))}`);
    if (err !== 0) lines.push(`VM-instruction error ${err}: ${VMX_ERROR_NAMES[err] ?? 'reserved'}`);
    if (v.lastEntryFailure) lines.push(`last failed VM entry: ${v.lastEntryFailure}`);
    const controls: Record<string, string[]> = {};
    for (const w of Object.keys(CONTROL_WORDS) as ControlWord[]) {
      const val = vmcs.u32(CONTROL_FIELD[w]);
      controls[w] = controlNames(w, val);
      lines.push(`${c().cyan(CONTROL_WORDS[w].title)} ${hx(val, 8)}: ${controls[w]!.join(', ') || '(none)'}`);
    }
    const fields: Record<string, string> = {};
    const groups: Record<string, string[][]> = { control: [], 'exit-info': [], guest: [], host: [] };
    FIELDS.forEach((f: FieldInfo, i) => {
      const val = fieldValue(vmcs, i);
      fields[f.name] = '0x' + val.toString(16);
      if (!all && val === 0n) return;
      groups[f.group]!.push([f.name.toLowerCase(), '0x' + val.toString(16)]);
    });
    for (const [g, rows] of Object.entries(groups)) {
      if (rows.length === 0) continue;
      lines.push(c().bold(`${g} fields${all ? '' : ' (non-zero)'}:`));
      const cols: string[][] = [];
      for (let i = 0; i < rows.length; i += 3) cols.push(rows.slice(i, i + 3).flatMap(([n, val]) => [c().cyan(n!), val!]));
      lines.push(table(cols, { indent: 2 }));
    }
    return out(lines.join('\n'), { ...data, current: vmcs.pa, launched: vmcs.launched, exitReason: reason, instructionError: err, controls, fields });
  },
});

registerInfoView({
  name: 'vapic',
  help: "a core's virtual-APIC state: RVI, SVI, VTPR, VPPR, VISR, VIRR, EOI-exit bitmap, posted-interrupt configuration",
  usage: 'info vapic [core]',
  run(s, args) {
    const id = coreArg(s, args[0]);
    const v = vmxOf(s, id);
    const vmcs = v.current;
    if (vmcs === null) return out(`core ${id}: no current VMCS`, { core: id, current: null });
    // In non-root operation the live RVI/SVI are the processor's; otherwise the VMCS field holds them.
    const live = s.core(id).nonRoot;
    const status = live ? v.rvi | (v.svi << 8) : vmcs.u32(F.GUEST_INTR_STATUS);
    const page = vmcs.unum(F.VIRTUAL_APIC_PAGE_ADDR);
    const bytes = readPhys(s.machine, id, page, 4096);
    const word = (off: number) => Number(le(bytes, off, 4));
    const arr = (base: number) => Array.from({ length: 8 }, (_, i) => word(base + i * 16));
    const eoiExit = new Array<number>(8).fill(0);
    for (let i = 0; i < 4; i++) {
      const idx = FIELDS.findIndex((f) => f.enc === F.EOI_EXIT_BITMAP0 + 2 * i);
      eoiExit[2 * i] = vmcs.lo[idx]!; eoiExit[2 * i + 1] = vmcs.hi[idx]!;
    }
    const rows = [
      ['RVI', hx(status & 0xff, 2), 'SVI', hx(status >>> 8, 2), 'recognized', live ? (v.viRecognized ? 'yes' : 'no') : '-'],
      ['VTPR', hx(word(0x80) & 0xff, 2), 'VPPR', hx(word(0xa0) & 0xff, 2), 'virtual-APIC page', hx(page)],
    ];
    const pin = vmcs.u32(F.PIN_BASED_CONTROLS);
    const lines = [
      c().bold(`core ${id}: virtual APIC (${live ? 'running guest' : 'VMCS'})`),
      table(rows.map((r) => r.map((x, i) => (i % 2 === 0 ? c().cyan(x) : x)))),
      `VISR: ${vectorList(arr(0x100))}`,
      `VIRR: ${vectorList(arr(0x200))}`,
      `EOI-exit bitmap: ${vectorList(eoiExit)}`,
      (pin & 0x80) !== 0
        ? `posted interrupts: notification vector ${hx(vmcs.u32(F.POSTED_INTR_NV), 2)}, descriptor ${hx(vmcs.unum(F.POSTED_INTR_DESC_ADDR))} (info pid ${hx(vmcs.unum(F.POSTED_INTR_DESC_ADDR))})`
        : 'posted interrupts: off',
    ];
    return out(lines.join('\n'), {
      core: id, rvi: status & 0xff, svi: status >>> 8, vtpr: word(0x80) & 0xff, vppr: word(0xa0) & 0xff, visr: vectorsOf(arr(0x100)), virr: vectorsOf(arr(0x200)),
      eoiExit: vectorsOf(eoiExit), recognized: live ? v.viRecognized : null, postedVector: (pin & 0x80) !== 0 ? vmcs.u32(F.POSTED_INTR_NV) : null, pid: (pin & 0x80) !== 0 ? vmcs.unum(F.POSTED_INTR_DESC_ADDR) : null,
    });
  },
});

registerInfoView({
  name: 'pid',
  help: 'a posted-interrupt descriptor (physical address): PIR, ON, SN, NV, NDST, and its cache line in each core',
  usage: 'info pid <physical address>',
  run(s, args) {
    if (args.length === 0) throw new CommandError('usage: info pid <physical address>');
    const pa = s.evalAddress(args.join(' '));
    if (pa % 64 !== 0) throw new CommandError(`${hx(pa)} is not 64-byte aligned (a posted-interrupt descriptor is, SDM Vol. 3C §29.6)`);
    const b = readPhys(s.machine, s.selected, pa, 64);
    const pir = Array.from({ length: 8 }, (_, i) => Number(le(b, i * 4, 4)));
    const w8 = Number(le(b, 32, 4)), ndst = Number(le(b, 36, 4));
    const on = w8 & 1, sn = (w8 >>> 1) & 1, nv = (w8 >>> 16) & 0xff;
    const lines = [
      c().bold(`posted-interrupt descriptor at ${hx(pa)}`),
      `PIR (bits 255:0): ${vectorList(pir)}`,
      `ON (bit 256): ${on}   SN (bit 257): ${sn}   NV (bits 279:272): ${hx(nv, 2)}   NDST (bits 319:288): ${hx(ndst)}`,
    ];
    const data: Record<string, unknown> = { address: pa, pir: vectorsOf(pir), on, sn, nv, ndst };
    const memsys = s.machine.memsys as Partial<CoherentMemorySystem>;
    if (typeof memsys.lineState === 'function') {
      const st = memsys.lineState(pa);
      lines.push(`line ${hx(pa)} (version ${st.version}): ${st.states.map((x, i) => `core ${i} ${x}`).join(', ')}`);
      data.line = st.states;
    }
    // Which cores use it as their guest's descriptor right now.
    const users = s.machine.cores.filter((k) => k.vmx?.current !== null && k.vmx?.current !== undefined && (k.vmx.current.u32(F.PIN_BASED_CONTROLS) & 0x80) !== 0 && k.vmx.current.unum(F.POSTED_INTR_DESC_ADDR) === pa).map((k) => k.id);
    if (users.length) lines.push(`the descriptor of the current VMCS of core${users.length > 1 ? 's' : ''} ${users.join(', ')}`);
    data.cores = users;
    return out(lines.join('\n'), data);
  },
});
