// The success manager's reading side: the at-risk list (filters, each sort, keyset pages that neither
// repeat nor skip while rows change in between, bad parameters named), one account, its timeline, the
// rendered content of a message, and the sort keys the scoring keeps on the customer.
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { priorScoringModel } from '../../churn/churn-model.ts';
import { DEFAULT_CHURN_SCORING_CONFIG, scoreAndStore } from '../../churn/scoring.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const KEY = 'ak_test_customers_0123456789abcdefgh';
const ANA_KEY = 'ak_test_customers_ana_0123456789abcd';
const DAY = 86_400_000;
const NOW = Date.now();
const ago = (days: number) => new Date(NOW - days * DAY);

type Band = 'low' | 'medium' | 'high';
type Seed = {
  id: string;
  externalId: string;
  name: string;
  email: string;
  riskScore: number;
  riskBand: Band | null;
  value: number;
  riskValue: number;
  lastOrderAt: Date | null;
  ownerId: string | null;
};

describe('GET /v1/customers, /v1/customers/:id, /timeline, /v1/messages/:id', () => {
  let database: TestDatabase;
  let app: ApiServer;
  const ana = { id: 'staff-ana', name: 'Ana Success', email: 'ana@shop.test' };
  const ben = { id: 'staff-ben', name: 'Ben Success', email: 'ben@shop.test' };
  const seeds: Seed[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    await registerApiKey(db, KEY, 'test');
    await db.staffUser.createMany({ data: [ana, ben].map((u) => ({ ...u, role: 'success_manager' as const })) });
    await registerApiKey(db, ANA_KEY, 'ana');
    await db.apiKey.update({ where: { hash: hashApiKey(ANA_KEY) }, data: { userId: ana.id } });
    app = await buildApiServer({
      db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      rateLimits: false,
    });

    // 40 customers: scores, values and last orders with ties (equal keys page by id), some never scored or
    // never ordered, a third each owned by Ana, Ben and nobody.
    for (let i = 0; i < 40; i++) {
      const scored = i % 10 !== 9;
      const riskScore = scored ? [72.5, 45, 12, 88, 45, 60, 30.5, 5][i % 8]! : 0;
      const riskBand: Band | null = scored ? (riskScore >= 60 ? 'high' : riskScore >= 30 ? 'medium' : 'low') : null;
      const value = [0, 250, 1200.5, 90, 250, 0, 400][i % 7]!;
      seeds.push({
        id: `row${String(i).padStart(3, '0')}`,
        externalId: `cust-${i}`,
        name: i % 5 === 0 ? `Zoë O'Brien ${i}` : `Customer ${i}`,
        email: i === 7 ? 'promo_100%@shop.test' : `customer${i}@example.com`,
        riskScore,
        riskBand,
        value,
        riskValue: (riskScore / 100) * value,
        lastOrderAt: i % 6 === 5 ? null : ago(i % 4 === 0 ? 10 : i),
        ownerId: i % 3 === 0 ? ana.id : i % 3 === 1 ? ben.id : null,
      });
    }
    await db.customer.createMany({ data: seeds.map((s) => ({ ...s, updatedAt: new Date() })) });
    await db.churnScore.createMany({
      data: seeds
        .filter((s) => s.riskBand)
        .map((s) => ({
          customerId: s.id,
          score: s.riskScore,
          band: s.riskBand as Band,
          modelScore: s.riskScore,
          modelBand: s.riskBand as Band,
          reasons: [`Reason of ${s.externalId}`, 'Another reason'],
          factors: [{ factor: 'overdue', points: s.riskScore, value: 2 }],
          pAlive: 0.4,
          expectedOrders90: 0.3,
          expectedNextOrderAt: ago(-20),
          computedAt: ago(0),
        })),
    });
    // cust-0: 40 two months ago, 55 forty days ago, then its current score; the score 30 days ago is 55.
    await db.churnScoreHistory.createMany({
      data: [
        { customerId: 'row000', score: 40, band: 'medium', computedAt: ago(60) },
        { customerId: 'row000', score: 55, band: 'medium', computedAt: ago(40) },
        { customerId: 'row000', score: 72.5, band: 'high', computedAt: ago(2) },
      ],
    });
    await db.alert.createMany({
      data: [
        { dedupeKey: 'a1', kind: 'detractor', customerId: 'row003', title: 'Rated their order 1 out of 5', createdAt: ago(1) },
        { dedupeKey: 'a2', kind: 'at_risk', customerId: 'row003', title: 'At risk', createdAt: ago(1) },
        { dedupeKey: 'a3', kind: 'at_risk', customerId: 'row011', title: 'At risk', status: 'acknowledged', createdAt: ago(1) },
        { dedupeKey: 'a4', kind: 'at_risk', customerId: 'row012', title: 'At risk', status: 'snoozed', snoozedUntil: ago(-3) },
        { dedupeKey: 'a5', kind: 'at_risk', customerId: 'row013', title: 'At risk', status: 'snoozed', snoozedUntil: ago(1) },
      ],
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const get = (url: string, key = KEY) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  type ListBody = { customers: Record<string, unknown>[]; nextCursor: string | null };
  async function list(url: string, key = KEY): Promise<ListBody> {
    const response = await get(url, key);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }
  /** Every page of a list, following nextCursor. */
  async function allPages(url: string, between?: (page: number) => Promise<void>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const body = await list(`${url}${url.includes('?') ? '&' : '?'}limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...body.customers.map((c) => c.id as string));
      if (!body.nextCursor) return ids;
      cursor = body.nextCursor;
      await between?.(page);
    }
    throw new Error('no end of pages');
  }
  const byKey = (key: (s: Seed) => number | null) => (p: Seed, q: Seed) => {
    const a = key(p);
    const b = key(q);
    if (a !== b) {
      if (a === null) return 1;
      if (b === null) return -1;
      return b - a;
    }
    return p.id < q.id ? -1 : 1;
  };
  const expected = (key: (s: Seed) => number | null, keep: (s: Seed) => boolean = () => true) =>
    seeds
      .filter(keep)
      .sort(byKey(key))
      .map((s) => s.externalId);

  it('refuses a request without a key', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/customers' });
    expect(response.statusCode).toBe(401);
    for (const url of ['/v1/customers/cust-0', '/v1/customers/cust-0/timeline', '/v1/messages/x']) {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });

  it('lets every role read accounts, and a key only with the read scope (write and admin imply it)', async () => {
    const db = database.db;
    const urls = ['/v1/customers', '/v1/customers/cust-0', '/v1/customers/cust-0/timeline', '/v1/messages/none'];
    const expectations: [string, { scopes?: string[]; role?: 'admin' | 'marketer' | 'success_manager' }, boolean][] = [
      ['ingest key', { scopes: ['ingest'] }, false],
      ['read key', { scopes: ['read'] }, true],
      ['write key', { scopes: ['write'] }, true],
      ['admin key', { scopes: ['admin'] }, true],
      ['admin', { role: 'admin' }, true],
      ['marketer', { role: 'marketer' }, true],
      ['success manager', { role: 'success_manager' }, true],
    ];
    for (const [label, who, allowed] of expectations) {
      const key = `ak_test_customers_${label.replace(/\W/g, '_')}_0123456789`;
      await registerApiKey(db, key, label);
      let userId: string | null = null;
      if (who.role) {
        userId = `staff-${label.replace(/\W/g, '-')}`;
        await db.staffUser.create({ data: { id: userId, email: `${userId}@shop.test`, name: label, role: who.role } });
      }
      await db.apiKey.update({ where: { hash: hashApiKey(key) }, data: { userId, ...(who.scopes ? { scopes: who.scopes } : {}) } });
      for (const url of urls) {
        const response = await get(url, key);
        if (allowed) expect([200, 404], `${label} ${url}`).toContain(response.statusCode);
        else expect(response.statusCode, `${label} ${url}`).toBe(403);
      }
    }
  });

  it('documents the routes in /openapi.json', async () => {
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/v1/customers', '/v1/customers/{id}', '/v1/customers/{id}/timeline', '/v1/messages/{id}']),
    );
  });

  it('sorts by risk value by default, highest first, and gives each row what the list shows', async () => {
    const body = await list('/v1/customers?limit=200');
    expect(body.nextCursor).toBeNull();
    expect(body.customers.map((c) => c.id)).toEqual(expected((s) => s.riskValue));
    const first = body.customers.find((c) => c.id === 'cust-0');
    expect(first).toMatchObject({
      name: "Zoë O'Brien 0",
      email: 'customer0@example.com',
      score: 72.5,
      band: 'high',
      score30DaysAgo: 55,
      topReason: 'Reason of cust-0',
      value: 0,
      owner: { id: ana.id, name: ana.name },
      openAlerts: 0,
    });
    expect(body.customers.find((c) => c.id === 'cust-3')).toMatchObject({ openAlerts: 2, owner: { id: ana.id }, score30DaysAgo: null });
    // Acknowledged: not open; snoozed into the future: not open; snoozed until a time that has come: open.
    expect(body.customers.find((c) => c.id === 'cust-11')?.openAlerts).toBe(0);
    expect(body.customers.find((c) => c.id === 'cust-12')?.openAlerts).toBe(0);
    expect(body.customers.find((c) => c.id === 'cust-13')?.openAlerts).toBe(1);
    expect(body.customers.find((c) => c.id === 'cust-9')).toMatchObject({ score: null, band: null, topReason: null });
  });

  it("gives each row its last 30 days of scores, oldest first, for the list's sparkline", async () => {
    await database.db.churnScoreHistory.createMany({
      data: [
        { customerId: 'row002', score: 8, band: 'low', computedAt: ago(31) },
        { customerId: 'row002', score: 20, band: 'low', computedAt: ago(29) },
        { customerId: 'row002', score: 35, band: 'medium', computedAt: ago(12) },
        { customerId: 'row002', score: 12, band: 'low', computedAt: ago(1) },
      ],
    });
    const body = await list('/v1/customers?limit=200');
    const row = (id: string) => body.customers.find((c) => c.id === id) as { trend: { at: string; score: number }[] };
    expect(row('cust-2').trend).toEqual([
      { at: ago(29).toISOString(), score: 20 },
      { at: ago(12).toISOString(), score: 35 },
      { at: ago(1).toISOString(), score: 12 },
    ]);
    // Two months ago and forty days ago are before the window; the score of two days ago is in it.
    expect(row('cust-0').trend).toEqual([{ at: ago(2).toISOString(), score: 72.5 }]);
    expect(row('cust-9').trend).toEqual([]);
  });

  it('pages every sort by keyset: each customer once, in order, ties and customers without orders included', async () => {
    expect(await allPages('/v1/customers')).toEqual(expected((s) => s.riskValue));
    expect(await allPages('/v1/customers?sort=risk_value')).toEqual(expected((s) => s.riskValue));
    expect(await allPages('/v1/customers?sort=risk')).toEqual(expected((s) => s.riskScore));
    expect(await allPages('/v1/customers?sort=value')).toEqual(expected((s) => s.value));
    expect(await allPages('/v1/customers?sort=last_order')).toEqual(expected((s) => s.lastOrderAt?.getTime() ?? null));
  });

  it('filters by band, owner, name or email, and open alerts, alone and together', async () => {
    const ids = async (query: string) => (await list(`/v1/customers?limit=200&${query}`)).customers.map((c) => c.id);
    const riskValue = (s: Seed) => s.riskValue;
    expect(await ids('band=high')).toEqual(expected(riskValue, (s) => s.riskBand === 'high'));
    const highOrLow = expected(riskValue, (s) => s.riskBand === 'high' || s.riskBand === 'low');
    expect(await ids('band=high,low')).toEqual(highOrLow);
    expect(await ids('band=high&band=low')).toEqual(highOrLow);
    expect(await ids(`owner=${ben.id}`)).toEqual(expected(riskValue, (s) => s.ownerId === ben.id));
    expect(await ids('owner=unassigned')).toEqual(expected(riskValue, (s) => s.ownerId === null));
    expect((await list('/v1/customers?limit=200&owner=me', ANA_KEY)).customers.map((c) => c.id)).toEqual(
      expected(riskValue, (s) => s.ownerId === ana.id),
    );
    expect(await ids('q=zoË')).toEqual(expected(riskValue, (s) => s.name.startsWith('Zoë')));
    expect(await ids("q=o'brien 1")).toEqual(expected(riskValue, (s) => /^Zoë O'Brien 1/.test(s.name)));
    expect(await ids('q=CUSTOMER3%40EXAMPLE')).toEqual(['cust-3']);
    // % and _ are themselves, not wildcards.
    expect(await ids('q=100%25')).toEqual(['cust-7']);
    expect(await ids('q=o_b')).toEqual([]);
    expect(await ids('hasOpenAlerts=true')).toEqual(expected(riskValue, (s) => ['row003', 'row013'].includes(s.id)));
    expect(await ids('hasOpenAlerts=false')).toEqual(expected(riskValue, (s) => !['row003', 'row013'].includes(s.id)));
    expect(await ids(`band=high,medium&owner=${ana.id}&sort=risk`)).toEqual(
      expected(
        (s) => s.riskScore,
        (s) => s.ownerId === ana.id && (s.riskBand === 'high' || s.riskBand === 'medium'),
      ),
    );
    expect(await allPages('/v1/customers?band=medium&sort=last_order')).toEqual(
      expected(
        (s) => s.lastOrderAt?.getTime() ?? null,
        (s) => s.riskBand === 'medium',
      ),
    );
  });

  it('refuses bad parameters with 422 naming the parameter', async () => {
    const riskCursor = (await list('/v1/customers?sort=risk&limit=2')).nextCursor as string;
    const cases: [string, string][] = [
      ['band=extreme', 'band'],
      ['band=high,', 'band'],
      ['sort=score', 'sort'],
      ['sort=risk&sort=value', 'sort'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=1.5', 'limit'],
      ['hasOpenAlerts=yes', 'hasOpenAlerts'],
      ['q=', 'q'],
      ['owner=', 'owner'],
      ['owner=me', 'owner'], // this key acts for no user
      ['owner=staff-nobody', 'owner'],
      ['cursor=not-a-cursor', 'cursor'],
      ['cursor=%%%', 'cursor'],
      [`cursor=${riskCursor}`, 'cursor'], // given out by sort=risk, used with the default sort
      ['bands=high', 'bands'],
    ];
    for (const [query, field] of cases) {
      const response = await get(`/v1/customers?${query}`);
      expect(response.statusCode, query).toBe(422);
      expect(response.json().error.field, query).toBe(field);
    }
    const other = await get(`/v1/customers?cursor=${riskCursor}`);
    expect(other.json().error.message).toMatch(/sort=risk/);
    expect((await get(`/v1/customers?sort=risk&cursor=${riskCursor}`)).statusCode).toBe(200);
  });

  it('keeps pages stable while rows change in between: nothing repeated, nothing skipped', async () => {
    const db = database.db;
    // A copy of the list to change freely: customers of their own (band medium, owned by Ben, name "Moving").
    const moving = Array.from({ length: 30 }, (_, i) => ({
      id: `mov${String(i).padStart(3, '0')}`,
      externalId: `moving-${i}`,
      name: `Moving ${i}`,
      riskScore: 50,
      riskBand: 'medium' as const,
      value: 100 + (i % 10) * 10,
      riskValue: 50 + (i % 10) * 5,
      updatedAt: new Date(),
    }));
    await db.customer.createMany({ data: moving });
    const seen: string[] = [];
    let lastKey = Number.POSITIVE_INFINITY;
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const body = await list(`/v1/customers?q=moving&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      for (const c of body.customers) {
        ids.push(c.id as string);
        seen.push(c.id as string);
        expect(c.riskValue as number).toBeLessThanOrEqual(lastKey);
        lastKey = c.riskValue as number;
      }
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
      // Between pages: a customer already shown rises, one not yet shown falls, a new one arrives above
      // the cursor (not shown: it belongs to the pages already read) and one below (shown once).
      const shown = seen[0] as string;
      await db.customer.update({ where: { externalId: shown }, data: { riskValue: 1000 + page } });
      const unseen = moving.find((m) => !seen.includes(m.externalId) && m.riskValue > lastKey - 100 && m.riskValue < lastKey);
      if (unseen) await db.customer.update({ where: { externalId: unseen.externalId }, data: { riskValue: unseen.riskValue - 1 } });
      await db.customer.createMany({
        data: [
          {
            id: `new-above-${page}`,
            externalId: `moving-new-above-${page}`,
            name: `Moving new ${page}`,
            riskValue: 999,
            updatedAt: new Date(),
          },
          {
            id: `new-below-${page}`,
            externalId: `moving-new-below-${page}`,
            name: `Moving late ${page}`,
            riskValue: -1,
            updatedAt: new Date(),
          },
        ],
      });
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of moving)
      expect(
        ids.filter((id) => id === m.externalId),
        m.externalId,
      ).toHaveLength(1);
    expect(ids.filter((id) => id.startsWith('moving-new-above'))).toEqual([]);
    expect(ids.filter((id) => id.startsWith('moving-new-below')).length).toBeGreaterThan(0);
  });

  it('shows one account: profile, consent, score and reasons, history, owner, journeys, open alerts; 404 for an unknown id', async () => {
    const db = database.db;
    await db.customer.update({
      where: { id: 'row003' },
      data: { attributes: { plan: 'pro' }, consent: { marketing: true }, locale: 'fr', timezone: 'Europe/Paris' },
    });
    await db.journey.create({ data: { key: 'at-risk-save', name: 'At-risk save', currentVersion: 1 } });
    await db.journeyVersion.create({ data: { journeyKey: 'at-risk-save', version: 1, definition: {}, checksum: 'x' } });
    const enrollment = await db.enrollment.create({
      data: { workflowId: 'wf-3', journeyKey: 'at-risk-save', version: 1, customerId: 'row003', entityKey: 'e', enteredAt: ago(2) },
    });
    await db.enrollmentStep.createMany({
      data: [
        { enrollmentId: enrollment.id, seq: 0, stepId: '(start)', kind: 'enter', status: 'treatment', at: ago(2) },
        { enrollmentId: enrollment.id, seq: 1, stepId: 'wait-contact', kind: 'waitForEvent', status: 'waiting', at: ago(2) },
      ],
    });
    const response = await get('/v1/customers/cust-3');
    expect(response.statusCode, response.body).toBe(200);
    const account = response.json();
    expect(account).toMatchObject({
      id: 'cust-3',
      attributes: { plan: 'pro' },
      consent: { marketing: true },
      locale: 'fr',
      owner: { id: ana.id, name: ana.name },
      score: { score: 88, band: 'high', source: 'model', modelScore: 88, reasons: ['Reason of cust-3', 'Another reason'], pAlive: 0.4 },
      journeys: [{ key: 'at-risk-save', step: 'wait-contact' }],
    });
    expect(account.score.contributions).toEqual([{ factor: 'overdue', points: 88, value: 2 }]);
    expect(account.score.expectedNextOrderAt).toBe(ago(-20).toISOString());
    expect(account.openAlerts.map((a: { title: string }) => a.title).sort()).toEqual(['At risk', 'Rated their order 1 out of 5']);
    const history = (await get('/v1/customers/cust-0')).json().scoreHistory;
    expect(history.map((h: { score: number }) => h.score)).toEqual([40, 55, 72.5]);
    const missing = await get('/v1/customers/nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.field).toBe('id');
    expect((await get('/v1/customers/nobody/timeline')).statusCode).toBe(404);
  });

  it('tells an account’s story newest first, every kind in words, paged without repeats, and links to each message', async () => {
    const db = database.db;
    const c = 'row004';
    const at = (minutes: number) => new Date(NOW - 5 * DAY + minutes * 60_000);
    await db.order.create({
      data: {
        id: 'ord-1',
        externalId: 'o-1',
        customerId: c,
        total: 129.5,
        currency: 'EUR',
        items: [{ name: 'Shirt', quantity: 1 }],
        placedAt: at(0),
        refundedAmount: 29.5,
        refundedAt: at(100),
      },
    });
    await db.journey.upsert({ where: { key: 'checkin' }, update: {}, create: { key: 'checkin', name: 'Check-in' } });
    const enrollment = await db.enrollment.create({
      data: { workflowId: 'wf-4', journeyKey: 'checkin', version: 1, customerId: c, entityKey: 'o-1', enteredAt: at(1) },
    });
    await db.enrollmentStep.create({
      data: { enrollmentId: enrollment.id, seq: 0, stepId: 'ask', kind: 'send', status: 'sent', at: at(20) },
    });
    const message = await db.message.create({
      data: {
        customerId: c,
        enrollmentId: enrollment.id,
        stepKey: 'ask',
        template: 'checkin',
        locale: 'en',
        subject: 'How was your order?',
        html: '<p>Hi</p>',
        text: 'Hi',
        status: 'delivered',
        surveyKind: 'csat',
        createdAt: at(20),
      },
    });
    await db.surveyResponse.create({
      data: { messageId: message.id, customerId: c, kind: 'csat', score: 2, comment: 'Arrived late', answeredAt: at(30) },
    });
    await db.churnScoreHistory.createMany({
      data: [
        { customerId: c, score: 20, band: 'low', computedAt: at(40) },
        { customerId: c, score: 45, band: 'medium', computedAt: at(50) },
      ],
    });
    await db.alert.create({ data: { dedupeKey: 't1', kind: 'detractor', customerId: c, title: 'Rated 2 out of 5', createdAt: at(60) } });
    await db.accountNote.create({ data: { customerId: c, authorId: ben.id, body: 'Called, will send a voucher', createdAt: at(70) } });
    await db.auditEntry.createMany({
      data: [
        { at: at(70), actorUserId: ben.id, action: 'customer.note_added', subjectType: 'customer', subjectId: c, customerId: c },
        { at: at(80), actorUserId: ben.id, action: 'customer.owner_changed', subjectType: 'customer', subjectId: c, customerId: c },
      ],
    });

    const response = await get('/v1/customers/cust-4/timeline');
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items as { at: string; kind: string; summary: string; link?: string }[];
    expect(items.map((i) => i.kind)).toEqual([
      'refund',
      'staff_action',
      'note',
      'alert',
      'score',
      'score',
      'survey',
      'journey_step',
      'message',
      'enrollment',
      'order',
    ]);
    const summaries = items.map((i) => i.summary);
    expect(summaries).toEqual([
      'Refunded €29.50 of order o-1',
      'Owner changed by Ben Success',
      'Note by Ben Success: "Called, will send a voucher"',
      'Alert (detractor): Rated 2 out of 5; open',
      'Risk rose from low to medium (score 20.0 → 45.0)',
      'First churn-risk score: 20.0 (low)',
      'Answered the CSAT survey: 2 out of 5, "Arrived late"',
      'checkin: ask (send) sent',
      'Email "How was your order?" delivered',
      'Entered journey checkin; running',
      'Ordered €129.50 (order o-1, 1 item)',
    ]);
    const link = items.find((i) => i.kind === 'message')?.link as string;
    expect(link).toBe(`/v1/messages/${message.id}`);
    const rendered = await get(link);
    expect(rendered.statusCode).toBe(200);
    expect(rendered.json()).toMatchObject({
      customerId: 'cust-4',
      subject: 'How was your order?',
      html: '<p>Hi</p>',
      text: 'Hi',
      status: 'delivered',
    });
    expect((await get('/v1/messages/unknown')).statusCode).toBe(404);

    // Pages of 3 give the same items in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/v1/customers/cust-4/timeline?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      const body = page.json();
      paged.push(...body.items.map((i: { summary: string }) => i.summary));
      cursor = body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(summaries);

    const filtered = (await get('/v1/customers/cust-4/timeline?kinds=order,refund&kinds=note')).json().items;
    expect(filtered.map((i: { kind: string }) => i.kind)).toEqual(['refund', 'note', 'order']);
    for (const [query, field] of [
      ['kinds=orders', 'kinds'],
      ['limit=0', 'limit'],
      ['cursor=abc', 'cursor'],
      ['page=2', 'page'],
    ]) {
      const bad = await get(`/v1/customers/cust-4/timeline?${query}`);
      expect(bad.statusCode, query).toBe(422);
      expect(bad.json().error.field).toBe(field);
    }
  });

  it('answers any id and any query value with 200, 400 (an undecodable URL), 404 or 422, never 500', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('', '%', '%%', '\\', '_', "'", '"', '%00', 'null', '-1', '1e999', 'high,,low', '\u0000', '\ud800'),
    );
    const parameter = fc.constantFrom('band', 'owner', 'q', 'hasOpenAlerts', 'sort', 'limit', 'cursor', 'kinds');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/customers', '/v1/customers/{}', '/v1/customers/{}/timeline', '/v1/messages/{}'),
        text,
        parameter,
        text,
        async (route, id, name, value) => {
          // A lone surrogate cannot be encoded as UTF-8: sent as the bytes a careless client would send.
          const encode = (t: string) => {
            try {
              return encodeURIComponent(t);
            } catch {
              return '%ED%A0%80';
            }
          };
          const url = `${route.replace('{}', encode(id) || 'x')}?${name}=${encode(value)}`;
          const response = await get(url);
          expect([200, 400, 404, 422], `${url}: ${response.body}`).toContain(response.statusCode);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });

  it('keeps the sort keys on the customer when scoring: score, band, spend in the last 365 days, risk value', async () => {
    const db = database.db;
    await db.customer.create({ data: { id: 'scored-1', externalId: 'scored-1', updatedAt: new Date() } });
    await db.order.createMany({
      data: [
        { externalId: 's-1', customerId: 'scored-1', total: 100, currency: 'EUR', placedAt: ago(400) },
        { externalId: 's-2', customerId: 'scored-1', total: 80, currency: 'EUR', placedAt: ago(200), refundedAmount: 30 },
        { externalId: 's-3', customerId: 'scored-1', total: 50, currency: 'EUR', placedAt: ago(100) },
      ],
    });
    await scoreAndStore(db, {
      customerRowIds: ['scored-1'],
      at: new Date(NOW),
      model: priorScoringModel(),
      config: DEFAULT_CHURN_SCORING_CONFIG,
      computedBy: () => 'run:test',
    });
    const score = await db.churnScore.findUniqueOrThrow({ where: { customerId: 'scored-1' } });
    const customer = await db.customer.findUniqueOrThrow({ where: { id: 'scored-1' } });
    expect(customer.riskScore).toBe(score.score);
    expect(customer.riskBand).toBe(score.band);
    expect(customer.value).toBe(100);
    expect(customer.riskValue).toBeCloseTo((score.score / 100) * 100, 9);
    // A score as of an earlier instant changes nothing (the later score stays in force).
    await scoreAndStore(db, {
      customerRowIds: ['scored-1'],
      at: ago(300),
      model: priorScoringModel(),
      config: DEFAULT_CHURN_SCORING_CONFIG,
      computedBy: () => 'run:old',
    });
    expect((await db.customer.findUniqueOrThrow({ where: { id: 'scored-1' } })).value).toBe(100);
  });
});
