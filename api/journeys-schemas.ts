// The request and response shapes of /v1/journeys: they validate requests and generate the OpenAPI
// document, so the routes (api/journeys-routes.ts) only translate.
import { z } from 'zod';
import { journeyDefinitionSchema } from '../core/journey/definition.ts';
import {
  isoInstant,
  simulatedEventsSchema,
  simulationCustomerSchema,
  simulationDaysSchema,
  surveyAnswersSchema,
} from '../core/journey/simulation-scenarios.ts';

export const jsonObject = z.record(z.string(), z.unknown());
export const definitionErrorResponseSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'DefinitionError', description: 'An error; for a refused definition, every problem with its path' });
export const enrollmentCountsSchema = z.object({
  total: z.number().int(),
  running: z.number().int(),
  completed: z.number().int(),
  exited: z.number().int(),
  goal_reached: z.number().int(),
  failed: z.number().int(),
});
export const journeyStatusSchema = z.enum(['active', 'paused', 'archived']);
export const journeySummarySchema = z.object({
  key: z.string(),
  name: z.string(),
  status: journeyStatusSchema,
  currentVersion: z.number().int().nullable(),
  enrollments: enrollmentCountsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const versionSummarySchema = z.object({
  version: z.number().int(),
  publishedAt: z.string(),
  publishedBy: z.string().nullable(),
  checksum: z.string(),
});
export const journeyDetailSchema = journeySummarySchema.extend({
  version: z.number().int().nullable().describe('The version whose definition is shown'),
  definition: jsonObject.nullable(),
  versions: z.array(versionSummarySchema),
});
export const publishResultSchema = z.object({
  key: z.string(),
  version: z.number().int(),
  created: z.boolean().describe('false when the definition equals the current version: nothing new was stored'),
});
export const controlResultSchema = z.object({ key: z.string(), status: journeyStatusSchema, signalled: z.number().int() });
export const timelineEntrySchema = z.object({
  at: z.string(),
  local: z.string().describe("The same instant in the customer's time zone"),
  step: z.string(),
  kind: z.string(),
  status: z.string(),
  detail: jsonObject.optional(),
});
export const simulationResponseSchema = z.object({
  key: z.string(),
  version: z.number().int().nullable().describe('The stored version simulated; null for a definition given in the request'),
  customer: z.object({
    customerId: z.string().nullable(),
    timezone: z.string(),
    consent: jsonObject,
    churnBand: z.enum(['low', 'medium', 'high']).nullable(),
    attributes: jsonObject,
    tags: z.array(z.string()),
    suppressed: z.boolean(),
    messageHistory: z.array(z.string()),
  }),
  start: z.string(),
  startLocal: z.string(),
  until: z.string(),
  outcome: z.enum(['completed', 'exited', 'goal_reached', 'running']),
  endedAt: z.string().nullable(),
  endedAtLocal: z.string().nullable(),
  endReason: z.string().nullable(),
  messages: z.array(z.object({ step: z.string(), template: z.string(), at: z.string(), local: z.string() })),
  timeline: z.array(timelineEntrySchema),
});
export const countsByName = z.record(z.string(), z.number().int());
export const groupConversionSchema = z.object({
  enrolled: z.number().int(),
  goalReached: z.number().int(),
  rate: z.number().nullable(),
  interval: z
    .object({ lower: z.number(), upper: z.number() })
    .nullable()
    .describe("95% Wilson interval of the group's rate; null while the group is empty"),
});
export const statsResponseSchema = z.object({
  key: z.string(),
  version: z.number().int().nullable(),
  enrollments: enrollmentCountsSchema,
  steps: z.array(
    z.object({
      stepId: z.string(),
      kind: z.string(),
      entered: z.number().int(),
      waiting: z.number().int(),
      sent: z.number().int(),
      skipped: countsByName.describe('By reason: holdout, quiet_hours, frequency_cap, no_marketing_consent, unsubscribed, ...'),
      deferred: z.number().int(),
      failed: z.number().int(),
      goalReached: z.number().int(),
      exited: z.number().int(),
      statuses: countsByName,
      branches: countsByName.optional(),
      inOtherVersion: z.literal(true).optional(),
    }),
  ),
  conversion: z.object({ goal: z.string().nullable(), treatment: groupConversionSchema, control: groupConversionSchema }),
  lift: z
    .object({
      treatmentRate: z.number(),
      controlRate: z.number(),
      absolute: z.number().describe('treatment rate - control rate'),
      interval: z.object({ lower: z.number(), upper: z.number() }).describe('95% confidence interval of the absolute lift'),
      relative: z.number().nullable(),
      significant: z.boolean(),
      method: z.literal('newcombe-hybrid-score'),
      treatment: groupConversionSchema,
      control: groupConversionSchema,
    })
    .nullable()
    .describe('null until both groups have enrollments'),
  splits: z
    .array(
      z.object({
        stepId: z.string(),
        variants: z.array(
          z.object({
            key: z.string(),
            weight: z.number().nullable().describe('null for a variant of another version'),
            entered: z.number().int().describe('Treatment enrollments assigned to it (the holdout takes the split too but is left out)'),
            messages: z.number().int().describe('Messages sent to those enrollments'),
            goalReached: z.number().int(),
            rate: z.number().nullable(),
            interval: z
              .object({ lower: z.number(), upper: z.number() })
              .nullable()
              .describe('95% Wilson interval of the rate; null while the variant is empty'),
            difference: z
              .object({
                absolute: z.number().describe("rate - the first variant's rate"),
                interval: z.object({ lower: z.number(), upper: z.number() }).describe('95% Newcombe interval of the difference'),
                significant: z.boolean(),
              })
              .nullable()
              .describe('Against the first variant; null for the first, and while either is empty'),
          }),
        ),
        winner: z.string().nullable().describe('Named only once the 95% interval of a difference excludes zero'),
        method: z.literal('newcombe-hybrid-score'),
        inOtherVersion: z.literal(true).optional(),
      }),
    )
    .describe('A/B splits: each variant against the first'),
});

export const validateBodyDoc = z
  .union([
    z.string().describe('YAML (or JSON) text, with Content-Type application/yaml or text/yaml'),
    z.object({
      definition: z.union([z.string(), jsonObject]).describe('The definition: YAML or JSON text, or a JSON object'),
      journey: z.string().optional().describe('The journey it will be published to: its key must be this'),
    }),
  ])
  .describe('A draft definition to check without storing it');
export const validationResponseSchema = z
  .object({
    ok: z.boolean().describe('true: the definition can be published as it is'),
    errors: z.array(
      z.object({
        path: z.string(),
        message: z.string(),
        line: z.number().int().min(1).optional().describe('The line of the text the path points at, when the definition came as text'),
      }),
    ),
  })
  .meta({ id: 'DefinitionValidation' });

export const keyParams = z.object({ key: z.string().min(1).max(64) });
export const versionQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

export const definitionBodyDoc = journeyDefinitionSchema.describe(
  'A journey definition as JSON, or the same as YAML text with Content-Type application/yaml or text/yaml. The schema: GET /v1/journeys/schema.',
);

export const simulateBodySchema = z.strictObject({
  definition: z
    .union([jsonObject, z.string()])
    .optional()
    .describe("A definition to try (JSON, or YAML text); default: the journey's current version"),
  customer: simulationCustomerSchema,
  start: isoInstant.optional().describe('Default: now'),
  days: simulationDaysSchema,
  events: simulatedEventsSchema.optional().describe('Events that will happen: at an offset after the start, or at an instant'),
  surveyAnswers: surveyAnswersSchema.optional(),
  group: z.enum(['treatment', 'control']).optional().describe('control: the holdout path, which sends nothing'),
});
