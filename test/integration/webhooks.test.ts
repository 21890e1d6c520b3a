// Resend webhooks at POST /webhooks/resend: the Svix signature is checked on the raw body (bad or
// stale: 401 and nothing stored), deliveries are deduplicated by svix-id, delivery events move the
// message forward, a hard bounce or a complaint suppresses the address, and opens and clicks are
// recorded without triggering anything. A bounce makes the next send skip with that reason.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyActivities, type JourneyActivities } from '../../activities/journey-activities.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { recordProviderAcceptance, signResendWebhook } from '../../messaging/resend-webhooks.ts';
import { TemplateStore } from '../../messaging/template-store.ts';
import { type Database, Prisma } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testActivityConfig } from '../support/temporal.ts';

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const DAY = 24 * 3600_000;
/** A Tuesday, 10:00 UTC: outside quiet hours. */
const AT = Date.UTC(2026, 0, 6, 10, 0);

let database: TestDatabase;
let db: Database;
let app: ApiServer;
let activities: JourneyActivities;
let deliveries = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await publishShippedJourneys(db);
  app = await buildApiServer({
    db,
    temporal: null,
    route: null,
    logger: pino({ level: 'silent' }),
    publicUrl: 'https://aftercare.test',
    secret: testActivityConfig.secret,
    resendWebhookSecret: WEBHOOK_SECRET,
  });
  activities = createJourneyActivities({
    db,
    transport: new OutboxTransport(db),
    templates: new TemplateStore(),
    config: testActivityConfig,
  });
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** A customer enrolled in a shipped journey, and the activity's input for one of its send steps. */
async function enrolled(name: string, journeyKey = 'win-back') {
  const customer = await db.customer.create({
    data: { externalId: name, email: `${name}@example.com`, name: 'Ada Lovelace', consent: { marketing: true } },
  });
  const journey = await db.journey.findUniqueOrThrow({ where: { key: journeyKey } });
  const enrollment = await db.enrollment.create({
    data: {
      workflowId: `test/${journeyKey}/${name}`,
      journeyKey,
      version: journey.currentVersion!,
      customerId: customer.id,
      entityKey: 'customer',
      enteredAt: new Date(AT - DAY),
    },
  });
  const send = (stepId: string, template: string, category: 'marketing' | 'transactional' = 'marketing', at = AT) =>
    activities.sendJourneyMessage({
      enrollmentId: enrollment.id,
      stepId,
      template,
      survey: null,
      category,
      priority: 50,
      notAfter: at + 2 * DAY,
      at,
    });
  return { customer, enrollment, send };
}

/** A sent win-back email, as Resend knows it (the outbox's id stands in for Resend's email id). */
async function sentEmail(name: string) {
  const setup = await enrolled(name);
  const result = await setup.send('we-miss-you', 'winback');
  expect(result.outcome).toBe('sent');
  const message = await db.message.findUniqueOrThrow({ where: { id: result.messageId! } });
  expect(message.providerId).toBeTruthy();
  return { ...setup, message, emailId: message.providerId! };
}

/** A Resend webhook payload (shapes as in the `resend` SDK's webhook event types). */
function resendEvent(type: string, emailId: string, to: string, extra: Record<string, unknown> = {}) {
  return {
    type,
    created_at: new Date().toISOString(),
    data: {
      created_at: new Date().toISOString(),
      email_id: emailId,
      message_id: `<${emailId}@email.amazonses.com>`,
      from: testActivityConfig.emailFrom,
      to: [to],
      subject: 'Ada, it has been a while',
      tags: { message_id: 'x' },
      ...extra,
    },
  };
}

function deliver(
  payload: unknown,
  options: { id?: string; timestamp?: Date; secret?: string; body?: (raw: string) => string; headers?: Record<string, string> } = {},
) {
  const raw = JSON.stringify(payload);
  const id = options.id ?? `msg_${++deliveries}_${randomBytes(6).toString('hex')}`;
  const signed = signResendWebhook(options.secret ?? WEBHOOK_SECRET, id, options.timestamp ?? new Date(), raw);
  return app.inject({
    method: 'POST',
    url: '/webhooks/resend',
    headers: { 'content-type': 'application/json', ...signed, ...(options.headers ?? {}) },
    payload: options.body ? options.body(raw) : raw,
  });
}

const deliveryCount = () => db.webhookDelivery.count();

describe('signatures', () => {
  it('accepts a valid delivery and records it', async () => {
    const { message, emailId } = await sentEmail('valid');
    const response = await deliver(resendEvent('email.delivered', emailId, 'valid@example.com'), { id: 'msg_valid' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'processed', type: 'email.delivered' });
    expect(await db.webhookDelivery.findUnique({ where: { id: 'msg_valid' } })).toMatchObject({ type: 'email.delivered' });
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('delivered');
  });

  it('refuses a tampered body, a wrong secret, a stale or future timestamp and missing headers, storing nothing', async () => {
    const { message, emailId } = await sentEmail('tampered');
    const payload = resendEvent('email.bounced', emailId, 'tampered@example.com', {
      bounce: { type: 'Permanent', subType: 'General', message: 'no such user' },
    });
    const before = await deliveryCount();
    const refused = [
      await deliver(payload, { body: (raw) => raw.replace('tampered@example.com', 'someone@example.com') }),
      await deliver(payload, { body: (raw) => `${raw} ` }),
      await deliver(payload, { secret: `whsec_${randomBytes(24).toString('base64')}` }),
      await deliver(payload, { timestamp: new Date(Date.now() - 10 * 60_000) }),
      await deliver(payload, { timestamp: new Date(Date.now() + 10 * 60_000) }),
      await deliver(payload, { headers: { 'svix-signature': 'v1,AAAA' } }),
      await app.inject({
        method: 'POST',
        url: '/webhooks/resend',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      }),
    ];
    for (const response of refused) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('invalid_signature');
    }
    expect(await deliveryCount()).toBe(before);
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('sent');
    expect(await db.suppression.count({ where: { email: 'tampered@example.com' } })).toBe(0);
  });

  it('answers 503 when no webhook secret is configured', async () => {
    const other = await buildApiServer({ db, temporal: null, route: null, logger: pino({ level: 'silent' }), publicUrl: 'https://x' });
    try {
      const response = await other.inject({
        method: 'POST',
        url: '/webhooks/resend',
        payload: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(503);
    } finally {
      await other.close();
    }
  });
});

describe('deliveries', () => {
  it('processes a redelivery (same svix-id) once', async () => {
    const { message, emailId } = await sentEmail('duplicate');
    const payload = resendEvent('email.delivery_delayed', emailId, 'duplicate@example.com');
    const first = await deliver(payload, { id: 'msg_duplicate' });
    expect(first.json().status).toBe('processed');
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('delayed');
    // Delivered in between; the redelivered "delayed" must not undo it.
    await deliver(resendEvent('email.delivered', emailId, 'duplicate@example.com'));
    const again = await deliver(payload, { id: 'msg_duplicate' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate', type: 'email.delivery_delayed' });
    expect(await db.webhookDelivery.count({ where: { id: 'msg_duplicate' } })).toBe(1);
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('delivered');
  });

  it('a hard bounce suppresses the address, and the next send is skipped with that reason', async () => {
    const { message, emailId, send } = await sentEmail('bounced');
    const response = await deliver(
      resendEvent('email.bounced', emailId, 'Bounced@Example.com', {
        bounce: { type: 'Permanent', subType: 'General', message: "The recipient's mailbox does not exist." },
      }),
    );
    expect(response.json()).toEqual({ status: 'processed', type: 'email.bounced' });
    const bounced = await db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(bounced.status).toBe('bounced');
    expect(bounced.reason).toBe("bounced (Permanent/General): The recipient's mailbox does not exist.");
    expect(await db.suppression.findMany({ where: { email: 'bounced@example.com' }, select: { reason: true } })).toEqual([
      { reason: 'bounced' },
    ]);

    const outboxBefore = await db.outboxEmail.count();
    const next = await send('offer', 'winback-offer', 'marketing', AT + 15 * DAY);
    expect(next).toMatchObject({ outcome: 'skipped', reason: 'bounced' });
    expect(await db.message.findUniqueOrThrow({ where: { id: next.messageId! } })).toMatchObject({ status: 'skipped', reason: 'bounced' });
    expect(await db.outboxEmail.count()).toBe(outboxBefore);

    // A late "delivered" never undoes the bounce.
    await deliver(resendEvent('email.delivered', emailId, 'bounced@example.com'));
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('bounced');
  });

  it('a transient bounce is recorded but does not suppress', async () => {
    const { message, emailId } = await sentEmail('soft-bounce');
    await deliver(
      resendEvent('email.bounced', emailId, 'soft-bounce@example.com', {
        bounce: { type: 'Transient', subType: 'MailboxFull', message: 'full' },
      }),
    );
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('bounced');
    expect(await db.suppression.count({ where: { email: 'soft-bounce@example.com' } })).toBe(0);
  });

  it('a complaint suppresses the address, and the next send is skipped', async () => {
    const { message, emailId, send } = await sentEmail('complained');
    await deliver(resendEvent('email.delivered', emailId, 'complained@example.com'));
    await deliver(resendEvent('email.complained', emailId, 'complained@example.com'));
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('complained');
    expect(await db.suppression.findMany({ where: { email: 'complained@example.com' }, select: { reason: true } })).toEqual([
      { reason: 'complained' },
    ]);
    expect(await send('offer', 'winback-offer', 'marketing', AT + 15 * DAY)).toMatchObject({ outcome: 'skipped', reason: 'complained' });
  });

  it('records opens and clicks without changing or triggering anything', async () => {
    const { message, emailId } = await sentEmail('engaged');
    const events = await db.event.count();
    const opened = await deliver(resendEvent('email.opened', emailId, 'engaged@example.com'), { id: 'msg_opened' });
    const clicked = await deliver(
      resendEvent('email.clicked', emailId, 'engaged@example.com', {
        click: {
          ipAddress: '192.0.2.1',
          link: 'https://aftercare.test/u/x',
          timestamp: new Date().toISOString(),
          userAgent: 'Scanner/1.0',
        },
      }),
      { id: 'msg_clicked' },
    );
    expect(opened.json()).toEqual({ status: 'ignored', type: 'email.opened' });
    expect(clicked.json()).toEqual({ status: 'ignored', type: 'email.clicked' });
    expect(
      await db.webhookDelivery.findMany({ where: { id: { in: ['msg_opened', 'msg_clicked'] } }, orderBy: { id: 'asc' } }),
    ).toMatchObject([
      { id: 'msg_clicked', type: 'email.clicked' },
      { id: 'msg_opened', type: 'email.opened' },
    ]);
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('sent');
    expect(await db.suppression.count({ where: { email: 'engaged@example.com' } })).toBe(0);
    expect(await db.event.count()).toBe(events);
  });

  it('accepts events about emails it does not know, and payloads it does not handle', async () => {
    // An email no message knows may be one whose send has not recorded its id yet: it waits (a week at most).
    const unknown = await deliver(resendEvent('email.delivered', 'not-ours', 'stranger@example.com'));
    expect(unknown.json()).toEqual({ status: 'waiting', type: 'email.delivered' });
    const { pruneWaitingDeliveries } = await import('../../messaging/resend-webhooks.ts');
    expect(await pruneWaitingDeliveries(db, new Date(Date.now() + 8 * DAY))).toBeGreaterThanOrEqual(1);
    expect(await db.webhookDelivery.count({ where: { emailId: 'not-ours', payload: { not: Prisma.DbNull } } })).toBe(0);
    const contact = await deliver({
      type: 'contact.created',
      created_at: new Date().toISOString(),
      data: { id: 'c', email: 'x@example.com' },
    });
    expect(contact.json()).toEqual({ status: 'ignored', type: 'contact.created' });
    const notAnEvent = await deliver([1, 2, 3]);
    expect(notAnEvent.statusCode).toBe(400);
  });
});

describe('a delivery that arrives before its message knows the provider id', () => {
  it('is kept, then applied once the send records the id: nothing recorded and then forgotten', async () => {
    // The worker crashed after Resend accepted the email and before the row got its provider id.
    const { customer, enrollment } = await enrolled('crashed-send');
    const message = await db.message.create({
      data: {
        enrollmentId: enrollment.id,
        stepKey: 'we-miss-you',
        customerId: customer.id,
        template: 'winback',
        locale: 'en',
        category: 'marketing',
        toAddress: 'crashed-send@example.com',
        status: 'pending',
      },
    });
    const emailId = 're_waiting_0001';
    const early = await deliver(resendEvent('email.delivered', emailId, 'crashed-send@example.com'));
    expect(early.statusCode).toBe(200);
    expect(early.json().status).toBe('waiting');
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('pending');

    // The retried activity records what Resend answered (the same id, thanks to the idempotency key).
    await recordProviderAcceptance(db, { messageId: message.id, providerId: emailId, transport: 'resend', sentAt: new Date(AT) });
    const after = await db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(after).toMatchObject({ status: 'delivered', providerId: emailId });
    const kept = await db.webhookDelivery.findFirstOrThrow({ where: { emailId } });
    expect(kept.appliedAt).not.toBeNull();
    expect(kept.payload).toBeNull();

    // Recording again (another retry) changes nothing, and never moves the status back to sent.
    await recordProviderAcceptance(db, { messageId: message.id, providerId: emailId, transport: 'resend', sentAt: new Date(AT) });
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('delivered');
  });

  it('a bounce for such an email suppresses the address at once, and moves the message when the id arrives', async () => {
    const { customer, enrollment } = await enrolled('crashed-bounce');
    const message = await db.message.create({
      data: {
        enrollmentId: enrollment.id,
        stepKey: 'we-miss-you',
        customerId: customer.id,
        template: 'winback',
        locale: 'en',
        category: 'marketing',
        toAddress: 'crashed-bounce@example.com',
      },
    });
    const response = await deliver(
      resendEvent('email.bounced', 're_waiting_0002', 'crashed-bounce@example.com', {
        bounce: { type: 'Permanent', message: 'no such user' },
      }),
    );
    expect(response.json().status).toBe('waiting');
    expect(await db.suppression.count({ where: { email: 'crashed-bounce@example.com', reason: 'bounced' } })).toBe(1);
    await recordProviderAcceptance(db, { messageId: message.id, providerId: 're_waiting_0002', transport: 'resend', sentAt: new Date(AT) });
    expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('bounced');
  });
});

describe('List-Unsubscribe headers of sent emails', () => {
  it('are on marketing emails, derived from the message row', async () => {
    const { message } = await sentEmail('headers');
    const outbox = await db.outboxEmail.findUniqueOrThrow({ where: { idempotencyKey: message.id } });
    const token = /\/u\/([A-Za-z0-9_.-]+)"/.exec(message.html ?? '')?.[1];
    expect(token).toBeTruthy();
    expect(outbox.headers).toEqual({
      // No mailto target: no inbound address (UNSUBSCRIBE_MAILTO) is configured.
      'List-Unsubscribe': `<https://aftercare.test/u/${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('are absent from service messages (transactional, without a survey)', async () => {
    const { send } = await enrolled('transactional', 'at-risk-save');
    const result = await send('personal-checkin', 'at-risk-checkin', 'transactional');
    expect(result.outcome).toBe('sent');
    const outbox = await db.outboxEmail.findUniqueOrThrow({ where: { idempotencyKey: result.messageId! } });
    expect(outbox.headers).toEqual({});
  });
});
