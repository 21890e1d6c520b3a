import { describe, expect, it } from 'vitest';
import type { BgNbdParams } from '../../../core/churn/bgnbd.ts';
import { expectedPurchasesInNext } from '../../../core/churn/bgnbd.ts';
import { evaluateHoldout, pearsonCorrelation, rocAuc, splitAtCalibrationEnd } from '../../../core/churn/evaluation.ts';
import { fitBgNbd } from '../../../core/churn/fit.ts';
import { createRandom, simulateSummaries, simulateTransactions } from '../../../core/churn/synthetic.ts';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for constant scores', () => {
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [true, true, false, false])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    expect(rocAuc([1, 1, 1, 1], [true, false, true, false])).toBe(0.5);
  });

  it('counts ties as one half (the Mann-Whitney statistic with mid-ranks)', () => {
    // pairs (positive, negative): (3 vs 1) win, (3 vs 2) win, (2 vs 1) win, (2 vs 2) tie -> 3.5 / 4
    expect(rocAuc([3, 2, 2, 1], [true, true, false, false])).toBeCloseTo(3.5 / 4, 12);
    // brute force on random scores with many ties
    const random = createRandom(7);
    const scores = Array.from({ length: 300 }, () => Math.floor(random() * 10));
    const labels = scores.map((s) => random() < 0.2 + s / 15);
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < scores.length; i++) {
      for (let j = 0; j < scores.length; j++) {
        if (!labels[i] || labels[j]) continue;
        pairs++;
        const si = scores[i] as number;
        const sj = scores[j] as number;
        wins += si > sj ? 1 : si === sj ? 0.5 : 0;
      }
    }
    expect(rocAuc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  it('is NaN when a class is empty', () => {
    expect(rocAuc([1, 2], [true, true])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
  });
});

describe('pearsonCorrelation', () => {
  it('matches the textbook values', () => {
    expect(pearsonCorrelation([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearsonCorrelation([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearsonCorrelation([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
    expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('evaluateHoldout', () => {
  // 4,000 CDNOW-like customers observed for 39 weeks (acquired over 12), holdout of 39 weeks, fitted on
  // the calibration period: the paper's set-up.
  const customers = simulateSummaries(CDNOW, {
    customers: 4000,
    T: (_i, random) => 39 - 12 * random(),
    holdoutLength: 39,
    random: createRandom(20240611),
  }).map((c) => ({ x: c.x, tx: c.tx, T: c.T, holdoutPurchases: c.holdout }));
  const fit = fitBgNbd(customers);
  const evaluation = evaluateHoldout(fit.params, customers, 39, 'weeks');

  it('predicts the total of holdout repeat purchases of customers drawn from the model within 10%', () => {
    expect(evaluation.customers).toBe(4000);
    expect(evaluation.totalActual).toBe(customers.reduce((s, c) => s + c.holdoutPurchases, 0));
    expect(Math.abs(evaluation.totalPredicted / evaluation.totalActual - 1)).toBeLessThan(0.1);
    const direct = customers.reduce((s, c) => s + expectedPurchasesInNext(fit.params, c, 39), 0);
    expect(evaluation.totalPredicted).toBeCloseTo(direct, 8);
  });

  it('groups by calibration frequency 0..6 and 7+, with means that track the predictions', () => {
    expect(evaluation.byFrequency.map((g) => g.frequency)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(evaluation.byFrequency.reduce((s, g) => s + g.customers, 0)).toBe(4000);
    const seven = evaluation.byFrequency[7];
    expect(seven?.customers).toBe(customers.filter((c) => c.x >= 7).length);
    const means = evaluation.byFrequency.map((g) => g.meanPredicted);
    // more past purchases, more expected (not strictly so in every group: recency matters too)
    for (let i = 1; i < 4; i++) expect(means[i] as number).toBeGreaterThan(means[i - 1] as number);
    expect(means[7] as number).toBeGreaterThan(means[3] as number);
    for (const group of evaluation.byFrequency.slice(0, 3)) {
      expect(Math.abs(group.meanPredicted - group.meanActual)).toBeLessThan(0.1 + 0.2 * group.meanActual);
    }
  });

  it('correlates per customer and beats chance on "no purchase in the holdout"', () => {
    expect(evaluation.correlation).toBeGreaterThan(0.4);
    expect(evaluation.auc.positives + evaluation.auc.negatives).toBe(4000);
    expect(evaluation.auc.positives).toBe(customers.filter((c) => c.holdoutPurchases === 0).length);
    expect(evaluation.auc.recency).toBeGreaterThan(0.6);
    expect(evaluation.auc.modelNoPurchase).toBeGreaterThan(0.7);
    // 1 - P(alive) only ranks repeat buyers; it is a number in [0, 1] all the same
    expect(evaluation.auc.model).toBeGreaterThan(0);
    expect(evaluation.auc.model).toBeLessThan(1);
  });

  it('rejects a holdout of no length', () => {
    expect(() => evaluateHoldout(CDNOW, customers, 0)).toThrow(RangeError);
  });
});

describe('splitAtCalibrationEnd', () => {
  const { transactions } = simulateTransactions(CDNOW, {
    customers: 300,
    start: new Date('2024-01-01T00:00:00Z'),
    acquisitionPeriods: 12,
    end: new Date('2024-12-31T12:00:00Z'),
    random: createRandom(3),
  });

  it('summarizes the calibration period with holdout counts up to the last transaction', () => {
    const split = splitAtCalibrationEnd(transactions, new Date('2024-09-30T00:00:00Z'), { unit: 'days' });
    const last = Math.max(...transactions.map((t) => t.at.getTime()));
    expect(split.observationEnd.getTime()).toBe(last);
    const lastDay = Math.floor(last / 86_400_000);
    expect(split.summary.holdoutLength).toBe(lastDay - Math.floor(Date.parse('2024-09-30') / 86_400_000));
    const holdoutDays = new Set(
      transactions.filter((t) => t.at >= new Date('2024-10-01T00:00:00Z')).map((t) => `${t.customerId}/${t.at.toISOString().slice(0, 10)}`),
    ).size;
    // every holdout purchase day is counted for a calibration customer, or belongs to one who first bought in the holdout
    const excluded = new Set(split.summary.excludedCustomerIds);
    const counted = split.summary.customers.reduce((s, c) => s + c.holdoutPurchases, 0);
    const excludedDays = new Set(
      transactions.filter((t) => excluded.has(t.customerId)).map((t) => `${t.customerId}/${t.at.toISOString().slice(0, 10)}`),
    ).size;
    expect(counted + excludedDays).toBe(holdoutDays);
  });

  it('refuses a calibration end before the first transaction or without a holdout after it', () => {
    expect(() => splitAtCalibrationEnd(transactions, new Date('2023-06-01T00:00:00Z'))).toThrow(/before the first transaction/);
    expect(() => splitAtCalibrationEnd(transactions, new Date('2025-01-01T00:00:00Z'))).toThrow(/no holdout/);
    expect(() => splitAtCalibrationEnd([], new Date())).toThrow(RangeError);
  });
});
