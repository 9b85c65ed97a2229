/**
 * One load run: a guest server on a machine with a NIC, the open-loop
 * client on the far end of the wire, until every request has its reply or
 * the client's timeout has passed.
 *
 * The server says it is ready by printing a line ending in "ready" on the
 * console (port 0xE9); the client starts sending one microsecond later. The
 * run then goes on until the client is done (the machine pauses there: the
 * server's loops never end by themselves).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseElf, type ElfImage } from '../loader/elf.js';
import { Machine, PORT_CONSOLE, type MachineConfig, type StopInfo, type Optimizations } from '../sim/machine.js';
import type { Profile } from '../profile/schema.js';
import { LoadClient, type ClientOptions } from './client.js';

export interface LoadRunOptions {
  /** Path of the guest ELF image. */
  image: string;
  cores: number;
  memoryBytes: number;
  profile: Profile;
  nic: NonNullable<MachineConfig['nic']>;
  client: ClientOptions;
  spinDetection?: boolean;
  /** Host-speed optimizations to turn off (results are identical either way). */
  opt?: Partial<Optimizations>;
  /** After boot, before the run: write the server's configuration into guest memory, attach listeners. */
  beforeRun?: (m: Machine, image: ElfImage) => void;
  /** Stop the run at this tick whatever happens (a safety net; default: none). */
  maxCycles?: number;
}

export interface LoadRunResult {
  machine: Machine;
  client: LoadClient;
  image: ElfImage;
  /** Tick the server said it was ready (NaN if it never did). */
  readyTick: number;
  /** The machine's stop, if the guest stopped it (a fault, an exit, the cycle limit) rather than the client finishing. */
  stop: StopInfo | null;
  console: string;
  hostSeconds: number;
}

export class LoadRunError extends Error { override name = 'LoadRunError'; }

export function runLoad(opts: LoadRunOptions): LoadRunResult {
  const bytes = new Uint8Array(readFileSync(opts.image));
  const image = parseElf(bytes, { ramBytes: opts.memoryBytes });
  const out: number[] = [];
  const m = new Machine({
    cores: opts.cores,
    memoryBytes: opts.memoryBytes,
    profile: opts.profile,
    maxCycles: opts.maxCycles,
    spinDetection: opts.spinDetection,
    opt: opts.opt,
    nic: opts.nic,
    onConsole: (b) => out.push(b),
  });
  m.boot(image);
  const client = new LoadClient(m, opts.client);
  let readyTick = NaN;
  let line = '';
  const ticksPerUs = opts.profile.clock.tscHz.value / 1e6;
  const off = m.events.on('io', (e) => {
    if (e.port !== PORT_CONSOLE || e.dir !== 'out') return;
    const ch = String.fromCharCode(e.value & 0xff);
    if (ch !== '\n') { line += ch; return; }
    if (/ready$/.test(line) && Number.isNaN(readyTick)) {
      readyTick = e.tick;
      client.start(e.tick + ticksPerUs);
      off();
    }
    line = '';
  });
  client.onDone = () => m.requestPause();
  opts.beforeRun?.(m, image);
  const t0 = performance.now();
  const stop = m.runUntilPause();
  // Spin sleepers catch up to the pause, so every core's clock and counters are as without detection.
  if (stop === null) m.settleSpinners();
  const hostSeconds = (performance.now() - t0) / 1000;
  return { machine: m, client, image, readyTick, stop, console: Buffer.from(out).toString('latin1'), hostSeconds };
}
