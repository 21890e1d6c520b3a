// Synthetic customers drawn from the BG/NBD process with known parameters, for tests, benchmarks and
// demos. Every draw comes from a `Random` passed in, so a seed fixes the output; `createRandom` is a
// small deterministic PRNG (xoshiro128** seeded through splitmix32).
import type { BgNbdParams, CustomerSummary } from './bgnbd.ts';
import { validateParams } from './bgnbd.ts';
import type { TimeUnit, Transaction } from './summary.ts';
import { daysPerUnit, MS_PER_DAY } from './summary.ts';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * The xoshiro128** generator (Blackman & Vigna, https://prng.di.unimi.it/) from an explicit 128-bit state
 * (four 32-bit words, not all zero): returns successive unsigned 32-bit outputs.
 */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): () => number {
  let [s0, s1, s2, s3] = state.map((word) => word >>> 0) as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) throw new RangeError('xoshiro128**: the state must not be all zero');
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
}

/**
 * A seeded `Random`: xoshiro128** with its state filled from the 32-bit seed by splitmix32, returning
 * doubles in [0, 1) with 53 random bits (two 32-bit outputs per number). Period 2^128 - 1.
 */
export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number (got ${seed})`);
  let splitState = Math.trunc(seed) >>> 0;
  const splitmix32 = () => {
    splitState = (splitState + 0x9e3779b9) >>> 0;
    let z = splitState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state: [number, number, number, number] = [splitmix32(), splitmix32(), splitmix32(), splitmix32()];
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  const next32 = xoshiro128StarStar(state);
  return () => {
    const high = next32() >>> 5; // 27 bits
    const low = next32() >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992; // (high·2^26 + low) / 2^53
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A uniform number in (0, 1], safe to take the logarithm of. */
function openUniform(random: Random): number {
  return 1 - random();
}

/** Standard normal by Box–Muller (one value per call; the pair's second value is discarded). */
export function sampleStandardNormal(random: Random): number {
  const u = openUniform(random);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential with the given rate (mean 1/rate); Infinity for rate 0. */
export function sampleExponential(random: Random, rate: number): number {
  if (!(rate >= 0)) throw new RangeError(`rate must be non-negative (got ${rate})`);
  const e = -Math.log(openUniform(random));
  return rate === 0 ? Number.POSITIVE_INFINITY : e / rate;
}

/**
 * ln of a Gamma(shape, 1) variate. Marsaglia & Tsang (2000) for shape >= 1; for shape < 1 the boost
 * Gamma(shape) = Gamma(shape + 1) · U^(1/shape), kept in logs so tiny shapes do not underflow to 0.
 */
export function sampleLogGamma(random: Random, shape: number): number {
  if (!(Number.isFinite(shape) && shape > 0)) throw new RangeError(`shape must be positive (got ${shape})`);
  if (shape < 1) return sampleLogGamma(random, shape + 1) + Math.log(openUniform(random)) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleStandardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(random);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      return Math.log(d) + Math.log(v);
    }
  }
}

/** Gamma(shape, rate): mean shape/rate. */
export function sampleGamma(random: Random, shape: number, rate = 1): number {
  if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be positive (got ${rate})`);
  return Math.exp(sampleLogGamma(random, shape)) / rate;
}

/** Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b), computed from their logarithms. */
export function sampleBeta(random: Random, a: number, b: number): number {
  const logX = sampleLogGamma(random, a);
  const logY = sampleLogGamma(random, b);
  return 1 / (1 + Math.exp(logY - logX));
}

/** One customer's life under the BG/NBD process: repeat-purchase times, and when they left. */
export interface SimulatedLife {
  /** Repeat-purchase times in (0, horizon]. */
  readonly times: number[];
  /** The time they left (right after their last purchase), or Infinity while still alive at the horizon. */
  readonly dropout: number;
}

/**
 * A customer's life in (0, horizon] with purchase rate λ and dropout probability p: exponential gaps while
 * alive, and after each repeat purchase the customer leaves with probability p (so there is no dropout
 * before the first repeat purchase, as in the BG/NBD likelihood).
 */
export function simulateLife(lambda: number, p: number, horizon: number, random: Random): SimulatedLife {
  const times: number[] = [];
  if (!(lambda > 0)) return { times, dropout: Number.POSITIVE_INFINITY };
  let t = 0;
  for (;;) {
    t += sampleExponential(random, lambda);
    if (t > horizon) return { times, dropout: Number.POSITIVE_INFINITY };
    times.push(t);
    if (random() < p) return { times, dropout: t };
  }
}

/** The repeat-purchase times of `simulateLife` (the same draws). */
export function simulatePurchaseTimes(lambda: number, p: number, horizon: number, random: Random): number[] {
  return simulateLife(lambda, p, horizon, random).times;
}

export interface SimulatedCustomer extends CustomerSummary {
  /** Purchases in (T, T + holdoutLength]. */
  readonly holdout: number;
  /** The customer's latent purchase rate. */
  readonly lambda: number;
  /** The customer's latent dropout probability. */
  readonly p: number;
}

export interface SimulateSummariesOptions {
  readonly customers: number;
  /** Age T of each customer: a constant, or drawn per customer (e.g. cohorts). */
  readonly T: number | ((index: number, random: Random) => number);
  /** Length of the holdout period after T. Default 0. */
  readonly holdoutLength?: number;
  readonly random: Random;
}

/** Summaries (x, t_x, T) and holdout counts of customers drawn from the BG/NBD process. */
export function simulateSummaries(params: BgNbdParams, options: SimulateSummariesOptions): SimulatedCustomer[] {
  validateParams(params);
  const { customers, random } = options;
  const holdoutLength = options.holdoutLength ?? 0;
  if (!(Number.isInteger(customers) && customers >= 0)) throw new RangeError('customers must be a non-negative integer');
  if (!(holdoutLength >= 0 && Number.isFinite(holdoutLength))) throw new RangeError('holdoutLength must be >= 0');
  const out: SimulatedCustomer[] = [];
  for (let i = 0; i < customers; i++) {
    const T = typeof options.T === 'number' ? options.T : options.T(i, random);
    if (!(T >= 0 && Number.isFinite(T))) throw new RangeError(`T must be a non-negative finite number (got ${T})`);
    const lambda = sampleGamma(random, params.r, params.alpha);
    const p = sampleBeta(random, params.a, params.b);
    const times = simulatePurchaseTimes(lambda, p, T + holdoutLength, random);
    let x = 0;
    let tx = 0;
    let holdout = 0;
    for (const time of times) {
      if (time <= T) {
        x++;
        tx = time;
      } else {
        holdout++;
      }
    }
    out.push({ x, tx, T, holdout, lambda, p });
  }
  return out;
}

export interface SimulateTransactionsOptions {
  readonly customers: number;
  /** Earliest first purchase. */
  readonly start: Date;
  /** First purchases are spread uniformly over [start, start + acquisitionPeriods). */
  readonly acquisitionPeriods: number;
  /** Transactions are generated up to this instant. */
  readonly end: Date;
  /** Unit of the model's time scale (α is per unit). Default 'weeks'. */
  readonly unit?: TimeUnit;
  readonly random: Random;
  /** Spend of each transaction; omitted from transactions when not given. */
  readonly amount?: (random: Random, customerIndex: number) => number;
  /** Customer ids are `${idPrefix}${index}` zero-padded to equal length. Default 'c'. */
  readonly idPrefix?: string;
}

export interface SimulatedTransactions {
  /** Sorted by customer, then time. */
  readonly transactions: Transaction[];
  /** Latent values per customer, in customer order. */
  readonly customers: {
    readonly customerId: string;
    readonly firstPurchase: Date;
    readonly lambda: number;
    readonly p: number;
    /** When they left (right after a purchase); null while still alive at `end` (or never acquired). */
    readonly dropoutAt: Date | null;
  }[];
}

/**
 * Transaction lists from the BG/NBD process, with first purchases spread over an acquisition window.
 * Times are continuous; summarizing them collapses purchases that fall on the same calendar day, so the
 * summaries differ slightly from the continuous-time process when λ is large relative to one day.
 * Customers whose first purchase falls after `end` produce no transactions.
 */
export function simulateTransactions(params: BgNbdParams, options: SimulateTransactionsOptions): SimulatedTransactions {
  validateParams(params);
  const { customers, random } = options;
  const unitMs = daysPerUnit(options.unit ?? 'weeks') * MS_PER_DAY;
  const startMs = options.start.getTime();
  const endMs = options.end.getTime();
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new RangeError('start and end must be valid Dates');
  if (!(options.acquisitionPeriods >= 0)) throw new RangeError('acquisitionPeriods must be >= 0');
  const prefix = options.idPrefix ?? 'c';
  const width = String(Math.max(customers - 1, 0)).length;
  const transactions: Transaction[] = [];
  const latent: SimulatedTransactions['customers'] = [];
  const emit = (customerId: string, ms: number, index: number) => {
    const at = new Date(Math.min(Math.round(ms), endMs)); // rounding must not push a purchase past `end`
    transactions.push(options.amount ? { customerId, at, amount: options.amount(random, index) } : { customerId, at });
  };
  for (let i = 0; i < customers; i++) {
    const customerId = `${prefix}${String(i).padStart(width, '0')}`;
    const firstMs = startMs + random() * options.acquisitionPeriods * unitMs;
    const lambda = sampleGamma(random, params.r, params.alpha);
    const p = sampleBeta(random, params.a, params.b);
    if (firstMs > endMs) {
      latent.push({ customerId, firstPurchase: new Date(Math.round(firstMs)), lambda, p, dropoutAt: null });
      continue;
    }
    emit(customerId, firstMs, i);
    const life = simulateLife(lambda, p, (endMs - firstMs) / unitMs, random);
    for (const t of life.times) emit(customerId, firstMs + t * unitMs, i);
    const dropoutAt = Number.isFinite(life.dropout) ? new Date(Math.round(firstMs + life.dropout * unitMs)) : null;
    latent.push({ customerId, firstPurchase: new Date(Math.round(firstMs)), lambda, p, dropoutAt });
  }
  return { transactions, customers: latent };
}

/** Parameters of the Pareto/NBD process (Schmittlein, Morrison & Colombo 1987): purchase and dropout rates. */
export interface ParetoNbdParams {
  /** Shape and rate of the gamma distribution of purchase rates λ (per unit). */
  readonly r: number;
  readonly alpha: number;
  /** Shape and rate of the gamma distribution of dropout rates μ (per unit). */
  readonly s: number;
  readonly beta: number;
}

/** The published Pareto/NBD estimates for CDNOW (Fader, Hardie & Lee 2005), time in weeks. */
export const CDNOW_PARETO_NBD_WEEKS: ParetoNbdParams = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

/**
 * Transactions from a process with a true dropout that does not wait for a purchase: each customer buys at
 * rate λ (Poisson) for an exponential lifetime of rate μ from their first purchase, then leaves for good
 * (the Pareto/NBD process). Unlike the BG/NBD process, a one-time buyer can have left, which is what makes
 * "alive at a date" a fair truth to rank customers against. Same options as `simulateTransactions`.
 */
export function simulateLifetimeTransactions(params: ParetoNbdParams, options: SimulateTransactionsOptions): SimulatedTransactions {
  for (const key of ['r', 'alpha', 's', 'beta'] as const) {
    if (!(Number.isFinite(params[key]) && params[key] > 0)) throw new RangeError(`${key} must be positive (got ${params[key]})`);
  }
  const { customers, random } = options;
  const unitMs = daysPerUnit(options.unit ?? 'weeks') * MS_PER_DAY;
  const startMs = options.start.getTime();
  const endMs = options.end.getTime();
  const prefix = options.idPrefix ?? 'c';
  const width = String(Math.max(customers - 1, 0)).length;
  const transactions: Transaction[] = [];
  const latent: SimulatedTransactions['customers'] = [];
  const emit = (customerId: string, ms: number, index: number) => {
    const at = new Date(Math.min(Math.round(ms), endMs));
    transactions.push(options.amount ? { customerId, at, amount: options.amount(random, index) } : { customerId, at });
  };
  for (let i = 0; i < customers; i++) {
    const customerId = `${prefix}${String(i).padStart(width, '0')}`;
    const firstMs = startMs + random() * options.acquisitionPeriods * unitMs;
    const lambda = sampleGamma(random, params.r, params.alpha);
    const mu = sampleGamma(random, params.s, params.beta);
    const lifetime = sampleExponential(random, mu);
    const leftMs = firstMs + lifetime * unitMs;
    latent.push({
      customerId,
      firstPurchase: new Date(Math.round(firstMs)),
      lambda,
      p: mu,
      dropoutAt: firstMs <= endMs && leftMs <= endMs ? new Date(Math.round(leftMs)) : null,
    });
    if (firstMs > endMs) continue;
    emit(customerId, firstMs, i);
    const until = Math.min(lifetime, (endMs - firstMs) / unitMs);
    for (let t = sampleExponential(random, lambda); t <= until; t += sampleExponential(random, lambda))
      emit(customerId, firstMs + t * unitMs, i);
  }
  return { transactions, customers: latent };
}
