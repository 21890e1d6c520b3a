// The business's send policies as configuration: read and changed through /v1/policies as versions,
// validated with the field named, and applied by the send activity from the moment they change, each
// message recording the version it was decided under.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { defaultPolicies } from '../../core/policy/send-policy.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { publishPolicies } from '../../messaging/send-policies.ts';
import { createApiKey } from '../../workspace/staff.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';

describe('/v1/policies', () => {
  let database: TestDatabase;
  let app: ApiServer;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    for (const [name, role] of [
      ['Mia Marketer', 'marketer'],
      ['Ana Success', 'success_manager'],
    ] as const) {
      const email = `${name.split(' ')[0]?.toLowerCase()}@shop.test`;
      await db.staffUser.create({ data: { email, name, role } });
      keys[role] = (await createApiKey(db, null, { scopes: ['read', 'write'], userEmail: email })).key;
    }
    app = await buildApiServer({
      db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      rateLimits: false,
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const call = (method: 'GET' | 'PUT', url: string, key: string, body?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) });
  const stricter = {
    ...defaultPolicies,
    caps: { marketing: [{ count: 1, window: 'P7D' }], survey: [{ count: 1, window: 'P14D' }] },
  };

  it('starts at the built-in defaults, version 0', async () => {
    const response = await call('GET', '/v1/policies', keys.success_manager as string);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ version: 0, policies: defaultPolicies, createdBy: null });
  });

  it('makes a marketer’s change a new version, says who made it and why, and audits it', async () => {
    const response = await call('PUT', '/v1/policies', keys.marketer as string, {
      ...stricter,
      note: 'Fewer emails in December',
      expectedVersion: 0,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      version: 1,
      changed: true,
      policies: stricter,
      note: 'Fewer emails in December',
      createdBy: { name: 'Mia Marketer' },
    });
    const versions = (await call('GET', '/v1/policies/versions', keys.marketer as string)).json() as { versions: { version: number }[] };
    expect(versions.versions.map((v) => v.version)).toEqual([1, 0]);
    const audit = await database.db.auditEntry.findMany({ where: { action: 'policies.changed' } });
    expect(audit).toHaveLength(1);
  });

  it('makes no new version when nothing changes', async () => {
    const response = await call('PUT', '/v1/policies', keys.marketer as string, stricter);
    expect(response.json()).toMatchObject({ version: 1, changed: false });
  });

  it('refuses a change made from a version that is no longer in force, naming the field', async () => {
    const response = await call('PUT', '/v1/policies', keys.marketer as string, { ...defaultPolicies, expectedVersion: 0 });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: { code: 'version_conflict', field: 'expectedVersion' } });
    expect((await call('GET', '/v1/policies', keys.marketer as string)).json()).toMatchObject({ version: 1 });
  });

  it.each([
    [
      'a cap over a window too long',
      { ...stricter, caps: { ...stricter.caps, marketing: [{ count: 1, window: 'P1000D' }] } },
      'body.caps.marketing[0].window',
    ],
    [
      'a cap of no messages',
      { ...stricter, caps: { ...stricter.caps, marketing: [{ count: 0, window: 'P1D' }] } },
      'body.caps.marketing[0].count',
    ],
    ['quiet hours without an end', { ...stricter, quietHours: { from: '21:00' } }, 'body.quietHours'],
    ['a decision window of two days', { ...stricter, decisionWindow: 'P2D' }, 'body.decisionWindow'],
    ['an unknown class of message', { ...stricter, caps: { ...stricter.caps, sms: [] } }, 'body.caps'],
  ])('refuses %s with 422 naming the field, and keeps the version in force', async (_name, body, field) => {
    const response = await call('PUT', '/v1/policies', keys.marketer as string, body);
    expect(response.statusCode).toBe(422);
    expect((response.json() as { error: { field: string } }).error.field).toContain(field);
    expect((await call('GET', '/v1/policies', keys.marketer as string)).json()).toMatchObject({ version: 1 });
  });

  it('simulates a stored customer against the policies in force, their check-in of last week counting against the survey cap', async () => {
    const db = database.db;
    const customer = await db.customer.create({
      data: { externalId: 'surveyed', email: 'surveyed@example.com', timezone: 'UTC', consent: { marketing: true } },
    });
    const lastWeek = new Date(Date.parse('2026-06-01T10:00:00Z') - 7 * 86_400_000);
    await db.message.create({
      data: {
        customerId: customer.id,
        template: 'checkin',
        locale: 'en',
        category: 'transactional',
        surveyKind: 'csat',
        status: 'sent',
        createdAt: lastWeek,
        sentAt: lastWeek,
      },
    });
    const definition = {
      key: 'checkin-again',
      name: 'Check-in again',
      trigger: { event: 'order.delivered' },
      entity: 'order',
      category: 'transactional',
      steps: [{ id: 'ask', send: { template: 'checkin', survey: { kind: 'csat' }, maxDelay: 'P30D' } }],
    };
    const response = await app.inject({
      method: 'POST',
      url: '/v1/journeys/checkin-again/simulate',
      headers: { authorization: `Bearer ${keys.marketer}` },
      payload: { definition, customer: { customerId: 'surveyed' }, start: '2026-06-01T10:00:00Z', days: 30 },
    });
    expect(response.statusCode).toBe(200);
    const timeline = (response.json() as { timeline: { step: string; status: string; detail?: { reason?: string; until?: string } }[] })
      .timeline;
    // Version 1 allows one check-in with a survey per 14 days: the next may go a week from now.
    expect(timeline.find((line) => line.step === 'ask' && line.status === 'deferred')?.detail).toMatchObject({
      reason: 'frequency_cap',
      until: new Date(lastWeek.getTime() + 14 * 86_400_000 + 1).toISOString(),
    });
  });

  it('lets a success manager read the policies but not change them', async () => {
    expect((await call('GET', '/v1/policies', keys.success_manager as string)).statusCode).toBe(200);
    expect((await call('PUT', '/v1/policies', keys.success_manager as string, defaultPolicies)).statusCode).toBe(403);
  });
});

describe('a change of policies in the running engine', () => {
  let h: JourneyHarness;
  beforeAll(async () => {
    h = await createJourneyHarness('policies');
    await h.db.journey.updateMany({ data: { status: 'archived' } });
    await publishJourney(
      h.db,
      parseDefinitionText(`
key: two-emails
name: Two emails an hour apart
trigger: { event: customer.active }
entity: customer
policies: { quietHours: false }
steps:
  - { id: first, send: { template: winback } }
  - { id: pause, wait: { duration: PT1H } }
  - { id: second, send: { template: winback, maxDelay: P3D } }
`),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  const activate = (customerId: string) =>
    h.send(customerUpserted(customerId, { timezone: 'UTC', consent: { marketing: true } }), {
      id: `${customerId}-active`,
      type: 'customer.active',
      customerId,
      occurredAt: new Date().toISOString(),
      properties: {},
    });
  const messagesOf = (customerId: string) =>
    h.db.message.findMany({
      where: { customer: { externalId: customerId } },
      orderBy: { createdAt: 'asc' },
      select: { stepKey: true, status: true, policyVersion: true, sentAt: true },
    });

  it('holds a second email under the default cap, lets it through once a looser cap is in force, and each email records its version', async () => {
    await activate('before-change');
    // The second email meets the default cap (one per 48 hours) and is deferred.
    await h.until(async () =>
      h.db.enrollmentStep.findFirst({
        where: { status: 'deferred', stepId: 'second', enrollment: { customer: { externalId: 'before-change' } } },
      }),
    );
    const looser = { ...defaultPolicies, caps: { marketing: [{ count: 5, window: 'P1D' }], survey: [] } };
    const { current } = await publishPolicies(h.db, null, looser, { note: 'Two emails a day are fine' });
    expect(current.version).toBe(1);

    // A customer who starts now gets both, an hour apart, decided under version 1.
    await activate('after-change');
    await h.workflow('two-emails', 'after-change', 'customer').result();
    const after = await messagesOf('after-change');
    expect(after.map((m) => [m.stepKey, m.status, m.policyVersion])).toEqual([
      ['first', 'sent', 1],
      ['second', 'sent', 1],
    ]);
    expect(after[1]!.sentAt!.getTime() - after[0]!.sentAt!.getTime()).toBeLessThan(DAY);

    // The first customer's first email was decided under version 0; the deferred one is decided when it comes back, under version 1.
    await h.workflow('two-emails', 'before-change', 'customer').result();
    expect((await messagesOf('before-change')).map((m) => [m.stepKey, m.status, m.policyVersion])).toEqual([
      ['first', 'sent', 0],
      ['second', 'sent', 1],
    ]);
  });
});
