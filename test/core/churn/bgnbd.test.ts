import { describe, expect, it } from 'vitest';
import type { BgNbdParams, CustomerSummary } from '../../../core/churn/bgnbd.ts';
import {
  collapseSummaries,
  customerLogLikelihood,
  expectedPurchasesInNext,
  expectedPurchasesNewCustomer,
  logLikelihoodAndGradient,
  prepareSummaries,
  probabilityAlive,
  probabilityOfNPurchases,
  probabilityOfPurchaseWithin,
  timeUntilNextPurchase,
  totalLogLikelihood,
} from '../../../core/churn/bgnbd.ts';

// The published maximum-likelihood estimates for the CDNOW sample (Fader, Hardie & Lee 2005, p. 279).
const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('published values', () => {
  it('gives P(X(39)=0) = 0.5737864 for the published CDNOW parameters', () => {
    const p0 = probabilityOfNPurchases(CDNOW, 39, 0);
    expect(Math.abs(p0 - 0.5737864)).toBeLessThan(1e-6);
    expect(relativeError(p0, 0.5737863520960094)).toBeLessThan(1e-13); // mpmath, 40 digits
  });

  it('gives E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226 for the published CDNOW parameters', () => {
    const expected = expectedPurchasesInNext(CDNOW, { x: 2, tx: 30.43, T: 38.86 }, 39);
    expect(Math.abs(expected - 1.226)).toBeLessThan(1e-3);
    expect(relativeError(expected, 1.2260281747671444)).toBeLessThan(1e-12); // mpmath, eq. (10)
  });

  it('gives ln L = -0.59947382 for x=0, T=40 at r=0.25, alpha=4, a=0.8, b=2.5', () => {
    // x = 0: L = (α/(α+T))^r, so ln L = 0.25·ln(4/44) exactly.
    const ll = customerLogLikelihood({ r: 0.25, alpha: 4, a: 0.8, b: 2.5 }, { x: 0, tx: 0, T: 40 });
    expect(Math.abs(ll - -0.59947382)).toBeLessThan(1e-8);
    expect(ll).toBeCloseTo(0.25 * Math.log(4 / 44), 15);
  });

  it('gives ln L = +100.7957 for x=200, t_x=38, T=40 at r=0.25, alpha=4, a=0.8, b=2.5', () => {
    // Positive is correct: eq. (6) is a density in the purchase times (it contains λ^x), not a probability,
    // and λ ≈ 200/38 per period makes it large. mpmath at 40 digits, evaluating eq. (6) term by term,
    // gives 100.795693092706452; the dominant term is the "dropped out after t_x" one.
    const ll = customerLogLikelihood({ r: 0.25, alpha: 4, a: 0.8, b: 2.5 }, { x: 200, tx: 38, T: 40 });
    expect(Math.abs(ll - 100.7957)).toBeLessThan(1e-4);
    expect(relativeError(ll, 100.79569309270644)).toBeLessThan(1e-13);
  });

  it('gives P(alive | x=2, t_x=30.43, T=38.86) = 0.72658 and E[X(39)] = 1.19672 for CDNOW', () => {
    expect(relativeError(probabilityAlive(CDNOW, { x: 2, tx: 30.43, T: 38.86 }), 0.7265785700806729)).toBeLessThan(1e-13);
    expect(relativeError(expectedPurchasesNewCustomer(CDNOW, 39), 1.196723193320817)).toBeLessThan(1e-13);
  });
});

describe('conditional expectation, eq. (10)', () => {
  // [params, x, t_x, T, t, value]: mpmath at 90 digits on the double inputs (a = 1 as 1 + 1e-45 and
  // a+b+x-1 = 0 as b + 1e-45, the textbook formula being singular there while the expectation is not).
  const reference: [BgNbdParams, number, number, number, number, number][] = [
    [CDNOW, 2, 30.43, 38.86, 1, 0.037447969741732264],
    [CDNOW, 2, 30.43, 38.86, 520, 7.319313811711103],
    [CDNOW, 200, 38, 40, 39, 3.294027318129614],
    [CDNOW, 0, 0, 38.86, 39, 0.19509805201126262],
    [{ r: 0.243, alpha: 4.414, a: 1, b: 2.426 }, 5, 20, 39, 39, 0.8652049615107754],
    [{ r: 0.243, alpha: 4.414, a: 1.00002, b: 2.426 }, 5, 20, 39, 39, 0.8651878901812387],
    [{ r: 0.243, alpha: 1e-8, a: 0.793, b: 2.426 }, 0, 0, 0, 39, 470.35994024721407],
    [CDNOW, 0, 0, 0, 1e7, 92.38398065229391],
    [{ r: 0.243, alpha: 1e-8, a: 1, b: 2.426 }, 3, 10, 20, 1e9, 29.636926208036773],
    [{ r: 0.5, alpha: 4, a: 0.4, b: 0.6 }, 0, 0, 0, 39, 2.1750892751969575],
    [{ r: 0.5, alpha: 4, a: 0.4, b: 0.6 }, 0, 0, 0, 1e6, 1040.9373386438203],
    [{ r: 3, alpha: 0.5, a: 8, b: 30 }, 12, 11.5, 12, 52, 5.122595066668259],
  ];

  it.each(reference)('matches mpmath for %o, x=%s, t_x=%s, T=%s, t=%s', (params, x, tx, T, t, value) => {
    // 1e-11 where the series in z is used; the horizons of millions of periods go through the 1 - z
    // continuation and a division by a - 1, measured at up to ~2e-9.
    const tolerance = t / (params.alpha + T + t) <= 0.999 ? 1e-11 : 1e-8;
    expect(relativeError(expectedPurchasesInNext(params, { x, tx, T }, t), value)).toBeLessThan(tolerance);
  });

  it('is continuous through the removable singularity at a = 1', () => {
    const s = { x: 4, tx: 25, T: 39 };
    for (const t of [5, 39, 400]) {
      const at1 = expectedPurchasesInNext({ ...CDNOW, a: 1 }, s, t);
      const below = expectedPurchasesInNext({ ...CDNOW, a: 1 - 1e-9 }, s, t);
      const above = expectedPurchasesInNext({ ...CDNOW, a: 1 + 1e-9 }, s, t);
      expect(relativeError(below, at1)).toBeLessThan(1e-8);
      expect(relativeError(above, at1)).toBeLessThan(1e-8);
    }
  });

  it('is continuous across the switches between series (z = 1/3 and z = 0.999)', () => {
    const s = { x: 3, tx: 10, T: 20 };
    const alphaT = CDNOW.alpha + s.T;
    for (const z of [1 / 3, 0.999]) {
      const t = (z * alphaT) / (1 - z);
      const left = expectedPurchasesInNext(CDNOW, s, t * (1 - 1e-9));
      const right = expectedPurchasesInNext(CDNOW, s, t * (1 + 1e-9));
      expect(relativeError(right, left)).toBeLessThan(1e-8);
    }
  });

  it('equals E[X(t)] for a customer acquired at the calibration end (x = 0, T = 0)', () => {
    for (const t of [0.5, 39, 300]) {
      expect(relativeError(expectedPurchasesInNext(CDNOW, { x: 0, tx: 0, T: 0 }, t), expectedPurchasesNewCustomer(CDNOW, t))).toBeLessThan(
        1e-14,
      );
    }
  });

  it('is 0 at t = 0, increasing in t, and ≈ P(alive)·(r+x)/(α+T)·t for small t', () => {
    const s = { x: 2, tx: 30.43, T: 38.86 };
    expect(expectedPurchasesInNext(CDNOW, s, 0)).toBe(0);
    let previous = 0;
    for (const t of [1, 5, 20, 39, 100, 1000]) {
      const value = expectedPurchasesInNext(CDNOW, s, t);
      expect(value).toBeGreaterThan(previous);
      previous = value;
    }
    const rate = (probabilityAlive(CDNOW, s) * (CDNOW.r + s.x)) / (CDNOW.alpha + s.T);
    expect(relativeError(expectedPurchasesInNext(CDNOW, s, 1e-6), rate * 1e-6)).toBeLessThan(1e-6);
  });
});

describe('E[X(t)] and P(X(t)=n) for a new customer, eqs. (9) and (8)', () => {
  const cases: [string, BgNbdParams][] = [
    ['CDNOW', CDNOW],
    ['a = 1 exactly', { ...CDNOW, a: 1 }],
    ['a + b = 1 (2F1 with c = 0 in eq. 9)', { r: 0.5, alpha: 4, a: 0.4, b: 0.6 }],
    ['a > 1, r > 1', { r: 2.5, alpha: 10, a: 5, b: 12 }],
  ];

  it.each(cases)('E[X(t)] equals Σ n·P(X(t)=n) and Σ P(X(t)=n) = 1 (%s)', (_name, params) => {
    for (const t of [1, 39, 78]) {
      let total = 0;
      let mean = 0;
      for (let n = 0; n < 3000; n++) {
        const p = probabilityOfNPurchases(params, t, n);
        expect(p).toBeGreaterThanOrEqual(0);
        total += p;
        mean += n * p;
        if (n > 50 && n * p < 1e-18) break;
      }
      expect(total).toBeCloseTo(1, 12);
      expect(relativeError(expectedPurchasesNewCustomer(params, t), mean)).toBeLessThan(1e-10);
    }
  });

  it('P(X(0)=0) = 1 and E[X(0)] = 0', () => {
    expect(probabilityOfNPurchases(CDNOW, 0, 0)).toBe(1);
    expect(probabilityOfNPurchases(CDNOW, 0, 3)).toBe(0);
    expect(expectedPurchasesNewCustomer(CDNOW, 0)).toBe(0);
  });
});

describe('probability alive and next purchase', () => {
  it('P(alive) = 1 when x = 0, whatever T', () => {
    for (const T of [0, 1, 39, 1e4]) expect(probabilityAlive(CDNOW, { x: 0, tx: 0, T })).toBe(1);
  });

  it('P(alive) falls as the time since the last purchase grows', () => {
    const values = [38, 30, 20, 10, 1].map((tx) => probabilityAlive(CDNOW, { x: 3, tx, T: 38 }));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] as number);
  });

  it('the median time to the next purchase has P(purchase within it) = 0.5', () => {
    for (const s of [
      { x: 0, tx: 0, T: 10 },
      { x: 6, tx: 37, T: 38 },
      { x: 1, tx: 2, T: 4 },
    ]) {
      const median = timeUntilNextPurchase(CDNOW, s);
      expect(Number.isFinite(median)).toBe(true);
      expect(probabilityOfPurchaseWithin(CDNOW, s, median)).toBeCloseTo(0.5, 12);
    }
    const active = { x: 6, tx: 37, T: 38 };
    const q10 = timeUntilNextPurchase(CDNOW, active, 0.1);
    expect(probabilityOfPurchaseWithin(CDNOW, active, q10)).toBeCloseTo(0.1, 12);
    expect(q10).toBeLessThan(timeUntilNextPurchase(CDNOW, active));
  });

  it('there is no median when the customer is more likely gone than alive', () => {
    const s = { x: 2, tx: 1, T: 38 };
    expect(probabilityAlive(CDNOW, s)).toBeLessThan(0.5);
    expect(timeUntilNextPurchase(CDNOW, s)).toBe(Number.POSITIVE_INFINITY);
    expect(probabilityOfPurchaseWithin(CDNOW, s, 1e9)).toBeCloseTo(probabilityAlive(CDNOW, s), 6);
  });
});

describe('log-likelihood', () => {
  const rows: (CustomerSummary & { weight: number })[] = [
    { x: 0, tx: 0, T: 38.86, weight: 3 },
    { x: 1, tx: 2.5, T: 30, weight: 1 },
    { x: 2, tx: 30.43, T: 38.86, weight: 2 },
    { x: 7, tx: 35, T: 35, weight: 1 },
    { x: 200, tx: 38, T: 40, weight: 0.5 },
  ];

  it('the total is the weighted sum of the individual log-likelihoods', () => {
    const expected = rows.reduce((sum, row) => sum + row.weight * customerLogLikelihood(CDNOW, row), 0);
    expect(totalLogLikelihood(CDNOW, rows)).toBeCloseTo(expected, 10);
  });

  it('collapsing identical rows does not change it', () => {
    const expanded: CustomerSummary[] = [];
    for (const row of rows.slice(0, 4)) {
      for (let i = 0; i < row.weight; i++) expanded.push({ x: row.x, tx: row.tx, T: row.T });
    }
    expect(collapseSummaries(expanded)).toHaveLength(4);
    expect(totalLogLikelihood(CDNOW, expanded)).toBeCloseTo(totalLogLikelihood(CDNOW, rows.slice(0, 4)), 10);
    // t_x is ignored (and merged) when x = 0; zero weights drop out.
    expect(
      collapseSummaries([
        { x: 0, tx: 0, T: 5 },
        { x: 0, tx: 3, T: 5 },
        { x: 1, tx: 1, T: 5, weight: 0 },
      ]),
    ).toEqual([{ x: 0, tx: 0, T: 5, weight: 2 }]);
  });

  it('has an exact gradient with respect to the log-parameters (central differences agree to 1e-7)', () => {
    const data = prepareSummaries(rows);
    for (const params of [CDNOW, { r: 1.7, alpha: 0.3, a: 0.2, b: 9 }, { r: 0.05, alpha: 40, a: 3, b: 0.4 }]) {
      const { gradient } = logLikelihoodAndGradient(params, data);
      const keys = ['r', 'alpha', 'a', 'b'] as const;
      keys.forEach((key, j) => {
        const h = 1e-6;
        const up = totalLogLikelihood({ ...params, [key]: params[key] * Math.exp(h) }, rows);
        const down = totalLogLikelihood({ ...params, [key]: params[key] * Math.exp(-h) }, rows);
        const numeric = (up - down) / (2 * h);
        expect(Math.abs((gradient[j] as number) - numeric)).toBeLessThan(1e-7 * Math.max(1, Math.abs(numeric)));
      });
    }
  });

  it('rejects invalid parameters and summaries', () => {
    expect(() => customerLogLikelihood({ ...CDNOW, r: 0 }, { x: 0, tx: 0, T: 1 })).toThrow(RangeError);
    expect(() => customerLogLikelihood({ ...CDNOW, b: Number.NaN }, { x: 0, tx: 0, T: 1 })).toThrow(RangeError);
    expect(() => customerLogLikelihood(CDNOW, { x: 1.5, tx: 0, T: 1 })).toThrow(RangeError);
    expect(() => customerLogLikelihood(CDNOW, { x: 1, tx: 2, T: 1 })).toThrow(RangeError);
    expect(() => expectedPurchasesInNext(CDNOW, { x: 1, tx: 1, T: 1 }, -1)).toThrow(RangeError);
    expect(() => totalLogLikelihood(CDNOW, [{ x: 1, tx: 1, T: 1, weight: -1 }])).toThrow(RangeError);
  });
});

describe('numerical stability', () => {
  const parameterSets: BgNbdParams[] = [
    CDNOW,
    { r: 0.243, alpha: 1e-10, a: 0.793, b: 2.426 }, // tiny alpha: z -> 1 in every expectation
    { r: 0.243, alpha: 1e-10, a: 1, b: 2.426 },
    { r: 1e-6, alpha: 4, a: 0.01, b: 0.01 }, // a < 1, tiny shapes
    { r: 50, alpha: 1e8, a: 0.05, b: 100 },
    { r: 0.5, alpha: 4, a: 1, b: 1e-3 },
    { r: 0.5, alpha: 4, a: 0.4, b: 0.6 },
    { r: 5, alpha: 0.01, a: 30, b: 0.2 },
  ];
  const customers: CustomerSummary[] = [
    { x: 0, tx: 0, T: 0 },
    { x: 0, tx: 0, T: 40 },
    { x: 1, tx: 40, T: 40 }, // T = t_x
    { x: 200, tx: 38, T: 40 },
    { x: 5000, tx: 39.99, T: 40 }, // huge x
    { x: 3, tx: 1e-9, T: 1e4 },
  ];

  it('never produces NaN or Infinity for x = 0, huge x, a < 1, T = t_x, tiny alpha', () => {
    for (const params of parameterSets) {
      for (const s of customers) {
        const values = [
          customerLogLikelihood(params, s),
          ...logLikelihoodAndGradient(params, prepareSummaries([s])).gradient,
          probabilityAlive(params, s),
          expectedPurchasesInNext(params, s, 39),
          expectedPurchasesInNext(params, s, 1e6),
          probabilityOfPurchaseWithin(params, s, 39),
        ];
        for (const value of values) expect(Number.isFinite(value), `${JSON.stringify({ params, s })}`).toBe(true);
        const alive = probabilityAlive(params, s);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
        expect(expectedPurchasesInNext(params, s, 39)).toBeGreaterThanOrEqual(0);
      }
      for (const n of [0, 1, 7, 500]) {
        const p = probabilityOfNPurchases(params, 39, n);
        expect(Number.isFinite(p) && p >= 0 && p <= 1).toBe(true);
      }
      expect(Number.isFinite(expectedPurchasesNewCustomer(params, 39))).toBe(true);
    }
  });
});
