import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityConfig } from '../../activities/journey-activities.ts';
import type { EventRouter } from '../../ingestion/event-router.ts';
import type { EmailTransport } from '../../messaging/transport.ts';
import type { Database } from '../../runtime/database.ts';
import { temporalTestServerExecutable } from '../../runtime/temporal-binaries.ts';
import { type AftercareWorkers, createAftercareWorker } from '../../worker.ts';

let runtimeInstalled = false;
/** Workers log at WARN in tests; their INFO lines would drown the test output. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
}

export const uniqueTaskQueue = (name: string) => `test-${name}-${randomBytes(4).toString('hex')}`;

let bundleCode: string | undefined;
export function workflowBundle(): { code: string } {
  bundleCode ??= readFileSync(inject('workflowBundlePath'), 'utf8');
  return { code: bundleCode };
}

export const testActivityConfig: ActivityConfig = {
  secret: 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  publicUrl: 'https://aftercare.test',
  emailFrom: 'Northwind <care@northwind.example>',
  defaultTimezone: 'UTC',
  defaultLocale: 'en',
  businessName: 'Northwind Outfitters',
  businessAddress: '1 Harbour Street, Bristol',
};

/** The time-skipping test server: long waits pass in milliseconds. */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: temporalTestServerExecutable() } });
}

/** A client of the run's shared dev server (real time). */
export async function devServerClient(): Promise<{ client: Client; address: string; close(): Promise<void> }> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection }), address, close: () => connection.close() };
}

export async function devServerNativeConnection(): Promise<NativeConnection> {
  quietTemporalRuntime();
  return NativeConnection.connect({ address: inject('temporalAddress') });
}

export async function createTestWorker(options: {
  connection: NativeConnection;
  taskQueue: string;
  db: Database;
  transport: EmailTransport;
  namespace?: string;
  router?: EventRouter;
}): Promise<AftercareWorkers> {
  return createAftercareWorker({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    db: options.db,
    transport: options.transport,
    activityConfig: testActivityConfig,
    workflowBundle: workflowBundle(),
    ...(options.router ? { route: options.router.routeEvents } : {}),
  });
}
