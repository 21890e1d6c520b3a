// A customer's order rhythm in whole UTC calendar days as of `now`: how many days they ordered on, how
// long ago the first and the last, their mean gap between orders, and the business's typical gap (the
// rhythm the score measures one-order customers against).
import type { CustomerSummary } from './bgnbd.ts';
import type { TimeUnit } from './summary.ts';
import { daysPerUnit, MS_PER_DAY } from './summary.ts';

/** A customer's order history in whole calendar days (UTC) as of `now`. */
export interface OrderRhythm {
  /** Distinct calendar days with an order (repeat purchases x = orderDays - 1). */
  readonly orderDays: number;
  readonly daysSinceFirstOrder: number;
  readonly daysSinceLastOrder: number;
}

/** Days since 1970-01-01 of the UTC calendar date of an instant. */
export function utcDayNumber(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('dates must be valid');
  return Math.floor(ms / MS_PER_DAY);
}

/** The rhythm from order dates (orders after `now` are ignored); null without an order. */
export function rhythmFromOrderDates(orderDates: Iterable<Date>, now: Date): OrderRhythm | null {
  const today = utcDayNumber(now);
  const days = new Set<number>();
  for (const date of orderDates) {
    const day = utcDayNumber(date);
    if (day <= today) days.add(day);
  }
  if (days.size === 0) return null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const day of days) {
    if (day < first) first = day;
    if (day > last) last = day;
  }
  return { orderDays: days.size, daysSinceFirstOrder: today - first, daysSinceLastOrder: today - last };
}

/** The rhythm of a calibration summary (x, t_x, T in `unit`), as of the calibration end. */
export function rhythmFromSummary(s: CustomerSummary, unit: TimeUnit): OrderRhythm {
  const unitDays = daysPerUnit(unit);
  return {
    orderDays: s.x + 1,
    daysSinceFirstOrder: Math.round(s.T * unitDays),
    daysSinceLastOrder: Math.round((s.T - s.tx) * unitDays),
  };
}

/** Mean days between order days; null with fewer than two order days. */
export function meanOrderGapDays(rhythm: OrderRhythm): number | null {
  if (rhythm.orderDays < 2) return null;
  return (rhythm.daysSinceFirstOrder - rhythm.daysSinceLastOrder) / (rhythm.orderDays - 1);
}

/**
 * The business's typical gap between orders: the median of the repeat buyers' own mean gaps (days). Used
 * as the rhythm of customers with a single order. Null without a repeat buyer.
 */
export function typicalOrderGapDays(rhythms: Iterable<OrderRhythm>): number | null {
  const gaps: number[] = [];
  for (const rhythm of rhythms) {
    const gap = meanOrderGapDays(rhythm);
    if (gap !== null && gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return null;
  gaps.sort((p, q) => p - q);
  const middle = gaps.length >> 1;
  return gaps.length % 2 === 1 ? (gaps[middle] as number) : ((gaps[middle - 1] as number) + (gaps[middle] as number)) / 2;
}
