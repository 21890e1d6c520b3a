// Exactly once, against a Resend that misbehaves: the real SDK, the real transport, Temporal's
// retries on the dev server, and a worker process killed after the provider accepted the email.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../core/journey/enrollment-rules.ts';
import { EventRouter } from '../../ingestion/event-router.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { ResendTransport } from '../../messaging/resend-transport.ts';
import { temporalJourneyDispatcher } from '../../workflow-client/journey-dispatcher.ts';
import { startCli, stopChild } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { FakeResend } from '../support/fake-resend.ts';
import { createTestWorker, devServerClient, devServerNativeConnection, uniqueTaskQueue } from '../support/temporal.ts';

const quickCheckin = `
key: quick-checkin
name: Check-in after a short wait
trigger: { event: order.placed }
entity: order
category: transactional
policies: { quietHours: false }
steps:
  - id: short-wait
    wait: { duration: PT1S }
  - id: checkin-email
    send: { template: checkin, survey: { kind: csat } }
`;

describe('delivery through Resend', () => {
  let database: TestDatabase;
  let temporal: { client: Client; address: string; close(): Promise<void> };
  let resend: FakeResend;

  beforeAll(async () => {
    [database, temporal, resend] = await Promise.all([createTestDatabase(), devServerClient(), FakeResend.start()]);
    await publishJourney(database.db, parseDefinitionText(quickCheckin));
  });
  afterAll(async () => {
    await resend?.close();
    await temporal?.close();
    await database?.drop();
  });

  const order = async (taskQueue: string, customer: string) => {
    const router = new EventRouter(database.db, temporalJourneyDispatcher(temporal.client, taskQueue));
    await ingestEvents({ db: database.db, route: router.routeEvents }, [
      customerUpserted(customer),
      orderPlaced(customer, `${customer}-order`),
    ]);
    return temporal.client.workflow.getHandle(journeyWorkflowId('quick-checkin', customer, `order:${customer}-order`));
  };
  const messageTo = (customer: string) => database.db.message.findFirstOrThrow({ where: { toAddress: `${customer}@example.com` } });

  it('retries a 429 after its retry-after and a 500, and delivers once', async () => {
    const taskQueue = uniqueTaskQueue('resend-retries');
    const worker = await createTestWorker({
      connection: await devServerNativeConnection(),
      taskQueue,
      db: database.db,
      transport: new ResendTransport(resend.apiKey, { baseUrl: resend.url }),
    });
    await worker.runUntil(async () => {
      resend.rateLimitNext(1, 1).serverErrorNext(1, 500);
      const handle = await order(taskQueue, 'retried');
      expect(await handle.result()).toBe('completed');
    });
    const message = await messageTo('retried');
    const attempts = resend.emailRequests().filter((request) => request.idempotencyKey === message.id);
    expect(attempts.map((attempt) => attempt.response?.status)).toEqual([429, 500, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000); // retry-after honoured
    expect(resend.delivered.filter((email) => email.idempotencyKey === message.id)).toHaveLength(1);
    expect(message).toMatchObject({ status: 'sent', transport: 'resend' });
  });

  it('records a validation error as failed, with the reason, without retrying', async () => {
    const taskQueue = uniqueTaskQueue('resend-invalid');
    resend.rejectRecipient('refused@example.com', { statusCode: 422, name: 'validation_error', message: 'The to address is not allowed' });
    const worker = await createTestWorker({
      connection: await devServerNativeConnection(),
      taskQueue,
      db: database.db,
      transport: new ResendTransport(resend.apiKey, { baseUrl: resend.url }),
    });
    await worker.runUntil(async () => {
      const handle = await order(taskQueue, 'refused');
      expect(await handle.result()).toBe('completed');
    });
    const message = await messageTo('refused');
    expect(message.status).toBe('failed');
    expect(message.reason).toContain('The to address is not allowed');
    expect(resend.emailRequests().filter((request) => request.idempotencyKey === message.id)).toHaveLength(1);
  });

  it('survives a worker killed after Resend accepted the email: one email, and the row says sent', async () => {
    const taskQueue = uniqueTaskQueue('resend-crash');
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.address,
      TASK_QUEUE: taskQueue,
      AFTERCARE_SECRET: 'resend-crash-secret-0123456789abcdefghijklmnop',
      RESEND_API_KEY: resend.apiKey,
      RESEND_BASE_URL: resend.url,
    };
    resend.hangNext(1, 'accept'); // the email goes out, the answer never comes back
    const first = await startCli(['worker'], env, /polling task queue/);
    const handle = await order(taskQueue, 'crashed');
    const [accepted] = await resend.waitForDelivered(resend.delivered.length + 1, 60_000).then((all) => all.slice(-1));
    first.child.kill('SIGKILL');
    await stopChild(first.child, 'SIGKILL');
    expect((await messageTo('crashed')).status).toBe('pending');

    const second = await startCli(['worker'], env, /polling task queue/);
    try {
      expect(await handle.result()).toBe('completed');
    } finally {
      await stopChild(second.child);
    }
    const message = await messageTo('crashed');
    expect(resend.delivered.filter((email) => email.idempotencyKey === message.id)).toHaveLength(1);
    expect(message).toMatchObject({ status: 'sent', providerId: accepted?.id });
  }, 180_000);
});
