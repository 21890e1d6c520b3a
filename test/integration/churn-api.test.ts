// POST /v1/churn/recompute and GET /v1/churn/model; the nightly schedule (created once, updated when its
// time zone changes); the CHURN_* configuration and its way into the scoring run.
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { fitAndStoreChurnModel } from '../../churn/churn-model.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { type AftercareWorkers, createAftercareWorker } from '../../worker.ts';
import { CHURN_SCORING_TIME, ensureChurnScoringSchedule } from '../../workflow-client/schedules.ts';
import { churnScoringWorkflow } from '../../workflows/churn-scoring.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import {
  createTestWorker,
  devServerClient,
  devServerNativeConnection,
  testActivityConfig,
  uniqueTaskQueue,
  workflowBundle,
} from '../support/temporal.ts';

const API_KEY = 'ak_test_churn_0123456789abcdefghij';
const DAY = 86_400_000;

describe('churn scoring, on demand and nightly', () => {
  let database: TestDatabase;
  let temporal: { client: Client; close(): Promise<void> };
  let app: ApiServer;
  const workers: { worker: AftercareWorkers; running: Promise<void> }[] = [];
  const taskQueue = uniqueTaskQueue('churn-api');

  const post = (server: ApiServer = app) =>
    server.inject({ method: 'POST', url: '/v1/churn/recompute', headers: { authorization: `Bearer ${API_KEY}` } });

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), devServerClient()]);
    await registerApiKey(database.db, API_KEY, 'test');
    app = await buildApiServer({
      db: database.db,
      temporal: temporal.client,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
      taskQueue,
    });
    // Thirty customers with one to three orders: too few to fit, so the stated prior is used.
    const events: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      events.push(customerUpserted(`c-${i}`));
      for (let k = 0; k <= i % 3; k++)
        events.push(orderPlaced(`c-${i}`, `o-${i}-${k}`, {}, new Date(Date.now() - (10 + 40 * k + i) * DAY)));
    }
    await ingestEvents({ db: database.db, route: null }, events);
    const worker = await createTestWorker({
      connection: await devServerNativeConnection(),
      taskQueue,
      db: database.db,
      transport: new OutboxTransport(database.db),
    });
    workers.push({ worker, running: worker.run() });
  });

  afterAll(async () => {
    for (const { worker } of workers) worker.shutdown();
    await Promise.all(workers.map(({ running }) => running));
    await app?.close();
    await temporal?.close();
    await database?.drop();
  });

  it('has no model before the first run', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/churn/model', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.statusCode).toBe(404);
  });

  it('starts the scoring run now, once however often it is asked', async () => {
    // Both requests in the same minute (the id is per minute).
    while (new Date().getSeconds() >= 50) await new Promise((resolve) => setTimeout(resolve, 500));
    const first = await post();
    expect(first.statusCode).toBe(202);
    const { workflowId, status } = first.json();
    expect(workflowId).toMatch(/^aftercare-churn-recompute-test-churn-api-[0-9a-f]+-\d{12}$/);
    expect(status).toBe('started');
    const second = await post();
    expect(second.statusCode).toBe(202);
    expect(second.json().workflowId).toBe(workflowId);
    expect(['already_started', 'already_running']).toContain(second.json().status);

    const result = await temporal.client.workflow.getHandle<typeof churnScoringWorkflow>(workflowId).result();
    expect(result.scored).toBe(30);
    expect(await database.db.churnScore.count()).toBe(30);

    const model = await app.inject({ method: 'GET', url: '/v1/churn/model', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(model.statusCode).toBe(200);
    expect(model.json()).toMatchObject({
      id: result.runId,
      source: 'prior',
      params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
      unit: 'weeks',
      customers: 30,
      repeatBuyers: 20,
    });
    expect(model.json().reason).toMatch(/too few to fit/);
  });

  it('fits a large history on a stable random sample', async () => {
    const at = new Date();
    const sampled = await fitAndStoreChurnModel(database.db, { id: 'sampled-1', at, sampleSize: 12 });
    expect(sampled.customers).toBe(30);
    expect(sampled.sampled).toBeGreaterThan(0);
    expect(sampled.sampled).toBeLessThan(30);
    expect(sampled.reason).toMatch(/A random sample of the 30 customers with orders, of whom 20 bought again/);
    // The same customers are drawn again; a stored model is returned as it was.
    const again = await fitAndStoreChurnModel(database.db, { id: 'sampled-2', at, sampleSize: 12 });
    expect(again.sampled).toBe(sampled.sampled);
    expect(await fitAndStoreChurnModel(database.db, { id: 'sampled-1', at: new Date(0) })).toEqual(sampled);
  });

  it('answers 503 without Temporal', async () => {
    const offline = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
    });
    try {
      const response = await post(offline);
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('temporal_unavailable');
    } finally {
      await offline.close();
    }
  });

  it("scores with the worker's configured band thresholds", async () => {
    const queue = uniqueTaskQueue('churn-thresholds');
    const worker = await createAftercareWorker({
      connection: await devServerNativeConnection(),
      namespace: 'default',
      taskQueue: queue,
      db: database.db,
      transport: new OutboxTransport(database.db),
      activityConfig: testActivityConfig,
      workflowBundle: workflowBundle(),
      churn: { thresholds: { medium: 0, high: 0 }, precedence: 'model' },
    });
    workers.push({ worker, running: worker.run() });
    const result = await temporal.client.workflow.execute(churnScoringWorkflow, {
      taskQueue: queue,
      workflowId: `${queue}-run`,
      args: [{}],
    });
    expect(result.scored).toBe(30);
    expect(await database.db.churnScore.count({ where: { band: 'high' } })).toBe(30);
  });

  it('creates the nightly schedule once, and follows a change of its time zone', async () => {
    const scheduleId = `${taskQueue}-nightly`;
    try {
      expect(await ensureChurnScoringSchedule(temporal.client, { taskQueue, timezone: 'Europe/Paris', scheduleId })).toBe('created');
      expect(await ensureChurnScoringSchedule(temporal.client, { taskQueue, timezone: 'Europe/Paris', scheduleId })).toBe('unchanged');
      let described = await temporal.client.schedule.getHandle(scheduleId).describe();
      expect(described.spec.timezone).toBe('Europe/Paris');
      expect(described.spec.calendars?.[0]).toMatchObject({
        hour: [{ start: CHURN_SCORING_TIME.hour, end: CHURN_SCORING_TIME.hour, step: 1 }],
        minute: [{ start: CHURN_SCORING_TIME.minute, end: CHURN_SCORING_TIME.minute, step: 1 }],
      });
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'churnScoringWorkflow', taskQueue });
      expect(described.policies.overlap).toBe('SKIP');

      expect(await ensureChurnScoringSchedule(temporal.client, { taskQueue, timezone: 'America/New_York', scheduleId })).toBe('updated');
      described = await temporal.client.schedule.getHandle(scheduleId).describe();
      expect(described.spec.timezone).toBe('America/New_York');
    } finally {
      await temporal.client.schedule.getHandle(scheduleId).delete();
    }
  });

  it('reads CHURN_SCHEDULE_TIMEZONE, CHURN_BAND_THRESHOLDS and CHURN_SCORE_PRECEDENCE', () => {
    const defaults = loadConfig({ DEFAULT_TIMEZONE: 'Europe/Berlin' });
    expect(defaults).toMatchObject({
      churnScheduleTimezone: 'Europe/Berlin',
      churnBandThresholds: { medium: 30, high: 60 },
      churnScorePrecedence: 'model',
    });
    expect(
      loadConfig({ CHURN_SCHEDULE_TIMEZONE: 'Asia/Tokyo', CHURN_BAND_THRESHOLDS: '25, 55.5', CHURN_SCORE_PRECEDENCE: 'higher' }),
    ).toMatchObject({
      churnScheduleTimezone: 'Asia/Tokyo',
      churnBandThresholds: { medium: 25, high: 55.5 },
      churnScorePrecedence: 'higher',
    });
    expect(() => loadConfig({ CHURN_BAND_THRESHOLDS: '70,50' })).toThrow(ConfigError);
    expect(() => loadConfig({ CHURN_BAND_THRESHOLDS: '70,50' })).toThrow(/CHURN_BAND_THRESHOLDS/);
    expect(() => loadConfig({ CHURN_SCORE_PRECEDENCE: 'lower' })).toThrow(/CHURN_SCORE_PRECEDENCE/);
    expect(() => loadConfig({ CHURN_SCHEDULE_TIMEZONE: 'Mars/Olympus' })).toThrow(/CHURN_SCHEDULE_TIMEZONE/);
  });
});
