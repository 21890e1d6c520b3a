// The churn-risk score: the BG/NBD model's view of a customer combined with the signals a success manager
// looks at, as a 0-100 score, a band, each factor's contribution and the top reasons in plain sentences.
// Pure: the clock (`now`) is an input; nothing here reads the time, a database or the network.
//
// Formula (points; every factor is capped at its maximum):
//
//   factor       measure                                                          max points
//   dropout      1 - P(alive)                                             × 30     30
//   quiet        P(no order in the next 90 days) = 1 - P(alive)·(1 - ((α+T)/(α+T+h))^(r+x))
//                                                                          × 20     20
//   overdue      ratio = days since the last order / usual gap between orders;
//                clamp((ratio - 1) / 2, 0, 1)                              × 40     40
//                (usual gap = the customer's own mean gap (first to last order / repeat orders) with
//                2+ order days; the business's typical gap for one-order customers; no points otherwise)
//   detractor    worst survey answer in the last 90 days: CSAT 1 or NPS 0-3 = 25;
//                CSAT 2 or NPS 4-6 = 15                                             25
//   tickets      5 per open support ticket                                          10
//   refunds      5 per refund in the last 90 days                                   10
//   engagement   email opens + clicks in the latest window vs the window before (equal lengths; only
//                with 3+ interactions before): drop = 1 - recent/previous;
//                clamp((drop - 0.25) / 0.75, 0, 1)                         × 10     10
//
//   raw = Σ points (at most 145); model score = min(raw, 100), each contribution scaled by 100/raw when
//   raw > 100, so the contributions always add up to the model score. Contributions are rounded to 0.1
//   point by largest remainder, so their sum is exactly the (0.1-rounded) score.
//   band: score >= 60 high, >= 30 medium, else low (thresholds configurable).
//
// P(alive), P(no order in 90 days), the expected orders in 90 days and the median next-order date come from
// the BG/NBD model (bgnbd.ts) at `now` (x = repeat order days, T = time since the first order day, in the
// model's unit). The weights make the three archetypes land where a success manager expects: a regular who
// just ordered scores ~5 (low), the same regular three gaps overdue ~65 (high, overdue alone gives 40), a
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

/** The CDNOW prior in `unit`: α is a rate per period, so it scales with the length of the period. */
export function priorParameters(unit: TimeUnit): BgNbdParams {
  return { ...CDNOW_PRIOR_WEEKS, alpha: (CDNOW_PRIOR_WEEKS.alpha * daysPerUnit(unit)) / 7 };
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
  detractor: 25,
  tickets: 10,
  refunds: 10,
  engagement: 10,
};

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
  return v < 0 ? 0 : v > 1 ? 1 : v;
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

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const percent = (p: number) => (p > 0 && p < 0.005 ? 'under 1%' : p < 1 && p > 0.995 ? 'over 99%' : `${Math.round(p * 100)}%`);
const days = (d: number) => Math.round(d);

interface Raw {
  factor: RiskFactor;
  points: number;
  value: number | null;
  reason: string | null;
}

/** Largest-remainder rounding to tenths: Σ result = round(10 · Σ values) / 10 exactly (in tenths). */
function roundToTenths(values: readonly number[], total: number): number[] {
  const target = Math.round(total * 10);
  const scaled = values.map((v) => v * 10);
  const floors = scaled.map(Math.floor);
  let remaining = target - floors.reduce((s, v) => s + v, 0);
  const order = scaled.map((v, i) => ({ i, frac: v - (floors[i] as number) })).sort((p, q) => q.frac - p.frac || p.i - q.i);
  for (const { i } of order) {
    if (remaining <= 0) break;
    floors[i] = (floors[i] as number) + 1;
    remaining--;
  }
  return floors.map((tenths) => tenths / 10);
}

/** The risk score of one customer; see the formula at the top of this file. */
export function scoreChurnRisk(input: RiskInput, config: Partial<RiskConfig> = {}): RiskScore {
  const cfg: RiskConfig = { ...DEFAULT_RISK_CONFIG, ...config };
  validateConfig(cfg);
  const today = dayNumber(input.now);
  const lookbackStart = today - HORIZON_DAYS;
  const raw: Raw[] = [];
  const { model, rhythm } = input;

  // Model: dropout and quiet.
  if (model) {
    const dropout = clamp01(1 - model.pAlive);
    raw.push({
      factor: 'dropout',
      points: MAX_POINTS.dropout * dropout,
      value: dropout,
      reason: `Their purchase pattern suggests they may have stopped buying (${percent(model.pAlive)} chance they are still an active customer)`,
    });
    const quiet = clamp01(1 - model.pOrder90);
    raw.push({
      factor: 'quiet',
      points: MAX_POINTS.quiet * quiet,
      value: quiet,
      reason:
        model.expectedOrders90 < 0.05
          ? `Unlikely to order in the next 90 days (${percent(model.pOrder90)} chance)`
          : `Expected to place ${model.expectedOrders90.toFixed(1)} orders in the next 90 days (${percent(model.pOrder90)} chance of any)`,
    });
  } else {
    raw.push({ factor: 'dropout', points: 0, value: null, reason: null }, { factor: 'quiet', points: 0, value: null, reason: null });
  }

  // Overdue against their own rhythm (or the business's, for a single order).
  const ownGap = rhythm ? meanOrderGapDays(rhythm) : null;
  const gap = ownGap !== null && ownGap > 0 ? ownGap : rhythm && rhythm.orderDays === 1 ? (input.typicalGapDays ?? null) : null;
  if (rhythm && gap !== null && gap > 0) {
    const ratio = rhythm.daysSinceLastOrder / Math.max(gap, 1);
    const since = days(rhythm.daysSinceLastOrder);
    raw.push({
      factor: 'overdue',
      points: MAX_POINTS.overdue * clamp01((ratio - 1) / 2),
      value: ratio,
      reason:
        ownGap !== null && ownGap > 0
          ? `No order for ${since} days; usually orders every ${Math.max(1, days(gap))}`
          : `Only one order, ${since} days ago; repeat customers usually reorder within ${Math.max(1, days(gap))} days`,
    });
  } else {
    raw.push({ factor: 'overdue', points: 0, value: null, reason: null });
  }

  // Detractor answers in the last 90 days: the worst one counts.
  let worst: { answer: SurveyAnswer; points: number } | null = null;
  const latestByKind = new Map<string, SurveyAnswer>();
  for (const answer of input.surveys ?? []) {
    const day = dayNumber(answer.at);
    if (day > today) continue;
    const latest = latestByKind.get(answer.kind);
    if (!latest || answer.at.getTime() > latest.at.getTime()) latestByKind.set(answer.kind, answer);
    if (day < lookbackStart) continue;
    const points =
      answer.kind === 'csat'
        ? answer.score <= 1
          ? MAX_POINTS.detractor
          : answer.score <= 2
            ? 15
            : 0
        : answer.score <= 3
          ? MAX_POINTS.detractor
          : answer.score <= 6
            ? 15
            : 0;
    if (points > 0 && (!worst || points > worst.points || (points === worst.points && answer.at > worst.answer.at))) {
      worst = { answer, points };
    }
  }
  if (worst) {
    const { answer } = worst;
    const isLatest = latestByKind.get(answer.kind) === answer;
    const ago = today - dayNumber(answer.at);
    const when = ago === 0 ? 'today' : ago === 1 ? 'yesterday' : `${ago} days ago`;
    raw.push({
      factor: 'detractor',
      points: worst.points,
      value: answer.score,
      reason:
        answer.kind === 'csat'
          ? isLatest
            ? `Rated their last order ${answer.score} out of 5`
            : `Rated an order ${answer.score} out of 5 ${when}`
          : `Answered ${answer.score} out of 10 when asked whether they would recommend us (${when})`,
    });
  } else {
    raw.push({ factor: 'detractor', points: 0, value: null, reason: null });
  }

  // Open support tickets.
  const tickets = input.openTickets ?? [];
  if (tickets.length > 0) {
    const oldest = Math.min(...tickets.map((t) => dayNumber(t.openedAt)));
    const age = Math.max(0, today - oldest);
    raw.push({
      factor: 'tickets',
      points: Math.min(MAX_POINTS.tickets, 5 * tickets.length),
      value: tickets.length,
      reason: `${plural(tickets.length, 'open support ticket')}${tickets.length > 1 ? ', the oldest' : ''} opened ${age === 0 ? 'today' : `${plural(age, 'day')} ago`}`,
    });
  } else {
    raw.push({ factor: 'tickets', points: 0, value: 0, reason: null });
  }

  // Refunds in the last 90 days.
  const refunds = (input.refunds ?? []).filter((r) => {
    const day = dayNumber(r.at);
    return day >= lookbackStart && day <= today;
  }).length;
  raw.push({
    factor: 'refunds',
    points: Math.min(MAX_POINTS.refunds, 5 * refunds),
    value: refunds,
    reason: refunds > 0 ? `${plural(refunds, 'refund')} in the last 90 days` : null,
  });

  // Email engagement drop.
  const email = input.email;
  if (email && email.previous >= 3 && email.recent >= 0 && email.windowDays > 0) {
    const drop = clamp01(1 - email.recent / email.previous);
    raw.push({
      factor: 'engagement',
      points: MAX_POINTS.engagement * clamp01((drop - 0.25) / 0.75),
      value: drop,
      reason: `Email engagement down ${percent(drop)}: ${plural(email.recent, 'open or click', 'opens and clicks')} in the last ${email.windowDays} days, against ${email.previous} in the ${email.windowDays} days before`,
    });
  } else {
    raw.push({ factor: 'engagement', points: 0, value: null, reason: null });
  }

  // Sum, cap at 100 by scaling every contribution, round to tenths keeping the sum exact.
  const rawTotal = raw.reduce((s, f) => s + f.points, 0);
  const scale = rawTotal > 100 ? 100 / rawTotal : 1;
  const scaled = raw.map((f) => f.points * scale);
  const rounded = roundToTenths(
    scaled,
    scaled.reduce((s, v) => s + v, 0),
  );
  const tenths = rounded.reduce((s, v) => s + Math.round(v * 10), 0);
  const modelScore = tenths / 10;
  const contributions: FactorContribution[] = raw.map((f, i) => ({ factor: f.factor, points: rounded[i] as number, value: f.value }));

  const external = input.external ?? null;
  if (external && !(Number.isFinite(external.score) && external.score >= 0 && external.score <= 100)) {
    throw new RangeError(`an external score must be between 0 and 100 (got ${external.score} from ${external.source})`);
  }
  const useExternal =
    external !== null && (cfg.precedence === 'external' || (cfg.precedence === 'higher' && external.score > modelScore));
  const score = useExternal && external ? external.score : modelScore;

  const reasons = raw
    .map((f, i) => ({ reason: f.reason, points: rounded[i] as number }))
    .filter((f): f is { reason: string; points: number } => f.reason !== null && f.points >= cfg.minReasonPoints)
    .sort((p, q) => q.points - p.points)
    .map((f) => f.reason);
  if (useExternal && external) reasons.unshift(`Scored ${Math.round(external.score)} out of 100 by ${external.source}`);

  return {
    score,
    band: bandOf(score, cfg.thresholds),
    source: useExternal ? 'external' : 'model',
    modelScore,
    modelBand: bandOf(modelScore, cfg.thresholds),
    contributions,
    reasons: reasons.slice(0, cfg.maxReasons),
    model,
    external,
  };
}
