// The events Aftercare accepts (PRODUCT.md, "Events"). These schemas validate requests, generate
// the OpenAPI document, and type the rest of the engine: one source for all three.
import { z } from 'zod';
import { findUnstorableText } from '../text/storable.ts';
import { isIanaTimeZone, isLanguageTag } from '../time/zones.ts';

export const MAX_EVENTS_PER_BATCH = 1000;
/** Events dated further ahead than this are refused: a clock or unit mistake at the sender. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/** Zod reports a missing key as a type error; a sender wants to read "is required". */
const requiredOr = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message);

const id = (what: string) =>
  z
    .string({ error: requiredOr(`must be a string (${what})`) })
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' });

const money = z
  .number({ error: requiredOr('must be a number') })
  .finite({ error: 'must be a finite number' })
  .min(0, { error: 'must not be negative' })
  // One order or refund; the columns hold 14 digits, and a customer's lifetime total is capped there.
  .max(1e9, { error: 'must be at most 1000000000' });

const currencyCodes = new Set(Intl.supportedValuesOf('currency'));
const currency = z
  .string({ error: requiredOr('must be an ISO 4217 currency code such as EUR') })
  .refine((code) => currencyCodes.has(code), { error: 'must be an ISO 4217 currency code such as EUR' });

const jsonObject = z.record(z.string(), z.unknown(), { error: requiredOr('must be an object') });

export const orderItemSchema = z.object({
  sku: z.string().max(200).optional(),
  name: z
    .string({ error: requiredOr('must be a string') })
    .min(1, { error: 'must not be empty' })
    .max(500),
  quantity: z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).min(1).max(100_000).default(1),
  price: money.optional(),
  url: z.url().optional(),
  imageUrl: z.url().optional(),
});

export const propertySchemas = {
  'customer.upserted': z.object({
    email: z.email({ error: requiredOr('must be an email address') }),
    name: z.string().max(300).optional(),
    locale: z.string().refine(isLanguageTag, { error: 'must be a BCP-47 language tag such as fr-CA' }).optional(),
    timezone: z.string().refine(isIanaTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' }).optional(),
    attributes: jsonObject.optional(),
    consent: z.record(z.string(), z.boolean({ error: 'must be true or false' }), { error: 'must be an object' }).optional(),
  }),
  'order.placed': z.object({
    orderId: id('the order id'),
    total: money,
    currency,
    items: z.array(orderItemSchema, { error: requiredOr('must be an array') }).max(1000),
  }),
  'order.fulfilled': z.object({ orderId: id('the order id') }),
  'order.delivered': z.object({ orderId: id('the order id') }),
  'order.refunded': z.object({ orderId: id('the order id'), amount: money.optional() }),
  'customer.active': z.object({ channel: z.string().max(100).optional() }),
  'support.ticket_opened': z.object({
    ticketId: id('the ticket id'),
    severity: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  }),
  'support.ticket_closed': z.object({
    ticketId: id('the ticket id'),
    severity: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  }),
  'review.submitted': z.object({
    orderId: id('the order id').optional(),
    rating: z.number().int({ error: 'must be a whole number' }).min(1).max(5).optional(),
  }),
  'churn_score.reported': z.object({
    score: z
      .number({ error: requiredOr('must be a number') })
      .min(0)
      .max(100),
    source: z.string().min(1).max(100),
  }),
} as const;

/** The events a business sends about its customers (PRODUCT.md, "Events"). */
export type EventType = keyof typeof propertySchemas;
export const eventTypes = Object.keys(propertySchemas) as EventType[];

export const contactChannels = ['call', 'email', 'meeting', 'chat', 'other'] as const;

/**
 * Internal events (journeys wait for them) that a sender may record too, because they report what
 * people did outside Aftercare: a success manager who called the customer from their CRM. Journeys
 * cannot tell these from the ones the engine records itself.
 */
export const sharedInternalPropertySchemas = {
  'account.contacted': z.object({
    by: z
      .string({ error: 'must be a string (who made the contact: a name, an email or a user id)' })
      .min(1, { error: 'must not be empty' })
      .max(200, { error: 'must be at most 200 characters' })
      .optional()
      .describe('Who made the contact: a name, an email or a user id'),
    channel: z
      .enum(contactChannels, { error: `must be one of ${contactChannels.join(', ')}` })
      .optional()
      .describe('How the customer was reached'),
    note: z
      .string({ error: 'must be a string' })
      .max(2000, { error: 'must be at most 2000 characters' })
      .optional()
      .describe('What was said or agreed'),
  }),
} as const;

/**
 * Internal events only the engine records, refused from senders with the reason: accepting them
 * would let anyone with an ingest key forge a survey answer, a risk band, inactivity or an opt-out.
 */
export const engineOnlyEventTypes = {
  'survey.answered': 'Aftercare records it when a customer answers a survey link',
  'churn_band.changed': "Aftercare's churn scoring emits it; send churn_score.reported to report a score of your own",
  'customer.inactive': "Aftercare's inactivity sweep emits it",
  'customer.unsubscribed': 'Aftercare records it when a customer unsubscribes through their link',
  'review.clicked': 'Aftercare records it when a customer follows a review link to your review site',
} as const;

/** Every type `POST /v1/events` (and `aftercare import`) accepts. */
export const acceptedPropertySchemas = { ...propertySchemas, ...sharedInternalPropertySchemas };
export type AcceptedEventType = keyof typeof acceptedPropertySchemas;
export const acceptedEventTypes = Object.keys(acceptedPropertySchemas) as AcceptedEventType[];

const isoWithOffset = z.iso.datetime({
  offset: true,
  error: requiredOr('must be an ISO-8601 date-time with an offset, e.g. 2026-05-01T10:00:00+02:00'),
});

/** The envelope, with `properties` checked per type afterwards so errors name the exact field. */
export const eventEnvelopeSchema = z.strictObject(
  {
    id: id('the event id, used as idempotency key'),
    type: z.enum(acceptedEventTypes as [AcceptedEventType, ...AcceptedEventType[]], {
      error: requiredOr(`must be one of ${acceptedEventTypes.join(', ')}`),
    }),
    customerId: id("the business's customer id"),
    occurredAt: isoWithOffset,
    properties: jsonObject.default({}),
  },
  { error: 'must be an object' },
);

export type IncomingEvent = {
  [T in AcceptedEventType]: {
    id: string;
    type: T;
    customerId: string;
    occurredAt: Date;
    properties: z.output<(typeof acceptedPropertySchemas)[T]>;
  };
}[AcceptedEventType];

export type EventOf<T extends AcceptedEventType> = Extract<IncomingEvent, { type: T }>;

export type FieldError = { field: string; message: string };
export type EventValidation = { ok: true; event: IncomingEvent } | { ok: false; error: FieldError };

export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function firstIssue(error: z.ZodError, prefix = ''): FieldError {
  const issue = error.issues[0];
  if (!issue) return { field: prefix || '(event)', message: 'is invalid' };
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: formatPath([...issue.path, key], prefix), message: `is not a known field` };
  }
  const field = formatPath(issue.path, prefix) || '(event)';
  return { field, message: issue.message };
}

/** Checks one event; `now` bounds how far in the future `occurredAt` may be. */
export function validateEvent(raw: unknown, now: Date): EventValidation {
  // Before the schema: a string PostgreSQL cannot store would otherwise fail the whole batch at insert.
  const unstorable = findUnstorableText(raw, { root: '' });
  if (unstorable)
    return { ok: false, error: { field: unstorable.path === '(body)' ? '(event)' : unstorable.path, message: unstorable.message } };
  const refused = engineOnlyReason(raw);
  if (refused) return { ok: false, error: { field: 'type', message: refused } };
  const envelope = eventEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, error: firstIssue(envelope.error) };
  const { type, occurredAt } = envelope.data;
  const occurred = new Date(occurredAt);
  if (Number.isNaN(occurred.getTime()) || !isRealCalendarDate(occurredAt)) {
    return { ok: false, error: { field: 'occurredAt', message: 'is not a real date' } };
  }
  if (occurred.getTime() - now.getTime() > MAX_FUTURE_SKEW_MS) {
    return { ok: false, error: { field: 'occurredAt', message: 'is more than a day in the future' } };
  }
  const properties = acceptedPropertySchemas[type].safeParse(envelope.data.properties);
  if (!properties.success) return { ok: false, error: firstIssue(properties.error, 'properties') };
  return {
    ok: true,
    event: { ...envelope.data, occurredAt: occurred, properties: properties.data } as IncomingEvent,
  };
}

function engineOnlyReason(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object' || !('type' in raw)) return null;
  const { type } = raw as { type: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(engineOnlyEventTypes, type)) return null;
  return `must not be ${type}: ${engineOnlyEventTypes[type as keyof typeof engineOnlyEventTypes]}`;
}

/** `Date` rolls 2026-02-30 over to March; a sender who wrote it made a mistake we should name. */
function isRealCalendarDate(iso: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** The request body: one event, or `{ events: [...] }`. */
export const eventBatchSchema = z.object({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});
