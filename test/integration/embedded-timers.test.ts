// Waiting journeys on embedded defaults survive the engine going away: timers that fall due while it
// is stopped (gracefully, or by `kill -9`, which leaves its PostgreSQL and Temporal servers behind)
// fire once it is back, and every email goes out exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngine, startEmbeddedEngine, waitFor } from '../support/embedded-engine.ts';
import { customerUpserted } from '../support/events.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const timerJourney = (key: string, seconds: number) => ({
  key,
  name: `Waits ${seconds} s`,
  trigger: { event: 'customer.active', where: { channel: key } },
  entity: 'customer',
  category: 'transactional',
  policies: { quietHours: false },
  steps: [
    { id: 'wait', wait: { duration: `PT${seconds}S` } },
    { id: 'hello', send: { template: 'at-risk-checkin' } },
  ],
});

describe('waiting journeys on embedded defaults', () => {
  let engine: EmbeddedEngine;
  beforeAll(async () => {
    engine = await startEmbeddedEngine();
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  const enter = async (journey: string, customers: string[]) => {
    const at = new Date();
    const events = customers.flatMap((customer) => [
      customerUpserted(customer, { timezone: 'Europe/Paris' }, at),
      {
        id: `active-${customer}`,
        type: 'customer.active',
        customerId: customer,
        occurredAt: at.toISOString(),
        properties: { channel: journey },
      },
    ]);
    const answer = await engine.call('POST', '/v1/events', { events });
    expect(answer.status, answer.text).toBe(202);
    await waitFor(
      `${customers.join(', ')} to wait in ${journey}`,
      () =>
        engine.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM "Enrollment" WHERE "journeyKey" = $1 AND "status" = 'running'`,
          [journey],
        ),
      (rows) => (rows[0]?.count ?? 0) >= customers.length,
    );
  };
  const emailsTo = async (customers: string[]) =>
    engine.query<{ to: string; count: number }>(
      `SELECT "toAddress" AS to, count(*)::int AS count FROM "OutboxEmail" WHERE "toAddress" = ANY($1) GROUP BY 1 ORDER BY 1`,
      [customers.map((customer) => `${customer}@example.com`)],
    );
  const oncePerCustomer = (customers: string[]) =>
    customers.map((customer) => ({ to: `${customer}@example.com`, count: 1 })).sort((a, b) => a.to.localeCompare(b.to));

  it('timers of 30 s and 100 s that fall due during a graceful stop and a kill -9 each send their email exactly once', async () => {
    for (const journey of [timerJourney('wait-30s', 30), timerJourney('wait-100s', 100)]) {
      const published = await engine.call('POST', '/v1/journeys', journey);
      expect(published.status, published.text).toBe(201);
    }
    const thirty = ['t30-a', 't30-b', 't30-c'];
    const hundred = ['t100-a', 't100-b', 't100-c'];
    const enteredAt = Date.now();
    await enter('wait-30s', thirty);
    await enter('wait-100s', hundred);

    // A graceful stop for longer than the short wait.
    expect(await engine.stop()).toBe(0);
    await sleep(Math.max(0, enteredAt + 35_000 - Date.now()));
    await engine.restart();
    expect(
      await waitFor(
        'the 30 s emails',
        () => emailsTo(thirty),
        (rows) => rows.length === thirty.length,
      ),
    ).toEqual(oncePerCustomer(thirty));

    // New short waits, then a kill -9 that leaves the database and Temporal servers running behind.
    const afterKill = ['k30-a', 'k30-b'];
    await enter('wait-30s', afterKill);
    const killedAt = Date.now();
    await engine.kill();
    await sleep(Math.max(0, enteredAt + 105_000 - Date.now(), killedAt + 35_000 - Date.now()));
    await engine.restart();
    expect(engine.output()).toMatch(/Aftercare is running/);

    expect(
      await waitFor(
        'the 100 s emails',
        () => emailsTo(hundred),
        (rows) => rows.length === hundred.length,
      ),
    ).toEqual(oncePerCustomer(hundred));
    expect(
      await waitFor(
        'the emails of the waits cut by the kill',
        () => emailsTo(afterKill),
        (rows) => rows.length === afterKill.length,
      ),
    ).toEqual(oncePerCustomer(afterKill));
    // Nothing sent twice in the meantime, and every message row ended up sent once.
    await sleep(3_000);
    const everyone = [...thirty, ...hundred, ...afterKill];
    expect(await emailsTo(everyone)).toEqual(oncePerCustomer(everyone));
    const messages = await engine.query<{ status: string; count: number }>(
      `SELECT "status", count(*)::int AS count FROM "Message" GROUP BY 1`,
    );
    expect(messages).toEqual([{ status: 'sent', count: everyone.length }]);
    const completed = await engine.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM "Enrollment" WHERE "journeyKey" IN ('wait-30s', 'wait-100s') AND "status" = 'completed'`,
    );
    expect(completed[0]?.count).toBe(everyone.length);
  }, 300_000);
});
