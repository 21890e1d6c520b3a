// What the BG/NBD model (bgnbd.ts) predicts for one customer at `now`, from their order rhythm
// (x = order days - 1, T = time since the first order day, in the model's unit): P(alive), the expected
// orders and the chance of any order in the next H days (90 by default), the expected orders in 365 days
// (the predicted value's horizon), and the median next-order date.
import type { BgNbdParams, CustomerSummary } from './bgnbd.ts';
import { expectedPurchasesInNext, probabilityAlive, probabilityOfPurchaseWithin, timeUntilNextPurchase } from './bgnbd.ts';
import { type OrderRhythm, utcDayNumber } from './order-rhythm.ts';
import type { TimeUnit } from './summary.ts';
import { daysPerUnit, MS_PER_DAY } from './summary.ts';

/**
 * Default horizon H of the score ("no order in the next 90 days"), and the window of the score's "last 90
 * days" signals (surveys, refunds), which stays 90 days whatever H is.
 */
export const HORIZON_DAYS = 90;
/** Horizon of the predicted value (`predicted_value_365d`). */
export const VALUE_HORIZON_DAYS = 365;

export interface ModelOutputs {
  /** P(alive | x, t_x, T). */
  readonly pAlive: number;
  /** The horizon H of the two outputs below (90 days unless configured otherwise). */
  readonly horizonDays: number;
  /** Expected orders (order days) in the next H days (the name keeps the default H). */
  readonly expectedOrders90: number;
  /** P(at least one order in the next H days). */
  readonly pOrder90: number;
  /** Expected orders (order days) in the next 365 days: the predicted value's count of orders. */
  readonly expectedOrders365: number;
  /** Median date of the next order; null when the model gives at least even odds of no further order. */
  readonly nextOrderDate: Date | null;
}

/** The BG/NBD outputs for one customer at `now` (x = orderDays - 1, T and t_x from the rhythm), H = `horizonDays`. */
export function computeModelOutputs(
  params: BgNbdParams,
  unit: TimeUnit,
  rhythm: OrderRhythm,
  now: Date,
  horizonDays: number = HORIZON_DAYS,
): ModelOutputs {
  const unitDays = daysPerUnit(unit);
  const summary: CustomerSummary = {
    x: rhythm.orderDays - 1,
    T: rhythm.daysSinceFirstOrder / unitDays,
    tx: (rhythm.daysSinceFirstOrder - rhythm.daysSinceLastOrder) / unitDays,
  };
  const horizon = horizonDays / unitDays;
  const periods = timeUntilNextPurchase(params, summary);
  return {
    pAlive: probabilityAlive(params, summary),
    horizonDays,
    expectedOrders90: expectedPurchasesInNext(params, summary, horizon),
    pOrder90: probabilityOfPurchaseWithin(params, summary, horizon),
    expectedOrders365: expectedPurchasesInNext(params, summary, VALUE_HORIZON_DAYS / unitDays),
    nextOrderDate: Number.isFinite(periods) ? new Date(utcDayNumber(now) * MS_PER_DAY + Math.round(periods * unitDays * MS_PER_DAY)) : null,
  };
}
