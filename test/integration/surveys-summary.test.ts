// GET /v1/surveys/summary on real PostgreSQL: answers given through the survey pages' own path
// (store, replace, settle), emails that went out or not, an answer still in its settle window, an answer
// replaced after it settled, and one that arrived as an event alone; the figures are computed by hand.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { emitInternalEvent } from '../../ingestion/internal-events.ts';
import { settleSurveyAnswer, storeSurveyAnswer } from '../../ingestion/survey-answers.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const KEY = 'ak_test_surveys_summary_0123456789abc';
const INGEST_ONLY = 'ak_test_surveys_ingest_0123456789abcd';
const CHECKIN = 'post-purchase-checkin';
const NPS = 'quarterly-nps';

type Summary = {
  timezone: string;
  csat: { answers: number; average: number | null; satisfied: number; satisfiedShare: number | null };
  nps: { answers: number; promoters: number; passives: number; detractors: number; score: number | null };
  responseRate: { sent: number; answered: number; rate: number | null };
  byWeek: { week: string; startsOn: string; csat: Summary['csat']; nps: Summary['nps']; responseRate: Summary['responseRate'] }[];
  byJourney: {
    journeyKey: string | null;
    journeyName: string | null;
    csat: Summary['csat'];
    nps: Summary['nps'];
    responseRate: Summary['responseRate'];
  }[];
  latestComments: {
    customerId: string;
    kind: string;
    score: number;
    comment: string;
    journeyKey: string | null;
    journeyName: string | null;
    at: string;
  }[];
};

describe('GET /v1/surveys/summary', () => {
  let database: TestDatabase;
  let app: ApiServer;

  const get = async (query = '', key = KEY) => {
    const response = await app.inject({ method: 'GET', url: `/v1/surveys/summary${query}`, headers: { authorization: `Bearer ${key}` } });
    return { status: response.statusCode, body: response.json() as Summary & { error?: { field?: string; message: string } } };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    await registerApiKey(db, KEY, 'test');
    await registerApiKey(db, INGEST_ONLY, 'ingest', { scopes: ['ingest'] });
    app = await buildApiServer({
      db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      rateLimits: false,
    });
    await db.journey.createMany({
      data: [
        { key: CHECKIN, name: 'Post-purchase check-in', currentVersion: 1 },
        { key: NPS, name: 'Quarterly NPS', currentVersion: 1 },
      ],
    });

    let n = 0;
    /** A survey email from a journey: sent at `sentAt` (or never), to a customer of its own. */
    const surveyEmail = async (journeyKey: string, kind: 'csat' | 'nps', sentAt: string | null) => {
      n++;
      const customer = await db.customer.create({ data: { externalId: `cust-${n}`, email: `c${n}@example.com` } });
      const enrollment = await db.enrollment.create({
        data: { workflowId: `wf-${n}`, journeyKey, version: 1, customerId: customer.id, entityKey: `order:o-${n}` },
      });
      const message = await db.message.create({
        data: {
          enrollmentId: enrollment.id,
          stepKey: 'survey',
          customerId: customer.id,
          template: 'checkin',
          locale: 'en',
          surveyKind: kind,
          status: sentAt ? 'sent' : 'failed',
          createdAt: new Date(sentAt ?? '2026-11-02T09:00:00Z'),
          sentAt: sentAt ? new Date(sentAt) : null,
        },
      });
      return message.id;
    };
    const answer = async (messageId: string, score: number, at: string, comment?: string) => {
      const stored = await storeSurveyAnswer(db, { messageId, score, at: new Date(at), ...(comment ? { comment } : {}) });
      expect(stored.status).toMatch(/recorded|replaced/);
    };
    const settle = (messageId: string, at: string) => settleSurveyAnswer(db, null, messageId, new Date(at));

    // Week 45 (2 November): a happy answer, and an unhappy one the customer made worse within the window.
    const m1 = await surveyEmail(CHECKIN, 'csat', '2026-11-02T10:00:00Z');
    await answer(m1, 5, '2026-11-02T12:00:00Z', 'Lovely shirt');
    await settle(m1, '2026-11-02T12:02:00Z');
    const m2 = await surveyEmail(CHECKIN, 'csat', '2026-11-03T10:00:00Z');
    await answer(m2, 2, '2026-11-04T12:00:00Z');
    await answer(m2, 1, '2026-11-04T12:01:00Z', 'Arrived torn');
    await settle(m2, '2026-11-04T12:02:00Z');
    // Week 46 (9 November): a 4 replaced by a 5 after it settled (the survey was still open): the 5 counts.
    const m3 = await surveyEmail(CHECKIN, 'csat', '2026-11-10T10:00:00Z');
    await answer(m3, 4, '2026-11-11T09:00:00Z');
    await settle(m3, '2026-11-11T09:02:00Z');
    await answer(m3, 5, '2026-11-13T09:00:00Z');
    await surveyEmail(CHECKIN, 'csat', '2026-11-10T11:00:00Z'); // never answered
    // Answered, but still in its settle window (a mail scanner's, perhaps): not counted yet.
    const m5 = await surveyEmail(CHECKIN, 'csat', '2026-11-11T10:00:00Z');
    await answer(m5, 3, '2026-11-12T10:00:00Z', 'Scanner was here');
    await surveyEmail(CHECKIN, 'csat', null); // failed to send: no response rate either way
    const n1 = await surveyEmail(NPS, 'nps', '2026-11-10T10:00:00Z');
    await answer(n1, 10, '2026-11-10T15:00:00Z');
    await settle(n1, '2026-11-10T15:02:00Z');
    const n2 = await surveyEmail(NPS, 'nps', '2026-11-10T10:00:00Z');
    await answer(n2, 6, '2026-11-11T15:00:00Z');
    await settle(n2, '2026-11-11T15:02:00Z');
    // Week 47 (16 November): a detractor, and an answer that arrived as an event without a survey email
    // of ours (as the demo business's does): it counts in CSAT, not in any response rate.
    const n3 = await surveyEmail(NPS, 'nps', '2026-11-17T10:00:00Z');
    await answer(n3, 0, '2026-11-18T08:00:00Z', 'Never again');
    await settle(n3, '2026-11-18T08:02:00Z');
    const alone = await db.customer.create({ data: { externalId: 'cust-event-only' } });
    await emitInternalEvent(db, null, {
      id: 'survey.answered:o-event-only:demo',
      type: 'survey.answered',
      customerRowId: alone.id,
      occurredAt: new Date('2026-11-20T10:00:00Z'),
      properties: { kind: 'csat', score: 1, orderId: 'o-event-only', journeyKey: CHECKIN, stepId: 'checkin-email' },
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('sums up every settled answer with its latest score, and the response rate of the survey emails that went out', async () => {
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body.timezone).toBe('UTC');
    // CSAT: 5, 1, 5 (the replaced 4), 1 (the event alone) = 12 / 4 = 3; satisfied 2 of 4.
    expect(body.csat).toEqual({ answers: 4, average: 3, satisfied: 2, satisfiedShare: 0.5 });
    // NPS: 10, 6, 0: 1 promoter, 2 detractors: (1 - 2) / 3 = -33.3.
    expect(body.nps).toMatchObject({ answers: 3, promoters: 1, passives: 0, detractors: 2 });
    expect(body.nps.score).toBeCloseTo(-100 / 3, 10);
    // Sent: m1, m2, m3, m4, m5, n1, n2, n3 = 8; settled answers: m1, m2, m3, n1, n2, n3 = 6.
    expect(body.responseRate).toEqual({ sent: 8, answered: 6, rate: 0.75 });
  });

  it('gives every ISO week its figures: scores by the answer, the response rate by the email', async () => {
    const { body } = await get();
    expect(
      body.byWeek.map((w) => [
        w.week,
        w.startsOn,
        w.csat.answers,
        w.csat.average,
        w.nps.score,
        w.responseRate.sent,
        w.responseRate.answered,
      ]),
    ).toEqual([
      ['2026-W45', '2026-11-02', 2, 3, null, 2, 2],
      ['2026-W46', '2026-11-09', 1, 5, 0, 5, 3],
      ['2026-W47', '2026-11-16', 1, 1, -100, 1, 1],
    ]);
  });

  it('gives every journey its figures, with its name', async () => {
    const { body } = await get();
    expect(
      body.byJourney.map((j) => [j.journeyKey, j.journeyName, j.csat.answers, j.csat.average, j.nps.answers, j.responseRate.rate]),
    ).toEqual([
      [CHECKIN, 'Post-purchase check-in', 4, 3, 0, 3 / 5],
      [NPS, 'Quarterly NPS', 0, null, 3, 1],
    ]);
  });

  it('lists the latest settled comments, newest first, with the customer, score, journey and time', async () => {
    const { body } = await get();
    expect(body.latestComments).toEqual([
      {
        customerId: 'cust-9',
        kind: 'nps',
        score: 0,
        comment: 'Never again',
        journeyKey: NPS,
        journeyName: 'Quarterly NPS',
        at: '2026-11-18T08:00:00.000Z',
      },
      {
        customerId: 'cust-2',
        kind: 'csat',
        score: 1,
        comment: 'Arrived torn',
        journeyKey: CHECKIN,
        journeyName: 'Post-purchase check-in',
        at: '2026-11-04T12:01:00.000Z',
      },
      {
        customerId: 'cust-1',
        kind: 'csat',
        score: 5,
        comment: 'Lovely shirt',
        journeyKey: CHECKIN,
        journeyName: 'Post-purchase check-in',
        at: '2026-11-02T12:00:00.000Z',
      },
    ]);
    expect((await get('?comments=1')).body.latestComments.map((c) => c.comment)).toEqual(['Never again']);
  });

  it('narrows to a period (whole days in the time zone, both ends included) and to a journey', async () => {
    const week46 = (await get('?from=2026-11-09&to=2026-11-15')).body;
    expect(week46.csat).toEqual({ answers: 1, average: 5, satisfied: 1, satisfiedShare: 1 });
    expect(week46.nps).toEqual({ answers: 2, promoters: 1, passives: 0, detractors: 1, score: 0 });
    expect(week46.responseRate).toEqual({ sent: 5, answered: 3, rate: 0.6 });
    expect(week46.byWeek.map((w) => w.week)).toEqual(['2026-W46']);

    const nps = (await get(`?journey=${NPS}`)).body;
    expect(nps.csat.answers).toBe(0);
    expect(nps.nps.answers).toBe(3);
    expect(nps.responseRate).toEqual({ sent: 3, answered: 3, rate: 1 });
    expect(nps.byJourney.map((j) => j.journeyKey)).toEqual([NPS]);

    // In Tokyo (UTC+9) the answer of 18 November 08:00 UTC is on the 18th, the one of 20 November too.
    const tokyo = (await get('?from=2026-11-18&to=2026-11-18&timezone=Asia/Tokyo')).body;
    expect(tokyo.timezone).toBe('Asia/Tokyo');
    expect(tokyo.nps.answers).toBe(1);
    expect(tokyo.csat.answers).toBe(0);
  });

  it('answers nulls, not zeros or NaN, for a period without answers', async () => {
    const { status, body } = await get('?from=2025-01-01&to=2025-01-31');
    expect(status).toBe(200);
    expect(body.csat.average).toBeNull();
    expect(body.nps.score).toBeNull();
    expect(body.responseRate).toEqual({ sent: 0, answered: 0, rate: null });
    expect(body.byWeek).toEqual([]);
  });

  it('refuses a bad parameter with 422 naming it', async () => {
    const cases: [string, string][] = [
      ['?from=2026-13-01', 'from'],
      ['?to=last-week', 'to'],
      ['?from=2026-11-10&to=2026-11-01', 'to'],
      ['?timezone=Mars/Olympus', 'timezone'],
      ['?journey=no-such-journey', 'journey'],
      ['?comments=1000', 'comments'],
      ['?week=2026-W46', 'week'],
      ['?from=2026-11-01&from=2026-11-02', 'from'],
      ['?journey=', 'journey'],
      ['?comments=', 'comments'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await get(query);
      expect(status, query).toBe(422);
      expect(body.error?.field, query).toBe(field);
    }
  });

  it('needs read access', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/surveys/summary' })).statusCode).toBe(401);
    expect((await get('', INGEST_ONLY)).status).toBe(403);
  });
});
