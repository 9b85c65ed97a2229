/** The debugger's run controller: collects stop hits while the machine runs and pauses it at the first. */
import type { Machine } from '../sim/machine.js';
import type { Hit } from './points.js';

/** How many other-core RIPs a stop lists as "meanwhile". */
const MEANWHILE_MAX = 6;

/** Collects hits while the machine runs and asks it to pause at the first. */
export class RunCtl {
  private hits: Hit[] = [];
  private asked = false;
  readonly meanwhile = new Map<number, number[]>();
  constructor(private readonly m: Machine) {}
  hit(h: Hit): void {
    this.hits.push(h);
    if (!this.asked) { this.asked = true; this.m.requestPause(); }
  }
  /** Pause without a hit (a slice boundary). */
  pauseOnly(): void { if (!this.asked) { this.asked = true; this.m.requestPause(); } }
  take(): Hit[] { const h = this.hits; this.hits = []; this.asked = false; return h; }
  noteOther(core: number, rip: number): void {
    let l = this.meanwhile.get(core);
    if (!l) { l = []; this.meanwhile.set(core, l); }
    if (l.length < MEANWHILE_MAX) l.push(rip);
    else if (l.length === MEANWHILE_MAX) l.push(NaN); // "..."
  }
}

