// Alerts that reach a person, on the time-skipping server (the delivery pass is started here as the
// Schedule would start it, its instant the test server's clock): a detractor's answer emails the owner once,
// an acknowledgement takes it off the open list; an alert nobody acknowledges escalates to the admins once,
// after ALERT_ESCALATE_AFTER; the list's filters, pages and actions, with bad input named; a customer first
// scored high gets one at_risk alert, delivered in the daily digest, not in quiet hours.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { priorScoringModel } from '../../churn/churn-model.ts';
import { scoreAndStore } from '../../churn/scoring.ts';
import { createApiKey } from '../../workspace/staff.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, HOUR, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
let app: ApiServer;
type Who = 'admin' | 'sam' | 'sue' | 'marketer';
const keys = {} as Record<Who | 'machine', string>;
const users = {} as Record<Who, { id: string; email: string }>;

beforeAll(async () => {
  h = await createJourneyHarness('alerts');
  for (const [who, role] of [
    ['admin', 'admin'],
    ['sam', 'success_manager'],
    ['sue', 'success_manager'],
    ['marketer', 'marketer'],
  ] as const) {
    users[who] = await h.db.staffUser.create({
      data: { email: `${who}@northwind.example`, name: `${who[0]?.toUpperCase()}${who.slice(1)}`, role },
    });
    keys[who] = (await createApiKey(h.db, null, { scopes: ['read', 'write'], userEmail: users[who].email })).key;
  }
  keys.machine = (await createApiKey(h.db, null, { scopes: ['read', 'write'] })).key;
  app = await buildApiServer({
    db: h.db,
    temporal: h.env.client,
    route: h.router.routeEvents,
    logger: pino({ level: 'silent' }),
    publicUrl: 'http://localhost',
    taskQueue: h.taskQueue,
    rateLimits: false,
  });
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const call = (as: keyof typeof keys, method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${keys[as]}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });

let passes = 0;
/**
 * One delivery pass, as the Schedule starts it, at the test server's present: awaited by polling, because
 * awaiting a result lets the time-skipping server run ahead to the journeys' next timers.
 */
const deliver = async () => {
  const handle = await h.env.client.workflow.start('alertDeliveryWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `alert-delivery-${++passes}`,
    args: [{}],
  });
  for (;;) {
    const { status } = await handle.describe();
    if (status.name === 'COMPLETED') return;
    if (status.name !== 'RUNNING') throw new Error(`the delivery pass ended ${status.name}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const inbox = (who: Who) => h.db.outboxEmail.findMany({ where: { toAddress: users[who].email }, orderBy: { createdAt: 'asc' } });
const consenting = (id: string) =>
  customerUpserted(id, { name: `Customer ${id}`, timezone: 'Europe/Paris', locale: 'en-GB', consent: { marketing: true } });

describe('a detractor alert', () => {
  it("emails the customer's owner once, and an acknowledgement takes it off the open list", async () => {
    await h.send(consenting('unhappy'), orderPlaced('unhappy', 'o-unhappy'));
    expect((await call('sam', 'PUT', '/v1/customers/unhappy/owner', { ownerId: users.sam.id })).statusCode).toBe(200);
    await h.workflow('post-purchase-checkin', 'unhappy', 'order:o-unhappy').result();
    const checkin = (await h.messages('checkin')).find((message) => message.toAddress === 'unhappy@example.com');
    await h.answerSurvey(checkin!.id, 1);
    const alert = await h.until(
      () => h.db.alert.findFirst({ where: { kind: 'detractor', customer: { externalId: 'unhappy' } } }),
      DAY,
      HOUR,
    );

    await deliver();
    await deliver();
    const emails = await inbox('sam');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ fromAddress: 'Northwind <care@northwind.example>' });
    expect(emails[0]?.subject).toContain('A customer rated their order poorly');
    expect(emails[0]?.text).toContain('Customer unhappy');
    expect(emails[0]?.text).toContain('https://aftercare.test/app/customers/unhappy');
    // The owner was told; the other success manager was not.
    expect(await inbox('sue')).toEqual([]);
    expect(await h.db.staffNotification.findMany({ where: { kind: 'alert' } })).toMatchObject([
      { dedupeKey: `alert:${alert.id}:${users.sam.id}`, status: 'sent', userId: users.sam.id },
    ]);

    const mine = await call('sam', 'GET', '/v1/alerts?status=open&owner=me&kind=detractor');
    expect(mine.statusCode).toBe(200);
    expect(mine.json().alerts).toMatchObject([
      { id: alert.id, kind: 'detractor', status: 'open', ownerId: users.sam.id, customer: { id: 'unhappy' } },
    ]);
    const acked = await call('sam', 'POST', `/v1/alerts/${alert.id}/ack`);
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ status: 'acknowledged', ackedById: users.sam.id });
    expect((await call('sam', 'GET', '/v1/alerts?status=open&kind=detractor')).json().alerts).toEqual([]);
    expect((await call('sam', 'GET', '/v1/alerts?status=acknowledged')).json().alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    expect(await h.db.auditEntry.findFirst({ where: { action: 'alert.acknowledged' } })).toMatchObject({
      actorUserId: users.sam.id,
      subjectId: alert.id,
      customerId: alert.customerId,
    });
    // Acknowledged: a day later nothing escalates.
    await h.env.sleep(DAY + HOUR);
    await deliver();
    expect(await inbox('admin')).toEqual([]);
  });

  it('escalates to the admins, once, when nobody acknowledges it within ALERT_ESCALATE_AFTER (PT24H)', async () => {
    await h.send(consenting('ignored'));
    const customer = await h.db.customer.findUniqueOrThrow({ where: { externalId: 'ignored' } });
    const alert = await h.db.alert.create({
      data: {
        dedupeKey: 'test:ignored',
        kind: 'detractor',
        customerId: customer.id,
        title: 'Rated their order 1 of 5',
        createdAt: await h.now(),
      },
    });
    await deliver();
    // No owner: every success manager hears of it at once.
    for (const who of ['sam', 'sue'] as const)
      expect((await inbox(who)).filter((e) => e.subject.includes('Rated their order 1 of 5'))).toHaveLength(1);

    await h.env.sleep(23 * HOUR);
    await deliver();
    expect(await inbox('admin')).toEqual([]);
    await h.env.sleep(2 * HOUR);
    await deliver();
    await deliver();
    const escalations = await inbox('admin');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.subject).toBe('Escalated: Rated their order 1 of 5: Customer ignored (ignored@example.com)');
    expect(escalations[0]?.text).toContain('within 24 hours');
    expect((await h.db.alert.findUniqueOrThrow({ where: { id: alert.id } })).escalatedAt).not.toBeNull();
    expect((await call('admin', 'GET', '/v1/alerts?kind=detractor&status=open')).json().alerts).toMatchObject([
      { id: alert.id, escalatedAt: expect.any(String) },
    ]);
  });
});

describe('the alert list and its actions', () => {
  it('lists the open alerts, lapsed snoozes among them, newest first in one order across pages', async () => {
    const customer = await h.db.customer.findUniqueOrThrow({ where: { externalId: 'ignored' } });
    const base = Date.now() - DAY;
    const stored = [
      { status: 'open', snoozedUntil: null },
      { status: 'snoozed', snoozedUntil: new Date(Date.now() - HOUR) },
      { status: 'acknowledged', snoozedUntil: null },
      { status: 'open', snoozedUntil: null },
      { status: 'snoozed', snoozedUntil: new Date(Date.now() + DAY) },
      { status: 'snoozed', snoozedUntil: new Date(Date.now() - 2 * HOUR) },
      { status: 'open', snoozedUntil: null },
    ] as const;
    const ids: string[] = [];
    for (const [i, alert] of stored.entries()) {
      const row = await h.db.alert.create({
        data: {
          dedupeKey: `test:open:${i}`,
          kind: 'test_open',
          customerId: customer.id,
          title: `Open ${i}`,
          ...alert,
          createdAt: new Date(base + i * 1000),
        },
      });
      ids.push(row.id);
    }
    const seen: { id: string; status: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { alerts: { id: string; status: string }[]; nextCursor: string | null } = (
        await call('sue', 'GET', `/v1/alerts?kind=test_open&status=open&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.alerts.map((a) => ({ id: a.id, status: a.status })));
      cursor = page.nextCursor;
    } while (cursor);
    // Open, and snoozed until a time that has come (shown open); not the acknowledged one, not the one still snoozed.
    expect(seen).toEqual([6, 5, 3, 1, 0].map((i) => ({ id: ids[i], status: 'open' })));
  });

  it('pages newest first by cursor, filters by kind and owner, and snoozes, assigns', async () => {
    const customer = await h.db.customer.findUniqueOrThrow({ where: { externalId: 'ignored' } });
    const base = (await h.now()).getTime();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const row = await h.db.alert.create({
        data: {
          dedupeKey: `test:page:${i}`,
          kind: 'test_page',
          customerId: customer.id,
          title: `Page ${i}`,
          createdAt: new Date(base + i * 1000),
        },
      });
      ids.push(row.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { alerts: { id: string }[]; nextCursor: string | null } = (
        await call('sue', 'GET', `/v1/alerts?kind=test_page&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.alerts.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await call('sue', 'GET', '/v1/alerts?kind=test_page&owner=unassigned')).json().alerts).toHaveLength(5);

    const [first, second] = ids as [string, string];
    const assigned = await call('admin', 'POST', `/v1/alerts/${first}/assign`, { userId: users.sue.id });
    expect(assigned.json()).toMatchObject({ assigneeId: users.sue.id, ownerId: users.sue.id });
    expect((await call('sue', 'GET', '/v1/alerts?kind=test_page&owner=me')).json().alerts.map((a: { id: string }) => a.id)).toEqual([
      first,
    ]);
    expect((await call('sam', 'GET', `/v1/alerts?kind=test_page&owner=${users.sue.id}`)).json().alerts).toHaveLength(1);
    expect((await call('sue', 'GET', '/v1/alerts?kind=test_page&owner=unassigned')).json().alerts).toHaveLength(4);

    const until = new Date((await h.now()).getTime() + 2 * HOUR).toISOString();
    const snoozed = await call('sue', 'POST', `/v1/alerts/${second}/snooze`, { until });
    expect(snoozed.json()).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    expect((await call('sue', 'GET', '/v1/alerts?kind=test_page&status=snoozed')).json().alerts.map((a: { id: string }) => a.id)).toEqual([
      second,
    ]);
    expect((await call('sue', 'GET', '/v1/alerts?kind=test_page&status=open')).json().alerts).toHaveLength(4);
    expect(
      (await h.db.auditEntry.findMany({ where: { subjectType: 'alert' }, orderBy: { at: 'asc' } })).map((e) => [e.action, e.actorUserId]),
    ).toEqual(
      expect.arrayContaining([
        ['alert.assigned', users.admin.id],
        ['alert.snoozed', users.sue.id],
      ]),
    );
  });

  it('refuses bad input naming the field, unknown alerts with 404, and a marketer acting', async () => {
    const some = (await h.db.alert.findFirstOrThrow({ where: { kind: 'test_page' } })).id;
    const cases: [Who | 'machine', 'GET' | 'POST', string, unknown, number, string][] = [
      ['sam', 'GET', '/v1/alerts?status=closed', undefined, 422, 'querystring.status'],
      ['sam', 'GET', '/v1/alerts?owner=somebody', undefined, 422, 'owner'],
      ['machine', 'GET', '/v1/alerts?owner=me', undefined, 422, 'owner'],
      ['sam', 'GET', '/v1/alerts?kind=Not-A-Kind', undefined, 422, 'querystring.kind'],
      ['sam', 'GET', '/v1/alerts?limit=0', undefined, 422, 'querystring.limit'],
      ['sam', 'GET', '/v1/alerts?cursor=garbage', undefined, 422, 'cursor'],
      ['sam', 'GET', '/v1/alerts?colour=red', undefined, 422, 'querystring'],
      ['sam', 'POST', `/v1/alerts/${some}/snooze`, { until: '2020-01-01T00:00:00Z' }, 422, 'until'],
      ['sam', 'POST', `/v1/alerts/${some}/snooze`, { until: 'tomorrow' }, 422, 'body.until'],
      ['sam', 'POST', `/v1/alerts/${some}/assign`, { userId: users.marketer.id }, 422, 'userId'],
      ['sam', 'POST', `/v1/alerts/${some}/assign`, { userId: '00000000-0000-4000-8000-000000000000' }, 422, 'userId'],
      ['sam', 'POST', `/v1/alerts/${some}/assign`, {}, 422, 'body.userId'],
      ['sam', 'POST', '/v1/alerts/00000000-0000-4000-8000-000000000000/ack', undefined, 404, 'id'],
    ];
    for (const [who, method, url, payload, status, field] of cases) {
      const response = await call(who, method, url, payload);
      expect([url, response.statusCode], JSON.stringify(response.json())).toEqual([url, status]);
      expect(response.json().error.field, url).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
    }
    expect((await call('marketer', 'GET', '/v1/alerts')).statusCode).toBe(200);
    expect((await call('marketer', 'POST', `/v1/alerts/${some}/ack`)).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/alerts' })).statusCode).toBe(401);
  });
});

describe('the first scoring run', () => {
  it('gives each customer first scored high one at_risk alert, delivered in the digest from 08:00, not in quiet hours', async () => {
    const reported = (customer: string, score: number) => ({
      id: `score-${customer}`,
      type: 'churn_score.reported',
      customerId: customer,
      occurredAt: new Date().toISOString(),
      properties: { score, source: 'crm' },
    });
    await h.send(consenting('first-1'), consenting('first-2'), consenting('first-3'));
    await h.send(reported('first-1', 91), reported('first-2', 85), reported('first-3', 10));
    const customers = await h.db.customer.findMany({ where: { externalId: { startsWith: 'first-' } }, orderBy: { externalId: 'asc' } });
    const score = async () =>
      scoreAndStore(h.db, {
        customerRowIds: customers.map((c) => c.id),
        at: await h.now(),
        model: priorScoringModel(),
        config: { thresholds: { medium: 30, high: 60 }, precedence: 'external' },
        computedBy: () => `run:test-${passes}`,
      });
    expect((await score()).bandChanges).toBe(0);
    await score(); // a rerun: not a first score any more
    const atRisk = await h.db.alert.findMany({ where: { kind: 'at_risk' }, include: { customer: true }, orderBy: { dedupeKey: 'asc' } });
    expect(atRisk.map((a) => [a.dedupeKey, a.customer?.externalId])).toEqual(
      [customers[0], customers[1]].map((c) => [`first-high:${c?.id}`, c?.externalId]).sort(),
    );
    // No journey starts on a first score.
    expect(await h.db.enrollment.count({ where: { journeyKey: 'at-risk-save' } })).toBe(0);

    const nextUtc = async (hour: number) => {
      const now = await h.now();
      const at = new Date(now);
      at.setUTCHours(hour, 0, 0, 0);
      if (at <= now) at.setUTCDate(at.getUTCDate() + 1);
      await h.env.sleep(at.getTime() - now.getTime());
      return at;
    };
    await nextUtc(22); // quiet hours in DEFAULT_TIMEZONE (UTC): no digest
    await deliver();
    expect(await h.db.staffNotification.count({ where: { kind: 'digest' } })).toBe(0);
    const morning = await nextUtc(9);
    await deliver();
    await deliver();
    const day = morning.toISOString().slice(0, 10);
    for (const who of ['sam', 'sue'] as const) {
      const digests = (await inbox(who)).filter((e) => e.subject.startsWith('Aftercare digest'));
      expect(digests, who).toHaveLength(1);
      expect(digests[0]?.subject).toContain(day);
      for (const name of ['Customer first-1', 'Customer first-2']) expect(digests[0]?.text).toContain(name);
      expect(digests[0]?.text).not.toContain('Customer first-3');
    }
    // Never one email per alert: the at_risk alerts are only in the digests.
    expect(await h.db.staffNotification.count({ where: { dedupeKey: { in: atRisk.map((a) => `alert:${a.id}:${users.sam.id}`) } } })).toBe(
      0,
    );
    expect(await h.db.staffNotification.findMany({ where: { kind: 'digest' }, select: { dedupeKey: true } })).toEqual(
      expect.arrayContaining([{ dedupeKey: `digest:${users.sam.id}:${day}` }, { dedupeKey: `digest:${users.sue.id}:${day}` }]),
    );
  });
});
