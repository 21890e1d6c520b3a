// The backtest against the real engine: the same events run through the router, the journey workflow
// and the send activity on the time-skipping server and PostgreSQL, with a marketing journey whose
// messages count against the cap, and then replayed by the backtest over the same window. The backtest
// must count what the workflow really sent and skipped (by reason), and write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyDefinition } from '../../core/journey/definition.ts';
import { backtestWindow, publishedFigures, runBacktest } from '../../journey-store/backtest.ts';
import { publishJourney } from '../../journey-store/journey-versions.ts';
import { loadCurrentPolicies } from '../../messaging/send-policies.ts';
import { customerUpserted } from '../support/events.ts';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness.ts';
import { definition } from '../support/journeys.ts';

/** Another journey's marketing email at once when a customer is active. */
const promo = definition({
  key: 'bt-promo',
  name: 'Promo on activity',
  trigger: { event: 'customer.active' },
  entity: 'customer',
  reentry: { policy: 'once_per_customer' },
  category: 'marketing',
  steps: [{ id: 'promo', send: { template: 'winback' } }],
});

/** The draft: an offer four hours after a support ticket is closed, one per ticket. */
const draft: JourneyDefinition = definition({
  key: 'bt-offer',
  name: 'Offer after support',
  trigger: { event: 'support.ticket_closed' },
  entity: 'ticket',
  category: 'marketing',
  steps: [
    { id: 'cool-off', wait: { duration: 'PT4H' } },
    { id: 'offer', send: { template: 'winback-offer', maxDelay: 'PT12H' } },
  ],
});

/** A whole-hour zone where it is now about 10:00, so that quiet hours stay out of the way whenever the suite runs. */
function zoneAtTenInTheMorning(now: Date): string {
  const offset = 10 - now.getUTCHours();
  const hours = ((offset + 12 + 24) % 24) - 12;
  // Etc/GMT signs are inverted: Etc/GMT-3 is UTC+3.
  return hours === 0 ? 'UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}

async function tableCounts(harness: JourneyHarness): Promise<Record<string, number>> {
  const tables = await harness.db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS "name" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await harness.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = row?.n ?? 0;
  }
  return counts;
}

describe('the backtest, against the real engine', () => {
  let harness: JourneyHarness;

  beforeAll(async () => {
    harness = await createJourneyHarness('backtest');
    await publishJourney(harness.db, promo);
    await publishJourney(harness.db, draft);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('counts the messages the workflow really sent and skipped, cap-heavy overlap with another journey included, and writes nothing', async () => {
    const start = await harness.now();
    const zone = zoneAtTenInTheMorning(start);
    let n = 0;
    const at = (date: Date) => date.toISOString();
    const event = (type: string, customerId: string, properties: Record<string, unknown>, occurredAt: Date) => ({
      id: `bt-${type}-${customerId}-${n++}`,
      type,
      customerId,
      occurredAt: at(occurredAt),
      properties,
    });
    const consenting = ['active-first', 'plain', 'two-tickets'];
    await harness.send(
      ...consenting.map((id) => customerUpserted(id, { timezone: zone, consent: { marketing: true } }, start)),
      customerUpserted('no-consent', { timezone: zone, consent: { marketing: false } }, start),
    );
    // 10:00: active (the promo goes out at once); tickets closed for three customers.
    await harness.send(
      event('customer.active', 'active-first', {}, start),
      event('support.ticket_closed', 'plain', { ticketId: 't1' }, start),
      event('support.ticket_closed', 'no-consent', { ticketId: 't2' }, start),
      event('support.ticket_closed', 'two-tickets', { ticketId: 'a' }, start),
    );
    await harness.env.sleep(HOUR);
    // 11:00: the active customer's ticket (its offer meets the promo in the 48 h cap), the same ticket
    // again (it joins its enrollment) and a second ticket (its offer meets the first offer in the cap).
    const later = await harness.now();
    await harness.send(
      event('support.ticket_closed', 'active-first', { ticketId: 't3' }, later),
      event('support.ticket_closed', 'two-tickets', { ticketId: 'a' }, later),
      event('support.ticket_closed', 'two-tickets', { ticketId: 'b' }, later),
    );
    const ended = await harness.until(async () => {
      const enrollments = await harness.db.enrollment.findMany({ where: { journeyKey: { in: ['bt-offer', 'bt-promo'] } } });
      return enrollments.length === 6 && enrollments.every((enrollment) => enrollment.status !== 'running') ? enrollments : null;
    }, 3 * DAY);
    expect(ended).toHaveLength(6);

    // What the engine really did with the draft.
    const offers = await harness.db.message.findMany({ where: { enrollment: { journeyKey: 'bt-offer' } } });
    const sent = offers.filter((message) => message.status !== 'skipped' && message.status !== 'failed').length;
    const skippedSteps = await harness.db.enrollmentStep.findMany({
      where: { enrollment: { journeyKey: 'bt-offer' }, kind: 'send', status: 'skipped' },
    });
    const skipped: Record<string, number> = {};
    for (const step of skippedSteps) {
      const reason = (step.detail as { reason?: string }).reason ?? 'unknown';
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    }
    expect(sent).toBe(2);
    expect(skipped).toEqual({ frequency_cap: 2, no_marketing_consent: 1 });

    // The backtest over the same window, after the fact.
    const before = await tableCounts(harness);
    const now = (await harness.now()).getTime();
    const request = { definition: draft, days: 3, now, policies: (await loadCurrentPolicies(harness.db)).policies, defaultTimezone: 'UTC' };
    const result = await runBacktest(harness.db, { ...request, pageSize: 2 });
    expect(result.enrollments).toBe(5);
    expect(result.messages).toBe(sent);
    expect(result.skipped).toEqual(skipped);
    expect(result.perDay.reduce((sum, day) => sum + day.messages, 0)).toBe(sent);
    // The published version's real figures over the same window say the same.
    const real = await publishedFigures(harness.db, 'bt-offer', 1, backtestWindow(request), result.perDay);
    expect(real).toMatchObject({ enrollments: 5, messages: sent, skipped });
    expect(real.perDay).toEqual(result.perDay);

    // Nothing was written, and no email went out.
    expect(await tableCounts(harness)).toEqual(before);
  });
});
