// The nightly fit learns the score's weights from the business's own history and shows how well they rank
// (GET /v1/churn/model, in words); email opens and clicks reach the engagement factor through the
// customer's messages.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { fitAndStoreChurnModel } from '../../churn/churn-model.ts';
import { loadCustomerSignals } from '../../churn/customer-signals.ts';
import { insertSyntheticCustomers } from '../support/churn-data.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const API_KEY = 'ak_test_churn_model_0123456789abcdef';
const DAY = 86_400_000;

describe('the backtest of every nightly fit', () => {
  let database: TestDatabase;
  let app: ApiServer;
  const at = new Date('2026-06-01T03:15:00Z');

  beforeAll(async () => {
    database = await createTestDatabase();
    await registerApiKey(database.db, API_KEY, 'test');
    app = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
    });
    await insertSyntheticCustomers(database.db, { customers: 4000, end: new Date(at.getTime() - DAY) });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('learns the weights on 70% of the customers at the cut-off and shows how the score ranks the other 30%', async () => {
    const model = await fitAndStoreChurnModel(database.db, { id: 'run:backtest', at });
    expect(model.risk.source).toBe('backtest');
    expect(model.risk.reason).toMatch(/^Learned from \d+ customers as of 2026-03-03 and what they ordered in the following 90 days/);
    // No answers, tickets, refunds or email in this history: those weights are the documented priors.
    expect(model.risk.priorFeatures).toEqual(['detractor', 'openTickets', 'refunds', 'engagementDrop']);
    expect(model.risk.weights).toMatchObject({ detractor: 1, openTickets: 0.3, refunds: 0.3, engagementDrop: 0.7 });
    const backtest = model.backtest;
    expect(backtest).not.toBeNull();
    expect(backtest?.cutoff).toBe('2026-03-03');
    expect(backtest?.auc.score).toBeGreaterThanOrEqual(backtest?.auc.recency as number);
    expect(backtest?.calibration).toHaveLength(10);
    expect(backtest?.brier.score).toBeLessThan(backtest?.brier.baseRate as number);
    // Every order here is worth 20-200 whoever places it: no spend differs between customers beyond chance, so
    // the Gamma-Gamma fit runs off to its edge and every order is expected to be worth the mean (110).
    expect(model.spend).toMatchObject({ kind: 'mean', reason: expect.stringMatching(/^The Gamma-Gamma fit found no usable optimum/) });
    expect(model.spend?.kind === 'mean' ? model.spend.meanOrderValue : 0).toBeGreaterThan(100);

    const response = await app.inject({ method: 'GET', url: '/v1/churn/model', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ id: 'run:backtest', horizonDays: 90, score: { source: 'backtest' }, backtest: { cutoff: '2026-03-03' } });
    expect(body.score.meaning).toBe(
      '100 x the probability of no order in the next 90 days: a 70 means about a 70% chance of no order in 90 days.',
    );
    expect(body.backtest.summary).toMatch(
      /^On \d+ customers held out at 2026-03-03 \(\d+ placed no order in the next 90 days\), the score ranks \d+% of pairs correctly; recency alone \d+%; the BG\/NBD P\(no order\) \d+%\. Brier score 0\.\d{3} \(0\.\d{3} for the base rate alone; lower is better\)\.$/,
    );
    expect(body.spend).toMatchObject({
      kind: 'mean',
      params: null,
      meanOrderValue: expect.any(Number),
    });
  });

  it("counts each message's opens and clicks for its customer, the last 30 days against the 30 before", async () => {
    const [customer] = await database.db.customer.findMany({ orderBy: { id: 'asc' }, take: 1 });
    const id = customer?.id as string;
    const deliveries: { id: string; type: string; emailId: string; receivedAt: Date }[] = [];
    for (let i = 0; i < 6; i++) {
      const message = await database.db.message.create({
        data: { customerId: id, template: 'checkin', locale: 'en', status: 'delivered', providerId: `email-${i}` },
      });
      const daysAgo = i < 5 ? 40 + i : 3; // five messages a month or more ago, one recent
      deliveries.push(
        {
          id: `open-${i}`,
          type: 'email.opened',
          emailId: message.providerId as string,
          receivedAt: new Date(at.getTime() - daysAgo * DAY),
        },
        // a link scanner opening the same email again counts once
        {
          id: `open-again-${i}`,
          type: 'email.opened',
          emailId: message.providerId as string,
          receivedAt: new Date(at.getTime() - daysAgo * DAY),
        },
      );
      if (i < 2)
        deliveries.push({
          id: `click-${i}`,
          type: 'email.clicked',
          emailId: message.providerId as string,
          receivedAt: new Date(at.getTime() - (40 + i) * DAY),
        });
    }
    // Another customer's open is not theirs; a delivery about an unknown email is nobody's.
    deliveries.push({ id: 'stray', type: 'email.opened', emailId: 'unknown-email', receivedAt: new Date(at.getTime() - DAY) });
    await database.db.webhookDelivery.createMany({ data: deliveries });
    const [signals] = await loadCustomerSignals(database.db, [id], at);
    expect(signals?.email).toEqual({ recent: 1, previous: 7, windowDays: 30 });
  });
});
