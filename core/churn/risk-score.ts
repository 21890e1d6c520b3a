// The churn-risk score: the probability that a customer places no order in the next H days (90 by
// default), as a 0-100 score ("a 70 means about a 70% chance of no order in 90 days"), with a band, each
// factor's contribution in points and the top reasons in plain sentences. Pure: the clock (`now`) is an
// input; nothing here reads the time, a database or the network.
//
//   P(no order in H) = sigmoid(z),  z = intercept + Σ_j w_j·x_j
//
// over the features of risk-features.ts (the BG/NBD quantities, recency against the customer's rhythm,
// frequency, tenure, survey answers, open tickets, refunds, email engagement), with the weights of a
// `RiskModel`: learned from the business's own history by a time-split backtest (risk-model.ts), or the
// documented fallback (`priorRiskModel`). Model score = 100·P, to 0.1 point.
//
// Contributions (points that add up exactly to the score):
//   - baseline: 100·sigmoid(z0), z0 = intercept + Σ_j w_j·μ_j, the score of a customer whose every feature
//     is the mean μ of the customers the weights were learned on (the business's base rate);
//   - each factor f: its share of the log-odds, c_f = Σ_{j in f} w_j·(x_j - μ_j), so that z = z0 + Σ_f c_f;
//   - the probability difference 100·(sigmoid(z) - sigmoid(z0)) is distributed in proportion to the c_f,
//     i.e. points_f = s·c_f with the secant slope s = 100·(sigmoid(z) - sigmoid(z0)) / (z - z0) (the
//     derivative 100·σ'(z0) when z = z0). A factor that raises the log-odds adds points, one that lowers
//     them takes points away, and baseline + Σ points_f = 100·sigmoid(z) exactly; rounded to 0.1 point by
//     largest remainder, they sum to the (0.1-rounded) score.
//   band: score >= 60 high, >= 30 medium, else low (thresholds configurable).
//   reasons: the factors adding at least 3 points, largest first, at most 3, as plain sentences
//   (risk-reasons.ts); a factor whose sentence would not explain a higher risk (fewer orders than usual,
//   a newer or older customer than usual) is not given as a reason.
//
// External scores (`churn_score.reported`, 0-100 with a source) are kept beside the model score; the
// effective score is chosen by `precedence`: 'model' (default: the external score is only shown),
// 'external' (the external score when there is one), 'higher' (the larger). `contributions` always
// explain the model score; when the external score is in force, `source` says so and the first reason
// names it.
import type { ModelOutputs } from './customer-forecast.ts';
import { sigmoid } from './logistic.ts';
import {
  computeRiskFeatures,
  FEATURE_FACTOR_INDEX,
  PRIOR_RISK_MODEL,
  RISK_FACTORS,
  RISK_FEATURES,
  type RiskFactor,
  type RiskFeatureInput,
  type RiskModel,
} from './risk-features.ts';
import { type ReasonSpec, reasonText } from './risk-reasons.ts';

export type { EmailEngagement, OpenTicket, Refund, RiskFactor, RiskModel, SurveyAnswer } from './risk-features.ts';
export { PRIOR_RISK_MODEL, priorRiskModel, RISK_FACTORS } from './risk-features.ts';

export type RiskBand = 'low' | 'medium' | 'high';

/** A score reported by the business's own model (`churn_score.reported`). */
export interface ExternalScore {
  /** 0-100, higher = more at risk. */
  readonly score: number;
  readonly source: string;
  readonly at?: Date;
}

export interface RiskInput extends RiskFeatureInput {
  readonly external?: ExternalScore | null;
  /** The weights; default the fallback (`PRIOR_RISK_MODEL`). `model` must be computed with its horizon. */
  readonly riskModel?: RiskModel;
}

export interface RiskConfig {
  /** Lowest score of the medium and of the high band. Default { medium: 30, high: 60 }. */
  readonly thresholds: { readonly medium: number; readonly high: number };
  /** Which score is in force when an external score exists. Default 'model'. */
  readonly precedence: 'model' | 'external' | 'higher';
  /** How many reasons to give. Default 3. */
  readonly maxReasons: number;
  /** A factor needs to add at least this many points to be given as a reason. Default 3. */
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
  /** Points of the model score (0.1 precision, negative when the factor lowers the risk); they sum to `modelScore`. */
  readonly points: number;
  /**
   * The measure behind the points: the base rate (baseline), 1 - P(alive), P(no order in H), days since
   * the last order / usual gap, order days, days since the first order, worst answer, count, drop.
   */
  readonly value: number | null;
}

export interface RiskScore {
  /** The effective score, 0-100 (0.1 precision). */
  readonly score: number;
  readonly band: RiskBand;
  /** Whose score is in force. */
  readonly source: 'model' | 'external';
  /** 100 × P(no order in the next `horizonDays`), to 0.1. */
  readonly modelScore: number;
  readonly modelBand: RiskBand;
  /** P(no order in the next `horizonDays`), unrounded. */
  readonly probabilityNoOrder: number;
  readonly horizonDays: number;
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

function validateConfig(config: RiskConfig): void {
  const { medium, high } = config.thresholds;
  if (!(Number.isFinite(medium) && Number.isFinite(high) && medium >= 0 && medium <= high && high <= 100)) {
    throw new RangeError(`band thresholds must satisfy 0 <= medium <= high <= 100 (got medium ${medium}, high ${high})`);
  }
  if (!['model', 'external', 'higher'].includes(config.precedence)) {
    throw new RangeError(`precedence must be model, external or higher (got ${String(config.precedence)})`);
  }
}

/**
 * Largest-remainder rounding to tenths: the results sum to round(10 · Σ points) tenths exactly (negative
 * points included: a floor is at most one tenth below its value).
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

/**
 * Does the sentence of this reason explain a higher risk? "Only N orders" needs fewer orders than the
 * business's customers have (`deviation` from the mean below 0); "No order for N days; usually orders every
 * M" needs N > M; "No order for N days" more days than usual.
 */
function sentenceAgrees(spec: ReasonSpec, deviation: number): boolean {
  if (spec.kind === 'frequency' || spec.kind === 'recency') return spec.kind === 'frequency' ? deviation < 0 : deviation > 0;
  if (spec.kind === 'overdue') return spec.since > spec.gap;
  return true;
}

/** The risk score of one customer; see the top of this file. */
export function scoreChurnRisk(input: RiskInput, config: Partial<RiskConfig> = {}): RiskScore {
  const cfg: RiskConfig = config === DEFAULT_RISK_CONFIG ? DEFAULT_RISK_CONFIG : { ...DEFAULT_RISK_CONFIG, ...config };
  validateConfig(cfg);
  const risk = input.riskModel ?? PRIOR_RISK_MODEL;
  const features = computeRiskFeatures(input);

  // Log-odds relative to the baseline, per factor.
  const logOdds = new Array<number>(RISK_FACTORS.length).fill(0);
  let z0 = risk.intercept;
  let z = risk.intercept;
  for (let j = 0; j < RISK_FEATURES.length; j++) {
    const name = (RISK_FEATURES[j] as (typeof RISK_FEATURES)[number]).name;
    const weight = risk.weights[name] ?? 0;
    const mean = risk.means[name] ?? 0;
    const raw = features.values[j] as number;
    const value = Number.isNaN(raw) ? mean : raw;
    z0 += weight * mean;
    z += weight * value;
    const f = FEATURE_FACTOR_INDEX[j] as number;
    logOdds[f] = (logOdds[f] as number) + weight * (value - mean);
  }
  const p0 = sigmoid(z0);
  const p = sigmoid(z);
  const slope = Math.abs(z - z0) > 1e-9 ? (100 * (p - p0)) / (z - z0) : 100 * p0 * (1 - p0);
  const rawPoints = logOdds.map((c, f) => (f === 0 ? 100 * p0 : slope * c));
  // The baseline's points and the factors' add up to 100·p up to rounding error; the rounding to tenths
  // is on their exact sum, 100·p.
  rawPoints[0] = 100 * p - rawPoints.slice(1).reduce((sum, v) => sum + v, 0);
  const roundedPoints = roundToTenths(rawPoints);
  let tenths = 0;
  for (const points of roundedPoints) tenths += Math.round(points * 10);
  const modelScore = tenths / 10;
  const contributions: FactorContribution[] = RISK_FACTORS.map((factor, i) => ({
    factor,
    points: roundedPoints[i] as number,
    value: i === 0 ? p0 : (features.measures[i] ?? null),
  }));

  const external = input.external ?? null;
  if (external && !(Number.isFinite(external.score) && external.score >= 0 && external.score <= 100)) {
    throw new RangeError(`an external score must be between 0 and 100 (got ${external.score} from ${external.source})`);
  }
  const useExternal = external !== null && (cfg.precedence === 'external' || (cfg.precedence === 'higher' && external.score > modelScore));
  const score = useExternal && external ? external.score : modelScore;

  // The top reasons: factors adding at least minReasonPoints, by points (factor order among equals: the sort is stable).
  const reasons: string[] = [];
  if (useExternal && external) reasons.push(`Scored ${Math.round(external.score)} out of 100 by ${external.source}`);
  const candidates: { index: number; points: number; spec: ReasonSpec }[] = [];
  for (let i = 1; i < RISK_FACTORS.length; i++) {
    let spec = features.reasons[i] ?? null;
    const points = roundedPoints[i] as number;
    if (spec === null || points < cfg.minReasonPoints) continue;
    const feature =
      spec.kind === 'tenure' ? 'tenureLog' : spec.kind === 'frequency' ? 'frequencyLog' : spec.kind === 'recency' ? 'recencyLog' : null;
    const j = feature === null ? -1 : RISK_FEATURES.findIndex((f) => f.name === feature);
    const deviation =
      j < 0 ? 0 : (features.values[j] as number) - (risk.means[(RISK_FEATURES[j] as (typeof RISK_FEATURES)[number]).name] ?? 0);
    if (spec.kind === 'tenure') spec = { ...spec, newer: deviation < 0 };
    if (!sentenceAgrees(spec, deviation)) continue;
    candidates.push({ index: i, points, spec });
  }
  candidates.sort((a, b) => b.points - a.points);
  for (const candidate of candidates) {
    if (reasons.length >= cfg.maxReasons) break;
    reasons.push(reasonText(candidate.spec));
  }
  // A customer at risk for no reason of their own is at risk as the business's customers are: say so,
  // rather than give a medium or high score no reason at all.
  if (reasons.length === 0 && bandOf(score, cfg.thresholds) !== 'low') {
    reasons.push(reasonText({ kind: 'baseline', share: p0, horizonDays: risk.horizonDays }));
  }

  return {
    score,
    band: bandOf(score, cfg.thresholds),
    source: useExternal ? 'external' : 'model',
    modelScore,
    modelBand: bandOf(modelScore, cfg.thresholds),
    probabilityNoOrder: p,
    horizonDays: risk.horizonDays,
    contributions,
    reasons,
    model: input.model,
    external,
  };
}
