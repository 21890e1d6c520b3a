// /v1/journeys: list, create, read, publish versions, pause/resume/archive, simulate, and stats.
// Definitions arrive as JSON or as YAML text (Content-Type application/yaml or text/yaml). They are
// validated as a whole, so a refused definition answers every problem at once with its path, and
// nothing is stored. Definition checks live in journey-store/definition-checks.ts, and simulation
// scenarios in core/journey/simulation-scenarios.ts, shared with `aftercare journeys simulate`.
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../core/access/permissions.ts';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { type DefinitionError, type JourneyDefinition, journeyJsonSchema } from '../core/journey/definition.ts';
import { presentSimulation, runSimulation } from '../core/journey/simulation-scenarios.ts';
import {
  checkDefinition,
  type DefinitionCheck,
  describeDefinitionErrors,
  locateDefinitionErrors,
  readDefinitionText,
} from '../journey-store/definition-checks.ts';
import { enrollmentCounts, journeySummary } from '../journey-store/journey-summaries.ts';
import { publishJourney } from '../journey-store/journey-versions.ts';
import { resolveSimulationCustomer, SimulationCustomerNotFoundError } from '../journey-store/simulation-customers.ts';
import { loadCurrentPolicies } from '../messaging/send-policies.ts';
import { TemplateStore } from '../messaging/template-store.ts';
import type { Database } from '../runtime/database.ts';
import { recordAudit } from '../workspace/audit.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';
import {
  controlResultSchema,
  definitionBodyDoc,
  definitionErrorResponseSchema,
  journeyDetailSchema,
  journeySummarySchema,
  jsonObject,
  keyParams,
  publishResultSchema,
  simulateBodySchema,
  simulationResponseSchema,
  statsResponseSchema,
  validateBodyDoc,
  validationResponseSchema,
  versionQuery,
} from './journeys-schemas.ts';

export type JourneysRoutesDeps = {
  db: Database;
  temporal: Client | null;
  /** Where send steps' templates must exist (default: the shipped `templates/`). */
  templates?: TemplateStore;
  /** The time zone of customers who have none (DEFAULT_TIMEZONE; default UTC). */
  defaultTimezone?: string;
};

/** Validates params and query with zod; the body is left to the handler (YAML text or a definition judged as a whole). */
function bodyLeftToHandler<T>(route: Parameters<FastifySchemaCompiler<T>>[0]): ReturnType<FastifySchemaCompiler<T>> {
  if (route.httpPart === 'body') return (data: unknown) => ({ value: data });
  return validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
}

export const journeysRoutes = (deps: JourneysRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const { db } = deps;
    const templates = deps.templates ?? new TemplateStore();
    const defaultTimezone = deps.defaultTimezone ?? 'UTC';

    // YAML definitions; scoped to these routes (the plugin is encapsulated).
    app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );

    const refuse = (reply: FastifyReply, errors: DefinitionError[], prefix = '') => {
      const prefixed = errors.map((error) => ({ path: prefix ? `${prefix}.${error.path}` : error.path, message: error.message }));
      return reply.status(422).send({
        error: { code: 'invalid_definition', message: describeDefinitionErrors(prefixed), field: prefixed[0]?.path ?? '(body)' },
        errors: prefixed,
      });
    };
    const definitionFromBody = async (body: unknown): Promise<DefinitionCheck> => {
      let raw = body;
      if (typeof body === 'string') {
        const read = readDefinitionText(body);
        if (!read.ok) return read;
        raw = read.raw;
      }
      if (raw === undefined || raw === null)
        return { ok: false, errors: [{ path: '(body)', message: 'is empty: send a journey definition' }] };
      return checkDefinition(raw, templates);
    };
    const journeyOr404 = async (key: string) => {
      const journey = await db.journey.findUnique({ where: { key } });
      if (!journey) throw new HttpError(404, 'not_found', `No journey with key '${key}'.`, 'key');
      return journey;
    };
    const versionOr404 = async (key: string, version: number) => {
      const row = await db.journeyVersion.findUnique({ where: { journeyKey_version: { journeyKey: key, version } } });
      if (!row) throw new HttpError(404, 'not_found', `Journey '${key}' has no version ${version}.`, 'version');
      return row;
    };
    /** Versions say who published them: the staff user's email, or 'api' for a key that acts for nobody. */
    const publisherOf = async (actor: Actor) => {
      if (actor.userId === null) return 'api';
      const user = await db.staffUser.findUnique({ where: { id: actor.userId }, select: { email: true } });
      return user?.email ?? 'api';
    };
    const publish = async (definition: JourneyDefinition, actor: Actor) => publishJourney(db, definition, await publisherOf(actor));
    /** Publishing and control are staff actions: each is recorded with who did it. */
    const audit = (actor: Actor, action: string, detail: { key: string } & Record<string, unknown>) =>
      recordAudit(db, actor, { action, subjectType: 'journey', subjectId: detail.key, detail });
    const isUniqueViolation = (error: unknown) => (error as { code?: unknown })?.code === 'P2002';

    app.get(
      '/journeys',
      {
        schema: {
          summary: 'List journeys with their status, current version and enrollments by status',
          tags: ['journeys'],
          response: { 200: z.object({ journeys: z.array(journeySummarySchema) }), 401: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'journeys.read');
        const journeys = await db.journey.findMany({ orderBy: { key: 'asc' } });
        const counts = await enrollmentCounts(
          db,
          journeys.map((journey) => journey.key),
        );
        return { journeys: journeys.map((journey) => journeySummary(journey, counts.get(journey.key) as never)) };
      },
    );

    app.get(
      '/journeys/schema',
      {
        schema: {
          summary: 'The JSON Schema of journey definitions',
          tags: ['journeys'],
          response: { 200: jsonObject, 401: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'journeys.read');
        return journeyJsonSchema();
      },
    );

    app.post(
      '/journeys/validate',
      {
        schema: {
          summary: 'Check a draft definition without storing it: every problem with its path, and its line in the text',
          tags: ['journeys'],
          body: validateBodyDoc,
          response: { 200: validationResponseSchema, 401: errorResponseSchema, 415: errorResponseSchema, 422: errorResponseSchema },
        },
        validatorCompiler: bodyLeftToHandler,
      },
      async (request) => {
        requireAccess(request, 'journeys.read');
        const body = request.body;
        let given: unknown = body;
        let journey: unknown;
        if (typeof body !== 'string') {
          if (body === null || typeof body !== 'object' || Array.isArray(body) || !('definition' in body)) {
            throw new HttpError(
              422,
              'invalid_request',
              'definition is missing: send { "definition": "<YAML or JSON text>" } or YAML text.',
              'definition',
            );
          }
          ({ definition: given, journey } = body as { definition: unknown; journey?: unknown });
          if (journey !== undefined && typeof journey !== 'string')
            throw new HttpError(422, 'invalid_request', 'journey must be a journey key.', 'journey');
        }
        const check = await definitionFromBody(given);
        const errors = check.ok
          ? journey !== undefined && check.definition.key !== journey
            ? [{ path: 'key', message: `is '${check.definition.key}', but this is the journey '${journey as string}'` }]
            : []
          : check.errors;
        return { ok: errors.length === 0, errors: typeof given === 'string' ? locateDefinitionErrors(given, errors) : errors };
      },
    );

    app.get(
      '/journeys/:key',
      {
        schema: {
          summary: 'A journey: its definition (the current version, or ?version=N), its versions and status',
          tags: ['journeys'],
          params: keyParams,
          querystring: versionQuery,
          response: { 200: journeyDetailSchema, 401: errorResponseSchema, 404: errorResponseSchema, 422: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'journeys.read');
        const { key } = request.params;
        const journey = await journeyOr404(key);
        const shown = request.query.version ?? journey.currentVersion;
        const [versions, version, counts] = await Promise.all([
          db.journeyVersion.findMany({
            where: { journeyKey: key },
            orderBy: { version: 'asc' },
            select: { version: true, publishedAt: true, publishedBy: true, checksum: true },
          }),
          shown === null ? null : versionOr404(key, shown),
          enrollmentCounts(db, [key]),
        ]);
        return {
          ...journeySummary(journey, counts.get(key) as never),
          version: version?.version ?? null,
          definition: (version?.definition as Record<string, unknown> | undefined) ?? null,
          versions: versions.map((v) => ({ ...v, publishedAt: v.publishedAt.toISOString() })),
        };
      },
    );

    app.post(
      '/journeys',
      {
        schema: {
          summary: 'Create a journey from a definition (JSON or YAML); it is published as version 1',
          tags: ['journeys'],
          body: definitionBodyDoc,
          response: {
            201: publishResultSchema,
            401: errorResponseSchema,
            409: errorResponseSchema,
            415: errorResponseSchema,
            422: definitionErrorResponseSchema,
          },
        },
        validatorCompiler: bodyLeftToHandler,
      },
      async (request, reply) => {
        const actor = requireAccess(request, 'journeys.publish');
        const check = await definitionFromBody(request.body);
        if (!check.ok) return refuse(reply, check.errors);
        const { definition } = check;
        // Claim the key first: of two concurrent creates, exactly one wins.
        try {
          await db.journey.create({ data: { key: definition.key, name: definition.name } });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw new HttpError(
            409,
            'journey_exists',
            `A journey with key '${definition.key}' exists; publish a new version with POST /v1/journeys/${definition.key}/versions.`,
            'key',
          );
        }
        try {
          const result = await publish(definition, actor);
          await audit(actor, 'journey.published', result);
          return reply.status(201).send(result);
        } catch (error) {
          await db.journey.deleteMany({ where: { key: definition.key, currentVersion: null } }).catch(() => undefined);
          throw error;
        }
      },
    );

    app.post(
      '/journeys/:key/versions',
      {
        schema: {
          summary: 'Publish a new immutable version (an identical definition publishes nothing)',
          tags: ['journeys'],
          params: keyParams,
          body: definitionBodyDoc,
          response: {
            200: publishResultSchema,
            201: publishResultSchema,
            401: errorResponseSchema,
            404: errorResponseSchema,
            409: errorResponseSchema,
            415: errorResponseSchema,
            422: definitionErrorResponseSchema,
          },
        },
        validatorCompiler: bodyLeftToHandler,
      },
      async (request, reply) => {
        const actor = requireAccess(request, 'journeys.publish');
        const { key } = request.params;
        const check = await definitionFromBody(request.body);
        if (!check.ok) return refuse(reply, check.errors);
        if (check.definition.key !== key) {
          return refuse(reply, [{ path: 'key', message: `is '${check.definition.key}', but the URL names the journey '${key}'` }]);
        }
        const journey = await journeyOr404(key);
        if (journey.status === 'archived') {
          throw new HttpError(409, 'journey_archived', `Journey '${key}' is archived; it takes no new versions.`, 'key');
        }
        const result = await publish(check.definition, actor);
        if (result.created) await audit(actor, 'journey.published', result);
        return reply.status(result.created ? 201 : 200).send(result);
      },
    );

    for (const action of ['pause', 'resume', 'archive'] as const) {
      const what = {
        pause: 'Pause: no new enrollments; running ones hold before their next send',
        resume: 'Resume a paused journey',
        archive: 'Archive: running enrollments end',
      }[action];
      app.post(
        `/journeys/:key/${action}`,
        {
          schema: {
            summary: what,
            tags: ['journeys'],
            params: keyParams,
            response: {
              200: controlResultSchema,
              401: errorResponseSchema,
              404: errorResponseSchema,
              409: errorResponseSchema,
              503: errorResponseSchema,
            },
          },
        },
        async (request) => {
          const actor = requireAccess(request, 'journeys.control');
          const { key } = request.params;
          await journeyOr404(key);
          if (!deps.temporal) {
            throw new HttpError(
              503,
              'temporal_unavailable',
              'Temporal is not connected, so running enrollments cannot be told; try again later.',
            );
          }
          const { controlJourney, JourneyNotFoundError, JourneyStateError } = await import('../workflow-client/journey-control.ts');
          try {
            const result = await controlJourney(db, deps.temporal, key, action);
            await audit(actor, `journey.${{ pause: 'paused', resume: 'resumed', archive: 'archived' }[action]}`, {
              key,
              status: result.status,
              signalled: result.signalled,
            });
            return { key, status: result.status as 'active' | 'paused' | 'archived', signalled: result.signalled };
          } catch (error) {
            if (error instanceof JourneyNotFoundError) throw new HttpError(404, 'not_found', error.message, 'key');
            if (error instanceof JourneyStateError) throw new HttpError(409, 'journey_archived', error.message, 'key');
            throw error;
          }
        },
      );
    }

    app.post(
      '/journeys/:key/simulate',
      {
        schema: {
          summary: 'Simulate a journey for one customer over N days: the timeline, the messages and the outcome',
          tags: ['journeys'],
          params: keyParams,
          body: simulateBodySchema,
          response: {
            200: simulationResponseSchema,
            401: errorResponseSchema,
            404: errorResponseSchema,
            422: definitionErrorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        requireAccess(request, 'journeys.simulate');
        const { key } = request.params;
        const body = request.body;
        let definition: JourneyDefinition;
        let version: number | null = null;
        if (body.definition !== undefined) {
          const check = await definitionFromBody(body.definition);
          if (!check.ok) return refuse(reply, check.errors, 'definition');
          if (check.definition.key !== key) {
            return refuse(reply, [
              { path: 'definition.key', message: `is '${check.definition.key}', but the URL names the journey '${key}'` },
            ]);
          }
          definition = check.definition;
        } else {
          const journey = await journeyOr404(key);
          if (journey.currentVersion === null) throw new HttpError(404, 'not_found', `Journey '${key}' has no published version.`, 'key');
          const row = await versionOr404(key, journey.currentVersion);
          definition = row.definition as JourneyDefinition;
          version = row.version;
        }
        const start = body.start !== undefined ? Date.parse(body.start) : Date.now();
        const customer = await resolveSimulationCustomer(db, body.customer, start, defaultTimezone).catch((error: unknown) => {
          if (error instanceof SimulationCustomerNotFoundError) throw new HttpError(404, 'not_found', error.message, 'customer.customerId');
          throw error;
        });
        const result = runSimulation({
          definition,
          customer,
          start,
          days: body.days,
          events: body.events ?? [],
          surveyAnswers: body.surveyAnswers ?? {},
          group: body.group ?? 'treatment',
          // The business's policies in force, as the send activity applies them.
          policies: (await loadCurrentPolicies(db)).policies,
        });
        return { key, version, ...presentSimulation(result, customer, start, body.days) };
      },
    );

    app.get(
      '/journeys/:key/stats',
      {
        schema: {
          summary: 'Funnel per step, enrollments by status, goal conversion per group and the lift over the holdout',
          tags: ['journeys'],
          params: keyParams,
          querystring: versionQuery,
          response: { 200: statsResponseSchema, 401: errorResponseSchema, 404: errorResponseSchema, 422: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'journeys.read');
        const { key } = request.params;
        const journey = await journeyOr404(key);
        const shown = request.query.version ?? journey.currentVersion;
        const row = shown === null ? null : await versionOr404(key, shown);
        const { journeyStats } = await import('../journey-store/journey-stats.ts');
        return journeyStats(db, key, {
          ...(request.query.version !== undefined ? { version: request.query.version } : {}),
          definition: (row?.definition as JourneyDefinition | undefined) ?? null,
        });
      },
    );
  };
