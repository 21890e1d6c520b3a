// A simulation scenario as a marketer gives it, through the API or `aftercare journeys simulate`: the
// customer (a profile, or a stored customer's id), events at offsets or instants, survey answers, a
// number of days. Read the same way by both, run on the pure simulator, and presented as both show it.
import { z } from 'zod';
import type { SendPolicies } from '../policy/send-policy.ts';
import { addDuration, localIso } from '../time/local-time.ts';
import { isIanaTimeZone } from '../time/zones.ts';
import { type JourneyDefinition, type JourneyEventType, journeyEventTypes } from './definition.ts';
import { type SimulationInput, type SimulationResult, simulate } from './simulator.ts';

export const isoInstant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 date-time with an offset, e.g. 2026-11-23T10:00:00+01:00',
});
const isoDuration = z.string().regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, {
  error: 'must be an ISO-8601 duration such as P3D or PT12H',
});
const timezone = z.string().refine(isIanaTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' });

export const simulationCustomerSchema = z
  .strictObject({
    customerId: z.string().min(1).optional().describe("A stored customer (the business's own id): their profile, band and recent messages"),
    timezone: timezone.optional(),
    consent: z.record(z.string(), z.unknown()).optional().describe('Consent by purpose, e.g. { "marketing": true }'),
    churnBand: z.enum(['low', 'medium', 'high']).nullable().optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    tags: z.array(z.string()).optional(),
    suppressed: z.boolean().optional().describe('Unsubscribed, bounced or complained: nothing is sent'),
    messageHistory: z.array(isoInstant).max(100).optional().describe('Marketing emails already received, for the frequency cap'),
    variants: z
      .record(z.string().min(1).max(63), z.string().min(1).max(63))
      .optional()
      .describe(
        'A/B variants chosen in advance by split step id, e.g. { "subject-test": "b" }. Otherwise a stored customer takes the variant it really takes, a profile each split\'s first variant',
      ),
  })
  .refine((customer) => customer.customerId !== undefined || customer.timezone !== undefined, {
    error: 'needs a timezone (a profile) or a customerId (a stored customer)',
    path: ['timezone'],
  })
  .describe('A customer profile, or a stored customer by id; fields given beside customerId override the stored ones');
export type SimulationCustomer = z.output<typeof simulationCustomerSchema>;

export const simulatedEventSchema = z
  .strictObject({
    offset: isoDuration.optional().describe('When, after the start (calendar-aware in the customer time zone)'),
    at: isoInstant.optional().describe('When, as an instant'),
    type: z.enum(journeyEventTypes as unknown as [JourneyEventType, ...JourneyEventType[]], {
      error: `must be one of ${journeyEventTypes.join(', ')}`,
    }),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((event) => (event.offset === undefined) !== (event.at === undefined), {
    error: 'needs exactly one of offset (an ISO duration after the start) or at (an instant)',
    path: ['offset'],
  });
export type SimulatedEventSpec = z.output<typeof simulatedEventSchema>;

export const simulatedEventsSchema = z.array(simulatedEventSchema).max(1000);
export const surveyAnswersSchema = z
  .record(z.string(), z.number().int().min(0).max(10))
  .describe('Survey answers by send step id, given an hour after the send');
export const simulationDaysSchema = z.number().int().min(1).max(365);

/** A customer as the simulator takes it, after any stored profile was loaded. */
export type ResolvedCustomer = {
  customerId: string | null;
  timezone: string;
  consent: Record<string, unknown>;
  churnBand: 'low' | 'medium' | 'high' | null;
  attributes: Record<string, unknown>;
  tags: string[];
  suppressed: boolean;
  messageHistory: number[];
  /** Check-ins with a survey already received (for a survey cap): a stored customer's; none for a profile. */
  surveyHistory: number[];
  /** What splits hash to pick a variant, as the workflow does: a stored customer's row id; null for a profile. */
  assignmentKey: string | null;
  /** Variants chosen in advance, by split step id. */
  variants: Record<string, string>;
};

export function customerFromProfile(customer: SimulationCustomer, defaultTimezone = 'UTC'): ResolvedCustomer {
  return {
    customerId: null,
    timezone: customer.timezone ?? defaultTimezone,
    consent: customer.consent ?? {},
    churnBand: customer.churnBand ?? null,
    attributes: customer.attributes ?? {},
    tags: customer.tags ?? [],
    suppressed: customer.suppressed ?? false,
    messageHistory: (customer.messageHistory ?? []).map((at) => Date.parse(at)),
    surveyHistory: [],
    assignmentKey: null,
    variants: customer.variants ?? {},
  };
}

export function runSimulation(options: {
  definition: JourneyDefinition;
  customer: ResolvedCustomer;
  start: number;
  days: number;
  events?: SimulatedEventSpec[];
  surveyAnswers?: Record<string, number>;
  group?: 'treatment' | 'control';
  /** The business's policies in force (GET /v1/policies); the built-in defaults when not given. */
  policies?: SendPolicies;
}): SimulationResult {
  const { customer, start } = options;
  const input: SimulationInput = {
    definition: options.definition,
    customer: {
      timezone: customer.timezone,
      consent: customer.consent,
      churnBand: customer.churnBand,
      attributes: customer.attributes,
      tags: customer.tags,
      suppressed: customer.suppressed,
    },
    start,
    days: options.days,
    group: options.group ?? 'treatment',
    events: (options.events ?? []).map((event, index) => ({
      id: `sim-${index}`,
      type: event.type,
      at: event.at !== undefined ? Date.parse(event.at) : addDuration(start, event.offset as string, customer.timezone),
      properties: event.properties ?? {},
    })),
    surveyAnswers: options.surveyAnswers ?? {},
    messageHistory: customer.messageHistory,
    surveyHistory: customer.surveyHistory,
    ...(customer.assignmentKey !== null ? { assignmentKey: customer.assignmentKey } : {}),
    pinnedVariants: customer.variants,
    ...(options.policies ? { policies: options.policies } : {}),
  };
  return simulate(input);
}

const iso = (at: number) => new Date(at).toISOString();

/** The simulator's result as the API and `--json` show it. */
export function presentSimulation(result: SimulationResult, customer: ResolvedCustomer, start: number, days: number) {
  const end = result.timeline.find((entry) => entry.stepId === '(end)');
  return {
    customer: {
      customerId: customer.customerId,
      timezone: customer.timezone,
      consent: customer.consent,
      churnBand: customer.churnBand,
      attributes: customer.attributes,
      tags: customer.tags,
      suppressed: customer.suppressed,
      messageHistory: customer.messageHistory.map(iso),
    },
    start: iso(start),
    startLocal: localIso(start, customer.timezone),
    until: iso(start + days * 86_400_000),
    outcome: result.outcome,
    endedAt: result.endedAt === null ? null : iso(result.endedAt),
    endedAtLocal: result.endedAt === null ? null : localIso(result.endedAt, customer.timezone),
    endReason: typeof end?.detail?.reason === 'string' ? end.detail.reason : null,
    messages: result.sent.map((message) => ({
      step: message.stepId,
      template: message.template,
      at: iso(message.at),
      local: message.local,
    })),
    timeline: result.timeline.map((entry) => ({
      at: iso(entry.at),
      local: entry.local,
      step: entry.stepId,
      kind: entry.kind,
      status: entry.status,
      ...(entry.detail ? { detail: entry.detail } : {}),
    })),
  };
}
