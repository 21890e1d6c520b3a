import { describe, expect, it } from 'vitest';
import { type CustomerSnapshot, eventTriggers, ineligibility, reentry } from '../../../core/journey/enrollment-rules.ts';
import { definition } from '../../support/journeys.ts';

const DAY = 86_400_000;
const now = Date.parse('2026-06-01T10:00:00Z');
const steps = [{ id: 'w', wait: { duration: 'P1D' } }];
const customer: CustomerSnapshot = {
  externalId: 'c1',
  consent: { marketing: true },
  attributes: { plan: 'pro' },
  churnBand: 'high',
  orderCount: 3,
  totalSpent: 250,
};

describe('re-entry policies', () => {
  it('once per entity: a second order enrolls, the same order again does not', () => {
    const d = definition({ entity: 'order', steps, reentry: { policy: 'once_per_entity' } });
    const past = [{ entityKey: 'order:1', enteredAt: now - DAY, endedAt: now }];
    expect(reentry(d, 'c1', 'order:1', past, now, 'UTC')).toMatchObject({ allowed: false });
    expect(reentry(d, 'c1', 'order:2', past, now, 'UTC')).toEqual({ allowed: true, workflowId: 'journey/test-journey/c1/order:2' });
  });

  it('once per customer: nothing after the first enrollment, whatever the entity', () => {
    const d = definition({ entity: 'order', steps, reentry: { policy: 'once_per_customer' } });
    expect(reentry(d, 'c1', 'order:1', [], now, 'UTC')).toMatchObject({ allowed: true });
    expect(
      reentry(d, 'c1', 'order:2', [{ entityKey: 'order:1', enteredAt: now - 90 * DAY, endedAt: now - 80 * DAY }], now, 'UTC'),
    ).toMatchObject({
      allowed: false,
    });
  });

  it('after a cool-down: again only once the cool-down since the last end has passed, with a new id', () => {
    const d = definition({ steps, reentry: { policy: 'after_cooldown', cooldown: 'P30D' } });
    const past = [{ entityKey: 'customer', enteredAt: now - 40 * DAY, endedAt: now - 20 * DAY }];
    expect(reentry(d, 'c1', 'customer', past, now, 'UTC')).toEqual({ allowed: false, reason: 'in cool-down' });
    expect(reentry(d, 'c1', 'customer', past, now + 11 * DAY, 'UTC')).toEqual({
      allowed: true,
      workflowId: 'journey/test-journey/c1/customer/2',
    });
    expect(reentry(d, 'c1', 'customer', [{ entityKey: 'customer', enteredAt: now, endedAt: null }], now, 'UTC')).toEqual({
      allowed: false,
      reason: 'still enrolled',
    });
  });
});

describe('eligibility and triggers', () => {
  it('checks consent, band, attributes, value and orders', () => {
    const d = definition({
      steps,
      eligibility: {
        consent: 'marketing',
        churnBands: ['high'],
        attributes: { plan: { in: ['pro', 'plus'] } },
        customerValue: { gte: 100 },
        minOrders: 2,
      },
    });
    expect(ineligibility(d, customer)).toBeNull();
    expect(ineligibility(d, { ...customer, consent: {} })).toBe('no_marketing_consent');
    expect(ineligibility(d, { ...customer, churnBand: 'low' })).toBe('churn_band');
    expect(ineligibility(d, { ...customer, attributes: { plan: 'basic' } })).toBe('attributes');
    expect(ineligibility(d, { ...customer, totalSpent: 50 })).toBe('customer_value');
    expect(ineligibility(d, { ...customer, orderCount: 1 })).toBe('orders');
  });

  it('match event triggers on their property filters', () => {
    const big = definition({ steps, trigger: { event: 'order.placed', where: { total: { gte: 100 } } } });
    expect(eventTriggers(big, { type: 'order.placed', properties: { total: 150 } })).toBe(true);
    expect(eventTriggers(big, { type: 'order.placed', properties: { total: 50 } })).toBe(false);
    const band = definition({ steps, trigger: { churnBand: { entering: 'high' } } });
    expect(eventTriggers(band, { type: 'churn_band.changed', properties: { from: 'medium', to: 'high' } })).toBe(true);
    expect(eventTriggers(band, { type: 'churn_band.changed', properties: { from: 'high', to: 'medium' } })).toBe(false);
  });
});
