/**
 * CMP/TEST read their memory operand without asking for write access; a
 * read-modify-write on the same read-only page faults with #PF error code
 * P|W = 3 (SDM Vol. 3A §4.7); rt_trap_exceptions prints it and exits with
 * 64 + 14. Natively the same instructions cannot be tried on a read-only
 * page in ring 0, so the expected text follows the SDM.
 */
import { describe, it, expect } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';

describe('read-only operands', () => {
  it('CMP and TEST on a read-only page do not fault; ADD does', () => {
    const r = runImage(buildGuestImage({ name: 'cmp_ro', sources: ['guest/system/cmp_ro.c'] }));
    expect(r.console).toContain('cmp with a read-only operand: equal 1; test: nonzero 1\n');
    expect(r.console).not.toContain('not reached');
    expect(r.exitStatus).toBe(64 + 14);
  });
});
