// Everything a journey test needs on the time-skipping server: a fresh database with the shipped
// journeys published, the router, a worker that runs while a scenario does, and the clock.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EventRouter } from '../../ingestion/event-router.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { emitInternalEvent, type InternalEvent } from '../../ingestion/internal-events.ts';
import { recordSurveyAnswer } from '../../ingestion/survey-answers.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { temporalJourneyDispatcher } from '../../workflow-client/journey-dispatcher.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createTestWorker, createTimeSkippingEnvironment, uniqueTaskQueue } from './temporal.ts';

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export type JourneyHarness = Awaited<ReturnType<typeof createJourneyHarness>>;

export async function createJourneyHarness(name: string, options: { historyLimit?: number } = {}) {
  const [started, created] = await Promise.allSettled([createTimeSkippingEnvironment(), createTestDatabase()]);
  if (started.status === 'rejected' || created.status === 'rejected') {
    // Whichever of the two did start is not left running.
    if (started.status === 'fulfilled') await started.value.teardown();
    else if (created.status === 'fulfilled') await created.value.drop();
    throw started.status === 'rejected' ? started.reason : (created as PromiseRejectedResult).reason;
  }
  const env: TestWorkflowEnvironment = started.value;
  const database: TestDatabase = created.value;
  // Registered at once, so that a harness that fails to start (or a file whose afterAll fails) still
  // stops the time-skipping server, then the worker, before the database is dropped.
  database.closeBeforeDrop(() => env.teardown());
  await publishShippedJourneys(database.db);
  const taskQueue = uniqueTaskQueue(name);
  const router = new EventRouter(database.db, temporalJourneyDispatcher(env.client, taskQueue), {
    ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
  });
  const db = database.db;
  // One worker for the whole file: a worker stopped between scenarios would leave tasks it had
  // taken unfinished, and the time-skipping server does not skip time while an activity is out.
  const worker = await createTestWorker({ connection: env.nativeConnection, taskQueue, db, transport: new OutboxTransport(db), router });
  const running = worker.run();
  database.closeBeforeDrop(async () => {
    worker.shutdown();
    await running;
  });

  const harness = {
    env,
    db,
    router,
    taskQueue,
    now: async () => new Date(await env.currentTimeMs()),
    send: (...events: unknown[]) => ingestEvents({ db, route: router.routeEvents }, events),
    emit: (event: Omit<InternalEvent, 'customerRowId' | 'occurredAt'> & { customer: string }) =>
      db.customer.findUniqueOrThrow({ where: { externalId: event.customer } }).then(async (customer) =>
        emitInternalEvent(db, router.routeEvents, {
          id: event.id,
          type: event.type,
          properties: event.properties,
          customerRowId: customer.id,
          occurredAt: await harness.now(),
        }),
      ),
    /**
     * The customer answers a minute after the email went out (the time-skipping clock may have run far
     * ahead while a test awaited a result, past the survey's closing), and journeys are told at once.
     */
    answerSurvey: async (messageId: string, score: number) => {
      const message = await db.message.findUniqueOrThrow({ where: { id: messageId } });
      const at = new Date((message.sentAt ?? message.createdAt).getTime() + 60_000);
      return recordSurveyAnswer(db, router.routeEvents, { messageId, score, at });
    },
    /** Runs a scenario while the worker runs (kept for readability of the tests). */
    withWorker: <T>(scenario: () => Promise<T>): Promise<T> => scenario(),
    /** Skips time an hour at a time until `probe` finds something (or `limit` passes). */
    until: async <T>(probe: () => Promise<T | null | undefined | false>, limit = 40 * DAY, step = HOUR): Promise<T> => {
      for (let waited = 0; waited <= limit; waited += step) {
        const found = await probe();
        if (found) return found;
        await env.sleep(step);
      }
      throw new Error('nothing happened within the limit');
    },
    workflow: (journeyKey: string, customer: string, entity: string) =>
      env.client.workflow.getHandle(`journey/${journeyKey}/${customer}/${entity}`),
    messages: (template?: string) => db.message.findMany({ where: template ? { template } : {}, orderBy: { createdAt: 'asc' } }),
    localHour: (at: Date, zone: string) =>
      Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(at)),
    localWeekday: (at: Date, zone: string) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short' }).format(at),
    /** Stops the worker and the test server, then drops the database. */
    close: () => database.drop(),
  };
  return harness;
}
