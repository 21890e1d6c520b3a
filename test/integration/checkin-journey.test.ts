// The first journey end to end on the time-skipping server: an order in, a check-in email out,
// three days later, exactly once.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../core/journey/enrollment-rules.ts';
import { EventRouter } from '../../ingestion/event-router.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { temporalJourneyDispatcher } from '../../workflow-client/journey-dispatcher.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderEvent, orderPlaced } from '../support/events.ts';
import { createTestWorker, createTimeSkippingEnvironment, uniqueTaskQueue } from '../support/temporal.ts';

const DAY = 24 * 60 * 60 * 1000;

/** The foundation's journey: three days after an order, the check-in (the shipped one also waits for delivery). */
const threeDayCheckin = `
key: post-purchase-checkin
name: Check-in three days after the order
trigger: { event: order.placed }
entity: order
category: transactional
exitEvents: [order.refunded]
steps:
  - id: wait-3-days
    wait: { duration: P3D }
  - id: checkin-email
    send: { template: checkin, survey: { kind: csat } }
`;

describe('post-purchase check-in', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let router: EventRouter;
  const taskQueue = uniqueTaskQueue('checkin');

  beforeAll(async () => {
    [env, database] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase()]);
    await publishJourney(database.db, parseDefinitionText(threeDayCheckin));
    router = new EventRouter(database.db, temporalJourneyDispatcher(env.client, taskQueue));
  });

  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  const send = (...events: unknown[]) => ingestEvents({ db: database.db, route: router.routeEvents }, events);
  /** A worker runs only as long as `until` (a worker cannot be restarted once it has stopped). */
  const withWorker = async <T>(until: Promise<T> | (() => Promise<T>)): Promise<T> => {
    const worker = await createTestWorker({
      connection: env.nativeConnection,
      taskQueue,
      db: database.db,
      transport: new OutboxTransport(database.db),
    });
    return worker.runUntil(until);
  };

  it('delivers the check-in once, three days after a new customer orders', async () => {
    const customer = customerUpserted('cust-new', { name: 'Grace Hopper', locale: 'fr-FR', timezone: 'Europe/Paris' });
    const order = orderPlaced('cust-new', 'ord-1001');
    const results = await send(customer, order);
    expect(results.map((result) => result.status)).toEqual(['accepted', 'accepted']);

    const handle = env.client.workflow.getHandle(journeyWorkflowId('post-purchase-checkin', 'cust-new', 'order:ord-1001'));
    const startedAt = await env.currentTimeMs();
    await expect(withWorker(handle.result())).resolves.toBe('completed');

    const outbox = await database.db.outboxEmail.findMany();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.toAddress).toBe('cust-new@example.com');
    expect(outbox[0]?.subject).toBe('Grace, votre commande vous plaît-elle ?'); // her language: fr-FR
    expect(outbox[0]?.text).toContain('2 x Linen shirt');
    expect(outbox[0]?.text).toContain('129,50\u00a0€'); // the total, formatted in the customer's locale

    const message = await database.db.message.findFirstOrThrow({ include: { enrollment: true } });
    expect(message.status).toBe('sent');
    expect(message.providerId).toBe(outbox[0]?.id);
    const waited = (message.sentAt?.getTime() ?? 0) - (message.enrollment?.enteredAt.getTime() ?? 0);
    expect(waited).toBeGreaterThanOrEqual(3 * DAY - 1000);
    // Three days, plus at most the night if day three ends in the customer's quiet hours (21:00-08:00).
    expect(message.sentAt!.getTime() - startedAt).toBeLessThan(3 * DAY + 11 * 3600_000 + 60_000);
    const localHour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(message.sentAt!),
    );
    expect(localHour >= 8 && localHour < 21).toBe(true);
  });

  it('sends nothing more for the same event again, or another event for the same order', async () => {
    const before = await database.db.outboxEmail.count();
    const replay = await database.db.event.findFirstOrThrow({ where: { type: 'order.placed' } });
    const again = await send({
      id: replay.id,
      type: 'order.placed',
      customerId: 'cust-new',
      occurredAt: replay.occurredAt.toISOString(),
      properties: replay.properties,
    });
    expect(again[0]?.status).toBe('duplicate');

    const sameOrder = await send(
      orderPlaced('cust-new', 'ord-1001'), // a different event id for an order already followed up
      orderEvent('order.delivered', 'cust-new', 'ord-1001'),
    );
    expect(sameOrder.map((result) => result.status)).toEqual(['accepted', 'accepted']);

    // Give any (wrongly) started workflow all the time it would need.
    await withWorker(env.sleep(4 * DAY));
    expect(await database.db.outboxEmail.count()).toBe(before);
    expect(await database.db.message.count()).toBe(1);
    expect(await database.db.enrollment.count()).toBe(1);
  });

  it('a refund during the wait ends the check-in without a message', async () => {
    await send(customerUpserted('cust-refund'), orderPlaced('cust-refund', 'ord-2002'));
    const handle = env.client.workflow.getHandle(journeyWorkflowId('post-purchase-checkin', 'cust-refund', 'order:ord-2002'));
    await withWorker(async () => {
      await env.sleep(DAY);
      await send(orderEvent('order.refunded', 'cust-refund', 'ord-2002'));
      expect(await handle.result()).toBe('exited');
    });
    const enrollment = await database.db.enrollment.findUniqueOrThrow({ where: { workflowId: handle.workflowId } });
    expect(enrollment.status).toBe('exited');
    expect(await database.db.message.count({ where: { customer: { externalId: 'cust-refund' } } })).toBe(0);
  });
});
