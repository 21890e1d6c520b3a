// One-click unsubscribe (RFC 8058): GET shows the customer's choices and changes nothing; POST
// unsubscribes from the kind of email the link came from, without authentication, in either form
// encoding (or with no body), answers 200 and never redirects, and is idempotent; a forged token
// changes nothing; a customer who unsubscribes mid-journey receives nothing more. (Per-category
// choices, check-ins and service messages: email-choices.test.ts.)
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { signToken } from '../../core/messaging/tokens.ts';
import { listUnsubscribeHeaders, unsubscribeToken } from '../../core/messaging/unsubscribe-links.ts';
import { assignGroup } from '../../core/policy/holdout.ts';
import type { RoutableEvent, RouteEvents } from '../../core/routing/ports.ts';
import type { Database } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';
import { testActivityConfig } from '../support/temporal.ts';

const SECRET = testActivityConfig.secret;
const silent = pino({ level: 'silent' });

/** A route that records what it was asked to route and marks it routed, as the real one does (or fails, like Temporal being down). */
function recordingRouter(db: () => Database, fail = false) {
  const routed: RoutableEvent[] = [];
  const route: RouteEvents = async (events) => {
    if (fail) throw new Error('Temporal is unreachable');
    routed.push(...events);
    await db().event.updateMany({ where: { id: { in: events.map((event) => event.id) } }, data: { routedAt: new Date() } });
  };
  return { route, routed };
}

async function customer(db: Database, externalId: string, email = `${externalId}@example.com`) {
  return db.customer.create({ data: { externalId, email, consent: { marketing: true, sms: true } } });
}

describe('unsubscribe links', () => {
  let database: TestDatabase;
  let db: Database;
  let app: ApiServer;
  const { route, routed } = recordingRouter(() => db);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    app = await buildApiServer({ db, temporal: null, route, logger: silent, publicUrl: 'https://aftercare.test', secret: SECRET });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const state = async (customerId: string) => {
    const row = await db.customer.findUniqueOrThrow({ where: { id: customerId } });
    return {
      consent: row.consent,
      suppressions: await db.suppression.findMany({
        where: { email: row.email?.toLowerCase() ?? '' },
        select: { email: true, reason: true },
      }),
      events: await db.event.findMany({ where: { customerId, type: 'customer.unsubscribed' }, select: { id: true } }),
    };
  };

  const oneClick = (token: string) =>
    app.inject({
      method: 'POST',
      url: `/u/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });

  it('GET shows the one-click button and the choices, and changes nothing', async () => {
    const c = await customer(db, 'get-only');
    const before = await state(c.id);
    const response = await app.inject({ method: 'GET', url: `/u/${unsubscribeToken(SECRET, c.id)}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<form method="post">/);
    expect(response.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(response.body).toContain('<input type="checkbox" name="marketing" value="yes" checked> Offers and news');
    expect(response.body).toContain('<input type="checkbox" name="checkins" value="yes" checked> Check-ins and surveys about your orders');
    expect(response.body).toContain('Unsubscribe from everything');
    expect(await state(c.id)).toEqual(before);
    expect(before.suppressions).toEqual([]);
  });

  it('POST (form-encoded one-click) unsubscribes from marketing with no authentication, answers 200 and never redirects', async () => {
    const c = await customer(db, 'one-click', 'One.Click@Example.com');
    const response = await oneClick(unsubscribeToken(SECRET, c.id));
    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('You are unsubscribed');
    expect(response.body).toContain('You will not receive offers and news any more.');
    const after = await state(c.id);
    // Marketing only: check-ins and service messages still reach the customer, so no suppression.
    expect(after.suppressions).toEqual([]);
    expect(after.consent).toEqual({ marketing: false, sms: true });
    expect(after.events).toEqual([{ id: `customer.unsubscribed:${c.id}` }]);
    expect(routed.filter((event) => event.customerRowId === c.id)).toMatchObject([
      { id: `customer.unsubscribed:${c.id}`, type: 'customer.unsubscribed', customerId: 'one-click' },
    ]);
    // The page after the fact shows marketing off, still without changing anything.
    const page = await app.inject({ method: 'GET', url: `/u/${unsubscribeToken(SECRET, c.id)}` });
    expect(page.body).toContain('<input type="checkbox" name="marketing" value="yes"> Offers and news');
    expect(page.body).not.toContain('value="One-Click"');
    expect(await state(c.id)).toEqual(after);
  });

  it('is idempotent: a replay is one change and one event', async () => {
    const c = await customer(db, 'replayed');
    const token = unsubscribeToken(SECRET, c.id);
    for (let i = 0; i < 3; i++) expect((await oneClick(token)).statusCode).toBe(200);
    const after = await state(c.id);
    expect(after.consent).toEqual({ marketing: false, sms: true });
    expect(after.events).toHaveLength(1);
    expect(routed.filter((event) => event.customerRowId === c.id)).toHaveLength(1);
  });

  it('accepts multipart/form-data, as RFC 8058 allows', async () => {
    const c = await customer(db, 'multipart');
    const boundary = '----aftercare0123';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const response = await app.inject({
      method: 'POST',
      url: `/u/${unsubscribeToken(SECRET, c.id)}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(response.statusCode).toBe(200);
    expect((await state(c.id)).consent).toEqual({ marketing: false, sms: true });
    const event = await db.event.findUniqueOrThrow({ where: { id: `customer.unsubscribed:${c.id}` } });
    expect(event.properties).toEqual({ source: 'one-click' });
  });

  it('accepts an empty body, and a body of any other type', async () => {
    const empty = await customer(db, 'empty-body');
    expect((await app.inject({ method: 'POST', url: `/u/${unsubscribeToken(SECRET, empty.id)}` })).statusCode).toBe(200);
    expect((await state(empty.id)).events).toHaveLength(1);
    const json = await customer(db, 'json-body');
    const response = await app.inject({
      method: 'POST',
      url: `/u/${unsubscribeToken(SECRET, json.id)}`,
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(response.statusCode).toBe(200);
    expect((await state(json.id)).events).toHaveLength(1);
  });

  it('refuses a forged or altered token, and changes nothing', async () => {
    const c = await customer(db, 'target');
    const other = await customer(db, 'other');
    const genuine = unsubscribeToken(SECRET, c.id);
    const [body, signature] = genuine.split('.') as [string, string];
    const swapped = Buffer.from(JSON.stringify({ c: other.id })).toString('base64url');
    const forged = [
      `${swapped}.${signature}`, // another customer's id under this signature
      `${body}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`, // altered signature
      signToken('another-secret-0123456789abcdefghijklmnop', 'unsubscribe', { c: c.id }), // wrong key
      signToken(SECRET, 'survey', { c: c.id }), // another purpose
      body,
      `${genuine}.extra`,
      'not-a-token',
    ];
    const before = [await state(c.id), await state(other.id)];
    for (const token of forged) {
      const post = await oneClick(encodeURIComponent(token));
      expect([token, post.statusCode]).toEqual([token, 400]);
      expect((await app.inject({ method: 'GET', url: `/u/${encodeURIComponent(token)}` })).statusCode).toBe(400);
    }
    expect([await state(c.id), await state(other.id)]).toEqual(before);
    expect(await db.suppression.count({ where: { email: { in: ['target@example.com', 'other@example.com'] } } })).toBe(0);
  });

  it('takes tokens longer than the default limit of a route parameter', async () => {
    const c = await db.customer.create({ data: { id: `long-${'x'.repeat(120)}`, externalId: 'long-id', email: 'long-id@example.com' } });
    const token = unsubscribeToken(SECRET, c.id);
    expect(token.length).toBeGreaterThan(150);
    expect((await oneClick(token)).statusCode).toBe(200);
    expect((await state(c.id)).events).toHaveLength(1);
  });

  it('answers 404 for a genuine token of a customer that no longer exists', async () => {
    const token = unsubscribeToken(SECRET, '00000000-0000-0000-0000-000000000000');
    expect((await oneClick(token)).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/u/${token}` })).statusCode).toBe(404);
  });

  it('still unsubscribes when routing fails: the event waits for the sweeper', async () => {
    const failing = recordingRouter(() => db, true);
    const other = await buildApiServer({
      db,
      temporal: null,
      route: failing.route,
      logger: silent,
      publicUrl: 'https://x',
      secret: SECRET,
    });
    try {
      const c = await customer(db, 'router-down');
      const response = await other.inject({ method: 'POST', url: `/u/${unsubscribeToken(SECRET, c.id)}` });
      expect(response.statusCode).toBe(200);
      expect((await state(c.id)).consent).toMatchObject({ marketing: false });
      const event = await db.event.findUniqueOrThrow({ where: { id: `customer.unsubscribed:${c.id}` } });
      expect(event.routedAt).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('answers 503 when no secret is configured', async () => {
    const other = await buildApiServer({ db, temporal: null, route: null, logger: silent, publicUrl: 'https://x' });
    try {
      const c = await customer(db, 'no-secret');
      expect((await other.inject({ method: 'POST', url: `/u/${unsubscribeToken(SECRET, c.id)}` })).statusCode).toBe(503);
      expect((await state(c.id)).consent).toEqual({ marketing: true, sms: true });
    } finally {
      await other.close();
    }
  });
});

describe('List-Unsubscribe headers', () => {
  const config = { secret: SECRET, publicUrl: 'https://aftercare.test' };

  it('carry the https one-click target on marketing emails and check-ins with a survey, the same on every retry', () => {
    const headers = listUnsubscribeHeaders({ customerId: 'c-1', category: 'marketing' }, config);
    const token = unsubscribeToken(SECRET, 'c-1');
    expect(headers).toEqual({
      'List-Unsubscribe': `<https://aftercare.test/u/${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(listUnsubscribeHeaders({ customerId: 'c-1', category: 'marketing' }, config)).toEqual(headers);
    // A check-in's one-click target unsubscribes from check-ins.
    expect(listUnsubscribeHeaders({ customerId: 'c-1', category: 'transactional', surveyKind: 'csat' }, config)).toEqual({
      'List-Unsubscribe': `<https://aftercare.test/u/${unsubscribeToken(SECRET, 'c-1', 'checkins')}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    // A service message (an apology) carries none.
    expect(listUnsubscribeHeaders({ customerId: 'c-1', category: 'transactional', surveyKind: null }, config)).toEqual({});
    expect(headers['List-Unsubscribe']).not.toContain('@example.com'); // no address in the link
  });

  it('offer a mailto target only when an inbound address is configured', () => {
    const token = unsubscribeToken(SECRET, 'c-1');
    expect(
      listUnsubscribeHeaders(
        { customerId: 'c-1', category: 'marketing' },
        { ...config, unsubscribeMailto: 'unsubscribe@northwind.example' },
      ),
    ).toEqual({
      'List-Unsubscribe': `<https://aftercare.test/u/${token}>, <mailto:unsubscribe@northwind.example?subject=unsubscribe-${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});

describe('unsubscribing mid-journey', () => {
  let h: JourneyHarness;
  let app: ApiServer;

  beforeAll(async () => {
    h = await createJourneyHarness('unsubscribe');
    app = await buildApiServer({
      db: h.db,
      temporal: h.env.client,
      route: h.router.routeEvents,
      logger: silent,
      publicUrl: testActivityConfig.publicUrl,
      secret: SECRET,
    });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('ends the win-back at once, and nothing more reaches the customer', async () => {
    let customerId = '';
    for (let i = 0; !customerId; i++) if (assignGroup('win-back', `wb-unsub-${i}`, 10) === 'treatment') customerId = `wb-unsub-${i}`;
    await h.send(
      customerUpserted(customerId, { timezone: 'Europe/Paris', consent: { marketing: true } }),
      orderPlaced(customerId, `${customerId}-o1`, {}, new Date(Date.now() - 61 * DAY)),
    );
    await h.emit({
      id: `inactive-${customerId}`,
      type: 'customer.inactive',
      customer: customerId,
      properties: { journeyKey: 'win-back', daysSinceLastOrder: 61 },
    });
    const first = await h.until(async () =>
      (await h.messages('winback')).find((m) => m.toAddress === `${customerId}@example.com` && m.status === 'sent'),
    );

    // The email carries the link and the headers, both naming the same token.
    const link = /https:\/\/aftercare\.test\/u\/([A-Za-z0-9_.-]+)/.exec(first.html ?? '');
    expect(link).not.toBeNull();
    const token = link![1]!;
    const outbox = await h.db.outboxEmail.findUniqueOrThrow({ where: { idempotencyKey: first.id } });
    expect(outbox.headers).toEqual({
      'List-Unsubscribe': `<https://aftercare.test/u/${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });

    const handle = h.workflow('win-back', customerId, 'customer/1');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const response = await app.inject({
      method: 'POST',
      url: `/u/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(response.statusCode).toBe(200);

    // Within seconds of real time, without skipping any time on the workflow's clock.
    const deadline = Date.now() + 10_000;
    while ((await handle.describe()).status.name === 'RUNNING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await handle.result()).toBe('exited');
    const enrollment = await h.db.enrollment.findFirstOrThrow({ where: { journeyKey: 'win-back', customer: { externalId: customerId } } });
    expect(enrollment).toMatchObject({ status: 'exited', outcome: 'exit event customer.unsubscribed' });

    await h.env.sleep(30 * DAY);
    expect(
      (await h.messages()).filter((m) => m.toAddress === `${customerId}@example.com` && m.status !== 'skipped').map((m) => m.template),
    ).toEqual(['winback']);
  });
});
