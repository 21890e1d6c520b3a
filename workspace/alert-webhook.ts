// Alerts posted to a chat tool or an on-call system (ALERT_WEBHOOK_URL): the urgent and escalated alerts of
// a delivery pass, each as `{ text, alert }` signed with HMAC-SHA256 in `x-aftercare-signature`. At least
// once: receivers dedupe on `x-aftercare-delivery`.
import { createHmac } from 'node:crypto';
import { Duration } from 'luxon';
import type { Database } from '../runtime/database.ts';
import { type AlertDeliveryConfig, accountLink, alertSentence, withCustomer } from './alert-delivery.ts';

export type WebhookTarget = { alertId: string; reason: 'urgent' | 'escalated' };

/**
 * What the pass at `at` posts to the webhook: the urgent alerts whose emails it queued and the alerts it
 * escalated. Found again from what the pass wrote with its own instant, so a retried pass finds the same.
 */
export async function webhookTargets(db: Database, config: AlertDeliveryConfig, at: number): Promise<WebhookTarget[]> {
  if (!config.webhook) return [];
  const now = new Date(at);
  const urgent = await db.staffNotification.findMany({ where: { kind: 'alert', createdAt: now }, select: { dedupeKey: true } });
  const escalated = await db.alert.findMany({ where: { escalatedAt: now }, select: { id: true }, orderBy: { createdAt: 'asc' } });
  const urgentIds = [...new Set(urgent.map((row) => row.dedupeKey.split(':')[1] as string))];
  return [
    ...urgentIds.map((alertId) => ({ alertId, reason: 'urgent' as const })),
    ...escalated.map((row) => ({ alertId: row.id, reason: 'escalated' as const })),
  ];
}

/** The signature header of a webhook post: `sha256=` and the HMAC-SHA256 of the raw body, hex. */
export const webhookSignature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** The body of a webhook post: `text` is one sentence a chat tool shows as it is. */
export async function webhookBody(db: Database, config: AlertDeliveryConfig, target: WebhookTarget) {
  const alert = await db.alert.findUnique({ where: { id: target.alertId }, include: withCustomer });
  if (!alert) return null;
  const within = Duration.fromISO(config.escalateAfter, { locale: 'en' }).toHuman();
  const prefix = target.reason === 'escalated' ? `Escalated, nobody acknowledged it within ${within}` : 'Needs someone now';
  return {
    text: `${prefix}: ${alertSentence(alert)} ${accountLink(config, alert)}`,
    alert: {
      id: alert.id,
      kind: alert.kind,
      title: alert.title,
      reason: target.reason,
      customer: alert.customer ? { id: alert.customer.externalId, name: alert.customer.name, email: alert.customer.email } : null,
      journeyKey: alert.journeyKey,
      createdAt: alert.createdAt.toISOString(),
      escalatedAt: alert.escalatedAt?.toISOString() ?? null,
      url: accountLink(config, alert),
    },
  };
}

/**
 * Posts one alert to ALERT_WEBHOOK_URL, signed in `x-aftercare-signature`. At least once: a network error,
 * a 5xx or a 429 throws (the activity is retried); another refusal is given up and reported.
 */
export async function postAlertWebhook(
  db: Database,
  config: AlertDeliveryConfig,
  target: WebhookTarget,
): Promise<'posted' | 'refused' | 'none'> {
  if (!config.webhook) return 'none';
  const payload = await webhookBody(db, config, target);
  if (!payload) return 'none';
  const body = JSON.stringify(payload);
  const response = await fetch(config.webhook.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-aftercare-signature': webhookSignature(config.webhook.secret, body),
      'x-aftercare-delivery': `${target.reason}:${target.alertId}`,
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  if (response.ok) return 'posted';
  if (response.status >= 500 || response.status === 429) throw new Error(`The alert webhook answered ${response.status}; retrying.`);
  return 'refused';
}
