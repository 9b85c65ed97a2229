import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { ElfError, parseElf, PF_X } from '../src/loader/elf.js';

const RAM = 512 * 1024 * 1024; // the peers' default MEM_MB

let path = '';
let image: Uint8Array;

/** Field offsets from the gABI (ELF-64 Object File Format): read with DataView, independently of parseElf. */
const E_TYPE = 16;
const E_MACHINE = 18;
const E_ENTRY = 24;
const E_PHOFF = 32;
const E_SHOFF = 40;
const E_PHENTSIZE = 54;
const E_PHNUM = 56;
const PT_LOAD = 1;

interface Phdr { at: number; type: number; flags: number; offset: bigint; vaddr: bigint; filesz: bigint; memsz: bigint }

function phdrs(b: Uint8Array): Phdr[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const off = Number(dv.getBigUint64(E_PHOFF, true));
  const size = dv.getUint16(E_PHENTSIZE, true);
  const out: Phdr[] = [];
  for (let i = 0; i < dv.getUint16(E_PHNUM, true); i++) {
    const at = off + i * size;
    out.push({
      at,
      type: dv.getUint32(at, true),
      flags: dv.getUint32(at + 4, true),
      offset: dv.getBigUint64(at + 8, true),
      vaddr: dv.getBigUint64(at + 16, true),
      filesz: dv.getBigUint64(at + 32, true),
      memsz: dv.getBigUint64(at + 40, true),
    });
  }
  return out;
}

/** A copy of the good image with `edit` applied through a little-endian DataView. */
function mutate(edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = image.slice();
  edit(new DataView(b.buffer, b.byteOffset, b.byteLength), b);
  return b;
}

/** Sets p_vaddr and p_paddr of program header i (and p_memsz when given). */
function moveSegment(i: number, addr: bigint, memsz?: bigint) {
  return mutate((dv) => {
    const p = phdrs(image)[i]!;
    dv.setBigUint64(p.at + 16, addr, true);
    dv.setBigUint64(p.at + 24, addr, true);
    if (memsz !== undefined) dv.setBigUint64(p.at + 40, memsz, true);
  });
}

function firstLoad(): number {
  return phdrs(image).findIndex((p) => p.type === PT_LOAD && p.memsz > 0n);
}

function refusal(bytes: Uint8Array, ramBytes = RAM): string {
  try {
    parseElf(bytes, { ramBytes });
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('parseElf accepted a malformed image');
}

/** Symbol addresses as binutils' nm reports them: an oracle independent of parseElf. */
function nmSymbols(file: string): Map<string, number> {
  const r = spawnSync('nm', [file], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const m = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 3) m.set(parts[2]!, parseInt(parts[0]!, 16));
  }
  return m;
}

beforeAll(() => {
  path = buildGuestImage({ name: 'ud2', sources: ['guest/tests/ud2.c'] });
  image = new Uint8Array(readFileSync(path));
});

describe('parseElf on a real guest image', () => {
  it('accepts it, with the entry point, segments and symbols binutils sees', () => {
    const elf = parseElf(image, { ramBytes: RAM });
    const nm = nmSymbols(path);
    // rt.c's _start is the guest ABI entry point (peers README, "Guest ABI")
    expect(elf.entry).toBe(nm.get('_start'));
    const testMain = elf.symbols.find((s) => s.name === 'test_main');
    expect(testMain).toBeDefined();
    expect(testMain!.value).toBe(nm.get('test_main'));
    expect(testMain!.type).toBe('func');
    expect(testMain!.bind).toBe('global');
    // local (static) symbols are kept too: rt.c's IDT is file-local
    const idt = elf.symbols.find((s) => s.name === 'idt');
    expect(idt?.bind).toBe('local');
    expect(idt?.size).toBe(256 * 16);

    const loads = phdrs(image).filter((p) => p.type === PT_LOAD && p.memsz > 0n);
    expect(elf.segments.map((s) => [s.vaddr, s.paddr, s.memSize, s.fileSize, s.fileOffset, s.flags])).toEqual(
      loads.map((p) => [Number(p.vaddr), Number(p.vaddr), Number(p.memsz), Number(p.filesz), Number(p.offset), p.flags]),
    );
    const exec = elf.segments.find((s) => s.flags & PF_X)!;
    expect(elf.entry).toBeGreaterThanOrEqual(exec.vaddr);
    expect(elf.entry).toBeLessThan(exec.vaddr + exec.memSize);
    expect(elf.bytes).toBe(image);
  });

  it('tolerates a missing section table (no symbols)', () => {
    const stripped = mutate((dv) => dv.setBigUint64(E_SHOFF, 0n, true));
    const elf = parseElf(stripped, { ramBytes: RAM });
    expect(elf.symbols).toEqual([]);
    expect(elf.segments.length).toBeGreaterThan(0);
  });
});

describe('parseElf refuses what the peers loader refuses', () => {
  it('not an ELF file', () => {
    expect(refusal(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toMatch(/^not an ELF file: it starts with 23 21 2f 62/);
    expect(refusal(new Uint8Array(0))).toMatch(/^not an ELF file: the image is empty/);
    expect(refusal(new Uint8Array([0x7f, 0x45]))).toMatch(/^not an ELF file/);
  });

  it('truncated: inside the ELF header', () => {
    expect(refusal(image.slice(0, 40))).toMatch(/^truncated ELF file: 40 bytes, the ELF64 header alone is 64/);
  });

  it('truncated: header only, program headers missing', () => {
    expect(refusal(image.slice(0, 64))).toMatch(/^truncated ELF file: the program headers end at byte/);
  });

  it('truncated: program headers cut', () => {
    const p = phdrs(image);
    const end = p[p.length - 1]!.at + 56;
    expect(refusal(image.slice(0, end - 10))).toMatch(/^truncated ELF file: the program headers end at byte/);
  });

  it("truncated: a segment's file bytes cut", () => {
    const p = phdrs(image);
    const last = p.reduce((best, q, i) => (q.type === PT_LOAD && q.filesz > 0n && q.offset + q.filesz > p[best]!.offset + p[best]!.filesz ? i : best), firstLoad());
    const end = Number(p[last]!.offset + p[last]!.filesz);
    expect(refusal(image.slice(0, end - 1))).toMatch(new RegExp(`^truncated ELF file: segment ${last} needs file bytes`));
  });

  it('wrong class (ELFCLASS32)', () => {
    expect(refusal(mutate((_, b) => (b[4] = 1)))).toMatch(/^not ELF64: EI_CLASS = 1/);
  });

  it('big-endian', () => {
    expect(refusal(mutate((_, b) => (b[5] = 2)))).toMatch(/^not little-endian: EI_DATA = 2/);
  });

  it('wrong machine (EM_386)', () => {
    expect(refusal(mutate((dv) => dv.setUint16(E_MACHINE, 3, true)))).toMatch(/^not an x86-64 image: e_machine = 3/);
  });

  it('ET_DYN: PIE or shared object', () => {
    const msg = refusal(mutate((dv) => dv.setUint16(E_TYPE, 3, true)));
    expect(msg).toMatch(/^e_type = ET_DYN/);
    expect(msg).toContain('-no-pie');
  });

  it('ET_REL: relocatable object', () => {
    expect(refusal(mutate((dv) => dv.setUint16(E_TYPE, 1, true)))).toMatch(/^not an executable: e_type = 1/);
  });

  it('PT_INTERP: dynamically linked', () => {
    const i = phdrs(image).findIndex((p) => p.type !== PT_LOAD);
    expect(i).toBeGreaterThanOrEqual(0);
    const bytes = mutate((dv) => dv.setUint32(phdrs(image)[i]!.at, 3, true));
    expect(refusal(bytes)).toMatch(/^dynamically linked \(PT_INTERP\)/);
  });

  it('no PT_LOAD at all', () => {
    const bytes = mutate((dv) => {
      for (const p of phdrs(image)) if (p.type === PT_LOAD) dv.setUint32(p.at, 0, true); // PT_NULL
    });
    expect(refusal(bytes)).toMatch(/^no PT_LOAD segment/);
  });

  it('p_filesz > p_memsz', () => {
    const i = firstLoad();
    const bytes = mutate((dv) => dv.setBigUint64(phdrs(image)[i]!.at + 40, 1n, true));
    expect(refusal(bytes)).toMatch(new RegExp(`^segment ${i}: p_filesz 0x[0-9a-f]+ > p_memsz 0x1$`));
  });

  it('p_paddr differs from p_vaddr', () => {
    const i = firstLoad();
    const p = phdrs(image)[i]!;
    const bytes = mutate((dv) => dv.setBigUint64(p.at + 24, p.vaddr + 0x1000n, true));
    expect(refusal(bytes)).toBe(
      `segment ${i}: p_paddr 0x${(p.vaddr + 0x1000n).toString(16)} differs from p_vaddr 0x${p.vaddr.toString(16)}; ` +
        'guests run identity-mapped, so code must be linked at its physical address',
    );
  });

  it('segment below 1 MiB', () => {
    const i = firstLoad();
    const memsz = phdrs(image)[i]!.memsz;
    expect(refusal(moveSegment(i, 0x80000n))).toBe(
      `segment ${i} [0x80000, 0x${(0x80000n + memsz).toString(16)}) is not between 1 MiB and 4 GiB`,
    );
  });

  it('segment above 4 GiB, even with more RAM', () => {
    const i = firstLoad();
    expect(refusal(moveSegment(i, 0x1_0000_0000n), 8 * 2 ** 30)).toMatch(new RegExp(`^segment ${i} \\[0x100000000, .*not between 1 MiB and 4 GiB`));
    expect(refusal(moveSegment(i, 1n << 63n))).toMatch(/not between 1 MiB and 4 GiB/);
  });

  it('segment overlapping the reserved 256-289 MiB', () => {
    const i = firstLoad();
    // straddling the start (loader, page tables, GDT) ...
    expect(refusal(moveSegment(i, 0x0fff_f000n, 0x2000n))).toBe(
      `segment ${i} [0xffff000, 0x10001000) overlaps the loader's reserved memory [0x10000000, 0x12100000)`,
    );
    // ... and the last core's stack, just below 289 MiB
    expect(refusal(moveSegment(i, 0x120f_f000n, 0x1000n))).toMatch(/overlaps the loader's reserved memory/);
    // right after the reserved range is fine again (as far as this segment is concerned)
    expect(() => parseElf(moveSegment(i, 0x1210_0000n, 0x1000n), { ramBytes: RAM })).not.toThrow(/reserved/);
  });

  it('segment past the end of RAM', () => {
    const i = firstLoad();
    expect(refusal(moveSegment(i, 0x1fff_f000n, 0x2000n))).toBe(
      `segment ${i} [0x1ffff000, 0x20001000) ends beyond the end of RAM (0x20000000): give the machine more memory`,
    );
    // the untouched image needs only a few MiB above 4 MiB
    expect(refusal(image, 0x400000)).toMatch(/ends beyond the end of RAM \(0x400000\)/);
  });

  it('entry point outside every segment', () => {
    const bytes = mutate((dv) => dv.setBigUint64(E_ENTRY, 0x300000n, true));
    expect(refusal(bytes)).toBe('entry point 0x300000 is not inside any loaded segment');
  });

  it('entry point in a segment that is not executable', () => {
    const data = phdrs(image).find((p) => p.type === PT_LOAD && p.memsz > 0n && !(p.flags & PF_X))!;
    const bytes = mutate((dv) => dv.setBigUint64(E_ENTRY, data.vaddr, true));
    expect(refusal(bytes)).toMatch(/^entry point 0x[0-9a-f]+ is inside segment \d+, which is not executable/);
  });
});
