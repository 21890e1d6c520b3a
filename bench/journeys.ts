// Journeys started per second on the dev server (the shipped post-purchase check-in, from the
// order event through the router to its first wait, written to the database) against the same
// number of trivial one-activity workflows in the same run; and the simulator's speed in
// customer-days per second.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import type { JourneyDefinition } from '../core/journey/definition.ts';
import { simulate } from '../core/journey/simulator.ts';
import { EventRouter } from '../ingestion/event-router.ts';
import { ingestEvents } from '../ingestion/ingest.ts';
import { publishShippedJourneys, readShippedJourneys } from '../journey-store/journey-versions.ts';
import { OutboxTransport } from '../messaging/outbox-transport.ts';
import { createDatabase } from '../runtime/database.ts';
import { startEmbeddedTemporal } from '../runtime/embedded-temporal.ts';
import { createActivities } from '../worker.ts';
import { temporalJourneyDispatcher } from '../workflow-client/journey-dispatcher.ts';
import { createBenchDatabase } from './bench-database.ts';
import { fmt } from './stats.ts';

const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 400);
const BATCH = 50;
const CONCURRENCY = 4;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function benchJourneys(): Promise<Record<string, number>> {
  const database = await createBenchDatabase();
  const db = createDatabase(database.url, 10);
  const temporal = process.env.TEMPORAL_ADDRESS ? null : await startEmbeddedTemporal({ namespace: 'default' });
  const address = process.env.TEMPORAL_ADDRESS ?? (temporal?.address as string);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `bench-${Date.now()}`;
  try {
    await publishShippedJourneys(db);
    const router = new EventRouter(db, temporalJourneyDispatcher(client, taskQueue));
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)),
      activities: {
        ...createActivities({
          db,
          transport: new OutboxTransport(db),
          activityConfig: {
            secret: 'bench-secret-0123456789abcdefghijklmnopqrstuv',
            publicUrl: 'http://localhost',
            emailFrom: 'bench@localhost',
            defaultTimezone: 'UTC',
            defaultLocale: 'en',
            businessName: 'Bench',
            businessAddress: 'Nowhere',
          },
        }),
        async benchNoop() {},
      },
    });
    const running = worker.run();
    try {
      // Journeys: order events in batches, through validation, storage, the router and signal-with-start,
      // until every enrollment has written its first wait.
      const batches = Array.from({ length: JOURNEYS / BATCH }, (_, b) =>
        Array.from({ length: BATCH }, (_, i) => {
          const n = b * BATCH + i;
          return {
            id: `bench-order-${n}`,
            type: 'order.placed',
            customerId: `bench-c${n}`,
            occurredAt: new Date().toISOString(),
            properties: { orderId: `bench-o${n}`, total: 10, currency: 'EUR', items: [{ name: 'Mug' }] },
          };
        }),
      );
      const journeyStart = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batches.length)
            await ingestEvents({ db, route: router.routeEvents, logger: pino({ level: 'silent' }) }, batches[next++] as unknown[]);
        }),
      );
      await waitFor(async () => (await db.enrollmentStep.count({ where: { stepId: 'wait-for-delivery', status: 'waiting' } })) >= JOURNEYS);
      const journeySeconds = (performance.now() - journeyStart) / 1000;

      // Baseline: the same number of trivial one-activity workflows, started and completed.
      const trivialStart = performance.now();
      let started = 0;
      const handles: Promise<unknown>[] = [];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (started < JOURNEYS) {
            const n = started++;
            const handle = await client.workflow.start('trivialWorkflow', { taskQueue, workflowId: `bench-trivial-${taskQueue}-${n}` });
            handles.push(handle.result());
          }
        }),
      );
      await Promise.all(handles);
      const trivialSeconds = (performance.now() - trivialStart) / 1000;

      const journeyRate = JOURNEYS / journeySeconds;
      const trivialRate = JOURNEYS / trivialSeconds;
      console.log(
        `journeys   ${JOURNEYS} post-purchase check-ins started on the dev server (event -> router -> workflow -> first wait in the database)`,
      );
      console.log(`  engine    ${fmt(journeyRate)} journeys/s`);
      console.log(`  baseline  ${fmt(trivialRate)} trivial one-activity workflows/s (started and completed)`);
      console.log(`  ratio     ${fmt(journeyRate / trivialRate, 3)}`);
      const simulator = benchSimulator(await readShippedJourneys());
      return {
        'journeys.started_per_s': journeyRate,
        'journeys.trivial_per_s': trivialRate,
        'journeys.ratio': journeyRate / trivialRate,
        ...simulator,
      };
    } finally {
      worker.shutdown();
      await running;
    }
  } finally {
    await connection.close();
    await nativeConnection.close();
    await db.$disconnect();
    await temporal?.stop();
    await database.drop();
  }
}

function benchSimulator(journeys: JourneyDefinition[]): Record<string, number> {
  const winback = journeys.find((journey) => journey.key === 'win-back') as JourneyDefinition;
  const customers = 2_000;
  const days = 60;
  const zones = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC'];
  const start = Date.parse('2026-03-20T12:00:00Z');
  const t0 = performance.now();
  let messages = 0;
  for (let i = 0; i < customers; i++) {
    const result = simulate({
      definition: winback,
      customer: { timezone: zones[i % zones.length] as string, consent: { marketing: true } },
      start: start + i * 3_600_000,
      days,
      ...(i % 3 === 0 ? { events: [{ at: start + i * 3_600_000 + 20 * 86_400_000, type: 'order.placed' }] } : {}),
    });
    messages += result.sent.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const rate = (customers * days) / seconds;
  console.log(`simulator  win-back for ${customers} customers over ${days} days (${messages} messages)`);
  console.log(`  speed     ${fmt(rate, 0)} customer-days/s (${fmt((seconds * 1000) / customers, 2)} ms per customer)`);
  return { 'simulator.customer_days_per_s': rate };
}
