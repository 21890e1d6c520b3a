// The shapes of the events endpoint as the OpenAPI document shows them. Requests are validated
// event by event with `validateEvent` (so one bad event never rejects its neighbours); these are
// built from the very same schemas, so the document cannot drift from the validation.
import { z } from 'zod';
import { eventEnvelopeSchema, eventTypes, MAX_EVENTS_PER_BATCH, propertySchemas } from './event-schemas.ts';

const eventVariants = eventTypes.map((type) => eventEnvelopeSchema.extend({ type: z.literal(type), properties: propertySchemas[type] }));

export const documentedEventSchema = z.discriminatedUnion('type', eventVariants as never).meta({ id: 'Event' });

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
