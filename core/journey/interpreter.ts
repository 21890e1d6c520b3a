// The journey interpreter: pure and deterministic. Given a definition, the enrollment's state and
// one input, it returns the new state and the commands to carry out. The Temporal workflow and the
// simulator both drive this code, so they cannot disagree about what a journey does. The clock is an
// input (`at` of every input); nothing here reads the time.
import { Duration } from 'luxon';
import { addDuration, nextLocalWindow } from '../time/local-time.ts';
import type { Band, Condition, JourneyDefinition, JourneyStep, ValueFilter } from './definition.ts';
import { matchesFilters, matchesValue } from './filters.ts';
import { type FlatSplitStep, type FlatStep, flatIndexOf, flatSteps } from './flat-steps.ts';
import { assignVariant } from './split.ts';

export type JourneyEventInput = { id: string; type: string; occurredAt: number; properties: Record<string, unknown> };

/** What a branch may ask about the customer, loaded fresh when a branch needs it. */
export type CustomerFacts = { churnBand: Band | null; attributes: Record<string, unknown>; tags: string[] };

type Waiting =
  | { kind: 'timer'; stepId: string; until: number }
  | { kind: 'event'; stepId: string; until: number }
  | { kind: 'send'; stepId: string; notAfter: number }
  | { kind: 'send_deferred'; stepId: string; until: number; notAfter: number }
  | { kind: 'facts'; stepId: string }
  | { kind: 'goal_window'; stepId: string; until: number }
  | { kind: 'effect'; stepId: string };

export type EnrollmentState = {
  cursor: number;
  status: 'running' | 'done';
  timezone: string;
  group: 'treatment' | 'control';
  enteredAt: number;
  goalDeadline: number | null;
  waiting: Waiting | null;
  surveyAnswers: Record<string, number>;
  eventsSeen: string[];
  facts: CustomerFacts | null;
  stepsRun: number;
  /**
   * What a split hashes, with the journey and the split step, to pick this enrollment's variant: the
   * customer's row id, so that the same customer takes the same variant. Enrollments started before
   * splits existed have none (see `chooseVariant`).
   */
  assignmentKey?: string;
  /** Variants chosen in advance by split step id (the simulator's "show me variant b"); the workflow sets none. */
  pinnedVariants?: Record<string, string>;
};

export type SendOutcome = 'sent' | 'skipped' | 'failed' | 'deferred';

export type JourneyInput =
  | { kind: 'started'; at: number }
  | { kind: 'timer_fired'; at: number }
  | { kind: 'event'; at: number; event: JourneyEventInput }
  | { kind: 'send_result'; at: number; stepId: string; outcome: SendOutcome; until?: number; reason?: string }
  | { kind: 'facts_loaded'; at: number; facts: CustomerFacts }
  | { kind: 'effect_done'; at: number; stepId: string };

export type Outcome = 'completed' | 'exited' | 'goal_reached';

export type Command =
  | { kind: 'sleep_until'; stepId: string; until: number }
  | {
      kind: 'send';
      stepId: string;
      template: string;
      survey: 'csat' | 'nps' | null;
      category: 'marketing' | 'transactional';
      priority: number;
      notAfter: number;
    }
  | { kind: 'alert'; stepId: string; alertKind: string; title: string }
  | { kind: 'set'; stepId: string; attribute?: string; value?: string | number | boolean; tag?: string }
  | { kind: 'load_facts'; stepId: string }
  | { kind: 'complete'; outcome: Outcome; reason: string };

/** One line of the enrollment's step log. */
export type StepLogEntry = { stepId: string; kind: string; status: string; at: number; detail?: Record<string, unknown> };

export type Decision = { state: EnrollmentState; commands: Command[]; log: StepLogEntry[] };

/** A journey that runs this many steps without waiting is looping; it is ended rather than left spinning. */
export const MAX_STEPS_PER_ENROLLMENT = 500;

export function initialState(options: {
  timezone: string;
  group?: 'treatment' | 'control';
  enteredAt: number;
  assignmentKey?: string;
  pinnedVariants?: Record<string, string>;
}): EnrollmentState {
  return {
    ...(options.assignmentKey !== undefined ? { assignmentKey: options.assignmentKey } : {}),
    ...(options.pinnedVariants !== undefined ? { pinnedVariants: options.pinnedVariants } : {}),
    cursor: 0,
    status: 'running',
    timezone: options.timezone,
    group: options.group ?? 'treatment',
    enteredAt: options.enteredAt,
    goalDeadline: null,
    waiting: null,
    surveyAnswers: {},
    eventsSeen: [],
    facts: null,
    stepsRun: 0,
  };
}

export { addDuration };

export function decide(definition: JourneyDefinition, state: EnrollmentState, input: JourneyInput): Decision {
  if (state.status === 'done') return { state, commands: [], log: [] };
  const at = input.at;
  switch (input.kind) {
    case 'started': {
      const goalDeadline = definition.goal ? addDuration(at, definition.goal.within, state.timezone) : null;
      const log: StepLogEntry[] = [{ stepId: '(start)', kind: 'enter', status: state.group, at }];
      return run(definition, { ...state, enteredAt: at, goalDeadline }, at, log);
    }
    case 'event':
      return onEvent(definition, state, input.event, at);
    case 'timer_fired': {
      const waiting = state.waiting;
      if (!waiting) return noChange(state);
      if (waiting.kind === 'timer') {
        return run(definition, advance(state), at, [{ stepId: waiting.stepId, kind: stepKind(definition, state), status: 'done', at }]);
      }
      if (waiting.kind === 'event') {
        return run(definition, advance(state), at, [{ stepId: waiting.stepId, kind: 'waitForEvent', status: 'timed_out', at }]);
      }
      if (waiting.kind === 'goal_window') {
        return finish(state, at, 'completed', 'all steps done; goal window closed', []);
      }
      if (waiting.kind === 'send_deferred') {
        const step = flatSteps(definition)[state.cursor];
        if (!step || !('send' in step)) return noChange(state);
        return issueSend(definition, { ...state, waiting: null }, step, waiting.notAfter, []);
      }
      return noChange(state);
    }
    case 'send_result': {
      const waiting = state.waiting;
      if (waiting?.kind !== 'send' || waiting.stepId !== input.stepId) return noChange(state);
      if (input.outcome === 'deferred' && input.until !== undefined) {
        return {
          state: { ...state, waiting: { kind: 'send_deferred', stepId: input.stepId, until: input.until, notAfter: waiting.notAfter } },
          commands: [{ kind: 'sleep_until', stepId: input.stepId, until: input.until }],
          log: [
            {
              stepId: input.stepId,
              kind: 'send',
              status: 'deferred',
              at,
              detail: { until: new Date(input.until).toISOString(), reason: input.reason },
            },
          ],
        };
      }
      const detail = input.reason ? { reason: input.reason } : undefined;
      return run(definition, advance(state), at, [
        { stepId: input.stepId, kind: 'send', status: input.outcome, at, ...(detail ? { detail } : {}) },
      ]);
    }
    case 'facts_loaded': {
      if (state.waiting?.kind !== 'facts') return noChange(state);
      return run(definition, { ...state, waiting: null, facts: input.facts }, at, []);
    }
    case 'effect_done': {
      if (state.waiting?.kind !== 'effect' || state.waiting.stepId !== input.stepId) return noChange(state);
      return run(definition, advance(state), at, [{ stepId: input.stepId, kind: stepKind(definition, state), status: 'done', at }]);
    }
  }
}

const noChange = (state: EnrollmentState): Decision => ({ state, commands: [], log: [] });

function stepKind(definition: JourneyDefinition, state: EnrollmentState): string {
  const step = flatSteps(definition)[state.cursor];
  return step ? kindOf(step) : 'unknown';
}

export function kindOf(step: JourneyStep | FlatStep): string {
  if ('wait' in step) return 'wait';
  if ('waitUntil' in step) return 'waitUntil';
  if ('waitForEvent' in step) return 'waitForEvent';
  if ('send' in step) return 'send';
  if ('branch' in step) return 'branch';
  if ('alert' in step) return 'alert';
  if ('set' in step) return 'set';
  if ('split' in step) return 'split';
  if ('jump' in step) return 'jump';
  return 'exit';
}

/**
 * The variant this enrollment takes at a split: a pinned one, else the stable hash of (journey, split
 * step, assignment key). Without an assignment key (an enrollment started before splits existed,
 * whose version has none, or a described customer in the simulator) every split takes its first
 * variant: a deterministic rule, and the first variant is the one the others are compared against.
 */
export function chooseVariant(
  definition: Pick<JourneyDefinition, 'key'>,
  step: FlatSplitStep,
  state: Pick<EnrollmentState, 'assignmentKey' | 'pinnedVariants'>,
): FlatSplitStep['split']['variants'][number] {
  const variants = step.split.variants;
  const pinned = state.pinnedVariants?.[step.id];
  const chosen = variants.find((variant) => variant.key === pinned);
  if (chosen) return chosen;
  if (state.assignmentKey === undefined) return variants[0] as FlatSplitStep['split']['variants'][number];
  return assignVariant(
    definition.key,
    step.id,
    state.assignmentKey,
    variants.map((variant) => ({ ...variant, id: variant.key })),
  );
}

function advance(state: EnrollmentState): EnrollmentState {
  return { ...state, cursor: state.cursor + 1, waiting: null, facts: null };
}

function onEvent(definition: JourneyDefinition, state: EnrollmentState, event: JourneyEventInput, at: number): Decision {
  let next: EnrollmentState = {
    ...state,
    eventsSeen: state.eventsSeen.includes(event.type) ? state.eventsSeen : [...state.eventsSeen, event.type],
  };
  if (event.type === 'survey.answered') {
    const stepId = event.properties.stepId;
    const score = event.properties.score;
    if (typeof stepId === 'string' && typeof score === 'number')
      next = { ...next, surveyAnswers: { ...next.surveyAnswers, [stepId]: score } };
  }
  // The goal first: a purchase that is both the goal and an exit event of a win-back is a conversion.
  const goal = definition.goal;
  if (
    goal &&
    goal.event === event.type &&
    next.goalDeadline !== null &&
    at <= next.goalDeadline &&
    matchesFilters(event.properties, goal.where)
  ) {
    return finish(next, at, 'goal_reached', `goal ${goal.event}`, []);
  }
  if ((definition.exitEvents as string[]).includes(event.type)) {
    return finish(next, at, 'exited', `exit event ${event.type}`, []);
  }
  // Unsubscribing ends every marketing journey at once, whether or not its author thought of it.
  if (event.type === 'customer.unsubscribed' && definition.category === 'marketing') {
    return finish(next, at, 'exited', 'customer unsubscribed', []);
  }
  const waiting = next.waiting;
  const step = flatSteps(definition)[next.cursor];
  if (waiting?.kind === 'event' && step && 'waitForEvent' in step) {
    if (step.waitForEvent.event === event.type && matchesFilters(event.properties, step.waitForEvent.where)) {
      return run(definition, advance(next), at, [
        { stepId: step.id, kind: 'waitForEvent', status: 'happened', at, detail: { eventId: event.id } },
      ]);
    }
  }
  return { state: next, commands: [], log: [] };
}

function issueSend(
  definition: JourneyDefinition,
  state: EnrollmentState,
  step: Extract<JourneyStep, { send: unknown }>,
  notAfter: number,
  log: StepLogEntry[],
): Decision {
  return {
    state: { ...state, waiting: { kind: 'send', stepId: step.id, notAfter } },
    commands: [
      {
        kind: 'send',
        stepId: step.id,
        template: step.send.template,
        survey: step.send.survey?.kind ?? null,
        category: definition.category,
        priority: definition.priority,
        notAfter,
      },
    ],
    log,
  };
}

function run(definition: JourneyDefinition, state: EnrollmentState, at: number, log: StepLogEntry[]): Decision {
  let current = state;
  const entries = [...log];
  const steps = flatSteps(definition);
  for (;;) {
    const step = steps[current.cursor];
    if (!step) {
      // The steps are done but the goal's window is still open: wait for it, so that a conversion
      // after the last message (or in the holdout) still counts.
      if (current.goalDeadline !== null && current.goalDeadline > at) {
        const until = current.goalDeadline;
        entries.push({ stepId: '(goal)', kind: 'goal', status: 'waiting', at, detail: { until: new Date(until).toISOString() } });
        return {
          state: { ...current, waiting: { kind: 'goal_window', stepId: '(goal)', until }, stepsRun: 0 },
          commands: [{ kind: 'sleep_until', stepId: '(goal)', until }],
          log: entries,
        };
      }
      return finish(current, at, 'completed', 'all steps done', entries);
    }
    if ('jump' in step) {
      // The end of a split's variant: not a step of the journey, so neither logged nor counted.
      current = { ...current, cursor: step.jump.to };
      continue;
    }
    if (current.stepsRun >= MAX_STEPS_PER_ENROLLMENT)
      return finish(current, at, 'exited', 'step limit reached (the journey loops)', entries);
    current = { ...current, stepsRun: current.stepsRun + 1 };

    if ('wait' in step) {
      const until = addDuration(at, step.wait.duration, current.timezone);
      entries.push({ stepId: step.id, kind: 'wait', status: 'waiting', at, detail: { until: new Date(until).toISOString() } });
      return {
        state: { ...current, waiting: { kind: 'timer', stepId: step.id, until }, stepsRun: 0 },
        commands: [{ kind: 'sleep_until', stepId: step.id, until }],
        log: entries,
      };
    }
    if ('waitUntil' in step) {
      const { from, to, days } = step.waitUntil;
      const until = nextLocalWindow(at, current.timezone, from, to, days);
      if (until <= at) {
        entries.push({ stepId: step.id, kind: 'waitUntil', status: 'done', at });
        current = advance(current);
        continue;
      }
      entries.push({ stepId: step.id, kind: 'waitUntil', status: 'waiting', at, detail: { until: new Date(until).toISOString() } });
      return {
        state: { ...current, waiting: { kind: 'timer', stepId: step.id, until }, stepsRun: 0 },
        commands: [{ kind: 'sleep_until', stepId: step.id, until }],
        log: entries,
      };
    }
    if ('waitForEvent' in step) {
      const until = addDuration(at, step.waitForEvent.timeout, current.timezone);
      entries.push({
        stepId: step.id,
        kind: 'waitForEvent',
        status: 'waiting',
        at,
        detail: { event: step.waitForEvent.event, until: new Date(until).toISOString() },
      });
      return {
        state: { ...current, waiting: { kind: 'event', stepId: step.id, until }, stepsRun: 0 },
        commands: [{ kind: 'sleep_until', stepId: step.id, until }],
        log: entries,
      };
    }
    if ('send' in step) {
      if (current.group === 'control') {
        entries.push({ stepId: step.id, kind: 'send', status: 'skipped', at, detail: { reason: 'holdout' } });
        current = advance(current);
        continue;
      }
      const notAfter = at + Duration.fromISO(step.send.maxDelay).toMillis();
      return issueSend(definition, current, step, notAfter, entries);
    }
    if ('branch' in step) {
      const needsFacts = step.branch.cases.some((c) => needsCustomerFacts(c.when));
      if (needsFacts && current.facts === null) {
        return {
          state: { ...current, stepsRun: current.stepsRun - 1, waiting: { kind: 'facts', stepId: step.id } },
          commands: [{ kind: 'load_facts', stepId: step.id }],
          log: entries,
        };
      }
      const chosen = step.branch.cases.findIndex((c) => evaluate(c.when, current));
      const target = chosen >= 0 ? (step.branch.cases[chosen]?.goto as string) : step.branch.otherwise;
      entries.push({
        stepId: step.id,
        kind: 'branch',
        status: 'taken',
        at,
        detail: { case: chosen >= 0 ? chosen : 'otherwise', goto: target },
      });
      if (target === 'exit') return finish(current, at, 'exited', `branch ${step.id}`, entries);
      const index = target === 'next' ? current.cursor + 1 : flatIndexOf(definition, target);
      current = { ...current, cursor: index, waiting: null, facts: null };
      continue;
    }
    if ('split' in step) {
      // The control group takes the split too (it is sent nothing either way), so variants compare like with like.
      const variant = chooseVariant(definition, step, current);
      entries.push({ stepId: step.id, kind: 'split', status: 'assigned', at, detail: { variant: variant.key } });
      current = { ...current, cursor: variant.start, waiting: null, facts: null };
      continue;
    }
    if ('alert' in step) {
      return {
        state: { ...current, waiting: { kind: 'effect', stepId: step.id } },
        commands: [{ kind: 'alert', stepId: step.id, alertKind: step.alert.kind, title: step.alert.title }],
        log: entries,
      };
    }
    if ('set' in step) {
      const command: Command =
        'tag' in step.set
          ? { kind: 'set', stepId: step.id, tag: step.set.tag }
          : { kind: 'set', stepId: step.id, attribute: step.set.attribute, value: step.set.value };
      return { state: { ...current, waiting: { kind: 'effect', stepId: step.id } }, commands: [command], log: entries };
    }
    entries.push({ stepId: step.id, kind: 'exit', status: 'done', at });
    return finish(current, at, 'exited', step.exit.reason ?? `exit step ${step.id}`, entries);
  }
}

function needsCustomerFacts(condition: Condition): boolean {
  if ('churnBand' in condition || 'attribute' in condition || 'tag' in condition) return true;
  if ('all' in condition) return condition.all.some(needsCustomerFacts);
  if ('any' in condition) return condition.any.some(needsCustomerFacts);
  if ('not' in condition) return needsCustomerFacts(condition.not);
  return false;
}

function evaluate(condition: Condition, state: EnrollmentState): boolean {
  if ('survey' in condition) {
    const answer = state.surveyAnswers[condition.survey.step];
    const answered = answer !== undefined;
    if (condition.survey.answered !== undefined && condition.survey.answered !== answered) return false;
    if (condition.survey.score !== undefined) return answered && matchesValue(answer, condition.survey.score as ValueFilter);
    return condition.survey.answered === undefined ? answered : true;
  }
  if ('churnBand' in condition) return state.facts?.churnBand != null && condition.churnBand.in.includes(state.facts.churnBand);
  if ('attribute' in condition) return matchesValue(state.facts?.attributes[condition.attribute.name], condition.attribute.is);
  if ('tag' in condition) return state.facts?.tags.includes(condition.tag) ?? false;
  if ('event' in condition) return state.eventsSeen.includes(condition.event.type) === condition.event.happened;
  if ('all' in condition) return condition.all.every((c) => evaluate(c, state));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, state));
  return !evaluate(condition.not, state);
}

function finish(state: EnrollmentState, at: number, outcome: Outcome, reason: string, log: StepLogEntry[]): Decision {
  return {
    state: { ...state, status: 'done', waiting: null },
    commands: [{ kind: 'complete', outcome, reason }],
    log: [...log, { stepId: '(end)', kind: 'complete', status: outcome, at, detail: { reason } }],
  };
}
