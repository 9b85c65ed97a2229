/**
 * The key-value store's database files (guest/shinjuku/app_kv.c reads them):
 * what the paper's RocksDB server found on tmpfs before it started
 * ("a RocksDB database created on an in-memory file system with random
 * key-value pairs ... memory-mapped plain tables", NSDI'19 §4.4). The host
 * lays them out in guest memory before the run, as files already in RAM;
 * the guest opens them (reads the header) and every access after that is
 * guest code on the machine's memory hierarchy, starting cold.
 *
 * Layout (little-endian unless said):
 *   header  u32 magic "KVDB", u32 runs, u64 bytes, then per run
 *           { u64 dataOff, u64 dataBytes, u32 records, u32 nindex, u64 indexOff }
 *   data    per run, 4 KiB aligned: records back to back, each
 *           u8 24 | user key (16 bytes) | trailer u64 (sequence << 8 | type 1) | u8 100 | value (100 bytes)
 *   index   per run: every 16th record's user key (16 bytes) and its offset (u64)
 *
 * The user key of key number k is its 8 bytes big-endian then two 32-bit
 * hashes of k (so keys compare as bytes in key-number order, and look
 * random past the prefix); k lives in run fmix32(k ^ 0x6b76) mod 3; its
 * value is 25 xorshift32 words seeded from k. db_bench's defaults give the
 * sizes (key_size 16, value_size 100, num 1,000,000) and the shape (its
 * fillrandom through 64 MB write buffers leaves two level-0 files and a
 * memtable: 3 sorted runs, under the compaction trigger of 4), RocksDB's
 * PlainTableOptions the index (index_sparseness 16, store_index_in_file).
 */
export const KV_RUNS = 3;
export const USER_KEY_BYTES = 16;
export const VALUE_BYTES = 100;
export const RECORD_BYTES = 1 + USER_KEY_BYTES + 8 + 1 + VALUE_BYTES;
export const SPARSENESS = 16;
export const INDEX_ENTRY_BYTES = 24;
export const KVDB_MAGIC = 0x4244564b; // "KVDB"
const HEADER_BYTES = 16 + KV_RUNS * 32;

export function fmix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export const runOf = (k: number) => fmix32((k ^ 0x6b76) >>> 0) % KV_RUNS;

function writeUserKey(dv: DataView, at: number, k: number): void {
  dv.setUint32(at, Math.floor(k / 2 ** 32)); // big-endian: the key number first
  dv.setUint32(at + 4, k >>> 0);
  dv.setUint32(at + 8, fmix32(k >>> 0));
  dv.setUint32(at + 12, fmix32((k ^ 0x9e3779b9) >>> 0));
}

/** The value of key k: 25 xorshift32 words. */
export function valueWords(k: number): Uint32Array {
  const w = new Uint32Array(VALUE_BYTES / 4);
  let x = (fmix32((k ^ 0x1234567) >>> 0) | 1) >>> 0;
  for (let i = 0; i < w.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    w[i] = x;
  }
  return w;
}

/** What the store returns for reading key k's value (app_kv.c value_sum), for checking replies. */
export function valueChecksum(k: number): bigint {
  const w = valueWords(k);
  const M = (1n << 64n) - 1n;
  let h = 0n;
  for (let i = 0; i + 1 < 25; i += 2) h = ((h ^ (BigInt(w[i]!) | (BigInt(w[i + 1]!) << 32n))) * 0x100000001b3n) & M;
  return h ^ BigInt(w[24]!);
}

export interface KvDb { bytes: Uint8Array; runs: { records: number; dataOff: number; dataBytes: number; indexOff: number; nindex: number }[] }

const align = (v: number, a: number) => Math.ceil(v / a) * a;

/** Build the database of `keys` keys (0 .. keys−1). */
export function buildKvDb(keys: number): KvDb {
  const counts = new Array<number>(KV_RUNS).fill(0);
  for (let k = 0; k < keys; k++) counts[runOf(k)]!++;
  let off = align(HEADER_BYTES, 4096);
  const runs = counts.map((records) => {
    const dataOff = off;
    const dataBytes = records * RECORD_BYTES;
    const nindex = Math.ceil(records / SPARSENESS);
    const indexOff = align(dataOff + dataBytes, 64);
    off = align(indexOff + nindex * INDEX_ENTRY_BYTES, 4096);
    return { records, dataOff, dataBytes, indexOff, nindex };
  });
  const bytes = new Uint8Array(off);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, KVDB_MAGIC, true);
  dv.setUint32(4, KV_RUNS, true);
  dv.setBigUint64(8, BigInt(off), true);
  runs.forEach((r, i) => {
    const h = 16 + 32 * i;
    dv.setBigUint64(h, BigInt(r.dataOff), true);
    dv.setBigUint64(h + 8, BigInt(r.dataBytes), true);
    dv.setUint32(h + 16, r.records, true);
    dv.setUint32(h + 20, r.nindex, true);
    dv.setBigUint64(h + 24, BigInt(r.indexOff), true);
  });
  const cur = runs.map((r) => r.dataOff);
  const n = new Array<number>(KV_RUNS).fill(0);
  for (let k = 0; k < keys; k++) {
    const r = runOf(k);
    const p = cur[r]!;
    if (n[r]! % SPARSENESS === 0) {
      const e = runs[r]!.indexOff + (n[r]! / SPARSENESS) * INDEX_ENTRY_BYTES;
      writeUserKey(dv, e, k);
      dv.setBigUint64(e + 16, BigInt(p - runs[r]!.dataOff), true);
    }
    n[r]!++;
    bytes[p] = USER_KEY_BYTES + 8;
    writeUserKey(dv, p + 1, k);
    // RocksDB's internal-key trailer: (sequence << 8) | type, fixed64 little-endian; sequence k + 1, type 1 (a value).
    dv.setUint32(p + 17, (((k + 1) << 8) | 1) >>> 0, true);
    dv.setUint32(p + 21, Math.floor((k + 1) / 2 ** 24), true);
    bytes[p + 25] = VALUE_BYTES;
    const w = valueWords(k);
    for (let i = 0; i < w.length; i++) dv.setUint32(p + 26 + 4 * i, w[i]!, true);
    cur[r] = p + RECORD_BYTES;
  }
  return { bytes, runs };
}
