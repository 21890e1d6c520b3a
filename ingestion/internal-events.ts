// Events the engine itself produces (a survey answer, a churn band change, inactivity, a success
// manager's contact, a review link's click, a review written on the built-in page): stored in the same table as customer events, idempotent by id, and routed to
// journeys the same way.
import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database, Prisma } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';

export type InternalEvent = {
  id: string;
  type:
    | 'survey.answered'
    | 'churn_band.changed'
    | 'customer.inactive'
    | 'customer.unsubscribed'
    | 'account.contacted'
    | 'review.clicked'
    | 'review.submitted';
  customerRowId: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
};

/** Stores the event once (by id) and routes it; returns false when it had been emitted before. */
export async function emitInternalEvent(db: Database, route: RouteEvents | null, event: InternalEvent): Promise<boolean> {
  const { count } = await db.event.createMany({
    data: [
      {
        id: event.id,
        type: event.type,
        customerId: event.customerRowId,
        occurredAt: event.occurredAt,
        properties: event.properties as Prisma.InputJsonObject,
      },
    ],
    skipDuplicates: true,
  });
  if (count === 0) return false;
  if (route) {
    const customer = await db.customer.findUniqueOrThrow({ where: { id: event.customerRowId }, select: { externalId: true } });
    await route([{ ...event, customerId: customer.externalId }]);
  }
  return true;
}

/**
 * Routes a stored event that has not been routed yet. Best effort: the event is already stored, so a
 * failure (Temporal unreachable) is logged and left to the sweeper instead of failing the request.
 */
export async function routeStoredEvent(deps: { db: Database; route: RouteEvents | null; logger?: Logger }, eventId: string): Promise<void> {
  if (!deps.route) return;
  try {
    const row = await deps.db.event.findUnique({ where: { id: eventId }, include: { customer: { select: { externalId: true } } } });
    if (!row || row.routedAt) return;
    await deps.route([
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
