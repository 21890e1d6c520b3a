// POST /v1/journeys/:key/backtest: a draft (or the published version) replayed over the last N days of
// stored events with the interpreter and the send policies in force, beside what the published version
// really did over the same window. It reads, and writes nothing: the replay is the pure simulator.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { JourneyDefinition } from '../core/journey/definition.ts';
import { backtestWindow, publishedFigures, runBacktest } from '../journey-store/backtest.ts';
import { checkDefinition, describeDefinitionErrors, readDefinitionText } from '../journey-store/definition-checks.ts';
import { loadCurrentPolicies } from '../messaging/send-policies.ts';
import { TemplateStore } from '../messaging/template-store.ts';
import type { Database } from '../runtime/database.ts';
import { requireAccess } from './actor.ts';
import { backtestBodySchema, backtestResponseSchema } from './backtest-schemas.ts';
import { HttpError } from './errors.ts';
import { definitionErrorResponseSchema, keyParams } from './journeys-schemas.ts';

export type BacktestRoutesDeps = {
  db: Database;
  templates?: TemplateStore;
  /** The time zone of customers who have none, and of the answer's days (DEFAULT_TIMEZONE; default UTC). */
  defaultTimezone?: string;
  /** The clock (tests set it to the time-skipping server's). */
  now?: () => number;
};

export const backtestRoutes = (deps: BacktestRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    const { db } = deps;
    const templates = deps.templates ?? new TemplateStore();
    const defaultTimezone = deps.defaultTimezone ?? 'UTC';
    const now = deps.now ?? Date.now;

    app.post(
      '/journeys/:key/backtest',
      {
        schema: {
          summary: 'Replay a draft over the last N days of real events and messages: enrollments, messages, skips and deferrals',
          tags: ['journeys'],
          params: keyParams,
          body: backtestBodySchema,
          response: {
            200: backtestResponseSchema,
            401: errorResponseSchema,
            403: errorResponseSchema,
            404: errorResponseSchema,
            422: definitionErrorResponseSchema,
          },
        },
      },
      async (request, reply) => {
        requireAccess(request, 'journeys.simulate');
        const { key } = request.params;
        const { days } = request.body;
        const journey = await db.journey.findUnique({ where: { key } });
        let definition: JourneyDefinition;
        let version: number | null = null;
        if (request.body.definition !== undefined) {
          let raw: unknown = request.body.definition;
          if (typeof raw === 'string') {
            const read = readDefinitionText(raw);
            if (!read.ok) return refuse(reply, read.errors);
            raw = read.raw;
          }
          const check = await checkDefinition(raw, templates);
          if (!check.ok) return refuse(reply, check.errors);
          if (check.definition.key !== key) {
            return refuse(reply, [{ path: 'key', message: `is '${check.definition.key}', but the URL names the journey '${key}'` }]);
          }
          definition = check.definition;
        } else {
          if (!journey)
            throw new HttpError(404, 'not_found', `No journey with key '${key}'; send a draft as definition to backtest a new one.`, 'key');
          if (journey.currentVersion === null) throw new HttpError(404, 'not_found', `Journey '${key}' has no published version.`, 'key');
          const row = await db.journeyVersion.findUniqueOrThrow({
            where: { journeyKey_version: { journeyKey: key, version: journey.currentVersion } },
          });
          definition = row.definition as JourneyDefinition;
          version = row.version;
        }
        const backtestRequest = { definition, days, now: now(), policies: (await loadCurrentPolicies(db)).policies, defaultTimezone };
        const result = await runBacktest(db, backtestRequest);
        const published =
          journey?.currentVersion != null
            ? await publishedFigures(db, key, journey.currentVersion, backtestWindow(backtestRequest), result.perDay)
            : null;
        return { key, version, ...result, published };
      },
    );
  };

/** A refused draft: every problem, each with its path from the body (definition.steps[2].wait...). */
function refuse(reply: FastifyReply, errors: { path: string; message: string }[]) {
  const prefixed = errors.map((error) => ({
    path: `definition.${error.path}`.replace(/\.\(body\)$|\.\(root\)$/, ''),
    message: error.message,
  }));
  return reply.status(422).send({
    error: { code: 'invalid_definition', message: describeDefinitionErrors(prefixed), field: prefixed[0]?.path ?? 'definition' },
    errors: prefixed,
  });
}
