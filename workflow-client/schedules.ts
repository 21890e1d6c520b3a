// Temporal Schedules the engine relies on, created idempotently when a worker starts, and updated when
// the configuration they were made from (time zone, task queue) or their time of day changed.
import { type Client, ScheduleAlreadyRunning, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { alertDeliveryWorkflow } from '../workflows/alert-delivery.ts';
import { churnScoringWorkflow } from '../workflows/churn-scoring.ts';
import { inactivitySweepWorkflow } from '../workflows/inactivity-sweep.ts';

export const INACTIVITY_SWEEP_SCHEDULE_ID = 'aftercare-inactivity-sweep';
export const CHURN_SCORING_SCHEDULE_ID = 'aftercare-churn-scoring';
/** Local time (DEFAULT_TIMEZONE) of the daily inactivity sweep. */
export const INACTIVITY_SWEEP_TIME = { hour: 2, minute: 30 } as const;
/** Local time (CHURN_SCHEDULE_TIMEZONE) of the nightly churn scoring. */
export const CHURN_SCORING_TIME = { hour: 3, minute: 15 } as const;
export const ALERT_DELIVERY_SCHEDULE_ID = 'aftercare-alert-delivery';
/** How often the alert delivery pass runs: the lateness of an urgent alert's email, at most. */
export const ALERT_DELIVERY_EVERY_MS = 5 * 60_000;

export type ScheduleChange = 'created' | 'updated' | 'unchanged';

export async function ensureSchedules(
  client: Client,
  taskQueue: string,
  timezone: string,
  options: { churnTimezone?: string } = {},
): Promise<void> {
  await ensureInactivitySweepSchedule(client, { taskQueue, timezone });
  await ensureChurnScoringSchedule(client, { taskQueue, timezone: options.churnTimezone ?? timezone });
  await ensureAlertDeliverySchedule(client, { taskQueue });
}

/**
 * The alert delivery pass (workflows/alert-delivery.ts) every ALERT_DELIVERY_EVERY_MS: urgent alerts, escalations
 * and the daily digest (whose time of day the pass judges itself, in DEFAULT_TIMEZONE). Created when missing;
 * updated when its task queue or interval changed, keeping its state (a paused schedule stays paused).
 */
export async function ensureAlertDeliverySchedule(
  client: Client,
  options: { taskQueue: string; scheduleId?: string; everyMs?: number },
): Promise<ScheduleChange> {
  const scheduleId = options.scheduleId ?? ALERT_DELIVERY_SCHEDULE_ID;
  const every = options.everyMs ?? ALERT_DELIVERY_EVERY_MS;
  const spec = { intervals: [{ every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: alertDeliveryWorkflow,
    args: [{}] as [Parameters<typeof alertDeliveryWorkflow>[0]],
    taskQueue: options.taskQueue,
    workflowId: `${scheduleId}-run`,
  };
  // A pass still running at the next tick is not doubled; missed ticks are not caught up one by one.
  const policies = { overlap: 'SKIP' as const, catchupWindow: '10 minutes' };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const sameEvery = current.spec.intervals?.length === 1 && current.spec.intervals[0]?.every === every;
  const sameQueue = current.action.type === 'startWorkflow' && current.action.taskQueue === action.taskQueue;
  if (sameEvery && sameQueue) return 'unchanged';
  await handle.update((previous) => ({
    spec,
    action,
    policies: { ...policies, pauseOnFailure: previous.policies.pauseOnFailure },
    state: { paused: previous.state.paused, note: previous.state.note, remainingActions: previous.state.remainingActions },
  }));
  return 'updated';
}

/**
 * The daily inactivity sweep at INACTIVITY_SWEEP_TIME in `timezone` (daily, so that an inactivity
 * threshold is noticed within a day of being crossed). Created when missing; updated to the configured
 * time zone and task queue when they changed, keeping its state (a paused schedule stays paused).
 */
export async function ensureInactivitySweepSchedule(
  client: Client,
  options: { taskQueue: string; timezone: string; scheduleId?: string },
): Promise<ScheduleChange> {
  const scheduleId = options.scheduleId ?? INACTIVITY_SWEEP_SCHEDULE_ID;
  return ensureDailySchedule(client, {
    scheduleId,
    time: INACTIVITY_SWEEP_TIME,
    timezone: options.timezone,
    action: {
      type: 'startWorkflow',
      workflowType: inactivitySweepWorkflow,
      args: [{}] as [Parameters<typeof inactivitySweepWorkflow>[0]],
      taskQueue: options.taskQueue,
      // `aftercare-inactivity-sweep-run`; the schedule appends the scheduled time.
      workflowId: `${scheduleId}-run`,
    },
  });
}

/**
 * The nightly churn scoring (refit and rescore everyone) at CHURN_SCORING_TIME in `timezone`. Created
 * when missing; when it exists with another time zone or task queue (the configuration changed), it is
 * updated to the configured ones, keeping its state (a paused schedule stays paused).
 */
export async function ensureChurnScoringSchedule(
  client: Client,
  options: { taskQueue: string; timezone: string; scheduleId?: string },
): Promise<ScheduleChange> {
  const scheduleId = options.scheduleId ?? CHURN_SCORING_SCHEDULE_ID;
  return ensureDailySchedule(client, {
    scheduleId,
    time: CHURN_SCORING_TIME,
    timezone: options.timezone,
    action: {
      type: 'startWorkflow',
      workflowType: churnScoringWorkflow,
      args: [{}] as [Parameters<typeof churnScoringWorkflow>[0]],
      taskQueue: options.taskQueue,
      // The schedule appends the scheduled time, so each night's run has its own id.
      workflowId: `${scheduleId}-run`,
    },
  });
}

/** A schedule that starts one workflow a day at `time` in `timezone`, made to match the configuration. */
async function ensureDailySchedule<W extends Workflow>(
  client: Client,
  options: {
    scheduleId: string;
    time: { hour: number; minute: number };
    timezone: string;
    action: ScheduleOptionsStartWorkflowAction<W> & { taskQueue: string };
  },
): Promise<ScheduleChange> {
  const { scheduleId, time, timezone, action } = options;
  const spec = { calendars: [{ hour: time.hour, minute: time.minute }], timezone };
  // A run still going at the next day's time (or after an outage) is not doubled.
  const policies = { overlap: 'SKIP' as const, catchupWindow: '1 day' };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const calendar = current.spec.calendars?.[0];
  const sameTime = calendar?.hour?.[0]?.start === time.hour && calendar?.minute?.[0]?.start === time.minute;
  const sameQueue = current.action.type === 'startWorkflow' && current.action.taskQueue === action.taskQueue;
  if (current.spec.timezone === timezone && sameQueue && sameTime) return 'unchanged';
  await handle.update((previous) => ({
    spec,
    action,
    policies: { ...policies, pauseOnFailure: previous.policies.pauseOnFailure },
    state: { paused: previous.state.paused, note: previous.state.note, remainingActions: previous.state.remainingActions },
  }));
  return 'updated';
}
