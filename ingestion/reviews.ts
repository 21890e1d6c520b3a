// Reviews, as a customer's review link brings them in (core/messaging/review-links.ts). Both are events
// in the Event table, stored once by an id derived from the link and routed like every other event:
//
//   review.clicked    the link was followed (before the redirect to the business's review target)
//   review.submitted  the built-in review page's form: `{ orderId, rating, items: [{ itemId, name,
//                     rating, text }], source: 'aftercare' }`, the goal of the review-request journey
//
// `listReviews` reads them back, the page's and any a business sends itself, one row per item.
import type { ReviewLink } from '../core/messaging/review-links.ts';
import { itemReference } from '../core/messaging/review-links.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import { type Database, poolOf } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { emitInternalEvent, routeStoredEvent } from './internal-events.ts';

export type ReviewDeps = { db: Database; route: RouteEvents | null; logger?: Logger };

export const REVIEW_TEXT_LIMIT = 2000;

export type ReviewableItem = { itemId: string; name: string };

export type ReviewSubject = {
  customer: { id: string; externalId: string; locale: string | null };
  /** The business's order id, or null for a review of the shop. */
  orderId: string | null;
  /** What the page asks about: the item the link names, or every item of the order. */
  items: ReviewableItem[];
};

const linkKey = (link: Pick<ReviewLink, 'customerId' | 'orderId' | 'itemId'>) =>
  `${link.customerId}:${link.orderId ?? '-'}:${link.itemId ?? '-'}`;
export const reviewClickedEventId = (link: Pick<ReviewLink, 'customerId' | 'orderId' | 'itemId'>) => `review.clicked:${linkKey(link)}`;
export const reviewSubmittedEventId = (link: Pick<ReviewLink, 'customerId' | 'orderId' | 'itemId'>) => `review.submitted:${linkKey(link)}`;

/** The customer, order and items a review link names; null when the customer (or the order) is not ours. */
export async function reviewSubject(db: Database, link: ReviewLink): Promise<ReviewSubject | null> {
  const customer = await db.customer.findUnique({ where: { id: link.customerId }, select: { id: true, externalId: true, locale: true } });
  if (!customer) return null;
  if (link.orderId === null) return { customer, orderId: null, items: [] };
  const order = await db.order.findFirst({ where: { externalId: link.orderId, customerId: customer.id }, select: { items: true } });
  if (!order) return null;
  const all = (Array.isArray(order.items) ? order.items : []).map((item, index) => ({
    itemId: itemReference(item, index),
    name: String((item as Record<string, unknown> | null)?.['name'] ?? itemReference(item, index)),
  }));
  const items = link.itemId === null ? all : all.filter((item) => item.itemId === link.itemId);
  if (link.itemId !== null && items.length === 0) return null;
  return { customer, orderId: link.orderId, items };
}

/** Records that the link was followed, once per link; routing is best effort (the sweeper retries). */
export async function recordReviewClick(deps: ReviewDeps, subject: ReviewSubject, link: ReviewLink, at: Date): Promise<void> {
  const id = reviewClickedEventId(link);
  await emitInternalEvent(deps.db, null, {
    id,
    type: 'review.clicked',
    customerRowId: subject.customer.id,
    occurredAt: at,
    properties: { ...(link.orderId ? { orderId: link.orderId } : {}), ...(link.itemId ? { itemId: link.itemId } : {}) },
  });
  await routeStoredEvent(deps, id);
}

export type SubmittedReview = { itemId: string | null; rating: number; text: string | null };

/** The review already written through this link, if any (the page then thanks instead of asking again). */
export async function submittedReview(db: Database, link: ReviewLink): Promise<SubmittedReview[] | null> {
  const event = await db.event.findUnique({ where: { id: reviewSubmittedEventId(link) }, select: { properties: true } });
  if (!event) return null;
  const items = (event.properties as { items?: { itemId: string; rating: number; text?: string | null }[] }).items ?? [];
  return items.map((item) => ({ itemId: item.itemId, rating: item.rating, text: item.text ?? null }));
}

export type SubmitReviewResult = { status: 'recorded' } | { status: 'already_submitted' } | { status: 'no_rating' };

/**
 * Stores `review.submitted` for the link (the items the customer rated; at least one) and routes it.
 * The first submission is the review: a second one through the same link changes nothing.
 */
export async function submitReview(
  deps: ReviewDeps,
  input: { subject: ReviewSubject; link: ReviewLink; at: Date; ratings: SubmittedReview[] },
): Promise<SubmitReviewResult> {
  const { subject, link } = input;
  const names = new Map(subject.items.map((item) => [item.itemId, item.name]));
  const rated = input.ratings.filter(
    (review) =>
      Number.isInteger(review.rating) && review.rating >= 1 && review.rating <= 5 && (review.itemId === null || names.has(review.itemId)),
  );
  if (rated.length === 0) return { status: 'no_rating' };
  const mean = rated.reduce((sum, review) => sum + review.rating, 0) / rated.length;
  const id = reviewSubmittedEventId(link);
  const stored = await emitInternalEvent(deps.db, null, {
    id,
    type: 'review.submitted',
    customerRowId: subject.customer.id,
    occurredAt: input.at,
    properties: {
      ...(subject.orderId ? { orderId: subject.orderId } : {}),
      rating: Math.round(mean),
      items: rated.map((review) => ({
        itemId: review.itemId,
        name: review.itemId === null ? null : (names.get(review.itemId) ?? null),
        rating: review.rating,
        text: review.text?.trim().slice(0, REVIEW_TEXT_LIMIT) || null,
      })),
      source: 'aftercare',
    },
  });
  if (!stored) return { status: 'already_submitted' };
  await routeStoredEvent(deps, id);
  return { status: 'recorded' };
}

// ---------------------------------------------------------------------------------------------------
// The list (GET /v1/reviews)

export type ReviewRow = {
  eventId: string;
  at: Date;
  customerId: string;
  customerEmail: string | null;
  orderId: string | null;
  itemId: string | null;
  itemName: string | null;
  rating: number | null;
  text: string | null;
  /** `aftercare` for the built-in page; null for reviews the business sent as events. */
  source: string | null;
};

/** Where a page ended: the last row's time, event and position within the event. */
export type ReviewCursor = { at: Date; eventId: string; position: number };

/** Newest first, one row per reviewed item (a review without items is one row), keyset-paginated. */
export async function listReviews(
  db: Database,
  options: { limit: number; cursor?: ReviewCursor | undefined; customerId?: string | undefined; orderId?: string | undefined },
): Promise<{ rows: ReviewRow[]; next: ReviewCursor | null }> {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = [`e."type" = 'review.submitted'`];
  if (options.customerId !== undefined) where.push(`c."externalId" = ${param(options.customerId)}`);
  if (options.orderId !== undefined) where.push(`e."properties"->>'orderId' = ${param(options.orderId)}`);
  if (options.cursor) {
    const at = param(options.cursor.at);
    const id = param(options.cursor.eventId);
    const position = param(options.cursor.position);
    where.push(
      `(e."occurredAt" < ${at} OR (e."occurredAt" = ${at} AND e."id" < ${id}) OR (e."occurredAt" = ${at} AND e."id" = ${id} AND item.position > ${position}))`,
    );
  }
  const limit = param(options.limit + 1);
  // A number stored as JSON is read as one; anything else a sender put there is left out, never an error.
  const rating = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'number' THEN round((${json})::text::numeric)::int END`;
  const text = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'string' THEN ${json} #>> '{}' END`;
  const result = await poolOf(db).query<{
    event_id: string;
    at: Date;
    customer_id: string;
    email: string | null;
    order_id: string | null;
    position: number;
    item_id: string | null;
    item_name: string | null;
    rating: number | null;
    text: string | null;
    source: string | null;
  }>(
    `SELECT e."id" AS event_id, e."occurredAt" AS at, c."externalId" AS customer_id, c."email" AS email,
            ${text(`e."properties"->'orderId'`)} AS order_id, item.position::int AS position,
            ${text(`item.value->'itemId'`)} AS item_id, ${text(`item.value->'name'`)} AS item_name,
            COALESCE(${rating(`item.value->'rating'`)}, ${rating(`e."properties"->'rating'`)}) AS rating,
            COALESCE(${text(`item.value->'text'`)}, ${text(`e."properties"->'text'`)}) AS text,
            ${text(`e."properties"->'source'`)} AS source
     FROM "Event" e
     JOIN "Customer" c ON c."id" = e."customerId"
     CROSS JOIN LATERAL (
       SELECT value, ordinality AS position
       FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e."properties"->'items') = 'array' AND jsonb_array_length(e."properties"->'items') > 0
                                      THEN e."properties"->'items' ELSE '[null]'::jsonb END) WITH ORDINALITY
     ) AS item
     WHERE ${where.join(' AND ')}
     ORDER BY e."occurredAt" DESC, e."id" DESC, item.position ASC
     LIMIT ${limit}`,
    values,
  );
  const rows = result.rows.slice(0, options.limit);
  const last = result.rows.length > options.limit ? rows[rows.length - 1] : undefined;
  return {
    rows: rows.map((row) => ({
      eventId: row.event_id,
      at: row.at,
      customerId: row.customer_id,
      customerEmail: row.email,
      orderId: row.order_id,
      itemId: row.item_id,
      itemName: row.item_name,
      rating: row.rating,
      text: row.text,
      source: row.source,
    })),
    next: last ? { at: last.at, eventId: last.event_id, position: last.position } : null,
  };
}
