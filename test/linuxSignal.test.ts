/**
 * Table 1, row "Linux Signal" (NSDI'19 §3.2), from guest code on the
 * machine: guest/linux/bench/table1_signal.c, the three shapes of the
 * paper's IPI benchmarks with tgkill, as a Linux process on two cores under
 * the host kernel (src/bench/linuxSignal.ts). The sender cell is calibrated
 * (linux.signalSendResidual); the receiver and the total are predictions.
 */
import { describe, expect, it } from 'vitest';
import { LINUX_SIGNAL_PAPER, runLinuxSignal } from '../src/bench/linuxSignal.js';
import { fittedCells } from '../src/bench/table2.js';
import { loadProfile } from '../src/profile/load.js';

const profile = loadProfile();
const r = runLinuxSignal({ profile, iterations: 8 });

describe('Table 1, Linux Signal row', () => {
  it('RDTSC in the guest and the event stream agree on each cell', () => {
    for (const [k, c] of Object.entries(r.cells)) expect(Math.abs(c.rdtsc - c.events), k).toBeLessThanOrEqual(1);
  });

  it('each cell is within 5% of the paper (sender calibrated, receiver and total predicted)', () => {
    expect(Math.abs(r.cells.sender.rdtsc / LINUX_SIGNAL_PAPER.sender - 1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(r.cells.receiver.rdtsc / LINUX_SIGNAL_PAPER.receiver - 1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(r.cells.total.rdtsc / LINUX_SIGNAL_PAPER.total - 1)).toBeLessThanOrEqual(0.05);
  });

  it('only the sender cell has a fitted constant', () => {
    expect(fittedCells(profile, "Table 1, row 'Linux Signal'", 'sender')).toEqual(['linux.signalSendResidual']);
    expect(fittedCells(profile, "Table 1, row 'Linux Signal'", 'receiver')).toEqual([]);
    expect(fittedCells(profile, "Table 1, row 'Linux Signal'", 'total')).toEqual([]);
    expect(profile.linux.signalDeliveryResidual.cycles).toBe(0);
  });

  it('the sender pays one system call and one reschedule IPI; the receiver an interrupt, a signal frame and IRET', () => {
    const names = (c: { phases: { phase: string }[] }) => c.phases.map((p) => p.phase);
    expect(names(r.cells.sender)).toEqual(expect.arrayContaining(['SYSCALL', 'SYSRET', 'smp_send_reschedule', 'sys_tgkill']));
    expect(names(r.cells.receiver)).toEqual(expect.arrayContaining(['IDT vectoring', 'smp_reschedule_interrupt', 'do_signal', 'XSAVE', 'IRETQ']));
  });

  it('the total is not the sum of the sides: the wake-up IPI leaves near the end of the sender\'s tgkill', () => {
    expect(r.cells.total.rdtsc).toBeLessThan(r.cells.sender.rdtsc + r.cells.receiver.rdtsc + 600);
    expect(r.cells.total.rdtsc).toBeGreaterThan(r.cells.receiver.rdtsc + 0.5 * r.cells.sender.rdtsc);
  });
});
