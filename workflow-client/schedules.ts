// Temporal Schedules the engine relies on, created idempotently when a worker starts.
import { type Client, ScheduleAlreadyRunning } from '@temporalio/client';
import { churnScoringWorkflow } from '../workflows/churn-scoring.ts';
import { inactivitySweepWorkflow } from '../workflows/inactivity-sweep.ts';

export const INACTIVITY_SWEEP_SCHEDULE_ID = 'aftercare-inactivity-sweep';
export const CHURN_SCORING_SCHEDULE_ID = 'aftercare-churn-scoring';
/** Local time (CHURN_SCHEDULE_TIMEZONE) of the nightly churn scoring. */
export const CHURN_SCORING_TIME = { hour: 3, minute: 15 } as const;

export async function ensureSchedules(
  client: Client,
  taskQueue: string,
  timezone: string,
  options: { churnTimezone?: string } = {},
): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: INACTIVITY_SWEEP_SCHEDULE_ID,
      // Daily, so that an inactivity threshold is noticed within a day of being crossed.
      spec: { calendars: [{ hour: 2, minute: 30 }], timezone },
      action: { type: 'startWorkflow', workflowType: inactivitySweepWorkflow, taskQueue, workflowId: 'aftercare-inactivity-sweep-run' },
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await ensureChurnScoringSchedule(client, { taskQueue, timezone: options.churnTimezone ?? timezone });
}

/**
 * The nightly churn scoring (refit and rescore everyone) at CHURN_SCORING_TIME in `timezone`. Created
 * when missing; when it exists with another time zone or task queue (the configuration changed), it is
 * updated to the configured ones, keeping its state (a paused schedule stays paused).
 */
export async function ensureChurnScoringSchedule(
  client: Client,
  options: { taskQueue: string; timezone: string; scheduleId?: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  const scheduleId = options.scheduleId ?? CHURN_SCORING_SCHEDULE_ID;
  const spec = { calendars: [{ hour: CHURN_SCORING_TIME.hour, minute: CHURN_SCORING_TIME.minute }], timezone: options.timezone };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: churnScoringWorkflow,
    args: [{}] as [Parameters<typeof churnScoringWorkflow>[0]],
    taskQueue: options.taskQueue,
    // The schedule appends the scheduled time, so each night's run has its own id.
    workflowId: `${scheduleId}-run`,
  };
  // A run takes minutes; a run still going at the next night's time (or after an outage) is not doubled.
  const policies = { overlap: 'SKIP' as const, catchupWindow: '1 day' };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const sameQueue = current.action.type === 'startWorkflow' && current.action.taskQueue === options.taskQueue;
  if (current.spec.timezone === options.timezone && sameQueue) return 'unchanged';
  await handle.update((previous) => ({
    spec,
    action,
    policies: { ...policies, pauseOnFailure: previous.policies.pauseOnFailure },
    state: { paused: previous.state.paused, note: previous.state.note, remainingActions: previous.state.remainingActions },
  }));
  return 'updated';
}
