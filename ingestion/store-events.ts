// Stores validated events and applies them to the customer and order tables, one transaction per
// batch: either every event of the batch is written with its effects, or none is. An event id seen
// before is a duplicate and changes nothing.

import type pg from 'pg';
import type { IncomingEvent } from '../core/events/event-schemas.ts';
import { type Database, poolOf, raw, type Statement, sql } from '../runtime/database.ts';

/** A connection inside the batch's transaction. */
type Tx = { exec(statement: Statement): Promise<number>; rows<T>(statement: Statement): Promise<T[]> };

function transactionOn(client: pg.PoolClient): Tx {
  return {
    exec: async (statement) => (await client.query(statement.text, statement.values)).rowCount ?? 0,
    rows: async <T>(statement: Statement) => (await client.query(statement.text, statement.values)).rows as T[],
  };
}

export type StoredEvent = IncomingEvent & { customerRowId: string };

export type StoreResult = { stored: StoredEvent[]; duplicateIds: Set<string> };

/** `markRouted`: historical events (imports, demo data) are stored without starting journeys. */
export async function storeEvents(db: Database, events: IncomingEvent[], options: { markRouted?: boolean } = {}): Promise<StoreResult> {
  if (events.length === 0) return { stored: [], duplicateIds: new Set() };
  // Plain SQL on the pool, not the ORM: this is the hot path of ingestion, and all of it is set-based SQL.
  const client = await poolOf(db).connect();
  try {
    await client.query('BEGIN');
    const tx = transactionOn(client);
    const customerIds = await ensureCustomers(tx, [...new Set(events.map((event) => event.customerId))]);
    const inserted = await insertEvents(tx, events, customerIds, options.markRouted ?? false);
    const stored: StoredEvent[] = [];
    const duplicateIds = new Set<string>();
    for (const event of events) {
      if (inserted.has(event.id)) stored.push({ ...event, customerRowId: customerIds.get(event.customerId) as string });
      else duplicateIds.add(event.id);
    }
    await applyEvents(tx, stored);
    await client.query('COMMIT');
    return { stored, duplicateIds };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Creates the batch's new customers and locks all of its customers, both in a fixed order (new ones by
 * external id, then every row by id, as churn scoring does), so that concurrent batches and scoring
 * runs that share customers queue behind each other instead of deadlocking.
 */
async function ensureCustomers(tx: Tx, externalIds: string[]): Promise<Map<string, string>> {
  const sorted = [...externalIds].sort();
  await tx.exec(sql`
    INSERT INTO "Customer" ("id", "externalId", "updatedAt")
    SELECT gen_random_uuid()::text, x, now() FROM unnest(${sorted}::text[]) WITH ORDINALITY AS u(x, n)
    ORDER BY n
    ON CONFLICT ("externalId") DO NOTHING`);
  const rows = await tx.rows<{ id: string; externalId: string }>(sql`
    SELECT "id", "externalId" FROM "Customer" WHERE "externalId" = ANY(${sorted}::text[])
    ORDER BY "id" FOR NO KEY UPDATE`);
  return new Map(rows.map((row) => [row.externalId, row.id]));
}

/** Inserts the events that are new; returns their ids. Within a batch the first of a repeated id wins. */
async function insertEvents(tx: Tx, events: IncomingEvent[], customerIds: Map<string, string>, markRouted: boolean): Promise<Set<string>> {
  const rows = await tx.rows<{ id: string }>(sql`
    INSERT INTO "Event" ("id", "type", "customerId", "occurredAt", "properties", "receivedAt", "routedAt")
    SELECT id, type, "customerId", "occurredAt", properties, now(),
           CASE WHEN ${markRouted} THEN now() END
    FROM unnest(
      ${events.map((event) => event.id)}::text[],
      ${events.map((event) => event.type)}::text[],
      ${events.map((event) => customerIds.get(event.customerId) as string)}::text[],
      ${events.map((event) => event.occurredAt.toISOString())}::timestamptz[],
      ${events.map((event) => JSON.stringify(event.properties))}::jsonb[]
    ) AS e(id, type, "customerId", "occurredAt", properties)
    ON CONFLICT ("id") DO NOTHING
    RETURNING "id"`);
  return new Set(rows.map((row) => row.id));
}

type Of<T extends IncomingEvent['type']> = Extract<StoredEvent, { type: T }>;

function ofType<T extends IncomingEvent['type']>(events: StoredEvent[], ...types: T[]): Of<T>[] {
  return events.filter((event): event is Of<T> => (types as string[]).includes(event.type));
}

/**
 * Applies new events to the customer and order tables: one set-based statement per kind of effect,
 * so a batch of 100 costs a handful of round trips. Effects are applied in a fixed order (profiles,
 * new orders, order updates, activity, external scores), and several events of one kind for the same
 * row fold together as if applied one after another.
 */
async function applyEvents(tx: Tx, events: StoredEvent[]): Promise<void> {
  await applyProfiles(tx, ofType(events, 'customer.upserted'));
  await applyNewOrders(tx, ofType(events, 'order.placed'));
  for (const [type, column] of [
    ['order.fulfilled', 'fulfilledAt'],
    ['order.delivered', 'deliveredAt'],
  ] as const) {
    const rows = ofType(events, type);
    if (rows.length === 0) continue;
    await tx.exec(sql`
      UPDATE "Order" o SET ${raw(`"${column}"`)} = COALESCE(o.${raw(`"${column}"`)}, u.at), "updatedAt" = now()
      FROM (SELECT order_id, customer_id, min(at) AS at FROM unnest(
        ${rows.map((e) => e.properties.orderId)}::text[], ${rows.map((e) => e.customerRowId)}::text[],
        ${rows.map((e) => e.occurredAt.toISOString())}::timestamptz[]) AS x(order_id, customer_id, at) GROUP BY 1, 2) u
      WHERE o."externalId" = u.order_id AND o."customerId" = u.customer_id`);
  }
  await applyRefunds(tx, ofType(events, 'order.refunded'));
  const active = ofType(events, 'customer.active');
  if (active.length > 0) {
    await tx.exec(sql`
      UPDATE "Customer" c SET "lastActiveAt" = GREATEST(COALESCE(c."lastActiveAt", u.at), u.at), "updatedAt" = now()
      FROM (SELECT id, max(at) AS at FROM unnest(
        ${active.map((e) => e.customerRowId)}::text[], ${active.map((e) => e.occurredAt.toISOString())}::timestamptz[]) AS x(id, at) GROUP BY 1) u
      WHERE c."id" = u.id`);
  }
  const scores = ofType(events, 'churn_score.reported');
  if (scores.length > 0) {
    await tx.exec(sql`
      INSERT INTO "ExternalChurnScore" ("id", "customerId", "source", "score", "reportedAt", "eventId")
      SELECT gen_random_uuid()::text, customer_id, source, score, at, event_id FROM unnest(
        ${scores.map((e) => e.customerRowId)}::text[], ${scores.map((e) => e.properties.source)}::text[],
        ${scores.map((e) => e.properties.score)}::float8[], ${scores.map((e) => e.occurredAt.toISOString())}::timestamptz[],
        ${scores.map((e) => e.id)}::text[]) AS x(customer_id, source, score, at, event_id)
      ON CONFLICT ("eventId") DO NOTHING`);
  }
  // support.* and review.submitted are kept as events only: the timeline and the risk score read them.
}

async function applyProfiles(tx: Tx, upserts: Of<'customer.upserted'>[]): Promise<void> {
  if (upserts.length === 0) return;
  type Profile = {
    email: string;
    name: string | null;
    locale: string | null;
    timezone: string | null;
    attributes: object;
    consent: object;
  };
  const byCustomer = new Map<string, Profile>();
  for (const { customerRowId, properties: p } of upserts) {
    const before = byCustomer.get(customerRowId);
    byCustomer.set(customerRowId, {
      email: p.email.toLowerCase(),
      name: p.name ?? before?.name ?? null,
      locale: p.locale ?? before?.locale ?? null,
      timezone: p.timezone ?? before?.timezone ?? null,
      attributes: { ...before?.attributes, ...p.attributes },
      consent: { ...before?.consent, ...p.consent },
    });
  }
  const ids = [...byCustomer.keys()];
  const profiles = [...byCustomer.values()];
  await tx.exec(sql`
    UPDATE "Customer" c SET
      "email" = u.email,
      "name" = COALESCE(u.name, c."name"),
      "locale" = COALESCE(u.locale, c."locale"),
      "timezone" = COALESCE(u.timezone, c."timezone"),
      "attributes" = c."attributes" || u.attributes,
      "consent" = c."consent" || u.consent,
      "updatedAt" = now()
    FROM unnest(
      ${ids}::text[], ${profiles.map((p) => p.email)}::text[], ${profiles.map((p) => p.name)}::text[],
      ${profiles.map((p) => p.locale)}::text[], ${profiles.map((p) => p.timezone)}::text[],
      ${profiles.map((p) => JSON.stringify(p.attributes))}::jsonb[], ${profiles.map((p) => JSON.stringify(p.consent))}::jsonb[]
    ) AS u(id, email, name, locale, timezone, attributes, consent)
    WHERE c."id" = u.id`);
}

async function applyNewOrders(tx: Tx, orders: Of<'order.placed'>[]): Promise<void> {
  if (orders.length === 0) return;
  // Only orders that are new change the customer's totals: a second event for a known order id does not.
  await tx.exec(sql`
    WITH inserted AS (
      INSERT INTO "Order" ("id", "externalId", "customerId", "total", "currency", "items", "placedAt", "updatedAt")
      SELECT gen_random_uuid()::text, order_id, customer_id, total, currency, items, at, now()
      FROM unnest(
        ${orders.map((e) => e.properties.orderId)}::text[], ${orders.map((e) => e.customerRowId)}::text[],
        ${orders.map((e) => e.properties.total)}::numeric[], ${orders.map((e) => e.properties.currency)}::text[],
        ${orders.map((e) => JSON.stringify(e.properties.items))}::jsonb[], ${orders.map((e) => e.occurredAt.toISOString())}::timestamptz[]
      ) AS x(order_id, customer_id, total, currency, items, at)
      ON CONFLICT ("externalId") DO NOTHING
      RETURNING "customerId", "total", "placedAt"
    )
    UPDATE "Customer" c SET
      "orderCount" = c."orderCount" + agg.n,
      -- Capped at what Decimal(14,2) holds: a lifetime total past a trillion is still "a lot".
      "totalSpent" = LEAST(c."totalSpent" + agg.total, 999999999999.99),
      "firstOrderAt" = LEAST(COALESCE(c."firstOrderAt", agg.first), agg.first),
      "lastOrderAt" = GREATEST(COALESCE(c."lastOrderAt", agg.last), agg.last),
      "updatedAt" = now()
    FROM (SELECT "customerId", count(*)::int AS n, sum("total") AS total, min("placedAt") AS first, max("placedAt") AS last
          FROM inserted GROUP BY 1) agg
    WHERE c."id" = agg."customerId"`);
}

async function applyRefunds(tx: Tx, refunds: Of<'order.refunded'>[]): Promise<void> {
  if (refunds.length === 0) return;
  // A refund without an amount refunds the whole order (null below); amounts of one order add up.
  const byOrder = new Map<string, { customerId: string; amount: number | null; at: Date }>();
  for (const { customerRowId, occurredAt, properties } of refunds) {
    const key = `${customerRowId}\u0000${properties.orderId}`;
    const before = byOrder.get(key);
    const amount = before?.amount === null || properties.amount === undefined ? null : (before?.amount ?? 0) + properties.amount;
    byOrder.set(key, { customerId: customerRowId, amount, at: before && before.at > occurredAt ? before.at : occurredAt });
  }
  const keys = [...byOrder.keys()];
  const values = [...byOrder.values()];
  await tx.exec(sql`
    UPDATE "Order" o SET
      "refundedAmount" = LEAST(o."total", o."refundedAmount" + COALESCE(u.amount, o."total")),
      "refundedAt" = u.at,
      "updatedAt" = now()
    FROM unnest(
      ${keys.map((key) => key.split('\u0000')[1] as string)}::text[], ${values.map((v) => v.customerId)}::text[],
      ${values.map((v) => v.amount)}::numeric[], ${values.map((v) => v.at.toISOString())}::timestamptz[]
    ) AS u(order_id, customer_id, amount, at)
    WHERE o."externalId" = u.order_id AND o."customerId" = u.customer_id`);
}
