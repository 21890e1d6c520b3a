// The Gamma-Gamma model of monetary value (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value",
// 2013, http://www.brucehardie.com/notes/025/; Fader, Hardie & Lee, "RFM and CLV: Using Iso-Value Curves
// for Customer Base Analysis", JMR 2005). A customer's transaction values z_1..z_x are i.i.d.
// Gamma(p, ν) (shape p, rate ν), and ν varies across customers as Gamma(q, γ). Only the customer's
// number of repeat transactions x and their mean value m̄ matter; its density given x is
//   f(m̄ | p, q, γ, x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · m̄^(px-1) · x^(px) / (γ + m̄x)^(px+q).
// A customer without a repeat transaction has no m̄, so the model is fitted on repeat customers (x >= 1)
// alone. It assumes spend is independent of the purchase process, which is what lets its expected order
// value multiply the BG/NBD expected orders into a predicted value.
// Maximum likelihood by the BFGS of bfgs.ts on (ln p, ln q, ln γ) with the exact gradient; standard
// errors from the observed information (central differences of that gradient).
import type { StopReason } from './bfgs.ts';
import { invertSymmetricPositiveDefinite, minimizeBfgs, observedInformation } from './bfgs.ts';
import { digamma, logGamma } from './special-functions.ts';

export interface GammaGammaParams {
  /** Shape of each transaction's value, Gamma(p, ν). */
  readonly p: number;
  /** Shape of the across-customer distribution of ν, Gamma(q, γ). */
  readonly q: number;
  /** Rate of the across-customer distribution of ν (in the unit of the values); `v` in lifetimes. */
  readonly gamma: number;
}

/** One repeat customer: x >= 1 repeat transactions of mean value m̄ > 0. */
export interface SpendSummary {
  /** Number of repeat transactions (the first purchase excluded), >= 1. */
  readonly x: number;
  /** Mean value of those transactions, > 0. */
  readonly meanValue: number;
  /** Number of customers with this (x, m̄); default 1. */
  readonly weight?: number;
}

export function validateGammaGammaParams(params: GammaGammaParams): void {
  for (const key of ['p', 'q', 'gamma'] as const) {
    const value = params[key];
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`Gamma-Gamma parameter ${key} must be positive and finite (got ${value})`);
  }
}

function validateSpend(s: SpendSummary): void {
  if (!(Number.isFinite(s.x) && s.x > 0)) throw new RangeError(`x must be positive: the model is fitted on repeat customers (got ${s.x})`);
  if (!(Number.isFinite(s.meanValue) && s.meanValue > 0))
    throw new RangeError(`meanValue must be positive and finite (got ${s.meanValue})`);
  const w = s.weight ?? 1;
  if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weight must be non-negative and finite (got ${w})`);
}

interface PreparedSpend {
  readonly x: Float64Array;
  readonly logM: Float64Array;
  /** ln(m̄·x). */
  readonly logMx: Float64Array;
  readonly mx: Float64Array;
  readonly weight: Float64Array;
  readonly totalWeight: number;
}

function prepare(rows: Iterable<SpendSummary>): PreparedSpend {
  const kept: SpendSummary[] = [];
  for (const row of rows) {
    validateSpend(row);
    if ((row.weight ?? 1) > 0) kept.push(row);
  }
  // Canonical order, so the sums (and the fit) do not depend on the order of the input.
  kept.sort((u, v) => u.x - v.x || u.meanValue - v.meanValue || (u.weight ?? 1) - (v.weight ?? 1));
  const n = kept.length;
  const out = {
    x: new Float64Array(n),
    logM: new Float64Array(n),
    logMx: new Float64Array(n),
    mx: new Float64Array(n),
    weight: new Float64Array(n),
    totalWeight: 0,
  };
  for (let i = 0; i < n; i++) {
    const row = kept[i] as SpendSummary;
    out.x[i] = row.x;
    out.logM[i] = Math.log(row.meanValue);
    out.mx[i] = row.meanValue * row.x;
    out.logMx[i] = Math.log(row.meanValue * row.x);
    out.weight[i] = row.weight ?? 1;
    out.totalWeight += row.weight ?? 1;
  }
  return out;
}

/**
 * Total (weighted) log-likelihood Σ w·ln f(m̄ | p, q, γ, x) and its exact gradient with respect to
 * (ln p, ln q, ln γ):
 *   ∂/∂p = x·[ψ(px+q) - ψ(px) + ln(m̄x / (γ+m̄x))]
 *   ∂/∂q = ψ(px+q) - ψ(q) + ln(γ / (γ+m̄x))
 *   ∂/∂γ = q/γ - (px+q)/(γ+m̄x)
 * each multiplied by its parameter (chain rule for the log scale).
 */
function logLikelihoodAndGradient(
  params: GammaGammaParams,
  data: PreparedSpend,
): { logLikelihood: number; gradient: [number, number, number] } {
  const { p, q, gamma } = params;
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  const logG = Math.log(gamma);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (let i = 0; i < data.weight.length; i++) {
    const w = data.weight[i] as number;
    const x = data.x[i] as number;
    const mx = data.mx[i] as number;
    const px = p * x;
    const pxq = px + q;
    const logGmx = Math.log(gamma + mx);
    const psiPxq = digamma(pxq);
    ll += w * (logGamma(pxq) - logGamma(px) - lgQ + q * logG + (px - 1) * (data.logM[i] as number) + px * Math.log(x) - pxq * logGmx);
    gp += w * x * (psiPxq - digamma(px) + (data.logMx[i] as number) - logGmx);
    gq += w * (psiPxq - psiQ + logG - logGmx);
    gg += w * (q / gamma - pxq / (gamma + mx));
  }
  return { logLikelihood: ll, gradient: [gp * p, gq * q, gg * gamma] };
}

/** Σ weight · ln f(m̄ | p, q, γ, x) over the repeat customers. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, rows: Iterable<SpendSummary>): number {
  return gammaGammaLogLikelihoodAndGradient(params, rows).logLikelihood;
}

/** The log-likelihood and its exact gradient with respect to (ln p, ln q, ln γ). */
export function gammaGammaLogLikelihoodAndGradient(
  params: GammaGammaParams,
  rows: Iterable<SpendSummary>,
): { logLikelihood: number; gradient: [number, number, number] } {
  validateGammaGammaParams(params);
  return logLikelihoodAndGradient(params, prepare(rows));
}

const toParams = (theta: readonly number[]): GammaGammaParams => ({
  p: Math.exp(theta[0] as number),
  q: Math.exp(theta[1] as number),
  gamma: Math.exp(theta[2] as number),
});

export interface GammaGammaFitOptions {
  /** Starting point; default p = 1, q = 2, γ = mean of m̄ (the population mean pγ/(q-1) then equals it). */
  readonly initial?: GammaGammaParams;
  /** max_j |∂ (mean log-likelihood) / ∂ ln θ_j| at convergence. Default 1e-9. */
  readonly gradientTolerance?: number;
  /** Default 500. */
  readonly maxIterations?: number;
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  /** Total (weighted) log-likelihood at `params`. */
  readonly logLikelihood: number;
  readonly converged: boolean;
  /** See `MinimizeResult.stopReason` in bfgs.ts. */
  readonly stopReason: StopReason;
  readonly iterations: number;
  readonly functionEvaluations: number;
  readonly gradientNorm: number;
  /** Number of repeat customers fitted (sum of weights). */
  readonly customers: number;
}

/** Maximum-likelihood fit of (p, q, γ) on repeat customers' (x, m̄). */
export function fitGammaGamma(rows: Iterable<SpendSummary>, options: GammaGammaFitOptions = {}): GammaGammaFit {
  const data = prepare(rows);
  if (data.totalWeight <= 0) throw new RangeError('fitGammaGamma: no repeat customers to fit (total weight is 0)');
  // Default start: p = 1, q = 2, γ = the mean m̄, so that the population mean pγ/(q-1) starts at the observed one.
  let valueSum = 0;
  for (let i = 0; i < data.weight.length; i++) valueSum += (data.weight[i] as number) * ((data.mx[i] as number) / (data.x[i] as number));
  const start = options.initial ?? { p: 1, q: 2, gamma: valueSum / data.totalWeight };
  validateGammaGammaParams(start);
  const scale = -1 / data.totalWeight;
  const objective = (theta: readonly number[]) => {
    const params = toParams(theta);
    if (!(params.p > 0 && params.q > 0 && params.gamma > 0 && Number.isFinite(params.p + params.q + params.gamma))) {
      return { f: Number.POSITIVE_INFINITY, g: [0, 0, 0] };
    }
    const result = logLikelihoodAndGradient(params, data);
    const g = result.gradient.map((v) => v * scale);
    const finite = Number.isFinite(result.logLikelihood) && g.every(Number.isFinite);
    return { f: finite ? result.logLikelihood * scale : Number.POSITIVE_INFINITY, g };
  };
  const result = minimizeBfgs(objective, [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)], {
    gradientTolerance: options.gradientTolerance ?? 1e-9,
    maxIterations: options.maxIterations ?? 500,
    label: 'fitGammaGamma',
  });
  return {
    params: toParams(result.theta),
    logLikelihood: -result.f * data.totalWeight,
    converged: result.stopReason === 'gradient',
    stopReason: result.stopReason,
    iterations: result.iterations,
    functionEvaluations: result.functionEvaluations,
    gradientNorm: result.gradientNorm,
    customers: data.totalWeight,
  };
}

export interface GammaGammaStandardErrors {
  /** Observed information in (ln p, ln q, ln γ). */
  readonly information: number[][];
  /** Covariance of (ln p, ln q, ln γ). */
  readonly covariance: number[][];
  /** Standard errors of p, q, γ by the delta method: θ · se(ln θ). */
  readonly params: GammaGammaParams;
}

/**
 * Asymptotic standard errors at `params` (normally the MLE) from the observed information; null when it
 * is not positive definite (not at a maximum, or a parameter not identified).
 */
export function gammaGammaStandardErrors(params: GammaGammaParams, rows: Iterable<SpendSummary>): GammaGammaStandardErrors | null {
  validateGammaGammaParams(params);
  const data = prepare(rows);
  const theta = [Math.log(params.p), Math.log(params.q), Math.log(params.gamma)];
  const information = observedInformation((t) => logLikelihoodAndGradient(toParams(t), data).gradient, theta);
  const covariance = invertSymmetricPositiveDefinite(information);
  if (covariance === null) return null;
  const se = [0, 1, 2].map((i) => Math.sqrt(covariance[i]?.[i] as number));
  return {
    information,
    covariance,
    params: { p: params.p * (se[0] as number), q: params.q * (se[1] as number), gamma: params.gamma * (se[2] as number) },
  };
}

/**
 * Mean transaction value in the population, E[Z] = pγ/(q-1): what a customer with no repeat purchase yet
 * is expected to spend per transaction. Infinity when q <= 1 (the mean does not exist).
 */
export function populationMeanSpend(params: GammaGammaParams): number {
  validateGammaGammaParams(params);
  return params.q > 1 ? (params.p * params.gamma) / (params.q - 1) : Number.POSITIVE_INFINITY;
}

/**
 * Expected value of the customer's future transactions given x repeat transactions of mean m̄
 * (Fader & Hardie 2013, eq. 5): E[M | p, q, γ, m̄, x] = p(γ + m̄x) / (px + q - 1), a weighted mean of the
 * population mean pγ/(q-1) (weight (q-1)/(px+q-1)) and the customer's own m̄ (weight px/(px+q-1)).
 * With x = 0 (m̄ is then ignored) it is the population mean. Infinity when px + q <= 1.
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, meanValue: number): number {
  validateGammaGammaParams(params);
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`x must be a non-negative number (got ${x})`);
  if (x === 0) return populationMeanSpend(params);
  if (!(Number.isFinite(meanValue) && meanValue >= 0)) throw new RangeError(`meanValue must be non-negative and finite (got ${meanValue})`);
  const denominator = params.p * x + params.q - 1;
  return denominator > 0 ? (params.p * (params.gamma + meanValue * x)) / denominator : Number.POSITIVE_INFINITY;
}

/** Horizon of the predicted value: 12 months. */
export const PREDICTED_VALUE_DAYS = 365;

/**
 * Predicted value over a horizon (365 days for `predicted_value_365d`): the BG/NBD expected number of
 * orders in the horizon times the Gamma-Gamma expected value per order. Undiscounted.
 */
export function predictedValue(expectedOrders: number, expectedSpend: number): number {
  if (!(Number.isFinite(expectedOrders) && expectedOrders >= 0))
    throw new RangeError(`expectedOrders must be non-negative (got ${expectedOrders})`);
  if (!(expectedSpend >= 0)) throw new RangeError(`expectedSpend must be non-negative (got ${expectedSpend})`);
  return expectedOrders === 0 ? 0 : expectedOrders * expectedSpend;
}

/** Value at risk: the predicted value times P(no order in the next H days). */
export function valueAtRisk(value: number, probabilityNoOrder: number): number {
  if (!(value >= 0)) throw new RangeError(`value must be non-negative (got ${value})`);
  if (!(probabilityNoOrder >= 0 && probabilityNoOrder <= 1)) {
    throw new RangeError(`probabilityNoOrder must be in [0, 1] (got ${probabilityNoOrder})`);
  }
  return probabilityNoOrder === 0 ? 0 : value * probabilityNoOrder;
}
