/**
 * ELF64 parsing and validation of guest images.
 *
 * The checks are the ones the multiboot loader that boots the same images on
 * QEMU and Bochs makes, in the same order and with the same wording, so an
 * image that this emulator refuses is refused there too, with the same
 * message (docs/architecture.md, "Guest ABI", says what an image must be).
 * Field offsets follow the System V gABI, "ELF-64 Object File Format" 1.5:
 * Elf64_Ehdr is 64 bytes, Elf64_Phdr 56, Elf64_Shdr 64, Elf64_Sym 24.
 */
import { GUEST_MIN, IDENTITY_MAP_END, RESERVED_BASE, RESERVED_END } from './layout.js';

/** A guest image was refused; `message` is the one-line reason shown to the user. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface ElfSegment {
  vaddr: number;
  paddr: number;
  fileOffset: number;
  fileSize: number;
  memSize: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4 */
  flags: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: 'func' | 'object' | 'notype' | 'other';
  bind: 'local' | 'global' | 'weak';
}

export interface ElfImage {
  entry: number;
  /** The PT_LOAD segments that occupy memory (p_memsz > 0), in program-header order. */
  segments: ElfSegment[];
  /** From .symtab, local symbols included; empty when the image is stripped. */
  symbols: ElfSymbol[];
  bytes: Uint8Array;
}

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EM_X86_64 = 62;
const ET_EXEC = 2;
const ET_DYN = 3;
const PT_LOAD = 1;
const PT_INTERP = 3;
/** e_phnum == PN_XNUM means the real count lives in section 0 (gABI extended numbering). */
const PN_XNUM = 0xffff;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}

function overlaps(a0: bigint, a1: bigint, b0: bigint, b1: bigint): boolean {
  return a0 < b1 && b0 < a1;
}

/**
 * Offsets and addresses are u64 in the file; JS numbers are exact only below
 * 2^53, so every u64 is read as a BigInt and converted only once it is known
 * to be small (callers compare against file size / 4 GiB first).
 */
function toNumber(v: bigint, what: string): number {
  if (v > MAX_SAFE) throw new ElfError(`${what} ${hex(v)} is too large`);
  return Number(v);
}

/**
 * Validates a guest image for a machine with `ramBytes` of RAM and returns its
 * loadable segments, entry point and symbols. Throws ElfError for anything the
 * peers' loader would refuse.
 */
export function parseElf(bytes: Uint8Array, opts: { ramBytes: number }): ElfImage {
  const size = BigInt(bytes.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    if (bytes.length === 0) throw new ElfError('not an ELF file: the image is empty');
    if (bytes.length < 4) throw new ElfError(`not an ELF file: the image is ${bytes.length} bytes long`);
    const first = Array.from(bytes.subarray(0, 4));
    const shown = first.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = first.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    throw new ElfError(`not an ELF file: it starts with ${shown} ("${text}"), not 7f 45 4c 46 ("\\x7fELF")`);
  }
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError(`truncated ELF file: ${bytes.length} bytes, the ELF64 header alone is ${EHDR_SIZE}`);
  }
  const eiClass = bytes[4]!;
  const eiData = bytes[5]!;
  if (eiClass !== ELFCLASS64) {
    throw new ElfError(`not ELF64: EI_CLASS = ${eiClass} (1 = 32-bit ELF; the guest must be a 64-bit image)`);
  }
  // Everything below is read little-endian, which is only meaningful once
  // EI_DATA says so.
  if (eiData !== ELFDATA2LSB) throw new ElfError(`not little-endian: EI_DATA = ${eiData}`);

  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  const entry = dv.getBigUint64(24, true);
  const phoff = dv.getBigUint64(32, true);
  const shoff = dv.getBigUint64(40, true);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);

  if (machine !== EM_X86_64) throw new ElfError(`not an x86-64 image: e_machine = ${machine} (x86-64 is 62)`);
  if (type === ET_DYN) {
    throw new ElfError(
      'e_type = ET_DYN (a PIE or shared object): link a static, non-PIE executable (-static -no-pie)',
    );
  }
  if (type !== ET_EXEC) throw new ElfError(`not an executable: e_type = ${type} (ET_EXEC is 2)`);
  if (phnum === PN_XNUM) throw new ElfError('too many program headers (extended numbering is not supported)');
  if (phnum === 0) throw new ElfError('no program headers: nothing to load');
  if (phentsize < PHDR_SIZE) {
    throw new ElfError(`e_phentsize = ${phentsize}, an ELF64 program header is ${PHDR_SIZE} bytes`);
  }
  const phEnd = phoff + BigInt(phnum) * BigInt(phentsize);
  if (phoff > size || phEnd > size) {
    throw new ElfError(`truncated ELF file: the program headers end at byte ${phEnd}, the file has ${size}`);
  }

  // The loader caps usable RAM at 4 GiB because that is all its page tables map.
  const ramTop = BigInt(Math.min(opts.ramBytes, IDENTITY_MAP_END));
  const segments: ElfSegment[] = [];
  let nload = 0;
  let entrySegment = -1;
  let entryExecutable = false;
  const ph0 = Number(phoff);
  for (let i = 0; i < phnum; i++) {
    const at = ph0 + i * phentsize;
    const pType = dv.getUint32(at, true);
    const pFlags = dv.getUint32(at + 4, true);
    if (pType === PT_INTERP) {
      throw new ElfError('dynamically linked (PT_INTERP): link a static executable (-static -nostdlib)');
    }
    if (pType !== PT_LOAD) continue;
    nload++;
    const offset = dv.getBigUint64(at + 8, true);
    const vaddr = dv.getBigUint64(at + 16, true);
    const paddr = dv.getBigUint64(at + 24, true);
    const filesz = dv.getBigUint64(at + 32, true);
    const memsz = dv.getBigUint64(at + 40, true);
    if (filesz > memsz) throw new ElfError(`segment ${i}: p_filesz ${hex(filesz)} > p_memsz ${hex(memsz)}`);
    if (offset > size || filesz > size - offset) {
      throw new ElfError(
        `truncated ELF file: segment ${i} needs file bytes [${offset}, ${offset + filesz}), the file has ${size}`,
      );
    }
    if (paddr !== vaddr) {
      throw new ElfError(
        `segment ${i}: p_paddr ${hex(paddr)} differs from p_vaddr ${hex(vaddr)}; guests run identity-mapped, ` +
          'so code must be linked at its physical address',
      );
    }
    if (memsz === 0n) continue;
    const a = paddr;
    const b = paddr + memsz; // BigInt: cannot wrap, unlike the loader's u64 (hence its b < a test)
    if (a < BigInt(GUEST_MIN) || b > BigInt(IDENTITY_MAP_END)) {
      throw new ElfError(`segment ${i} [${hex(a)}, ${hex(b)}) is not between 1 MiB and 4 GiB`);
    }
    if (b > ramTop) {
      throw new ElfError(
        `segment ${i} [${hex(a)}, ${hex(b)}) ends beyond the end of RAM (${hex(ramTop)}): give the machine more memory`,
      );
    }
    if (overlaps(a, b, BigInt(RESERVED_BASE), BigInt(RESERVED_END))) {
      throw new ElfError(
        `segment ${i} [${hex(a)}, ${hex(b)}) overlaps the loader's reserved memory ` +
          `[${hex(RESERVED_BASE)}, ${hex(RESERVED_END)})`,
      );
    }
    if (entry >= a && entry < b) {
      if (entrySegment < 0) entrySegment = i;
      if (pFlags & PF_X) entryExecutable = true;
    }
    segments.push({
      vaddr: Number(vaddr),
      paddr: Number(paddr),
      fileOffset: Number(offset),
      fileSize: Number(filesz),
      memSize: Number(memsz),
      flags: pFlags,
    });
  }
  if (nload === 0) throw new ElfError('no PT_LOAD segment: nothing to load');
  if (entrySegment < 0) throw new ElfError(`entry point ${hex(entry)} is not inside any loaded segment`);
  // Stricter than the peers' loader, whose identity map has no NX bit and would
  // happily run data: an entry outside PF_X is always a link-script mistake.
  if (!entryExecutable) {
    throw new ElfError(
      `entry point ${hex(entry)} is inside segment ${entrySegment}, which is not executable (no PF_X in p_flags)`,
    );
  }

  return {
    entry: toNumber(entry, 'entry point'),
    segments,
    symbols: readSymbols(bytes, dv, shoff, shentsize, shnum),
    bytes,
  };
}

/**
 * Symbols are for the debugger and profiler only; nothing about running the
 * image depends on them, so a stripped image or a damaged section table just
 * yields no symbols instead of refusing an image the loader would accept.
 */
function readSymbols(bytes: Uint8Array, dv: DataView, shoff: bigint, shentsize: number, shnum: number): ElfSymbol[] {
  const size = BigInt(bytes.length);
  if (shoff === 0n || shnum === 0 || shentsize < SHDR_SIZE) return [];
  if (shoff + BigInt(shnum) * BigInt(shentsize) > size) return [];
  const sh0 = Number(shoff);
  const section = (k: number) => {
    const at = sh0 + k * shentsize;
    return {
      type: dv.getUint32(at + 4, true),
      offset: dv.getBigUint64(at + 24, true),
      size: dv.getBigUint64(at + 32, true),
      link: dv.getUint32(at + 40, true),
      entsize: dv.getBigUint64(at + 56, true),
    };
  };
  const inFile = (off: bigint, len: bigint) => off <= size && len <= size - off;

  for (let k = 0; k < shnum; k++) {
    const symtab = section(k);
    if (symtab.type !== SHT_SYMTAB) continue;
    if (symtab.link >= shnum) return [];
    const strtab = section(symtab.link);
    if (strtab.type !== SHT_STRTAB) return [];
    if (!inFile(symtab.offset, symtab.size) || !inFile(strtab.offset, strtab.size)) return [];
    const entsize = symtab.entsize === 0n ? SYM_SIZE : Number(symtab.entsize);
    if (entsize < SYM_SIZE) return [];
    const strings = bytes.subarray(Number(strtab.offset), Number(strtab.offset + strtab.size));
    const decoder = new TextDecoder('utf-8');
    const out: ElfSymbol[] = [];
    const count = Math.floor(Number(symtab.size) / entsize);
    // Entry 0 is the reserved undefined symbol (gABI "Symbol Table").
    for (let j = 1; j < count; j++) {
      const at = Number(symtab.offset) + j * entsize;
      const nameOff = dv.getUint32(at, true);
      const info = bytes[at + 4]!;
      const value = dv.getBigUint64(at + 8, true);
      const symSize = dv.getBigUint64(at + 16, true);
      if (nameOff >= strings.length || value > MAX_SAFE || symSize > MAX_SAFE) continue;
      let end = nameOff;
      while (end < strings.length && strings[end] !== 0) end++;
      const name = decoder.decode(strings.subarray(nameOff, end));
      if (name === '') continue; // section symbols and the like: nothing to show
      const stType = info & 0xf;
      const stBind = info >> 4;
      out.push({
        name,
        value: Number(value),
        size: Number(symSize),
        type: stType === 2 ? 'func' : stType === 1 ? 'object' : stType === 0 ? 'notype' : 'other',
        bind: stBind === 0 ? 'local' : stBind === 2 ? 'weak' : 'global',
      });
    }
    return out;
  }
  return [];
}
