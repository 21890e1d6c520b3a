import { DateTime } from 'luxon';
// A success manager's actions on one account, on the time-skipping server: pausing the customer's
// journeys holds a running check-in before its send (and a new enrollment starts and holds), a journey's
// own pause and resume do not release it, resuming sends each held email once; "contacted" during the
// at-risk save's wait takes its contacted branch; notes and the owner, audited with their author; bad
// input named; roles refused.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { createApiKey } from '../../workspace/staff.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';

let h: JourneyHarness;
let app: ApiServer;
const keys: Record<'admin' | 'manager' | 'marketer' | 'reader', string> = { admin: '', manager: '', marketer: '', reader: '' };
const users: Record<'admin' | 'manager' | 'marketer', { id: string; email: string }> = {} as never;

beforeAll(async () => {
  h = await createJourneyHarness('account-actions');
  for (const [role, dbRole] of [
    ['admin', 'admin'],
    ['manager', 'success_manager'],
    ['marketer', 'marketer'],
  ] as const) {
    const user = await h.db.staffUser.create({ data: { email: `${role}@northwind.example`, name: `The ${role}`, role: dbRole } });
    users[role] = user;
    keys[role] = (await createApiKey(h.db, null, { scopes: ['read', 'write'], userEmail: user.email })).key;
  }
  keys.reader = (await createApiKey(h.db, null, { scopes: ['read'], userEmail: users.manager.email })).key;
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

const consenting = (id: string) =>
  customerUpserted(id, { name: 'Grace Hopper', timezone: 'Europe/Paris', locale: 'en-GB', consent: { marketing: true } });

/** Milliseconds from `now` to the next `hour`:00 in `zone`. */
function untilNextLocalTime(now: Date, zone: string, hour: number): number {
  const start = DateTime.fromJSDate(now, { zone });
  let next = start.set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (next <= start) next = next.plus({ days: 1 });
  return next.toMillis() - start.toMillis();
}

const checkinsTo = async (customer: string) =>
  (await h.messages('checkin')).filter((message) => message.toAddress === `${customer}@example.com`);

describe("pausing a customer's journeys", () => {
  it('holds a running check-in before its send and a new one from its start, through a journey pause and resume; resuming sends each once', async () => {
    await h.send(consenting('pausing'), orderPlaced('pausing', 'o-p1'));
    await h.until(
      () => h.db.enrollment.findFirst({ where: { journeyKey: 'post-purchase-checkin', customer: { externalId: 'pausing' } } }),
      DAY,
    );

    const paused = await call('manager', 'POST', '/v1/customers/pausing/journeys/pause');
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ customerId: 'pausing', journeysPaused: true, signalled: 1 });
    // A second order while paused: the router starts its enrollment, which holds too.
    await h.send(orderEvent('order.delivered', 'pausing', 'o-p1'), orderPlaced('pausing', 'o-p2'));
    await h.until(() => h.db.enrollment.findFirst({ where: { entityKey: 'order:o-p2' } }), DAY);
    await h.send(orderEvent('order.delivered', 'pausing', 'o-p2'));

    await h.env.sleep(4 * DAY);
    expect(await checkinsTo('pausing')).toEqual([]);
    // The journey's own pause and resume do not release the customer's.
    expect((await call('admin', 'POST', '/v1/journeys/post-purchase-checkin/pause')).statusCode).toBe(200);
    expect((await call('admin', 'POST', '/v1/journeys/post-purchase-checkin/resume')).statusCode).toBe(200);
    await h.env.sleep(2 * DAY);
    expect(await checkinsTo('pausing')).toEqual([]);
    const first = await h.workflow('post-purchase-checkin', 'pausing', 'order:o-p1').describe();
    expect(first.status.name).toBe('RUNNING');

    // Resumed in the customer's daytime: a check-in held past its maxDelay then goes out at once. (One
    // resumed in their quiet hours would be deferred, and past maxDelay a deferral is a skip.)
    await h.env.sleep(untilNextLocalTime(await h.now(), 'Europe/Paris', 10));
    const resumed = await call('manager', 'POST', '/v1/customers/pausing/journeys/resume');
    expect(resumed.json()).toMatchObject({ journeysPaused: false, journeysPausedAt: null, signalled: 2 });
    expect(await h.workflow('post-purchase-checkin', 'pausing', 'order:o-p1').result()).toBe('completed');
    expect(await h.workflow('post-purchase-checkin', 'pausing', 'order:o-p2').result()).toBe('completed');
    const sent = await checkinsTo('pausing');
    expect(sent.map((message) => message.status)).toEqual(['sent', 'sent']);
    expect(new Set(sent.map((message) => message.enrollmentId)).size).toBe(2);
    // Sent when resumed (the daytime window had been reached before the hold), never in quiet hours.
    for (const message of sent) {
      const hour = h.localHour(message.sentAt!, 'Europe/Paris');
      expect(hour >= 8 && hour < 21, `sent at ${hour}:00`).toBe(true);
    }

    const audit = await h.db.auditEntry.findMany({ where: { subjectType: 'customer' }, orderBy: { at: 'asc' } });
    expect(
      audit.filter((entry) => entry.action.startsWith('customer.journeys_')).map((entry) => [entry.action, entry.actorUserId]),
    ).toEqual([
      ['customer.journeys_paused', users.manager.id],
      ['customer.journeys_resumed', users.manager.id],
    ]);
  });

  it('is refused to a marketer and to a read-only key, and answers 404 for an unknown customer', async () => {
    expect((await call('marketer', 'POST', '/v1/customers/pausing/journeys/pause')).statusCode).toBe(403);
    expect((await call('reader', 'POST', '/v1/customers/pausing/journeys/pause')).statusCode).toBe(403);
    const unknown = await call('manager', 'POST', '/v1/customers/nobody/journeys/pause');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.field).toBe('id');
  });
});

describe('marking an account contacted', () => {
  it("makes a waiting at-risk save take its 'contacted' branch", async () => {
    await h.send(consenting('risky'));
    await h.emit({ id: 'band-risky', type: 'churn_band.changed', customer: 'risky', properties: { from: 'medium', to: 'high' } });
    const save = h.workflow('at-risk-save', 'risky', 'customer/1');
    await h.until(async () => (await h.db.alert.count({ where: { customer: { externalId: 'risky' }, kind: 'at_risk' } })) > 0);
    await h.env.sleep(DAY);

    const response = await call('manager', 'POST', '/v1/customers/risky/contacted', { channel: 'call', note: 'Sent a replacement.' });
    expect(response.statusCode).toBe(202);
    const { eventId } = response.json();
    expect(eventId).toMatch(/^account\.contacted:/);
    expect(await save.result()).toBe('exited');
    const enrollment = await h.db.enrollment.findFirstOrThrow({
      where: { journeyKey: 'at-risk-save', customer: { externalId: 'risky' } },
      include: { steps: { orderBy: { seq: 'asc' } } },
    });
    expect(enrollment.steps.slice(-3).map(({ stepId, status, detail }) => ({ stepId, status, detail }))).toEqual([
      { stepId: 'give-the-owner-time', status: 'happened', detail: { eventId } },
      { stepId: 'did-anyone-act', status: 'taken', detail: { case: 0, goto: 'exit' } },
      { stepId: '(end)', status: 'exited', detail: { reason: 'branch did-anyone-act' } },
    ]);
    expect(await h.db.event.findUniqueOrThrow({ where: { id: eventId } })).toMatchObject({
      type: 'account.contacted',
      properties: { by: users.manager.email, channel: 'call', note: 'Sent a replacement.' },
    });
    expect(await h.db.auditEntry.findFirst({ where: { action: 'customer.contacted' } })).toMatchObject({
      actorUserId: users.manager.id,
      customerId: enrollment.customerId,
    });
  });

  it('refuses a channel it does not know, naming the field', async () => {
    const response = await call('manager', 'POST', '/v1/customers/risky/contacted', { channel: 'fax' });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({ field: 'body.channel' });
  });
});

describe('notes and the owner', () => {
  it('adds a note with its author, and refuses an empty one naming the field', async () => {
    const response = await call('manager', 'POST', '/v1/customers/risky/notes', { body: 'Prefers phone calls.' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ customerId: 'risky', authorId: users.manager.id, body: 'Prefers phone calls.' });
    const note = await h.db.accountNote.findUniqueOrThrow({ where: { id: response.json().id } });
    expect(await h.db.auditEntry.findFirst({ where: { action: 'customer.note_added' } })).toMatchObject({
      actorUserId: users.manager.id,
      customerId: note.customerId,
      detail: { noteId: note.id },
    });
    const empty = await call('manager', 'POST', '/v1/customers/risky/notes', { body: '  ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.field).toBe('body.body');
  });

  it('sets and clears the owner; refuses an unknown user or a marketer as owner, and a marketer as the one assigning', async () => {
    const set = await call('admin', 'PUT', '/v1/customers/risky/owner', { ownerId: users.manager.id });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ customerId: 'risky', ownerId: users.manager.id });
    expect((await h.db.customer.findUniqueOrThrow({ where: { externalId: 'risky' } })).ownerId).toBe(users.manager.id);

    for (const ownerId of ['00000000-0000-4000-8000-000000000000', users.marketer.id]) {
      const refused = await call('admin', 'PUT', '/v1/customers/risky/owner', { ownerId });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.field).toBe('ownerId');
    }
    const missing = await call('admin', 'PUT', '/v1/customers/risky/owner', {});
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.field).toBe('body.ownerId');
    expect((await call('marketer', 'PUT', '/v1/customers/risky/owner', { ownerId: null })).statusCode).toBe(403);

    expect((await call('admin', 'PUT', '/v1/customers/risky/owner', { ownerId: null })).json()).toEqual({
      customerId: 'risky',
      ownerId: null,
    });
    const changes = await h.db.auditEntry.findMany({ where: { action: 'customer.owner_changed' }, orderBy: { at: 'asc' } });
    expect(changes.map((entry) => [entry.actorUserId, entry.detail])).toEqual([
      [users.admin.id, { source: 'api_key', from: null, to: users.manager.id }],
      [users.admin.id, { source: 'api_key', from: users.manager.id, to: null }],
    ]);
  });
});
