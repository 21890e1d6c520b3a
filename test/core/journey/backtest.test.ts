import { describe, expect, it } from 'vitest';
import { type BacktestCustomer, type BacktestEvent, backtest } from '../../../core/journey/backtest.ts';
import { defaultPolicies } from '../../../core/policy/send-policy.ts';
import { definition } from '../../support/journeys.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const from = Date.parse('2026-06-01T00:00:00Z');
const to = from + 30 * DAY;
const window = (draft: ReturnType<typeof definition>) => ({ definition: draft, from, to, policies: defaultPolicies, zone: 'UTC' });

const offer = definition({
  key: 'order-offer',
  entity: 'order',
  reentry: { policy: 'once_per_entity' },
  category: 'marketing',
  steps: [{ id: 'offer', send: { template: 'offer', maxDelay: 'PT12H' } }],
});

let eventNumber = 0;
const order = (at: number, orderId: string, type = 'order.placed'): BacktestEvent => ({
  id: `e${eventNumber++}`,
  type,
  at,
  properties: { orderId },
});

function customer(events: BacktestEvent[], overrides: Partial<BacktestCustomer> = {}): BacktestCustomer {
  return {
    externalId: 'c1',
    rowId: 'row-c1',
    timezone: 'UTC',
    consent: { marketing: true },
    attributes: {},
    churnBand: null,
    orderCount: 3,
    totalSpent: 100,
    tags: [],
    suppressed: false,
    events,
    messages: [],
    ...overrides,
  };
}

describe('the backtest of a draft journey', () => {
  it('starts one enrollment per triggering event, as the re-entry policy allows', () => {
    const events = [
      order(from + 2 * DAY + 10 * HOUR, 'o1'),
      order(from + 9 * DAY + 10 * HOUR, 'o2'),
      order(from + 16 * DAY + 10 * HOUR, 'o1'),
    ];
    expect(backtest(window(offer), [customer(events)]).enrollments).toBe(2);
    const oncePerCustomer = definition({ ...offer, reentry: { policy: 'once_per_customer' } });
    expect(backtest(window(oncePerCustomer), [customer(events)]).enrollments).toBe(1);
    const cooldown = definition({ ...offer, entity: 'customer', reentry: { policy: 'after_cooldown', cooldown: 'P10D' } });
    // Days 2 and 16 (day 9 falls in the cool-down after the enrollment of day 2 ended).
    expect(backtest(window(cooldown), [customer(events)]).enrollments).toBe(2);
  });

  it('counts only the events of the window, and no one who is not eligible', () => {
    const events = [order(from - DAY, 'old'), order(from + DAY + 10 * HOUR, 'o1'), order(to + HOUR, 'late')];
    expect(backtest(window(offer), [customer(events)]).enrollments).toBe(1);
    const forVips = definition({ ...offer, eligibility: { attributes: { vip: true } } });
    expect(backtest(window(forVips), [customer(events)]).enrollments).toBe(0);
  });

  it('holds a message back when another journey really sent the customer one within the cap', () => {
    const placed = from + 3 * DAY + 10 * HOUR;
    const result = backtest(window(offer), [
      customer([order(placed, 'o1')], { messages: [{ at: placed - 2 * HOUR, category: 'marketing', surveyKind: null }] }),
    ]);
    // One in 48 h: the offer would wait 46 h, past its 12 h maxDelay.
    expect(result.messages).toBe(0);
    expect(result.skipped).toEqual({ frequency_cap: 1 });
    expect(result.funnel).toEqual([{ stepId: 'offer', kind: 'send', entered: 1, sent: 0, skipped: 1, deferred: 0 }]);
  });

  it("counts the draft's own earlier messages against the cap of its later enrollments", () => {
    const result = backtest(window(offer), [customer([order(from + DAY + 10 * HOUR, 'o1'), order(from + DAY + 11 * HOUR, 'o2')])]);
    expect(result.enrollments).toBe(2);
    expect(result.messages).toBe(1);
    expect(result.skipped).toEqual({ frequency_cap: 1 });
  });

  it('defers a message due in quiet hours to the morning, in the customer time zone', () => {
    // 23:00 in Paris.
    const result = backtest(window(offer), [customer([order(Date.parse('2026-06-05T21:00:00Z'), 'o1')], { timezone: 'Europe/Paris' })]);
    expect(result.messages).toBe(1);
    expect(result.deferred).toEqual({ quiet_hours: 1 });
    expect(result.perDay.find((day) => day.messages > 0)?.date).toBe('2026-06-06');
  });

  it('ends an enrollment at its goal or an exit event, before its later messages', () => {
    const twoStep = definition({
      key: 'two-step',
      entity: 'customer',
      goal: { event: 'review.submitted', within: 'P30D' },
      exitEvents: ['order.refunded'],
      steps: [
        { id: 'first', send: { template: 'first' } },
        { id: 'pause', wait: { duration: 'P5D' } },
        { id: 'second', send: { template: 'second' } },
      ],
    });
    const start = from + 2 * DAY + 10 * HOUR;
    const reviewed = customer([order(start, 'o1'), { id: 'r', type: 'review.submitted', at: start + 2 * DAY, properties: {} }]);
    const refunded = customer([order(start, 'o1'), order(start + 2 * DAY, 'o1', 'order.refunded')], { externalId: 'c2' });
    const untouched = customer([order(start, 'o1')], { externalId: 'c3' });
    const result = backtest(window(twoStep), [reviewed, refunded, untouched]);
    expect(result.enrollments).toBe(3);
    expect(result.goals).toBe(1);
    expect(result.exited).toBe(1);
    expect(result.messages).toBe(4);
    expect(result.funnel.map((step) => [step.stepId, step.entered, step.sent])).toEqual([
      ['first', 3, 3],
      ['pause', 3, 0],
      ['second', 1, 1],
    ]);
  });

  it('skips every message to a suppressed customer, and to one without marketing consent, with the reason', () => {
    const events = [order(from + DAY + 10 * HOUR, 'o1')];
    const result = backtest(window(offer), [
      customer(events, { suppressed: true }),
      customer(events, { externalId: 'c2', consent: { marketing: false } }),
    ]);
    expect(result.messages).toBe(0);
    expect(result.skipped).toEqual({ suppressed: 1, no_marketing_consent: 1 });
  });

  it("sends each customer down their own variant of an A/B split, picked as the workflow picks it, and counts the variants' steps", () => {
    const split = definition({
      key: 'split-offer',
      entity: 'order',
      steps: [
        {
          id: 'ab',
          split: {
            variants: [
              { key: 'a', weight: 50, steps: [{ id: 'offer-a', send: { template: 'offer' } }] },
              { key: 'b', weight: 50, steps: [{ id: 'offer-b', send: { template: 'offer' } }] },
            ],
          },
        },
      ],
    });
    const customers = Array.from({ length: 60 }, (_, i) =>
      customer([order(from + DAY + 10 * HOUR, `o${i}`)], { externalId: `c${i}`, rowId: `row-${i}` }),
    );
    const result = backtest(window(split), customers);
    const sentBy = Object.fromEntries(result.funnel.map((step) => [step.stepId, step.sent]));
    expect((sentBy['offer-a'] ?? 0) + (sentBy['offer-b'] ?? 0)).toBe(60);
    expect(sentBy['offer-a']).toBeGreaterThan(10);
    expect(sentBy['offer-b']).toBeGreaterThan(10);
    // The same customer always takes the same variant.
    expect(backtest(window(split), customers).funnel).toEqual(result.funnel);
  });

  it('counts the messages of every day of the window, and the days add up to the messages', () => {
    const customers = Array.from({ length: 40 }, (_, i) =>
      customer([order(from + (i % 29) * DAY + (i % 10) * HOUR, `o${i}`)], { externalId: `c${i}`, timezone: i % 2 ? 'Asia/Tokyo' : 'UTC' }),
    );
    const result = backtest(window(offer), customers);
    expect(result.perDay).toHaveLength(30);
    expect(result.perDay[0]?.date).toBe('2026-06-01');
    expect(result.perDay.at(-1)?.date).toBe('2026-06-30');
    expect(result.perDay.reduce((sum, day) => sum + day.messages, 0)).toBe(result.messages);
    expect(result.messages).toBeGreaterThan(30);
  });
});
