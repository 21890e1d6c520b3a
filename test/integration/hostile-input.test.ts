// Input that once passed validation and then broke the engine with a 500: each case is refused with
// its field named (or stored safely), and nothing beside it is lost.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';

const API_KEY = 'ak_test_hostile_0123456789abcdefghij';

let database: TestDatabase;
let app: ApiServer;
beforeAll(async () => {
  database = await createTestDatabase();
  await registerApiKey(database.db, API_KEY, 'test');
  await publishShippedJourneys(database.db);
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

const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${API_KEY}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });

const notNested = (depth: number) => {
  let condition: unknown = { churnBand: { in: ['high'] } };
  for (let i = 0; i < depth; i++) condition = { not: condition };
  return condition;
};
const journeyWith = (overrides: Record<string, unknown>) => ({
  key: 'hostile',
  name: 'Hostile',
  trigger: { event: 'order.placed' },
  entity: 'order',
  steps: [{ id: 'wait', wait: { duration: 'P1D' } }],
  ...overrides,
});

describe('strings PostgreSQL cannot store', () => {
  it('a NUL character in a property refuses that event, names the field, and keeps its valid neighbours', async () => {
    const bad = { ...orderPlaced('nul-customer', 'nul-order'), properties: { ...orderPlaced('x', 'y').properties, channel: 'web\u0000' } };
    const good = orderPlaced('nul-neighbour', 'nul-neighbour-order');
    const response = await call('POST', '/v1/events', { events: [customerUpserted('nul-neighbour'), bad, good] });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body.results[1]).toMatchObject({
      status: 'rejected',
      error: { field: 'properties.channel', message: 'must not contain a NUL character (\\u0000)' },
    });
    expect(body.accepted).toBe(2);
    expect(await database.db.order.count({ where: { externalId: 'nul-neighbour-order' } })).toBe(1);
    expect(await database.db.order.count({ where: { externalId: 'nul-order' } })).toBe(0);
  });

  it('a lone surrogate in a customer name refuses that event with the field named', async () => {
    const response = await call('POST', '/v1/events', {
      events: [customerUpserted('surrogate', { name: 'Ada \ud800' }), orderPlaced('surrogate-ok', 'surrogate-ok-1')],
    });
    expect(response.statusCode).toBe(202);
    expect(response.json().results[0]).toMatchObject({ status: 'rejected', error: { field: 'properties.name' } });
    expect(response.json().results[1].status).toBe('accepted');
  });

  it('a NUL in a path or lookup answers 422 naming it, never 500', async () => {
    for (const url of ['/v1/journeys/a%00b', '/v1/journeys/a%00b/stats']) {
      const response = await call('GET', url);
      expect(response.statusCode, url).toBe(422);
      expect(response.json().error.field).toBe('params.key');
    }
    const simulate = await call('POST', '/v1/journeys/a%00b/simulate', { customer: { timezone: 'UTC' }, days: 3 });
    expect(simulate.statusCode).toBe(422);
    const simulateCustomer = await call('POST', '/v1/journeys/post-purchase-checkin/simulate', {
      customer: { customerId: 'a\u0000b' },
      days: 3,
    });
    expect(simulateCustomer.statusCode).toBe(422);
    expect(simulateCustomer.json().error.field).toBe('customer.customerId');
    const preview = await call('POST', '/v1/templates/checkin/preview', { customerId: 'a\u0000b' });
    expect(preview.statusCode).toBe(422);
    expect(preview.json().error.field).toBe('customerId');
  });
});

describe('numbers the columns cannot hold', () => {
  it('an order total of 1e12 is refused with the field named', async () => {
    const response = await call('POST', '/v1/events', orderPlaced('big', 'big-1', { total: 1e12 }));
    expect(response.statusCode).toBe(422);
    expect(response.json().results[0].error).toEqual({ field: 'properties.total', message: 'must be at most 1000000000' });
  });

  it("a customer's lifetime total stops at what its column holds instead of failing their later orders", async () => {
    await call('POST', '/v1/events', { events: [customerUpserted('whale'), orderPlaced('whale', 'whale-1', { total: 1e9 })] });
    await database.db.customer.update({ where: { externalId: 'whale' }, data: { totalSpent: '999999999000.00' } });
    const response = await call('POST', '/v1/events', orderPlaced('whale', 'whale-2', { total: 1e9 }));
    expect(response.statusCode).toBe(202);
    expect(response.json().accepted).toBe(1);
    const whale = await database.db.customer.findUniqueOrThrow({ where: { externalId: 'whale' } });
    expect(whale.totalSpent.toString()).toBe('999999999999.99');
    expect(whale.orderCount).toBe(2);
  });
});

describe('definitions the engine could not run', () => {
  it('a branch condition nested 3,000 `not`s deep is refused at publish and in simulate, with the limit stated', async () => {
    const deep = journeyWith({ steps: [{ id: 'b', branch: { cases: [{ when: notNested(3000), goto: 'exit' }], otherwise: 'next' } }] });
    const published = await call('POST', '/v1/journeys', deep);
    expect(published.statusCode).toBe(422);
    expect(published.json().error.message).toMatch(/nests deeper than 32 levels/);
    const simulated = await call('POST', '/v1/journeys/post-purchase-checkin/simulate', {
      definition: deep,
      customer: { timezone: 'UTC' },
      days: 3,
    });
    expect(simulated.statusCode).toBe(422);
  });

  it('a wait of P999999999Y is refused at publish with the bound named', async () => {
    const response = await call('POST', '/v1/journeys', journeyWith({ steps: [{ id: 'forever', wait: { duration: 'P999999999Y' } }] }));
    expect(response.statusCode).toBe(422);
    expect(response.json().errors[0]).toEqual({ path: 'steps[0].wait.duration', message: 'must be at most 5 years (P5Y)' });
    expect(await database.db.journey.count({ where: { key: 'hostile' } })).toBe(0);
  });
});

describe('abuse limits', () => {
  it('past the per-key limit, /v1 answers 429 with retry-after, and a guessed key is limited alike', async () => {
    const limited = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      secret: 'hostile-secret-0123456789abcdefghijklmnop',
      rateLimits: { perKeyPerMinute: 3, perAddressPerMinute: 2 },
    });
    try {
      const get = (key: string) => limited.inject({ method: 'GET', url: '/v1/journeys', headers: { authorization: `Bearer ${key}` } });
      for (let i = 0; i < 3; i++) expect((await get(API_KEY)).statusCode).toBe(200);
      const refused = await get(API_KEY);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json().error.code).toBe('rate_limited');
      for (let i = 0; i < 3; i++) expect((await get('ak_guess_0123456789abcdefghijklmn')).statusCode).toBe(401);
      expect((await get('ak_guess_0123456789abcdefghijklmn')).statusCode).toBe(429);

      const link = () => limited.inject({ method: 'GET', url: '/s/forged-token' });
      for (let i = 0; i < 2; i++) expect((await link()).statusCode).toBeLessThan(500);
      const tooMany = await link();
      expect(tooMany.statusCode).toBe(429);
      expect(tooMany.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it('made-up keys do not grow the key cache past its bound', async () => {
    const { API_KEY_CACHE_SIZE, createApiKeyCheck } = await import('../../api/auth.ts');
    const check = createApiKeyCheck(database.db);
    const attempts = API_KEY_CACHE_SIZE + 50;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < attempts; i++) {
      calls.push(check({ headers: { authorization: `Bearer ak_made_up_${i}_0123456789abcdef` } } as never).catch(() => undefined));
      if (calls.length >= 200) await Promise.all(calls.splice(0));
    }
    await Promise.all(calls);
    expect(check.cacheSize()).toBe(API_KEY_CACHE_SIZE);
  }, 120_000);
});

describe('the pages a customer opens', () => {
  it('every HTML page carries a content security policy that forbids framing, no referrer, and no sniffing', async () => {
    const pages = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      secret: 'pages-secret-0123456789abcdefghijklmnopq',
    });
    try {
      for (const url of ['/u/forged.token', '/s/forged.token', '/u/x', '/s/x']) {
        for (const method of ['GET', 'POST'] as const) {
          const response = await pages.inject({ method, url });
          expect(response.headers['content-type'], url).toMatch(/^text\/html/);
          expect(response.headers['content-security-policy'], url).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
          expect(response.headers['referrer-policy']).toBe('no-referrer');
          expect(response.headers['x-content-type-options']).toBe('nosniff');
        }
      }
    } finally {
      await pages.close();
    }
  });
});
