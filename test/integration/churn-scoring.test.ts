// The churn scoring run on the real dev server, over 20,000 synthetic customers: it completes; when the
// worker process is killed halfway, another worker finishes the run without redoing the pages already
// done (nor the customers of the interrupted page that were already committed); and it announces band
// changes only for customers whose band changed: none on a rerun over the same data, exactly one after
// one customer's data changes.
import type { ChildProcess } from 'node:child_process';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRouter } from '../../ingestion/event-router.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import type { AftercareWorkers } from '../../worker.ts';
import { temporalJourneyDispatcher } from '../../workflow-client/journey-dispatcher.ts';
import { type ChurnScoringResult, churnScoringWorkflow } from '../../workflows/churn-scoring.ts';
import { insertSyntheticCustomers } from '../support/churn-data.ts';
import { startCli, stopChild } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createTestWorker, devServerClient, devServerNativeConnection, uniqueTaskQueue } from '../support/temporal.ts';

const CUSTOMERS = 20_000;
const PAGE_SIZE = 1000;

async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

describe('the churn scoring run over 20,000 customers', () => {
  let database: TestDatabase;
  let temporal: { client: Client; address: string; close(): Promise<void> };
  let cliWorker: ChildProcess | undefined;
  let worker: AftercareWorkers | undefined;
  let running: Promise<void> | undefined;
  const taskQueue = uniqueTaskQueue('churn');
  // Every run scores as of the same instant, so reruns see exactly the same data.
  const at = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const runs: ChurnScoringResult[] = [];

  const startRun = (name: string) =>
    temporal.client.workflow.start(churnScoringWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-${name}`,
      args: [{ at: at.getTime(), pageSize: PAGE_SIZE }],
    });
  const bandEvents = () => database.db.event.findMany({ where: { type: 'churn_band.changed' }, orderBy: { id: 'asc' } });

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), devServerClient()]);
    const started = Date.now();
    const written = await insertSyntheticCustomers(database.db, { customers: CUSTOMERS, end: new Date(at.getTime() - 86_400_000) });
    console.info(`churn acceptance: ${written.customers} customers, ${written.orders} orders written in ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    if (cliWorker) await stopChild(cliWorker, 'SIGKILL');
    worker?.shutdown();
    await running;
    await temporal?.close();
    await database?.drop();
  });

  it('completes, and resumes after the worker process is killed halfway without redoing finished pages', async () => {
    const first = await startCli(
      ['worker'],
      {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: temporal.address,
        TASK_QUEUE: taskQueue,
        AFTERCARE_SECRET: 'churn-test-secret-0123456789abcdefghijklmnop',
      },
      /polling task queue/,
    );
    cliWorker = first.child;
    const started = Date.now();
    const handle: WorkflowHandle<typeof churnScoringWorkflow> = await startRun('first');

    // Kill the worker once about half of the pages are done, in the middle of a page (its first batch
    // committed, the second not yet).
    const pageMarkers = () => database.db.churnScoringPage.findMany({ orderBy: { page: 'asc' } });
    await eventually(
      async () => {
        const pages = await pageMarkers();
        const done = pages.filter((page) => page.completedAt !== null).length;
        return done >= 8 && pages.some((page) => page.completedAt === null && page.scored > 0);
      },
      // the fit (with its backtest) first, then eight pages of first scores, on a machine shared with other suites
      180_000,
      5,
    ).catch(async (error: Error) => {
      // Said in full if it ever runs out: how far the run got, and what the worker process logged.
      const pages = (await pageMarkers()).map((page) => `${page.page}:${page.scored}${page.completedAt ? ' done' : ''}`);
      const description = await handle.describe().catch((cause: Error) => ({ status: { name: cause.message } }));
      throw new Error(
        `${error.message}: pages [${pages.join(', ')}], workflow ${description.status.name}; the worker logged:\n${first.output().slice(-4000)}`,
      );
    });
    await stopChild(first.child, 'SIGKILL');
    cliWorker = undefined;
    const killedAt = Date.now();
    const beforeKill = await pageMarkers();
    const doneBeforeKill = beforeKill.filter((page) => page.completedAt !== null);
    const committedBeforeKill = beforeKill.reduce((sum, page) => sum + page.scored, 0);
    expect(doneBeforeKill.length).toBeGreaterThanOrEqual(8);
    expect(committedBeforeKill).toBeLessThan(CUSTOMERS); // killed mid-run

    // Another worker takes over.
    worker = await createTestWorker({
      connection: await devServerNativeConnection(),
      taskQueue,
      db: database.db,
      transport: new OutboxTransport(database.db),
      router: new EventRouter(database.db, temporalJourneyDispatcher(temporal.client, taskQueue)),
    });
    running = worker.run();
    const result = await handle.result();
    runs.push(result);
    const interrupted = beforeKill.find((page) => page.completedAt === null);
    console.info(
      `churn acceptance: first run ${Date.now() - started} ms (killed after ${killedAt - started} ms with ${doneBeforeKill.length} pages done` +
        `${interrupted ? ` and ${interrupted.scored} customers of page ${interrupted.page} committed` : ''}; ${result.pages} pages, ` +
        `${result.retriedPages} retried; model ${result.model.source}: ${result.model.reason})`,
    );

    expect(result.scored).toBe(CUSTOMERS);
    expect(result.model.source).toBe('fit');
    expect(await database.db.churnScore.count()).toBe(CUSTOMERS);
    // Every customer scored once: one first-score history row each, no band "changes" from nothing.
    expect(await database.db.churnScoreHistory.count()).toBe(CUSTOMERS);
    expect(result.changed).toBe(CUSTOMERS);
    expect(result.bandChanges).toBe(0);
    expect(await bandEvents()).toEqual([]);

    const after = await pageMarkers();
    expect(after).toHaveLength(result.pages);
    expect(after.every((page) => page.completedAt !== null)).toBe(true);
    // The pages finished before the kill ran once; at most the page in flight ran again...
    for (const page of doneBeforeKill) expect(after[page.page]?.attempts).toBe(1);
    expect(after.filter((page) => page.attempts > 1).length).toBeLessThanOrEqual(1);
    // ...and resumed from its committed cursor: no customer of the run was scored twice.
    if (interrupted && interrupted.scored > 0) {
      expect(after[interrupted.page]).toMatchObject({ attempts: 2, scored: PAGE_SIZE });
      expect(result.retriedPages).toBe(1);
    }
    expect(after.reduce((sum, page) => sum + page.scored, 0)).toBe(CUSTOMERS);
    expect(after.map((page) => page.scored)).toEqual([...Array.from({ length: CUSTOMERS / PAGE_SIZE }, () => PAGE_SIZE), 0]);
    // The workflow scheduled each page once: the finished pages came from its history, not from a rerun.
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreChurnPage',
    );
    expect(scheduled).toHaveLength(result.pages);
  }, 300_000);

  it('announces no band change when it runs again over the same data', async () => {
    const started = Date.now();
    const result = await (await startRun('second')).result();
    runs.push(result);
    console.info(`churn acceptance: second run ${Date.now() - started} ms for ${result.scored} customers`);
    expect(result.scored).toBe(CUSTOMERS);
    expect(result.model.params).toEqual(runs[0]?.model.params);
    expect(result.changed).toBe(0);
    expect(result.bandChanges).toBe(0);
    expect(await bandEvents()).toEqual([]);
    expect(await database.db.churnScoreHistory.count()).toBe(CUSTOMERS);
  });

  it("announces exactly one band change when one customer's data changes", async () => {
    // A low-band customer a few points short of medium, who then opens two support tickets: each multiplies
    // the odds of no order by e^0.3 (the documented prior weight: the history has too few tickets to learn it).
    const customer = await database.db.churnScore.findFirstOrThrow({
      where: { band: 'low', score: { gte: 21, lt: 29 } },
      include: { customer: true },
      orderBy: { customerId: 'asc' },
    });
    for (const ticket of ['t-1', 't-2']) {
      await database.db.event.create({
        data: {
          id: `ticket-${ticket}`,
          type: 'support.ticket_opened',
          customerId: customer.customerId,
          occurredAt: new Date(at.getTime() - 3_600_000),
          properties: { ticketId: ticket },
          routedAt: new Date(),
        },
      });
    }
    const result = await (await startRun('third')).result();
    expect(result.bandChanges).toBe(1);
    expect(result.changed).toBe(1);
    const events = await bandEvents();
    expect(events).toHaveLength(1);
    const event = events[0];
    expect(event?.customerId).toBe(customer.customerId);
    expect(event?.id).toBe(`churn_band.changed:${customer.customerId}:medium:run:${result.runId}`);
    const odds = (customer.score / (100 - customer.score)) * Math.exp(2 * 0.3);
    expect(event?.properties).toEqual({ from: 'low', to: 'medium', score: expect.closeTo((100 * odds) / (1 + odds), 0.5) });
    expect(event?.occurredAt.getTime()).toBe(at.getTime());
    const rescored = await database.db.churnScore.findUniqueOrThrow({ where: { customerId: customer.customerId } });
    expect(rescored.band).toBe('medium');
    expect(rescored.reasons).toContainEqual(expect.stringMatching(/^2 open support tickets/));
    expect(await database.db.churnScoreHistory.count()).toBe(CUSTOMERS + 1);
    // Routed to journeys (none here) like any event.
    await eventually(async () => (await database.db.event.findUniqueOrThrow({ where: { id: event?.id ?? '' } })).routedAt, 10_000, 100);
  });
});
