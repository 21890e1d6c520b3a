import { describe, expect, it } from 'vitest';
import { probabilityAlive } from '../../../core/churn/bgnbd.ts';
import { computeModelOutputs } from '../../../core/churn/customer-forecast.ts';
import { CDNOW_PRIOR_WEEKS, chooseModelParameters, priorParameters } from '../../../core/churn/model-choice.ts';
import type { OrderRhythm } from '../../../core/churn/order-rhythm.ts';
import { meanOrderGapDays, rhythmFromOrderDates, rhythmFromSummary, typicalOrderGapDays } from '../../../core/churn/order-rhythm.ts';
import { RISK_FEATURES, type RiskModel } from '../../../core/churn/risk-features.ts';
import type { RiskInput } from '../../../core/churn/risk-score.ts';
import { bandOf, DEFAULT_RISK_CONFIG, priorRiskModel, RISK_FACTORS, scoreChurnRisk } from '../../../core/churn/risk-score.ts';
import { createRandom, simulateSummaries } from '../../../core/churn/synthetic.ts';

const now = new Date('2026-06-01T15:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
const params = priorParameters('weeks');

/** Order dates every `gap` days, the latest `lastAgo` days ago. */
function regular(orders: number, gap: number, lastAgo: number): Date[] {
  return Array.from({ length: orders }, (_, i) => daysAgo(lastAgo + gap * i));
}

function assess(orderDates: Date[], extra: Partial<RiskInput> = {}, config = {}) {
  const rhythm = rhythmFromOrderDates(orderDates, now) as OrderRhythm;
  const model = computeModelOutputs(params, 'weeks', rhythm, now);
  return scoreChurnRisk({ now, rhythm, model, typicalGapDays: 45, ...extra }, config);
}

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

describe('the score is a probability', () => {
  it('is 100 x P(no order in the next 90 days): with the fallback weights, the BG/NBD probability itself', () => {
    for (const orders of [[daysAgo(300)], regular(12, 30, 3), regular(12, 30, 94), regular(3, 60, 20)]) {
      const result = assess(orders);
      const model = result.model as NonNullable<typeof result.model>;
      expect(result.score).toBeCloseTo(100 * (1 - model.pOrder90), 1);
      expect(result.probabilityNoOrder).toBeCloseTo(1 - model.pOrder90, 12);
      expect(result.horizonDays).toBe(90);
    }
  });

  it('a one-time buyer from long ago is high risk, and the reason says how unlikely an order is', () => {
    const result = assess([daysAgo(300)]);
    expect(result.band).toBe('high');
    expect(result.reasons).toEqual(['Unlikely to order in the next 90 days (6% chance)']);
  });

  it('a regular who just ordered is low risk, and orders again within about one gap', () => {
    const result = assess(regular(12, 30, 3));
    expect(result.band).toBe('low');
    expect(result.model?.pAlive).toBeGreaterThan(0.9);
    expect(result.model?.expectedOrders90).toBeGreaterThan(2);
    const next = result.model?.nextOrderDate as Date;
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(next.getTime()).toBeLessThan(daysAgo(-45).getTime());
  });

  it('takes the horizon H of its weights', () => {
    const rhythm = rhythmFromOrderDates(regular(4, 30, 20), now) as OrderRhythm;
    const in30 = scoreChurnRisk({
      now,
      rhythm,
      model: computeModelOutputs(params, 'weeks', rhythm, now, 30),
      riskModel: priorRiskModel(30),
    });
    const in90 = assess(regular(4, 30, 20));
    expect(in30.horizonDays).toBe(30);
    expect(in30.score).toBeGreaterThan(in90.score); // less time to order: more likely to place none
  });
});

describe('contributions', () => {
  const everything = (): Partial<RiskInput> => ({
    surveys: [
      { kind: 'nps', score: 5, at: daysAgo(20) },
      { kind: 'csat', score: 2, at: daysAgo(40) },
      { kind: 'csat', score: 5, at: daysAgo(10) },
      { kind: 'csat', score: 1, at: daysAgo(200) }, // too old to count
    ],
    openTickets: [{ openedAt: daysAgo(12) }, { openedAt: daysAgo(3) }],
    refunds: [{ at: daysAgo(5) }, { at: daysAgo(400) }],
    email: { recent: 2, previous: 10, windowDays: 30 },
  });
  const zeros = Object.fromEntries(RISK_FEATURES.map((f) => [f.name, 0])) as RiskModel['weights'];
  /** Learned-looking weights: recency against the rhythm, frequency and tenure count too. */
  const learned: RiskModel = {
    source: 'backtest',
    reason: 'test',
    horizonDays: 90,
    intercept: -1,
    weights: {
      ...zeros,
      noOrderLogit: 0.6,
      dropout: 1,
      overdueLogRatio: 0.8,
      frequencyLog: -0.7,
      tenureLog: 0.2,
      detractor: 1,
      openTickets: 0.3,
      refunds: 0.3,
      engagementDrop: 0.7,
    },
    means: { ...zeros, noOrderLogit: 1.5, dropout: 0.1, overdueLogRatio: 0.5, frequencyLog: 0.4, tenureLog: 5 },
    priorFeatures: ['detractor', 'openTickets', 'refunds', 'engagementDrop'],
  };

  it('gives one contribution per factor, in points that add up exactly to the score', () => {
    const cases = [
      assess([daysAgo(300)]),
      assess(regular(12, 30, 3)),
      assess(regular(12, 30, 94), everything()),
      assess(regular(4, 17, 40), everything()),
      assess(regular(2, 200, 10), { email: { recent: 9, previous: 10, windowDays: 30 } }),
      assess(regular(12, 30, 94), { riskModel: learned }),
      assess(regular(12, 30, 3), { ...everything(), riskModel: learned }),
      assess([daysAgo(2)], { riskModel: learned }),
    ];
    for (const result of cases) {
      expect(result.contributions.map((c) => c.factor)).toEqual(RISK_FACTORS);
      const points = result.contributions.map((c) => c.points);
      expect(Math.round(sum(points) * 10)).toBe(Math.round(result.modelScore * 10));
      expect(result.modelScore).toBeCloseTo(100 * result.probabilityNoOrder, 1);
      for (const p of points) expect(Math.round(p * 10)).toBeCloseTo(p * 10, 9); // tenths
    }
  });

  it('starts from the base rate and shares the rest in proportion to each factor’s log-odds', () => {
    const result = scoreChurnRisk({ now, rhythm: null, model: null, ...everything() });
    const points = Object.fromEntries(result.contributions.map((c) => [c.factor, c.points]));
    // Without orders, only the signals move the fallback's even chance: log-odds 1.0 x 0.5 (the worst answer
    // in 90 days is mild: CSAT 2, NPS 5), 0.3 x 2 tickets, 0.3 x 1 refund (the other is 400 days old) and
    // 0.7 x 0.8 (email engagement down 80%) = 1.96.
    const z = 0.5 + 0.6 + 0.3 + 0.56;
    const score = 100 / (1 + Math.exp(-z));
    expect(result.modelScore).toBeCloseTo(score, 1);
    const slope = (score - 50) / z;
    expect(points.baseline).toBe(50);
    expect(points.detractor).toBeCloseTo(slope * 0.5, 1);
    expect(points.tickets).toBeCloseTo(slope * 0.6, 1);
    expect(points.refunds).toBeCloseTo(slope * 0.3, 1);
    expect(points.engagement).toBeCloseTo(slope * 0.56, 1);
    // largest first: tickets (0.6), engagement (0.56), the answer (0.5); the refund (0.3) is fourth
    expect(result.reasons).toEqual([
      '2 open support tickets, the oldest opened 12 days ago',
      'Email engagement down 80%: 2 opens and clicks in the last 30 days, against 10 in the 30 days before',
      'Answered 5 out of 10 when asked whether they would recommend us (20 days ago)',
    ]);
  });

  it('takes points away for what lowers the risk, and gives as reasons only what raises it', () => {
    const fresh = assess(regular(12, 30, 3), { riskModel: learned });
    const lapsed = assess(regular(12, 30, 94), { riskModel: learned });
    const pointsOf = (r: typeof fresh, factor: string) => r.contributions.find((c) => c.factor === factor)?.points as number;
    expect(pointsOf(fresh, 'frequency')).toBeLessThan(0); // twelve orders: more than most
    expect(pointsOf(fresh, 'overdue')).toBeLessThan(0);
    expect(pointsOf(lapsed, 'overdue')).toBeGreaterThan(3);
    expect(lapsed.reasons[0]).toBe('No order for 94 days; usually orders every 30');
    expect(lapsed.score).toBeGreaterThan(fresh.score + 20);
    expect(fresh.reasons.join(' ')).not.toMatch(/orders every|Only/);
  });

  it('ignores a small history of email, and engagement that did not drop', () => {
    const points = (extra: Partial<RiskInput>) =>
      assess(regular(5, 30, 10), extra).contributions.find((c) => c.factor === 'engagement')?.points;
    expect(points({ email: { recent: 12, previous: 10, windowDays: 30 } })).toBe(0);
    expect(points({ email: { recent: 0, previous: 2, windowDays: 30 } })).toBe(0); // too little before
    expect(points({ email: null })).toBe(0);
    expect(points({ email: { recent: 0, previous: 10, windowDays: 30 } })).toBeGreaterThan(3);
  });

  it('rejects inconsistent band thresholds and out-of-range external scores', () => {
    expect(() => scoreChurnRisk({ now, rhythm: null, model: null }, { thresholds: { medium: 70, high: 50 } })).toThrow(RangeError);
    expect(() => scoreChurnRisk({ now, rhythm: null, model: null, external: { score: 140, source: 'crm' } })).toThrow(/between 0 and 100/);
  });
});

describe('bands', () => {
  it('uses the default thresholds: >= 60 high, >= 30 medium', () => {
    expect(DEFAULT_RISK_CONFIG.thresholds).toEqual({ medium: 30, high: 60 });
    expect(bandOf(29.9)).toBe('low');
    expect(bandOf(30)).toBe('medium');
    expect(bandOf(59.9)).toBe('medium');
    expect(bandOf(60)).toBe('high');
  });

  it('takes configured thresholds', () => {
    const orders = regular(12, 30, 94); // scores in the 50s
    const strict = assess(orders, {}, { thresholds: { medium: 50, high: 80 } });
    expect(strict.band).toBe('medium');
    expect(assess(orders, {}, { thresholds: { medium: 10, high: 20 } }).band).toBe('high');
    expect(assess(orders, {}, { thresholds: { medium: 95, high: 99 } }).band).toBe('low');
    expect(strict.modelBand).toBe(strict.band);
  });
});

describe('reasons', () => {
  it('gives a customer at risk for no reason of their own the business-wide one, in words', () => {
    const orders = regular(12, 30, 94);
    // Thresholds so low that this customer's score is high whatever sets them apart, and reasons only
    // from factors adding 100 points or more, which none does.
    const result = assess(orders, {}, { thresholds: { medium: 1, high: 2 }, minReasonPoints: 100 });
    expect(result.band).toBe('high');
    expect(result.reasons).toEqual([
      expect.stringMatching(/^Nothing sets them apart: \d+% of this business's customers place no order within 90 days$/),
    ]);
  });

  it('gives a low score no business-wide reason', () => {
    const result = assess(regular(12, 30, 94), {}, { thresholds: { medium: 99, high: 100 }, minReasonPoints: 100 });
    expect(result.band).toBe('low');
    expect(result.reasons).toEqual([]);
  });
});

describe('external scores', () => {
  const lapsed = [daysAgo(300)]; // model score in the 90s
  const fresh = regular(12, 30, 3); // model score under 20
  const external = { score: 45, source: 'crm-model', at: daysAgo(1) };

  it("'model' (the default) keeps the model score and only shows the external one", () => {
    const result = assess(fresh, { external });
    expect(result.source).toBe('model');
    expect(result.score).toBe(result.modelScore);
    expect(result.external).toEqual(external);
    expect(result.reasons.join(' ')).not.toContain('crm-model');
  });

  it("'external' uses the external score whenever there is one", () => {
    const result = assess(lapsed, { external }, { precedence: 'external' });
    expect(result.source).toBe('external');
    expect(result.score).toBe(45);
    expect(result.band).toBe('medium');
    expect(result.modelBand).toBe('high');
    expect(result.reasons[0]).toBe('Scored 45 out of 100 by crm-model');
    // the contributions still explain the model score, shown beside
    expect(sum(result.contributions.map((c) => c.points))).toBeCloseTo(result.modelScore, 9);
    expect(assess(lapsed, {}, { precedence: 'external' }).source).toBe('model'); // none reported
  });

  it("'higher' takes the larger of the two", () => {
    const low = assess(fresh, { external }, { precedence: 'higher' });
    expect(low.source).toBe('external');
    expect(low.score).toBe(45);
    const high = assess(lapsed, { external }, { precedence: 'higher' });
    expect(high.source).toBe('model');
    expect(high.score).toBe(high.modelScore);
    expect(high.score).toBeGreaterThan(45);
  });
});

describe('rhythms', () => {
  it('collapses orders to calendar days and ignores orders after now', () => {
    const rhythm = rhythmFromOrderDates([daysAgo(10), daysAgo(10.2), daysAgo(40), daysAgo(-3)], now);
    expect(rhythm).toEqual({ orderDays: 2, daysSinceFirstOrder: 40, daysSinceLastOrder: 10 });
    expect(meanOrderGapDays(rhythm as OrderRhythm)).toBe(30);
    expect(rhythmFromOrderDates([], now)).toBeNull();
  });

  it('reads a calibration summary in weeks', () => {
    expect(rhythmFromSummary({ x: 3, tx: 6, T: 10 }, 'weeks')).toEqual({ orderDays: 4, daysSinceFirstOrder: 70, daysSinceLastOrder: 28 });
  });

  it('takes the typical gap as the median of the repeat buyers own mean gaps', () => {
    const rhythms: OrderRhythm[] = [
      { orderDays: 1, daysSinceFirstOrder: 100, daysSinceLastOrder: 100 },
      { orderDays: 3, daysSinceFirstOrder: 100, daysSinceLastOrder: 40 }, // 30
      { orderDays: 2, daysSinceFirstOrder: 100, daysSinceLastOrder: 90 }, // 10
      { orderDays: 5, daysSinceFirstOrder: 200, daysSinceLastOrder: 0 }, // 50
    ];
    expect(typicalOrderGapDays(rhythms)).toBe(30);
    expect(typicalOrderGapDays(rhythms.slice(0, 3))).toBe(20);
    expect(typicalOrderGapDays(rhythms.slice(0, 1))).toBeNull();
  });
});

describe('chooseModelParameters', () => {
  it('scales the CDNOW prior to the time unit (α is a rate per period)', () => {
    expect(priorParameters('weeks')).toEqual(CDNOW_PRIOR_WEEKS);
    const days = priorParameters('days');
    expect(days.alpha).toBeCloseTo(4.414 * 7, 12);
    expect(days.r).toBe(0.243);
    // the same customer gets the same P(alive) in either unit
    const p = probabilityAlive(priorParameters('weeks'), { x: 2, tx: 30.43, T: 38.86 });
    expect(probabilityAlive(days, { x: 2, tx: 30.43 * 7, T: 38.86 * 7 })).toBeCloseTo(p, 12);
  });

  it('falls back to the prior below 500 customers or 100 repeat buyers', () => {
    const few = simulateSummaries(CDNOW_PRIOR_WEEKS, { customers: 300, T: 39, random: createRandom(1) });
    const choice = chooseModelParameters(few, { unit: 'days' });
    expect(choice.source).toBe('prior');
    expect(choice.params).toEqual(priorParameters('days'));
    expect(choice.fit).toBeNull();
    expect(choice.reason).toMatch(/^300 customers of whom \d+ bought again are too few to fit/);
    const oneTimers = Array.from({ length: 1000 }, () => ({ x: 0, tx: 0, T: 20 }));
    expect(chooseModelParameters(oneTimers).source).toBe('prior');
  });

  it("fits the business's own history when there is enough of it", () => {
    const many = simulateSummaries(CDNOW_PRIOR_WEEKS, { customers: 2000, T: (_i, random) => 39 - 12 * random(), random: createRandom(2) });
    const choice = chooseModelParameters(many);
    expect(choice.source).toBe('fit');
    expect(choice.fit?.converged).toBe(true);
    expect(choice.params).toEqual(choice.fit?.params);
    expect(choice.customers).toBe(2000);
    expect(choice.repeatBuyers).toBe(many.filter((c) => c.x > 0).length);
    // thresholds are options
    expect(chooseModelParameters(many, { minCustomers: 5000 }).source).toBe('prior');
  });
});
