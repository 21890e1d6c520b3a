// GET /v1/outbox and GET /v1/outbox/:id: the emails the local outbox transport kept (when no
// RESEND_API_KEY is set), newest first, and one as the customer would see it: HTML, text and headers
// (List-Unsubscribe...). With Resend the answer says so: emails then go to the provider, not here.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { decodeOutboxCursor, listOutbox, loadOutboxEmail } from '../messaging/outbox-emails.ts';
import type { Database } from '../runtime/database.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export type EmailTransportName = 'outbox' | 'resend';

export const MAX_OUTBOX_PAGE = 200;
export const DEFAULT_OUTBOX_PAGE = 50;

// Unknown and repeated parameters are let through by the schema and refused by name in the handler.
const repeatable = z.union([z.string(), z.array(z.string())]);
const listQuery = z.looseObject({
  limit: repeatable.optional().describe(`1-${MAX_OUTBOX_PAGE}, default ${DEFAULT_OUTBOX_PAGE}`),
  cursor: repeatable.optional().describe('`nextCursor` of the previous page'),
});

const transportSchema = z
  .enum(['outbox', 'resend'])
  .describe('where the engine sends email: `outbox` (this list) or `resend` (the provider; the outbox gets nothing new)');
const summarySchema = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  template: z.string().nullable().describe('the template of a customer message, `staff:<kind>` for a staff email'),
  customerId: z.string().nullable(),
  journeyKey: z.string().nullable(),
  sentAt: z.string(),
});
const emailSchema = summarySchema.extend({
  html: z.string(),
  text: z.string(),
  headers: z.record(z.string(), z.string()),
  tags: z.array(z.object({ name: z.string(), value: z.string() })),
  locale: z.string().nullable(),
  transport: transportSchema,
});

const invalid = (field: string, message: string) => new HttpError(422, 'invalid_request', `${field} ${message}`, field);

function single(parameter: string, value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) throw invalid(parameter, 'is given more than once');
  return value;
}

export const outboxRoutes = (deps: { db: Database; transport: EmailTransportName }): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/outbox',
      {
        schema: {
          summary: 'The emails in the local outbox, newest first (keyset pages)',
          tags: ['outbox'],
          querystring: listQuery,
          response: {
            200: z.object({ transport: transportSchema, emails: z.array(summarySchema), nextCursor: z.string().nullable() }),
            401: errorResponseSchema,
            403: errorResponseSchema,
            422: errorResponseSchema,
          },
        },
      },
      async (request) => {
        requireAccess(request, 'outbox.read');
        const raw = request.query;
        const unknown = Object.keys(raw).find((key) => !(key in listQuery.shape));
        if (unknown !== undefined) throw invalid(unknown, `is not a parameter here; use ${Object.keys(listQuery.shape).join(', ')}`);
        const query = { limit: single('limit', raw.limit), cursor: single('cursor', raw.cursor) };
        let limit = DEFAULT_OUTBOX_PAGE;
        if (query.limit !== undefined) {
          limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
          if (!(limit >= 1 && limit <= MAX_OUTBOX_PAGE)) throw invalid('limit', `must be a whole number from 1 to ${MAX_OUTBOX_PAGE}`);
        }
        const cursor = query.cursor === undefined ? undefined : decodeOutboxCursor(query.cursor);
        if (cursor === null) throw invalid('cursor', 'is not a cursor this list gave out');
        const page = await listOutbox(deps.db, { limit, ...(cursor ? { cursor } : {}) });
        return { transport: deps.transport, ...page };
      },
    );

    app.get(
      '/outbox/:id',
      {
        schema: {
          summary: 'One email of the local outbox as the customer would see it: HTML, text and headers',
          tags: ['outbox'],
          params: z.object({ id: z.string().min(1).max(256) }),
          response: { 200: emailSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'outbox.read');
        const { id } = request.params;
        // Outbox ids are UUIDs: anything else is no email of the outbox (and never reaches the uuid column).
        const email = /^[0-9a-f-]{36}$/i.test(id) ? await loadOutboxEmail(deps.db, id.toLowerCase()) : null;
        if (!email) throw new HttpError(404, 'not_found', `The outbox has no email with the id '${id}'.`, 'id');
        return { ...email, transport: deps.transport };
      },
    );
  };
