// What the churn-risk score knows about a customer, as numbers a logistic regression can weigh
// (risk-score.ts scores with the weights, risk-model.ts learns them from the business's own history).
// The same function computes the features for scoring and for the backtest, so the backtest measures the
// score exactly as it is computed in the product.
//
// | feature           | factor     | value                                                                  | weight        |
// | ----------------- | ---------- | ---------------------------------------------------------------------- | ------------- |
// | noOrderLogit      | quiet      | logit of the BG/NBD P(no order in the next H days)                     | learned       |
// | expectedOrdersLog | quiet      | ln(1 + BG/NBD expected orders in the next H days)                      | learned       |
// | dropout           | dropout    | 1 - BG/NBD P(alive)                                                    | learned       |
// | recencyLog        | overdue    | ln(1 + days since the last order)                                      | learned       |
// | overdueLogRatio   | overdue    | ln((1 + days since the last order) / (1 + usual gap)); the usual gap  | learned       |
// |                   |            | is their own mean gap, or the business's typical gap for one order     |               |
// | frequencyLog      | frequency  | ln(order days)                                                         | learned       |
// | tenureLog         | tenure     | ln(1 + days since the first order)                                     | learned       |
// | detractor         | detractor  | worst answer in the last 90 days: CSAT 1 or NPS 0-3 = 1; CSAT 2 or     | learned, or   |
// |                   |            | NPS 4-6 = 0.5; else 0                                                  | prior 1.0     |
// | openTickets       | tickets    | open support tickets, at most 3                                        | or prior 0.3  |
// | refunds           | refunds    | refunds in the last 90 days, at most 3                                 | or prior 0.3  |
// | engagementDrop    | engagement | email opens + clicks, the latest window against the one before (3+     | or prior 0.7  |
// |                   |            | before): 1 - recent/previous, in [0, 1]; else 0                        |               |
//
// A customer without an order has no order features: each takes the population's mean (risk-score.ts),
// so only their service signals move them from the business's base rate. The prior weights are log-odds
// per unit: a strong detractor answer multiplies the odds of no order by e^1.0 = 2.7, an open ticket or a
// refund by e^0.3 = 1.35 each, engagement that stopped altogether by e^0.7 = 2.0. They are used for the
// signals the history has too few examples of (risk-model.ts), and for every signal of the fallback model.
import { HORIZON_DAYS, type ModelOutputs } from './customer-forecast.ts';
import { logit } from './logistic.ts';
import { meanOrderGapDays, type OrderRhythm, utcDayNumber } from './order-rhythm.ts';
import type { ReasonSpec } from './risk-reasons.ts';

export interface SurveyAnswer {
  readonly kind: 'csat' | 'nps';
  /** CSAT 1-5 or NPS 0-10. */
  readonly score: number;
  readonly at: Date;
}

export interface OpenTicket {
  readonly openedAt: Date;
  readonly severity?: string;
}

export interface Refund {
  readonly at: Date;
  readonly amount?: number;
}

/** Email opens + clicks in the latest `windowDays` (recent) and in the `windowDays` before (previous). */
export interface EmailEngagement {
  readonly recent: number;
  readonly previous: number;
  readonly windowDays: number;
}

/** What the features are computed from: one customer as of `now`. */
export interface RiskFeatureInput {
  readonly now: Date;
  /** Null for a customer without orders. */
  readonly rhythm: OrderRhythm | null;
  /** Model outputs (`computeModelOutputs`, with the score's horizon); null without orders. */
  readonly model: ModelOutputs | null;
  /** The business's typical gap between orders (`typicalOrderGapDays`), the rhythm of one-order customers. */
  readonly typicalGapDays?: number | null;
  /** Survey answers; only those in the last 90 days count. */
  readonly surveys?: readonly SurveyAnswer[];
  /** Currently open support tickets. */
  readonly openTickets?: readonly OpenTicket[];
  /** Refunds; only those in the last 90 days count. */
  readonly refunds?: readonly Refund[];
  /** Email engagement; absent when the business sends no email or does not track it. */
  readonly email?: EmailEngagement | null;
}

export type RiskFactor =
  | 'baseline'
  | 'dropout'
  | 'quiet'
  | 'overdue'
  | 'frequency'
  | 'tenure'
  | 'detractor'
  | 'tickets'
  | 'refunds'
  | 'engagement';
/** The factors of a score's contributions, in this order; `baseline` is the business's base rate. */
export const RISK_FACTORS: readonly RiskFactor[] = [
  'baseline',
  'dropout',
  'quiet',
  'overdue',
  'frequency',
  'tenure',
  'detractor',
  'tickets',
  'refunds',
  'engagement',
];

export type RiskFeatureName =
  | 'noOrderLogit'
  | 'expectedOrdersLog'
  | 'dropout'
  | 'recencyLog'
  | 'overdueLogRatio'
  | 'frequencyLog'
  | 'tenureLog'
  | 'detractor'
  | 'openTickets'
  | 'refunds'
  | 'engagementDrop';

export interface RiskFeature {
  readonly name: RiskFeatureName;
  readonly factor: RiskFactor;
  /** A service signal: learned only when the history has enough examples of it, else `prior`. */
  readonly signal: boolean;
  /** The documented prior weight (log-odds per unit). */
  readonly prior: number;
}

/** The features in vector order (see the table at the top). */
export const RISK_FEATURES: readonly RiskFeature[] = [
  { name: 'noOrderLogit', factor: 'quiet', signal: false, prior: 1 },
  { name: 'expectedOrdersLog', factor: 'quiet', signal: false, prior: 0 },
  { name: 'dropout', factor: 'dropout', signal: false, prior: 0 },
  { name: 'recencyLog', factor: 'overdue', signal: false, prior: 0 },
  { name: 'overdueLogRatio', factor: 'overdue', signal: false, prior: 0 },
  { name: 'frequencyLog', factor: 'frequency', signal: false, prior: 0 },
  { name: 'tenureLog', factor: 'tenure', signal: false, prior: 0 },
  { name: 'detractor', factor: 'detractor', signal: true, prior: 1 },
  { name: 'openTickets', factor: 'tickets', signal: true, prior: 0.3 },
  { name: 'refunds', factor: 'refunds', signal: true, prior: 0.3 },
  { name: 'engagementDrop', factor: 'engagement', signal: true, prior: 0.7 },
];

/** Index of each factor's entry in `RISK_FACTORS`, per feature (vector order). */
export const FEATURE_FACTOR_INDEX: readonly number[] = RISK_FEATURES.map((feature) => RISK_FACTORS.indexOf(feature.factor));

/** At most this many tickets or refunds count. */
const MAX_COUNTED = 3;

/**
 * The weights of a score: P(no order in the next `horizonDays`) = sigmoid(intercept + Σ weights·features).
 * `means` are the features' means over the customers the weights were learned on (or scored, for the
 * fallback): the baseline of the contributions, and the value of a missing feature.
 */
export interface RiskModel {
  readonly source: 'backtest' | 'prior';
  /** One sentence: what the weights were learned from, or why the fallback is used. */
  readonly reason: string;
  readonly horizonDays: number;
  readonly intercept: number;
  readonly weights: Readonly<Record<RiskFeatureName, number>>;
  readonly means: Readonly<Record<RiskFeatureName, number>>;
  /** Features whose weight is the documented prior rather than learned. */
  readonly priorFeatures: readonly RiskFeatureName[];
}

const zeros = (): Record<RiskFeatureName, number> =>
  Object.fromEntries(RISK_FEATURES.map((feature) => [feature.name, 0])) as Record<RiskFeatureName, number>;

/**
 * The fallback weights, for a history too small to learn from: the BG/NBD P(no order in H) as it is
 * (weight 1 on its logit, intercept 0) moved by the service signals' prior weights. The baseline is an
 * even chance unless `means` are given.
 */
export function priorRiskModel(
  horizonDays: number = HORIZON_DAYS,
  reason = 'No history has been learned from yet, so the score is the BG/NBD model’s P(no order) moved by the service signals’ documented prior weights.',
  means: Readonly<Record<RiskFeatureName, number>> = zeros(),
): RiskModel {
  const weights = zeros();
  for (const feature of RISK_FEATURES) weights[feature.name] = feature.prior;
  return {
    source: 'prior',
    reason,
    horizonDays,
    intercept: 0,
    weights,
    means: { ...means },
    priorFeatures: RISK_FEATURES.map((feature) => feature.name),
  };
}

export const PRIOR_RISK_MODEL: RiskModel = priorRiskModel();

/** The features of one customer, with what each factor's sentence needs. */
export interface RiskFeatures {
  /** In `RISK_FEATURES` order; NaN where the customer has no value (no orders; no usual gap). */
  readonly values: Float64Array;
  /** The measure shown beside each factor's points (`FactorContribution.value`), in `RISK_FACTORS` order. */
  readonly measures: (number | null)[];
  /** What each factor's reason sentence needs, in `RISK_FACTORS` order; null when there is nothing to say. */
  readonly reasons: (ReasonSpec | null)[];
}

function clamp01(v: number): number {
  return Math.min(Math.max(v, 0), 1);
}

/** The severity of a survey answer: 1 for CSAT 1 or NPS 0-3, 0.5 for CSAT 2 or NPS 4-6, else 0. */
function detractorSeverity(answer: SurveyAnswer): number {
  if (answer.kind === 'csat') return answer.score <= 1 ? 1 : answer.score <= 2 ? 0.5 : 0;
  return answer.score <= 3 ? 1 : answer.score <= 6 ? 0.5 : 0;
}

const SIGNAL_WINDOW_DAYS = 90;

/** The features of one customer as of `input.now` (see the table at the top of the file). */
export function computeRiskFeatures(input: RiskFeatureInput): RiskFeatures {
  const values = new Float64Array(RISK_FEATURES.length).fill(Number.NaN);
  const measures: (number | null)[] = new Array<number | null>(RISK_FACTORS.length).fill(null);
  const reasons: (ReasonSpec | null)[] = new Array<ReasonSpec | null>(RISK_FACTORS.length).fill(null);
  const today = utcDayNumber(input.now);
  const lookbackStart = today - SIGNAL_WINDOW_DAYS;
  const { rhythm, model } = input;

  if (model) {
    const noOrder = clamp01(1 - model.pOrder90);
    values[0] = logit(noOrder);
    values[1] = Math.log1p(Math.max(model.expectedOrders90, 0));
    values[2] = clamp01(1 - model.pAlive);
    measures[2] = noOrder;
    measures[1] = values[2];
    reasons[1] = { kind: 'dropout', pAlive: model.pAlive };
    reasons[2] = { kind: 'quiet', expected: model.expectedOrders90, pOrder: model.pOrder90, horizonDays: model.horizonDays };
  }
  if (rhythm) {
    const since = rhythm.daysSinceLastOrder;
    values[3] = Math.log1p(Math.max(since, 0));
    const ownGap = meanOrderGapDays(rhythm);
    const own = ownGap !== null && ownGap > 0;
    const typical = input.typicalGapDays ?? null;
    const gap = own ? ownGap : rhythm.orderDays === 1 && typical !== null && typical > 0 ? typical : null;
    if (gap !== null) {
      values[4] = Math.log((1 + Math.max(since, 0)) / (1 + gap));
      measures[3] = since / Math.max(gap, 1);
      reasons[3] = { kind: 'overdue', since: Math.round(since), gap, own };
    } else {
      measures[3] = null;
      reasons[3] = { kind: 'recency', since: Math.round(since) };
    }
    values[5] = Math.log(Math.max(rhythm.orderDays, 1));
    measures[4] = rhythm.orderDays;
    reasons[4] = { kind: 'frequency', orders: rhythm.orderDays, days: rhythm.daysSinceFirstOrder };
    values[6] = Math.log1p(Math.max(rhythm.daysSinceFirstOrder, 0));
    measures[5] = rhythm.daysSinceFirstOrder;
    reasons[5] = { kind: 'tenure', days: rhythm.daysSinceFirstOrder, newer: false, orders: rhythm.orderDays }; // set against the mean when scored
  }

  // Detractor answers in the last 90 days: the worst one counts (the latest among equals).
  let worst: SurveyAnswer | null = null;
  let worstSeverity = 0;
  for (const answer of input.surveys ?? []) {
    const day = utcDayNumber(answer.at);
    if (day > today || day < lookbackStart) continue;
    const severity = detractorSeverity(answer);
    if (severity > 0 && (severity > worstSeverity || (severity === worstSeverity && worst !== null && answer.at > worst.at))) {
      worst = answer;
      worstSeverity = severity;
    }
  }
  values[7] = worstSeverity;
  if (worst !== null) {
    let latest = true; // is it their latest answer of this kind (up to now)?
    for (const answer of input.surveys ?? []) {
      if (answer.kind === worst.kind && answer.at > worst.at && utcDayNumber(answer.at) <= today) latest = false;
    }
    measures[6] = worst.score;
    reasons[6] = { kind: 'detractor', survey: worst.kind, score: worst.score, latest, ago: today - utcDayNumber(worst.at) };
  }

  const tickets = input.openTickets ?? [];
  values[8] = Math.min(tickets.length, MAX_COUNTED);
  measures[7] = tickets.length;
  if (tickets.length > 0) {
    let oldest = today;
    for (const ticket of tickets) oldest = Math.min(oldest, utcDayNumber(ticket.openedAt));
    reasons[7] = { kind: 'tickets', count: tickets.length, oldestAge: today - oldest };
  }

  let refunds = 0;
  for (const refund of input.refunds ?? []) {
    const day = utcDayNumber(refund.at);
    if (day >= lookbackStart && day <= today) refunds++;
  }
  values[9] = Math.min(refunds, MAX_COUNTED);
  measures[8] = refunds;
  if (refunds > 0) reasons[8] = { kind: 'refunds', count: refunds };

  const email = input.email;
  values[10] = 0;
  if (email && email.previous >= 3 && email.recent >= 0 && email.windowDays > 0) {
    const drop = clamp01(1 - email.recent / email.previous);
    values[10] = drop;
    measures[9] = drop;
    if (drop > 0) reasons[9] = { kind: 'engagement', drop, recent: email.recent, previous: email.previous, windowDays: email.windowDays };
  }
  return { values, measures, reasons };
}
