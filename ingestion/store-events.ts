// Stores validated events and applies them to the customer and order tables, one transaction per
// batch: either every event of the batch is written with its effects, or none is. An event id seen
// before is a duplicate and changes nothing.
import type { IncomingEvent } from '../core/events/event-schemas.ts';
import { Prisma, type Database } from '../runtime/database.ts';

type Tx = Prisma.TransactionClient;

/** Columns are `timestamp` in UTC (Prisma's convention); say so explicitly whatever the session zone. */
const utc = (date: Date) => Prisma.sql`(${date.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

export type StoredEvent = IncomingEvent & { customerRowId: string };

export type StoreResult = { stored: StoredEvent[]; duplicateIds: Set<string> };

/** `markRouted`: historical events (imports, demo data) are stored without starting journeys. */
export async function storeEvents(db: Database, events: IncomingEvent[], options: { markRouted?: boolean } = {}): Promise<StoreResult> {
  if (events.length === 0) return { stored: [], duplicateIds: new Set() };
  return db.$transaction(
    async (tx) => {
      const customerIds = await ensureCustomers(tx, [...new Set(events.map((event) => event.customerId))]);
      const inserted = await insertEvents(tx, events, customerIds, options.markRouted ?? false);
      const stored: StoredEvent[] = [];
      const duplicateIds = new Set<string>();
      for (const event of events) {
        if (!inserted.has(event.id)) {
          duplicateIds.add(event.id);
          continue;
        }
        const customerRowId = customerIds.get(event.customerId) as string;
        await applyEvent(tx, event, customerRowId);
        stored.push({ ...event, customerRowId });
      }
      return { stored, duplicateIds };
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

async function ensureCustomers(tx: Tx, externalIds: string[]): Promise<Map<string, string>> {
  await tx.$executeRaw`
    INSERT INTO "Customer" ("id", "externalId", "updatedAt")
    SELECT gen_random_uuid()::text, x, (now() AT TIME ZONE 'UTC') FROM unnest(${externalIds}::text[]) AS x
    ON CONFLICT ("externalId") DO NOTHING`;
  const rows = await tx.$queryRaw<{ id: string; externalId: string }[]>`
    SELECT "id", "externalId" FROM "Customer" WHERE "externalId" = ANY(${externalIds}::text[])`;
  return new Map(rows.map((row) => [row.externalId, row.id]));
}

/** Inserts the events that are new; returns their ids. Within a batch the first of a repeated id wins. */
async function insertEvents(tx: Tx, events: IncomingEvent[], customerIds: Map<string, string>, markRouted: boolean): Promise<Set<string>> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Event" ("id", "type", "customerId", "occurredAt", "properties", "receivedAt", "routedAt")
    SELECT id, type, "customerId", "occurredAt" AT TIME ZONE 'UTC', properties, (now() AT TIME ZONE 'UTC'),
           CASE WHEN ${markRouted} THEN (now() AT TIME ZONE 'UTC') END
    FROM unnest(
      ${events.map((event) => event.id)}::text[],
      ${events.map((event) => event.type)}::text[],
      ${events.map((event) => customerIds.get(event.customerId) as string)}::text[],
      ${events.map((event) => event.occurredAt.toISOString())}::timestamptz[],
      ${events.map((event) => JSON.stringify(event.properties))}::jsonb[]
    ) AS e(id, type, "customerId", "occurredAt", properties)
    ON CONFLICT ("id") DO NOTHING
    RETURNING "id"`;
  return new Set(rows.map((row) => row.id));
}

async function applyEvent(tx: Tx, event: IncomingEvent, customerId: string): Promise<void> {
  const at = utc(event.occurredAt);
  switch (event.type) {
    case 'customer.upserted': {
      const p = event.properties;
      await tx.$executeRaw`
        UPDATE "Customer" SET
          "email" = ${p.email.toLowerCase()},
          "name" = COALESCE(${p.name ?? null}, "name"),
          "locale" = COALESCE(${p.locale ?? null}, "locale"),
          "timezone" = COALESCE(${p.timezone ?? null}, "timezone"),
          "attributes" = "attributes" || ${JSON.stringify(p.attributes ?? {})}::jsonb,
          "consent" = "consent" || ${JSON.stringify(p.consent ?? {})}::jsonb,
          "updatedAt" = (now() AT TIME ZONE 'UTC')
        WHERE "id" = ${customerId}`;
      return;
    }
    case 'order.placed': {
      const p = event.properties;
      const created = await tx.$executeRaw`
        INSERT INTO "Order" ("id", "externalId", "customerId", "total", "currency", "items", "placedAt", "updatedAt")
        VALUES (gen_random_uuid()::text, ${p.orderId}, ${customerId}, ${p.total}, ${p.currency},
                ${JSON.stringify(p.items)}::jsonb, ${at}, (now() AT TIME ZONE 'UTC'))
        ON CONFLICT ("externalId") DO NOTHING`;
      if (created === 1) {
        await tx.$executeRaw`
          UPDATE "Customer" SET
            "orderCount" = "orderCount" + 1,
            "totalSpent" = "totalSpent" + ${p.total},
            "firstOrderAt" = LEAST(COALESCE("firstOrderAt", ${at}), ${at}),
            "lastOrderAt" = GREATEST(COALESCE("lastOrderAt", ${at}), ${at}),
            "updatedAt" = (now() AT TIME ZONE 'UTC')
          WHERE "id" = ${customerId}`;
      }
      return;
    }
    case 'order.fulfilled':
      await tx.$executeRaw`
        UPDATE "Order" SET "fulfilledAt" = COALESCE("fulfilledAt", ${at}), "updatedAt" = (now() AT TIME ZONE 'UTC')
        WHERE "externalId" = ${event.properties.orderId} AND "customerId" = ${customerId}`;
      return;
    case 'order.delivered':
      await tx.$executeRaw`
        UPDATE "Order" SET "deliveredAt" = COALESCE("deliveredAt", ${at}), "updatedAt" = (now() AT TIME ZONE 'UTC')
        WHERE "externalId" = ${event.properties.orderId} AND "customerId" = ${customerId}`;
      return;
    case 'order.refunded':
      await tx.$executeRaw`
        UPDATE "Order" SET
          "refundedAmount" = LEAST("total", "refundedAmount" + COALESCE(${event.properties.amount ?? null}::numeric, "total")),
          "refundedAt" = ${at}, "updatedAt" = (now() AT TIME ZONE 'UTC')
        WHERE "externalId" = ${event.properties.orderId} AND "customerId" = ${customerId}`;
      return;
    case 'customer.active':
      await tx.$executeRaw`
        UPDATE "Customer" SET "lastActiveAt" = GREATEST(COALESCE("lastActiveAt", ${at}), ${at}), "updatedAt" = (now() AT TIME ZONE 'UTC')
        WHERE "id" = ${customerId}`;
      return;
    case 'churn_score.reported':
      await tx.$executeRaw`
        INSERT INTO "ExternalChurnScore" ("id", "customerId", "source", "score", "reportedAt", "eventId")
        VALUES (gen_random_uuid()::text, ${customerId}, ${event.properties.source}, ${event.properties.score}, ${at}, ${event.id})
        ON CONFLICT ("eventId") DO NOTHING`;
      return;
    case 'support.ticket_opened':
    case 'support.ticket_closed':
    case 'review.submitted':
      // Kept as events: the timeline and the risk score read them from there.
      return;
  }
}
