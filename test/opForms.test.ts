/**
 * Op forms (src/cpu/form.ts): the decoder names what an op does with a form
 * chosen from the opcode table and the operands, the interpreter runs the
 * form's handler, and the block compiler reads the form's inline code —
 * nothing compares handler functions. Expected forms, conditions and
 * selectors come from the instruction encodings (SDM Vol. 2; condition
 * codes Vol. 1 Appendix B), each written beside its bytes.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Decoder, DecoderOptions, Instruction } from 'iced-x86';
import { buildGuestImage } from '../src/guest/build.js';
import { createMachine } from '../src/sim/run.js';
import { Form, type FormEntry } from '../src/cpu/form.js';
import { FORMS, buildFormTable } from '../src/cpu/formTable.js';
import { inlineFormOf } from '../src/cpu/blockCompiler.js';
import { Fault, Unsupported, Vector } from '../src/cpu/fault.js';
import type { Op } from '../src/cpu/op.js';

const m = createMachine(new Uint8Array(readFileSync(buildGuestImage({ name: 'memory', sources: ['guest/tests/memory.c'] }))), { cores: 1 });

/** Decode one instruction from its bytes (hex) into an Op, as the decode cache does. */
function decode(hex: string): Op {
  const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = 0x401000n;
  const ins = new Instruction();
  d.decodeOut(ins);
  const op = m.decode.makeOp(ins);
  d.free();
  return op;
}

describe('op forms', () => {
  it('picks the form from the opcode table and the operand descriptors', () => {
    const cases: [string, Form, string][] = [
      ['4889d8', Form.MovRR8, 'mov %rbx,%rax'],
      ['89d8', Form.MovRR4, 'mov %ebx,%eax'],
      ['48c7c001000000', Form.MovRI8, 'mov $1,%rax (imm32 sign-extended)'],
      ['b801000000', Form.MovRI4, 'mov $1,%eax'],
      ['488b03', Form.MovRM8, 'mov (%rbx),%rax'],
      ['8b03', Form.MovRM4, 'mov (%rbx),%eax'],
      ['488903', Form.MovMR, 'mov %rax,(%rbx)'],
      ['8803', Form.MovMR, 'mov %al,(%rbx): a low byte stored'],
      ['8823', Form.Mov, 'mov %ah,(%rbx): a high byte, generic'],
      ['8a03', Form.Mov, 'mov (%rbx),%al: an 8-bit load, generic'],
      ['48c70301000000', Form.MovMI, 'movq $1,(%rbx)'],
      ['0fb6c0', Form.MovZx, 'movzbl %al,%eax'],
      ['4863c3', Form.MovSx, 'movslq %ebx,%rax'],
      ['488d4308', Form.Lea, 'lea 8(%rbx),%rax'],
      ['4801d8', Form.AddRR8, 'add %rbx,%rax'],
      ['4883c001', Form.AddRI8, 'add $1,%rax'],
      ['83e801', Form.SubRI4, 'sub $1,%eax'],
      ['39d8', Form.CmpRR4, 'cmp %ebx,%eax'],
      ['4885c0', Form.TestRR8, 'test %rax,%rax'],
      ['31c0', Form.XorRR4, 'xor %eax,%eax'],
      ['4821d8', Form.AndRR8, 'and %rbx,%rax'],
      ['4809d8', Form.OrRR8, 'or %rbx,%rax'],
      ['480103', Form.Add, 'add %rax,(%rbx): a memory destination, generic'],
      ['f0480103', Form.Add, 'lock add %rax,(%rbx)'],
      ['6601d8', Form.Add, 'add %bx,%ax: 16-bit, generic'],
      ['48c1e00d', Form.Shift, 'shl $13,%rax'],
      ['eb00', Form.Jmp, 'jmp rel8'],
      ['ffe0', Form.JmpIndirect, 'jmp *%rax'],
      ['e800000000', Form.Call, 'call rel32'],
      ['ffd0', Form.CallIndirect, 'call *%rax'],
      ['0fafc3', Form.Imul, 'imul %ebx,%eax'],
      ['f7eb', Form.MulWide, 'imul %ebx (one operand: edx:eax)'],
      ['f7e3', Form.MulWide, 'mul %ebx'],
      ['0f31', Form.Handler, 'rdtsc: only its handler knows it'],
      ['f390', Form.Handler, 'pause'],
    ];
    for (const [hex, form, what] of cases) {
      const op = decode(hex);
      expect(op.form, what).toBe(form);
      // The interpreter runs the form's handler.
      if (form !== Form.Handler) expect(op.exec, what).toBe(FORMS[form]!.exec);
    }
  });

  it('gives conditions by their code and sub-operations by a named value', () => {
    // Condition codes in the encodings' order: the low nibble of 7x / 0F 8x / 0F 4x / 0F 9x.
    expect(decode('7400').cc).toBe(4); // je: E
    expect(decode('7f00').cc).toBe(15); // jg: G
    expect(decode('0f4fc3').cc).toBe(15); // cmovg %ebx,%eax
    expect(decode('0f94c0').cc).toBe(4); // sete %al
    expect(decode('0f4fc3').form).toBe(Form.Cmov);
    expect(decode('0f94c0').form).toBe(Form.Setcc);
    // FCMOVcc: B, E, BE, U take CF, ZF, CF|ZF, PF (DA C0+i..); the DB forms negate them (SDM FCMOVcc).
    expect([decode('dac1').cc, decode('dac9').cc, decode('dad1').cc, decode('dad9').cc]).toEqual([2, 4, 6, 10]);
    expect([decode('dbc1').cc, decode('dbc9').cc, decode('dbd1').cc, decode('dbd9').cc]).toEqual([3, 5, 7, 11]);
    // MOV to/from CR3: the register number, and the direction from which operand is the control register.
    const from = decode('0f20d8'), to = decode('0f22d8'); // mov %cr3,%rax / mov %rax,%cr3
    expect([from.sel, to.sel]).toEqual([3, 3]);
    expect([from.r0 >= 0, to.r0 < 0]).toEqual([true, true]);
    // MOV to/from SS (index 2 in ES, CS, SS, DS, FS, GS order).
    expect([decode('8cd0').sel, decode('8ed0').sel]).toEqual([2, 2]);
    // Vector element sizes are their own fields, not packed into a selector.
    const psrlw = decode('660f71d002'); // psrlw $2,%xmm0: 16-bit elements
    expect(psrlw.elem).toBe(2);
    const psrad = decode('660f72e003'); // psrad $3,%xmm0: 32-bit elements, same handler
    expect(psrad.elem).toBe(4);
    expect(psrad.sel).not.toBe(psrlw.sel); // a different shift kind
    const pmovsxbd = decode('660f382101'); // pmovsxbd (%rcx),%xmm0: bytes to dwords
    expect([pmovsxbd.elem, pmovsxbd.elem2]).toEqual([1, 4]);
    const gather = decode('c4e2e9900409'); // vpgatherdq %xmm2,(%rcx,%xmm1,1),%xmm0: qwords at dword indices
    expect([gather.elem, gather.elem2]).toEqual([8, 4]);
    expect(decode('f30f10c1').elem).toBe(4); // movss %xmm1,%xmm0
    expect(decode('f20f10c1').elem).toBe(8); // movsd %xmm1,%xmm0
  });

  it('decides faults at decode as forms that fault when executed', () => {
    const core = m.cores[0]!;
    const invalid = decode('ffff'); // FF /7 is reserved
    expect(invalid.form).toBe(Form.Invalid);
    expect(() => invalid.exec(core as never, invalid)).toThrow(Fault);
    try { invalid.exec(core as never, invalid); } catch (e) { expect((e as Fault).vector).toBe(Vector.UD); }
    // FNSTENV with an operand-size prefix stores the 14-byte (16-bit) image: not implemented, and the report says so.
    const env16 = decode('66d930');
    expect(env16.form).toBe(Form.Unsupported);
    expect(env16.endsBlock).toBe(true);
    expect(() => env16.exec(core as never, env16)).toThrow(Unsupported);
    expect(env16.note).toMatch(/^the 16-bit x87 environment formats .*: fnstenv/);
    // The 28-byte form is implemented.
    expect(decode('d930').form).toBe(Form.Handler);
  });

  it('has the compiler read inline code from the form, and only for the operand shapes it covers', () => {
    expect(inlineFormOf(decode('4889d8'))).toBe(FORMS[Form.MovRR8]!.inline); // mov %rbx,%rax
    expect(inlineFormOf(decode('7400'))).toBe(FORMS[Form.Jcc]!.inline); // je
    expect(inlineFormOf(decode('480103'))).toBeNull(); // generic ADD: its handler is called
    expect(inlineFormOf(decode('0f31'))).toBeNull(); // rdtsc: Form.Handler
    expect(inlineFormOf(decode('48c1e000'))).toBeNull(); // shl $0: the flags are left alone, so the handler runs
    expect(inlineFormOf(decode('48d1f8'))).not.toBeNull(); // sar $1,%rax
  });

  it('defines every form exactly once, and says which one when not', () => {
    expect(FORMS.length).toBe(Form.Count);
    const h = () => undefined;
    const some: FormEntry[] = [];
    for (let f = 1; f < Form.Count; f++) some.push([f as Form, { exec: h }]);
    expect(buildFormTable([some]).length).toBe(Form.Count);
    expect(() => buildFormTable([some, [[Form.Jcc, { exec: h }]]])).toThrow(`form table: form ${Form.Jcc} defined twice`);
    expect(() => buildFormTable([some.filter(([f]) => f !== Form.Lea)])).toThrow(`form table: form ${Form.Lea} is never defined`);
    expect(() => buildFormTable([[[Form.Handler, { exec: h }]]])).toThrow('form table: form 0 is not a definable form');
  });
});
