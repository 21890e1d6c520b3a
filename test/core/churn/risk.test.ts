import { describe, expect, it } from 'vitest';
import { probabilityAlive } from '../../../core/churn/bgnbd.ts';
import { computeModelOutputs } from '../../../core/churn/customer-forecast.ts';
import { CDNOW_PRIOR_WEEKS, chooseModelParameters, priorParameters } from '../../../core/churn/model-choice.ts';
import type { OrderRhythm } from '../../../core/churn/order-rhythm.ts';
import { meanOrderGapDays, rhythmFromOrderDates, rhythmFromSummary, typicalOrderGapDays } from '../../../core/churn/order-rhythm.ts';
import type { RiskInput } from '../../../core/churn/risk-score.ts';
import { bandOf, DEFAULT_RISK_CONFIG, MAX_POINTS, RISK_FACTORS, scoreChurnRisk } from '../../../core/churn/risk-score.ts';
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

describe('the three archetypes a success manager knows', () => {
  it('a one-time buyer from long ago is at least medium risk, because nobody reorders that late', () => {
    const result = assess([daysAgo(300)]);
    expect(['medium', 'high']).toContain(result.band);
    expect(result.reasons[0]).toBe('Only one order, 300 days ago; repeat customers usually reorder within 45 days');
    expect(result.reasons).toContain('Unlikely to order in the next 90 days (6% chance)');
  });

  it('a regular who just ordered is low risk', () => {
    const result = assess(regular(12, 30, 3));
    expect(result.band).toBe('low');
    expect(result.score).toBeLessThan(10);
    expect(result.model?.pAlive).toBeGreaterThan(0.9);
    expect(result.model?.expectedOrders90).toBeGreaterThan(2);
    // the next order is expected within about one gap
    const next = result.model?.nextOrderDate as Date;
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(next.getTime()).toBeLessThan(daysAgo(-45).getTime());
  });

  it('a lapsed regular is high risk, with the overdue rhythm as the first reason', () => {
    const result = assess(regular(12, 30, 94));
    expect(result.band).toBe('high');
    expect(result.reasons[0]).toBe('No order for 94 days; usually orders every 30');
    expect(result.reasons[1]).toMatch(
      /^Their purchase pattern suggests they may have stopped buying \(\d+% chance they are still an active customer\)$/,
    );
  });

  it('a detractor answer is a reason in the words of the survey', () => {
    const result = assess(regular(12, 30, 3), { surveys: [{ kind: 'csat', score: 1, at: daysAgo(1) }] });
    expect(result.reasons[0]).toBe('Rated their last order 1 out of 5');
    expect(result.band).toBe('medium');
  });
});

describe('scoreChurnRisk', () => {
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

  it('gives one contribution per factor, summing exactly to the model score', () => {
    const cases = [
      assess([daysAgo(300)]),
      assess(regular(12, 30, 3)),
      assess(regular(12, 30, 94), everything()),
      assess(regular(4, 17, 40), everything()),
      assess(regular(2, 200, 10), { email: { recent: 9, previous: 10, windowDays: 30 } }),
    ];
    for (const result of cases) {
      expect(result.contributions.map((c) => c.factor)).toEqual(RISK_FACTORS);
      const points = result.contributions.map((c) => c.points);
      expect(sum(points)).toBeCloseTo(result.modelScore, 9);
      expect(result.score).toBe(result.modelScore);
      for (const p of points) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(Math.round(p * 10)).toBeCloseTo(p * 10, 9); // tenths
      }
      expect(result.modelScore).toBeGreaterThanOrEqual(0);
      expect(result.modelScore).toBeLessThanOrEqual(100);
    }
  });

  it('scores each signal as documented', () => {
    const result = scoreChurnRisk({ now, rhythm: null, model: null, ...everything() });
    const points = Object.fromEntries(result.contributions.map((c) => [c.factor, c.points]));
    expect(points).toEqual({
      dropout: 0,
      quiet: 0,
      overdue: 0,
      detractor: 15, // the worst answer in 90 days: CSAT 2 and NPS 5 both count 15
      tickets: 10,
      refunds: 5, // the refund 400 days ago does not count
      engagement: 7.3, // drop 80%: 10 · (0.8 - 0.25) / 0.75
    });
    expect(result.modelScore).toBe(37.3);
    expect(result.reasons).toEqual([
      'Answered 5 out of 10 when asked whether they would recommend us (20 days ago)',
      '2 open support tickets, the oldest opened 12 days ago',
      'Email engagement down 80%: 2 opens and clicks in the last 30 days, against 10 in the 30 days before',
    ]);
  });

  it('caps the score at 100 by scaling every contribution', () => {
    const result = assess(regular(20, 7, 200), {
      surveys: [{ kind: 'csat', score: 1, at: daysAgo(2) }],
      openTickets: [{ openedAt: daysAgo(1) }, { openedAt: daysAgo(1) }, { openedAt: daysAgo(1) }],
      refunds: [{ at: daysAgo(1) }, { at: daysAgo(2) }],
      email: { recent: 0, previous: 30, windowDays: 30 },
    });
    expect(result.modelScore).toBe(100);
    expect(sum(result.contributions.map((c) => c.points))).toBeCloseTo(100, 9);
    const detractor = result.contributions.find((c) => c.factor === 'detractor');
    expect(detractor?.points).toBeLessThan(MAX_POINTS.detractor); // scaled down
    expect(result.band).toBe('high');
  });

  it('ignores a small engagement drop, a short email history, and nothing to compare with', () => {
    const base = assess(regular(5, 30, 10));
    const points = (extra: Partial<RiskInput>) =>
      assess(regular(5, 30, 10), extra).contributions.find((c) => c.factor === 'engagement')?.points;
    expect(points({ email: { recent: 8, previous: 10, windowDays: 30 } })).toBe(0); // 20% drop
    expect(points({ email: { recent: 0, previous: 2, windowDays: 30 } })).toBe(0); // too little before
    expect(points({ email: null })).toBe(0);
    expect(points({ email: { recent: 0, previous: 10, windowDays: 30 } })).toBe(MAX_POINTS.engagement);
    expect(base.contributions.find((c) => c.factor === 'engagement')?.value).toBeNull();
  });

  it('grows the overdue points from 0 at one gap to the maximum at three gaps', () => {
    const overdue = (lastAgo: number) => assess(regular(6, 30, lastAgo)).contributions.find((c) => c.factor === 'overdue');
    expect(overdue(30)?.points).toBe(0);
    expect(overdue(60)?.points).toBeCloseTo(MAX_POINTS.overdue / 2, 1);
    expect(overdue(90)?.points).toBe(MAX_POINTS.overdue);
    expect(overdue(400)?.points).toBe(MAX_POINTS.overdue);
    expect(overdue(60)?.value).toBeCloseTo(2, 9);
    // a single order without a typical gap has no rhythm to be late against
    const lone = scoreChurnRisk({ now, rhythm: { orderDays: 1, daysSinceFirstOrder: 300, daysSinceLastOrder: 300 }, model: null });
    expect(lone.contributions.find((c) => c.factor === 'overdue')?.points).toBe(0);
  });

  it('uses the model outputs: dropout = 30 · (1 - P(alive)), quiet = 20 · P(no order in 90 days)', () => {
    const result = assess(regular(12, 30, 94));
    const model = result.model as NonNullable<typeof result.model>;
    const rhythm = rhythmFromOrderDates(regular(12, 30, 94), now) as OrderRhythm;
    expect(model.pAlive).toBeCloseTo(probabilityAlive(params, { x: 11, tx: 330 / 7, T: 424 / 7 }), 12);
    expect(rhythm).toEqual({ orderDays: 12, daysSinceFirstOrder: 424, daysSinceLastOrder: 94 });
    const points = Object.fromEntries(result.contributions.map((c) => [c.factor, c.points]));
    // rounded to tenths by largest remainder: within 0.1 point
    expect(Math.abs((points.dropout as number) - 30 * (1 - model.pAlive))).toBeLessThanOrEqual(0.1);
    expect(Math.abs((points.quiet as number) - 20 * (1 - model.pOrder90))).toBeLessThanOrEqual(0.1);
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
    const orders = regular(12, 30, 94); // scores in the 60s
    const strict = assess(orders, {}, { thresholds: { medium: 50, high: 80 } });
    expect(strict.band).toBe('medium');
    expect(assess(orders, {}, { thresholds: { medium: 10, high: 20 } }).band).toBe('high');
    expect(assess(orders, {}, { thresholds: { medium: 95, high: 99 } }).band).toBe('low');
    expect(strict.modelBand).toBe(strict.band);
  });
});

describe('external scores', () => {
  const lapsed = regular(12, 30, 94); // model score in the 60s
  const fresh = regular(12, 30, 3); // model score under 10
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
