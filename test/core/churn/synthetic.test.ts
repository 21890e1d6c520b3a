import { describe, expect, it } from 'vitest';
import type { BgNbdParams } from '../../../core/churn/bgnbd.ts';
import { expectedPurchasesInNext, expectedPurchasesNewCustomer, probabilityOfNPurchases } from '../../../core/churn/bgnbd.ts';
import { fitBgNbd, standardErrors } from '../../../core/churn/fit.ts';
import { summarizeTransactions } from '../../../core/churn/summary.ts';
import {
  createRandom,
  sampleBeta,
  sampleGamma,
  sampleLogGamma,
  simulateSummaries,
  simulateTransactions,
  xoshiro128StarStar,
} from '../../../core/churn/synthetic.ts';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

/** |observed - expected| within `k` standard errors of a mean of n draws with the given variance. */
function expectWithinStandardErrors(observed: number, expected: number, variance: number, n: number, k = 4): void {
  expect(Math.abs(observed - expected)).toBeLessThan(k * Math.sqrt(variance / n));
}

describe('PRNG', () => {
  it('implements xoshiro128** (reference outputs for the state [1, 2, 3, 4])', () => {
    const next = xoshiro128StarStar([1, 2, 3, 4]);
    const outputs = Array.from({ length: 10 }, () => next());
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
  });

  it('is deterministic per seed, differs across seeds, and is uniform on [0, 1)', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const draws = Array.from({ length: 200_000 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws.slice(0, 5));
    expect(c()).not.toBe(draws[0]);
    expect(draws.every((u) => u >= 0 && u < 1)).toBe(true);
    const { mean, variance } = meanAndVariance(draws);
    expectWithinStandardErrors(mean, 0.5, 1 / 12, draws.length);
    expect(variance).toBeCloseTo(1 / 12, 3);
  });
});

describe('gamma and beta sampling (Marsaglia–Tsang)', () => {
  it.each([
    [0.243, 4.414],
    [1, 1],
    [3.5, 2],
    [40, 0.5],
  ])('Gamma(shape %s, rate %s) has mean shape/rate and variance shape/rate²', (shape, rate) => {
    const random = createRandom(7);
    const n = 100_000;
    const draws = Array.from({ length: n }, () => sampleGamma(random, shape, rate));
    const { mean, variance } = meanAndVariance(draws);
    expectWithinStandardErrors(mean, shape / rate, shape / rate ** 2, n);
    expect(variance / (shape / rate ** 2)).toBeGreaterThan(0.95);
    expect(variance / (shape / rate ** 2)).toBeLessThan(1.05);
  });

  it('keeps tiny shapes in log space instead of underflowing to 0', () => {
    const random = createRandom(8);
    const logs = Array.from({ length: 1000 }, () => sampleLogGamma(random, 1e-3));
    expect(logs.every(Number.isFinite)).toBe(true);
    const draws = Array.from({ length: 1000 }, () => sampleBeta(random, 1e-3, 1e-3));
    expect(draws.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('Beta(a, b) has mean a/(a+b)', () => {
    const random = createRandom(9);
    const [a, b] = [CDNOW.a, CDNOW.b];
    const n = 100_000;
    const draws = Array.from({ length: n }, () => sampleBeta(random, a, b));
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expectWithinStandardErrors(meanAndVariance(draws).mean, a / (a + b), variance, n);
  });
});

describe('simulateSummaries', () => {
  const n = 20_000;
  const customers = simulateSummaries(CDNOW, { customers: n, T: 39, holdoutLength: 39, random: createRandom(11) });

  it('is deterministic given the seed', () => {
    const again = simulateSummaries(CDNOW, { customers: 50, T: 39, holdoutLength: 39, random: createRandom(11) });
    expect(again).toEqual(customers.slice(0, 50));
  });

  it('produces valid summaries', () => {
    // (one assertion over all rows: expect() per row would dominate the runtime)
    const invalid = customers.filter((c) => !(Number.isInteger(c.x) && c.x >= 0 && c.tx >= 0 && c.tx <= c.T && (c.x > 0 || c.tx === 0)));
    expect(invalid).toEqual([]);
  });

  it('matches the model: P(X(39)=0) (eq. 8) and E[X(39)] (eq. 9)', () => {
    const p0 = probabilityOfNPurchases(CDNOW, 39, 0);
    const zeros = customers.filter((c) => c.x === 0).length / n;
    expectWithinStandardErrors(zeros, p0, p0 * (1 - p0), n);
    const xs = customers.map((c) => c.x);
    const { mean, variance } = meanAndVariance(xs);
    expectWithinStandardErrors(mean, expectedPurchasesNewCustomer(CDNOW, 39), variance, n);
  });

  it('matches the model out of sample: holdout counts average to the conditional expectation (eq. 10)', () => {
    const residuals = customers.map((c) => c.holdout - expectedPurchasesInNext(CDNOW, c, 39));
    const { mean, variance } = meanAndVariance(residuals);
    expectWithinStandardErrors(mean, 0, variance, n);
    // and the expectation discriminates: customers expected to buy more do buy more
    const high = customers.filter((c) => expectedPurchasesInNext(CDNOW, c, 39) > 2);
    const low = customers.filter((c) => expectedPurchasesInNext(CDNOW, c, 39) < 0.2);
    const meanHoldout = (group: typeof customers) => group.reduce((s, c) => s + c.holdout, 0) / group.length;
    expect(meanHoldout(high)).toBeGreaterThan(5 * meanHoldout(low));
  });
});

describe('simulateTransactions', () => {
  const start = new Date('2024-01-01T00:00:00Z');
  const calibrationEnd = new Date('2024-09-29T00:00:00Z'); // 39 weeks after start
  const end = new Date('2024-12-29T00:00:00Z'); // 13 more weeks
  const simulated = simulateTransactions(CDNOW, {
    customers: 5000,
    start,
    acquisitionPeriods: 12,
    end,
    random: createRandom(2024),
    amount: (random) => Math.round(sampleGamma(random, 2, 0.05) * 100) / 100,
  });

  it('emits dated transactions inside the window, per customer in time order', () => {
    expect(simulated.customers).toHaveLength(5000);
    const problems: string[] = [];
    let previous: { customerId: string; at: Date } | undefined;
    for (const t of simulated.transactions) {
      const ms = t.at.getTime();
      if (ms < start.getTime() || ms > end.getTime()) problems.push(`${t.customerId} outside the window`);
      if (!Number.isFinite(t.amount)) problems.push(`${t.customerId} without amount`);
      if (previous?.customerId === t.customerId && ms < previous.at.getTime()) problems.push(`${t.customerId} order`);
      previous = t;
    }
    expect(problems).toEqual([]);
    expect(simulated.transactions.length).toBeGreaterThan(5000);
    expect(simulated.customers[0]?.customerId).toBe('c0000');
  });

  it('round-trips through the summary and the fit (daily collapsing included)', () => {
    const summary = summarizeTransactions(simulated.transactions, { calibrationEnd, observationEnd: end });
    expect(summary.customers).toHaveLength(5000); // everyone acquired in the first 12 weeks
    expect(summary.holdoutLength).toBe(13);
    expect(summary.customers.filter((c) => !(c.T > 27 - 1e-9 && c.T <= 39))).toEqual([]);
    const fit = fitBgNbd(summary.customers);
    const errors = standardErrors(fit.params, summary.customers);
    expect(fit.converged).toBe(true);
    // Same justification as in fit.test.ts: 3 standard errors from the observed information.
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[key] - CDNOW[key])).toBeLessThan(3 * (errors?.params[key] as number));
    }
  });
});
