// Events the engine itself produces (a survey answer, a churn band change, inactivity, a success
// manager's contact): stored in the same table as customer events, idempotent by id, and routed to
// journeys the same way.
import type { Database } from '../runtime/database.ts';
import type { EventRouter } from './event-router.ts';

export type InternalEvent = {
  id: string;
  type: 'survey.answered' | 'churn_band.changed' | 'customer.inactive' | 'customer.unsubscribed' | 'account.contacted';
  customerRowId: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
};

/** Stores the event once (by id) and routes it; returns false when it had been emitted before. */
export async function emitInternalEvent(db: Database, router: EventRouter | null, event: InternalEvent): Promise<boolean> {
  const inserted = await db.$executeRaw`
    INSERT INTO "Event" ("id", "type", "customerId", "occurredAt", "properties", "receivedAt")
    VALUES (${event.id}, ${event.type}, ${event.customerRowId}, (${event.occurredAt.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
            ${JSON.stringify(event.properties)}::jsonb, (now() AT TIME ZONE 'UTC'))
    ON CONFLICT ("id") DO NOTHING`;
  if (inserted === 0) return false;
  if (router) {
    const customer = await db.customer.findUniqueOrThrow({ where: { id: event.customerRowId }, select: { externalId: true } });
    await router.route([{ ...event, customerId: customer.externalId }]);
  }
  return true;
}
