// The production layout behaves like `npm start`: `aftercare migrate`, then two API processes and two
// workers on one Temporal server and one PostgreSQL. The shipped journeys are there whichever process
// came first, and orders sent through either API each get exactly one check-in.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../runtime/local-processes.ts';
import { runCli, startCli, stopChild } from '../support/cli.ts';
import { createEmptyDatabase, type EmptyDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';

const SHIPPED = ['at-risk-save', 'post-purchase-checkin', 'review-request', 'service-recovery', 'win-back'];
const API_KEY = 'ak_scale_out_layout_test_key_0123456789';

describe('migrate + 2 api + 2 worker processes', () => {
  let database: EmptyDatabase;
  const children: Awaited<ReturnType<typeof startCli>>[] = [];
  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child.child)));
    await database?.drop();
  });

  it('list the shipped journeys on every API and enroll every order once', async () => {
    database = await createEmptyDatabase();
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TASK_QUEUE: uniqueTaskQueue('layout'),
      AFTERCARE_SECRET: 'scale-out-layout-secret-0123456789abcdef',
      AFTERCARE_API_KEY: API_KEY,
    };
    const migrated = await runCli(['migrate'], env, 120_000);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('Published shipped journeys');

    const ports = [await freePort(), await freePort()];
    const started = await Promise.all([
      ...ports.map((port) => startCli(['api'], { ...env, PORT: String(port) }, /API listening/)),
      startCli(['worker'], env, /polling task queue/),
      startCli(['worker'], env, /polling task queue/),
    ]);
    children.push(...started);

    const call = async (port: number, method: string, path: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    for (const port of ports) {
      const list = await call(port, 'GET', '/v1/journeys');
      expect(list.status).toBe(200);
      expect((list.body.journeys as { key: string }[]).map((journey) => journey.key).sort()).toEqual(SHIPPED);
    }

    const customers = Array.from({ length: 20 }, (_, index) => `layout-${index}`);
    await Promise.all(
      customers.map(async (customer, index) => {
        const port = ports[index % 2] as number;
        const answer = await call(port, 'POST', '/v1/events', {
          events: [customerUpserted(customer), orderPlaced(customer, `order-${customer}`)],
        });
        expect(answer.status).toBe(202);
        expect(answer.body.accepted).toBe(2);
      }),
    );

    const client = await database.connect();
    const deadline = Date.now() + 60_000;
    let rows: { total: number; orders: number }[] = [];
    for (;;) {
      rows = (
        await client.query<{ total: number; orders: number }>(
          `SELECT count(*)::int AS total, count(DISTINCT "entityKey")::int AS orders FROM "Enrollment" WHERE "journeyKey" = 'post-purchase-checkin'`,
        )
      ).rows;
      if ((rows[0]?.total ?? 0) >= customers.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(rows[0]).toEqual({ total: customers.length, orders: customers.length });
    const versions = await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM "JourneyVersion"`);
    expect(versions.rows[0]?.count).toBe(SHIPPED.length);
  }, 240_000);
});
