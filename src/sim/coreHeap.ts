/**
 * The scheduler's order of cores (docs/architecture.md "Time and the global
 * scheduler"): a binary min-heap over (time, id) of the running cores, so
 * that picking the next core and the bound it may run to costs O(log n) per
 * slice instead of two scans of every core.
 *
 * Keys are refreshed two ways. A state change (a core halts, wakes, sleeps
 * in a spin loop) calls `update` at once: the key may drop (a woken core), so
 * it must sift up. A core's clock, the other way the key changes, only ever
 * grows — the running core's, or a waiting core's when a device or another
 * core's VMX work charges it — so a stored key is never larger than the true
 * one. `top` and `second` therefore check the keys they return against the
 * cores and sift stale ones down until the nodes they read are exact: a node
 * whose stored key is exact is the true minimum of its subtree, since every
 * stored key below it is at most its true key and at least its own.
 */
import { RunState } from '../cpu/core.js';

/** What the heap reads of a core. */
export interface Schedulable { readonly id: number; readonly time: number; readonly state: RunState }

export class CoreHeap {
  /** Heap position → core id. */
  private readonly ids: Int32Array;
  /** Heap position → stored key (the core's time when running, else +Infinity). */
  private readonly keys: Float64Array;
  /** Core id → heap position. */
  private readonly pos: Int32Array;
  private readonly n: number;

  constructor(private readonly cores: readonly Schedulable[]) {
    this.n = cores.length;
    this.ids = new Int32Array(this.n);
    this.keys = new Float64Array(this.n);
    this.pos = new Int32Array(this.n);
    this.rebuild();
  }

  private static keyOf(c: Schedulable): number { return c.state === RunState.Running ? c.time : Infinity; }

  /** Recompute every key (after a bulk change, or to start). */
  rebuild(): void {
    for (let i = 0; i < this.n; i++) { this.ids[i] = i; this.keys[i] = CoreHeap.keyOf(this.cores[i]!); this.pos[i] = i; }
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** Core `id`'s state (or clock, either way) changed: move it to its place. */
  update(id: number): void {
    const p = this.pos[id]!;
    const k = CoreHeap.keyOf(this.cores[id]!);
    const old = this.keys[p]!;
    this.keys[p] = k;
    if (k < old) this.up(p); else if (k > old) this.down(p);
  }

  /** The running core with the smallest (time, id), or -1 when no core runs. */
  top(): number {
    for (;;) {
      if (this.n === 0) return -1;
      const id = this.ids[0]!;
      const k = CoreHeap.keyOf(this.cores[id]!);
      if (k !== this.keys[0]) { this.keys[0] = k; this.down(0); continue; }
      return k === Infinity ? -1 : id;
    }
  }

  /** After `top`: the running core next in (time, id) order, or -1. */
  second(): number {
    const n = this.n;
    for (;;) {
      const l = 1, r = 2;
      if (l >= n) return -1;
      if (!this.fresh(l)) continue;
      if (r < n && !this.fresh(r)) continue;
      const m = r < n && this.less(r, l) ? r : l;
      return this.keys[m] === Infinity ? -1 : this.ids[m]!;
    }
  }

  /** Is the key at heap position p exact? If not, fix it (sift down) and say so. */
  private fresh(p: number): boolean {
    const k = CoreHeap.keyOf(this.cores[this.ids[p]!]!);
    if (k === this.keys[p]) return true;
    this.keys[p] = k;
    this.down(p);
    return false;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!, kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.ids[a]! < this.ids[b]!);
  }

  private swap(a: number, b: number): void {
    const ia = this.ids[a]!, ib = this.ids[b]!, ka = this.keys[a]!;
    this.ids[a] = ib; this.keys[a] = this.keys[b]!; this.pos[ib] = a;
    this.ids[b] = ia; this.keys[b] = ka; this.pos[ia] = b;
  }

  private up(p: number): void {
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (!this.less(p, q)) return;
      this.swap(p, q);
      p = q;
    }
  }

  private down(p: number): void {
    const n = this.n;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, p)) return;
      this.swap(m, p);
      p = m;
    }
  }
}
