// The alert delivery pass's Schedule (every 5 minutes) is created once when a worker starts and follows a
// change of its task queue, keeping its state; ALERT_ESCALATE_AFTER is read as an ISO-8601 duration.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.ts';
import { ALERT_DELIVERY_EVERY_MS, ensureAlertDeliverySchedule } from '../../workflow-client/schedules.ts';
import { devServerClient, uniqueTaskQueue } from '../support/temporal.ts';

describe('the alert delivery schedule', () => {
  let temporal: { client: Client; close(): Promise<void> };
  beforeAll(async () => {
    temporal = await devServerClient();
  });
  afterAll(async () => {
    await temporal?.close();
  });

  it('is created once, and follows a change of its task queue, keeping its state', async () => {
    const taskQueue = uniqueTaskQueue('alert-schedule');
    const scheduleId = `${taskQueue}-alerts`;
    const handle = temporal.client.schedule.getHandle(scheduleId);
    try {
      expect(await ensureAlertDeliverySchedule(temporal.client, { taskQueue, scheduleId })).toBe('created');
      expect(await ensureAlertDeliverySchedule(temporal.client, { taskQueue, scheduleId })).toBe('unchanged');
      let described = await handle.describe();
      expect(described.spec.intervals).toMatchObject([{ every: ALERT_DELIVERY_EVERY_MS }]);
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'alertDeliveryWorkflow', taskQueue });
      expect(described.policies.overlap).toBe('SKIP');

      await handle.pause('paused by the owner');
      expect(await ensureAlertDeliverySchedule(temporal.client, { taskQueue: `${taskQueue}-moved`, scheduleId })).toBe('updated');
      described = await handle.describe();
      expect(described.action).toMatchObject({ taskQueue: `${taskQueue}-moved` });
      expect(described.state.paused).toBe(true);
      expect(await ensureAlertDeliverySchedule(temporal.client, { taskQueue: `${taskQueue}-moved`, scheduleId, everyMs: 60_000 })).toBe(
        'updated',
      );
      expect((await handle.describe()).spec.intervals).toMatchObject([{ every: 60_000 }]);
    } finally {
      await handle.delete();
    }
  });

  it('reads ALERT_ESCALATE_AFTER as a positive ISO-8601 duration, PT24H by default', () => {
    expect(loadConfig({}).alertEscalateAfter).toBe('PT24H');
    expect(loadConfig({ ALERT_ESCALATE_AFTER: 'P2D' }).alertEscalateAfter).toBe('P2D');
    for (const value of ['24h', 'PT0S', 'P']) {
      expect(() => loadConfig({ ALERT_ESCALATE_AFTER: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ALERT_ESCALATE_AFTER: value })).toThrow(/ALERT_ESCALATE_AFTER/);
    }
  });
});
