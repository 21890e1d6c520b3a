// The local outbox over HTTP (GET /v1/outbox, /v1/outbox/:id) and in the CLI, on real PostgreSQL: emails
// written by the real outbox transport, newest first in keyset pages that neither repeat nor skip (ties
// on the send time included), one email whole with its headers, and what each was about.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const KEY = 'ak_test_outbox_api_0123456789abcdefgh';
const INGEST_ONLY = 'ak_test_outbox_ingest_0123456789abcd';

type Summary = {
  id: string;
  to: string;
  subject: string;
  template: string | null;
  customerId: string | null;
  journeyKey: string | null;
  sentAt: string;
};
type Page = { transport: string; emails: Summary[]; nextCursor: string | null };

describe('GET /v1/outbox and /v1/outbox/:id', () => {
  let database: TestDatabase;
  let app: ApiServer;
  let resendApp: ApiServer;
  let checkinEmailId: string;

  const get = async (url: string, key = KEY, server = () => app) => {
    const response = await server().inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    await registerApiKey(db, KEY, 'test');
    await registerApiKey(db, INGEST_ONLY, 'ingest', { scopes: ['ingest'] });
    const common = {
      db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      rateLimits: false,
    } as const;
    app = await buildApiServer(common);
    resendApp = await buildApiServer({ ...common, emailTransport: 'resend' });

    const transport = new OutboxTransport(db);
    const customer = await db.customer.create({ data: { externalId: 'amelie', email: 'amelie@example.com', locale: 'fr-FR' } });
    await db.journey.create({ data: { key: 'post-purchase-checkin', name: 'Post-purchase check-in' } });
    const enrollment = await db.enrollment.create({
      data: { workflowId: 'wf-1', journeyKey: 'post-purchase-checkin', version: 1, customerId: customer.id, entityKey: 'order:A-1' },
    });
    const message = await db.message.create({
      data: {
        enrollmentId: enrollment.id,
        stepKey: 'checkin-email',
        customerId: customer.id,
        template: 'checkin',
        locale: 'fr',
        surveyKind: 'csat',
      },
    });
    const sent = await transport.send({
      idempotencyKey: message.id,
      from: 'Northwind <hello@northwind.test>',
      to: 'amelie@example.com',
      subject: 'Amélie, votre commande vous plaît-elle ?',
      html: '<p>Bonjour Amélie</p>',
      text: 'Bonjour Amélie',
      headers: { 'List-Unsubscribe': '<http://localhost/u/token>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      tags: [{ name: 'message_id', value: message.id }],
    });
    checkinEmailId = sent.providerId;
    const staff = await db.staffUser.create({ data: { id: 'staff-1', email: 'sam@shop.test', name: 'Sam', role: 'success_manager' } });
    const digest = await db.staffNotification.create({
      data: {
        dedupeKey: 'digest:staff-1:2026-11-30',
        userId: staff.id,
        kind: 'digest',
        subject: '3 open alerts',
        html: '<p>3</p>',
        text: '3',
      },
    });
    await transport.send({
      idempotencyKey: digest.id,
      from: 'a@b.test',
      to: staff.email,
      subject: '3 open alerts',
      html: '<p>3</p>',
      text: '3',
      headers: {},
      tags: [],
    });
    for (let i = 0; i < 5; i++) {
      await transport.send({
        idempotencyKey: `other-${i}`,
        from: 'a@b.test',
        to: `other${i}@example.com`,
        subject: `Other ${i}`,
        html: '',
        text: '',
        headers: {},
        tags: [],
      });
    }
    // Times: the check-in newest, the digest next, then five emails sent in the same millisecond.
    await db.outboxEmail.update({ where: { id: checkinEmailId }, data: { createdAt: new Date('2026-11-30T10:00:00Z') } });
    await db.outboxEmail.updateMany({ where: { idempotencyKey: digest.id }, data: { createdAt: new Date('2026-11-30T09:00:00Z') } });
    await db.outboxEmail.updateMany({
      where: { idempotencyKey: { startsWith: 'other-' } },
      data: { createdAt: new Date('2026-11-29T09:00:00Z') },
    });
  });

  afterAll(async () => {
    await app?.close();
    await resendApp?.close();
    await database?.drop();
  });

  it('lists the emails newest first, saying what each was about', async () => {
    const { status, body } = await get('/v1/outbox');
    expect(status).toBe(200);
    const page = body as Page;
    expect(page.transport).toBe('outbox');
    expect(page.emails).toHaveLength(7);
    expect(page.emails[0]).toEqual({
      id: checkinEmailId,
      from: 'Northwind <hello@northwind.test>',
      to: 'amelie@example.com',
      subject: 'Amélie, votre commande vous plaît-elle ?',
      template: 'checkin',
      customerId: 'amelie',
      journeyKey: 'post-purchase-checkin',
      sentAt: '2026-11-30T10:00:00.000Z',
    });
    expect(page.emails[1]).toMatchObject({ to: 'sam@shop.test', template: 'staff:digest', customerId: null });
    expect(page.emails[2]).toMatchObject({ template: null, customerId: null });
    expect(page.nextCursor).toBeNull();
  });

  it('pages by keyset without repeating or skipping an email, ties on the send time included', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { status, body }: { status: number; body: Page } = await get(`/v1/outbox?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      seen.push(...body.emails.map((email) => email.id));
      cursor = body.nextCursor;
      // A new email arriving meanwhile goes on top, never into the pages still to come.
      if (seen.length === 2)
        await new OutboxTransport(database.db).send({
          idempotencyKey: 'late',
          from: 'a@b.test',
          to: 'late@example.com',
          subject: 'Late',
          html: '',
          text: '',
          headers: {},
          tags: [],
        });
    } while (cursor);
    const all = ((await get('/v1/outbox?limit=200')).body as Page).emails.map((email) => email.id);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(all.slice(1)).toEqual(seen);
  });

  it('opens one email as the customer would see it: HTML, text and headers', async () => {
    const { status, body } = await get(`/v1/outbox/${checkinEmailId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: checkinEmailId,
      html: '<p>Bonjour Amélie</p>',
      text: 'Bonjour Amélie',
      locale: 'fr',
      template: 'checkin',
      transport: 'outbox',
      headers: { 'List-Unsubscribe': '<http://localhost/u/token>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  });

  it('says when emails go to Resend rather than to the outbox', async () => {
    const { body } = await get('/v1/outbox', KEY, () => resendApp);
    expect((body as Page).transport).toBe('resend');
  });

  it('answers 404 for an unknown email and 422 naming a bad parameter', async () => {
    const unknown = await get('/v1/outbox/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.field).toBe('id');
    expect((await get('/v1/outbox/not-an-id')).status).toBe(404);
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['?to=someone', 'to'],
      ['?limit=1&limit=2', 'limit'],
    ]) {
      const { status, body } = await get(`/v1/outbox${query}`);
      expect(status, query).toBe(422);
      expect(body.error.field, query).toBe(field);
    }
  });

  it('needs read access', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/outbox' })).statusCode).toBe(401);
    expect((await get('/v1/outbox', INGEST_ONLY)).status).toBe(403);
  });

  it('shows the same outbox in the CLI: the list, and one email by the first characters of its id', async () => {
    const list = await runCli(['outbox', '--limit', '3'], { DATABASE_URL: database.url });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/late@example\.com\s+Late/);
    expect(list.stdout).toMatch(/amelie@example\.com\s+Amélie, votre commande/);
    expect(list.stdout).toContain('3 of 8 shown.');
    const shown = await runCli(['outbox', '--show', checkinEmailId.slice(0, 8)], { DATABASE_URL: database.url });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^To:\s+amelie@example\.com$/m);
    expect(shown.stdout).toContain('Bonjour Amélie');
  });
});
