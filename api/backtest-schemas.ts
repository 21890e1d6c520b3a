// The request and response shapes of POST /v1/journeys/:key/backtest (api/backtest-routes.ts).
import { z } from 'zod';

const countsByReason = z.record(z.string(), z.number().int());
const perDaySchema = z
  .array(z.object({ date: z.string().describe('yyyy-mm-dd in the zone of the answer'), messages: z.number().int() }))
  .describe('Every day of the window, oldest first');

export const backtestBodySchema = z.strictObject({
  days: z.number().int().min(1).max(365).default(30).describe('How many days of history, ending now (1-365; default 30)'),
  definition: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .optional()
    .describe("The draft (JSON, or YAML text); default: the journey's published version"),
});

const figures = {
  enrollments: z.number().int(),
  messages: z.number().int().describe('Messages sent'),
  skipped: countsByReason.describe('Sends skipped, by reason: frequency_cap, quiet_hours, suppressed, no_marketing_consent, holdout, ...'),
  deferred: countsByReason.describe('Sends deferred (each deferral), by reason: quiet_hours, frequency_cap, ...'),
  perDay: perDaySchema,
  goals: z.number().int().describe('Enrollments that reached the goal'),
  exited: z.number().int().describe('Enrollments ended by an exit event, an exit step or a branch to exit'),
};

export const backtestResponseSchema = z
  .object({
    key: z.string(),
    /** The draft's source: null for a definition sent with the request. */
    version: z.number().int().nullable().describe("The version replayed; null for the request's draft"),
    days: z.number().int(),
    from: z.string().describe('The window [from, to), ISO-8601'),
    to: z.string(),
    zone: z.string().describe("The time zone of perDay's days: the business's default (DEFAULT_TIMEZONE)"),
    ...figures,
    funnel: z.array(
      z.object({
        stepId: z.string(),
        kind: z.string(),
        entered: z.number().int(),
        sent: z.number().int(),
        skipped: z.number().int(),
        deferred: z.number().int().describe('Enrollments whose send at this step was deferred at least once'),
      }),
    ),
    customers: z.number().int().describe('Customers whose history was read'),
    published: z
      .object({ version: z.number().int(), ...figures })
      .nullable()
      .describe('What the published version really did with the enrollments it started in the same window; null when none is published'),
  })
  .meta({ id: 'Backtest' });
