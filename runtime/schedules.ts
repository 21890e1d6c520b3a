// Temporal Schedules the engine relies on, created idempotently when a worker starts.
import { type Client, ScheduleAlreadyRunning } from '@temporalio/client';
import { inactivitySweepWorkflow } from '../workflows/inactivity-sweep.ts';

export const INACTIVITY_SWEEP_SCHEDULE_ID = 'aftercare-inactivity-sweep';

export async function ensureSchedules(client: Client, taskQueue: string, timezone: string): Promise<void> {
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
}
