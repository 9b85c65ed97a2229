/**
 * The cost seam between cores and memory. Every guest load or store asks the
 * memory system what it costs. The machine uses `CoherentMemorySystem`
 * (coherence.ts: private L1/L2, shared L3, a MESI directory per 64-byte line,
 * DRAM).
 */
import type { Tick } from '../sim/time.js';

export interface MemorySystem {
  /** Cost of a load of the line holding physical address `pa` by `core`. */
  load(core: number, pa: number): Tick;
  /** Cost of a store. */
  store(core: number, pa: number): Tick;
  /**
   * Cost of the read half of a read-modify-write: hardware issues a read
   * for ownership (RFO), so the line arrives writable and the following
   * store hits.
   */
  rfo(core: number, pa: number): Tick;
  /** Cost of an access to RAM whose memory type is uncacheable (UC, from the MTRRs): it bypasses the caches. */
  uncached(core: number, pa: number): Tick;
  /**
   * A load that hits this core's L1 through the fast filter: its cost (with
   * the hit's bookkeeping done, exactly as `load` would), else -1 and
   * nothing changed. A hit line is this core's, so it needs no replay check.
   */
  loadHit(core: number, pa: number): Tick;
  /** What a load would pay to fetch the line from another core's cache, else 0; changes nothing. */
  remoteLoadCost(core: number, pa: number): Tick;
  /** CLFLUSH by `core`: the line leaves every cache of the coherence domain (written back if dirty). */
  flush(core: number, pa: number): void;
}
