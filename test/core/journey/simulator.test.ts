import { describe, expect, it } from 'vitest';
import { simulate } from '../../../core/journey/simulator.ts';
import { definition } from '../../support/journeys.ts';

const DAY = 86_400_000;
const winback = definition({
  trigger: { inactivity: { noOrderFor: 'P60D' } },
  goal: { event: 'order.placed', within: 'P30D' },
  exitEvents: ['customer.unsubscribed'],
  steps: [
    { id: 'morning', waitUntil: { from: '09:00', to: '11:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] } },
    { id: 'first', send: { template: 'winback' } },
    { id: 'wait', wait: { duration: 'P14D' } },
    { id: 'second', send: { template: 'winback-offer' } },
  ],
});
const customer = { timezone: 'America/New_York', consent: { marketing: true } };
const saturdayEvening = Date.parse('2026-06-06T23:00:00Z'); // 19:00 in New York, a Saturday

describe('the simulator', () => {
  it('sends in the customer local window on a weekday, then the follow-up, then completes', () => {
    const result = simulate({ definition: winback, customer, start: saturdayEvening, days: 30 });
    expect(result.sent.map((s) => [s.stepId, s.local])).toEqual([
      ['first', '2026-06-08T09:00:00-04:00'],
      ['second', '2026-06-22T09:00:00-04:00'],
    ]);
    expect(result.outcome).toBe('completed');
  });

  it('ends with the goal when the customer orders during the wait', () => {
    const result = simulate({
      definition: winback,
      customer,
      start: saturdayEvening,
      days: 30,
      events: [{ at: saturdayEvening + 5 * DAY, type: 'order.placed' }],
    });
    expect(result.sent.map((s) => s.stepId)).toEqual(['first']);
    expect(result.outcome).toBe('goal_reached');
    expect(result.timeline.at(-1)).toMatchObject({ kind: 'complete', status: 'goal_reached' });
  });

  it('skips every message to a customer without marketing consent, and says why', () => {
    const result = simulate({ definition: winback, customer: { timezone: 'UTC' }, start: saturdayEvening, days: 30 });
    expect(result.sent).toEqual([]);
    expect(result.timeline.filter((e) => e.kind === 'send').map((e) => e.detail?.reason)).toEqual([
      'no_marketing_consent',
      'no_marketing_consent',
    ]);
  });

  it('defers a message that the frequency cap holds back', () => {
    const monday9 = Date.parse('2026-06-08T13:00:00Z');
    const result = simulate({ definition: winback, customer, start: saturdayEvening, days: 30, messageHistory: [monday9 - 3600_000] });
    const deferred = result.timeline.find((e) => e.status === 'deferred');
    expect(deferred?.detail?.reason).toBe('frequency_cap');
    expect(result.sent[0]?.at).toBeGreaterThan(monday9 - 3600_000 + 48 * 3600_000);
  });

  it('is what a control customer would walk through, without a single message', () => {
    const result = simulate({ definition: winback, customer, start: saturdayEvening, days: 30, group: 'control' });
    expect(result.sent).toEqual([]);
    expect(result.timeline.filter((e) => e.kind === 'send').every((e) => e.detail?.reason === 'holdout')).toBe(true);
    expect(result.outcome).toBe('completed');
  });
});
