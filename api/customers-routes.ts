// /v1/customers for reading: the at-risk list, one account, its timeline (workspace/). The actions on an
// account (notes, owner, contacted, pause) are in account-actions-routes.ts. Query parameters are read
// here, so that a bad one is refused with 422 naming it (`field` is the parameter), unknown ones too.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RiskBand } from '../core/churn/risk-score.ts';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import { loadCustomerAccount } from '../workspace/customer-account.ts';
import {
  type CustomerListQuery,
  type CustomerSort,
  customerSorts,
  decodeCursor,
  listCustomers,
  type OwnerFilter,
} from '../workspace/customer-list.ts';
import { decodeTimelineCursor, loadTimeline, type TimelineKind, timelineKinds } from '../workspace/timeline.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export type CustomersRoutesDeps = { db: Database; clock?: () => Date };

const bands = ['low', 'medium', 'high'] as const;
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

// Every parameter may arrive repeated and unknown ones are let through: the handler refuses them by name.
const repeatable = z.union([z.string(), z.array(z.string())]);
const listQuerySchema = z.looseObject({
  band: repeatable.optional().describe('low, medium or high; repeat it or give a comma list'),
  owner: repeatable.optional().describe('a staff user id, `me` (the user the key acts for) or `unassigned`'),
  q: repeatable.optional().describe('name or email contains this (ignoring case)'),
  hasOpenAlerts: repeatable.optional().describe('true or false'),
  sort: repeatable.optional().describe('risk_value (default: score × value), risk, value or last_order'),
  limit: repeatable.optional().describe(`1-${MAX_PAGE}, default ${DEFAULT_PAGE}`),
  cursor: repeatable.optional().describe('`nextCursor` of the previous page, with the same sort'),
});
const timelineQuerySchema = z.looseObject({
  kinds: repeatable.optional().describe(`any of ${timelineKinds.join(', ')}; repeat it or give a comma list`),
  limit: repeatable.optional().describe(`1-${MAX_PAGE}, default ${DEFAULT_PAGE}`),
  cursor: repeatable.optional().describe('`nextCursor` of the previous page'),
});
const idParams = z.object({ id: z.string().min(1).max(256) });

const listRowSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  score: z.number().nullable(),
  band: z.enum(bands).nullable(),
  score30DaysAgo: z.number().nullable(),
  trend: z
    .array(z.object({ at: z.string(), score: z.number() }))
    .describe('the scores of the last 30 days, oldest first (a point where the score changed), for a sparkline'),
  topReason: z.string().nullable().describe('the first of the reasons, in words'),
  value: z.number(),
  riskValue: z.number(),
  lastOrderAt: z.string().nullable(),
  owner: z.object({ id: z.string(), name: z.string() }).nullable(),
  openAlerts: z.number().int(),
});
const instant = z.string().nullable();
const accountResponseSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  locale: z.string().nullable(),
  timezone: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  consent: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  firstOrderAt: instant,
  lastOrderAt: instant,
  lastActiveAt: instant,
  orderCount: z.number().int(),
  totalSpent: z.number(),
  value: z.number(),
  journeysPausedAt: instant,
  owner: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  score: z
    .object({
      score: z.number(),
      band: z.enum(bands),
      source: z.string(),
      modelScore: z.number().nullable(),
      modelBand: z.enum(bands).nullable(),
      externalScore: z.number().nullable(),
      externalSource: z.string().nullable(),
      contributions: z.array(z.object({ factor: z.string(), points: z.number(), value: z.number().nullable() })),
      reasons: z.array(z.string()),
      pAlive: z.number().nullable(),
      expectedOrders90: z.number().nullable(),
      expectedNextOrderAt: instant,
      computedAt: z.string(),
    })
    .nullable(),
  scoreHistory: z.array(z.object({ at: z.string(), score: z.number(), band: z.enum(bands), modelScore: z.number().nullable() })),
  journeys: z.array(
    z.object({ key: z.string(), name: z.string(), step: z.string().nullable(), enteredAt: z.string(), paused: z.boolean() }),
  ),
  openAlerts: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      title: z.string(),
      status: z.string(),
      createdAt: z.string(),
      assigneeId: z.string().nullable(),
    }),
  ),
});
const listResponseSchema = z.object({ customers: z.array(listRowSchema), nextCursor: z.string().nullable() });
const timelineResponseSchema = z.object({
  items: z.array(z.looseObject({ at: z.string(), kind: z.enum(timelineKinds), id: z.string(), summary: z.string() })),
  nextCursor: z.string().nullable(),
});

const invalid = (parameter: string, message: string) => new HttpError(422, 'invalid_request', `${parameter} ${message}`, parameter);

function refuseUnknown(query: object, known: readonly string[]) {
  const unknown = Object.keys(query).find((key) => !known.includes(key));
  if (unknown !== undefined) throw invalid(unknown, `is not a parameter here; use ${known.join(', ')}`);
}

/** `a,b` and `a&a=b` alike; each value must be one of `allowed`. */
function listOf<T extends string>(parameter: string, value: string | string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const wrong = items.find((item) => !(allowed as readonly string[]).includes(item));
  if (wrong !== undefined) throw invalid(parameter, `must be ${allowed.join(', ')} (got '${wrong}')`);
  return [...new Set(items)] as T[];
}

function single(parameter: string, value: unknown): string | undefined {
  if (Array.isArray(value)) throw invalid(parameter, 'is given more than once');
  return value as string | undefined;
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE)) throw invalid('limit', `must be a whole number from 1 to ${MAX_PAGE}`);
  return limit;
}

/**
 * The response schemas document the answers (OpenAPI); the answers are built here from typed rows, so they
 * are written with JSON.stringify rather than checked field by field again (which cost 4 ms a timeline page).
 */
const plainJson = () => (data: unknown) => JSON.stringify(data);

export const customersRoutes = (deps: CustomersRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const { db } = deps;
    const now = deps.clock ?? (() => new Date());

    app.get(
      '/customers',
      {
        serializerCompiler: plainJson,
        schema: {
          summary: 'The at-risk list: filtered, sorted by a risk key, keyset-paginated',
          tags: ['customers'],
          querystring: listQuerySchema,
          response: { 200: listResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 422: errorResponseSchema },
        },
      },
      async (request) => {
        const actor = requireAccess(request, 'customers.read');
        const query = request.query;
        refuseUnknown(query, Object.keys(listQuerySchema.shape));
        const sortText = single('sort', query.sort) ?? 'risk_value';
        if (!(customerSorts as readonly string[]).includes(sortText)) throw invalid('sort', `must be ${customerSorts.join(', ')}`);
        const sort = sortText as CustomerSort;
        const list: CustomerListQuery = { sort, limit: limitOf(single('limit', query.limit)), now: now() };
        const bandList = listOf<RiskBand>('band', query.band, bands);
        if (bandList) list.bands = bandList;
        const owner = single('owner', query.owner);
        if (owner !== undefined) {
          list.owner = ownerFilter(owner, actor.userId);
          if (list.owner.kind === 'user' && owner !== 'me') {
            const known = await db.staffUser.findUnique({ where: { id: list.owner.userId }, select: { id: true } });
            if (!known) throw invalid('owner', `is not a staff user id (nor 'me' or 'unassigned')`);
          }
        }
        const q = single('q', query.q);
        if (q !== undefined) {
          if (q.trim() === '') throw invalid('q', 'is empty; leave it out to list everyone');
          if (q.length > 200) throw invalid('q', 'is longer than 200 characters');
          list.q = q.trim();
        }
        const hasOpenAlerts = single('hasOpenAlerts', query.hasOpenAlerts);
        if (hasOpenAlerts !== undefined) {
          if (hasOpenAlerts !== 'true' && hasOpenAlerts !== 'false') throw invalid('hasOpenAlerts', 'must be true or false');
          list.hasOpenAlerts = hasOpenAlerts === 'true';
        }
        const cursorText = single('cursor', query.cursor);
        if (cursorText !== undefined) {
          const decoded = decodeCursor(cursorText, sort);
          if ('error' in decoded) throw invalid('cursor', decoded.error);
          list.cursor = decoded.cursor;
        }
        return listCustomers(db, list);
      },
    );

    app.get(
      '/customers/:id',
      {
        serializerCompiler: plainJson,
        schema: {
          summary: 'One account: profile, consent, score and its reasons, history, owner, journeys, open alerts',
          tags: ['customers'],
          params: idParams,
          response: { 200: accountResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'customers.read');
        const account = await loadCustomerAccount(db, request.params.id, now());
        if (!account) throw notFound(request.params.id);
        return account;
      },
    );

    app.get(
      '/customers/:id/timeline',
      {
        serializerCompiler: plainJson,
        schema: {
          summary:
            "An account's timeline, newest first: orders, refunds, messages, surveys, journeys, scores, alerts, notes, staff actions",
          tags: ['customers'],
          params: idParams,
          querystring: timelineQuerySchema,
          response: {
            200: timelineResponseSchema,
            401: errorResponseSchema,
            403: errorResponseSchema,
            404: errorResponseSchema,
            422: errorResponseSchema,
          },
        },
      },
      async (request) => {
        requireAccess(request, 'customers.read');
        const query = request.query;
        refuseUnknown(query, Object.keys(timelineQuerySchema.shape));
        const limit = limitOf(single('limit', query.limit));
        const kinds = listOf<TimelineKind>('kinds', query.kinds, timelineKinds);
        const cursorText = single('cursor', query.cursor);
        const cursor = cursorText === undefined ? undefined : decodeTimelineCursor(cursorText);
        if (cursor === null) throw invalid('cursor', 'is not a cursor this timeline gave out');
        const customer = await db.customer.findUnique({ where: { externalId: request.params.id }, select: { id: true } });
        if (!customer) throw notFound(request.params.id);
        return loadTimeline(db, {
          customerRowId: customer.id,
          limit,
          ...(cursor ? { cursor } : {}),
          ...(kinds ? { kinds } : {}),
        });
      },
    );
  };

const notFound = (id: string) => new HttpError(404, 'not_found', `No customer has the id '${id}'.`, 'id');

function ownerFilter(owner: string, userId: string | null): OwnerFilter {
  if (owner === 'unassigned') return { kind: 'unassigned' };
  if (owner === 'me') {
    if (!userId) throw invalid('owner', "is 'me', but this API key acts for no staff user; give a user id");
    return { kind: 'user', userId };
  }
  if (owner.trim() === '' || owner.length > 256) throw invalid('owner', "must be a staff user id, 'me' or 'unassigned'");
  return { kind: 'user', userId: owner };
}
