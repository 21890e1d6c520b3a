// A journey is data. This schema is the single source: it validates YAML/JSON definitions, types the
// interpreter, and generates the published JSON Schema (GET /v1/journeys/schema).
import { Duration } from 'luxon';
import { z } from 'zod';
import { type EventType, eventTypes } from '../events/event-schemas.ts';
import { quietHoursSchema } from '../policy/policy-document.ts';
import { findUnstorableText, MAX_JSON_DEPTH } from '../text/storable.ts';
import { type Weekday, weekdays } from '../time/local-time.ts';

/** The longest wait, timeout, window or cool-down a journey may state: a clock can add it to any date. */
export const MAX_DURATION_DAYS = 5 * 366;
const isoDuration = z
  .string()
  .max(64, { error: 'must be an ISO-8601 duration such as P3D or PT12H' })
  .refine((text) => Duration.fromISO(text).isValid && Duration.fromISO(text).toMillis() > 0, {
    error: 'must be a positive ISO-8601 duration such as P3D or PT12H',
  })
  .refine((text) => !Duration.fromISO(text).isValid || Duration.fromISO(text).as('days') <= MAX_DURATION_DAYS, {
    error: 'must be at most 5 years (P5Y)',
  });

const stepId = z.string().regex(/^[a-z0-9][a-z0-9-_]{0,62}$/, { error: 'must be lower-case letters, digits, - or _' });

/** Events a journey can react to: the public ones, plus those the engine itself emits. */
export const internalEventTypes = [
  'survey.answered',
  'churn_band.changed',
  'customer.inactive',
  'customer.unsubscribed',
  'account.contacted',
] as const;
export const journeyEventTypes = [...eventTypes, ...internalEventTypes] as const;
export type JourneyEventType = EventType | (typeof internalEventTypes)[number];

const eventType = z.enum(journeyEventTypes as unknown as [JourneyEventType, ...JourneyEventType[]], {
  error: `must be one of ${journeyEventTypes.join(', ')}`,
});

export const churnBands = ['low', 'medium', 'high'] as const;
export type ChurnBand = (typeof churnBands)[number];
const band = z.enum(churnBands, { error: 'must be low, medium or high' });

/** A stored band (a plain string column) as a band, or null when there is none or it is unknown. */
export const asChurnBand = (value: unknown): ChurnBand | null => (churnBands.includes(value as ChurnBand) ? (value as ChurnBand) : null);
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a local time HH:MM, e.g. 09:30' });
const weekday = z.enum(weekdays, { error: 'must be mon, tue, wed, thu, fri, sat or sun' });
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A filter on one value: equality, membership, comparison or existence. */
export const valueFilterSchema = z.union([
  scalar,
  z.strictObject({
    eq: scalar.optional(),
    ne: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    gte: z.number().optional(),
    gt: z.number().optional(),
    lte: z.number().optional(),
    lt: z.number().optional(),
    exists: z.boolean().optional(),
  }),
]);
export type ValueFilter = z.output<typeof valueFilterSchema>;

const propertyFilters = z.record(z.string().min(1), valueFilterSchema, { error: 'must map property names to filters' });

export const triggerSchema = z.union(
  [
    z.strictObject({ event: eventType, where: propertyFilters.optional() }),
    z.strictObject({ churnBand: z.strictObject({ entering: band, from: z.array(band).optional() }) }),
    z.strictObject({
      inactivity: z.union([
        z.strictObject({ noOrderFor: isoDuration }),
        z.strictObject({ overdueFactor: z.number().min(1).max(20), minOrders: z.number().int().min(2).default(2) }),
      ]),
    }),
  ],
  { error: 'must be one of: { event }, { churnBand: { entering } }, { inactivity }' },
);

const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union(
    [
      z.strictObject({ survey: z.strictObject({ step: stepId, answered: z.boolean().optional(), score: valueFilterSchema.optional() }) }),
      z.strictObject({ churnBand: z.strictObject({ in: z.array(band).min(1) }) }),
      z.strictObject({ attribute: z.strictObject({ name: z.string().min(1), is: valueFilterSchema }) }),
      z.strictObject({ tag: z.string().min(1) }),
      z.strictObject({ event: z.strictObject({ type: eventType, happened: z.boolean().default(true) }) }),
      z.strictObject({ all: z.array(conditionSchema).min(1) }),
      z.strictObject({ any: z.array(conditionSchema).min(1) }),
      z.strictObject({ not: conditionSchema }),
    ],
    { error: 'must be a condition: survey, churnBand, attribute, tag, event, all, any or not' },
  ),
);

export type Condition =
  | { survey: { step: string; answered?: boolean | undefined; score?: ValueFilter | undefined } }
  | { churnBand: { in: ('low' | 'medium' | 'high')[] } }
  | { attribute: { name: string; is: ValueFilter } }
  | { tag: string }
  | { event: { type: JourneyEventType; happened: boolean } }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const target = z.union([stepId, z.literal('next'), z.literal('exit')]);

const steps = {
  wait: z.strictObject({ id: stepId, wait: z.strictObject({ duration: isoDuration }) }),
  waitUntil: z.strictObject({
    id: stepId,
    waitUntil: z.strictObject({
      from: localTime,
      to: localTime,
      days: z.array(weekday).min(1).default([...weekdays]),
    }),
  }),
  waitForEvent: z.strictObject({
    id: stepId,
    waitForEvent: z.strictObject({ event: eventType, where: propertyFilters.optional(), timeout: isoDuration }),
  }),
  send: z.strictObject({
    id: stepId,
    send: z.strictObject({
      template: z.string().regex(/^[a-z0-9][a-z0-9-_]*$/, { error: 'must name a template folder' }),
      survey: z.strictObject({ kind: z.enum(['csat', 'nps']) }).optional(),
      /** How long a send may be deferred by quiet hours or the cap before it is skipped instead. */
      maxDelay: isoDuration.default('P2D'),
    }),
  }),
  branch: z.strictObject({
    id: stepId,
    branch: z.strictObject({
      cases: z.array(z.strictObject({ when: conditionSchema, goto: target })).min(1),
      otherwise: target.default('next'),
    }),
  }),
  alert: z.strictObject({
    id: stepId,
    alert: z.strictObject({ kind: z.string().regex(/^[a-z_]+$/), title: z.string().min(1).max(300) }),
  }),
  set: z.strictObject({
    id: stepId,
    set: z.union([
      z.strictObject({ attribute: z.string().min(1).max(100), value: scalar }),
      z.strictObject({ tag: z.string().min(1).max(100) }),
    ]),
  }),
  exit: z.strictObject({ id: stepId, exit: z.strictObject({ reason: z.string().max(300).optional() }) }),
};

/** The largest number of variants one split may have. */
export const MAX_SPLIT_VARIANTS = 10;

/**
 * A step inside a split's variant: any step but another split. A nested split is matched by its own
 * branch, which never accepts (`never`, also in the JSON Schema), so the author reads why.
 */
const variantStepSchema = z.union(
  [
    ...(Object.values(steps) as unknown as z.ZodTypeAny[]),
    z.strictObject({
      id: stepId,
      split: z.never({ error: "cannot be used inside a split's variant: a variant's steps may not split again" }),
    }),
  ] as unknown as [z.ZodTypeAny, ...z.ZodTypeAny[]],
  { error: "must be one step: wait, waitUntil, waitForEvent, send, branch, alert, set or exit (a variant's steps may not split again)" },
);

const splitVariantSchema = z.strictObject({
  key: stepId,
  weight: z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' }),
  steps: z.array(variantStepSchema).min(1, { error: 'needs at least one step' }).max(200),
});

const splitStepSchema = z.strictObject({
  id: stepId,
  split: z.strictObject({
    variants: z
      .array(splitVariantSchema)
      .min(2, { error: 'needs at least 2 variants' })
      .max(MAX_SPLIT_VARIANTS, { error: `has more than ${MAX_SPLIT_VARIANTS} variants` }),
  }),
});

export const journeyStepSchema = z.union(
  [...(Object.values(steps) as unknown as z.ZodTypeAny[]), splitStepSchema] as unknown as [z.ZodTypeAny, ...z.ZodTypeAny[]],
  {
    error: 'must be one step: wait, waitUntil, waitForEvent, send, branch, split, alert, set or exit',
  },
);

export type WaitStep = z.output<typeof steps.wait>;
export type WaitUntilStep = z.output<typeof steps.waitUntil>;
export type WaitForEventStep = z.output<typeof steps.waitForEvent>;
export type SendStep = z.output<typeof steps.send>;
export type BranchStep = z.output<typeof steps.branch>;
export type AlertStep = z.output<typeof steps.alert>;
export type SetStep = z.output<typeof steps.set>;
export type ExitStep = z.output<typeof steps.exit>;
/** Every step but a split: what a split's variants are made of. */
export type OrdinaryStep = WaitStep | WaitUntilStep | WaitForEventStep | SendStep | BranchStep | AlertStep | SetStep | ExitStep;
export type SplitVariant = { key: string; weight: number; steps: OrdinaryStep[] };
export type SplitStep = { id: string; split: { variants: SplitVariant[] } };
export type JourneyStep = OrdinaryStep | SplitStep;
export type { Weekday };
export type Band = z.output<typeof band>;

export const journeyDefinitionSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'must be lower-case letters, digits and -' }),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  trigger: triggerSchema,
  /** What one enrollment is about: one per order, per ticket, or per customer. */
  entity: z.enum(['order', 'ticket', 'customer']).default('customer'),
  reentry: z
    .union([
      z.strictObject({ policy: z.enum(['once_per_customer', 'once_per_entity']) }),
      z.strictObject({ policy: z.literal('after_cooldown'), cooldown: isoDuration }),
    ])
    .default({ policy: 'once_per_entity' }),
  eligibility: z
    .strictObject({
      consent: z.enum(['marketing']).optional(),
      churnBands: z.array(band).min(1).optional(),
      attributes: propertyFilters.optional(),
      customerValue: z.strictObject({ gte: z.number().optional(), lte: z.number().optional() }).optional(),
      minOrders: z.number().int().min(0).optional(),
    })
    .default({}),
  /** Marketing messages obey consent, quiet hours and the frequency cap; transactional ones only suppression. */
  category: z.enum(['marketing', 'transactional']).default('marketing'),
  priority: z.number().int().min(0).max(100).default(50),
  holdout: z.number().min(0).max(50).default(0),
  goal: z.strictObject({ event: eventType, where: propertyFilters.optional(), within: isoDuration }).optional(),
  exitEvents: z.array(eventType).default([]),
  policies: z
    .strictObject({
      /** The journey's own quiet hours, checked as the business's are (core/policy/policy-document.ts). */
      quietHours: quietHoursSchema.optional(),
    })
    .default({}),
  steps: z.array(journeyStepSchema).min(1).max(200),
});

export type JourneyDefinition = Omit<z.output<typeof journeyDefinitionSchema>, 'steps'> & { steps: JourneyStep[] };
export type Trigger = z.output<typeof triggerSchema>;

export type DefinitionError = { path: string; message: string };
export type DefinitionValidation = { ok: true; definition: JourneyDefinition } | { ok: false; errors: DefinitionError[] };

function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

/** A union error hides the real mistake; report the issues of the branch that matched best instead. */
function flattenIssues(issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []): DefinitionError[] {
  const out: DefinitionError[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors.map((branch) => flattenIssues(branch, path));
      // The branch whose first problem lies deepest is the one the author meant.
      // An "unknown field" says the author did not mean that branch; among the rest, the deepest wins.
      const best = branches
        .filter((branch) => branch.length > 0)
        .sort((a, b) => unknownFields(a) - unknownFields(b) || depth(b) - depth(a) || a.length - b.length)[0];
      if (best && depth(best) > formatIssuePath(path).length) {
        out.push(...best);
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatIssuePath([...path, key]), message: `unknown field '${key}'` });
      continue;
    }
    out.push({ path: formatIssuePath(path) || '(root)', message: issue.message });
  }
  return out;
}
const unknownFields = (errors: DefinitionError[]) => errors.filter((error) => error.message.startsWith('unknown field')).length;
const depth = (errors: DefinitionError[]) => Math.max(...errors.map((error) => error.path.length));

/**
 * How deep a definition's JSON may nest: enough for any real journey (a branch condition about 14
 * `not`/`all`/`any` deep), and shallow enough that the recursive schema and interpreter never run out
 * of stack.
 */
export const MAX_DEFINITION_DEPTH = MAX_JSON_DEPTH;

export function validateJourneyDefinition(raw: unknown): DefinitionValidation {
  const unstorable = findUnstorableText(raw, { maxDepth: MAX_DEFINITION_DEPTH });
  if (unstorable) return { ok: false, errors: [{ path: unstorable.path, message: unstorable.message }] };
  const parsed = journeyDefinitionSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: flattenIssues(parsed.error.issues) };
  const definition = parsed.data as JourneyDefinition;
  const errors = checkReferences(definition);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, definition };
}

/** The most steps a definition may have in all, its splits' variants included. */
export const MAX_STEPS = 200;

/** A step and where it is written: `steps[2]` or `steps[2].split.variants[1].steps[0]`. */
export type PlacedStep<S = JourneyStep> = { step: S; path: string };

function placeSteps(steps: unknown, prefix: string, out: PlacedStep<unknown>[]): PlacedStep<unknown>[] {
  if (!Array.isArray(steps)) return out;
  steps.forEach((step, index) => {
    const path = `${prefix}[${index}]`;
    out.push({ step, path });
    const variants = (step as { split?: { variants?: unknown } } | null)?.split?.variants;
    if (!Array.isArray(variants)) return;
    for (const [i, variant] of variants.entries())
      placeSteps((variant as { steps?: unknown } | null)?.steps, `${path}.split.variants[${i}].steps`, out);
  });
  return out;
}

/**
 * Every step of a definition, those inside a split's variants too, in the order they are written
 * (a split, then its variants' steps, then what follows it). Whatever lists steps reads them here.
 */
export function allSteps(definition: Pick<JourneyDefinition, 'steps'>): PlacedStep[] {
  return placeSteps(definition.steps, 'steps', []) as PlacedStep[];
}

/** The same walk over a definition not yet validated (steps that are not objects included). */
export function allRawSteps(raw: unknown): PlacedStep<unknown>[] {
  const steps = raw !== null && typeof raw === 'object' ? (raw as { steps?: unknown }).steps : undefined;
  return placeSteps(steps, 'steps', []);
}

/** What the schema alone cannot see: repeated ids and variant keys, gotos and survey branches that point nowhere. */
function checkReferences(definition: JourneyDefinition): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const placed = allSteps(definition);
  if (placed.length > MAX_STEPS)
    errors.push({ path: 'steps', message: `has ${placed.length} steps with its variants'; at most ${MAX_STEPS} in all` });
  const ids = new Set<string>();
  for (const { step, path } of placed) {
    if (ids.has(step.id)) errors.push({ path: `${path}.id`, message: `repeats '${step.id}'` });
    else ids.add(step.id);
    if (!('split' in step)) continue;
    const keys = new Set<string>();
    step.split.variants.forEach((variant, i) => {
      if (keys.has(variant.key)) errors.push({ path: `${path}.split.variants[${i}].key`, message: `repeats '${variant.key}'` });
      keys.add(variant.key);
    });
  }
  const surveySteps = new Set(placed.filter(({ step }) => 'send' in step && step.send.survey).map(({ step }) => step.id));
  const visitConditions = (condition: Condition, path: string) => {
    if ('survey' in condition && !surveySteps.has(condition.survey.step)) {
      errors.push({ path: `${path}.survey.step`, message: `'${condition.survey.step}' is not a send step with a survey` });
    }
    if ('all' in condition) for (const [i, c] of condition.all.entries()) visitConditions(c, `${path}.all[${i}]`);
    if ('any' in condition) for (const [i, c] of condition.any.entries()) visitConditions(c, `${path}.any[${i}]`);
    if ('not' in condition) visitConditions(condition.not, `${path}.not`);
  };
  for (const { step, path: stepPath } of placed) {
    if (!('branch' in step)) continue;
    const check = (goto: string, path: string) => {
      if (goto !== 'next' && goto !== 'exit' && !ids.has(goto)) errors.push({ path, message: `goes to '${goto}', which is not a step` });
      if (goto === step.id) errors.push({ path, message: 'goes to itself' });
    };
    step.branch.cases.forEach((c, i) => {
      check(c.goto, `${stepPath}.branch.cases[${i}].goto`);
      visitConditions(c.when, `${stepPath}.branch.cases[${i}].when`);
    });
    check(step.branch.otherwise, `${stepPath}.branch.otherwise`);
  }
  if ('event' in definition.trigger && definition.exitEvents.includes(definition.trigger.event) && definition.entity !== 'customer') {
    // Allowed for customer journeys (a purchase ends a win-back); for per-order journeys it would end every enrollment at once.
    errors.push({ path: 'exitEvents', message: `includes the trigger event '${definition.trigger.event}'` });
  }
  return errors;
}

/** The event property that names the enrollment's entity, by entity kind. */
export const entityKeyProperty = { order: 'orderId', ticket: 'ticketId', customer: null } as const;

/** The JSON Schema of journey definitions, generated from the schema above. */
export function journeyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(journeyDefinitionSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
