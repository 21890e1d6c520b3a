// The worker: runs journey workflows and their activities on the task queue, and the email sends
// on a second queue of their own, whose rate limit Temporal enforces across every worker process
// (Resend's default is 2 emails a second). Any number of these processes can share the queues; all
// of their state lives in Temporal and PostgreSQL.

import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createAlertActivities } from './activities/alert-activities.ts';
import { createChurnActivities } from './activities/churn-activities.ts';
import { createInactivityActivities } from './activities/inactivity-activities.ts';
import { type ActivityConfig, createJourneyActivities } from './activities/journey-activities.ts';
import { createSurveyActivities } from './activities/survey-activities.ts';
import type { ChurnScoringConfig } from './churn/scoring.ts';
import type { RouteEvents } from './core/routing/ports.ts';
import { emailTaskQueue } from './core/task-queues.ts';
import { TemplateStore } from './messaging/template-store.ts';
import type { EmailTransport } from './messaging/transport.ts';
import type { Database } from './runtime/database.ts';
import { declareActivityOnlyTaskQueue } from './runtime/temporal-logging.ts';
import { DEFAULT_ALERT_ESCALATE_AFTER } from './workspace/alert-delivery.ts';

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
  route?: RouteEvents;
  /** Emails per second across all workers (EMAIL_RATE_LIMIT). */
  emailsPerSecond?: number;
  /** Churn band thresholds and score precedence (CHURN_BAND_THRESHOLDS, CHURN_SCORE_PRECEDENCE). */
  churn?: ChurnScoringConfig;
  /** How long an open alert may go unacknowledged before it escalates to the admins (ALERT_ESCALATE_AFTER, default PT24H). */
  alertEscalateAfter?: string;
  /** ALERT_WEBHOOK_URL: urgent and escalated alerts are also posted there, signed with the activities' secret. */
  alertWebhookUrl?: string | undefined;
};

export { emailTaskQueue };

export const DEFAULT_EMAILS_PER_SECOND = 2;

/**
 * The rate the email queue is given: a little under the provider's limit, because Temporal's limiter
 * is a token bucket that lets short bursts through; measured by `npm run bench` (messaging).
 */
export const emailQueueRate = (emailsPerSecond: number) => emailsPerSecond * 0.9;

/** The two workers of one process, run and stopped together. */
export class AftercareWorkers {
  constructor(readonly workers: Worker[]) {}

  run(): Promise<void> {
    return Promise.all(this.workers.map((worker) => worker.run())).then(() => undefined);
  }

  /** Runs until `until` settles, then shuts down and waits for both workers to stop. */
  async runUntil<T>(until: Promise<T> | (() => Promise<T>)): Promise<T> {
    const running = this.run();
    try {
      return await (typeof until === 'function' ? until() : until);
    } finally {
      this.shutdown();
      await running;
    }
  }

  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}

export function createActivities(options: Omit<AftercareWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle'>) {
  return {
    ...createJourneyActivities({
      db: options.db,
      transport: options.transport,
      templates: options.templates ?? new TemplateStore(),
      config: options.activityConfig,
    }),
    ...createInactivityActivities({ db: options.db, route: options.route ?? null }),
    ...createAlertActivities({
      db: options.db,
      transport: options.transport,
      config: {
        emailFrom: options.activityConfig.emailFrom,
        publicUrl: options.activityConfig.publicUrl,
        defaultTimezone: options.activityConfig.defaultTimezone,
        escalateAfter: options.alertEscalateAfter ?? DEFAULT_ALERT_ESCALATE_AFTER,
        ...(options.alertWebhookUrl ? { webhook: { url: options.alertWebhookUrl, secret: options.activityConfig.secret } } : {}),
      },
    }),
    ...createSurveyActivities({ db: options.db, route: options.route ?? null }),
    ...createChurnActivities({ db: options.db, route: options.route ?? null, ...(options.churn ? { config: options.churn } : {}) }),
  };
}

export async function createAftercareWorker(options: AftercareWorkerOptions): Promise<AftercareWorkers> {
  const activities = createActivities(options);
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    ...(options.identity ? { identity: options.identity } : {}),
  };
  const main = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
  });
  // The email worker runs the send activity only. The SDK warns on every start that a worker without
  // workflows does not poll for workflow tasks; that is the intent here, so it is logged at debug.
  // (Giving this worker the workflow bundle would silence it too, at the price of a workflow sandbox
  // and pollers on a queue no workflow task is ever scheduled on.)
  declareActivityOnlyTaskQueue(emailTaskQueue(options.taskQueue));
  const email = await Worker.create({
    ...common,
    taskQueue: emailTaskQueue(options.taskQueue),
    activities: { sendJourneyMessage: activities.sendJourneyMessage, sendStaffNotification: activities.sendStaffNotification },
    maxTaskQueueActivitiesPerSecond: emailQueueRate(options.emailsPerSecond ?? DEFAULT_EMAILS_PER_SECOND),
  });
  return new AftercareWorkers([main, email]);
}
