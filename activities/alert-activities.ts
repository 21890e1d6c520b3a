// Activities of the alert delivery pass (workflows/alert-delivery.ts): each queues what is due in the
// StaffNotification ledger or sends one row of it (workspace/alert-delivery.ts). All are idempotent, and
// every instant they judge by is the workflow's (`at`).
import type { EmailTransport } from '../messaging/transport.ts';
import type { Database } from '../runtime/database.ts';
import {
  type AlertDeliveryConfig,
  escalateAlerts,
  pendingNotifications,
  queueDigests,
  queueUrgentAlerts,
  reopenSnoozedAlerts,
  sendNotification,
} from '../workspace/alert-delivery.ts';
import { postAlertWebhook, type WebhookTarget, webhookTargets } from '../workspace/alert-webhook.ts';

export type AlertActivityDeps = { db: Database; transport: EmailTransport; config: AlertDeliveryConfig };

export function createAlertActivities({ db, transport, config }: AlertActivityDeps) {
  return {
    /** Reopens run-out snoozes, then queues urgent emails, escalations and due digests; returns what it queued. */
    async queueAlertNotifications(input: {
      at: number;
    }): Promise<{ reopened: number; urgent: number; escalated: number; digests: number }> {
      const reopened = await reopenSnoozedAlerts(db, input.at);
      const urgent = await queueUrgentAlerts(db, config, input.at);
      const escalated = await escalateAlerts(db, config, input.at);
      const digests = await queueDigests(db, config, input.at);
      return { reopened, urgent, escalated, digests };
    },

    async pendingStaffNotifications(input: { limit: number }): Promise<string[]> {
      return pendingNotifications(db, input.limit);
    },

    /** What the pass at `at` posts to ALERT_WEBHOOK_URL (nothing when it is unset). */
    async alertWebhookTargets(input: { at: number }): Promise<WebhookTarget[]> {
      return webhookTargets(db, config, input.at);
    },

    async postAlertWebhook(input: WebhookTarget): Promise<'posted' | 'refused' | 'none'> {
      return postAlertWebhook(db, config, input);
    },

    async sendStaffNotification(input: { id: string; at: number }): Promise<'sent' | 'failed' | 'done'> {
      return sendNotification(db, transport, config, input.id, input.at);
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
