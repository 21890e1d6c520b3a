// Durability on the real dev server: the worker process dies in the middle of a journey, another
// one picks it up, and the customer still gets exactly one email.

import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../core/journey/enrollment-rules.ts';
import { EventRouter } from '../../ingestion/event-router.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { temporalJourneyDispatcher } from '../../workflow-client/journey-dispatcher.ts';
import { startCli, stopChild } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { devServerClient, uniqueTaskQueue } from '../support/temporal.ts';

const shortCheckin = `
key: quick-checkin
name: Check-in after a short wait
trigger: { event: order.placed }
entity: order
category: transactional
policies: { quietHours: false }
steps:
  - id: short-wait
    wait: { duration: PT6S }
  - id: checkin-email
    send: { template: checkin, survey: { kind: csat } }
`;

async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a worker killed mid-journey', () => {
  let database: TestDatabase;
  let temporal: { client: Client; address: string; close(): Promise<void> };
  const taskQueue = uniqueTaskQueue('crash');

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), devServerClient()]);
    await publishJourney(database.db, parseDefinitionText(shortCheckin));
  });

  afterAll(async () => {
    await temporal?.close();
    await database?.drop();
  });

  it('is replaced by a new worker that finishes the journey with exactly one message', async () => {
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporal.address,
      TASK_QUEUE: taskQueue,
      AFTERCARE_SECRET: 'crash-test-secret-0123456789abcdefghijklmnop',
    };
    const first = await startCli(['worker'], env, /polling task queue/);

    const router = new EventRouter(database.db, temporalJourneyDispatcher(temporal.client, taskQueue));
    await ingestEvents({ db: database.db, route: router.routeEvents }, [
      customerUpserted('cust-crash'),
      orderPlaced('cust-crash', 'ord-crash'),
    ]);
    const workflowId = journeyWorkflowId('quick-checkin', 'cust-crash', 'order:ord-crash');

    // Kill the worker while the journey waits.
    await eventually(() => database.db.enrollmentStep.findFirst({ where: { stepId: 'short-wait', status: 'waiting' } }));
    first.child.kill('SIGKILL');
    await stopChild(first.child, 'SIGKILL');
    expect(await database.db.message.count()).toBe(0);

    const second = await startCli(['worker'], env, /polling task queue/);
    try {
      const outcome = await temporal.client.workflow.getHandle(workflowId).result();
      expect(outcome).toBe('completed');
    } finally {
      await stopChild(second.child);
    }
    expect(await database.db.outboxEmail.count()).toBe(1);
    const message = await database.db.message.findFirstOrThrow();
    expect(message.status).toBe('sent');
    // The worker also published the shipped journeys, so the order waits in the shipped check-in too.
    const steps = await database.db.enrollmentStep.findMany({
      where: { enrollment: { journeyKey: 'quick-checkin' } },
      orderBy: { seq: 'asc' },
    });
    expect(steps.map((step) => `${step.stepId}:${step.status}`)).toEqual([
      '(start):treatment',
      'short-wait:waiting',
      'short-wait:done',
      'checkin-email:sent',
      '(end):completed',
    ]);
  });
});
