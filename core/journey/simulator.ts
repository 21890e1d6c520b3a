// The simulator: the same interpreter the workflow runs, driven by a virtual clock. A definition and a
// customer (profile, future events at offsets, survey answers) in; the timeline of what would happen
// out: which messages at which local times, what was deferred or skipped by policy and why, where the
// branches went, and when the goal or an exit ended it.
import { Duration } from 'luxon';
import { choiceSkipReason, messageKind } from '../messaging/preferences.ts';
import { decideWithPriority, outranks, type PolicyVerdict, type SendIntent } from '../policy/priority.ts';
import {
  type CapClass,
  capClassOf,
  capsFor,
  decisionWindowMs,
  defaultPolicies,
  type SendPolicies,
  withJourneyPolicies,
} from '../policy/send-policy.ts';
import { localIso } from '../time/local-time.ts';
import type { JourneyDefinition } from './definition.ts';
import {
  type Command,
  type CustomerFacts,
  type Decision,
  decide,
  type EnrollmentState,
  initialState,
  type JourneyEventInput,
  type JourneyInput,
  type StepLogEntry,
} from './interpreter.ts';

export type SimulatedEvent = { at: number; type: string; properties?: Record<string, unknown>; id?: string };

export type SimulationInput = {
  definition: JourneyDefinition;
  customer: {
    timezone: string;
    consent?: Record<string, unknown>;
    churnBand?: 'low' | 'medium' | 'high' | null;
    attributes?: Record<string, unknown>;
    tags?: string[];
    suppressed?: boolean;
  };
  start: number;
  days: number;
  group?: 'treatment' | 'control';
  /** What A/B splits hash to pick a variant, as the workflow does: a stored customer's row id. Without it, each split's first variant. */
  assignmentKey?: string;
  /** Variants chosen in advance, by split step id (they win over the assignment). */
  pinnedVariants?: Record<string, string>;
  /** Events that will happen during the simulation (absolute times). */
  events?: SimulatedEvent[];
  /** Survey answers by send step id, given this long after the send (default one hour). */
  surveyAnswers?: Record<string, number>;
  answerDelay?: string;
  /** Marketing emails the customer already received (for the frequency cap). */
  messageHistory?: number[];
  /** Check-ins with a survey the customer already received (for the survey cap, when the business sets one). */
  surveyHistory?: number[];
  policies?: SendPolicies;
  /**
   * Messages of the customer's other running journeys, each due at `dueAt` with its journey's priority.
   * One of higher rank is taken to go out when its decision window closes; one of lower rank that falls
   * due before this journey's message is decided yields to it. Given any, another journey is running,
   * so this journey's capped sends wait out their decision window as the send activity's do.
   */
  rivalMessages?: RivalMessage[];
};

export type RivalMessage = { dueAt: number; priority: number; capClass: CapClass };

export type TimelineEntry = StepLogEntry & { local: string };
export type SimulationResult = {
  timeline: TimelineEntry[];
  sent: { stepId: string; template: string; at: number; local: string }[];
  outcome: 'completed' | 'exited' | 'goal_reached' | 'running';
  endedAt: number | null;
};

export function simulate(input: SimulationInput): SimulationResult {
  const { definition, customer } = input;
  const zone = customer.timezone;
  const horizon = input.start + input.days * 86_400_000;
  const policies = withJourneyPolicies(input.policies ?? defaultPolicies, definition);
  const windowMs = decisionWindowMs(policies);
  const rivals = input.rivalMessages ?? [];
  /** This enrollment's undecided capped sends, by step: the intent the send activity would store. */
  const intents = new Map<string, SendIntent>();
  const answerDelay = Duration.fromISO(input.answerDelay ?? 'PT1H').toMillis();
  const queue: JourneyEventInput[] = (input.events ?? [])
    .map((event, index) => ({ id: event.id ?? `sim-${index}`, type: event.type, occurredAt: event.at, properties: event.properties ?? {} }))
    .sort((a, b) => a.occurredAt - b.occurredAt);
  const history: Record<CapClass, number[]> = { marketing: [...(input.messageHistory ?? [])], survey: [...(input.surveyHistory ?? [])] };
  const facts: CustomerFacts = {
    churnBand: customer.churnBand ?? null,
    attributes: { ...customer.attributes },
    tags: [...(customer.tags ?? [])],
  };
  const timeline: TimelineEntry[] = [];
  const sent: SimulationResult['sent'] = [];

  /** The send activity's decision (activities/journey-activities.ts), with rivals' messages as given. */
  const decideUnderPolicies = (
    stepId: string,
    capClass: CapClass | null,
    priority: number,
    notAfter: number,
    at: number,
  ): PolicyVerdict => {
    const window = capClass && capsFor(policies, capClass).length > 0 ? windowMs : 0;
    let intent = intents.get(stepId) ?? null;
    if (window > 0 && !intent && rivals.length > 0) {
      intent = { key: `own:${stepId}`, priority, dueAt: at };
      intents.set(stepId, intent);
    }
    const rivalIntents = rivals
      .map((rival, index) => ({
        capClass: rival.capClass,
        intent: { key: `rival:${index}`, priority: rival.priority, dueAt: rival.dueAt },
      }))
      .filter((rival) => rival.capClass === capClass)
      .map((rival): SendIntent => rival.intent);
    // Rivals still undecided at `at` compete; those decided by now went out, unless they fell due while
    // this intent was open and it outranked them.
    const own = intent;
    const open = own ? rivalIntents.filter((rival) => rival.dueAt + window > at) : [];
    const rivalSends = rivalIntents
      .filter((rival) => rival.dueAt + window <= at)
      .filter((rival) => !(own && own.dueAt <= rival.dueAt + window && outranks(own, rival)))
      .map((rival) => rival.dueAt + window);
    const verdict = decideWithPriority({
      at,
      zone,
      notAfter,
      capClass,
      history: capClass ? [...history[capClass], ...rivalSends] : [],
      policies,
      intent: own,
      rivals: open,
      windowMs: window,
    });
    if (verdict.kind === 'defer' && verdict.intentDueAt !== undefined && own) intents.set(stepId, { ...own, dueAt: verdict.intentDueAt });
    return verdict;
  };

  let state: EnrollmentState = initialState({
    timezone: zone,
    group: input.group ?? 'treatment',
    enteredAt: input.start,
    ...(input.assignmentKey !== undefined ? { assignmentKey: input.assignmentKey } : {}),
    ...(input.pinnedVariants !== undefined ? { pinnedVariants: input.pinnedVariants } : {}),
  });
  const apply = (next: JourneyInput): Decision => {
    const decision = decide(definition, state, next);
    state = decision.state;
    for (const entry of decision.log) timeline.push({ ...entry, local: localIso(entry.at, zone) });
    return decision;
  };
  const enqueue = (event: JourneyEventInput) => {
    queue.push(event);
    queue.sort((a, b) => a.occurredAt - b.occurredAt);
  };

  let decision = apply({ kind: 'started', at: input.start });
  let clock = input.start;
  for (let guard = 0; guard < 10_000; guard++) {
    const command: Command | undefined = decision.commands[0];
    const nextEvent = queue[0];
    if (!command || command.kind === 'sleep_until') {
      const until = command?.kind === 'sleep_until' ? command.until : Number.POSITIVE_INFINITY;
      if (nextEvent && nextEvent.occurredAt <= until && nextEvent.occurredAt <= horizon) {
        queue.shift();
        clock = Math.max(clock, nextEvent.occurredAt);
        const next = apply({ kind: 'event', at: clock, event: nextEvent });
        if (next.commands.length > 0) decision = next;
        continue;
      }
      if (until > horizon) break;
      clock = until;
      decision = apply({ kind: 'timer_fired', at: clock });
      continue;
    }
    switch (command.kind) {
      case 'send': {
        const suppressed = customer.suppressed === true;
        // The customer's email choices, as the send activity applies them (a check-in after a no to check-ins).
        const declined = choiceSkipReason(
          messageKind({ category: command.category, surveyKind: command.survey }),
          customer.consent ?? {},
          false,
        );
        if (suppressed || declined) {
          decision = apply({
            kind: 'send_result',
            at: clock,
            stepId: command.stepId,
            outcome: 'skipped',
            reason: suppressed ? 'suppressed' : (declined ?? 'suppressed'),
          });
          break;
        }
        const capClass = capClassOf(command.category, command.survey);
        const verdict = decideUnderPolicies(command.stepId, capClass, command.priority, command.notAfter, clock);
        if (verdict.kind === 'defer') {
          decision = apply({
            kind: 'send_result',
            at: clock,
            stepId: command.stepId,
            outcome: 'deferred',
            until: verdict.until,
            reason: verdict.reason,
          });
          break;
        }
        intents.delete(command.stepId);
        if (verdict.kind === 'skip') {
          decision = apply({ kind: 'send_result', at: clock, stepId: command.stepId, outcome: 'skipped', reason: verdict.reason });
          break;
        }
        if (capClass) history[capClass].push(clock);
        sent.push({ stepId: command.stepId, template: command.template, at: clock, local: localIso(clock, zone) });
        const answer = input.surveyAnswers?.[command.stepId];
        if (command.survey && answer !== undefined) {
          enqueue({
            id: `answer-${command.stepId}`,
            type: 'survey.answered',
            occurredAt: clock + answerDelay,
            properties: { stepId: command.stepId, score: answer },
          });
        }
        decision = apply({ kind: 'send_result', at: clock, stepId: command.stepId, outcome: 'sent' });
        break;
      }
      case 'alert':
        decision = apply({ kind: 'effect_done', at: clock, stepId: command.stepId });
        break;
      case 'set':
        if (command.tag && !facts.tags.includes(command.tag)) facts.tags.push(command.tag);
        if (command.attribute) facts.attributes[command.attribute] = command.value;
        decision = apply({ kind: 'effect_done', at: clock, stepId: command.stepId });
        break;
      case 'load_facts':
        decision = apply({
          kind: 'facts_loaded',
          at: clock,
          facts: { ...facts, tags: [...facts.tags], attributes: { ...facts.attributes } },
        });
        break;
      case 'complete':
        return { timeline, sent, outcome: command.outcome, endedAt: clock };
    }
  }
  return { timeline, sent, outcome: 'running', endedAt: null };
}
