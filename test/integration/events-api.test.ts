// POST /v1/events as PRODUCT.md specifies it: single and batch, idempotent by id, one result per
// event, errors that name the field, nothing half-written.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';

const API_KEY = 'ak_test_0123456789abcdefghijklmnop';

describe('POST /v1/events', () => {
  let database: TestDatabase;
  let app: ApiServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    await registerApiKey(database.db, API_KEY, 'test');
    app = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const valid = () => orderPlaced('cust-a', `ord-${Math.random().toString(36).slice(2)}`);
  const withProps = (properties: Record<string, unknown>) => ({ ...valid(), properties: { ...valid().properties, ...properties } });
  const tomorrowPlus = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();

  const malformed: [string, unknown, number, string][] = [
    ['bad JSON', '{"id": "e1", "type":', 400, '(body)'],
    ['an empty body', '', 400, '(body)'],
    ['an array instead of an object', [], 422, '(body)'],
    ['a bare string', '"order.placed"', 422, '(body)'],
    ['a missing id', { ...valid(), id: undefined }, 422, 'id'],
    ['an empty id', { ...valid(), id: '' }, 422, 'id'],
    ['a numeric id', { ...valid(), id: 42 }, 422, 'id'],
    ['a missing type', { ...valid(), type: undefined }, 422, 'type'],
    ['an unknown type', { ...valid(), type: 'order.exploded' }, 422, 'type'],
    ['a missing customerId', { ...valid(), customerId: undefined }, 422, 'customerId'],
    ['a date that is not a date', { ...valid(), occurredAt: 'yesterday' }, 422, 'occurredAt'],
    ['a date without an offset', { ...valid(), occurredAt: '2026-11-20T10:00:00' }, 422, 'occurredAt'],
    ['a day that does not exist', { ...valid(), occurredAt: '2026-02-30T10:00:00Z' }, 422, 'occurredAt'],
    ['a date days in the future', { ...valid(), occurredAt: tomorrowPlus }, 422, 'occurredAt'],
    ['properties that are a list', { ...valid(), properties: [1, 2] }, 422, 'properties'],
    ['a total given as text', withProps({ total: '12.50' }), 422, 'properties.total'],
    ['a negative total', withProps({ total: -1 }), 422, 'properties.total'],
    ['an unknown currency', withProps({ currency: 'EURO' }), 422, 'properties.currency'],
    ['a missing orderId', withProps({ orderId: undefined }), 422, 'properties.orderId'],
    ['a missing total', withProps({ total: undefined }), 422, 'properties.total'],
    ['items that are not a list', withProps({ items: 'shirt' }), 422, 'properties.items'],
    ['an item with quantity 0', withProps({ items: [{ name: 'Shirt', quantity: 0 }] }), 422, 'properties.items[0].quantity'],
    ['a malformed email', { ...customerUpserted('c'), properties: { email: 'not-an-email' } }, 422, 'properties.email'],
    [
      'an unknown time zone',
      { ...customerUpserted('c'), properties: { email: 'a@b.co', timezone: 'Mars/Olympus' } },
      422,
      'properties.timezone',
    ],
    [
      'a malformed locale',
      { ...customerUpserted('c'), properties: { email: 'a@b.co', locale: 'not a locale!' } },
      422,
      'properties.locale',
    ],
    ['a misspelt envelope field', { ...valid(), customer_id: 'x' }, 422, 'customer_id'],
    [
      'a churn score above 100',
      {
        id: 'cs1',
        type: 'churn_score.reported',
        customerId: 'c',
        occurredAt: new Date().toISOString(),
        properties: { score: 150, source: 'model' },
      },
      422,
      'properties.score',
    ],
    [
      'a review rating of 6',
      { id: 'rv1', type: 'review.submitted', customerId: 'c', occurredAt: new Date().toISOString(), properties: { rating: 6 } },
      422,
      'properties.rating',
    ],
    ['events that are not a list', { events: { id: 'x' } }, 422, 'events'],
    ['an empty batch', { events: [] }, 422, 'events'],
    ['a batch over the limit of 1000', { events: Array.from({ length: 1001 }, valid) }, 413, 'events'],
    ['a batch with an unknown field beside events', { events: [valid()], dryRun: true }, 422, 'dryRun'],
    ['a batch whose only event is invalid', { events: [withProps({ total: 'x' })] }, 422, 'events[0].properties.total'],
    [
      'a payload over the size limit',
      { events: [withProps({ items: [{ name: 'x'.repeat(6 * 1024 * 1024), quantity: 1 }] })] },
      413,
      '(body)',
    ],
  ];

  it.each(malformed)('refuses %s, naming the field', async (_name, payload, status, field) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(body.error.field).toBe(field);
    expect(body.error.message).toMatch(/\S/);
    if (status === 422 && field.startsWith('properties.') && payload && typeof payload === 'object' && !('events' in payload)) {
      expect(body.results[0].error.field).toBe(field);
    }
  });

  it('wrote nothing for any of the refused requests', async () => {
    expect(await database.db.event.count()).toBe(0);
    expect(await database.db.customer.count()).toBe(0);
    expect(await database.db.order.count()).toBe(0);
  });

  it('accepts the valid events of a mixed batch and names the field of each rejected one', async () => {
    const good1 = customerUpserted('cust-mixed', { name: 'Linus T', timezone: 'Europe/Helsinki', locale: 'fi-FI' });
    const good2 = orderPlaced('cust-mixed', 'ord-mixed-1');
    const bad = {
      ...orderPlaced('cust-mixed', 'ord-mixed-2'),
      properties: { orderId: 'ord-mixed-2', total: 10, currency: 'XXY', items: [] },
    };
    const response = await post({ events: [good1, bad, good2, { nonsense: true }] });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toMatchObject({ accepted: 2, duplicate: 0, rejected: 2 });
    expect(body.results).toEqual([
      { index: 0, id: good1.id, status: 'accepted' },
      { index: 1, id: bad.id, status: 'rejected', error: { field: 'properties.currency', message: expect.any(String) } },
      { index: 2, id: good2.id, status: 'accepted' },
      { index: 3, id: null, status: 'rejected', error: { field: 'id', message: 'is required' } },
    ]);
    const customer = await database.db.customer.findUniqueOrThrow({ where: { externalId: 'cust-mixed' }, include: { orders: true } });
    expect(customer).toMatchObject({ name: 'Linus T', timezone: 'Europe/Helsinki', locale: 'fi-FI', orderCount: 1 });
    expect(customer.orders.map((order) => order.externalId)).toEqual(['ord-mixed-1']);
    expect(await database.db.order.count({ where: { externalId: 'ord-mixed-2' } })).toBe(0);
  });

  it('answers duplicate for an id seen before, and changes nothing', async () => {
    const event = orderPlaced('cust-dup', 'ord-dup-1', { total: 10 });
    expect((await post(event)).json().results[0].status).toBe('accepted');
    const again = await post({ events: [event, { ...event, properties: { ...event.properties, total: 999 } }] });
    expect(again.statusCode).toBe(202);
    expect(again.json().results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    const customer = await database.db.customer.findUniqueOrThrow({ where: { externalId: 'cust-dup' } });
    expect(customer.orderCount).toBe(1);
    expect(Number(customer.totalSpent)).toBe(10);
  });

  it('takes a batch of 1000 in one request', async () => {
    const events = Array.from({ length: 1000 }, (_, i) => orderPlaced(`cust-bulk-${i % 50}`, `ord-bulk-${i}`));
    const response = await post({ events });
    expect(response.statusCode).toBe(202);
    expect(response.json().accepted).toBe(1000);
    expect(await database.db.order.count({ where: { externalId: { startsWith: 'ord-bulk-' } } })).toBe(1000);
  });

  it('refuses requests without a valid API key', async () => {
    const missing = await app.inject({ method: 'POST', url: '/v1/events', payload: valid() });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.field).toBe('authorization');
    const wrong = await post(valid(), { authorization: 'Bearer ak_wrong_key_000000000000000000' });
    expect(wrong.statusCode).toBe(401);
  });

  it('describes the endpoint in /openapi.json from the same schemas', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.paths['/v1/events'].post).toBeDefined();
    const text = JSON.stringify(document);
    for (const type of ['order.placed', 'customer.upserted', 'churn_score.reported']) expect(text).toContain(type);
    expect(text).toContain('"orderId"');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.database).toBe('ok');
  });
});
