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
// `delivered` never undoes a bounce), so Resend's unordered deliveries converge. A delivery that
// arrives before the message knows its provider id waits for it (`recordProviderAcceptance`).
import { Webhook, WebhookVerificationError } from 'svix';
import { type Database, Prisma } from '../runtime/database.ts';

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
  /** waiting: about an email whose message has no provider id yet; applied when it has. */
  status: 'processed' | 'waiting' | 'duplicate' | 'ignored';
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

/** The advisory lock that orders a delivery against the send that records its email's provider id. */
const lockEmail = (tx: Prisma.TransactionClient, emailId: string) =>
  tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`resend-email:${emailId}`}))`;

/** Moves the message forward (statuses never move back); returns how many rows changed. */
async function moveMessage(tx: Prisma.TransactionClient, messageId: string, effect: ReturnType<typeof effectOf>): Promise<number> {
  if (!effect.status) return 0;
  const from = movesFrom[effect.status] ?? [];
  return (
    await tx.message.updateMany({
      where: { id: messageId, status: { in: from } },
      data: { status: effect.status, ...(effect.reason !== undefined ? { reason: effect.reason } : {}) },
    })
  ).count;
}

function parsePayload(payload: unknown): { type: string; data: EmailData } {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload) || typeof (payload as { type?: unknown }).type !== 'string') {
    throw new WebhookPayloadError('The payload must be an object with a type.');
  }
  const data = (payload as { data?: unknown }).data;
  return { type: (payload as { type: string }).type, data: (data && typeof data === 'object' ? data : {}) as EmailData };
}

/**
 * Applies one verified delivery, once per `svix-id`. A status change for an email whose message does
 * not know its provider id yet (the send activity crashed after Resend accepted it, and its retry has
 * not recorded the id) is kept and applied by `recordProviderAcceptance` when the id arrives, not
 * dropped. A suppression never waits: the address is known from the payload.
 */
export async function processResendWebhook(db: Database, delivery: { id: string; payload: unknown }): Promise<ResendWebhookOutcome> {
  const { type, data } = parsePayload(delivery.payload);
  const effect = effectOf(type, data);
  const emailId = text(data.email_id);

  return db.$transaction(async (tx): Promise<ResendWebhookOutcome> => {
    const recorded = await tx.webhookDelivery.createMany({
      data: [{ id: delivery.id, type: type.slice(0, 100), emailId: emailId ? emailId.slice(0, 200) : null }],
      skipDuplicates: true,
    });
    if (recorded.count === 0) return { status: 'duplicate', type, messages: 0, suppressed: [] };
    if (!effect.status && !effect.suppress) return { status: 'ignored', type, messages: 0, suppressed: [] };

    if (emailId) await lockEmail(tx, emailId);
    const message = emailId ? await tx.message.findFirst({ where: { providerId: emailId }, select: { id: true, toAddress: true } }) : null;
    let messages = 0;
    let waiting = false;
    if (message) messages = await moveMessage(tx, message.id, effect);
    else if (emailId && effect.status) {
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { payload: delivery.payload as Prisma.InputJsonValue } });
      waiting = true;
    }
    if (!waiting) await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { appliedAt: new Date() } });
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
    return { status: waiting ? 'waiting' : 'processed', type, messages, suppressed };
  });
}

/**
 * Records that the provider accepted a message (step 3 of the send), and applies the deliveries that
 * arrived for it before its provider id was known, in the order they came. Under the same lock as
 * `processResendWebhook`, so a delivery is either seen by the webhook with the id or found here.
 */
export async function recordProviderAcceptance(
  db: Database,
  accepted: { messageId: string; providerId: string; transport: string; sentAt: Date },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockEmail(tx, accepted.providerId);
    // Only a pending row becomes `sent`: a status a delivery already moved it to stays.
    await tx.message.updateMany({ where: { id: accepted.messageId, status: 'pending' }, data: { status: 'sent' } });
    await tx.message.update({
      where: { id: accepted.messageId },
      data: { providerId: accepted.providerId, transport: accepted.transport, sentAt: accepted.sentAt },
    });
    const waiting = await tx.webhookDelivery.findMany({
      where: { emailId: accepted.providerId, appliedAt: null, payload: { not: Prisma.DbNull } },
      orderBy: { receivedAt: 'asc' },
    });
    for (const delivery of waiting) {
      const { type, data } = parsePayload(delivery.payload);
      await moveMessage(tx, accepted.messageId, effectOf(type, data));
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { appliedAt: new Date(), payload: Prisma.DbNull } });
    }
  });
}

/** How long a delivery waits for its message's provider id: far longer than any activity retry. */
export const DELIVERY_WAIT_MS = 7 * 86_400_000;

/** Forgets the payloads of deliveries that waited past `DELIVERY_WAIT_MS` (emails that are not ours). */
export async function pruneWaitingDeliveries(db: Database, now = new Date()): Promise<number> {
  const pruned = await db.webhookDelivery.updateMany({
    where: { appliedAt: null, payload: { not: Prisma.DbNull }, receivedAt: { lt: new Date(now.getTime() - DELIVERY_WAIT_MS) } },
    data: { payload: Prisma.DbNull },
  });
  return pruned.count;
}
