// One alert delivery pass, started every few minutes by a Temporal Schedule (workflow-client/schedules.ts):
// queue what is due (urgent alerts, escalations, the daily digest) in the StaffNotification ledger, then
// send the ledger's pending rows, each its own activity on the email queue, whose rate limit holds across
// every worker, then post its urgent alerts and escalations to ALERT_WEBHOOK_URL when set. A row or a post
// that still fails after its retries is left (the row stays pending for the next pass) rather than failing
// the pass. The pass's instant is the workflow's clock, so time-skipping tests move it.
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alert-activities.ts';
import { emailTaskQueue } from '../core/task-queues.ts';

export type AlertDeliveryInput = {
  /** Ledger rows sent per pass (default 200); the next pass sends the rest. */
  sendLimit?: number;
};

export type AlertDeliveryResult = {
  reopened: number;
  urgent: number;
  escalated: number;
  digests: number;
  sent: number;
  failed: number;
  /** Rows whose send still failed after its retries: the next pass tries again. */
  pending: number;
  /** Alerts posted to ALERT_WEBHOOK_URL, and those whose post still failed after its retries. */
  posted: number;
  unposted: number;
};

const { queueAlertNotifications, pendingStaffNotifications, alertWebhookTargets, postAlertWebhook } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export async function alertDeliveryWorkflow(input: AlertDeliveryInput = {}): Promise<AlertDeliveryResult> {
  const { sendStaffNotification } = proxyActivities<AlertActivities>({
    taskQueue: emailTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  const at = Date.now();
  const queued = await queueAlertNotifications({ at });
  const ids = await pendingStaffNotifications({ limit: input.sendLimit ?? 200 });
  let sent = 0;
  let failed = 0;
  let pending = 0;
  for (const id of ids) {
    try {
      const outcome = await sendStaffNotification({ id, at: Date.now() });
      if (outcome === 'sent') sent++;
      else if (outcome === 'failed') failed++;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      pending++;
    }
  }
  // After the emails, so that an endpoint that is down never holds them up.
  let posted = 0;
  let unposted = 0;
  for (const target of await alertWebhookTargets({ at })) {
    try {
      if ((await postAlertWebhook(target)) === 'posted') posted++;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      unposted++;
    }
  }
  return { ...queued, sent, failed, pending, posted, unposted };
}
