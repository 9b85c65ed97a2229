/**
 * Queueing theory as the oracle for the server (tests and the validation
 * script): closed forms for M/M/k (Erlang C), M/M/1 and M/G/1
 * (Pollaczek–Khinchine), and the exact sample path of a k-server FCFS queue
 * (the Kiefer–Wolfowitz recursion: each arrival starts on the server that
 * frees first), which gives every request's waiting time for the very
 * arrival and service times the client generated.
 */

/** Erlang C: probability an arrival waits, k servers, offered load a = λE[S] Erlangs (a < k). */
export function erlangC(k: number, a: number): number {
  if (!(a < k)) return 1;
  // Σ_{n<k} a^n/n! and a^k/k! computed iteratively (stable for k ≤ a few hundred).
  let term = 1, sum = 0;
  for (let n = 0; n < k; n++) { sum += term; term *= a / (n + 1); }
  const last = term * (k / (k - a));
  return last / (sum + last);
}

/** M/M/k mean waiting time (µs): C/(kµ − λ). */
export function mmkMeanWait(k: number, meanUs: number, lambdaPerUs: number): number {
  const c = erlangC(k, lambdaPerUs * meanUs);
  return c / (k / meanUs - lambdaPerUs);
}

/** M/M/k waiting-time quantile q (µs): P(W > t) = C·e^{−(kµ−λ)t}; 0 when C ≤ 1 − q. */
export function mmkWaitQuantile(k: number, meanUs: number, lambdaPerUs: number, q: number): number {
  const c = erlangC(k, lambdaPerUs * meanUs);
  if (c <= 1 - q) return 0;
  return Math.log(c / (1 - q)) / (k / meanUs - lambdaPerUs);
}

/** M/M/k sojourn-time quantile q (µs), solving P(T > t) = 1 − q by bisection (d = kµ − λ ≠ µ). */
export function mmkSojournQuantile(k: number, meanUs: number, lambdaPerUs: number, q: number): number {
  const mu = 1 / meanUs, c = erlangC(k, lambdaPerUs * meanUs), d = k * mu - lambdaPerUs;
  const tail = (t: number) => (Math.abs(d - mu) < 1e-12
    ? (1 - c) * Math.exp(-mu * t) + c * (1 + mu * t) * Math.exp(-mu * t)
    : (1 - c) * Math.exp(-mu * t) + c * (d * Math.exp(-mu * t) - mu * Math.exp(-d * t)) / (d - mu));
  let lo = 0, hi = meanUs;
  while (tail(hi) > 1 - q) hi *= 2;
  for (let i = 0; i < 200; i++) { const m = (lo + hi) / 2; if (tail(m) > 1 - q) lo = m; else hi = m; }
  return (lo + hi) / 2;
}

/** M/G/1 (Pollaczek–Khinchine) mean waiting time: λE[S²] / (2(1 − ρ)). */
export function mg1MeanWait(lambdaPerUs: number, meanUs: number, secondMomentUs2: number): number {
  const rho = lambdaPerUs * meanUs;
  return (lambdaPerUs * secondMomentUs2) / (2 * (1 - rho));
}

/**
 * The waiting time of every request in a k-server FCFS queue, given arrival
 * times and service times (same unit), in arrival order.
 */
export function fcfsWaits(k: number, arrivals: ArrayLike<number>, services: ArrayLike<number>): Float64Array {
  const free = new Float64Array(k).fill(-Infinity);
  const w = new Float64Array(arrivals.length);
  for (let i = 0; i < arrivals.length; i++) {
    let j = 0;
    for (let s = 1; s < k; s++) if (free[s]! < free[j]!) j = s;
    const start = Math.max(arrivals[i]!, free[j]!);
    w[i] = start - arrivals[i]!;
    free[j] = start + services[i]!;
  }
  return w;
}
