// Which BG/NBD parameters to score with: the business's own fit, or a stated prior for small histories.
// `chooseModelParameters` fits the business's own orders when there are at least 500 customers and 100
// repeat buyers and the fit converges; otherwise it uses the published CDNOW estimates (Fader, Hardie &
// Lee 2005: r = 0.243, α = 4.414 per week, a = 0.793, b = 2.426), α scaled to the unit.
import type { BgNbdParams, CustomerSummary } from './bgnbd.ts';
import type { FitOptions, FitResult } from './fit.ts';
import { fitBgNbd } from './fit.ts';
import type { TimeUnit } from './summary.ts';
import { daysPerUnit } from './summary.ts';

/** The published CDNOW estimates (Fader, Hardie & Lee 2005, table 1), time in weeks. */
export const CDNOW_PRIOR_WEEKS: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

/**
 * The CDNOW prior in `unit`. α is the rate of the gamma distribution of purchase rates λ; λ per day is λ per
 * week / 7, so α is measured in periods (it is added to T in every formula) and α_days = 7 α_weeks.
 */
export function priorParameters(unit: TimeUnit): BgNbdParams {
  return { ...CDNOW_PRIOR_WEEKS, alpha: (CDNOW_PRIOR_WEEKS.alpha * 7) / daysPerUnit(unit) };
}

/** Below either threshold the fit is not trusted and the prior is used. */
export const MIN_CUSTOMERS_TO_FIT = 500;
export const MIN_REPEAT_BUYERS_TO_FIT = 100;

export interface ModelChoice {
  readonly params: BgNbdParams;
  readonly source: 'fit' | 'prior';
  /** One sentence saying why. */
  readonly reason: string;
  /** The fit, when one was attempted. */
  readonly fit: FitResult | null;
  readonly customers: number;
  readonly repeatBuyers: number;
}

export interface ChooseModelOptions {
  readonly unit?: TimeUnit;
  readonly minCustomers?: number;
  readonly minRepeatBuyers?: number;
  readonly fitOptions?: FitOptions;
  /** A fit of these same summaries already done: used instead of fitting again. */
  readonly fit?: FitResult;
}

/**
 * The parameters to score with: the maximum-likelihood fit of `summaries` when there are at least
 * `minCustomers` (500) customers and `minRepeatBuyers` (100) with a repeat purchase and the fit converged
 * to an interior optimum; the CDNOW prior (`priorParameters(unit)`) otherwise.
 */
export function chooseModelParameters(summaries: readonly CustomerSummary[], options: ChooseModelOptions = {}): ModelChoice {
  const unit = options.unit ?? 'weeks';
  const minCustomers = options.minCustomers ?? MIN_CUSTOMERS_TO_FIT;
  const minRepeatBuyers = options.minRepeatBuyers ?? MIN_REPEAT_BUYERS_TO_FIT;
  const customers = summaries.length;
  let repeatBuyers = 0;
  for (const s of summaries) if (s.x > 0) repeatBuyers++;
  const prior = priorParameters(unit);
  if (customers < minCustomers || repeatBuyers < minRepeatBuyers) {
    return {
      params: prior,
      source: 'prior',
      reason: `${customers} customers of whom ${repeatBuyers} bought again are too few to fit (at least ${minCustomers} and ${minRepeatBuyers} needed), so the published CDNOW parameters are used.`,
      fit: null,
      customers,
      repeatBuyers,
    };
  }
  const fit = options.fit ?? fitBgNbd(summaries, options.fitOptions);
  if (!fit.converged) {
    return {
      params: prior,
      source: 'prior',
      reason: `The fit to ${customers} customers did not converge (${fit.stopReason}), so the published CDNOW parameters are used.`,
      fit,
      customers,
      repeatBuyers,
    };
  }
  return {
    params: fit.params,
    source: 'fit',
    reason: `Fitted to ${customers} customers of whom ${repeatBuyers} bought again.`,
    fit,
    customers,
    repeatBuyers,
  };
}
