/**
 * The guest image's symbol table as the debugger uses it: names → addresses
 * (local symbols included, as in the ELF .symtab), addresses → "name+off",
 * and the list of names for tab completion.
 */
import type { ElfSymbol } from '../loader/elf.js';
import { BOOT } from '../sim/machine.js';

export interface SymbolHit { name: string; value: number; offset: number; size: number; type: ElfSymbol['type']; }

/** Names gcc gives to local helpers that are not worth a label when a better one exists. */
const boring = (n: string) => n.startsWith('.L') || n === '' || n.endsWith('.c');

export class SymbolTable {
  /** Sorted by address; functions and objects with an address, no file/section symbols. */
  private readonly sorted: ElfSymbol[];
  private readonly byName = new Map<string, ElfSymbol[]>();

  constructor(readonly symbols: ElfSymbol[]) {
    const usable = symbols.filter((s) => !boring(s.name) && s.value !== 0 && (s.type === 'func' || s.type === 'object' || s.type === 'notype'));
    // Prefer globals over locals and functions over plain labels at the same address.
    const rank = (s: ElfSymbol) => (s.type === 'func' ? 0 : s.type === 'object' ? 1 : 2) * 3 + (s.bind === 'global' ? 0 : s.bind === 'weak' ? 1 : 2);
    this.sorted = usable.slice().sort((a, b) => a.value - b.value || rank(a) - rank(b));
    for (const s of usable) {
      const list = this.byName.get(s.name);
      if (list) list.push(s); else this.byName.set(s.name, [s]);
    }
    for (const list of this.byName.values()) list.sort((a, b) => rank(a) - rank(b));
  }

  /** The symbol called `name` (a global one if several share the name), or undefined. */
  lookup(name: string): ElfSymbol | undefined { return this.byName.get(name)?.[0]; }

  /** How many symbols share this name (local statics in different files). */
  count(name: string): number { return this.byName.get(name)?.length ?? 0; }

  names(): string[] { return [...this.byName.keys()].sort(); }

  /**
   * The symbol containing `addr`: the nearest one at or below it, if `addr`
   * is inside its size (or, for size-0 labels, before the next symbol).
   */
  find(addr: number): SymbolHit | null {
    if (addr === BOOT.haltStub || (addr > BOOT.haltStub && addr < BOOT.haltStub + 4)) {
      return { name: '<boot halt stub>', value: BOOT.haltStub, offset: addr - BOOT.haltStub, size: 4, type: 'func' };
    }
    const a = this.sorted;
    let lo = 0, hi = a.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.value <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return null;
    // Candidates from the nearest address down; at one address the best-ranked symbol comes first.
    for (let j = best; j >= 0 && j >= best - 16; j--) {
      let k = j;
      while (k > 0 && a[k - 1]!.value === a[j]!.value) k--;
      const s = a[k]!;
      let covers: boolean;
      if (s.size > 0) covers = addr < s.value + s.size;
      else {
        // A label without a size covers up to the next symbol, within 64 KiB.
        let n = j + 1;
        while (n < a.length && a[n]!.value === s.value) n++;
        covers = (n >= a.length || addr < a[n]!.value) && addr - s.value < 0x10000;
      }
      if (covers) return { name: s.name, value: s.value, offset: addr - s.value, size: s.size, type: s.type };
      j = k;
    }
    return null;
  }

  /** The sized function symbol whose [value, value + size) holds `addr`, if any (labels inside it do not count). */
  containingFunction(addr: number): SymbolHit | null {
    const a = this.sorted;
    let lo = 0, hi = a.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.value <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (let j = best; j >= 0 && j >= best - 64; j--) {
      const s = a[j]!;
      if (s.type === 'func' && s.size > 0 && addr < s.value + s.size) return { name: s.name, value: s.value, offset: addr - s.value, size: s.size, type: s.type };
    }
    return null;
  }

  /** "name+0x1c", "name", or "" when nothing covers the address. */
  label(addr: number): string {
    const h = this.find(addr);
    if (!h) return '';
    return h.offset === 0 ? h.name : `${h.name}+0x${h.offset.toString(16)}`;
  }

  /** Whether `addr` is inside a function symbol (for the heuristic backtrace). */
  inFunction(addr: number): boolean {
    const h = this.find(addr);
    return h !== null && (h.type === 'func' || h.name === '<boot halt stub>');
  }
}
