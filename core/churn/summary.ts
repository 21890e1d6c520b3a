// Per-customer summary statistics (x, t_x, T) from raw transactions, as the BG/NBD literature defines them
// (Fader, Hardie & Lee 2005; the CDNOW data set): purchases are collapsed to one per calendar day; the
// first purchase day starts the customer's clock and is not counted in x; x is the number of later
// purchase days up to the calibration end; t_x is the time of the last of them and T the time to the
// calibration end, both from the first purchase day, in days or (default) weeks = days / 7. A holdout count
// (purchase days after the calibration end up to an observation end) supports out-of-sample checks.
import type { BgNbdParams, CustomerSummary } from './bgnbd.ts';
import { timeUntilNextPurchase } from './bgnbd.ts';

export type TimeUnit = 'days' | 'weeks';

export interface Transaction {
  readonly customerId: string;
  readonly at: Date;
  /** Spend of this transaction, if known. */
  readonly amount?: number;
}

export interface SummaryOptions {
  /**
   * End of the calibration period. Boundaries are resolved to calendar days: the calendar day (in
   * `timeZone`) containing this instant is the last calibration day, whatever the time of day.
   */
  readonly calibrationEnd: Date;
  /** End of the holdout period (its calendar day is the last holdout day). Omit for no holdout. */
  readonly observationEnd?: Date;
  /** Unit of t_x, T and the holdout length. Default 'weeks'. */
  readonly unit?: TimeUnit;
  /** IANA time zone defining calendar days. Default 'UTC'. */
  readonly timeZone?: string;
}

export interface CustomerRecord extends CustomerSummary {
  readonly customerId: string;
  /** Calendar date (YYYY-MM-DD, in the summary's time zone) of the first purchase. */
  readonly firstPurchaseDate: string;
  /** Distinct purchase days after the calibration end, up to and including the observation end day. */
  readonly holdoutPurchases: number;
  /** Mean spend per calibration purchase day, first day included; null when no amount is known. */
  readonly meanSpend: number | null;
  /**
   * Mean spend per repeat purchase day (the first day excluded), the "monetary value" input of the
   * gamma-gamma spend model; null when x = 0 or no repeat day has a known amount.
   */
  readonly meanRepeatSpend: number | null;
}

export interface TransactionSummary {
  readonly unit: TimeUnit;
  readonly timeZone: string;
  /** One record per customer whose first purchase is on or before the calibration end day, sorted by id. */
  readonly customers: CustomerRecord[];
  /** Length of the holdout period in `unit` (0 without an observation end). */
  readonly holdoutLength: number;
  /**
   * Customers with purchases in the holdout period only (first purchase after the calibration end day),
   * sorted. Customers with no purchase up to the observation end (or the calibration end, without one)
   * are not seen at all.
   */
  readonly excludedCustomerIds: string[];
}

export const MS_PER_DAY = 86_400_000;

export function daysPerUnit(unit: TimeUnit): number {
  if (unit === 'days') return 1;
  if (unit === 'weeks') return 7;
  throw new RangeError(`unknown time unit ${String(unit)} (expected 'days' or 'weeks')`);
}

function assertValidDate(date: Date, what: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a valid Date`);
  return ms;
}

/**
 * Calendar-day number (days since 1970-01-01) of the local date of an instant in a time zone. Results are
 * cached per 15-minute block of UTC time: every current UTC offset and transition is a multiple of 15
 * minutes, so the local date cannot change inside a block.
 */
export function createCalendarDay(timeZone = 'UTC'): (date: Date) => number {
  if (timeZone === 'UTC') return (date) => Math.floor(assertValidDate(date, 'date') / MS_PER_DAY);
  const format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  const cache = new Map<number, number>();
  const blockMs = 15 * 60_000;
  return (date) => {
    const ms = assertValidDate(date, 'date');
    const block = Math.floor(ms / blockMs);
    const cached = cache.get(block);
    if (cached !== undefined) return cached;
    let year = 0;
    let month = 0;
    let day = 0;
    for (const part of format.formatToParts(date)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
    }
    const result = Date.UTC(year, month - 1, day) / MS_PER_DAY;
    cache.set(block, result);
    return result;
  };
}

function isoDate(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

interface DayTotal {
  amount: number;
  hasAmount: boolean;
}

/** Summary statistics for every customer; see the module comment for the definitions. */
export function summarizeTransactions(transactions: Iterable<Transaction>, options: SummaryOptions): TransactionSummary {
  const unit = options.unit ?? 'weeks';
  const unitDays = daysPerUnit(unit);
  const timeZone = options.timeZone ?? 'UTC';
  const dayOf = createCalendarDay(timeZone);
  assertValidDate(options.calibrationEnd, 'calibrationEnd');
  const calibrationEndDay = dayOf(options.calibrationEnd);
  let observationEndDay = calibrationEndDay;
  if (options.observationEnd !== undefined) {
    assertValidDate(options.observationEnd, 'observationEnd');
    observationEndDay = dayOf(options.observationEnd);
    if (observationEndDay < calibrationEndDay) {
      throw new RangeError('observationEnd must not be before calibrationEnd');
    }
  }

  const byCustomer = new Map<string, Map<number, DayTotal>>();
  for (const transaction of transactions) {
    if (typeof transaction.customerId !== 'string') throw new RangeError('customerId must be a string');
    const day = dayOf(transaction.at);
    if (transaction.amount !== undefined && !Number.isFinite(transaction.amount)) {
      throw new RangeError(`amount must be a finite number (customer ${transaction.customerId})`);
    }
    if (day > observationEndDay) continue; // outside the observed window
    let days = byCustomer.get(transaction.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(transaction.customerId, days);
    }
    let total = days.get(day);
    if (!total) {
      total = { amount: 0, hasAmount: false };
      days.set(day, total);
    }
    if (transaction.amount !== undefined) {
      total.amount += transaction.amount;
      total.hasAmount = true;
    }
  }

  const customers: CustomerRecord[] = [];
  const excludedCustomerIds: string[] = [];
  for (const [customerId, days] of byCustomer) {
    const sortedDays = [...days.keys()].sort((p, q) => p - q);
    const firstDay = sortedDays[0] as number;
    if (firstDay > calibrationEndDay) {
      excludedCustomerIds.push(customerId);
      continue;
    }
    let lastCalibrationDay = firstDay;
    let calibrationDays = 0;
    let holdoutPurchases = 0;
    let spendSum = 0;
    let spendDays = 0;
    let repeatSpendSum = 0;
    let repeatSpendDays = 0;
    for (const day of sortedDays) {
      if (day > calibrationEndDay) {
        holdoutPurchases++;
        continue;
      }
      calibrationDays++;
      lastCalibrationDay = day;
      const total = days.get(day) as DayTotal;
      if (total.hasAmount) {
        spendSum += total.amount;
        spendDays++;
        if (day !== firstDay) {
          repeatSpendSum += total.amount;
          repeatSpendDays++;
        }
      }
    }
    customers.push({
      customerId,
      x: calibrationDays - 1,
      tx: (lastCalibrationDay - firstDay) / unitDays,
      T: (calibrationEndDay - firstDay) / unitDays,
      firstPurchaseDate: isoDate(firstDay),
      holdoutPurchases,
      meanSpend: spendDays > 0 ? spendSum / spendDays : null,
      meanRepeatSpend: repeatSpendDays > 0 ? repeatSpendSum / repeatSpendDays : null,
    });
  }
  const byId = (p: string, q: string) => (p < q ? -1 : p > q ? 1 : 0);
  customers.sort((p, q) => byId(p.customerId, q.customerId));
  excludedCustomerIds.sort(byId);
  return {
    unit,
    timeZone,
    customers,
    holdoutLength: (observationEndDay - calibrationEndDay) / unitDays,
    excludedCustomerIds,
  };
}

/** `date` moved by a (possibly fractional) number of periods. */
export function addPeriods(date: Date, periods: number, unit: TimeUnit): Date {
  const ms = assertValidDate(date, 'date');
  if (!Number.isFinite(periods)) throw new RangeError(`periods must be finite (got ${periods})`);
  return new Date(ms + Math.round(periods * daysPerUnit(unit) * MS_PER_DAY));
}

export interface NextPurchaseDateOptions {
  readonly unit?: TimeUnit;
  readonly timeZone?: string;
  /** Probability of at least one purchase by the returned date; 0.5 (the median) by default. */
  readonly probability?: number;
}

/**
 * The date by which the customer has bought again with the given probability (the median next-purchase
 * date by default), counted from the start (00:00 UTC of the local calendar date) of the calibration end
 * day, the origin of T. Null when the model gives the customer no more than that probability of ever
 * buying again (see `timeUntilNextPurchase`).
 */
export function nextPurchaseDate(
  params: BgNbdParams,
  customer: CustomerSummary,
  calibrationEnd: Date,
  options: NextPurchaseDateOptions = {},
): Date | null {
  const unit = options.unit ?? 'weeks';
  const periods = timeUntilNextPurchase(params, customer, options.probability ?? 0.5);
  if (!Number.isFinite(periods)) return null;
  const endDay = createCalendarDay(options.timeZone ?? 'UTC')(calibrationEnd);
  return addPeriods(new Date(endDay * MS_PER_DAY), periods, unit);
}
