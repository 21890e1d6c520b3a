// POST /v1/events: one event, or `{ events: [...] }` with up to 1000. Each event is judged on its
// own: 202 with a result per event, or 422 when none of them could be accepted.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponseSchema, eventsRequestSchema, eventsResponseSchema } from '../core/events/event-documentation.ts';
import { MAX_EVENTS_PER_BATCH } from '../core/events/event-schemas.ts';
import { type IngestDeps, ingestEvents } from '../ingestion/ingest.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

function unpackEvents(body: unknown): { events: unknown[]; batch: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(422, 'invalid_request', 'The body must be an event object or { "events": [...] }.', '(body)');
  }
  if (!('events' in body)) return { events: [body], batch: false };
  const { events } = body as { events: unknown };
  if (!Array.isArray(events)) throw new HttpError(422, 'invalid_request', 'events must be an array of events.', 'events');
  if (events.length === 0) throw new HttpError(422, 'invalid_request', 'events must hold at least one event.', 'events');
  if (events.length > MAX_EVENTS_PER_BATCH) {
    throw new HttpError(413, 'batch_too_large', `events holds ${events.length} events; the limit is ${MAX_EVENTS_PER_BATCH}.`, 'events');
  }
  const extra = Object.keys(body).find((key) => key !== 'events');
  if (extra) throw new HttpError(422, 'invalid_request', `${extra} is not a known field.`, extra);
  return { events, batch: true };
}

export const eventsRoutes = (deps: IngestDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.post(
      '/events',
      {
        schema: {
          summary: 'Send one event or a batch of up to 1000',
          tags: ['events'],
          body: eventsRequestSchema,
          response: {
            202: eventsResponseSchema,
            401: errorResponseSchema,
            413: errorResponseSchema,
            422: eventsResponseSchema.or(errorResponseSchema),
          },
        },
        // Events are validated one by one below; the schema above documents them.
        validatorCompiler: () => (data) => ({ value: data }),
        config: { judgesEachItem: true },
      },
      async (request, reply) => {
        requireAccess(request, 'events.ingest');
        const { events, batch } = unpackEvents(request.body);
        const results = await ingestEvents(deps, events);
        const count = (status: string) => results.filter((result) => result.status === status).length;
        const summary = { results, accepted: count('accepted'), duplicate: count('duplicate'), rejected: count('rejected') };
        if (summary.rejected === results.length) {
          const first = results[0];
          const error = first && first.status === 'rejected' ? first.error : { field: '(body)', message: 'is invalid' };
          const field = batch ? `events[0].${error.field}`.replace('.(event)', '') : error.field;
          return reply.status(422).send({ ...summary, error: { code: 'invalid_event', message: `${field} ${error.message}`, field } });
        }
        return reply.status(202).send(summary);
      },
    );
  };
