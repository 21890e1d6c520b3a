// Unsubscribing: the one-click link and the List-Unsubscribe headers of marketing emails, and what a
// click does. The token names the customer row (`{ c: <customer id> }`, signed for the 'unsubscribe'
// purpose), never an email address. Unsubscribing is idempotent: the suppression is unique on
// (email, reason), marketing consent is set to false with a JSON merge, and the
// `customer.unsubscribed` event has an id derived from the customer, so a replay is one event. That
// event ends running enrollments whose journey lists it as an exit event; the send activity skips
// every later message to a suppressed address anyway.
import { signToken, verifyToken } from '../core/messaging/tokens.ts';
import type { EventRouter } from '../ingestion/event-router.ts';
import { emitInternalEvent } from '../ingestion/internal-events.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';

export const unsubscribeToken = (secret: string, customerId: string) => signToken(secret, 'unsubscribe', { c: customerId });

/** The customer row id named by a genuine unsubscribe token, or null for anything forged, altered or malformed. */
export function customerIdFromToken(secret: string, token: string): string | null {
  const payload = verifyToken(secret, 'unsubscribe', token);
  const id = payload?.['c'];
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/** `care@northwind.example` or `Northwind <care@northwind.example>` -> `northwind.example`. */
export function mailDomain(from: string): string {
  const address = /<([^<>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.trim().split('@').pop()?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.-]+$/.test(domain) ? domain : 'localhost';
}

/**
 * The RFC 2369 / RFC 8058 headers of a marketing email: an https one-click target and a mailto
 * fallback. Derived only from the message row (customer and category) and configuration, so a retried
 * send carries exactly the same headers. Transactional emails get none.
 */
export function listUnsubscribeHeaders(
  message: { customerId: string; category: string },
  config: { secret: string; publicUrl: string; emailFrom: string },
): Record<string, string> {
  if (message.category !== 'marketing') return {};
  const token = unsubscribeToken(config.secret, message.customerId);
  const base = config.publicUrl.replace(/\/+$/, '');
  return {
    'List-Unsubscribe': `<${base}/u/${token}>, <mailto:unsubscribe@${mailDomain(config.emailFrom)}?subject=unsubscribe-${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

export type UnsubscribeStatus = { unsubscribed: boolean; email: string | null };

/** Whether the customer has already unsubscribed (for the confirmation page; changes nothing). */
export async function unsubscribeStatus(db: Database, customerId: string): Promise<UnsubscribeStatus | null> {
  const customer = await db.customer.findUnique({ where: { id: customerId }, select: { email: true, consent: true } });
  if (!customer) return null;
  const email = customer.email?.toLowerCase() ?? null;
  const suppressed = email ? (await db.suppression.count({ where: { email, reason: 'unsubscribed' } })) > 0 : false;
  const consent = (customer.consent ?? {}) as Record<string, unknown>;
  return { unsubscribed: suppressed || (email === null && consent['marketing'] === false), email };
}

export type UnsubscribeResult = { status: 'unknown_customer' } | { status: 'unsubscribed'; first: boolean; eventId: string };

export const unsubscribedEventId = (customerId: string) => `customer.unsubscribed:${customerId}`;

/**
 * Unsubscribes the customer: a suppression (reason `unsubscribed`) for their address, marketing
 * consent false, and the `customer.unsubscribed` event, stored and then routed. The writes are one
 * transaction; routing is best effort after it (a failure leaves the event unrouted, and the
 * sweeper of every worker routes it again).
 */
export async function unsubscribeCustomer(
  deps: { db: Database; router: EventRouter | null; logger?: Logger },
  input: { customerId: string; at: Date; source: string },
): Promise<UnsubscribeResult> {
  const { db } = deps;
  const written = await db.$transaction(async (tx) => {
    const customer = await tx.customer.findUnique({ where: { id: input.customerId }, select: { id: true, email: true } });
    if (!customer) return null;
    const email = customer.email?.trim().toLowerCase() || null;
    const added = email
      ? (await tx.suppression.createMany({ data: [{ email, reason: 'unsubscribed', source: input.source }], skipDuplicates: true })).count
      : 0;
    const consentChanged = await tx.$executeRaw`
      UPDATE "Customer"
      SET "consent" = COALESCE("consent", '{}'::jsonb) || '{"marketing": false}'::jsonb, "updatedAt" = (now() AT TIME ZONE 'UTC')
      WHERE "id" = ${customer.id} AND COALESCE("consent" -> 'marketing', 'null'::jsonb) <> 'false'::jsonb`;
    return { first: added > 0 || consentChanged > 0 };
  });
  if (!written) return { status: 'unknown_customer' };
  const eventId = unsubscribedEventId(input.customerId);
  await emitInternalEvent(db, null, {
    id: eventId,
    type: 'customer.unsubscribed',
    customerRowId: input.customerId,
    occurredAt: input.at,
    properties: { source: input.source },
  });
  await routeStoredEvent(deps, eventId);
  return { status: 'unsubscribed', first: written.first, eventId };
}

/**
 * Routes a stored event that has not been routed yet. Best effort: the event is already stored, so a
 * failure (Temporal unreachable) is logged and left to the sweeper instead of failing the request.
 */
export async function routeStoredEvent(
  deps: { db: Database; router: EventRouter | null; logger?: Logger },
  eventId: string,
): Promise<void> {
  if (!deps.router) return;
  try {
    const row = await deps.db.event.findUnique({ where: { id: eventId }, include: { customer: { select: { externalId: true } } } });
    if (!row || row.routedAt) return;
    await deps.router.route([
      {
        id: row.id,
        type: row.type,
        customerId: row.customer.externalId,
        customerRowId: row.customerId,
        occurredAt: row.occurredAt,
        properties: (row.properties ?? {}) as Record<string, unknown>,
      },
    ]);
  } catch (error) {
    deps.logger?.warn({ err: error, eventId }, 'routing failed; the event sweeper will route it again');
  }
}
