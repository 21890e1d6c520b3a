// The worker: runs journey workflows and their activities on the task queue. Any number of these
// processes can share a queue; all of their state lives in Temporal and PostgreSQL.

import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createInactivityActivities } from './activities/inactivity-activities.ts';
import { type ActivityConfig, createJourneyActivities } from './activities/journey-activities.ts';
import type { EventRouter } from './ingestion/event-router.ts';
import { TemplateStore } from './messaging/template-store.ts';
import type { EmailTransport } from './messaging/transport.ts';
import type { Database } from './runtime/database.ts';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export type AftercareWorkerOptions = {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  transport: EmailTransport;
  activityConfig: ActivityConfig;
  templates?: TemplateStore;
  /** A prebuilt bundle (tests build it once per run); without it the worker bundles on start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Lets activities that emit events (the inactivity sweep) start journeys. */
  router?: EventRouter;
};

export function createActivities(options: Omit<AftercareWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle'>) {
  return {
    ...createJourneyActivities({
      db: options.db,
      transport: options.transport,
      templates: options.templates ?? new TemplateStore(),
      config: options.activityConfig,
    }),
    ...createInactivityActivities({ db: options.db, router: options.router ?? null }),
  };
}

export async function createAftercareWorker(options: AftercareWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
