// GET /v1/reviews: the reviews customers wrote (on the built-in review page, or sent by the business as
// `review.submitted` events), newest first, one row per reviewed item, keyset-paginated; `?format=csv`
// (or `Accept: text/csv`) returns the same rows as a CSV file, every page of them.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { listReviews, type ReviewCursor, type ReviewRow } from '../ingestion/reviews.ts';
import type { Database } from '../runtime/database.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
/** A CSV export is read in pages of this size, so a large one never holds every row in one query. */
const EXPORT_PAGE = 1000;

const query = z.object({
  limit: z.string().optional().describe(`1-${MAX_PAGE}, default ${DEFAULT_PAGE} (ignored by the CSV export, which has every row)`),
  cursor: z.string().max(1024).optional().describe('`nextCursor` of the previous page'),
  customerId: z.string().min(1).max(200).optional().describe("only this customer's reviews (the business's customer id)"),
  orderId: z.string().min(1).max(200).optional().describe("only this order's reviews"),
  format: z.enum(['json', 'csv']).optional().describe('csv: a file of every matching review (also chosen by Accept: text/csv)'),
});

const reviewSchema = z.object({
  at: z.string().describe('when the review was written'),
  customerId: z.string(),
  customerEmail: z.string().nullable(),
  orderId: z.string().nullable(),
  itemId: z.string().nullable().describe("the item's SKU, or its position in the order"),
  itemName: z.string().nullable(),
  rating: z.number().int().nullable().describe('1-5 stars'),
  text: z.string().nullable(),
  source: z.string().nullable().describe('`aftercare` for the built-in review page; null for reviews sent as events'),
});

export const encodeReviewCursor = (cursor: ReviewCursor) =>
  Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.eventId, cursor.position])).toString('base64url');

export function decodeReviewCursor(text: string): ReviewCursor | null {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [at, eventId, position] = value as unknown[];
    if (typeof at !== 'string' || typeof eventId !== 'string' || typeof position !== 'number' || !Number.isInteger(position)) return null;
    const date = new Date(at);
    return Number.isNaN(date.getTime()) ? null : { at: date, eventId, position };
  } catch {
    return null;
  }
}

const asJson = (row: ReviewRow) => ({
  at: row.at.toISOString(),
  customerId: row.customerId,
  customerEmail: row.customerEmail,
  orderId: row.orderId,
  itemId: row.itemId,
  itemName: row.itemName,
  rating: row.rating,
  text: row.text,
  source: row.source,
});

const csvColumns = ['at', 'customerId', 'customerEmail', 'orderId', 'itemId', 'itemName', 'rating', 'text', 'source'] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a text that a
 * spreadsheet would run as a formula (= + - @, tab, carriage return) starts with an apostrophe.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const reviewsRoutes = (deps: { db: Database }): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/reviews',
      {
        schema: {
          summary: 'The reviews customers wrote, newest first (JSON pages, or every row as CSV)',
          tags: ['reviews'],
          querystring: query,
          response: {
            200: z.object({ reviews: z.array(reviewSchema), nextCursor: z.string().nullable() }).or(z.string().describe('CSV')),
            400: errorResponseSchema,
            401: errorResponseSchema,
            403: errorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        requireAccess(request, 'reviews.read');
        const q = request.query;
        const filters = { customerId: q.customerId, orderId: q.orderId };
        const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/i.test(String(request.headers.accept ?? '')));
        let limit = DEFAULT_PAGE;
        if (q.limit !== undefined) {
          limit = /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : Number.NaN;
          if (!(limit >= 1 && limit <= MAX_PAGE))
            throw new HttpError(400, 'invalid_query', `limit must be a whole number from 1 to ${MAX_PAGE}.`, 'limit');
        }
        let cursor: ReviewCursor | undefined;
        if (q.cursor !== undefined) {
          cursor = decodeReviewCursor(q.cursor) ?? undefined;
          if (!cursor) throw new HttpError(400, 'invalid_query', 'cursor is not a cursor this list gave out.', 'cursor');
        }
        if (!csv) {
          const page = await listReviews(deps.db, { limit, cursor, ...filters });
          return { reviews: page.rows.map(asJson), nextCursor: page.next ? encodeReviewCursor(page.next) : null };
        }
        const lines = [csvColumns.join(',')];
        for (let next = cursor; ; ) {
          const page = await listReviews(deps.db, { limit: EXPORT_PAGE, cursor: next, ...filters });
          for (const row of page.rows) {
            const json = asJson(row);
            lines.push(csvColumns.map((column) => csvCell(json[column])).join(','));
          }
          if (!page.next) break;
          next = page.next;
        }
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="reviews.csv"')
          .send(`${lines.join('\r\n')}\r\n`);
      },
    );
  };
