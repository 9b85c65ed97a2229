/**
 * Service-time distributions in the paper's notation (NSDI'19 §4.2–4.4),
 * in microseconds:
 *   fixed:1                       every request 1 µs
 *   exp:50                        exponential, mean 50 µs
 *   lognormal:1,10                lognormal with mean 1 µs and standard deviation 10 µs
 *   bimodal:99.5-0.5,0.5-500      99.5 % of requests 0.5 µs, 0.5 % 500 µs
 *   trimodal:33-1,33-10,33-100    a third each of 1, 10 and 100 µs
 *   kv:99.5-get,0.5-scan1000      the key-value store: GETs and SCANs of 1000 keys (Fig. 8a)
 *   kv:50-get,50-scan5000         (Fig. 8b/8c)
 * Each mode of a multimodal distribution is a request type (its own UDP
 * port, as the paper's clients send each class to its own port); the
 * others have one type. A distribution samples (type, service time) from
 * one seeded stream.
 */
import type { Prng } from '../sim/prng.js';

export interface RequestType {
  /** Short label: "fixed", "0.5us", "GET", "SCAN(1000)". */
  name: string;
  /** Mean service time of this type, µs (for a key-value type: the paper's figure, used for slowdown). */
  meanUs: number;
  /** Key-value store operations. */
  op?: 'get' | 'scan';
  scanKeys?: number;
}

export interface ServiceDist {
  readonly notation: string;
  readonly types: readonly RequestType[];
  /** E[S] and E[S²] over all requests, µs and µs² (the queueing formulas' inputs). */
  readonly meanUs: number;
  readonly secondMomentUs2: number;
  /** Draw one request: its type and its service time in µs. */
  sample(rng: Prng, out: { type: number; serviceUs: number }): void;
}

/** The paper's key-value service times (NSDI'19 §4.4): GET 6 µs, SCAN of 1000 keys 240 µs (0.24 µs per key). */
export const KV_GET_US = 6;
export const KV_SCAN_US_PER_KEY = 0.24;

export class DistError extends Error { override name = 'DistError'; }

const num = (s: string, what: string): number => {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new DistError(`${what}: '${s}' is not a number`);
  return v;
};
const positive = (s: string, what: string): number => {
  const v = num(s, what);
  if (!(v > 0)) throw new DistError(`${what} must be positive, got ${s}`);
  return v;
};

/** Uniform in (0, 1]: never 0, so its logarithm is finite. */
const u01 = (rng: Prng) => 1 - rng.nextFloat();

function single(notation: string, name: string, mean: number, second: number, draw: (rng: Prng) => number): ServiceDist {
  return {
    notation, types: [{ name, meanUs: mean }], meanUs: mean, secondMomentUs2: second,
    sample(rng, out) { out.type = 0; out.serviceUs = draw(rng); },
  };
}

function modes(notation: string, parts: { pct: number; type: RequestType; us: number }[]): ServiceDist {
  const total = parts.reduce((a, p) => a + p.pct, 0);
  const cum: number[] = [];
  let c = 0;
  for (const p of parts) { c += p.pct / total; cum.push(c); }
  cum[cum.length - 1] = 1;
  const mean = parts.reduce((a, p) => a + (p.pct / total) * p.us, 0);
  const second = parts.reduce((a, p) => a + (p.pct / total) * p.us * p.us, 0);
  return {
    notation, types: parts.map((p) => p.type), meanUs: mean, secondMomentUs2: second,
    sample(rng, out) {
      const u = rng.nextFloat();
      let i = 0;
      while (u >= cum[i]!) i++;
      out.type = i;
      out.serviceUs = parts[i]!.us;
    },
  };
}

/** Parse the paper's notation (see the module comment); errors say what was expected. */
export function parseDist(text: string): ServiceDist {
  const m = /^\s*([a-z]+)\s*:\s*(.*?)\s*$/.exec(text);
  if (!m) throw new DistError(`distribution '${text}': expected kind:parameters, e.g. fixed:1, exp:50, lognormal:1,10, bimodal:99.5-0.5,0.5-500, trimodal:33-1,33-10,33-100, kv:99.5-get,0.5-scan1000`);
  const [, kind, args] = m as unknown as [string, string, string];
  switch (kind) {
    case 'fixed': {
      const v = positive(args, 'fixed service time (µs)');
      return single(text, 'fixed', v, v * v, () => v);
    }
    case 'exp': {
      const mean = positive(args, 'exponential mean (µs)');
      return single(text, 'exp', mean, 2 * mean * mean, (rng) => -Math.log(u01(rng)) * mean);
    }
    case 'lognormal': {
      const [a, b, ...rest] = args.split(',');
      if (b === undefined || rest.length) throw new DistError(`lognormal takes mean,sd (µs), e.g. lognormal:1,10; got '${args}'`);
      const mean = positive(a!, 'lognormal mean (µs)');
      const sd = positive(b, 'lognormal standard deviation (µs)');
      // S = exp(N(mu, sigma²)) with E[S] = mean, sd(S) = sd.
      const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
      const mu = Math.log(mean) - sigma2 / 2;
      const sigma = Math.sqrt(sigma2);
      return single(text, 'lognormal', mean, sd * sd + mean * mean, (rng) => {
        // Box–Muller: one standard normal from two uniforms.
        const z = Math.sqrt(-2 * Math.log(u01(rng))) * Math.cos(2 * Math.PI * rng.nextFloat());
        return Math.exp(mu + sigma * z);
      });
    }
    case 'bimodal': case 'trimodal': {
      const want = kind === 'bimodal' ? 2 : 3;
      const parts = args.split(',').map((p) => {
        const pm = /^([^-]+)-([^-]+)$/.exec(p.trim());
        if (!pm) throw new DistError(`${kind} modes are percent-µs pairs, e.g. ${kind === 'bimodal' ? '99.5-0.5,0.5-500' : '33-1,33-10,33-100'}; got '${p}'`);
        const pct = positive(pm[1]!, `${kind} percentage`);
        const us = positive(pm[2]!, `${kind} service time (µs)`);
        return { pct, us, type: { name: `${us}us`, meanUs: us } };
      });
      if (parts.length !== want) throw new DistError(`${kind} takes ${want} modes, got ${parts.length}`);
      return modes(text, parts);
    }
    case 'kv': {
      const parts = args.split(',').map((p) => {
        const pm = /^([^-]+)-(get|scan(\d+))$/i.exec(p.trim());
        if (!pm) throw new DistError(`kv modes are percent-operation pairs, e.g. 99.5-get,0.5-scan1000; got '${p}'`);
        const pct = positive(pm[1]!, 'kv percentage');
        if (pm[2]!.toLowerCase() === 'get') return { pct, us: KV_GET_US, type: { name: 'GET', meanUs: KV_GET_US, op: 'get' as const } };
        const keys = Number(pm[3]);
        if (!Number.isInteger(keys) || keys < 1) throw new DistError(`SCAN needs a positive key count, got '${pm[3]}'`);
        const us = keys * KV_SCAN_US_PER_KEY;
        return { pct, us, type: { name: `SCAN(${keys})`, meanUs: us, op: 'scan' as const, scanKeys: keys } };
      });
      return modes(text, parts);
    }
    default:
      throw new DistError(`unknown distribution '${kind}' (fixed, exp, lognormal, bimodal, trimodal, kv)`);
  }
}
