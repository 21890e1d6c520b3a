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
// P(alive), P(no order in 90 days) and the expected orders come from the model (customer-forecast.ts),
// the usual gap from the order rhythm (order-rhythm.ts), the sentences from risk-reasons.ts. The weights
// make the three archetypes land where a success manager expects (on the CDNOW parameters, 12 orders 30
// days apart, a typical reorder gap of 45 days): a regular who just ordered ~5 (low), the same regular
// three gaps overdue ~65 (high, overdue alone gives 40), a one-time buyer long past the business's usual
// reorder gap ~59 (medium, the model giving them P(alive) = 1 by construction), a fresh one-time buyer
// ~15 (low); a 1-out-of-5 rating moves a healthy regular to medium.
//
// External scores (`churn_score.reported`, 0-100 with a source) are kept beside the model score; the
// effective score is chosen by `precedence`: 'model' (default: the external score is only shown),
// 'external' (the external score when there is one), 'higher' (the larger). `contributions` always
// explain the model score; when the external score is in force, `source` says so and the first reason
// names it.
import { HORIZON_DAYS, type ModelOutputs } from './customer-forecast.ts';
import { meanOrderGapDays, type OrderRhythm, utcDayNumber } from './order-rhythm.ts';
import { type ReasonSpec, reasonText } from './risk-reasons.ts';

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

// ---------------------------------------------------------------------------------------------------------
// The factors, one function each
// ---------------------------------------------------------------------------------------------------------

/** One factor before the cap and the rounding. */
interface FactorScore {
  readonly points: number;
  /** The measure behind the points (`FactorContribution.value`). */
  readonly value: number | null;
  /** What its reason sentence needs; null when there is nothing to say. */
  readonly reason: ReasonSpec | null;
}

const NOTHING: FactorScore = { points: 0, value: null, reason: null };

/** The UTC days a signal counts on: today and the 90 days before. */
interface Window {
  readonly today: number;
  readonly lookbackStart: number;
}

function dropoutFactor(model: ModelOutputs | null): FactorScore {
  if (!model) return NOTHING;
  const dropout = clamp01(1 - model.pAlive);
  return { points: MAX_POINTS.dropout * dropout, value: dropout, reason: { kind: 'dropout', pAlive: model.pAlive } };
}

function quietFactor(model: ModelOutputs | null): FactorScore {
  if (!model) return NOTHING;
  const quiet = clamp01(1 - model.pOrder90);
  return {
    points: MAX_POINTS.quiet * quiet,
    value: quiet,
    reason: { kind: 'quiet', expected: model.expectedOrders90, pOrder: model.pOrder90 },
  };
}

/** Overdue against their own rhythm (or the business's, for a single order). */
function overdueFactor(rhythm: OrderRhythm | null, typicalGapDays: number | null): FactorScore {
  if (!rhythm) return NOTHING;
  const ownGap = meanOrderGapDays(rhythm);
  const own = ownGap !== null && ownGap > 0;
  const gap = own ? ownGap : rhythm.orderDays === 1 ? typicalGapDays : null;
  if (!(gap !== null && gap > 0)) return NOTHING;
  const ratio = rhythm.daysSinceLastOrder / Math.max(gap, 1);
  return {
    points: MAX_POINTS.overdue * clamp01((ratio - 1) / 2),
    value: ratio,
    reason: { kind: 'overdue', since: Math.round(rhythm.daysSinceLastOrder), gap, own },
  };
}

function detractorPoints(answer: SurveyAnswer): number {
  if (answer.kind === 'csat') return answer.score <= 1 ? MAX_POINTS.detractor : answer.score <= 2 ? MILD_DETRACTOR_POINTS : 0;
  return answer.score <= 3 ? MAX_POINTS.detractor : answer.score <= 6 ? MILD_DETRACTOR_POINTS : 0;
}

/** Detractor answers in the last 90 days: the worst one counts (the latest among equals). */
function detractorFactor(surveys: readonly SurveyAnswer[] | undefined, { today, lookbackStart }: Window): FactorScore {
  if (!surveys || surveys.length === 0) return NOTHING;
  let worst: SurveyAnswer | null = null;
  let worstPoints = 0;
  for (const answer of surveys) {
    const day = utcDayNumber(answer.at);
    if (day > today || day < lookbackStart) continue;
    const p = detractorPoints(answer);
    if (p > 0 && (p > worstPoints || (p === worstPoints && worst !== null && answer.at > worst.at))) {
      worst = answer;
      worstPoints = p;
    }
  }
  if (worst === null) return NOTHING;
  let latest = true; // is it their latest answer of this kind (up to now)?
  for (const answer of surveys) {
    if (answer.kind === worst.kind && answer.at > worst.at && utcDayNumber(answer.at) <= today) latest = false;
  }
  return {
    points: worstPoints,
    value: worst.score,
    reason: { kind: 'detractor', survey: worst.kind, score: worst.score, latest, ago: today - utcDayNumber(worst.at) },
  };
}

function ticketsFactor(tickets: readonly OpenTicket[] | undefined, { today }: Window): FactorScore {
  if (!tickets || tickets.length === 0) return { ...NOTHING, value: 0 };
  let oldest = today;
  for (const ticket of tickets) oldest = Math.min(oldest, utcDayNumber(ticket.openedAt));
  return {
    points: Math.min(MAX_POINTS.tickets, 5 * tickets.length),
    value: tickets.length,
    reason: { kind: 'tickets', count: tickets.length, oldestAge: today - oldest },
  };
}

/** Refunds in the last 90 days. */
function refundsFactor(refunds: readonly Refund[] | undefined, { today, lookbackStart }: Window): FactorScore {
  let count = 0;
  for (const refund of refunds ?? []) {
    const day = utcDayNumber(refund.at);
    if (day >= lookbackStart && day <= today) count++;
  }
  if (count === 0) return { ...NOTHING, value: 0 };
  return { points: Math.min(MAX_POINTS.refunds, 5 * count), value: count, reason: { kind: 'refunds', count } };
}

function engagementFactor(email: EmailEngagement | null | undefined): FactorScore {
  if (!(email && email.previous >= 3 && email.recent >= 0 && email.windowDays > 0)) return NOTHING;
  const drop = clamp01(1 - email.recent / email.previous);
  return {
    points: MAX_POINTS.engagement * clamp01((drop - 0.25) / 0.75),
    value: drop,
    reason: { kind: 'engagement', drop, recent: email.recent, previous: email.previous, windowDays: email.windowDays },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The score
// ---------------------------------------------------------------------------------------------------------

/**
 * Largest-remainder rounding to tenths: the results sum to round(10 · Σ points) tenths exactly. On an
 * array in RISK_FACTORS order: this runs for every customer of a nightly run, and indexed arrays are
 * several times faster here than a record looked up by a variable key.
 */
function roundToTenths(points: readonly number[]): number[] {
  let total = 0;
  for (const value of points) total += value;
  const floors = new Array<number>(points.length);
  const remainders = new Array<number>(points.length);
  let remaining = Math.round(total * 10);
  for (let i = 0; i < points.length; i++) {
    const scaled = (points[i] as number) * 10;
    const floor = Math.floor(scaled);
    floors[i] = floor;
    remainders[i] = scaled - floor;
    remaining -= floor;
  }
  // `remaining` is at most the number of factors: hand the tenths to the largest remainders (first wins ties).
  for (; remaining > 0; remaining--) {
    let best = -1;
    for (let i = 0; i < remainders.length; i++) {
      if (remainders[i] && (best < 0 || (remainders[i] as number) > (remainders[best] as number))) best = i;
    }
    if (best < 0) break;
    floors[best] = (floors[best] as number) + 1;
    remainders[best] = 0;
  }
  for (let i = 0; i < floors.length; i++) floors[i] = (floors[i] as number) / 10;
  return floors;
}

/** The risk score of one customer; see the formula at the top of this file. */
export function scoreChurnRisk(input: RiskInput, config: Partial<RiskConfig> = {}): RiskScore {
  const cfg: RiskConfig = config === DEFAULT_RISK_CONFIG ? DEFAULT_RISK_CONFIG : { ...DEFAULT_RISK_CONFIG, ...config };
  validateConfig(cfg);
  const today = utcDayNumber(input.now);
  const window: Window = { today, lookbackStart: today - HORIZON_DAYS };
  const factors: Record<RiskFactor, FactorScore> = {
    dropout: dropoutFactor(input.model),
    quiet: quietFactor(input.model),
    overdue: overdueFactor(input.rhythm, input.typicalGapDays ?? null),
    detractor: detractorFactor(input.surveys, window),
    tickets: ticketsFactor(input.openTickets, window),
    refunds: refundsFactor(input.refunds, window),
    engagement: engagementFactor(input.email),
  };

  // Sum, cap at 100 by scaling every contribution, round to tenths keeping the sum exact.
  const scored = RISK_FACTORS.map((factor) => factors[factor]);
  let rawTotal = 0;
  for (const factor of scored) rawTotal += factor.points;
  const scale = rawTotal > 100 ? 100 / rawTotal : 1;
  const roundedPoints = roundToTenths(scored.map((factor) => factor.points * scale));
  let tenths = 0;
  for (const points of roundedPoints) tenths += Math.round(points * 10);
  const modelScore = tenths / 10;
  const contributions: FactorContribution[] = RISK_FACTORS.map((factor, i) => ({
    factor,
    points: roundedPoints[i] as number,
    value: scored[i]?.value ?? null,
  }));

  const external = input.external ?? null;
  if (external && !(Number.isFinite(external.score) && external.score >= 0 && external.score <= 100)) {
    throw new RangeError(`an external score must be between 0 and 100 (got ${external.score} from ${external.source})`);
  }
  const useExternal = external !== null && (cfg.precedence === 'external' || (cfg.precedence === 'higher' && external.score > modelScore));
  const score = useExternal && external ? external.score : modelScore;

  // The top reasons: factors with at least minReasonPoints, by points (factor order among equals: the sort is stable).
  const reasons: string[] = [];
  if (useExternal && external) reasons.push(`Scored ${Math.round(external.score)} out of 100 by ${external.source}`);
  const candidates = contributions.filter((contribution, i) => scored[i]?.reason && contribution.points >= cfg.minReasonPoints);
  candidates.sort((p, q) => q.points - p.points);
  for (const candidate of candidates) {
    if (reasons.length >= cfg.maxReasons) break;
    reasons.push(reasonText(factors[candidate.factor].reason as ReasonSpec));
  }

  return {
    score,
    band: bandOf(score, cfg.thresholds),
    source: useExternal ? 'external' : 'model',
    modelScore,
    modelBand: bandOf(modelScore, cfg.thresholds),
    contributions,
    reasons,
    model: input.model,
    external,
  };
}
