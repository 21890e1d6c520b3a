// /v1/alerts: the list (status, owner, kind; newest first, keyset pages) and what people do with one:
// acknowledge, snooze until a time, assign (workspace/alerts.ts). Bad input is 422 naming the field.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import { AlertActionError, acknowledgeAlert, alertStatuses, assignAlert, listAlerts, snoozeAlert } from '../workspace/alerts.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export type AlertsRoutesDeps = { db: Database; clock?: () => Date };

const alertSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z.enum(alertStatuses),
  customer: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }).nullable(),
  journeyKey: z.string().nullable(),
  assigneeId: z.string().nullable(),
  ownerId: z.string().nullable(),
  detail: z.unknown(),
  snoozedUntil: z.string().nullable(),
  createdAt: z.string(),
  ackedAt: z.string().nullable(),
  ackedById: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
});

const listQuery = z.strictObject({
  status: z.enum(alertStatuses, { error: `must be one of ${alertStatuses.join(', ')}` }).optional(),
  owner: z.string().min(1, { error: "must be a staff user id, 'me' or 'unassigned'" }).max(100).optional(),
  kind: z
    .string()
    .regex(/^[a-z_]{1,50}$/, { error: 'must be an alert kind such as detractor or at_risk' })
    .optional(),
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 200' })
    .int({ error: 'must be a whole number from 1 to 200' })
    .min(1, { error: 'must be a whole number from 1 to 200' })
    .max(200, { error: 'must be a whole number from 1 to 200' })
    .default(50),
  cursor: z.string().min(1).max(500).optional(),
});

const idParams = z.object({ id: z.string().min(1).max(100) });
const errors = {
  401: errorResponseSchema,
  403: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
  422: errorResponseSchema,
};

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AlertActionError)) throw error;
    if (error.kind === 'not_found') throw new HttpError(404, 'not_found', error.message, error.field);
    if (error.kind === 'conflict') throw new HttpError(409, 'conflict', error.message);
    throw new HttpError(422, 'invalid_request', error.message, error.field);
  }
}

export const alertsRoutes = (deps: AlertsRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const { db } = deps;
    const now = () => (deps.clock ?? (() => new Date()))();

    app.get(
      '/alerts',
      {
        schema: {
          summary: 'Alerts, newest first: filter by status, owner (a user id, me or unassigned) and kind',
          tags: ['alerts'],
          querystring: listQuery,
          response: { 200: z.object({ alerts: z.array(alertSchema), nextCursor: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'alerts.read');
        return translated(() => listAlerts(db, actor, request.query, now()));
      },
    );

    app.post(
      '/alerts/:id/ack',
      {
        schema: {
          summary: 'Acknowledge an alert: someone is on it',
          tags: ['alerts'],
          params: idParams,
          response: { 200: alertSchema, ...errors },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'alerts.act');
        return translated(() => acknowledgeAlert(db, actor, request.params.id, now()));
      },
    );

    app.post(
      '/alerts/:id/snooze',
      {
        schema: {
          summary: 'Snooze an alert until a time in the future; then it is open again',
          tags: ['alerts'],
          params: idParams,
          body: z.strictObject({
            until: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 instant with an offset, e.g. 2026-05-01T09:00:00Z' }),
          }),
          response: { 200: alertSchema, ...errors },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'alerts.act');
        return translated(() => snoozeAlert(db, actor, request.params.id, new Date(request.body.until), now()));
      },
    );

    app.post(
      '/alerts/:id/assign',
      {
        schema: {
          summary: 'Assign an alert to a success manager or an admin',
          tags: ['alerts'],
          params: idParams,
          body: z.strictObject({ userId: z.string({ error: 'must be a staff user id' }).min(1).max(100) }),
          response: { 200: alertSchema, ...errors },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'alerts.act');
        return translated(() => assignAlert(db, actor, request.params.id, request.body.userId, now()));
      },
    );
  };
