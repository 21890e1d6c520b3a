// The inactivity sweep's schedule follows the configuration as the churn schedule does, and a long
// sweep continues as new without losing a page or its totals.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinitionText, publishJourney } from '../../journey-store/journey-versions.ts';
import { ensureInactivitySweepSchedule, INACTIVITY_SWEEP_TIME } from '../../workflow-client/schedules.ts';
import { inactivitySweepWorkflow } from '../../workflows/inactivity-sweep.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';
import { createJourneyHarness, DAY, type JourneyHarness } from '../support/journey-harness.ts';
import { devServerClient, uniqueTaskQueue } from '../support/temporal.ts';

describe('the inactivity sweep schedule', () => {
  let temporal: { client: Client; close(): Promise<void> };
  beforeAll(async () => {
    temporal = await devServerClient();
  });
  afterAll(async () => {
    await temporal?.close();
  });

  it('is created once, and follows a change of its time zone or task queue, keeping its state', async () => {
    const taskQueue = uniqueTaskQueue('inactivity-schedule');
    const scheduleId = `${taskQueue}-sweep`;
    const handle = temporal.client.schedule.getHandle(scheduleId);
    try {
      expect(await ensureInactivitySweepSchedule(temporal.client, { taskQueue, timezone: 'Europe/Paris', scheduleId })).toBe('created');
      expect(await ensureInactivitySweepSchedule(temporal.client, { taskQueue, timezone: 'Europe/Paris', scheduleId })).toBe('unchanged');
      let described = await handle.describe();
      expect(described.spec.timezone).toBe('Europe/Paris');
      expect(described.spec.calendars?.[0]).toMatchObject({
        hour: [{ start: INACTIVITY_SWEEP_TIME.hour, end: INACTIVITY_SWEEP_TIME.hour, step: 1 }],
        minute: [{ start: INACTIVITY_SWEEP_TIME.minute, end: INACTIVITY_SWEEP_TIME.minute, step: 1 }],
      });
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'inactivitySweepWorkflow', taskQueue });
      expect(described.policies.overlap).toBe('SKIP');

      await handle.pause('paused by the owner');
      expect(await ensureInactivitySweepSchedule(temporal.client, { taskQueue, timezone: 'America/New_York', scheduleId })).toBe('updated');
      described = await handle.describe();
      expect(described.spec.timezone).toBe('America/New_York');
      expect(described.state.paused).toBe(true);

      const otherQueue = `${taskQueue}-moved`;
      expect(
        await ensureInactivitySweepSchedule(temporal.client, { taskQueue: otherQueue, timezone: 'America/New_York', scheduleId }),
      ).toBe('updated');
      expect((await handle.describe()).action).toMatchObject({ type: 'startWorkflow', taskQueue: otherQueue });
    } finally {
      await handle.delete();
    }
  });
});

describe('a long inactivity sweep', () => {
  let h: JourneyHarness;
  beforeAll(async () => {
    h = await createJourneyHarness('inactivity-long');
    await publishJourney(
      h.db,
      parseDefinitionText(`
key: overdue-note
name: Overdue note
trigger: { inactivity: { overdueFactor: 2, minOrders: 3 } }
entity: customer
steps:
  - { id: note, alert: { kind: overdue, title: Overdue against their own rhythm } }
`),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('continues as new between pages and sweeps every page once', async () => {
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    await h.send(
      customerUpserted('long-lapsed', { consent: { marketing: true } }),
      orderPlaced('long-lapsed', 'long-lapsed-1', {}, ago(61)),
    );
    await h.send(
      customerUpserted('long-regular'),
      orderPlaced('long-regular', 'long-regular-1', {}, ago(50)),
      orderPlaced('long-regular', 'long-regular-2', {}, ago(40)),
      orderPlaced('long-regular', 'long-regular-3', {}, ago(30)),
    );
    const handle = await h.env.client.workflow.start(inactivitySweepWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: 'long-sweep',
      args: [{ pagesPerExecution: 1 }],
    });
    // Two inactivity journeys (win-back, overdue-note), a page each: one run per page.
    expect(await handle.result()).toEqual({ emitted: 2, examined: 2 });
    const firstRun = handle.firstExecutionRunId;
    expect((await h.env.client.workflow.getHandle('long-sweep').describe()).runId).not.toBe(firstRun);
    const inactive = await h.db.event.findMany({ where: { type: 'customer.inactive' }, include: { customer: true } });
    expect(inactive.map((event) => event.customer?.externalId).sort()).toEqual(['long-lapsed', 'long-regular']);
  });
});
