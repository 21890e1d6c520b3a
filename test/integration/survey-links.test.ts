// One-click survey answers: GET /s/:token records the answer (the first one counts) and thanks the
// customer; POST adds an optional comment; forged tokens are refused and change nothing.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyActivities } from '../../activities/journey-activities.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { signToken } from '../../core/messaging/tokens.ts';
import { unsubscribeToken } from '../../core/messaging/unsubscribe-links.ts';
import type { RoutableEvent, RouteEvents } from '../../core/routing/ports.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { TemplateStore } from '../../messaging/template-store.ts';
import type { Database } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testActivityConfig } from '../support/temporal.ts';

const SECRET = testActivityConfig.secret;
const DAY = 24 * 3600_000;
const AT = Date.UTC(2026, 0, 6, 11, 0);

let database: TestDatabase;
let db: Database;
let app: ApiServer;
const routed: RoutableEvent[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await publishShippedJourneys(db);
  const route: RouteEvents = async (events) => {
    routed.push(...events);
    await db.event.updateMany({ where: { id: { in: events.map((event) => event.id) } }, data: { routedAt: new Date() } });
  };
  app = await buildApiServer({
    db,
    temporal: null,
    route,
    logger: pino({ level: 'silent' }),
    publicUrl: 'https://aftercare.test',
    secret: SECRET,
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

let counter = 0;
/** A check-in email with a CSAT survey, sent by the real send activity. */
async function checkinEmail() {
  const name = `survey-${++counter}`;
  const customer = await db.customer.create({ data: { externalId: name, email: `${name}@example.com`, name: 'Grace Hopper' } });
  await db.order.create({
    data: {
      externalId: `${name}-o1`,
      customerId: customer.id,
      total: 42,
      currency: 'EUR',
      items: [{ name: 'Mug', quantity: 1, price: 42 }],
      placedAt: new Date(AT - 5 * DAY),
    },
  });
  const journey = await db.journey.findUniqueOrThrow({ where: { key: 'post-purchase-checkin' } });
  const enrollment = await db.enrollment.create({
    data: {
      workflowId: `test/checkin/${name}`,
      journeyKey: journey.key,
      version: journey.currentVersion!,
      customerId: customer.id,
      entityKey: `order:${name}-o1`,
    },
  });
  const activities = createJourneyActivities({
    db,
    transport: new OutboxTransport(db),
    templates: new TemplateStore(),
    config: testActivityConfig,
  });
  const result = await activities.sendJourneyMessage({
    enrollmentId: enrollment.id,
    stepId: 'checkin-email',
    template: 'checkin',
    survey: 'csat',
    category: 'transactional',
    priority: 50,
    notAfter: AT + 2 * DAY,
    at: AT,
  });
  expect(result.outcome).toBe('sent');
  const message = await db.message.findUniqueOrThrow({ where: { id: result.messageId! } });
  /** The path of the link for a score, taken from the email itself. */
  const link = (score: number) => {
    const links = [...(message.html ?? '').matchAll(/href="https:\/\/aftercare\.test(\/s\/[^"]+)"[^>]*>(\d+)</g)];
    const found = links.find((match) => match[2] === String(score));
    if (!found) throw new Error(`no link for ${score}`);
    return found[1] as string;
  };
  return { customer, message, link, orderId: `${name}-o1` };
}

const form = (url: string, body: string) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });

describe('GET /s/:token', () => {
  it('records the answer with one click, emits survey.answered, and thanks the customer', async () => {
    const { message, link, orderId, customer } = await checkinEmail();
    const response = await app.inject({ method: 'GET', url: link(4) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('Thank you');
    expect(response.body).toContain('Your answer (4) is recorded');
    expect(response.body).toMatch(/<form method="post">.*name="comment"/s);
    expect(await db.surveyResponse.findUnique({ where: { messageId: message.id } })).toMatchObject({
      score: 4,
      kind: 'csat',
      comment: null,
    });
    const event = await db.event.findUniqueOrThrow({ where: { id: `survey.answered:${message.id}` } });
    expect(event.properties).toMatchObject({
      kind: 'csat',
      score: 4,
      stepId: 'checkin-email',
      orderId,
      journeyKey: 'post-purchase-checkin',
    });
    expect(routed.filter((e) => e.customerRowId === customer.id)).toMatchObject([
      { id: `survey.answered:${message.id}`, type: 'survey.answered' },
    ]);
  });

  it('keeps the first answer: a second click (or a link scanner) changes nothing', async () => {
    const { message, link } = await checkinEmail();
    expect((await app.inject({ method: 'GET', url: link(5) })).statusCode).toBe(200);
    const again = await app.inject({ method: 'GET', url: link(1) });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('You have already answered this survey (5)');
    expect((await db.surveyResponse.findUniqueOrThrow({ where: { messageId: message.id } })).score).toBe(5);
    expect(await db.event.count({ where: { id: `survey.answered:${message.id}` } })).toBe(1);
  });
});

describe('POST /s/:token', () => {
  it('adds a comment to the answer the click recorded; the first comment counts', async () => {
    const { message, link } = await checkinEmail();
    await app.inject({ method: 'GET', url: link(2) });
    const commented = await form(link(2), `comment=${encodeURIComponent('  The mug arrived <b>broken</b>.  ')}`);
    expect(commented.statusCode).toBe(200);
    expect(commented.body).toContain('Thank you for your comment');
    expect(commented.body).not.toContain('<b>broken</b>');
    const second = await form(link(2), 'comment=Second+thoughts');
    expect(second.statusCode).toBe(200);
    expect(await db.surveyResponse.findUniqueOrThrow({ where: { messageId: message.id } })).toMatchObject({
      score: 2,
      comment: 'The mug arrived <b>broken</b>.',
    });
  });

  it('records an answer and its comment together (multipart form)', async () => {
    const { message, link } = await checkinEmail();
    const boundary = 'xyz123';
    const response = await app.inject({
      method: 'POST',
      url: link(3),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nFine, but slow.\r\n--${boundary}--\r\n`,
    });
    expect(response.statusCode).toBe(200);
    expect(await db.surveyResponse.findUniqueOrThrow({ where: { messageId: message.id } })).toMatchObject({
      score: 3,
      comment: 'Fine, but slow.',
    });
  });

  it('records the answer with no comment at all', async () => {
    const { message, link } = await checkinEmail();
    expect((await app.inject({ method: 'POST', url: link(5) })).statusCode).toBe(200);
    expect((await db.surveyResponse.findUniqueOrThrow({ where: { messageId: message.id } })).score).toBe(5);
  });
});

describe('refused links', () => {
  it('refuses forged, altered and misused tokens, and changes nothing', async () => {
    const { message, link, customer } = await checkinEmail();
    const genuine = link(5).slice('/s/'.length);
    const [, signature] = genuine.split('.') as [string, string];
    const forged = [
      `${Buffer.from(JSON.stringify({ m: message.id, s: 1 })).toString('base64url')}.${signature}`, // another score, same signature
      signToken('another-secret-0123456789abcdefghijklmnop', 'survey', { m: message.id, s: 1 }),
      unsubscribeToken(SECRET, customer.id), // an unsubscribe token is not a survey answer
      signToken(SECRET, 'survey', { m: message.id, s: '1' }), // a score that is not a number
      signToken(SECRET, 'survey', { m: message.id, s: 9 }), // out of the CSAT scale
      'garbage',
    ];
    for (const token of forged) {
      for (const method of ['GET', 'POST'] as const) {
        const response = await app.inject({ method, url: `/s/${encodeURIComponent(token)}` });
        expect([token, method, response.statusCode]).toEqual([token, method, 400]);
      }
    }
    expect(await db.surveyResponse.count({ where: { messageId: message.id } })).toBe(0);
    expect(await db.event.count({ where: { id: `survey.answered:${message.id}` } })).toBe(0);
  });

  it('answers 404 for a genuine token of a message that does not exist', async () => {
    const token = signToken(SECRET, 'survey', { m: '00000000-0000-0000-0000-000000000000', s: 5 });
    expect((await app.inject({ method: 'GET', url: `/s/${token}` })).statusCode).toBe(404);
  });
});
