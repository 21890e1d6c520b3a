// Survey links a mail scanner cannot answer: GET (and HEAD) shows the question in the customer's
// language with the clicked score chosen and records nothing; the POST (the page's own script once a
// person sees it, or the button) records; a later POST replaces the answer until the survey closes;
// forged, expired and other-purpose tokens change nothing. (The settle window: survey-settle.test.ts.)
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
/** 11:00 UTC today, or yesterday before that: outside quiet hours, and recent enough for the survey to be open. */
const AT = (() => {
  const today = new Date();
  today.setUTCHours(11, 0, 0, 0);
  return today.getTime() > Date.now() ? today.getTime() - DAY : today.getTime();
})();

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
async function checkinEmail(locale?: string) {
  const name = `survey-${++counter}`;
  const customer = await db.customer.create({
    data: { externalId: name, email: `${name}@example.com`, name: 'Grace Hopper', ...(locale ? { locale } : {}) },
  });
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

const answerOf = (messageId: string) => db.surveyResponse.findUnique({ where: { messageId } });
const eventsOf = (messageId: string) => db.event.count({ where: { id: `survey.answered:${messageId}` } });

describe('GET and HEAD on a survey link', () => {
  it('record nothing, for every score: they show the question with that score chosen', async () => {
    const { message, link } = await checkinEmail();
    for (const score of [1, 2, 3, 4, 5]) {
      const page = await app.inject({ method: 'GET', url: link(score) });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('How happy are you with your order?');
      expect(page.body).toMatch(new RegExp(`value="${score}" checked`));
      expect(page.body).toMatch(/<textarea id="comment" name="comment"/);
      const head = await app.inject({ method: 'HEAD', url: link(score) });
      expect(head.statusCode).toBe(200);
    }
    expect(await answerOf(message.id)).toBeNull();
    expect(await eventsOf(message.id)).toBe(0);
  });

  it("posts the answer from the page's own script only once the page is visible, under a nonce the policy allows", async () => {
    const { link } = await checkinEmail();
    const page = await app.inject({ method: 'GET', url: link(4) });
    const nonce = /<script nonce="([^"]+)">/.exec(page.body)?.[1];
    expect(nonce).toBeTruthy();
    expect(page.headers['content-security-policy']).toContain(`script-src 'nonce-${nonce}'`);
    expect(page.body).toContain("document.visibilityState!=='visible'");
    expect(page.body).toContain('data-auto="1"');
  });

  it("speaks the customer's language: a French customer's page is in French", async () => {
    const { link } = await checkinEmail('fr-CA');
    const page = await app.inject({ method: 'GET', url: link(5) });
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Êtes-vous satisfait de votre commande ?');
    expect(page.body).toContain('Envoyer ma réponse');
  });
});

describe('POST /s/:token', () => {
  it('records the answer, tells journeys once, and thanks the customer', async () => {
    const { message, link, orderId, customer } = await checkinEmail();
    const response = await form(link(4), 'score=4');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Thank you');
    expect(await answerOf(message.id)).toMatchObject({ score: 4, kind: 'csat', comment: null });
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

  it('a second POST with another score replaces the first, and adds the comment', async () => {
    const { message, link } = await checkinEmail();
    await form(link(2), 'score=2');
    const second = await form(link(2), `score=5&comment=${encodeURIComponent('  Actually <b>great</b>.  ')}`);
    expect(second.statusCode).toBe(200);
    expect(second.body).not.toContain('<b>great</b>');
    expect(await answerOf(message.id)).toMatchObject({ score: 5, comment: 'Actually <b>great</b>.' });
  });

  it("takes the link's score when the form sends none (no script, one click on the button), also as multipart", async () => {
    const { message, link } = await checkinEmail();
    const boundary = 'xyz123';
    const response = await app.inject({
      method: 'POST',
      url: link(3),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nFine, but slow.\r\n--${boundary}--\r\n`,
    });
    expect(response.statusCode).toBe(200);
    expect(await answerOf(message.id)).toMatchObject({ score: 3, comment: 'Fine, but slow.' });
  });

  it('refuses a score outside the scale and records nothing', async () => {
    const { message, link } = await checkinEmail();
    expect((await form(link(3), 'score=9')).statusCode).toBe(400);
    expect(await answerOf(message.id)).toBeNull();
  });

  it('an expired survey (two weeks after its email) shows a friendly page and changes nothing', async () => {
    const { message, link } = await checkinEmail();
    await form(link(4), 'score=4');
    await db.message.update({ where: { id: message.id }, data: { sentAt: new Date(Date.now() - 15 * DAY) } });
    const late = await form(link(1), 'score=1');
    expect(late.statusCode).toBe(200);
    expect(late.body).toContain('This survey has closed');
    expect((await answerOf(message.id))?.score).toBe(4);
    expect((await app.inject({ method: 'GET', url: link(1) })).body).toContain('This survey has closed');
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
        expect(response.body).toContain('This link does not work');
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
