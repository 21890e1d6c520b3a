// What is at stake with a customer: the predicted value of the next 12 months and the value at risk.
import { describe, expect, it } from 'vitest';
import { customerValue, expectedOrderValue, fitSpendModel, MIN_SPEND_CUSTOMERS } from '../../../core/churn/customer-value.ts';
import { conditionalExpectedSpend } from '../../../core/churn/gamma-gamma.ts';
import { createRandom, sampleGamma } from '../../../core/churn/synthetic.ts';

describe('the spend model', () => {
  it('fits the Gamma-Gamma model when customers spend differently', () => {
    // CDNOW's estimates: p = 6.25, q = 3.74, γ = 15.44.
    const random = createRandom(5);
    const customers = Array.from({ length: 3000 }, () => {
      const x = 1 + Math.floor(random() * 5);
      const nu = sampleGamma(random, 3.74, 15.44);
      return { x, meanRepeatSpend: sampleGamma(random, 6.25 * x, nu) / x };
    });
    const model = fitSpendModel(customers);
    expect(model?.kind).toBe('gamma-gamma');
    if (model?.kind !== 'gamma-gamma') return;
    expect(model.params.q).toBeGreaterThan(2.5);
    expect(model.params.q).toBeLessThan(5.5);
    expect(expectedOrderValue(model, 3, 40)).toBeCloseTo(conditionalExpectedSpend(model.params, 3, 40), 12);
    // without a repeat order: the population mean
    expect(expectedOrderValue(model, 0, null)).toBeCloseTo(conditionalExpectedSpend(model.params, 0, 0), 12);
  });

  it('falls back to the mean order value with too few repeat customers, and says why', () => {
    const few = Array.from({ length: MIN_SPEND_CUSTOMERS - 1 }, (_, i) => ({ x: 1, meanRepeatSpend: 10 + i }));
    const model = fitSpendModel([...few, { x: 0, meanRepeatSpend: null, meanSpend: 100 }]);
    expect(model?.kind).toBe('mean');
    expect(model?.reason).toMatch(/^29 repeat customers with amounts are too few to fit the Gamma-Gamma model/);
    expect(fitSpendModel([{ x: 0, meanRepeatSpend: null }])).toBeNull();
  });

  it('values a customer: expected orders in 365 days x expected order value, at risk x P(no order)', () => {
    const model = { kind: 'mean', meanOrderValue: 50, customers: 10, reason: 'test' } as const;
    expect(customerValue(model, 2, 80, 3, 0.4)).toEqual({ expectedOrderValue: 50, predictedValue: 150, valueAtRisk: 60 });
  });
});
