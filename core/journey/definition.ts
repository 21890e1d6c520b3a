// A journey is data. This schema is the single source: it validates YAML/JSON definitions, types the
// interpreter, and generates the published JSON Schema.
import { Duration } from 'luxon';
import { z } from 'zod';
import { type EventType, eventTypes } from '../events/event-schemas.ts';

const isoDuration = z.string().refine((text) => Duration.fromISO(text).isValid && Duration.fromISO(text).toMillis() > 0, {
  error: 'must be a positive ISO-8601 duration such as P3D or PT12H',
});

const stepId = z.string().regex(/^[a-z0-9][a-z0-9-_]{0,62}$/, { error: 'must be lower-case letters, digits, - or _' });

const eventType = z.enum(eventTypes as [EventType, ...EventType[]], {
  error: `must be one of ${eventTypes.join(', ')}`,
});

const waitStep = z.strictObject({ id: stepId, wait: z.strictObject({ duration: isoDuration }) });
const sendStep = z.strictObject({
  id: stepId,
  send: z.strictObject({ template: z.string().regex(/^[a-z0-9][a-z0-9-_/]*$/, { error: 'must name a template folder' }) }),
});
const exitStep = z.strictObject({ id: stepId, exit: z.strictObject({ reason: z.string().optional() }) });

export const journeyStepSchema = z.union([waitStep, sendStep, exitStep], {
  error: 'must be one step: wait, send or exit',
});

export const journeyDefinitionSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'must be lower-case letters, digits and -' }),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  trigger: z.strictObject({ event: eventType }),
  /** What one enrollment is about: one per order, per ticket, or per customer. */
  entity: z.enum(['order', 'ticket', 'customer']).default('customer'),
  steps: z.array(journeyStepSchema).min(1).max(200),
  exitEvents: z.array(eventType).default([]),
});

export type JourneyDefinition = z.output<typeof journeyDefinitionSchema>;
export type JourneyStep = z.output<typeof journeyStepSchema>;

export type DefinitionValidation = { ok: true; definition: JourneyDefinition } | { ok: false; errors: { path: string; message: string }[] };

export function validateJourneyDefinition(raw: unknown): DefinitionValidation {
  const parsed = journeyDefinitionSchema.safeParse(raw);
  if (parsed.success) {
    const ids = new Set<string>();
    for (const [index, step] of parsed.data.steps.entries()) {
      if (ids.has(step.id)) return { ok: false, errors: [{ path: `steps[${index}].id`, message: `repeats '${step.id}'` }] };
      ids.add(step.id);
    }
    return { ok: true, definition: parsed.data };
  }
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      if (issue.code === 'unrecognized_keys') {
        return { path: path || '(root)', message: issue.keys.map((key) => `unknown field '${key}'`).join(', ') };
      }
      return { path: path || '(root)', message: issue.message };
    }),
  };
}

/** The event property that names the enrollment's entity, by entity kind. */
export const entityKeyProperty = { order: 'orderId', ticket: 'ticketId', customer: null } as const;
