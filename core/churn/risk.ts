// The churn-risk score: the BG/NBD model's view of a customer combined with the signals a success manager
// looks at, as a 0-100 score, a band, each factor's contribution and the top reasons in plain sentences.
// Pure: the clock (`now`) is an input; nothing here reads the time, a database or the network.
//
// Formula (points; every factor is capped at its maximum):
//
//   factor       measure                                                          max points
//   dropout      1 - P(alive)                                             × 30     30
//   quiet        P(no order in the next 90 days) = 1 - P(alive)·(1 - ((α+T)/(α+T+h))^(r+x))
//                (h = 90 days in the model's unit)                         × 20     20
//   overdue      ratio = days since the last order / usual gap between orders;
//                clamp((ratio - 1) / 2, 0, 1)                              × 40     40
//                (usual gap = the customer's own mean gap (first to last order / repeat orders) with
//                2+ order days; the business's typical gap for one-order customers; no points otherwise)
//   detractor    worst survey answer in the last 90 days: CSAT 1 or NPS 0-3 = 30;
//                CSAT 2 or NPS 4-6 = 15                                             30
//   tickets      5 per open support ticket                                          10
//   refunds      5 per refund in the last 90 days                                   10
//   engagement   email opens + clicks in the latest window vs the window before (equal lengths; only
//                with 3+ interactions before): drop = 1 - recent/previous;
//                clamp((drop - 0.25) / 0.75, 0, 1)                         × 10     10
//
//   raw = Σ points (at most 150); model score = min(raw, 100), each contribution scaled by 100/raw when
//   raw > 100, so the contributions always add up to the model score. Contributions are rounded to 0.1
//   point by largest remainder, so their sum is exactly the (0.1-rounded) score.
//   band: score >= 60 high, >= 30 medium, else low (thresholds configurable).
//   reasons: the factors worth 3 points or more, largest first, at most 3, as plain sentences.
//
// P(alive), P(no order in 90 days), the expected orders in 90 days and the median next-order date come from
// the BG/NBD model (bgnbd.ts) at `now` (x = repeat order days, T = time since the first order day, in the
// model's unit). The weights make the three archetypes land where a success manager expects (on the CDNOW
// parameters, 12 orders 30 days apart, a typical reorder gap of 45 days): a regular who just ordered ~5 (low), the same regular three gaps overdue ~65 (high, overdue alone gives 40), a
// one-time buyer long past the business's usual reorder gap ~59 (medium, the model giving them P(alive) = 1
// by construction), a fresh one-time buyer ~15 (low); a 1-out-of-5 rating moves a healthy regular to
// medium.
//
// External scores (`churn_score.reported`, 0-100 with a source) are kept beside the model score; the
// effective score is chosen by `precedence`: 'model' (default: the external score is only shown),
// 'external' (the external score when there is one), 'higher' (the larger). `contributions` always
// explain the model score; when the external score is in force, `source` says so and the first reason
// names it.
//
// Small histories: `chooseModelParameters` fits the business's own orders when there are at least 500
// customers and 100 repeat buyers and the fit converges; otherwise it uses the published CDNOW estimates
// (Fader, Hardie & Lee 2005: r = 0.243, α = 4.414 per week, a = 0.793, b = 2.426), α scaled to the unit.
import type { BgNbdParams, CustomerSummary } from './bgnbd.ts';
import { expectedPurchasesInNext, probabilityAlive, probabilityOfPurchaseWithin, timeUntilNextPurchase } from './bgnbd.ts';
import type { FitOptions, FitResult } from './fit.ts';
import { fitBgNbd } from './fit.ts';
import type { TimeUnit } from './summary.ts';
import { daysPerUnit, MS_PER_DAY } from './summary.ts';

// ---------------------------------------------------------------------------------------------------------
// Model parameters: the business's own fit, or a stated prior for small histories
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// A customer's order rhythm and the model's outputs for them
// ---------------------------------------------------------------------------------------------------------

/** A customer's order history in whole calendar days (UTC) as of `now`. */
export interface OrderRhythm {
  /** Distinct calendar days with an order (repeat purchases x = orderDays - 1). */
  readonly orderDays: number;
  readonly daysSinceFirstOrder: number;
  readonly daysSinceLastOrder: number;
}

function dayNumber(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('dates must be valid');
  return Math.floor(ms / MS_PER_DAY);
}

/** The rhythm from order dates (orders after `now` are ignored); null without an order. */
export function rhythmFromOrderDates(orderDates: Iterable<Date>, now: Date): OrderRhythm | null {
  const today = dayNumber(now);
  const days = new Set<number>();
  for (const date of orderDates) {
    const day = dayNumber(date);
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

/** Horizon of the "next 90 days" model outputs. */
export const HORIZON_DAYS = 90;

export interface ModelOutputs {
  /** P(alive | x, t_x, T). */
  readonly pAlive: number;
  /** Expected orders (order days) in the next 90 days. */
  readonly expectedOrders90: number;
  /** P(at least one order in the next 90 days). */
  readonly pOrder90: number;
  /** Median date of the next order; null when the model gives at least even odds of no further order. */
  readonly nextOrderDate: Date | null;
}

/** The BG/NBD outputs for one customer at `now` (x = orderDays - 1, T and t_x from the rhythm). */
export function computeModelOutputs(params: BgNbdParams, unit: TimeUnit, rhythm: OrderRhythm, now: Date): ModelOutputs {
  const unitDays = daysPerUnit(unit);
  const summary: CustomerSummary = {
    x: rhythm.orderDays - 1,
    T: rhythm.daysSinceFirstOrder / unitDays,
    tx: (rhythm.daysSinceFirstOrder - rhythm.daysSinceLastOrder) / unitDays,
  };
  const horizon = HORIZON_DAYS / unitDays;
  const periods = timeUntilNextPurchase(params, summary);
  return {
    pAlive: probabilityAlive(params, summary),
    expectedOrders90: expectedPurchasesInNext(params, summary, horizon),
    pOrder90: probabilityOfPurchaseWithin(params, summary, horizon),
    nextOrderDate: Number.isFinite(periods) ? new Date(dayNumber(now) * MS_PER_DAY + Math.round(periods * unitDays * MS_PER_DAY)) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The score
// ---------------------------------------------------------------------------------------------------------

export type RiskBand = 'low' | 'medium' | 'high';
export type RiskFactor = 'dropout' | 'quiet' | 'overdue' | 'detractor' | 'tickets' | 'refunds' | 'engagement';
export const RISK_FACTORS: readonly RiskFactor[] = ['dropout', 'quiet', 'overdue', 'detractor', 'tickets', 'refunds', 'engagement'];

/** Maximum points per factor (see the formula above). */
export const MAX_POINTS: Readonly<Record<RiskFactor, number>> = {
  dropout: 30,
  quiet: 20,
  overdue: 40,
  detractor: 30,
  tickets: 10,
  refunds: 10,
  engagement: 10,
};

/** Points of a CSAT 2 or an NPS 4-6 answer (a CSAT 1 or NPS 0-3 gets MAX_POINTS.detractor). */
export const MILD_DETRACTOR_POINTS = 15;

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

/** A score reported by the business's own model (`churn_score.reported`). */
export interface ExternalScore {
  /** 0-100, higher = more at risk. */
  readonly score: number;
  readonly source: string;
  readonly at?: Date;
}

export interface RiskInput {
  readonly now: Date;
  /** Null for a customer without orders. */
  readonly rhythm: OrderRhythm | null;
  /** Model outputs (`computeModelOutputs`); null without orders. */
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
  readonly external?: ExternalScore | null;
}

export interface RiskConfig {
  /** Lowest score of the medium and of the high band. Default { medium: 30, high: 60 }. */
  readonly thresholds: { readonly medium: number; readonly high: number };
  /** Which score is in force when an external score exists. Default 'model'. */
  readonly precedence: 'model' | 'external' | 'higher';
  /** How many reasons to give. Default 3. */
  readonly maxReasons: number;
  /** A factor needs at least this many points to be given as a reason. Default 3. */
  readonly minReasonPoints: number;
}

export const DEFAULT_RISK_CONFIG: RiskConfig = {
  thresholds: { medium: 30, high: 60 },
  precedence: 'model',
  maxReasons: 3,
  minReasonPoints: 3,
};

export interface FactorContribution {
  readonly factor: RiskFactor;
  /** Points added to the model score (0.1 precision; the contributions sum to `modelScore`). */
  readonly points: number;
  /** The measure behind the points: 1 - P(alive), P(no order), overdue ratio, worst answer, count, drop. */
  readonly value: number | null;
}

export interface RiskScore {
  /** The effective score, 0-100 (0.1 precision). */
  readonly score: number;
  readonly band: RiskBand;
  /** Whose score is in force. */
  readonly source: 'model' | 'external';
  readonly modelScore: number;
  readonly modelBand: RiskBand;
  /** One per factor, in RISK_FACTORS order; they sum to modelScore. */
  readonly contributions: FactorContribution[];
  /** The top reasons, most important first. */
  readonly reasons: string[];
  readonly model: ModelOutputs | null;
  readonly external: ExternalScore | null;
}

export function bandOf(score: number, thresholds: RiskConfig['thresholds'] = DEFAULT_RISK_CONFIG.thresholds): RiskBand {
  if (score >= thresholds.high) return 'high';
  if (score >= thresholds.medium) return 'medium';
  return 'low';
}

function clamp01(v: number): number {
  return Math.min(Math.max(v, 0), 1);
}

function validateConfig(config: RiskConfig): void {
  const { medium, high } = config.thresholds;
  if (!(Number.isFinite(medium) && Number.isFinite(high) && medium >= 0 && medium <= high && high <= 100)) {
    throw new RangeError(`band thresholds must satisfy 0 <= medium <= high <= 100 (got medium ${medium}, high ${high})`);
  }
  if (!['model', 'external', 'higher'].includes(config.precedence)) {
    throw new RangeError(`precedence must be model, external or higher (got ${String(config.precedence)})`);
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function percent(p: number): string {
  if (p > 0 && p < 0.005) return 'under 1%';
  if (p < 1 && p > 0.995) return 'over 99%';
  return `${Math.round(p * 100)}%`;
}

function daysAgoText(days: number): string {
  return days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
}

/**
 * What a reason sentence needs. Sentences are written only for the factors given as reasons, and with no
 * closure per customer: scoring a million customers should not build seven million strings.
 */
type ReasonSpec =
  | { readonly kind: 'dropout'; readonly pAlive: number }
  | { readonly kind: 'quiet'; readonly expected: number; readonly pOrder: number }
  | { readonly kind: 'overdue'; readonly since: number; readonly gap: number; readonly own: boolean }
  | { readonly kind: 'detractor'; readonly survey: 'csat' | 'nps'; readonly score: number; readonly latest: boolean; readonly ago: number }
  | { readonly kind: 'tickets'; readonly count: number; readonly oldestAge: number }
  | { readonly kind: 'refunds'; readonly count: number }
  | { readonly kind: 'engagement'; readonly drop: number; readonly recent: number; readonly previous: number; readonly windowDays: number };

function reasonText(spec: ReasonSpec): string {
  switch (spec.kind) {
    case 'dropout':
      return `Their purchase pattern suggests they may have stopped buying (${percent(spec.pAlive)} chance they are still an active customer)`;
    case 'quiet':
      return spec.pOrder < 0.1
        ? `Unlikely to order in the next 90 days (${percent(spec.pOrder)} chance)`
        : `Expected to place ${spec.expected.toFixed(1)} orders in the next 90 days (${percent(spec.pOrder)} chance of any)`;
    case 'overdue': {
      const gap = Math.max(1, Math.round(spec.gap));
      return spec.own
        ? `No order for ${plural(spec.since, 'day')}; usually orders every ${gap === 1 ? 'day' : gap}`
        : `Only one order, ${spec.since === 0 ? 'today' : `${plural(spec.since, 'day')} ago`}; repeat customers usually reorder within ${plural(gap, 'day')}`;
    }
    case 'detractor':
      if (spec.survey === 'csat') {
        return spec.latest
          ? `Rated their last order ${spec.score} out of 5`
          : `Rated an order ${spec.score} out of 5 ${daysAgoText(spec.ago)}`;
      }
      return `Answered ${spec.score} out of 10 when asked whether they would recommend us (${daysAgoText(spec.ago)})`;
    case 'tickets':
      return `${plural(spec.count, 'open support ticket')}${spec.count > 1 ? ', the oldest' : ''} opened ${spec.oldestAge <= 0 ? 'today' : `${plural(spec.oldestAge, 'day')} ago`}`;
    case 'refunds':
      return `${plural(spec.count, 'refund')} in the last 90 days`;
    case 'engagement':
      return `Email engagement down ${percent(spec.drop)}: ${plural(spec.recent, 'open or click', 'opens and clicks')} in the last ${spec.windowDays} days, against ${spec.previous} in the ${spec.windowDays} days before`;
  }
}

/** Largest-remainder rounding to tenths: the results sum to round(10 · Σ values) tenths exactly. */
function roundToTenths(values: readonly number[]): number[] {
  let total = 0;
  for (const v of values) total += v;
  const floors = new Array<number>(values.length);
  const remainders = new Array<number>(values.length);
  let remaining = Math.round(total * 10);
  for (let i = 0; i < values.length; i++) {
    const scaled = (values[i] as number) * 10;
    const floor = Math.floor(scaled);
    floors[i] = floor;
    remainders[i] = scaled - floor;
    remaining -= floor;
  }
  // `remaining` is at most the number of values: hand the tenths to the largest remainders (first wins ties).
  for (; remaining > 0; remaining--) {
    let best = -1;
    for (let i = 0; i < values.length; i++) {
      if (remainders[i] as number) {
        if (best < 0 || (remainders[i] as number) > (remainders[best] as number)) best = i;
      }
    }
    if (best < 0) break;
    floors[best] = (floors[best] as number) + 1;
    remainders[best] = 0;
  }
  return floors.map((tenths) => tenths / 10);
}

function detractorPoints(answer: SurveyAnswer): number {
  if (answer.kind === 'csat') return answer.score <= 1 ? MAX_POINTS.detractor : answer.score <= 2 ? MILD_DETRACTOR_POINTS : 0;
  return answer.score <= 3 ? MAX_POINTS.detractor : answer.score <= 6 ? MILD_DETRACTOR_POINTS : 0;
}

/** The risk score of one customer; see the formula at the top of this file. */
export function scoreChurnRisk(input: RiskInput, config: Partial<RiskConfig> = {}): RiskScore {
  const cfg: RiskConfig = config === DEFAULT_RISK_CONFIG ? DEFAULT_RISK_CONFIG : { ...DEFAULT_RISK_CONFIG, ...config };
  validateConfig(cfg);
  const today = dayNumber(input.now);
  const lookbackStart = today - HORIZON_DAYS;
  const { model, rhythm } = input;
  // In RISK_FACTORS order.
  const points = [0, 0, 0, 0, 0, 0, 0];
  const values: (number | null)[] = [null, null, null, null, 0, 0, null];
  const specs: (ReasonSpec | null)[] = [null, null, null, null, null, null, null];

  // Model: dropout and quiet.
  if (model) {
    const dropout = clamp01(1 - model.pAlive);
    points[0] = MAX_POINTS.dropout * dropout;
    values[0] = dropout;
    specs[0] = { kind: 'dropout', pAlive: model.pAlive };
    const quiet = clamp01(1 - model.pOrder90);
    points[1] = MAX_POINTS.quiet * quiet;
    values[1] = quiet;
    specs[1] = { kind: 'quiet', expected: model.expectedOrders90, pOrder: model.pOrder90 };
  }

  // Overdue against their own rhythm (or the business's, for a single order).
  if (rhythm) {
    const ownGap = meanOrderGapDays(rhythm);
    const own = ownGap !== null && ownGap > 0;
    const gap = own ? ownGap : rhythm.orderDays === 1 ? (input.typicalGapDays ?? null) : null;
    if (gap !== null && gap > 0) {
      const ratio = rhythm.daysSinceLastOrder / Math.max(gap, 1);
      points[2] = MAX_POINTS.overdue * clamp01((ratio - 1) / 2);
      values[2] = ratio;
      specs[2] = { kind: 'overdue', since: Math.round(rhythm.daysSinceLastOrder), gap, own };
    }
  }

  // Detractor answers in the last 90 days: the worst one counts (the latest among equals).
  const surveys = input.surveys;
  if (surveys && surveys.length > 0) {
    let worst: SurveyAnswer | null = null;
    let worstPoints = 0;
    for (const answer of surveys) {
      const day = dayNumber(answer.at);
      if (day > today || day < lookbackStart) continue;
      const p = detractorPoints(answer);
      if (p > 0 && (p > worstPoints || (p === worstPoints && worst !== null && answer.at > worst.at))) {
        worst = answer;
        worstPoints = p;
      }
    }
    if (worst !== null) {
      let latest = true; // is it their latest answer of this kind (up to now)?
      for (const answer of surveys) {
        if (answer.kind === worst.kind && answer.at > worst.at && dayNumber(answer.at) <= today) latest = false;
      }
      points[3] = worstPoints;
      values[3] = worst.score;
      specs[3] = { kind: 'detractor', survey: worst.kind, score: worst.score, latest, ago: today - dayNumber(worst.at) };
    }
  }

  // Open support tickets.
  const tickets = input.openTickets;
  if (tickets && tickets.length > 0) {
    let oldest = today;
    for (const ticket of tickets) oldest = Math.min(oldest, dayNumber(ticket.openedAt));
    points[4] = Math.min(MAX_POINTS.tickets, 5 * tickets.length);
    values[4] = tickets.length;
    specs[4] = { kind: 'tickets', count: tickets.length, oldestAge: today - oldest };
  }

  // Refunds in the last 90 days.
  let refunds = 0;
  for (const refund of input.refunds ?? []) {
    const day = dayNumber(refund.at);
    if (day >= lookbackStart && day <= today) refunds++;
  }
  if (refunds > 0) {
    points[5] = Math.min(MAX_POINTS.refunds, 5 * refunds);
    values[5] = refunds;
    specs[5] = { kind: 'refunds', count: refunds };
  }

  // Email engagement drop.
  const email = input.email;
  if (email && email.previous >= 3 && email.recent >= 0 && email.windowDays > 0) {
    const drop = clamp01(1 - email.recent / email.previous);
    points[6] = MAX_POINTS.engagement * clamp01((drop - 0.25) / 0.75);
    values[6] = drop;
    specs[6] = { kind: 'engagement', drop, recent: email.recent, previous: email.previous, windowDays: email.windowDays };
  }

  // Sum, cap at 100 by scaling every contribution, round to tenths keeping the sum exact.
  let rawTotal = 0;
  for (const p of points) rawTotal += p;
  if (rawTotal > 100) {
    const scale = 100 / rawTotal;
    for (let i = 0; i < points.length; i++) points[i] = (points[i] as number) * scale;
  }
  const rounded = roundToTenths(points);
  let tenths = 0;
  for (const p of rounded) tenths += Math.round(p * 10);
  const modelScore = tenths / 10;
  const contributions: FactorContribution[] = RISK_FACTORS.map((factor, i) => ({
    factor,
    points: rounded[i] as number,
    value: values[i] as number | null,
  }));

  const external = input.external ?? null;
  if (external && !(Number.isFinite(external.score) && external.score >= 0 && external.score <= 100)) {
    throw new RangeError(`an external score must be between 0 and 100 (got ${external.score} from ${external.source})`);
  }
  const useExternal = external !== null && (cfg.precedence === 'external' || (cfg.precedence === 'higher' && external.score > modelScore));
  const score = useExternal && external ? external.score : modelScore;

  // The top reasons: factors with at least minReasonPoints, by points (factor order among equals).
  const reasons: string[] = [];
  if (useExternal && external) reasons.push(`Scored ${Math.round(external.score)} out of 100 by ${external.source}`);
  const taken = [false, false, false, false, false, false, false];
  while (reasons.length < cfg.maxReasons) {
    let best = -1;
    for (let i = 0; i < specs.length; i++) {
      if (taken[i] || specs[i] === null || (rounded[i] as number) < cfg.minReasonPoints) continue;
      if (best < 0 || (rounded[i] as number) > (rounded[best] as number)) best = i;
    }
    if (best < 0) break;
    taken[best] = true;
    reasons.push(reasonText(specs[best] as ReasonSpec));
  }

  return {
    score,
    band: bandOf(score, cfg.thresholds),
    source: useExternal ? 'external' : 'model',
    modelScore,
    modelBand: bandOf(modelScore, cfg.thresholds),
    contributions,
    reasons,
    model,
    external,
  };
}
