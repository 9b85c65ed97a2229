/**
 * Table 1's four IPI rows (NSDI'19 §3.2) measured on the machine: the Dune
 * module in VMX root mode, libdune and the benchmark in non-root mode
 * (guest/dune, src/bench/table1.ts). Expected values are the paper's cells.
 *
 * Six cells are calibrated, one profile constant fitted on each
 * (docs/cost-model.md; scripts/fit-table1.ts):
 *   'IPI No Exits' sender, receiver, total; 'IPI Sender-only Exit' sender
 *   and total; 'IPI Receiver-only Exit' receiver.
 * The other six are predictions: 'Vanilla IPI' sender, receiver and total,
 * 'IPI Sender-only Exit' receiver, 'IPI Receiver-only Exit' sender and
 * total. The two predicted totals (3433, 4219) must come within ±2%, every
 * cell within ±5%.
 *
 * Structure that must come out of the timeline (hardware-costs analysis of
 * Table 1, not by construction): the receiver's exit penalty read from the
 * receiver column (2662 − 1212) and from the totals (3433 − 1993,
 * 4219 − 2768) agree within 1%; an exiting sender's physical ICR write comes
 * ≈780 cycles after the posted sender's, although it costs ≈1783 more.
 * Exits: none on either core in 'IPI No Exits'; exactly the ones each row
 * names in the others (event stream).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CELLS, TABLE1_PAPER, table1Rows, runTable1Row, configureTable1, table1Image, type Table1Mechanism, type Table1Row } from '../src/bench/table1.js';
import { parseElf } from '../src/loader/elf.js';
import { createMachine } from '../src/sim/run.js';
import { loadProfile } from '../src/profile/load.js';

const N = 10;
const CALIBRATED: Record<Table1Mechanism, string[]> = {
  'Vanilla IPI': [],
  'IPI Sender-only Exit': ['sender', 'total'],
  'IPI Receiver-only Exit': ['receiver'],
  'IPI No Exits': ['sender', 'receiver', 'total'],
};

let rows: Map<Table1Mechanism, Table1Row>;
beforeAll(() => {
  rows = new Map(table1Rows({ iterations: N }).map((r) => [r.mechanism, r]));
}, 120_000);
const row = (m: Table1Mechanism) => rows.get(m)!;

describe('Table 1 IPI rows on the machine', () => {
  it('the calibrated cells are the six the profile names, and they hit the paper (±0.5%)', () => {
    let fitted = 0;
    for (const p of TABLE1_PAPER) {
      const r = row(p.mechanism);
      expect(r.calibrated, p.mechanism).toEqual(CALIBRATED[p.mechanism]);
      for (const c of r.calibrated) { fitted++; expect(Math.abs(r.deviation[c]), `${p.mechanism} ${c}`).toBeLessThan(0.005); }
    }
    expect(fitted).toBeLessThanOrEqual(6);
  });

  it('predicted cells: every one within ±5% of the paper, the two unfitted totals within ±2%', () => {
    for (const p of TABLE1_PAPER) {
      const r = row(p.mechanism);
      for (const c of CELLS) if (!r.calibrated.includes(c)) expect(Math.abs(r.deviation[c]), `${p.mechanism} ${c} = ${r[c]} (paper ${p[c]})`).toBeLessThan(0.05);
    }
    expect(Math.abs(row('IPI Receiver-only Exit').total / 3433 - 1)).toBeLessThan(0.02);
    expect(Math.abs(row('Vanilla IPI').total / 4219 - 1)).toBeLessThan(0.02);
  });

  it('each cell measured twice, by the guest\'s RDTSC/RDTSCP and from the event stream, agrees (to half a cycle)', () => {
    for (const r of rows.values()) for (const c of CELLS) expect(Math.abs(r[c] - r.events[c]), `${r.mechanism} ${c}`).toBeLessThan(0.5);
  });

  it('the receiver\'s exit penalty from the receiver column and from the two pairs of totals agree within 1%', () => {
    const fromReceiver = row('IPI Receiver-only Exit').receiver - row('IPI No Exits').receiver;
    const fromTotalsPosted = row('IPI Receiver-only Exit').total - row('IPI No Exits').total;
    const fromTotalsExiting = row('Vanilla IPI').total - row('IPI Sender-only Exit').total;
    expect(Math.abs(fromTotalsPosted / fromReceiver - 1)).toBeLessThan(0.01);
    expect(Math.abs(fromTotalsExiting / fromReceiver - 1)).toBeLessThan(0.01);
  });

  it('the exiting sender writes the physical ICR ≈780 cycles later than the posted one, though it costs ≈1783 more', () => {
    const later = row('IPI Sender-only Exit').icrWrite - row('IPI No Exits').icrWrite;
    const costlier = row('IPI Sender-only Exit').sender - row('IPI No Exits').sender;
    // hardware-costs analysis of the paper's totals: 2768 − 1993 = 775 and 4219 − 3433 = 786
    expect(later).toBeGreaterThan(740);
    expect(later).toBeLessThan(820);
    expect(costlier).toBeGreaterThan(1700);
    // the receiver starts before the sender's exit returns: the ICR write comes well inside the send
    expect(row('IPI Sender-only Exit').icrWrite).toBeLessThan(row('IPI Sender-only Exit').sender - 800);
  });

  it('VM exits: none in "IPI No Exits"; a WRMSR exit per send where the sender exits, an external-interrupt exit per IPI where the receiver does', () => {
    expect(row('IPI No Exits').exits).toEqual({ sender: {}, receiver: {} });
    expect(row('IPI Sender-only Exit').exits).toEqual({ sender: { WRMSR: N }, receiver: {} });
    expect(row('IPI Receiver-only Exit').exits).toEqual({ sender: {}, receiver: { 'external interrupt': N } });
    expect(row('Vanilla IPI').exits).toEqual({ sender: { WRMSR: N }, receiver: { 'external interrupt': N } });
  });

  it('--explain phases: the no-exit receiver goes through posted-interrupt processing, the exiting one through a VM exit and entry', () => {
    const names = (m: Table1Mechanism) => row(m).phases.receiver.map((p) => p.phase);
    expect(names('IPI No Exits')).toContain('posted: ON cleared (step 3)');
    expect(names('IPI No Exits')).not.toContain('VM exit');
    expect(names('IPI Receiver-only Exit')).toEqual(expect.arrayContaining(['VM exit', 'VMRESUME (with the VM entry)', 'vmx_launch', 'VMWRITE', 'virtual-interrupt delivery and IDT vectoring']));
    const phaseSum = (r: Table1Row) => r.phases.receiver.reduce((a, p) => a + p.cycles, 0);
    // The phases cover the window: the cell plus the RDTSC overhead it subtracts (and at most one RDTSC of the
    // spin loop that started after the committed one).
    for (const r of rows.values()) {
      const extra = phaseSum(r) - r.events.receiver;
      expect(extra, r.mechanism).toBeGreaterThan(23);
      expect(extra, r.mechanism).toBeLessThan(49);
    }
  });
});

describe('observation changes nothing', () => {
  it('the guest\'s own sums are the same without any listener (spin detection on) as under the event-stream profiler', () => {
    const bytes = new Uint8Array(readFileSync(table1Image()));
    const out: number[] = [];
    const m = createMachine(bytes, { cores: 2, maxCycles: 2e9, onConsole: (b) => out.push(b) });
    configureTable1(m, parseElf(bytes, { ramBytes: 2 ** 29 }), 'Vanilla IPI', N, 3);
    expect(m.run().reason).toBe('exit');
    const text = Buffer.from(out).toString('latin1');
    const sum = (k: string) => Number(new RegExp(`table1 ${k} ${N} (\\d+)`).exec(text)![1]);
    const r = row('Vanilla IPI');
    expect([sum('send'), sum('receive'), sum('total')]).toEqual([r.sender * N, r.receiver * N, r.total * N]);
  });
});

describe('cross-socket (a prediction: nothing was fitted across sockets)', () => {
  it('runs, and the IPI spends the cross-socket latency on the bus', () => {
    const p = loadProfile();
    const r = runTable1Row('IPI No Exits', { iterations: 4, crossSocket: true });
    expect(r.segments.find((s) => s.phase.includes('APIC bus'))!.cycles).toBeCloseTo(p.apic.ipiLatencyCrossSocket.cycles, 6);
    expect(r.total).toBeGreaterThan(row('IPI No Exits').total + (p.apic.ipiLatencyCrossSocket.cycles - p.apic.ipiLatency.cycles));
    expect(r.exits).toEqual({ sender: {}, receiver: {} });
  });
});
