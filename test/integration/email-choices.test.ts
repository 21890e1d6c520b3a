// The choices a customer controls. Marketing emails and check-ins with a survey carry an unsubscribe
// link and the RFC 8058 headers; the one-click POST unsubscribes from the kind of email it came from;
// the page at /u/:token offers marketing, check-ins and surveys, and everything; a check-in to a
// customer who opted out of check-ins is skipped with the reason; and service messages (the apology of
// a service recovery) carry no unsubscribe link and still reach the customer, whatever they chose.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyActivities } from '../../activities/journey-activities.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { defaultPolicies } from '../../core/policy/send-policy.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { publishPolicies } from '../../messaging/send-policies.ts';
import { TemplateStore } from '../../messaging/template-store.ts';
import type { Database } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testActivityConfig } from '../support/temporal.ts';

const DAY = 24 * 3600_000;
/** 11:00 UTC today, or yesterday before that: outside quiet hours. */
const AT = (() => {
  const today = new Date();
  today.setUTCHours(11, 0, 0, 0);
  return today.getTime() > Date.now() ? today.getTime() - DAY : today.getTime();
})();

let database: TestDatabase;
let db: Database;
let app: ApiServer;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await publishShippedJourneys(db);
  // One customer here is in several journeys at once: first come, first served, so that each email
  // goes out when asked (these tests are about headers and choices; priority has its own).
  await publishPolicies(db, null, { ...defaultPolicies, decisionWindow: 'PT0S' });
  app = await buildApiServer({
    db,
    temporal: null,
    route: null,
    logger: pino({ level: 'silent' }),
    publicUrl: testActivityConfig.publicUrl,
    secret: testActivityConfig.secret,
    rateLimits: false,
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const kinds = {
  checkin: { journeyKey: 'post-purchase-checkin', stepId: 'checkin-email', survey: 'csat', category: 'transactional' },
  'service-recovery': { journeyKey: 'service-recovery', stepId: 'apology', survey: null, category: 'transactional' },
  winback: { journeyKey: 'win-back', stepId: 'we-miss-you', survey: null, category: 'marketing' },
} as const;

let counter = 0;
async function customer(options: { locale?: string } = {}) {
  const name = `chooser-${++counter}`;
  return db.customer.create({
    data: {
      externalId: name,
      email: `${name}@example.com`,
      name: 'Ada Lovelace',
      consent: { marketing: true },
      ...(options.locale ? { locale: options.locale } : {}),
    },
  });
}

/** Sends `template` to the customer through the real send activity, as its journey's step would. */
async function send(c: { id: string; externalId: string }, template: keyof typeof kinds) {
  const kind = kinds[template];
  const entity = `${c.externalId}-${++counter}`;
  await db.order.create({
    data: {
      externalId: entity,
      customerId: c.id,
      total: 20,
      currency: 'EUR',
      items: [{ name: 'Mug', quantity: 1 }],
      placedAt: new Date(AT - 5 * DAY),
    },
  });
  const journey = await db.journey.findUniqueOrThrow({ where: { key: kind.journeyKey } });
  const enrollment = await db.enrollment.create({
    data: {
      workflowId: `test/${template}/${entity}`,
      journeyKey: journey.key,
      version: journey.currentVersion!,
      customerId: c.id,
      entityKey: `order:${entity}`,
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
    stepId: kind.stepId,
    template,
    survey: kind.survey,
    category: kind.category,
    priority: 50,
    notAfter: AT + 2 * DAY,
    at: AT,
  });
  const message = await db.message.findUniqueOrThrow({ where: { id: result.messageId! } });
  const outbox = await db.outboxEmail.findUnique({ where: { idempotencyKey: message.id } });
  return { result, message, headers: (outbox?.headers ?? {}) as Record<string, string> };
}

/** The https target of List-Unsubscribe, as a path on the API. */
const oneClickPath = (headers: Record<string, string>) => {
  const target = /<https:\/\/aftercare\.test(\/u\/[^>]+)>/.exec(headers['List-Unsubscribe'] ?? '')?.[1];
  if (!target) throw new Error(`no https target in ${JSON.stringify(headers)}`);
  return target;
};
const post = (url: string, body: string) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
const choicesOf = async (customerId: string) => {
  const row = await db.customer.findUniqueOrThrow({ where: { id: customerId } });
  return {
    consent: row.consent,
    suppressions: (await db.suppression.findMany({ where: { email: row.email ?? '' }, select: { reason: true } })).map((s) => s.reason),
    unsubscribedEvents: await db.event.count({ where: { customerId, type: 'customer.unsubscribed' } }),
  };
};

describe('RFC 8058 headers and the unsubscribe link', () => {
  it('are on check-ins with a survey and on marketing emails, and absent from service messages', async () => {
    const c = await customer();
    const checkin = await send(c, 'checkin');
    expect(checkin.result.outcome).toBe('sent');
    expect(checkin.headers).toEqual({
      'List-Unsubscribe': expect.stringMatching(/^<https:\/\/aftercare\.test\/u\/[\w.-]+>$/),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(checkin.message.html).toContain(`href="https://aftercare.test${oneClickPath(checkin.headers)}"`);
    expect(checkin.message.text).toContain(`Unsubscribe: https://aftercare.test${oneClickPath(checkin.headers)}`);

    const marketing = await send(c, 'winback');
    expect(marketing.result.outcome).toBe('sent');
    expect(marketing.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(marketing.headers['List-Unsubscribe']).not.toContain('mailto:'); // no inbound address configured

    const apology = await send(c, 'service-recovery');
    expect(apology.result.outcome).toBe('sent');
    expect(apology.headers).toEqual({});
    expect(apology.message.html).not.toContain('/u/');
    expect(apology.message.text).not.toContain('Unsubscribe');
  });
});

describe('choices per category', () => {
  it("a check-in's one-click unsubscribes from check-ins only: the next check-in is skipped with the reason, the rest still go", async () => {
    const c = await customer();
    const first = await send(c, 'checkin');
    const response = await post(oneClickPath(first.headers), 'List-Unsubscribe=One-Click');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You will not receive check-ins and surveys any more.');
    expect(await choicesOf(c.id)).toEqual({ consent: { marketing: true, checkins: false }, suppressions: [], unsubscribedEvents: 0 });

    const next = await send(c, 'checkin');
    expect(next.result).toMatchObject({ outcome: 'skipped', reason: 'unsubscribed_from_checkins' });
    expect(next.message).toMatchObject({ status: 'skipped', reason: 'unsubscribed_from_checkins', html: null });
    expect((await send(c, 'winback')).result.outcome).toBe('sent');
    expect((await send(c, 'service-recovery')).result.outcome).toBe('sent');
  });

  it("a marketing email's one-click unsubscribes from marketing only: check-ins keep coming", async () => {
    const c = await customer();
    const offer = await send(c, 'winback');
    expect((await post(oneClickPath(offer.headers), 'List-Unsubscribe=One-Click')).statusCode).toBe(200);
    expect(await choicesOf(c.id)).toEqual({ consent: { marketing: false }, suppressions: [], unsubscribedEvents: 1 });
    expect((await send(c, 'checkin')).result.outcome).toBe('sent');
    expect((await send(c, 'winback')).result).toMatchObject({ outcome: 'skipped', reason: 'no_marketing_consent' });
  });

  it('"everything" stops marketing and check-ins; the apology of a service recovery still reaches the customer', async () => {
    const c = await customer();
    const checkin = await send(c, 'checkin');
    const response = await post(oneClickPath(checkin.headers), 'choice=everything');
    expect(response.statusCode).toBe(200);
    expect(await choicesOf(c.id)).toEqual({
      consent: { marketing: false, checkins: false },
      suppressions: ['unsubscribed'],
      unsubscribedEvents: 1,
    });
    const page = await app.inject({ method: 'GET', url: oneClickPath(checkin.headers) });
    expect(page.body).toContain('You are unsubscribed from everything.');
    expect((await send(c, 'checkin')).result).toMatchObject({ outcome: 'skipped', reason: 'unsubscribed' });
    expect((await send(c, 'winback')).result).toMatchObject({ outcome: 'skipped', reason: 'unsubscribed' });
    expect((await send(c, 'service-recovery')).result.outcome).toBe('sent');
  });

  it('saving the choices applies each box, and turning one back on lifts "everything"', async () => {
    const c = await customer();
    const path = oneClickPath((await send(c, 'checkin')).headers);
    await post(path, 'choice=everything');
    const saved = await post(path, 'choice=save&checkins=yes');
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain('Your choices are saved');
    expect(saved.body).toContain('<input type="checkbox" name="checkins" value="yes" checked>');
    expect(saved.body).toContain('<input type="checkbox" name="marketing" value="yes">');
    expect(await choicesOf(c.id)).toMatchObject({ consent: { marketing: false, checkins: true }, suppressions: [] });
    expect((await send(c, 'checkin')).result.outcome).toBe('sent');
    expect((await send(c, 'winback')).result).toMatchObject({ outcome: 'skipped', reason: 'no_marketing_consent' });

    // Marketing back on (the customer's own yes), then off again: announced again, so marketing journeys end.
    await post(path, 'choice=save&marketing=yes&checkins=yes');
    expect(await choicesOf(c.id)).toMatchObject({ consent: { marketing: true, checkins: true } });
    await post(path, 'choice=save&checkins=yes');
    expect((await choicesOf(c.id)).unsubscribedEvents).toBe(2);
  });

  it('a bounce still stops every email, service messages included', async () => {
    const c = await customer();
    await db.suppression.create({ data: { email: c.email!, reason: 'bounced', source: 'resend' } });
    expect((await send(c, 'service-recovery')).result).toMatchObject({ outcome: 'skipped', reason: 'bounced' });
  });

  it('GET shows the choices in the customer language and changes nothing', async () => {
    const c = await customer({ locale: 'fr-FR' });
    const path = oneClickPath((await send(c, 'checkin')).headers);
    const before = await choicesOf(c.id);
    const page = await app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Suivis et questionnaires sur vos commandes');
    expect(page.body).toContain('Me désabonner de tout');
    expect((await app.inject({ method: 'HEAD', url: path })).statusCode).toBe(200);
    expect(await choicesOf(c.id)).toEqual(before);
    const german = await customer({ locale: 'de-DE' });
    const seite = await app.inject({ method: 'GET', url: oneClickPath((await send(german, 'winback')).headers) });
    expect(seite.body).toContain('Angebote und Neuigkeiten');
  });
});
