// Unsubscribing, as a customer's click does it. Idempotent: the suppression is unique on (email,
// reason), marketing consent is set to false with a JSON merge, and the `customer.unsubscribed` event
// has an id derived from the customer, so a replay is one event. That event ends running enrollments
// whose journey lists it as an exit event; the send activity skips every later message to a
// suppressed address anyway. (The link and its headers: core/messaging/unsubscribe-links.ts.)
import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { emitInternalEvent, routeStoredEvent } from './internal-events.ts';

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
  deps: { db: Database; route: RouteEvents | null; logger?: Logger },
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
    // Raw SQL: the JSON merge happens in place, in the statement that checks consent was not already false.
    const consentChanged = await tx.$executeRaw`
      UPDATE "Customer"
      SET "consent" = COALESCE("consent", '{}'::jsonb) || '{"marketing": false}'::jsonb, "updatedAt" = now()
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
