// `account.contacted` through POST /v1/events: a success manager who called the customer from their CRM
// is heard by the at-risk save, which then leaves the customer alone. The internal events only the
// engine may record stay refused at the same door.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { customerUpserted } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';

const API_KEY = 'ak_test_contacted_0123456789abcdefgh';

let h: JourneyHarness;
let app: ApiServer;
beforeAll(async () => {
  h = await createJourneyHarness('contacted');
  await registerApiKey(h.db, API_KEY, 'test');
  app = await buildApiServer({
    db: h.db,
    temporal: h.env.client,
    route: h.router.routeEvents,
    logger: pino({ level: 'silent' }),
    publicUrl: 'http://localhost',
    taskQueue: h.taskQueue,
  });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const post = (payload: unknown) =>
  app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });

const consenting = (id: string) =>
  customerUpserted(id, { name: 'Grace Hopper', timezone: 'Europe/Paris', locale: 'en-GB', consent: { marketing: true } });

describe('account.contacted through the API', () => {
  it('makes a waiting at-risk save take its "contacted" branch and end without a message', async () => {
    await h.send(consenting('risky-api'));
    await h.emit({ id: 'band-risky-api', type: 'churn_band.changed', customer: 'risky-api', properties: { from: 'medium', to: 'high' } });
    const save = h.workflow('at-risk-save', 'risky-api', 'customer/1');
    // The owner has been alerted and the journey waits (up to three days) for someone to act.
    await h.until(async () => (await h.db.alert.count({ where: { customer: { externalId: 'risky-api' }, kind: 'at_risk' } })) > 0);
    await h.env.sleep(DAY);

    const response = await post({
      id: 'crm-call-4711',
      type: 'account.contacted',
      customerId: 'risky-api',
      occurredAt: new Date().toISOString(),
      properties: { by: 'ada@northwind.example', channel: 'call', note: 'Offered a replacement; she is happy again.' },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ accepted: 1, results: [{ id: 'crm-call-4711', status: 'accepted' }] });

    expect(await save.result()).toBe('exited');
    const enrollment = await h.db.enrollment.findFirstOrThrow({
      where: { journeyKey: 'at-risk-save', customer: { externalId: 'risky-api' } },
      include: { steps: { orderBy: { seq: 'asc' } } },
    });
    expect(enrollment.status).toBe('exited');
    // The wait heard this very event, and the branch took its first case (contacted: exit).
    const log = enrollment.steps.map(({ stepId, status, detail }) => ({ stepId, status, detail }));
    expect(log.slice(-3)).toEqual([
      { stepId: 'give-the-owner-time', status: 'happened', detail: { eventId: 'crm-call-4711' } },
      { stepId: 'did-anyone-act', status: 'taken', detail: { case: 0, goto: 'exit' } },
      { stepId: '(end)', status: 'exited', detail: { reason: 'branch did-anyone-act' } },
    ]);
    expect((await h.messages('at-risk-checkin')).filter((m) => m.toAddress === 'risky-api@example.com')).toEqual([]);

    // Stored like any other event, with what the sender said; sending it again changes nothing.
    const stored = await h.db.event.findUniqueOrThrow({ where: { id: 'crm-call-4711' } });
    expect(stored).toMatchObject({ type: 'account.contacted', properties: { by: 'ada@northwind.example', channel: 'call' } });
    const again = await post({
      id: 'crm-call-4711',
      type: 'account.contacted',
      customerId: 'risky-api',
      occurredAt: new Date().toISOString(),
    });
    expect(again.json()).toMatchObject({ duplicate: 1 });
  });

  it('refuses a malformed contact, naming the field', async () => {
    const response = await post({
      id: 'crm-call-bad',
      type: 'account.contacted',
      customerId: 'risky-api',
      occurredAt: new Date().toISOString(),
      properties: { channel: 'fax' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({
      field: 'properties.channel',
      message: 'properties.channel must be one of call, email, meeting, chat, other',
    });
  });

  it.each([
    ['survey.answered', { messageId: 'm-1', score: 1 }],
    ['churn_band.changed', { from: 'low', to: 'high' }],
    ['customer.inactive', {}],
    ['customer.unsubscribed', {}],
  ])('refuses %s, which only Aftercare records, and stores nothing', async (type, properties) => {
    const id = `forged-${type}`;
    const response = await post({ id, type, customerId: 'risky-api', occurredAt: new Date().toISOString(), properties });
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body.results).toEqual([{ index: 0, id, status: 'rejected', error: { field: 'type', message: expect.any(String) } }]);
    expect(body.error.field).toBe('type');
    expect(body.error.message).toMatch(new RegExp(`^type must not be ${type.replace('.', '\\.')}: Aftercare`));
    expect(await h.db.event.count({ where: { id } })).toBe(0);
  });

  it('a refused internal event in a batch does not block the valid one beside it', async () => {
    const response = await post({
      events: [
        { id: 'forged-in-batch', type: 'customer.unsubscribed', customerId: 'risky-api', occurredAt: new Date().toISOString() },
        { id: 'crm-email-1', type: 'account.contacted', customerId: 'risky-api', occurredAt: new Date().toISOString() },
      ],
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      accepted: 1,
      rejected: 1,
      results: [
        { index: 0, status: 'rejected', error: { field: 'type' } },
        { index: 1, status: 'accepted' },
      ],
    });
  });

  it('documents account.contacted in /openapi.json, and not the engine-only events', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const event = document.components.schemas.Event;
    const variants: { properties: { type: { const: string }; properties: { properties: Record<string, unknown> } } }[] =
      event.oneOf ?? event.anyOf;
    const contacted = variants.find((variant) => variant.properties.type.const === 'account.contacted');
    expect(contacted?.properties.properties.properties).toMatchObject({
      by: { type: 'string', maxLength: 200 },
      channel: { enum: ['call', 'email', 'meeting', 'chat', 'other'] },
      note: { type: 'string', maxLength: 2000 },
    });
    const documented = variants.map((variant) => variant.properties.type.const);
    for (const type of ['survey.answered', 'churn_band.changed', 'customer.inactive', 'customer.unsubscribed']) {
      expect(documented).not.toContain(type);
    }
    expect(event.description).toContain('customer.unsubscribed');
  });
});
