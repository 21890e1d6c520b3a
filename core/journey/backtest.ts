// The backtest: a draft journey replayed over stored history, one customer at a time. Every stored
// event that would have started the draft (the router's own rule, `routeTrigger`) starts a simulated
// enrollment at the event's time, driven by the simulator (the workflow's interpreter and the send
// policies) with the customer's later events of the window, their time zone, consent and suppression,
// and the messages other journeys really sent them as cap history. Pure: the shell
// (journey-store/backtest.ts) streams customers in pages and folds their results with `addCustomer`.
import { assignGroup } from '../policy/holdout.ts';
import { capClassOf, type SendPolicies } from '../policy/send-policy.ts';
import type { JourneyDefinition } from './definition.ts';
import { type CustomerSnapshot, eventConcernsEnrollment, type KnownEnrollment, routeTrigger } from './enrollment-rules.ts';
import { flatSteps } from './flat-steps.ts';
import { kindOf } from './interpreter.ts';
import { type SimulatedEvent, simulate } from './simulator.ts';

const DAY_MS = 86_400_000;

export type BacktestEvent = { id: string; type: string; at: number; properties: Record<string, unknown> };

/** A message really sent to the customer (by another journey), for the caps: when, and of which kind. */
export type SentMessage = { at: number; category: 'marketing' | 'transactional'; surveyKind: string | null };

export type BacktestCustomer = CustomerSnapshot & {
  /** The stored customer's row id: what A/B splits hash to pick a variant, as the workflow does. */
  rowId: string;
  /** Resolved: the customer's own zone, or the business's default. */
  timezone: string;
  tags: string[];
  /** Unsubscribed, bounced or complained: nothing is sent. */
  suppressed: boolean;
  /** The customer's stored events of the window, any order. */
  events: BacktestEvent[];
  /** Messages other journeys really sent them, from as far back as a cap window reaches. */
  messages: SentMessage[];
};

export type BacktestWindow = {
  definition: JourneyDefinition;
  /** The window [from, to), in ms. */
  from: number;
  to: number;
  /** The business's send policies in force, passed through to the simulator as they are. */
  policies: SendPolicies;
  /** Where the days of `perDay` begin and end (the business's default time zone). */
  zone: string;
};

export type FunnelStep = { stepId: string; kind: string; entered: number; sent: number; skipped: number; deferred: number };

export type BacktestTotals = {
  enrollments: number;
  messages: number;
  skipped: Record<string, number>;
  deferred: Record<string, number>;
  goals: number;
  exited: number;
  /** Messages by day (yyyy-mm-dd in the window's zone). */
  messagesByDay: Map<string, number>;
  funnel: Map<string, FunnelStep>;
  customers: number;
};

/** What a journey did over a window: the backtest's draft, and the published version's real figures alike. */
export type BacktestFigures = {
  enrollments: number;
  messages: number;
  skipped: Record<string, number>;
  deferred: Record<string, number>;
  perDay: { date: string; messages: number }[];
  goals: number;
  exited: number;
};

export type BacktestResult = BacktestFigures & {
  days: number;
  from: string;
  to: string;
  /** The zone whose calendar days `perDay` counts. */
  zone: string;
  funnel: FunnelStep[];
  /** Customers whose history was read. */
  customers: number;
};

export function emptyTotals(definition: JourneyDefinition): BacktestTotals {
  const funnel = new Map<string, FunnelStep>();
  // Every step, those of a split's variants included (the interpreter's flat list, without its internal jumps).
  for (const step of flatSteps(definition)) {
    if ('jump' in step) continue;
    funnel.set(step.id, { stepId: step.id, kind: kindOf(step), entered: 0, sent: 0, skipped: 0, deferred: 0 });
  }
  return { enrollments: 0, messages: 0, skipped: {}, deferred: {}, goals: 0, exited: 0, messagesByDay: new Map(), funnel, customers: 0 };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The calendar day of an instant in a zone, yyyy-mm-dd. */
export function dayIn(at: number, zone: string): string {
  let format = dayFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(zone, format);
  }
  return format.format(at);
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * Replays one customer's window through the draft and adds what happened to `totals`. Enrollments run
 * in the order their triggers happened; each one's sends count against the caps of the next ones
 * (which start later), as the messages of other journeys count against all of them.
 */
export function addCustomer(totals: BacktestTotals, window: BacktestWindow, customer: BacktestCustomer): void {
  const { definition, from, to } = window;
  totals.customers += 1;
  const events = customer.events.filter((event) => event.at >= from && event.at < to).sort((a, b) => a.at - b.at);
  if (events.length === 0) return;
  const history = { marketing: [] as number[], survey: [] as number[] };
  for (const message of customer.messages) {
    const capClass = capClassOf(message.category, message.surveyKind);
    if (capClass) history[capClass].push(message.at);
  }
  const surveyOf = new Map<string, string | null>();
  for (const step of flatSteps(definition)) if ('send' in step) surveyOf.set(step.id, step.send.survey?.kind ?? null);

  const known: KnownEnrollment[] = [];
  for (const [index, trigger] of events.entries()) {
    // As the router saw the customer's enrollments when this event arrived.
    const asOfTrigger = known.map((enrollment) => ({
      ...enrollment,
      running: enrollment.endedAt === null || enrollment.endedAt >= trigger.at,
      endedAt: enrollment.endedAt !== null && enrollment.endedAt < trigger.at ? enrollment.endedAt : null,
    }));
    const route = routeTrigger(
      definition,
      { customerId: customer.externalId, type: trigger.type, properties: trigger.properties, occurredAt: trigger.at },
      customer,
      asOfTrigger,
      trigger.at,
      customer.timezone,
    );
    if (route.kind !== 'start') continue;
    const later: SimulatedEvent[] = [];
    for (const event of events.slice(index + 1)) {
      if (eventConcernsEnrollment(route.entityKey, event.properties))
        later.push({ at: event.at, type: event.type, properties: event.properties, id: event.id });
    }
    const result = simulate({
      definition,
      customer: {
        timezone: customer.timezone,
        consent: customer.consent,
        churnBand: customer.churnBand,
        attributes: customer.attributes,
        tags: customer.tags,
        suppressed: customer.suppressed,
      },
      start: trigger.at,
      days: (to - trigger.at) / DAY_MS,
      group: assignGroup(definition.key, customer.externalId, definition.holdout),
      assignmentKey: customer.rowId,
      events: later,
      messageHistory: history.marketing,
      surveyHistory: history.survey,
      policies: window.policies,
    });
    known.push({ entityKey: route.entityKey, enteredAt: trigger.at, endedAt: result.endedAt, running: result.endedAt === null });

    totals.enrollments += 1;
    if (result.outcome === 'goal_reached') totals.goals += 1;
    if (result.outcome === 'exited') totals.exited += 1;
    for (const message of result.sent) {
      totals.messages += 1;
      const day = dayIn(message.at, window.zone);
      totals.messagesByDay.set(day, (totals.messagesByDay.get(day) ?? 0) + 1);
      const capClass = capClassOf(definition.category, surveyOf.get(message.stepId) ?? null);
      if (capClass) history[capClass].push(message.at);
    }
    const seen = new Set<string>();
    const deferredSteps = new Set<string>();
    for (const entry of result.timeline) {
      const step = totals.funnel.get(entry.stepId);
      if (step && !seen.has(entry.stepId)) {
        seen.add(entry.stepId);
        step.entered += 1;
      }
      if (entry.kind !== 'send') continue;
      const reason = typeof entry.detail?.reason === 'string' ? entry.detail.reason : 'unknown';
      if (entry.status === 'sent' && step) step.sent += 1;
      if (entry.status === 'skipped') {
        bump(totals.skipped, reason);
        if (step) step.skipped += 1;
      }
      if (entry.status === 'deferred') {
        bump(totals.deferred, reason);
        if (step && !deferredSteps.has(entry.stepId)) {
          deferredSteps.add(entry.stepId);
          step.deferred += 1;
        }
      }
    }
  }
}

/** Every calendar day of the window in its zone, oldest first, with the messages sent that day. */
export function perDay(totals: BacktestTotals, window: Pick<BacktestWindow, 'from' | 'to' | 'zone'>): { date: string; messages: number }[] {
  const days: string[] = [];
  // Noon steps never skip a calendar day, whatever the zone's offset or a DST change.
  for (let at = window.from; at < window.to + DAY_MS; at += DAY_MS / 2) {
    const day = dayIn(Math.min(at, window.to - 1), window.zone);
    if (days[days.length - 1] !== day) days.push(day);
  }
  return days.map((date) => ({ date, messages: totals.messagesByDay.get(date) ?? 0 }));
}

export function backtestResult(totals: BacktestTotals, window: BacktestWindow, days: number): BacktestResult {
  return {
    days,
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    zone: window.zone,
    enrollments: totals.enrollments,
    messages: totals.messages,
    skipped: totals.skipped,
    deferred: totals.deferred,
    perDay: perDay(totals, window),
    goals: totals.goals,
    exited: totals.exited,
    funnel: [...totals.funnel.values()],
    customers: totals.customers,
  };
}

/** The whole backtest over customers already in memory (tests, small histories). */
export function backtest(window: BacktestWindow, customers: Iterable<BacktestCustomer>): BacktestResult {
  const totals = emptyTotals(window.definition);
  for (const customer of customers) addCustomer(totals, window, customer);
  return backtestResult(totals, window, Math.round((window.to - window.from) / DAY_MS));
}
