// /v1/customers/:id actions (workspace/account-actions.ts): a note, the owner, "contacted", and pausing or
// resuming the customer's journeys. `:id` is Aftercare's customer id or the business's own. Each action is
// recorded in the audit trail with its author.
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { contactChannels } from '../core/events/event-schemas.ts';
import type { RouteEvents } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';
import type { Logger } from '../runtime/logger.ts';
import { AccountActionError, addNote, controlCustomerJourneys, markContacted, setOwner } from '../workspace/account-actions.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export type AccountActionsRoutesDeps = {
  db: Database;
  temporal: Client | null;
  route: RouteEvents | null;
  logger?: Logger;
};

const idParams = z.object({ id: z.string().min(1).max(200).describe("Aftercare's customer id, or the business's own") });
const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 422: errorResponseSchema };

const noteSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  authorId: z.string().nullable(),
  body: z.string(),
  createdAt: z.string(),
});
const pauseSchema = z.object({
  customerId: z.string(),
  journeysPaused: z.boolean(),
  journeysPausedAt: z.string().nullable(),
  /** Running enrollments told. */
  signalled: z.number().int(),
});

/** Translates the workspace's refusals to the API's error shape. */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AccountActionError)) throw error;
    if (error.kind === 'not_found') throw new HttpError(404, 'not_found', error.message, error.field);
    if (error.kind === 'unavailable') throw new HttpError(503, 'temporal_unavailable', error.message);
    throw new HttpError(422, 'invalid_request', error.message, error.field);
  }
}

export const accountActionsRoutes = (deps: AccountActionsRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const workspace = { db: deps.db, temporal: deps.temporal, route: deps.route, ...(deps.logger ? { logger: deps.logger } : {}) };

    app.post(
      '/customers/:id/notes',
      {
        schema: {
          summary: 'Add a note to an account',
          tags: ['customers'],
          params: idParams,
          body: z.strictObject({
            body: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(10_000, {
              error: 'must be at most 10000 characters',
            }),
          }),
          response: { 201: noteSchema, ...errors },
        },
      },
      async (request, reply) => {
        const actor = requireAccess(request, 'customers.act');
        return reply.status(201).send(await translated(() => addNote(workspace, actor, request.params.id, request.body.body)));
      },
    );

    app.put(
      '/customers/:id/owner',
      {
        schema: {
          summary: "Set the account's owner (a success manager or an admin), or clear it with null",
          tags: ['customers'],
          params: idParams,
          body: z.strictObject({ ownerId: z.string({ error: 'must be a staff user id or null' }).min(1).max(100).nullable() }),
          response: { 200: z.object({ customerId: z.string(), ownerId: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'customers.assign');
        return translated(() => setOwner(workspace, actor, request.params.id, request.body.ownerId));
      },
    );

    app.post(
      '/customers/:id/contacted',
      {
        schema: {
          summary: 'Mark the account contacted (records account.contacted: a waiting at-risk save takes its "contacted" branch)',
          tags: ['customers'],
          params: idParams,
          body: z
            .strictObject({
              channel: z.enum(contactChannels, { error: `must be one of ${contactChannels.join(', ')}` }).optional(),
              note: z.string({ error: 'must be a string' }).max(2000, { error: 'must be at most 2000 characters' }).optional(),
            })
            .optional(),
          response: { 202: z.object({ customerId: z.string(), eventId: z.string(), at: z.string() }), ...errors },
        },
      },
      async (request, reply) => {
        const actor = requireAccess(request, 'customers.act');
        const body = request.body ?? {};
        const result = await translated(() =>
          markContacted(workspace, actor, request.params.id, { channel: body.channel, note: body.note }),
        );
        return reply.status(202).send(result);
      },
    );

    for (const action of ['pause', 'resume'] as const) {
      app.post(
        `/customers/:id/journeys/${action}`,
        {
          schema: {
            summary:
              action === 'pause'
                ? "Pause the customer's journeys: running enrollments hold before their next send, new ones wait"
                : "Resume the customer's journeys: held sends go out",
            tags: ['customers'],
            params: idParams,
            response: { 200: pauseSchema, 503: errorResponseSchema, ...errors },
          },
        },
        async (request) => {
          const actor = requireAccess(request, 'customers.act');
          return translated(() => controlCustomerJourneys(workspace, actor, request.params.id, action));
        },
      );
    }
  };
