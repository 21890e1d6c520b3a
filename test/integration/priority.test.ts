// Priority between journeys, on the time-skipping server with real activities and a real database: when
// marketing emails of two journeys fall due for one customer within the decision window, the
// higher-priority journey's goes out and the other defers or skips, with its reason, whichever arrives
// first. The simulator, given the other journey's message, tells the same story step for step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../core/journey/simulator.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { customerUpserted } from '../support/events.ts';
import { createJourneyHarness, HOUR, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
beforeAll(async () => {
  h = await createJourneyHarness('priority');
  await h.db.journey.updateMany({ data: { status: 'archived' } });
});
afterAll(async () => {
  await h?.close();
});

const MINUTE = 60_000;
const journey = (key: string, priority: number, delay: string, maxDelay: string) => `
key: ${key}
name: ${key}
trigger: { event: customer.active }
entity: customer
priority: ${priority}
policies: { quietHours: false }
steps:
  - id: pause
    wait: { duration: ${delay} }
  - id: email
    send: { template: winback, maxDelay: ${maxDelay} }
`;

type Line = { stepId: string; status: string; reason: string | null; minute: number };

/** Runs two journeys for one customer; returns each one's message and step log, in minutes from the start. */
async function race(prefix: string, high: { delay: string; maxDelay: string }, low: { delay: string; maxDelay: string }) {
  const keys = { high: `${prefix}-high`, low: `${prefix}-low` };
  const definitions = {
    high: parseDefinitionText(journey(keys.high, 80, high.delay, high.maxDelay)),
    low: parseDefinitionText(journey(keys.low, 20, low.delay, low.maxDelay)),
  };
  await publishJourney(h.db, definitions.high);
  await publishJourney(h.db, definitions.low);
  const customerId = `${prefix}-customer`;
  await h.send(customerUpserted(customerId, { timezone: 'UTC', consent: { marketing: true } }), {
    id: `${prefix}-active`,
    type: 'customer.active',
    customerId,
    occurredAt: new Date().toISOString(),
    properties: {},
  });
  for (const key of [keys.high, keys.low]) await h.workflow(key, customerId, 'customer').result();
  for (const key of [keys.high, keys.low]) await h.db.journey.update({ where: { key }, data: { status: 'archived' } });

  const log = async (key: string) => {
    const rows = await h.db.enrollmentStep.findMany({ where: { enrollment: { journeyKey: key } }, orderBy: { seq: 'asc' } });
    return rows;
  };
  const [highRows, lowRows] = [await log(keys.high), await log(keys.low)];
  const start = Math.min(highRows[0]?.at.getTime() ?? 0, lowRows[0]?.at.getTime() ?? 0);
  const lines = (rows: typeof highRows): Line[] =>
    rows.map((row) => ({
      stepId: row.stepId,
      status: row.status,
      reason: ((row.detail as { reason?: string }).reason ?? null) as string | null,
      minute: Math.round((row.at.getTime() - start) / MINUTE),
    }));
  const message = async (key: string) =>
    h.db.message.findFirstOrThrow({
      where: { enrollment: { journeyKey: key } },
      select: { status: true, reason: true, sentAt: true, policyVersion: true },
    });
  return {
    start,
    definitions,
    high: { log: lines(highRows), message: await message(keys.high) },
    low: { log: lines(lowRows), message: await message(keys.low) },
  };
}

/** The simulator's story of the low-priority journey, told the high one's message as a rival. */
function simulatedLow(result: Awaited<ReturnType<typeof race>>, highDueMinute: number): Line[] {
  const simulated = simulate({
    definition: result.definitions.low,
    customer: { timezone: 'UTC', consent: { marketing: true } },
    start: result.start,
    days: 10,
    rivalMessages: [{ dueAt: result.start + highDueMinute * MINUTE, priority: 80, capClass: 'marketing' }],
  });
  return simulated.timeline.map((entry) => ({
    stepId: entry.stepId,
    status: entry.status,
    reason: ((entry.detail as { reason?: string } | undefined)?.reason ?? null) as string | null,
    minute: Math.round((entry.at - result.start) / MINUTE),
  }));
}

const deferrals = (log: Line[]) => log.filter((line) => line.status === 'deferred').map((line) => line.reason);

describe('priority between journeys due within the decision window', () => {
  it('sends the higher priority when the lower one fell due first: the lower waits for it, then meets the cap and skips', async () => {
    const result = await race('low-first', { delay: 'PT10M', maxDelay: 'P2D' }, { delay: 'PT1M', maxDelay: 'PT12H' });
    expect(result.high.message.status).toBe('sent');
    expect(result.low.message).toMatchObject({ status: 'skipped', reason: 'frequency_cap' });
    expect(deferrals(result.low.log)).toEqual(['decision_window', 'priority']);
    // The high one went out when its own window closed, an hour after it fell due.
    expect(Math.round((result.high.message.sentAt!.getTime() - result.start) / MINUTE)).toBe(70);
    expect(simulatedLow(result, 10)).toEqual(result.low.log);
  });

  it('sends the higher priority when it fell due first: the lower one, decided after it, meets the cap and skips', async () => {
    const result = await race('high-first', { delay: 'PT1M', maxDelay: 'P2D' }, { delay: 'PT10M', maxDelay: 'PT12H' });
    expect(result.high.message.status).toBe('sent');
    expect(result.low.message).toMatchObject({ status: 'skipped', reason: 'frequency_cap' });
    expect(deferrals(result.low.log)).toEqual(['decision_window']);
    expect(simulatedLow(result, 1)).toEqual(result.low.log);
  });

  it('skips the lower priority for priority when waiting for the higher one would take it past its maxDelay', async () => {
    const result = await race('hasty', { delay: 'PT10M', maxDelay: 'P2D' }, { delay: 'PT1M', maxDelay: 'PT65M' });
    expect(result.high.message.status).toBe('sent');
    expect(result.low.message).toMatchObject({ status: 'skipped', reason: 'priority' });
    expect(simulatedLow(result, 10)).toEqual(result.low.log);
  });

  it('lets a patient lower priority go once the cap allows, 48 hours after the higher one', async () => {
    const result = await race('patient', { delay: 'PT10M', maxDelay: 'P2D' }, { delay: 'PT1M', maxDelay: 'P3D' });
    expect(result.low.message.status).toBe('sent');
    expect(result.low.message.sentAt!.getTime() - result.high.message.sentAt!.getTime()).toBeGreaterThanOrEqual(48 * HOUR);
    expect(deferrals(result.low.log)).toEqual(['decision_window', 'priority', 'frequency_cap']);
    expect(simulatedLow(result, 10)).toEqual(result.low.log);
  });
});
