// The business's send policies as a marketer writes them (PUT /v1/policies): quiet hours, the frequency
// caps per cap class, and the priority decision window. One schema validates them, types them and
// documents them in the OpenAPI description; a stored version is read back through it too.
import { Duration } from 'luxon';
import { z } from 'zod';
import { type Cap, capClasses, type SendPolicies } from './send-policy.ts';

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a local time HH:MM, e.g. 21:00' });

/** Quiet hours, or false for none: the business's, or a journey's own. */
export const quietHoursSchema = z.union(
  [
    z.strictObject({ from: localTime, to: localTime }).refine((hours) => hours.from !== hours.to, {
      error: 'from and to must differ (an empty or a 24-hour quiet period)',
      path: ['to'],
    }),
    z.literal(false),
  ],
  { error: 'must be { "from": "HH:MM", "to": "HH:MM" }, or false for no quiet hours' },
);

const duration = (min: string, max: string, example: string) =>
  z
    .string()
    .max(64)
    .refine((text) => Duration.fromISO(text).isValid, { error: `must be an ISO-8601 duration such as ${example}` })
    .refine((text) => !Duration.fromISO(text).isValid || Duration.fromISO(text).toMillis() >= Duration.fromISO(min).toMillis(), {
      error: `must be at least ${min}`,
    })
    .refine((text) => !Duration.fromISO(text).isValid || Duration.fromISO(text).toMillis() <= Duration.fromISO(max).toMillis(), {
      error: `must be at most ${max}`,
    });

const capSchema = z.strictObject({
  count: z.number().int().min(1).max(100).describe('At most this many messages…'),
  window: duration('PT1H', 'P90D', 'PT48H or P7D').describe('…within any window this long'),
});

const capListSchema = z
  .array(capSchema)
  .max(10)
  .refine((caps) => new Set(caps.map((cap) => Duration.fromISO(cap.window).toMillis())).size === caps.length, {
    error: 'has two caps over the same window',
  });

export const policyDocumentSchema = z.strictObject({
  quietHours: quietHoursSchema.describe("No email in this local period, in each customer's time zone; false for none"),
  caps: z
    .strictObject({
      marketing: capListSchema.describe('Marketing messages'),
      survey: capListSchema.describe('Transactional messages that carry a survey (check-ins)'),
    })
    .describe('Frequency caps per class of message; an empty list caps nothing'),
  decisionWindow: duration('PT0S', 'PT24H', 'PT1H').describe(
    "How long a capped send waits for other journeys' messages due for the same customer, so the highest priority goes first; PT0S for first come, first served",
  ),
});
export type PolicyDocument = z.output<typeof policyDocumentSchema>;

/** A stored or submitted document as the policies the send decision takes. */
export function toSendPolicies(document: PolicyDocument): SendPolicies {
  const caps = Object.fromEntries(capClasses.map((capClass) => [capClass, document.caps[capClass].map((cap): Cap => ({ ...cap }))]));
  return { quietHours: document.quietHours, caps: caps as SendPolicies['caps'], decisionWindow: document.decisionWindow };
}

/** Two documents that say the same thing (a PUT of the current policies makes no new version). */
export function samePolicies(a: PolicyDocument, b: PolicyDocument): boolean {
  return JSON.stringify(toSendPolicies(a)) === JSON.stringify(toSendPolicies(b));
}
