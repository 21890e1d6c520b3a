import { describe, expect, it } from 'vitest';
import { assignVariant } from '../../../core/journey/split.ts';
import { assignGroup } from '../../../core/policy/holdout.ts';

const variants = [
  { id: 'a', weight: 50 },
  { id: 'b', weight: 30 },
  { id: 'c', weight: 20 },
];
const customers = Array.from({ length: 10_000 }, (_, i) => `cust-${i}`);

describe('an A/B split', () => {
  it('gives the same customer the same variant every time it is asked', () => {
    for (const customer of customers.slice(0, 200)) {
      const first = assignVariant('winback', 'offer', customer, variants).id;
      expect(assignVariant('winback', 'offer', customer, variants).id).toBe(first);
    }
  });

  it('takes each variant in proportion to its weight, within 3 standard errors over 10,000 customers', () => {
    const counts = new Map<string, number>();
    for (const customer of customers) {
      const id = assignVariant('winback', 'offer', customer, variants).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const variant of variants) {
      const p = variant.weight / 100;
      const standardError = Math.sqrt((p * (1 - p)) / customers.length);
      const share = (counts.get(variant.id) ?? 0) / customers.length;
      expect(Math.abs(share - p)).toBeLessThan(3 * standardError);
    }
  });

  it('is independent of the holdout: the variants keep their shares inside the control group', () => {
    const control = customers.filter((customer) => assignGroup('winback', customer, 50) === 'control');
    const inA = control.filter((customer) => assignVariant('winback', 'offer', customer, variants).id === 'a').length;
    const standardError = Math.sqrt((0.5 * 0.5) / control.length);
    expect(Math.abs(inA / control.length - 0.5)).toBeLessThan(3 * standardError);
  });

  it('assigns two split steps of a journey independently of each other', () => {
    const both = customers.filter(
      (customer) =>
        assignVariant('winback', 'offer', customer, variants).id === 'a' &&
        assignVariant('winback', 'subject', customer, variants).id === 'a',
    ).length;
    const standardError = Math.sqrt((0.25 * 0.75) / customers.length);
    expect(Math.abs(both / customers.length - 0.25)).toBeLessThan(3 * standardError);
  });

  it('never takes a variant of weight zero, and refuses a split with no weight at all', () => {
    const withZero = [
      { id: 'a', weight: 0 },
      { id: 'b', weight: 1 },
    ];
    expect(customers.slice(0, 500).every((customer) => assignVariant('j', 's', customer, withZero).id === 'b')).toBe(true);
    expect(() => assignVariant('j', 's', 'c-1', [{ id: 'a', weight: 0 }])).toThrow(/positive weight/);
  });
});
