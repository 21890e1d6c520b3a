// The shipped journeys, end to end on the time-skipping server: their main paths as a retention team
// would describe them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignGroup } from '../../core/policy/holdout.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness('shipped');
});
afterAll(async () => {
  await h?.close();
});

const consenting = (id: string, zone = 'Europe/Paris') =>
  customerUpserted(id, { name: 'Grace Hopper', timezone: zone, locale: 'en-GB', consent: { marketing: true } });

/** A customer id that the 10% win-back holdout puts in the wanted group. */
function customerIn(group: 'treatment' | 'control', prefix: string): string {
  for (let i = 0; ; i++) if (assignGroup('win-back', `${prefix}-${i}`, 10) === group) return `${prefix}-${i}`;
}

describe('post-purchase check-in, review request and service recovery', () => {
  it('checks in after delivery in the daytime, then asks a happy customer for a review until the review comes', async () => {
    await h.send(consenting('happy'), orderPlaced('happy', 'o-happy'));
    const checkin = await h.withWorker(async () => {
      await h.env.sleep(DAY);
      await h.send(orderEvent('order.delivered', 'happy', 'o-happy'));
      expect(await h.workflow('post-purchase-checkin', 'happy', 'order:o-happy').result()).toBe('completed');
      return (await h.messages('checkin'))[0];
    });
    expect(checkin?.status).toBe('sent');
    const hour = h.localHour(checkin!.sentAt!, 'Europe/Paris');
    expect(hour >= 10 && hour < 18).toBe(true);
    expect(checkin?.html).toContain('https://aftercare.test/s/');

    expect((await h.answerSurvey(checkin!.id, 5)).status).toBe('recorded');
    // A later answer replaces the stored one, but journeys were told once: no service recovery follows.
    expect((await h.answerSurvey(checkin!.id, 1)).status).toBe('replaced');

    const review = h.workflow('review-request', 'happy', 'order:o-happy');
    await h.withWorker(async () => {
      const first = await h.until(async () => (await h.messages('review-request'))[0]);
      expect(first.status).toBe('sent');
      await h.env.sleep(2 * DAY);
      await h.send({
        id: 'review-1',
        type: 'review.submitted',
        customerId: 'happy',
        occurredAt: new Date().toISOString(),
        properties: { orderId: 'o-happy', rating: 5 },
      });
      expect(await review.result()).toBe('goal_reached');
    });
    expect(await h.messages('review-request')).toHaveLength(1); // the reminder never went out
    expect(await h.db.enrollment.count({ where: { journeyKey: 'service-recovery' } })).toBe(0);
  });

  it('alerts the owner and apologises to an unhappy customer, and flags a recovery that failed', async () => {
    await h.send(consenting('unhappy'), orderPlaced('unhappy', 'o-unhappy'));
    const checkin = await h.withWorker(async () => {
      await h.workflow('post-purchase-checkin', 'unhappy', 'order:o-unhappy').result(); // delivery never confirmed: 10 days, then on
      return (await h.messages('checkin')).find((m) => m.toAddress === 'unhappy@example.com');
    });
    await h.answerSurvey(checkin!.id, 1);
    await h.withWorker(async () => {
      expect(await h.workflow('service-recovery', 'unhappy', 'order:o-unhappy').result()).toBe('completed');
    });
    const alerts = await h.db.alert.findMany({ where: { customer: { externalId: 'unhappy' } }, orderBy: { createdAt: 'asc' } });
    expect(alerts.map((a) => a.kind)).toEqual(['detractor', 'recovery_failed']);
    expect((await h.messages('service-recovery')).map((m) => m.status)).toEqual(['sent']);
  });

  it('ends the recovery quietly when the support ticket is closed in time', async () => {
    await h.send(consenting('fixed'), orderPlaced('fixed', 'o-fixed'));
    const checkin = await h.withWorker(async () => {
      await h.workflow('post-purchase-checkin', 'fixed', 'order:o-fixed').result();
      return (await h.messages('checkin')).find((m) => m.toAddress === 'fixed@example.com');
    });
    await h.answerSurvey(checkin!.id, 2);
    await h.withWorker(async () => {
      await h.env.sleep(DAY);
      await h.send({
        id: 'ticket-closed-1',
        type: 'support.ticket_closed',
        customerId: 'fixed',
        occurredAt: new Date().toISOString(),
        properties: { ticketId: 'T-1' },
      });
      expect(await h.workflow('service-recovery', 'fixed', 'order:o-fixed').result()).toBe('exited');
    });
    const kinds = (await h.db.alert.findMany({ where: { customer: { externalId: 'fixed' } } })).map((a) => a.kind);
    expect(kinds).toEqual(['detractor']);
  });

  it('ends a check-in at once when the order is refunded', async () => {
    await h.send(consenting('refunded'), orderPlaced('refunded', 'o-refunded'));
    await h.withWorker(async () => {
      await h.env.sleep(HOUR);
      await h.send(orderEvent('order.refunded', 'refunded', 'o-refunded'));
      expect(await h.workflow('post-purchase-checkin', 'refunded', 'order:o-refunded').result()).toBe('exited');
    });
    expect((await h.messages('checkin')).filter((m) => m.toAddress === 'refunded@example.com')).toEqual([]);
  });
});

describe('win-back', () => {
  const inactive = async (customer: string) =>
    h.emit({
      id: `inactive-${customer}`,
      type: 'customer.inactive',
      customer,
      properties: { journeyKey: 'win-back', daysSinceLastOrder: 61 },
    });
  const lapsed = (customer: string) => [
    consenting(customer, 'America/New_York'),
    orderPlaced(customer, `${customer}-o1`, {}, new Date(Date.now() - 61 * DAY)),
  ];

  it('sends the first message on a weekday morning; a purchase during the wait ends it with the goal', async () => {
    const customer = customerIn('treatment', 'wb-buyer');
    await h.send(...lapsed(customer));
    await inactive(customer);
    const handle = h.workflow('win-back', customer, 'customer/1');
    await h.withWorker(async () => {
      const first = await h.until(async () => (await h.messages('winback')).find((m) => m.toAddress === `${customer}@example.com`));
      const local = h.localHour(first.sentAt!, 'America/New_York');
      expect(local >= 9 && local < 11).toBe(true);
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(h.localWeekday(first.sentAt!, 'America/New_York'));
      await h.env.sleep(3 * DAY);
      await h.send(orderPlaced(customer, `${customer}-o2`));
      expect(await handle.result()).toBe('goal_reached');
    });
    expect((await h.messages('winback-offer')).filter((m) => m.toAddress === `${customer}@example.com`)).toEqual([]);
  });

  it('without a purchase, sends both messages two weeks apart and then exits', async () => {
    const customer = customerIn('treatment', 'wb-silent');
    await h.send(...lapsed(customer));
    await inactive(customer);
    await h.withWorker(async () => {
      expect(await h.workflow('win-back', customer, 'customer/1').result()).toBe('exited');
    });
    const sent = (await h.messages()).filter((m) => m.toAddress === `${customer}@example.com`);
    expect(sent.map((m) => m.template)).toEqual(['winback', 'winback-offer']); // the 61-day-old order started no check-in
    const gap = sent[1]!.sentAt!.getTime() - sent[0]!.sentAt!.getTime();
    expect(gap).toBeGreaterThanOrEqual(14 * DAY - 2 * HOUR);
    expect(gap).toBeLessThan(17 * DAY);
    const enrollment = await h.db.enrollment.findFirstOrThrow({ where: { journeyKey: 'win-back', customer: { externalId: customer } } });
    expect(enrollment).toMatchObject({ status: 'exited', outcome: 'no order after two messages' });
  });

  it('sends nothing to the holdout group, and still records its goal', async () => {
    const customer = customerIn('control', 'wb-control');
    await h.send(...lapsed(customer));
    await inactive(customer);
    await h.withWorker(async () => {
      await h.env.sleep(5 * DAY);
      await h.send(orderPlaced(customer, `${customer}-o2`));
      expect(await h.workflow('win-back', customer, 'customer/1').result()).toBe('goal_reached');
    });
    expect((await h.messages()).filter((m) => m.toAddress === `${customer}@example.com` && m.template.startsWith('winback'))).toEqual([]);
    const enrollment = await h.db.enrollment.findFirstOrThrow({ where: { journeyKey: 'win-back', customer: { externalId: customer } } });
    expect(enrollment).toMatchObject({ group: 'control', status: 'goal_reached' });
  });
});

describe('at-risk save', () => {
  const riskRises = (customer: string) =>
    h.emit({ id: `band-${customer}`, type: 'churn_band.changed', customer, properties: { from: 'medium', to: 'high' } });

  it('alerts the owner, and checks in personally when nobody acted within three days', async () => {
    await h.send(consenting('risky-1', 'Asia/Tokyo'));
    await riskRises('risky-1');
    await h.withWorker(async () => {
      expect(await h.workflow('at-risk-save', 'risky-1', 'customer/1').result()).toBe('completed');
    });
    expect((await h.db.alert.findMany({ where: { customer: { externalId: 'risky-1' } } })).map((a) => a.kind)).toEqual(['at_risk']);
    const [checkin] = (await h.messages('at-risk-checkin')).filter((m) => m.toAddress === 'risky-1@example.com');
    expect(checkin?.status).toBe('sent');
    const hour = h.localHour(checkin!.sentAt!, 'Asia/Tokyo');
    expect(hour >= 10 && hour < 17).toBe(true);
  });

  it('stays quiet when the owner marks the account contacted', async () => {
    await h.send(consenting('risky-2'));
    await riskRises('risky-2');
    await h.withWorker(async () => {
      await h.env.sleep(DAY);
      await h.emit({ id: 'contacted-risky-2', type: 'account.contacted', customer: 'risky-2', properties: {} });
      expect(await h.workflow('at-risk-save', 'risky-2', 'customer/1').result()).toBe('exited');
    });
    expect((await h.messages('at-risk-checkin')).filter((m) => m.toAddress === 'risky-2@example.com')).toEqual([]);
  });
});
