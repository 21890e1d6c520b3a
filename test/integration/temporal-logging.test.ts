// The Temporal SDK logs through our logger: JSON like every other line, at LOG_LEVEL, its lifecycle
// chatter (worker states, the workflow bundle's webpack listing) at debug, and no warning on every
// start about the email queue's worker having no workflows. Runs in its own process (one Runtime per
// process), so the Runtime is installed here before any connection.
import { Writable } from 'node:stream';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { createLogger } from '../../runtime/logger.ts';
import { installTemporalLogging, temporalLogger } from '../../runtime/temporal-logging.ts';
import { createAftercareWorker, emailTaskQueue } from '../../worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testActivityConfig, uniqueTaskQueue } from '../support/temporal.ts';

type Line = { level: number; msg: string; component?: string; sdkComponent?: string; taskQueue?: string; [key: string]: unknown };

const written: string[] = [];
const lines = (): Line[] => written.map((text) => JSON.parse(text) as Line);
const logger = createLogger('debug', 'aftercare', { pretty: false, destination: { write: (text: string) => written.push(text) } });

let database: TestDatabase;
let connection: NativeConnection;
const taskQueue = uniqueTaskQueue('logging');

beforeAll(async () => {
  expect(installTemporalLogging(logger)).toBe(true);
  expect(installTemporalLogging(createLogger('error'))).toBe(true); // a second call changes nothing
  database = await createTestDatabase();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  database.closeBeforeDrop(() => connection.close());
  // Without a prebuilt bundle: the worker bundles the workflows itself, as `aftercare start` does.
  const worker = await createAftercareWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db: database.db,
    transport: new OutboxTransport(database.db),
    activityConfig: testActivityConfig,
  });
  await worker.runUntil(new Promise((resolve) => setTimeout(resolve, 1000)));
  await new Promise((resolve) => setTimeout(resolve, 300)); // forwarded lines are buffered for 100 ms
});
afterAll(async () => {
  await database?.drop();
});

describe('the Temporal SDK through our logger', () => {
  it('writes JSON lines only, marked as Temporal', () => {
    const temporal = lines().filter((line) => line.component === 'temporal');
    expect(temporal.length).toBeGreaterThan(5);
    expect(temporal.every((line) => typeof line.sdkComponent === 'string')).toBe(true);
  });

  it('logs the bundler webpack listing and the worker lifecycle at debug, so LOG_LEVEL=info shows none of it', () => {
    const temporal = lines().filter((line) => line.component === 'temporal');
    const listing = temporal.find((line) => line.msg.includes('modules by path'));
    expect(listing?.level).toBe(20);
    expect(temporal.find((line) => line.msg === 'Workflow bundle created')?.level).toBe(20);
    const states = temporal.filter((line) => line.msg === 'Worker state changed');
    expect(states.map((line) => line.state)).toEqual(expect.arrayContaining(['RUNNING', 'STOPPED']));
    expect(states.every((line) => line.level === 20)).toBe(true);
    expect(temporal.filter((line) => line.level >= 30)).toEqual([]);
  });

  it('does not warn that the email worker has no workflows (it has none on purpose)', () => {
    const notice = lines().find((line) => line.msg === 'No workflows registered, not polling for workflow tasks');
    expect(notice).toMatchObject({ level: 20, taskQueue: emailTaskQueue(taskQueue) });
  });

  it("keeps the level of our workflows' and activities' own lines, warns on the SDK's warnings, and serializes errors", () => {
    const adapter = temporalLogger(logger);
    adapter.info('band changes left to the event sweeper', { sdkComponent: 'activity', events: 3 });
    adapter.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    adapter.warn('Activity failed', { sdkComponent: 'worker', error: new Error('connection refused') });
    adapter.warn('No workflows registered, not polling for workflow tasks', { sdkComponent: 'worker', taskQueue: 'some-other-queue' });
    const [activity, state, failed, noWorkflows] = lines().slice(-4);
    expect(activity).toMatchObject({ level: 30, sdkComponent: 'activity', events: 3 });
    expect(state).toMatchObject({ level: 20 });
    expect(failed).toMatchObject({ level: 40, err: { type: 'Error', message: 'connection refused' } });
    expect(failed).not.toHaveProperty('error');
    expect(noWorkflows).toMatchObject({ level: 40 }); // a queue that should have workflows still warns
  });

  it('writes readable lines instead of JSON when asked to (a terminal)', () => {
    const pretty: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        pretty.push(String(chunk));
        done();
      },
    });
    const terminal = createLogger('info', 'aftercare', { pretty: true, destination });
    terminal.info({ dataDir: '/tmp/x' }, 'embedded PostgreSQL started');
    terminal.debug('not shown at info');
    expect(pretty).toHaveLength(1);
    expect(pretty[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: embedded PostgreSQL started\n {4}dataDir: "\/tmp\/x"\n$/);
  });
});
