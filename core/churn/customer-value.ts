// What is at stake with a customer: the predicted value over the next 12 months (BG/NBD expected orders
// in 365 days × the Gamma-Gamma expected value of their orders, gamma-gamma.ts) and the value at risk
// (predicted value × the score's P(no order in the next H days)). The at-risk list sorts by the latter.
//
// The spend model is the Gamma-Gamma fit of the repeat customers' mean order values (first order
// excluded) when at least MIN_SPEND_CUSTOMERS repeat customers have amounts and the fit converges to an
// interior optimum; otherwise every customer's orders are expected to be worth the business's mean order
// value (the mean of the customers' mean order values), stated in `reason`.
import {
  conditionalExpectedSpend,
  fitGammaGamma,
  type GammaGammaParams,
  PREDICTED_VALUE_DAYS,
  predictedValue,
  type SpendSummary,
  valueAtRisk,
} from './gamma-gamma.ts';

export const MIN_SPEND_CUSTOMERS = 30;
/**
 * Largest number of repeat customers the nightly fit gives the spend model (a stable random sample above):
 * 5,000 estimate p, q and γ to a few percent, and keep the fit under half a second.
 */
export const SPEND_SAMPLE_SIZE = 5000;

export type SpendModel =
  | { readonly kind: 'gamma-gamma'; readonly params: GammaGammaParams; readonly customers: number; readonly reason: string }
  | { readonly kind: 'mean'; readonly meanOrderValue: number; readonly customers: number; readonly reason: string };

/** A customer's spend history: repeat order days x and the mean amount of those days (null if unknown). */
export interface SpendHistory {
  readonly x: number;
  readonly meanRepeatSpend: number | null;
  /** Mean amount per order day, first day included (for the fallback's mean). */
  readonly meanSpend?: number | null;
}

/** The spend model of a set of customers; null when no amount is known at all. */
export function fitSpendModel(customers: Iterable<SpendHistory>): SpendModel | null {
  const rows: SpendSummary[] = [];
  let sum = 0;
  let count = 0;
  for (const c of customers) {
    if (c.x > 0 && c.meanRepeatSpend !== null && c.meanRepeatSpend > 0 && Number.isFinite(c.meanRepeatSpend)) {
      rows.push({ x: c.x, meanValue: c.meanRepeatSpend });
    }
    const mean = c.meanSpend ?? c.meanRepeatSpend;
    if (mean !== null && mean !== undefined && Number.isFinite(mean) && mean > 0) {
      sum += mean;
      count++;
    }
  }
  if (rows.length >= MIN_SPEND_CUSTOMERS) {
    const fit = fitGammaGamma(rows);
    if (fit.converged && fit.params.q > 1 && fit.params.q < 1e6 && fit.params.p < 1e6) {
      return {
        kind: 'gamma-gamma',
        params: fit.params,
        customers: rows.length,
        reason: `Gamma-Gamma fitted to ${rows.length} repeat customers' mean order values.`,
      };
    }
  }
  if (count === 0) return null;
  return {
    kind: 'mean',
    meanOrderValue: sum / count,
    customers: count,
    reason:
      rows.length < MIN_SPEND_CUSTOMERS
        ? `${rows.length} repeat customers with amounts are too few to fit the Gamma-Gamma model (${MIN_SPEND_CUSTOMERS} needed), so every order is expected to be worth the mean order value.`
        : 'The Gamma-Gamma fit found no usable optimum, so every order is expected to be worth the mean order value.',
  };
}

/** The expected value of a customer's future orders. */
export function expectedOrderValue(model: SpendModel, x: number, meanRepeatSpend: number | null): number {
  if (model.kind === 'mean') return model.meanOrderValue;
  return conditionalExpectedSpend(model.params, meanRepeatSpend !== null && meanRepeatSpend > 0 ? x : 0, meanRepeatSpend ?? 0);
}

export interface CustomerValue {
  readonly expectedOrderValue: number;
  /** Over the next PREDICTED_VALUE_DAYS (365) days. */
  readonly predictedValue: number;
  readonly valueAtRisk: number;
}

/** Predicted value over 365 days and value at risk of one customer. */
export function customerValue(
  model: SpendModel,
  x: number,
  meanRepeatSpend: number | null,
  expectedOrders365: number,
  probabilityNoOrder: number,
): CustomerValue {
  const orderValue = expectedOrderValue(model, x, meanRepeatSpend);
  const value = predictedValue(Math.max(expectedOrders365, 0), orderValue);
  return {
    expectedOrderValue: orderValue,
    predictedValue: value,
    valueAtRisk: valueAtRisk(value, Math.min(Math.max(probabilityNoOrder, 0), 1)),
  };
}

export { PREDICTED_VALUE_DAYS };
