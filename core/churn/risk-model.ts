// Learning the churn-risk weights from the business's own history, by a time-split backtest:
//
//   1. the cut-off is H days before now (H = the score's horizon, 90 days by default);
//   2. every customer who had ordered by the cut-off is described as the score would have described them
//      then (risk-features.ts, with a BG/NBD model fitted to the orders up to the cut-off), and labelled
//      by what happened next: no order in the H days after the cut-off, or at least one;
//   3. the customers are split by a stable hash of their id: 70% learn the weights (regularised logistic
//      regression, logistic.ts), 30% are the holdout the weights are judged on: the ROC AUC of the score
//      beside plain recency's and the BG/NBD P(no order)'s, the Brier score, and a calibration table in
//      deciles (mean predicted against observed).
//
// The weights learned on the 70% are the weights in force, so the holdout figures describe exactly the
// score that is used. Service signals that too few customers show (fewer than MIN_SIGNAL_EXAMPLES with
// the signal, or fewer than MIN_SIGNAL_OUTCOMES of either outcome among them) keep their documented prior
// weight (risk-features.ts). A small history (fewer than MIN_BACKTEST_CUSTOMERS customers to learn from,
// or fewer than MIN_EACH_OUTCOME of either outcome) keeps the fallback, `priorRiskModel`, and says why.
import { rocAuc } from './evaluation.ts';
import { fitLogistic, sigmoid } from './logistic.ts';
import { priorRiskModel, RISK_FEATURES, type RiskFeatureName, type RiskModel } from './risk-features.ts';

/** One customer of the backtest: their features at the cut-off and what happened in the H days after. */
export interface RiskExample {
  /** `computeRiskFeatures(...).values` at the cut-off. */
  readonly features: ArrayLike<number>;
  /** No order in the H days after the cut-off (the positive class). */
  readonly noOrder: boolean;
  /** In the holdout (30%, `isHoldoutCustomer`) rather than the learning set. */
  readonly holdout: boolean;
  /** Days since the last order at the cut-off (the recency baseline). */
  readonly recencyDays: number;
  /** The BG/NBD P(no order in H) at the cut-off (the model baseline). */
  readonly modelNoOrder: number;
}

export interface CalibrationDecile {
  /** 1 (lowest predicted) to 10. */
  readonly decile: number;
  readonly customers: number;
  /** Mean P(no order) predicted by the score. */
  readonly meanPredicted: number;
  /** Share of them who placed no order. */
  readonly observed: number;
}

/** What the backtest measured on the holdout; null figures where a class is empty. */
export interface RiskBacktest {
  /** The cut-off day (YYYY-MM-DD, UTC). */
  readonly cutoff: string;
  readonly horizonDays: number;
  readonly learnedOn: number;
  readonly holdoutCustomers: number;
  /** Holdout customers who placed no order in the H days after the cut-off. */
  readonly holdoutNoOrder: number;
  /** ROC AUC for "no order in H days": the score, plain recency, the BG/NBD P(no order). */
  readonly auc: { readonly score: number | null; readonly recency: number | null; readonly modelNoOrder: number | null };
  /** Mean squared error of the predicted probability, and of the base rate predicted for everyone. */
  readonly brier: { readonly score: number | null; readonly baseRate: number | null };
  readonly calibration: CalibrationDecile[];
}

export interface LearnedRiskModel {
  readonly model: RiskModel;
  /** Null when there was no holdout to measure (no example, or a single outcome). */
  readonly backtest: RiskBacktest | null;
}

/**
 * Largest number of customers a backtest describes at the cut-off; above it, a stable random sample. 14,000
 * learning and 6,000 holdout customers estimate about ten weights and an AUC to within ±0.01, and keep the
 * backtest's cost fixed whatever the size of the history.
 */
export const BACKTEST_SAMPLE_SIZE = 20_000;
export const MIN_BACKTEST_CUSTOMERS = 500;
export const MIN_EACH_OUTCOME = 50;
export const MIN_SIGNAL_EXAMPLES = 100;
export const MIN_SIGNAL_OUTCOMES = 20;
/** Share of the customers kept out of the learning, to measure the score on. */
export const HOLDOUT_SHARE = 0.3;
/** L2 penalty on the standardised weights. */
const PENALTY = 1;

/** FNV-1a of a customer id: the stable split between learning and holdout (30% holdout). */
export function isHoldoutCustomer(customerId: string): boolean {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1000 < HOLDOUT_SHARE * 1000;
}

/** P(no order) of feature values under a model (NaN features take the model's mean), as the score computes it. */
export function probabilityNoOrder(model: RiskModel, values: ArrayLike<number>): number {
  let z = model.intercept;
  for (let j = 0; j < RISK_FEATURES.length; j++) {
    const name = (RISK_FEATURES[j] as (typeof RISK_FEATURES)[number]).name;
    const raw = values[j] as number;
    z += (model.weights[name] ?? 0) * (Number.isNaN(raw) ? (model.means[name] ?? 0) : raw);
  }
  return sigmoid(z);
}

const finite = (value: number) => (Number.isFinite(value) ? value : null);
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The holdout figures of a model (see `RiskBacktest`). */
export function measureBacktest(model: RiskModel, holdout: readonly RiskExample[], learnedOn: number, cutoff: Date): RiskBacktest | null {
  const positives = holdout.filter((e) => e.noOrder).length;
  if (holdout.length === 0) return null;
  const predicted = holdout.map((e) => probabilityNoOrder(model, e.features));
  const labels = holdout.map((e) => e.noOrder);
  const both = positives > 0 && positives < holdout.length;
  let brier = 0;
  let baseBrier = 0;
  const rate = positives / holdout.length;
  for (let i = 0; i < holdout.length; i++) {
    const y = labels[i] ? 1 : 0;
    brier += ((predicted[i] as number) - y) ** 2;
    baseBrier += (rate - y) ** 2;
  }
  // Deciles of the predicted probability: ten groups of (nearly) equal size, lowest first.
  const order = predicted.map((_, i) => i).sort((a, b) => (predicted[a] as number) - (predicted[b] as number));
  const calibration: CalibrationDecile[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * order.length) / 10);
    const to = Math.floor(((d + 1) * order.length) / 10);
    if (to <= from) continue;
    let sumPredicted = 0;
    let observed = 0;
    for (let k = from; k < to; k++) {
      const i = order[k] as number;
      sumPredicted += predicted[i] as number;
      if (labels[i]) observed++;
    }
    calibration.push({ decile: d + 1, customers: to - from, meanPredicted: sumPredicted / (to - from), observed: observed / (to - from) });
  }
  return {
    cutoff: isoDay(cutoff),
    horizonDays: model.horizonDays,
    learnedOn,
    holdoutCustomers: holdout.length,
    holdoutNoOrder: positives,
    auc: {
      score: both ? finite(rocAuc(predicted, labels)) : null,
      recency: both
        ? finite(
            rocAuc(
              holdout.map((e) => e.recencyDays),
              labels,
            ),
          )
        : null,
      modelNoOrder: both
        ? finite(
            rocAuc(
              holdout.map((e) => e.modelNoOrder),
              labels,
            ),
          )
        : null,
    },
    brier: { score: brier / holdout.length, baseRate: baseBrier / holdout.length },
    calibration,
  };
}

/** The weights of the score from a backtest's examples (see the top of the file). */
export function learnRiskModel(
  examples: readonly RiskExample[],
  options: { readonly horizonDays: number; readonly cutoff: Date; readonly minCustomers?: number; readonly minEachOutcome?: number },
): LearnedRiskModel {
  const minCustomers = options.minCustomers ?? MIN_BACKTEST_CUSTOMERS;
  const minEachOutcome = options.minEachOutcome ?? MIN_EACH_OUTCOME;
  const learning = examples.filter((e) => !e.holdout);
  const holdout = examples.filter((e) => e.holdout);
  const k = RISK_FEATURES.length;

  // Means of each feature over the learning set (missing values left out): the baseline, and the value of a missing feature.
  const sums = new Array<number>(k).fill(0);
  const counts = new Array<number>(k).fill(0);
  for (const e of learning.length > 0 ? learning : examples) {
    for (let j = 0; j < k; j++) {
      const v = e.features[j] as number;
      if (!Number.isNaN(v)) {
        sums[j] = (sums[j] as number) + v;
        counts[j] = (counts[j] as number) + 1;
      }
    }
  }
  const meanValues = sums.map((sum, j) => ((counts[j] as number) > 0 ? sum / (counts[j] as number) : 0));
  const means = Object.fromEntries(RISK_FEATURES.map((f, j) => [f.name, meanValues[j] as number])) as Record<RiskFeatureName, number>;

  const noOrder = learning.filter((e) => e.noOrder).length;
  const ordered = learning.length - noOrder;
  if (learning.length < minCustomers || noOrder < minEachOutcome || ordered < minEachOutcome) {
    const model = priorRiskModel(
      options.horizonDays,
      `${learning.length} customers to learn from, of whom ${noOrder} placed no order in the ${options.horizonDays} days after ${isoDay(options.cutoff)}, are too few to learn the weights (at least ${minCustomers}, and ${minEachOutcome} with each outcome, needed), so the score is the BG/NBD model’s P(no order) moved by the service signals’ documented prior weights.`,
      means,
    );
    return { model, backtest: measureBacktest(model, holdout, learning.length, options.cutoff) };
  }

  // Which weights to learn: every order feature; a service signal only with enough examples of it.
  const fixed = new Map<number, number>();
  const priorFeatures: RiskFeatureName[] = [];
  RISK_FEATURES.forEach((feature, j) => {
    let withSignal = 0;
    let withSignalNoOrder = 0;
    let varies = false;
    const first = learning[0]?.features[j] as number;
    for (const e of learning) {
      const v = e.features[j] as number;
      if (!Number.isNaN(v) && v !== first) varies = true;
      if (!Number.isNaN(v) && v !== 0) {
        withSignal++;
        if (e.noOrder) withSignalNoOrder++;
      }
    }
    const enough =
      withSignal >= MIN_SIGNAL_EXAMPLES &&
      withSignalNoOrder >= MIN_SIGNAL_OUTCOMES &&
      withSignal - withSignalNoOrder >= MIN_SIGNAL_OUTCOMES;
    if (!varies || (feature.signal && !enough)) {
      fixed.set(j, feature.signal ? feature.prior : 0);
      if (feature.signal) priorFeatures.push(feature.name);
    }
  });
  const rows = learning.map((e) => {
    const row = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const v = e.features[j] as number;
      row[j] = Number.isNaN(v) ? (meanValues[j] as number) : v;
    }
    return row;
  });
  const fit = fitLogistic(
    rows,
    learning.map((e) => e.noOrder),
    { penalty: PENALTY, fixed },
  );
  const weights = Object.fromEntries(RISK_FEATURES.map((f, j) => [f.name, fit.weights[j] as number])) as Record<RiskFeatureName, number>;
  const learnedSignals = RISK_FEATURES.filter((f) => f.signal && !priorFeatures.includes(f.name)).map((f) => f.name);
  const model: RiskModel = {
    source: 'backtest',
    reason: `Learned from ${learning.length} customers as of ${isoDay(options.cutoff)} and what they ordered in the following ${options.horizonDays} days (${noOrder} placed no order)${
      priorFeatures.length > 0
        ? `; ${priorFeatures.join(', ')} keep${priorFeatures.length === 1 ? 's its' : ' their'} documented prior weight${priorFeatures.length === 1 ? '' : 's'}, too few customers showing ${priorFeatures.length === 1 ? 'it' : 'them'} to learn from`
        : ''
    }${learnedSignals.length > 0 ? `; learned from the history too: ${learnedSignals.join(', ')}` : ''}.`,
    horizonDays: options.horizonDays,
    intercept: fit.intercept,
    weights,
    means,
    priorFeatures,
  };
  return { model, backtest: measureBacktest(model, holdout, learning.length, options.cutoff) };
}
