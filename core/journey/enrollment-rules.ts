// Who enters a journey, as pure decisions: does an event trigger it, is the customer eligible, does
// the re-entry policy allow another enrollment, and which deterministic workflow id it gets.
import { addDuration } from '../time/local-time.ts';
import { entityKeyProperty, type JourneyDefinition } from './definition.ts';
import { matchesFilters, matchesValue } from './filters.ts';

export type CustomerSnapshot = {
  externalId: string;
  consent: Record<string, unknown>;
  attributes: Record<string, unknown>;
  churnBand: 'low' | 'medium' | 'high' | null;
  orderCount: number;
  totalSpent: number;
};

export type PastEnrollment = { entityKey: string; enteredAt: number; endedAt: number | null };

export function entityKeyFor(definition: JourneyDefinition, properties: Record<string, unknown>): string | null {
  const property = entityKeyProperty[definition.entity];
  if (property === null) return 'customer';
  const value = properties[property];
  return typeof value === 'string' && value !== '' ? `${definition.entity}:${value}` : null;
}

/**
 * Whether an event concerns a running enrollment of its customer: an enrollment per order hears only
 * events of that order (or events that name no order, such as an unsubscribe); one per customer hears
 * them all.
 */
export function eventConcernsEnrollment(entityKey: string, properties: Record<string, unknown>): boolean {
  const [entity, value] = entityKey.split(/:(.*)/s);
  const property = entity === 'order' || entity === 'ticket' ? entityKeyProperty[entity] : null;
  return property === null || properties[property] === undefined || properties[property] === value;
}

/**
 * The enrollment's workflow id: the journey, the customer (the business's id) and the entity, with the
 * enrollment's number from the second one on (re-entry after a cool-down).
 */
export function journeyWorkflowId(journeyKey: string, customerExternalId: string, entityKey: string, enrollmentNumber?: number): string {
  const id = `journey/${journeyKey}/${customerExternalId}/${entityKey}`;
  return enrollmentNumber === undefined ? id : `${id}/${enrollmentNumber}`;
}

/**
 * An event older than this starts no journey: a backfill sent through the API must not wake a
 * check-in for an order of last year. (Routing to running enrollments is unaffected.)
 */
export const MAX_TRIGGER_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export function eventTriggers(
  definition: JourneyDefinition,
  event: { type: string; properties: Record<string, unknown>; occurredAt?: number },
  now?: number,
): boolean {
  if (event.occurredAt !== undefined && now !== undefined && now - event.occurredAt > MAX_TRIGGER_AGE_MS) return false;
  const trigger = definition.trigger;
  if ('event' in trigger) return trigger.event === event.type && matchesFilters(event.properties, trigger.where);
  if ('churnBand' in trigger) {
    if (event.type !== 'churn_band.changed' || event.properties.to !== trigger.churnBand.entering) return false;
    return !trigger.churnBand.from || trigger.churnBand.from.includes(event.properties.from as never);
  }
  // Inactivity is found by the daily sweep, which names the journey whose threshold was crossed.
  return event.type === 'customer.inactive' && event.properties.journeyKey === definition.key;
}

/**
 * A customer whose journeys are paused (their account, POST /v1/customers/:id/journeys/pause) is still
 * eligible: the enrollment starts and holds before its first send until the customer is resumed
 * (workflows/journey.ts), so that what would have happened meanwhile is not lost.
 */
export type Ineligibility = 'no_marketing_consent' | 'churn_band' | 'attributes' | 'customer_value' | 'orders';

export function ineligibility(definition: JourneyDefinition, customer: CustomerSnapshot): Ineligibility | null {
  const rules = definition.eligibility;
  if (rules.consent === 'marketing' && customer.consent.marketing !== true) return 'no_marketing_consent';
  if (rules.churnBands && (customer.churnBand === null || !rules.churnBands.includes(customer.churnBand))) return 'churn_band';
  if (rules.attributes && !matchesFilters(customer.attributes, rules.attributes)) return 'attributes';
  if (rules.customerValue && !matchesValue(customer.totalSpent, rules.customerValue)) return 'customer_value';
  if (rules.minOrders !== undefined && customer.orderCount < rules.minOrders) return 'orders';
  return null;
}

export type ReentryDecision = { allowed: true; workflowId: string } | { allowed: false; reason: string };

/**
 * Deterministic workflow ids make the re-entry policy hold even under concurrent triggers:
 * once per entity and once per customer map every trigger to the same id (Temporal refuses a second
 * start); after a cool-down, the n-th enrollment gets the suffix n, known from the previous ones.
 */
export function reentry(
  definition: JourneyDefinition,
  customerExternalId: string,
  entityKey: string,
  past: PastEnrollment[],
  at: number,
  timezone: string,
): ReentryDecision {
  const workflowId = journeyWorkflowId(definition.key, customerExternalId, entityKey);
  const policy = definition.reentry;
  if (policy.policy === 'once_per_customer') {
    return past.length > 0 ? { allowed: false, reason: 'already enrolled once' } : { allowed: true, workflowId };
  }
  if (policy.policy === 'once_per_entity') {
    return past.some((p) => p.entityKey === entityKey)
      ? { allowed: false, reason: 'already enrolled for this entity' }
      : { allowed: true, workflowId };
  }
  if (policy.policy !== 'after_cooldown') throw new Error(`unknown re-entry policy ${policy.policy}`);
  const previous = past.filter((p) => p.entityKey === entityKey);
  const last = previous.reduce<PastEnrollment | null>((latest, p) => (!latest || p.enteredAt > latest.enteredAt ? p : latest), null);
  if (last) {
    if (last.endedAt === null) return { allowed: false, reason: 'still enrolled' };
    if (addDuration(last.endedAt, policy.cooldown, timezone) > at) return { allowed: false, reason: 'in cool-down' };
  }
  return { allowed: true, workflowId: journeyWorkflowId(definition.key, customerExternalId, entityKey, previous.length + 1) };
}

/** A past or running enrollment of one customer in one journey, as the router sees it when an event arrives. */
export type KnownEnrollment = PastEnrollment & { running: boolean };

export type TriggerRoute<E extends KnownEnrollment> =
  | { kind: 'none' }
  /** The same entity again while its enrollment runs: that enrollment hears the event. */
  | { kind: 'join'; enrollment: E }
  | { kind: 'start'; entityKey: string; workflowId: string };

/**
 * What an event does to one journey for its customer: nothing, an event for the entity's running
 * enrollment, or a new enrollment (trigger, entity key, eligibility and re-entry, in that order). The
 * router applies it to live events at `now`; the backtest to stored ones at their own time.
 */
export function routeTrigger<E extends KnownEnrollment>(
  definition: JourneyDefinition,
  event: { customerId: string; type: string; properties: Record<string, unknown>; occurredAt: number },
  customer: CustomerSnapshot,
  known: E[],
  now: number,
  timezone: string,
): TriggerRoute<E> {
  if (!eventTriggers(definition, event, now)) return { kind: 'none' };
  const entityKey = entityKeyFor(definition, event.properties);
  if (entityKey === null) return { kind: 'none' };
  if (ineligibility(definition, customer) !== null) return { kind: 'none' };
  const runningHere = known.find((enrollment) => enrollment.entityKey === entityKey && enrollment.running);
  if (runningHere) return { kind: 'join', enrollment: runningHere };
  const decision = reentry(definition, event.customerId, entityKey, known, now, timezone);
  return decision.allowed ? { kind: 'start', entityKey, workflowId: decision.workflowId } : { kind: 'none' };
}
