// Out-of-sample checks of a fitted BG/NBD model, as in Fader, Hardie & Lee (2005), section 4: fit on the
// calibration period, predict the holdout period, compare. Pure and synchronous.
//
// - Totals: Σ E[X(T, T+t] | x, t_x, T] over customers against the actual number of repeat purchase days
//   in the holdout (the paper's "total repeat transactions" comparison).
// - Per customer: the Pearson correlation between predicted and actual holdout purchases.
// - Conditional expectations: mean actual and mean predicted holdout purchases grouped by the number of
//   calibration-period repeat purchases x = 0, 1, ..., 6, 7+ (the paper's figure 4).
// - Discrimination: the ROC AUC for "no purchase in the holdout" from 1 - P(alive), beside the AUC from
//   plain recency (days since the last purchase at the calibration end: a model-free baseline any CRM
//   has) and from the model's P(no purchase in the holdout) = 1 - P(alive)·(1 - ((α+T)/(α+T+t))^(r+x)).
//   1 - P(alive) is 0 for every customer without a repeat purchase (the model has no dropout before the
//   first repeat), so it ties all of them; the third score uses the purchase rate as well.
// The AUC is the Mann-Whitney rank statistic with mid-ranks for ties, i.e. P(score of a random positive >
// score of a random negative) + ½ P(equal).
import type { BgNbdParams, CustomerSummary } from './bgnbd.ts';
import { expectedPurchasesInNext, probabilityAlive, probabilityOfPurchaseWithin } from './bgnbd.ts';
import type { TimeUnit, Transaction, TransactionSummary } from './summary.ts';
import { daysPerUnit, summarizeTransactions } from './summary.ts';

/** A calibration-period summary with the customer's actual purchase days in the holdout. */
export interface HoldoutCustomer extends CustomerSummary {
  readonly holdoutPurchases: number;
}

export interface FrequencyGroup {
  /** '0', '1', ..., '6', '7+'. */
  readonly frequency: string;
  readonly customers: number;
  readonly meanActual: number;
  readonly meanPredicted: number;
}

export interface RocAucs {
  /** Customers with no purchase in the holdout (the positive class). */
  readonly positives: number;
  readonly negatives: number;
  /** AUC of 1 - P(alive). */
  readonly model: number;
  /** AUC of 1 - P(at least one purchase in the holdout) from the model. */
  readonly modelNoPurchase: number;
  /** AUC of the days since the last purchase at the calibration end. */
  readonly recency: number;
}

export interface HoldoutEvaluation {
  readonly customers: number;
  /** Length of the holdout period in `unit`. */
  readonly holdoutLength: number;
  readonly unit: TimeUnit;
  readonly totalActual: number;
  readonly totalPredicted: number;
  /** Pearson correlation of predicted and actual holdout purchases per customer (NaN without variance). */
  readonly correlation: number;
  readonly byFrequency: FrequencyGroup[];
  readonly auc: RocAucs;
}

export interface CalibrationSplit {
  readonly summary: TransactionSummary;
  readonly calibrationEnd: Date;
  /** The end of the holdout: the last transaction's calendar day unless given. */
  readonly observationEnd: Date;
}

/**
 * Summaries at `calibrationEnd` with holdout counts up to `observationEnd` (default: the latest
 * transaction). Throws a RangeError when the calibration end leaves no calibration or no holdout period.
 */
export function splitAtCalibrationEnd(
  transactions: readonly Transaction[],
  calibrationEnd: Date,
  options: { readonly unit?: TimeUnit; readonly observationEnd?: Date; readonly timeZone?: string } = {},
): CalibrationSplit {
  if (transactions.length === 0) throw new RangeError('there are no transactions to split');
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const t of transactions) {
    const ms = t.at.getTime();
    if (ms < firstMs) firstMs = ms;
    if (ms > lastMs) lastMs = ms;
  }
  const observationEnd = options.observationEnd ?? new Date(lastMs);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (calibrationEnd.getTime() < firstMs) {
    throw new RangeError(`the calibration end ${day(calibrationEnd.getTime())} is before the first transaction (${day(firstMs)})`);
  }
  const noHoldout = () =>
    new RangeError(
      `the calibration end ${day(calibrationEnd.getTime())} leaves no holdout period (the last transaction is on ${day(observationEnd.getTime())})`,
    );
  if (observationEnd.getTime() < calibrationEnd.getTime()) throw noHoldout();
  const summary = summarizeTransactions(transactions, {
    calibrationEnd,
    observationEnd,
    ...(options.unit === undefined ? {} : { unit: options.unit }),
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  });
  if (!(summary.holdoutLength > 0)) throw noHoldout();
  return { summary, calibrationEnd, observationEnd };
}

/**
 * Area under the ROC curve of `scores` for the positives in `labels` (true = positive), by the rank-sum
 * (Mann-Whitney U) statistic with mid-ranks for ties. NaN when either class is empty.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError('scores and labels must have the same length');
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i] as number)) throw new RangeError(`score ${i} is NaN`);
    order[i] = i;
  }
  order.sort((p, q) => (scores[p] as number) - (scores[q] as number));
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    const value = scores[order[i] as number] as number;
    while (j < n && scores[order[j] as number] === value) j++;
    const midRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let k = i; k < j; k++) {
      if (labels[order[k] as number]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Pearson's correlation coefficient; NaN when either variable is constant or there are < 2 points. */
export function pearsonCorrelation(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  if (ys.length !== n) throw new RangeError('both series must have the same length');
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] as number;
    my += ys[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/** Frequency groups 0..6 and 7+. */
const TOP_GROUP = 7;

/** Compares the model's holdout predictions with what happened; see the module comment. */
export function evaluateHoldout(
  params: BgNbdParams,
  customers: readonly HoldoutCustomer[],
  holdoutLength: number,
  unit: TimeUnit = 'weeks',
): HoldoutEvaluation {
  if (!(Number.isFinite(holdoutLength) && holdoutLength > 0)) {
    throw new RangeError(`holdoutLength must be a positive number (got ${holdoutLength})`);
  }
  const n = customers.length;
  const predicted = new Float64Array(n);
  const actual = new Float64Array(n);
  const dropout = new Float64Array(n);
  const noPurchase = new Float64Array(n);
  const recencyDays = new Float64Array(n);
  const labels: boolean[] = new Array<boolean>(n);
  const unitDays = daysPerUnit(unit);
  const groupCount = new Float64Array(TOP_GROUP + 1);
  const groupActual = new Float64Array(TOP_GROUP + 1);
  const groupPredicted = new Float64Array(TOP_GROUP + 1);
  let totalActual = 0;
  let totalPredicted = 0;
  for (let i = 0; i < n; i++) {
    const c = customers[i] as HoldoutCustomer;
    const expected = expectedPurchasesInNext(params, c, holdoutLength);
    predicted[i] = expected;
    actual[i] = c.holdoutPurchases;
    dropout[i] = 1 - probabilityAlive(params, c);
    noPurchase[i] = 1 - probabilityOfPurchaseWithin(params, c, holdoutLength);
    recencyDays[i] = (c.T - c.tx) * unitDays;
    labels[i] = c.holdoutPurchases === 0;
    totalActual += c.holdoutPurchases;
    totalPredicted += expected;
    const group = Math.min(c.x, TOP_GROUP);
    groupCount[group] = (groupCount[group] as number) + 1;
    groupActual[group] = (groupActual[group] as number) + c.holdoutPurchases;
    groupPredicted[group] = (groupPredicted[group] as number) + expected;
  }
  const byFrequency: FrequencyGroup[] = [];
  for (let g = 0; g <= TOP_GROUP; g++) {
    const count = groupCount[g] as number;
    byFrequency.push({
      frequency: g === TOP_GROUP ? `${TOP_GROUP}+` : String(g),
      customers: count,
      meanActual: count > 0 ? (groupActual[g] as number) / count : Number.NaN,
      meanPredicted: count > 0 ? (groupPredicted[g] as number) / count : Number.NaN,
    });
  }
  const positives = labels.filter(Boolean).length;
  return {
    customers: n,
    holdoutLength,
    unit,
    totalActual,
    totalPredicted,
    correlation: pearsonCorrelation(predicted, actual),
    byFrequency,
    auc: {
      positives,
      negatives: n - positives,
      model: rocAuc(dropout, labels),
      modelNoPurchase: rocAuc(noPurchase, labels),
      recency: rocAuc(recencyDays, labels),
    },
  };
}
