/**
 * Opcode-table entries for vector instructions: every SSE/AVX op gets its
 * operands in normal form (simd/access.ts `vform`), a per-handler selector
 * in `op.sel` (a value of the enum its family declares, or NO_SEL), its
 * element sizes in `op.elem`/`op.elem2` when the handler serves several,
 * and its memory alignment rule: legacy SSE 128-bit memory operands must be
 * 16-byte aligned (#GP) except for the explicitly unaligned instructions;
 * VEX forms are unaligned except VMOVAPS-like moves (SDM Vol. 2 §2.4
 * "Instruction Exception Specification", Vol. 1 §11.4.1).
 */
import type { Op, Handler } from '../op.js';
import type { OpSpec } from './spec.js';
import type { InstructionClass } from '../../profile/schema.js';
import { vform } from '../simd/access.js';
import { K } from '../op.js';

/** The selector of a handler that serves a single operation (it never reads `op.sel`). */
export const NO_SEL = 0;

export interface VecOpts {
  /** MOVUPS, MOVDQU, LDDQU...: no alignment requirement in the legacy form. */
  unaligned?: boolean;
  /** VMOVAPS, VMOVDQA, VMOVNTxx: the VEX form requires natural alignment too. */
  alignVex?: boolean;
  /** Class by vector length (256-bit forms of dividers cost more). */
  clsY?: InstructionClass;
  /** `op.elem`: the element size in bytes, for a handler that serves several. */
  elem?: number;
  /** `op.elem2`: a second element size (PMOVSX/PMOVZX destination, gather index). */
  elem2?: number;
}

/** VecOpts naming the element size in bytes, and a second one (a gather's index, PMOVSX/ZX's destination). */
export const elems = (elem: number, elem2 = 0): VecOpts => ({ elem, elem2 });

export function vspec(exec: Handler, sel: number, cls: InstructionClass, o: VecOpts = {}): OpSpec {
  return {
    exec,
    cls: o.clsY ? (op: Op) => (op.vl === 32 ? o.clsY! : cls) : cls,
    setup: (op: Op) => {
      vform(op);
      op.sel = sel;
      op.elem = o.elem ?? 0;
      op.elem2 = o.elem2 ?? 0;
      const hasMem = op.k0 === K.Mem || op.k1 === K.Mem || op.k2 === K.Mem;
      if (!hasMem) op.align = 0;
      else if (op.vex) op.align = o.alignVex ? op.vl : 0;
      else op.align = op.msz === 16 && !o.unaligned ? 16 : 0;
    },
  };
}
