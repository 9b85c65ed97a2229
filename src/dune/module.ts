/**
 * The host side of the Dune module (guest/dune): the sources a Dune image is
 * built from (the module, the minimal kernel that carries it, libdune), and
 * the module's parameters written into the image before the run, as
 * `insmod dune.ko posted_intr=...` would set them.
 */
import type { ElfImage } from '../loader/elf.js';
import type { Machine } from '../sim/machine.js';
import { buildGuestImage } from '../guest/build.js';

/** The module (kern/), the carrying kernel, libdune, and the host IDT the kernel uses. */
export const DUNE_SOURCES: readonly string[] = [
  'guest/dune/minihost.c', 'guest/dune/vmx.c', 'guest/dune/ept.c',
  'guest/libdune/trap.c', 'guest/libdune/apic.c', 'guest/libdune/dune.S',
  'guest/apic/idt.c',
];

/** A Dune image: the program's sources (defining dune_main) with the module and libdune. */
export function buildDuneImage(name: string, programSources: string[], cflags: string[] = []): string {
  return buildGuestImage({ name, sources: [...programSources, ...DUNE_SOURCES], cflags });
}

export class DuneError extends Error { override name = 'DuneError'; }

export function symbolOf(image: ElfImage, name: string): number {
  const s = image.symbols.find((x) => x.name === name);
  if (!s) throw new DuneError(`the Dune image has no symbol '${name}'`);
  return s.value;
}

export interface DuneParams {
  /** pin-based "process posted interrupts" on every vCPU (Dune's optional control, commit "Enabled posted IPI") */
  postedIntr: boolean;
}

const PARAMS_MAGIC = 0x454e5544;

/** struct dune_params (guest/dune/minihost.c). */
export function writeDuneParams(m: Machine, image: ElfImage, p: DuneParams): void {
  const a = symbolOf(image, 'dune_params');
  m.mem.dv.setUint32(a, PARAMS_MAGIC, true);
  m.mem.dv.setUint32(a + 4, p.postedIntr ? 1 : 0, true);
}
