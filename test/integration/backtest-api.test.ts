// POST /v1/journeys/:key/backtest as a marketer uses it: a draft replayed over the stored events of the
// last N days, against the messages other journeys really sent, beside the published version's real
// figures; refused with the field named; and it writes nothing.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { publishJourney } from '../../journey-store/journey-versions.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { definition } from '../support/journeys.ts';

const API_KEY = 'ak_test_backtest_0123456789abcdefghij';
const INGEST_ONLY = 'ak_test_backtest_ingest_0123456789abcd';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An offer the day after each order, at 10:00 in the customer's zone. */
const draft = (key: string, changes: Record<string, unknown> = {}) => ({
  key,
  name: 'Order offer',
  trigger: { event: 'order.placed' },
  entity: 'order',
  category: 'marketing',
  steps: [
    { id: 'next-day', wait: { duration: 'P1D' } },
    { id: 'morning', waitUntil: { from: '10:00', to: '12:00' } },
    { id: 'offer', send: { template: 'winback-offer', maxDelay: 'PT6H' } },
  ],
  ...changes,
});

/** Every table's row count, to show that nothing was written. */
async function tableCounts(database: TestDatabase): Promise<Record<string, number>> {
  const tables = await database.db.$queryRaw<{ name: string }[]>`
    SELECT table_name AS "name" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await database.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = row?.n ?? 0;
  }
  return counts;
}

describe('POST /v1/journeys/:key/backtest', () => {
  let database: TestDatabase;
  let app: ApiServer;
  const now = Date.now();

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    await registerApiKey(db, API_KEY, 'test');
    await registerApiKey(db, INGEST_ONLY, 'ingest', { scopes: ['ingest'] });
    app = await buildApiServer({ db, route: null, logger: pino({ level: 'silent' }), publicUrl: 'http://localhost', temporal: null });
    // Ten customers with consent, each with one order ten days ago; the first three got another
    // journey's marketing email an hour before their offer would go out; one ordered 40 days ago only.
    for (let i = 0; i < 10; i++) {
      const customer = await db.customer.create({
        data: { externalId: `bt-${i}`, email: `bt-${i}@example.com`, timezone: 'UTC', consent: { marketing: true } },
      });
      const placed = Date.parse(new Date(now - 10 * DAY).toISOString().slice(0, 10)) + 8 * HOUR;
      await db.event.create({
        data: {
          id: `bt-order-${i}`,
          type: 'order.placed',
          customerId: customer.id,
          occurredAt: new Date(placed),
          properties: { orderId: `o${i}` },
        },
      });
      if (i < 3) {
        await db.message.create({
          data: {
            customerId: customer.id,
            template: 'winback',
            locale: 'en',
            category: 'marketing',
            status: 'sent',
            createdAt: new Date(placed + DAY + HOUR),
            sentAt: new Date(placed + DAY + HOUR),
          },
        });
      }
    }
    const old = await db.customer.create({ data: { externalId: 'bt-old', timezone: 'UTC', consent: { marketing: true } } });
    await db.event.create({
      data: {
        id: 'bt-old-order',
        type: 'order.placed',
        customerId: old.id,
        occurredAt: new Date(now - 40 * DAY),
        properties: { orderId: 'old' },
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const post = (url: string, payload: unknown, key = API_KEY) =>
    app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  it("replays a new journey's draft over the last 30 days: the offers, and those another journey's email held back", async () => {
    const response = await post('/v1/journeys/order-offer/backtest', { definition: draft('order-offer') });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      key: 'order-offer',
      version: null,
      days: 30,
      zone: 'UTC',
      enrollments: 10,
      messages: 7,
      goals: 0,
      published: null,
    });
    // Held back at 10:00 by the email of 09:00 (one per 48 h), past the offer's six hours.
    expect(body.skipped).toEqual({ frequency_cap: 3 });
    // Thirty days back from now, on 31 calendar days (the first and the last in part).
    expect(body.perDay).toHaveLength(31);
    expect(body.perDay.reduce((sum: number, day: { messages: number }) => sum + day.messages, 0)).toBe(7);
    expect(body.funnel.map((step: { stepId: string; sent: number }) => [step.stepId, step.sent])).toEqual([
      ['next-day', 0],
      ['morning', 0],
      ['offer', 7],
    ]);
  });

  it('reaches further back when asked to, and counts the customers it read', async () => {
    const body = (await post('/v1/journeys/order-offer/backtest', { days: 90, definition: draft('order-offer') })).json();
    expect(body.enrollments).toBe(11);
    expect(body.customers).toBe(11);
  });

  it("replays the published version when no draft is given, beside that version's real figures", async () => {
    await publishJourney(database.db, definition(draft('published-offer')));
    const response = await post('/v1/journeys/published-offer/backtest', { days: 7 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ version: 1, days: 7, enrollments: 0 });
    expect(body.published).toMatchObject({ version: 1, enrollments: 0, messages: 0, goals: 0, skipped: {} });
    expect(body.published.perDay).toHaveLength(body.perDay.length);
  });

  it('writes nothing and sends nothing', async () => {
    const before = await tableCounts(database);
    expect((await post('/v1/journeys/order-offer/backtest', { definition: draft('order-offer') })).statusCode).toBe(200);
    expect(await tableCounts(database)).toEqual(before);
    expect(before.OutboxEmail ?? 0).toBe(0);
  });

  it('refuses days outside 1-365, naming the field', async () => {
    for (const days of [0, 366, 2.5]) {
      const response = await post('/v1/journeys/order-offer/backtest', { days, definition: draft('order-offer') });
      expect(response.statusCode).toBe(422);
      expect(response.json().error.field).toBe('body.days');
    }
  });

  it('refuses an invalid draft with the path of every problem', async () => {
    const response = await post('/v1/journeys/order-offer/backtest', {
      definition: draft('order-offer', { steps: [{ id: 'offer', send: { template: 'winback-offer', maxDelay: 'soon' } }] }),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.field).toBe('definition.steps[0].send.maxDelay');
    const renamed = await post('/v1/journeys/order-offer/backtest', { definition: draft('other-key') });
    expect(renamed.statusCode).toBe(422);
    expect(renamed.json().error.field).toBe('definition.key');
  });

  it('answers 404 for a journey that does not exist when no draft is given', async () => {
    const response = await post('/v1/journeys/no-such-journey/backtest', { days: 30 });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.field).toBe('key');
  });

  it('is described in the OpenAPI document', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.paths['/v1/journeys/{key}/backtest'] ?? {})).toEqual(['post']);
  });

  it('refuses a key that may only send events', async () => {
    const response = await post('/v1/journeys/order-offer/backtest', { definition: draft('order-offer') }, INGEST_ONLY);
    expect(response.statusCode).toBe(403);
  });
});
