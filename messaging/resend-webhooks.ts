// Resend's delivery events (`POST /webhooks/resend`), signed by Svix. The signature is checked on the
// raw body with RESEND_WEBHOOK_SECRET (svix's `Webhook`, five minutes of clock tolerance), then each
// delivery is processed once: its `svix-id` goes into `WebhookDelivery` in the same transaction as
// its effects, so a redelivery is a no-op and a crash midway leaves nothing half-done (Resend retries).
//
// | event                          | effect                                                              |
// | ------------------------------ | ------------------------------------------------------------------- |
// | email.delivered                | message -> delivered (from pending, sent, delayed)                  |
// | email.delivery_delayed         | message -> delayed (from pending, sent)                             |
// | email.bounced                  | message -> bounced (from any sent state), reason = the bounce; a    |
// |                                | `bounced` suppression per address, unless the bounce is Transient   |
// | email.complained               | message -> complained (from any sent state); a `complained`         |
// |                                | suppression per address                                             |
// | email.failed, email.suppressed | message -> failed (from pending, sent, delayed), reason = Resend's  |
// | email.opened, email.clicked    | recorded (`WebhookDelivery.type`) and nothing else: scanners open   |
// |                                | and click everything, so they never trigger anything                |
// | anything else                  | recorded, ignored                                                   |
//
// The message is found by `providerId` = `data.email_id`. Statuses only move forward (a late
// `delivered` never undoes a bounce), so Resend's unordered deliveries converge.
import { Webhook, WebhookVerificationError } from 'svix';
import type { Database } from '../runtime/database.ts';

export class WebhookSignatureError extends Error {}

export type SvixHeaders = { 'svix-id': string; 'svix-timestamp': string; 'svix-signature': string };

/** The Svix headers of a request (Fastify's lower-case header object), or null when one is missing. */
export function svixHeaders(headers: Record<string, string | string[] | undefined>): SvixHeaders | null {
  const one = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' && value.length > 0 ? value : null;
  };
  const id = one('svix-id');
  const timestamp = one('svix-timestamp');
  const signature = one('svix-signature');
  return id && timestamp && signature ? { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signature } : null;
}

/**
 * Checks a delivery's signature on its raw body and returns the parsed payload. Throws
 * `WebhookSignatureError` for a missing header, a wrong signature, a tampered body or a timestamp more
 * than five minutes away from now.
 */
export function verifyResendWebhook(
  secret: string,
  rawBody: Buffer | string,
  headers: Record<string, string | string[] | undefined>,
): unknown {
  const svix = svixHeaders(headers);
  if (!svix) throw new WebhookSignatureError('The svix-id, svix-timestamp and svix-signature headers are required.');
  try {
    new Webhook(secret).verify(rawBody, svix);
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw new WebhookSignatureError(error.message);
    // A secret that is not Svix's `whsec_<base64>` makes every signature wrong.
    throw new WebhookSignatureError(`The signature could not be checked: ${(error as Error).message}`);
  }
  const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebhookPayloadError('The body is not JSON.');
  }
}

export class WebhookPayloadError extends Error {}

/** Signs a payload as Svix would (for tests and local tools). */
export function signResendWebhook(secret: string, id: string, timestamp: Date, rawBody: string): SvixHeaders {
  return {
    'svix-id': id,
    'svix-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'svix-signature': new Webhook(secret).sign(id, timestamp, rawBody),
  };
}

export type ResendWebhookOutcome = {
  status: 'processed' | 'duplicate' | 'ignored';
  type: string;
  /** Messages whose status changed. */
  messages: number;
  /** Addresses newly suppressed. */
  suppressed: string[];
};

type EmailData = {
  email_id?: unknown;
  to?: unknown;
  bounce?: { type?: unknown; subType?: unknown; message?: unknown };
  failed?: { reason?: unknown };
  suppressed?: { message?: unknown; type?: unknown };
};

type MessageStatusValue = 'pending' | 'sent' | 'delivered' | 'delayed' | 'bounced' | 'complained' | 'failed';

const movesFrom: Record<string, MessageStatusValue[]> = {
  delivered: ['pending', 'sent', 'delayed'],
  delayed: ['pending', 'sent'],
  bounced: ['pending', 'sent', 'delayed', 'delivered'],
  complained: ['pending', 'sent', 'delayed', 'delivered', 'bounced'],
  failed: ['pending', 'sent', 'delayed'],
};

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** What an event does to the message and the suppression list. */
function effectOf(
  type: string,
  data: EmailData,
): { status?: MessageStatusValue; reason?: string | null; suppress?: 'bounced' | 'complained' } {
  switch (type) {
    case 'email.delivered':
      return { status: 'delivered', reason: null };
    case 'email.delivery_delayed':
      return { status: 'delayed', reason: 'delivery delayed' };
    case 'email.bounced': {
      const kind = text(data.bounce?.type);
      const detail = [kind, text(data.bounce?.subType)].filter(Boolean).join('/');
      const reason = `bounced${detail ? ` (${detail})` : ''}${text(data.bounce?.message) ? `: ${text(data.bounce?.message)}` : ''}`;
      // Resend sends email.bounced when the receiving server rejected the email for good; a bounce
      // that says it is transient is recorded but does not suppress the address.
      return { status: 'bounced', reason: reason.slice(0, 1000), ...(kind.toLowerCase() === 'transient' ? {} : { suppress: 'bounced' }) };
    }
    case 'email.complained':
      return { status: 'complained', reason: 'marked as spam by the recipient', suppress: 'complained' };
    case 'email.failed':
      return { status: 'failed', reason: `Resend could not send it: ${text(data.failed?.reason) || 'failed'}`.slice(0, 1000) };
    case 'email.suppressed':
      return { status: 'failed', reason: `Resend suppressed it: ${text(data.suppressed?.message) || 'suppressed'}`.slice(0, 1000) };
    default:
      return {};
  }
}

const addresses = (value: unknown): string[] =>
  (Array.isArray(value) ? value : typeof value === 'string' ? [value] : [])
    .filter((item): item is string => typeof item === 'string')
    .map((item) => (/<([^<>]+)>/.exec(item)?.[1] ?? item).trim().toLowerCase())
    .filter((item) => item.includes('@'));

/** Applies one verified delivery, once per `svix-id`. */
export async function processResendWebhook(db: Database, delivery: { id: string; payload: unknown }): Promise<ResendWebhookOutcome> {
  const payload = delivery.payload;
  if (!payload || typeof payload !== 'object' || Array.isArray(payload) || typeof (payload as { type?: unknown }).type !== 'string') {
    throw new WebhookPayloadError('The payload must be an object with a type.');
  }
  const type = (payload as { type: string }).type;
  const data = ((payload as { data?: unknown }).data ?? {}) as EmailData;
  const effect = effectOf(type, data && typeof data === 'object' ? data : {});

  return db.$transaction(async (tx): Promise<ResendWebhookOutcome> => {
    const recorded = await tx.webhookDelivery.createMany({ data: [{ id: delivery.id, type: type.slice(0, 100) }], skipDuplicates: true });
    if (recorded.count === 0) return { status: 'duplicate', type, messages: 0, suppressed: [] };
    if (!effect.status && !effect.suppress) return { status: 'ignored', type, messages: 0, suppressed: [] };

    const emailId = text(data.email_id);
    const message = emailId ? await tx.message.findFirst({ where: { providerId: emailId }, select: { id: true, toAddress: true } }) : null;
    let messages = 0;
    if (message && effect.status) {
      const from = movesFrom[effect.status] ?? [];
      messages = (
        await tx.message.updateMany({
          where: { id: message.id, status: { in: from } },
          data: { status: effect.status, ...(effect.reason !== undefined ? { reason: effect.reason } : {}) },
        })
      ).count;
    }
    const suppressed: string[] = [];
    if (effect.suppress) {
      const targets = [...new Set([...addresses(data.to), ...addresses(message?.toAddress ? [message.toAddress] : [])])];
      for (const email of targets) {
        const added = await tx.suppression.createMany({
          data: [{ email, reason: effect.suppress, source: `resend:${type}${emailId ? `:${emailId}` : ''}`.slice(0, 200) }],
          skipDuplicates: true,
        });
        if (added.count > 0) suppressed.push(email);
      }
    }
    return { status: 'processed', type, messages, suppressed };
  });
}
