import { describe, expect, it } from 'vitest';
import type { BgNbdParams, CustomerSummary } from '../../../core/churn/bgnbd.ts';
import { totalLogLikelihood } from '../../../core/churn/bgnbd.ts';
import { fitBgNbd, standardErrors } from '../../../core/churn/fit.ts';
import { createRandom, simulateSummaries } from '../../../core/churn/synthetic.ts';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const KEYS = ['r', 'alpha', 'a', 'b'] as const;

// 5,000 customers from the CDNOW parameters, acquired over 12 weeks and observed to week 39, so
// T ∈ (27, 39] as in the CDNOW calibration sample.
function cdnowLikeSample(seed: number, customers = 5000): CustomerSummary[] {
  return simulateSummaries(CDNOW, { customers, T: (_i, random) => 39 - 12 * random(), random: createRandom(seed) }).map(({ x, tx, T }) => ({
    x,
    tx,
    T,
  }));
}

describe('fitBgNbd', () => {
  const sample = cdnowLikeSample(20240601);
  const fit = fitBgNbd(sample);

  it('converges to a stationary point in a few dozen BFGS iterations', () => {
    expect(fit.converged).toBe(true);
    expect(fit.stopReason).toBe('gradient');
    expect(fit.gradientNorm).toBeLessThanOrEqual(1e-9);
    expect(fit.iterations).toBeLessThan(100);
    expect(fit.customers).toBe(5000);
  });

  it('recovers the parameters of simulated customers within three standard errors', () => {
    // Tolerance from the sample size rather than a fixed percentage: the observed Fisher information at
    // the MLE gives asymptotic standard errors, here about 3.5% of r, 5.5% of α, 17% of a and 23% of b
    // (the dropout parameters are less identified: only customers with repeat purchases inform them, and
    // a and b trade off along the mean dropout probability a/(a+b)). Each estimate is then within 3 SE
    // of the truth with probability 99.7% over seeds; the seed is fixed, so the test is deterministic.
    const errors = standardErrors(fit.params, sample);
    expect(errors).not.toBeNull();
    for (const key of KEYS) {
      const se = errors?.params[key] as number;
      expect(se / fit.params[key]).toBeLessThan(0.3);
      expect(Math.abs(fit.params[key] - CDNOW[key])).toBeLessThan(3 * se);
    }
    // And, as a coarse bound a reader can check at a glance: r and α within 15%, a and b within 40%.
    expect(Math.abs(fit.params.r / CDNOW.r - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.alpha / CDNOW.alpha - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.a / CDNOW.a - 1)).toBeLessThan(0.4);
    expect(Math.abs(fit.params.b / CDNOW.b - 1)).toBeLessThan(0.4);
  });

  it('finds a log-likelihood at least as high as at the true parameters (MLE property)', () => {
    const atTruth = totalLogLikelihood(CDNOW, sample);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(atTruth);
    expect(fit.logLikelihood).toBeCloseTo(totalLogLikelihood(fit.params, sample), 6);
    // and no nearby point does better
    for (const key of KEYS) {
      for (const factor of [0.99, 1.01]) {
        expect(totalLogLikelihood({ ...fit.params, [key]: fit.params[key] * factor }, sample)).toBeLessThan(fit.logLikelihood);
      }
    }
  });

  it('is deterministic, independent of row order, and the same on collapsed weighted rows', () => {
    const again = fitBgNbd([...sample].reverse());
    expect(again.params).toEqual(fit.params);
    const counts = new Map<string, { x: number; tx: number; T: number; weight: number }>();
    for (const s of sample) {
      const key = `${s.x}|${s.tx}|${s.T}`;
      const row = counts.get(key) ?? { ...s, weight: 0 };
      row.weight++;
      counts.set(key, row);
    }
    expect(fitBgNbd([...counts.values()]).params).toEqual(fit.params);
  });

  it('reaches the same optimum from a distant starting point', () => {
    const fromElsewhere = fitBgNbd(sample, { initial: { r: 5, alpha: 0.5, a: 5, b: 0.2 } });
    expect(fromElsewhere.converged).toBe(true);
    for (const key of KEYS) {
      expect(Math.abs(fromElsewhere.params[key] / fit.params[key] - 1)).toBeLessThan(1e-5);
    }
  });

  it('collapses discretized data to few distinct rows (daily data in weeks)', () => {
    const daily = sample.map(({ x, tx, T }) => ({ x, tx: Math.round(tx * 7) / 7, T: Math.round(T * 7) / 7 }));
    const result = fitBgNbd(daily);
    expect(result.converged).toBe(true);
    expect(result.distinctRows).toBeLessThan(daily.length / 2);
  });

  it('reports non-convergence instead of throwing when out of iterations, and rejects empty input', () => {
    const short = fitBgNbd(sample, { maxIterations: 2 });
    expect(short.converged).toBe(false);
    expect(short.stopReason).toBe('max-iterations');
    expect(short.iterations).toBe(2);
    expect(() => fitBgNbd([])).toThrow(RangeError);
  });

  it('stops promptly, without throwing, when the data do not identify the model', () => {
    // One customer; or so few that the likelihood rises forever along a ridge (a, b -> ∞ at fixed a/(a+b)).
    for (const rows of [
      [{ x: 3, tx: 5, T: 10 }],
      [
        { x: 0, tx: 0, T: 30, weight: 10 },
        { x: 2, tx: 20, T: 30, weight: 3 },
        { x: 1, tx: 2, T: 30, weight: 5 },
      ],
    ]) {
      const result = fitBgNbd(rows);
      expect(result.converged).toBe(false);
      expect(['boundary', 'stalled', 'line-search']).toContain(result.stopReason);
      expect(result.functionEvaluations).toBeLessThan(5000);
      expect(Number.isFinite(result.logLikelihood)).toBe(true);
    }
  });
});
