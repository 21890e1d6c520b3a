// GET /v1/surveys/summary: the survey results (CSAT, NPS, response rate) overall, by ISO week and by
// journey, with the latest comments. The arithmetic and its definitions are core/surveys/summary.ts,
// which answers count is workspace/survey-summary.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import { surveyPeriod } from '../core/surveys/summary.ts';
import { isIanaTimeZone } from '../core/time/zones.ts';
import type { Database } from '../runtime/database.ts';
import { loadSurveySummary } from '../workspace/survey-summary.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export const MAX_COMMENTS = 100;

// Unknown and repeated parameters are let through by the schema and refused by name in the handler.
const repeatable = z.union([z.string(), z.array(z.string())]);
const querySchema = z.looseObject({
  from: repeatable.optional().describe('first day of the period, a calendar date (2026-11-01), in `timezone`; included'),
  to: repeatable.optional().describe('last day of the period, a calendar date, in `timezone`; included'),
  journey: repeatable.optional().describe('only this journey (its key)'),
  timezone: repeatable.optional().describe('IANA zone of the weeks and the dates (default UTC)'),
  comments: repeatable.optional().describe(`how many of the latest comments, 0-${MAX_COMMENTS} (default 10)`),
});

const nullableNumber = z.number().nullable();
const csat = z
  .object({ answers: z.number().int(), average: nullableNumber, satisfied: z.number().int(), satisfiedShare: nullableNumber })
  .describe('CSAT (1-5): the average; satisfied = answers of 4 or 5, satisfiedShare = satisfied / answers (0-1); null without answers');
const nps = z
  .object({
    answers: z.number().int(),
    promoters: z.number().int(),
    passives: z.number().int(),
    detractors: z.number().int(),
    score: nullableNumber,
  })
  .describe(
    'NPS (0-10): promoters 9-10, passives 7-8, detractors 0-6; score = % promoters - % detractors (-100 to 100); null without answers',
  );
const responseRate = z
  .object({ sent: z.number().int(), answered: z.number().int(), rate: nullableNumber })
  .describe('survey emails sent (by send time) and how many have a settled answer; rate = answered / sent (0-1), null when none was sent');
const figures = { csat, nps, responseRate };

const summarySchema = z.object({
  timezone: z.string(),
  period: z.object({ from: z.string().nullable(), to: z.string().nullable(), journey: z.string().nullable() }),
  ...figures,
  byWeek: z
    .array(z.object({ week: z.string().describe('ISO week, 2026-W48'), startsOn: z.string().describe('its Monday'), ...figures }))
    .describe('every ISO week from the first to the last with data, oldest first'),
  byJourney: z.array(z.object({ journeyKey: z.string().nullable(), journeyName: z.string().nullable(), ...figures })),
  latestComments: z.array(
    z.object({
      customerId: z.string(),
      kind: z.enum(['csat', 'nps']),
      score: z.number().int(),
      comment: z.string(),
      journeyKey: z.string().nullable(),
      journeyName: z.string().nullable(),
      at: z.string(),
    }),
  ),
});

const invalid = (field: string, message: string) => new HttpError(422, 'invalid_request', `${field} ${message}`, field);

function single(parameter: string, value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) throw invalid(parameter, 'is given more than once');
  return value;
}

export const surveysRoutes = (deps: { db: Database }): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.get(
      '/surveys/summary',
      {
        schema: {
          summary: 'Survey results: CSAT, NPS and response rate, by ISO week and by journey, and the latest comments',
          description:
            'Counts settled answers only (those journeys were told of), with their latest score. Scores follow the time of the answer, ' +
            'the response rate the send time of the survey email. Weeks and the from/to dates are in `timezone` (default UTC).',
          tags: ['surveys'],
          querystring: querySchema,
          response: { 200: summarySchema, 401: errorResponseSchema, 403: errorResponseSchema, 422: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'surveys.read');
        const raw = request.query;
        const unknown = Object.keys(raw).find((key) => !(key in querySchema.shape));
        if (unknown !== undefined) throw invalid(unknown, `is not a parameter here; use ${Object.keys(querySchema.shape).join(', ')}`);
        const query = {
          from: single('from', raw.from),
          to: single('to', raw.to),
          journey: single('journey', raw.journey),
          timezone: single('timezone', raw.timezone),
          comments: single('comments', raw.comments),
        };
        const timezone = query.timezone ?? 'UTC';
        if (!isIanaTimeZone(timezone)) throw invalid('timezone', `must be an IANA time zone such as Europe/Paris (got '${timezone}')`);
        const period = surveyPeriod({
          timezone,
          ...(query.from !== undefined ? { from: query.from } : {}),
          ...(query.to !== undefined ? { to: query.to } : {}),
        });
        if ('error' in period) throw new HttpError(422, 'invalid_request', period.error, period.field);
        let comments: number | undefined;
        if (query.comments !== undefined) {
          comments = /^\d{1,3}$/.test(query.comments) ? Number(query.comments) : Number.NaN;
          if (!(comments >= 0 && comments <= MAX_COMMENTS)) throw invalid('comments', `must be a whole number from 0 to ${MAX_COMMENTS}`);
        }
        if (query.journey !== undefined) {
          const known =
            query.journey.length <= 200 && (await deps.db.journey.findUnique({ where: { key: query.journey }, select: { key: true } }));
          if (!known) throw invalid('journey', `is not a journey key (got '${query.journey.slice(0, 200)}')`);
        }
        const summary = await loadSurveySummary(deps.db, {
          start: period.start,
          end: period.end,
          timezone,
          ...(query.journey !== undefined ? { journeyKey: query.journey } : {}),
          ...(comments !== undefined ? { comments } : {}),
        });
        return { ...summary, period: { from: query.from ?? null, to: query.to ?? null, journey: query.journey ?? null } };
      },
    );
  };
