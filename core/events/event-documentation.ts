// The shapes of the events endpoint as the OpenAPI document shows them. Requests are validated
// event by event with `validateEvent` (so one bad event never rejects its neighbours); these are
// built from the very same schemas, so the document cannot drift from the validation.
import { z } from 'zod';
import {
  type AcceptedEventType,
  acceptedEventTypes,
  acceptedPropertySchemas,
  engineOnlyEventTypes,
  eventEnvelopeSchema,
  MAX_EVENTS_PER_BATCH,
} from './event-schemas.ts';

const descriptions: Partial<Record<AcceptedEventType, string>> = {
  'account.contacted':
    'Someone reached the customer outside Aftercare (a call logged in your CRM, a meeting). Journeys waiting for it ' +
    '(at-risk-save) take their "contacted" branch, as when a success manager marks the account contacted in Aftercare.',
};

const eventVariants = acceptedEventTypes.map((type) => {
  const variant = eventEnvelopeSchema.extend({ type: z.literal(type), properties: acceptedPropertySchemas[type] });
  const description = descriptions[type];
  return description ? variant.describe(description) : variant;
});

export const documentedEventSchema = z.discriminatedUnion('type', eventVariants as never).meta({
  id: 'Event',
  description:
    `One event. Events that only Aftercare records (${Object.keys(engineOnlyEventTypes).join(', ')}) are rejected, ` +
    'with a message on the field type.',
});

export const eventsRequestSchema = z.union([
  documentedEventSchema,
  z.object({ events: z.array(documentedEventSchema).min(1).max(MAX_EVENTS_PER_BATCH) }),
]);

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

export const eventResultSchema = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  error: fieldErrorSchema.optional(),
});

export const eventsResponseSchema = z.object({
  results: z.array(eventResultSchema),
  accepted: z.number().int(),
  duplicate: z.number().int(),
  rejected: z.number().int(),
  error: z.object({ code: z.string(), message: z.string(), field: z.string() }).optional(),
});

export const errorResponseSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) })
  .meta({ id: 'Error' });
