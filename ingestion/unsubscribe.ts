// The customer's email choices, as their unsubscribe link sets them (core/messaging/preferences.ts):
//
//   marketing     Customer.consent.marketing = false, and `customer.unsubscribed`, which ends every
//                 running marketing enrollment at once
//   checkins      Customer.consent.checkins = false: later check-ins are skipped with that reason
//   everything    both, and a suppression (reason `unsubscribed`) for the address
//
// Service messages (an apology after a poor rating) are exempt from all three. Saving choices on the
// page can also turn a category back on, which lifts an `unsubscribed` suppression (never a bounce or a
// complaint). Idempotent: the suppression is unique on (email, reason), consent is merged in place, and
// the event has an id derived from the customer. (The link and its headers: core/messaging/unsubscribe-links.ts.)
import type { PreferenceCategory } from '../core/messaging/preferences.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database, Prisma } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { emitInternalEvent, routeStoredEvent } from './internal-events.ts';

export type EmailChoices = {
  email: string | null;
  /** Marketing needs the customer's yes. */
  marketing: boolean;
  /** Check-ins go out unless the customer said no. */
  checkins: boolean;
  /** Unsubscribed from everything (a suppression with reason `unsubscribed`). */
  everything: boolean;
};

/** The customer's choices as the page shows them (changes nothing); null for a customer we do not know. */
export async function emailChoices(db: Database, customerId: string): Promise<EmailChoices | null> {
  const customer = await db.customer.findUnique({ where: { id: customerId }, select: { email: true, consent: true } });
  if (!customer) return null;
  const email = customer.email?.toLowerCase() ?? null;
  const everything = email ? (await db.suppression.count({ where: { email, reason: 'unsubscribed' } })) > 0 : false;
  const consent = (customer.consent ?? {}) as Record<string, unknown>;
  return {
    email,
    everything,
    marketing: !everything && consent['marketing'] === true,
    checkins: !everything && consent['checkins'] !== false,
  };
}

export type UnsubscribeResult = { status: 'unknown_customer' } | { status: 'unsubscribed'; first: boolean; eventId: string | null };

export const unsubscribedEventId = (customerId: string) => `customer.unsubscribed:${customerId}`;

export type ChoiceChange = PreferenceCategory | 'everything';

/**
 * Unsubscribes the customer from one category, or from everything. The writes are one transaction;
 * when marketing was on, `customer.unsubscribed` is stored and then routed, best effort (a failure
 * leaves the event unrouted, and the sweeper of every worker routes it again).
 */
export async function unsubscribeCustomer(
  deps: { db: Database; route: RouteEvents | null; logger?: Logger },
  input: { customerId: string; at: Date; source: string; from?: ChoiceChange },
): Promise<UnsubscribeResult> {
  const from = input.from ?? 'marketing';
  const off: Record<string, boolean> = {};
  if (from === 'marketing' || from === 'everything') off['marketing'] = false;
  if (from === 'checkins' || from === 'everything') off['checkins'] = false;
  return applyChoices(deps, {
    customerId: input.customerId,
    at: input.at,
    source: input.source,
    consent: off,
    everything: from === 'everything',
  });
}

/** The page's "save my choices": each category on or off as ticked; turning one on lifts an unsubscribe from everything. */
export async function saveEmailChoices(
  deps: { db: Database; route: RouteEvents | null; logger?: Logger },
  input: { customerId: string; at: Date; source: string; marketing: boolean; checkins: boolean },
): Promise<UnsubscribeResult> {
  return applyChoices(deps, {
    customerId: input.customerId,
    at: input.at,
    source: input.source,
    consent: { marketing: input.marketing, checkins: input.checkins },
    everything: input.marketing || input.checkins ? false : null,
  });
}

/** `everything`: true adds the suppression, false lifts it, null leaves it as it is. */
async function applyChoices(
  deps: { db: Database; route: RouteEvents | null; logger?: Logger },
  input: { customerId: string; at: Date; source: string; consent: Record<string, boolean>; everything: boolean | null },
): Promise<UnsubscribeResult> {
  const { db } = deps;
  const written = await db.$transaction(async (tx) => {
    // Locked: two clicks at once cannot both see marketing on and both announce it.
    const [customer] = await tx.$queryRaw<{ id: string; email: string | null; consent: Prisma.JsonValue }[]>`
      SELECT "id", "email", "consent" FROM "Customer" WHERE "id" = ${input.customerId} FOR UPDATE`;
    if (!customer) return null;
    const email = customer.email?.trim().toLowerCase() || null;
    let suppressionChanged = 0;
    if (email && input.everything === true) {
      suppressionChanged = (
        await tx.suppression.createMany({ data: [{ email, reason: 'unsubscribed', source: input.source }], skipDuplicates: true })
      ).count;
    } else if (email && input.everything === false) {
      suppressionChanged = (await tx.suppression.deleteMany({ where: { email, reason: 'unsubscribed' } })).count;
    }
    const before = (customer.consent ?? {}) as Record<string, unknown>;
    const consentChanged = Object.entries(input.consent).some(([key, value]) => before[key] !== value);
    if (consentChanged) {
      // Raw SQL: a JSON merge in place keeps the other keys (sms...) as the sender set them.
      await tx.$executeRaw`
        UPDATE "Customer" SET "consent" = COALESCE("consent", '{}'::jsonb) || ${JSON.stringify(input.consent)}::jsonb, "updatedAt" = now()
        WHERE "id" = ${customer.id}`;
    }
    return {
      first: suppressionChanged > 0 || consentChanged,
      marketingTurnedOff: before['marketing'] !== false && input.consent['marketing'] === false,
    };
  });
  if (!written) return { status: 'unknown_customer' };
  if (!written.marketingTurnedOff) return { status: 'unsubscribed', first: written.first, eventId: null };
  // The first unsubscribe has the customer's id; one after a later opt-in gets its instant, so it is announced too.
  let eventId = unsubscribedEventId(input.customerId);
  const event = {
    type: 'customer.unsubscribed' as const,
    customerRowId: input.customerId,
    occurredAt: input.at,
    properties: { source: input.source },
  };
  if (!(await emitInternalEvent(db, null, { ...event, id: eventId }))) {
    eventId = `${eventId}:${input.at.getTime()}`;
    await emitInternalEvent(db, null, { ...event, id: eventId });
  }
  await routeStoredEvent(deps, eventId);
  return { status: 'unsubscribed', first: written.first, eventId };
}
