// Over 400 lines on purpose: numerical code kept together (likelihood, gradient and predictions share the kernels at the end).
// The BG/NBD model of Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way: An Alternative
// to the Pareto/NBD Model", Marketing Science 24(2). While alive a customer buys as a Poisson process with
// rate λ ~ Gamma(r, α); after each repeat purchase they drop out with probability p ~ Beta(a, b).
//
// Summary statistics per customer, in "periods" (any fixed unit, weeks by convention) since the first
// purchase: x repeat purchases, the last of them at t_x, observed for T periods (t_x <= T; t_x = 0 when
// x = 0). Everything here is pure and synchronous. Equation numbers refer to the paper as cited by the
// lifetimes package: (6) likelihood, (8) P(X(t) = x), (9) E[X(t)], (10) E[Y(t) | x, t_x, T].
import { digamma, exprel, hyp2f1, logBeta, logGamma, regularizedIncompleteBeta } from './special-functions.ts';

export interface BgNbdParams {
  /** Shape of the gamma distribution of purchase rates λ. */
  readonly r: number;
  /** Rate (inverse scale) of the gamma distribution of λ, in periods. */
  readonly alpha: number;
  /** First shape of the beta distribution of the dropout probability p. */
  readonly a: number;
  /** Second shape of the beta distribution of p. */
  readonly b: number;
}

export interface CustomerSummary {
  /** Number of repeat purchases (a non-negative integer). */
  readonly x: number;
  /** Time of the last repeat purchase since the first purchase (0 when x = 0). */
  readonly tx: number;
  /** Time from the first purchase to the end of the calibration period. */
  readonly T: number;
}

/** A summary row standing for `weight` identical customers (default 1). */
export interface WeightedCustomerSummary extends CustomerSummary {
  readonly weight?: number;
}

export function validateParams(params: BgNbdParams): void {
  for (const key of ['r', 'alpha', 'a', 'b'] as const) {
    const value = params[key];
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`BG/NBD parameter ${key} must be a positive finite number (got ${value})`);
    }
  }
}

export function validateSummary(s: CustomerSummary): void {
  if (!(Number.isInteger(s.x) && s.x >= 0)) {
    throw new RangeError(`x must be a non-negative integer (got ${s.x})`);
  }
  if (!(Number.isFinite(s.T) && s.T >= 0)) throw new RangeError(`T must be a non-negative finite number (got ${s.T})`);
  if (!(Number.isFinite(s.tx) && s.tx >= 0 && s.tx <= s.T)) {
    throw new RangeError(`tx must satisfy 0 <= tx <= T (got tx=${s.tx}, T=${s.T})`);
  }
}

function validateHorizon(t: number): void {
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`t must be a non-negative finite number (got ${t})`);
}

/** log(1 + e^d), stable for any d. */
function softplus(d: number): number {
  return d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d));
}

/** 1 / (1 + e^-d), stable for any d. */
function sigmoid(d: number): number {
  if (d >= 0) return 1 / (1 + Math.exp(-d));
  const e = Math.exp(d);
  return e / (1 + e);
}

/**
 * d = log of the ratio of the "dropped out after the last purchase" term of the likelihood to the "still
 * alive" term (x > 0): ln(a/(b+x-1)) + (r+x) ln((α+T)/(α+t_x)). P(alive) = 1/(1 + e^d).
 */
function dropoutLogOdds(params: BgNbdParams, s: CustomerSummary): number {
  const { r, alpha, a, b } = params;
  return Math.log(a) - Math.log(b + s.x - 1) + (r + s.x) * Math.log1p((s.T - s.tx) / (alpha + s.tx));
}

/**
 * Individual log-likelihood (the paper's eq. 6, the sum of two terms), in log space:
 *   ln L = ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b) - (r+x) ln(α+T) + [x>0] log(1 + e^d)
 * which is the log-sum-exp of the two terms with the common factor taken out, using
 * B(a+1, b+x-1) = B(a, b+x)·a/(b+x-1). Stable for large x and for a < 1.
 */
export function customerLogLikelihood(params: BgNbdParams, s: CustomerSummary): number {
  validateParams(params);
  validateSummary(s);
  const { r, alpha, a, b } = params;
  const { x, T } = s;
  let ll = r * Math.log(alpha) - (r + x) * Math.log(alpha + T);
  if (x > 0) {
    ll += logGamma(r + x) - logGamma(r) + logBeta(a, b + x) - logBeta(a, b) + softplus(dropoutLogOdds(params, s));
  }
  return ll;
}

/** Identical (x, t_x, T) rows merged with summed weights, zero weights dropped, sorted by (x, t_x, T). */
export function collapseSummaries(rows: Iterable<WeightedCustomerSummary>): Required<WeightedCustomerSummary>[] {
  const copies: { x: number; tx: number; T: number; weight: number }[] = [];
  for (const row of rows) {
    validateSummary(row);
    const weight = row.weight ?? 1;
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new RangeError(`weight must be a non-negative finite number (got ${weight})`);
    }
    if (weight === 0) continue;
    // t_x carries no information when x = 0
    copies.push({ x: row.x, tx: row.x === 0 ? 0 : row.tx, T: row.T, weight });
  }
  // Sort, then merge neighbours: no string keys, and the order of the output is canonical.
  copies.sort((p, q) => p.x - q.x || p.tx - q.tx || p.T - q.T);
  const merged: { x: number; tx: number; T: number; weight: number }[] = [];
  for (const row of copies) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.x === row.x && last.tx === row.tx && last.T === row.T) last.weight += row.weight;
    else merged.push(row);
  }
  return merged;
}

/** Summaries in columnar form for repeated likelihood evaluation (see `prepareSummaries`). */
export interface PreparedSummaries {
  /** Distinct x values. */
  readonly xValues: Float64Array;
  /** Per row: index into xValues. */
  readonly xIndex: Uint32Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly weight: Float64Array;
  /** Σ weight (the number of customers represented). */
  readonly totalWeight: number;
}

/** Collapses identical rows and stores them column-wise; quantities depending only on x are shared. */
export function prepareSummaries(rows: Iterable<WeightedCustomerSummary>): PreparedSummaries {
  const collapsed = collapseSummaries(rows);
  const n = collapsed.length;
  const xIndex = new Uint32Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const weight = new Float64Array(n);
  const xs: number[] = [];
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    const row = collapsed[i] as Required<WeightedCustomerSummary>;
    if (xs.length === 0 || xs[xs.length - 1] !== row.x) xs.push(row.x); // rows are sorted by x
    xIndex[i] = xs.length - 1;
    tx[i] = row.tx;
    T[i] = row.T;
    weight[i] = row.weight;
    totalWeight += row.weight;
  }
  return { xValues: Float64Array.from(xs), xIndex, tx, T, weight, totalWeight };
}

export interface LogLikelihoodAndGradient {
  readonly logLikelihood: number;
  /** ∂ ln L / ∂(ln r, ln α, ln a, ln b): the gradient with respect to the log-parameters. */
  readonly gradient: readonly [number, number, number, number];
}

/**
 * Total (weighted) log-likelihood and its exact gradient with respect to (ln r, ln α, ln a, ln b).
 * With σ = e^d/(1+e^d) the posterior weight of "dropped out at t_x":
 *   ∂/∂r = ψ(r+x) - ψ(r) + ln α - ln(α+T) + σ ln((α+T)/(α+t_x))
 *   ∂/∂α = r/α - (r+x)/(α+T) - σ (r+x)(T-t_x)/((α+T)(α+t_x))
 *   ∂/∂a = ψ(a+b) - ψ(a+b+x) + σ/a
 *   ∂/∂b = ψ(b+x) - ψ(b) + ψ(a+b) - ψ(a+b+x) - σ/(b+x-1)
 * (terms with x vanish when x = 0), then multiplied by the parameter (chain rule for the log scale).
 */
export function logLikelihoodAndGradient(params: BgNbdParams, data: PreparedSummaries): LogLikelihoodAndGradient {
  validateParams(params);
  const { r, alpha, a, b } = params;
  const nx = data.xValues.length;
  // Per distinct x: the x-only part of ln L and of each partial derivative.
  const constant = new Float64Array(nx);
  const logOddsBase = new Float64Array(nx);
  const dr = new Float64Array(nx);
  const da = new Float64Array(nx);
  const db = new Float64Array(nx);
  const invBx1 = new Float64Array(nx);
  const lgR = logGamma(r);
  const lbAB = logBeta(a, b);
  const psiR = digamma(r);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  const logA = Math.log(a);
  for (let u = 0; u < nx; u++) {
    const x = data.xValues[u] as number;
    if (x === 0) continue;
    constant[u] = logGamma(r + x) - lgR + logBeta(a, b + x) - lbAB;
    logOddsBase[u] = logA - Math.log(b + x - 1);
    const psiABX = digamma(a + b + x);
    dr[u] = digamma(r + x) - psiR;
    da[u] = psiAB - psiABX;
    db[u] = digamma(b + x) - psiB + psiAB - psiABX;
    invBx1[u] = 1 / (b + x - 1);
  }
  const logAlpha = Math.log(alpha);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  const n = data.weight.length;
  for (let i = 0; i < n; i++) {
    const w = data.weight[i] as number;
    const u = data.xIndex[i] as number;
    const x = data.xValues[u] as number;
    const T = data.T[i] as number;
    const alphaT = alpha + T;
    const logAlphaT = Math.log(alphaT);
    const rx = r + x;
    let rowLl = r * logAlpha - rx * logAlphaT;
    let rowR = logAlpha - logAlphaT;
    let rowAlpha = r / alpha - rx / alphaT;
    if (x > 0) {
      const tx = data.tx[i] as number;
      const alphaTx = alpha + tx;
      const logRatio = Math.log1p((T - tx) / alphaTx);
      const d = (logOddsBase[u] as number) + rx * logRatio;
      const sigma = sigmoid(d);
      rowLl += (constant[u] as number) + softplus(d);
      rowR += (dr[u] as number) + sigma * logRatio;
      rowAlpha -= (sigma * rx * (T - tx)) / (alphaT * alphaTx);
      ga += w * ((da[u] as number) + sigma / a);
      gb += w * ((db[u] as number) - sigma * (invBx1[u] as number));
    }
    ll += w * rowLl;
    gr += w * rowR;
    gAlpha += w * rowAlpha;
  }
  return { logLikelihood: ll, gradient: [gr * r, gAlpha * alpha, ga * a, gb * b] };
}

/** Σ weight · ln L over the rows (identical rows may be pre-collapsed with a weight). */
export function totalLogLikelihood(params: BgNbdParams, rows: Iterable<WeightedCustomerSummary>): number {
  return logLikelihoodAndGradient(params, prepareSummaries(rows)).logLikelihood;
}

/**
 * P(alive | x, t_x, T) (Fader, Hardie & Lee, note "Computing P(alive) using the BG/NBD model"; the
 * reciprocal of the denominator of eq. 10):
 * 1 / (1 + [x>0] a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)). Exactly 1 when x = 0 (no dropout before the first
 * repeat purchase in this model).
 */
export function probabilityAlive(params: BgNbdParams, s: CustomerSummary): number {
  validateParams(params);
  validateSummary(s);
  if (s.x === 0) return 1;
  return sigmoid(-dropoutLogOdds(params, s));
}

/**
 * Expected number of purchases in the next t periods given the history, eq. (10):
 *   P(alive) · (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
 * evaluated without the removable singularity at a = 1 (see `expectationKernel`).
 */
export function expectedPurchasesInNext(params: BgNbdParams, s: CustomerSummary, t: number): number {
  validateParams(params);
  validateSummary(s);
  validateHorizon(t);
  const { r, alpha, a, b } = params;
  const alive = s.x === 0 ? 1 : sigmoid(-dropoutLogOdds(params, s));
  return alive * expectationKernel(r, a, b, s.x, t / (alpha + s.T + t));
}

/**
 * E[X(t)], expected number of repeat purchases in (0, t] for a newly acquired customer (eq. 9 of the paper):
 * (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))].
 */
export function expectedPurchasesNewCustomer(params: BgNbdParams, t: number): number {
  validateParams(params);
  validateHorizon(t);
  const { r, alpha, a, b } = params;
  return expectationKernel(r, a, b, 0, t / (alpha + t));
}

/**
 * P(X(t) = n) for a newly acquired customer, eq. (8):
 *   B(a, b+n)/B(a,b) · Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n
 *   + [n>0] B(a+1, b+n-1)/B(a,b) · [1 - (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j]
 * The bracket is the upper tail of a negative binomial, computed as I_{t/(α+t)}(n, r) (regularized
 * incomplete beta) rather than as 1 minus a sum, which would cancel for large n.
 */
export function probabilityOfNPurchases(params: BgNbdParams, t: number, n: number): number {
  validateParams(params);
  validateHorizon(t);
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`n must be a non-negative integer (got ${n})`);
  const { r, alpha, a, b } = params;
  if (t === 0) return n === 0 ? 1 : 0;
  const logP = -Math.log1p(t / alpha); // ln(α/(α+t))
  const logQ = -Math.log1p(alpha / t); // ln(t/(α+t))
  const lbAB = logBeta(a, b);
  const first = Math.exp(logBeta(a, b + n) - lbAB + logGamma(r + n) - logGamma(r) - logGamma(n + 1) + r * logP + n * logQ);
  if (n === 0) return first;
  const q = t / (alpha + t);
  const tail = regularizedIncompleteBeta(q, n, r);
  return first + Math.exp(logBeta(a + 1, b + n - 1) - lbAB) * tail;
}

/**
 * P(at least one purchase in (T, T+t] | x, t_x, T) = P(alive) · (1 - ((α+T)/(α+T+t))^(r+x)).
 * Given alive, λ | history ~ Gamma(r+x, α+T), and dropout only happens right after a purchase, so the
 * waiting time to the next purchase is exponential with that mixed rate.
 */
export function probabilityOfPurchaseWithin(params: BgNbdParams, s: CustomerSummary, t: number): number {
  validateParams(params);
  validateSummary(s);
  validateHorizon(t);
  const alive = probabilityAlive(params, s);
  return -alive * Math.expm1(-(params.r + s.x) * Math.log1p(t / (params.alpha + s.T)));
}

/**
 * Expected next-purchase time helper: the t (periods after T, the calibration end) at which
 * P(at least one purchase in (T, T+t]) reaches `probability`; with the default 0.5 this is the median
 * waiting time to the next purchase. Closed form: t = (α+T) · [(1 - probability/P(alive))^(-1/(r+x)) - 1].
 * Returns Infinity when P(alive) <= probability: the model gives at least even odds that the customer
 * never buys again, so there is no such date. (The mean waiting time is not used because it is infinite
 * whenever r + x <= 1 and whenever the customer may be gone.)
 */
export function timeUntilNextPurchase(params: BgNbdParams, s: CustomerSummary, probability = 0.5): number {
  validateParams(params);
  validateSummary(s);
  if (!(probability > 0 && probability < 1)) {
    throw new RangeError(`probability must be in (0, 1) (got ${probability})`);
  }
  const alive = probabilityAlive(params, s);
  if (alive <= probability) return Number.POSITIVE_INFINITY;
  return (params.alpha + s.T) * Math.expm1(-Math.log1p(-probability / alive) / (params.r + s.x));
}

// ---------------------------------------------------------------------------------------------------------
// The hypergeometric kernel of eqs. (9) and (10)
// ---------------------------------------------------------------------------------------------------------

const SERIES_TOLERANCE = 1e-15;
const SERIES_MAX_ITERATIONS = 100_000;
/** Below this z the Pfaff-transformed series (argument z/(z-1), |.| <= 1/2) is used. */
const PFAFF_LIMIT = 1 / 3;
/** Below this z the Euler-transformed series in z is used (at most ~40 000 terms). */
const EULER_LIMIT = 0.999;
/** Half-width of the windows around a = 1 and a+b+x-1 = 0 bridged by interpolation when z > EULER_LIMIT. */
const NEAR_SINGULAR = 1e-4;

/**
 * Σ_{k>=0} t_k with t_0 = 1 and t_{k+1} = t_k · ratio(k), |ratio(k)| -> |z| < 1. Stops once the remainder
 * bound |t_k|·ρ/(1-ρ) (ρ = max(|z|, |ratio(k)|)) is below tolerance relative to the sum, after kMin terms
 * (past which the ratios are monotone and no factor changes sign).
 */
function sumRatioSeries(ratio: (k: number) => number, z: number, kMin: number): number {
  let term = 1;
  let sum = 1;
  const absZ = Math.abs(z);
  for (let k = 0; k < SERIES_MAX_ITERATIONS; k++) {
    const q = ratio(k);
    term *= q;
    sum += term;
    if (term === 0) return sum;
    if (k >= kMin) {
      const rho = Math.max(absZ, Math.abs(ratio(k + 1)));
      if (rho < 1 && (Math.abs(term) * rho) / (1 - rho) <= SERIES_TOLERANCE * Math.abs(sum)) return sum;
    }
  }
  throw new Error(`BG/NBD expectation series did not converge (z=${z})`);
}

/**
 * K(z) = (a+b+x-1)/(a-1) · [1 - (1-z)^(r+x) · 2F1(r+x, b+x; a+b+x-1; z)], 0 <= z < 1.
 * Eq. (9) is K with x = 0, z = t/(α+t); eq. (10) is P(alive)·K with z = t/(α+T+t).
 *
 * The textbook form divides by a - 1 (a removable singularity: a = 1 is a legitimate value) and, for
 * large x, multiplies a vanishing power by an overflowing 2F1. Three exact rewritings avoid both; with
 * n = r + x, C = a+b+x-1, w = z/(z-1):
 *  - z <= 1/3, Pfaff: (1-z)^n 2F1(n, b+x; C; z) = 2F1(n, a-1; C; w), and (2F1(n, a-1; C; w) - 1)/(a-1)
 *    is a series with no a-1 in it:  K = n·(-w)·Σ_j (n+1)_j (a)_j / ((C+1)_j (j+1)!) w^j.
 *  - z <= 0.999, Euler: (1-z)^n 2F1(n, b+x; C; z) = (1-z)^(a-1) 2F1(A, a-1; C; z), A = a+b-1-r, and
 *    (2F1(A, a-1; C; z) - 1)/(a-1) = (A z/C) Σ_j v_j with v_0 = 1, v_(j+1)/v_j = (A+1+j)(a+j)/((C+1+j)(j+2))·z,
 *    so K = -C ln(1-z)·exprel((a-1) ln(1-z)) - (1-z)^(a-1) · A z · Σ_j v_j (exprel(u) = (e^u - 1)/u).
 *    The terms of Σ v_j decay like j^(a-r-x-2) z^j, so large x costs nothing and nothing overflows.
 *  - z > 0.999 (only for horizons of hundreds of α+T): the Euler form through `hyp2f1` (which switches
 *    to the continuation in 1-z), dividing by a-1; within 1e-4 of a = 1 (or of C = 0, where hyp2f1 has
 *    a pole that K does not), 4-point interpolation in a (or b).
 * Measured against mpmath: relative error <= 5e-11 for z <= 0.999, <= 2e-9 beyond (the division by a-1
 * amplifies the ~1e-14 error of 2F1 by up to 1/|a-1|).
 */
function expectationKernel(r: number, a: number, b: number, x: number, z: number): number {
  if (z === 0) return 0;
  const n = r + x;
  const C = a + b + x - 1;
  if (z <= PFAFF_LIMIT) {
    const w = z / (z - 1);
    const kMin = Math.ceil(Math.max(n, a, C)) + 2;
    const sum = sumRatioSeries((j) => (((n + 1 + j) * (a + j)) / ((C + 1 + j) * (j + 2))) * w, w, kMin);
    return n * -w * sum;
  }
  const logOneMinusZ = Math.log1p(-z);
  const A = a + b - 1 - r;
  if (z <= EULER_LIMIT) {
    const kMin = Math.ceil(Math.max(Math.abs(A), a, C)) + 2;
    const sum = A === 0 ? 0 : sumRatioSeries((j) => (((A + 1 + j) * (a + j)) / ((C + 1 + j) * (j + 2))) * z, z, kMin);
    return -C * logOneMinusZ * exprel((a - 1) * logOneMinusZ) - Math.exp((a - 1) * logOneMinusZ) * A * z * sum;
  }
  // Beyond 0.999: the Euler form through hyp2f1, which divides by a - 1 and needs C != 0. Near those
  // removable singularities interpolate (4 points) in a, respectively in b, K being analytic in both.
  const awayFromPoleInC = (aa: number) =>
    Math.abs(aa + b + x - 1) >= NEAR_SINGULAR
      ? nearOneKernel(r, aa, b, x, z)
      : interpolate4((bb) => nearOneKernel(r, aa, bb, x, z), 1 - aa - x, NEAR_SINGULAR, b);
  if (Math.abs(a - 1) >= NEAR_SINGULAR) return awayFromPoleInC(a);
  return interpolate4(awayFromPoleInC, 1, NEAR_SINGULAR, a);
}

/** Lagrange interpolation of f at `at` through centre + h·{-2, -1, 1, 2} (the centre itself is singular). */
function interpolate4(f: (v: number) => number, centre: number, h: number, at: number): number {
  const nodes = [-2, -1, 1, 2];
  const u = (at - centre) / h;
  let result = 0;
  for (let i = 0; i < nodes.length; i++) {
    const ni = nodes[i] as number;
    let weight = 1;
    for (let j = 0; j < nodes.length; j++) {
      if (j !== i) weight *= (u - (nodes[j] as number)) / (ni - (nodes[j] as number));
    }
    result += weight * f(centre + ni * h);
  }
  return result;
}

function nearOneKernel(r: number, a: number, b: number, x: number, z: number): number {
  const C = a + b + x - 1;
  const g = Math.exp((a - 1) * Math.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, C, z);
  return (C * (1 - g)) / (a - 1);
}
