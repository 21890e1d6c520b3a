// The journey interpreter: pure and deterministic. Given a definition, the enrollment's state and
// one input, it returns the new state and the commands to carry out. The Temporal workflow and the
// simulator both drive this code, so they cannot disagree about what a journey does.
import { DateTime, Duration } from 'luxon';
import type { JourneyDefinition, JourneyStep } from './definition.ts';

export type EnrollmentState = {
  /** Index of the step being run (or waited on); `steps.length` means past the last one. */
  cursor: number;
  timezone: string;
  status: 'running' | 'done';
};

export type JourneyEventInput = { id: string; type: string; occurredAt: number; properties: Record<string, unknown> };

export type JourneyInput =
  | { kind: 'started'; at: number }
  | { kind: 'timer_fired'; at: number }
  | { kind: 'event'; at: number; event: JourneyEventInput }
  | { kind: 'sent'; at: number; stepId: string; outcome: 'sent' | 'skipped' | 'failed' };

export type Outcome = 'completed' | 'exited' | 'goal_reached';

export type Command =
  | { kind: 'sleep_until'; stepId: string; until: number }
  | { kind: 'send'; stepId: string; template: string }
  | { kind: 'complete'; outcome: Outcome; reason: string };

/** One line of the enrollment's step log. */
export type StepLogEntry = { stepId: string; kind: string; status: string; at: number; detail?: Record<string, unknown> };

export type Decision = { state: EnrollmentState; commands: Command[]; log: StepLogEntry[] };

export function initialState(timezone: string): EnrollmentState {
  return { cursor: 0, timezone, status: 'running' };
}

/** Adds an ISO duration in the customer's zone, so "P1D" is one calendar day across DST changes. */
export function addDuration(at: number, iso: string, timezone: string): number {
  return DateTime.fromMillis(at, { zone: timezone }).plus(Duration.fromISO(iso)).toMillis();
}

export function decide(definition: JourneyDefinition, state: EnrollmentState, input: JourneyInput): Decision {
  if (state.status === 'done') return { state, commands: [], log: [] };
  switch (input.kind) {
    case 'started':
      return run(definition, state, input.at, []);
    case 'timer_fired': {
      const step = definition.steps[state.cursor];
      const log: StepLogEntry[] = step ? [{ stepId: step.id, kind: 'wait', status: 'done', at: input.at }] : [];
      return run(definition, { ...state, cursor: state.cursor + 1 }, input.at, log);
    }
    case 'sent': {
      const log: StepLogEntry[] = [{ stepId: input.stepId, kind: 'send', status: input.outcome, at: input.at }];
      return run(definition, { ...state, cursor: state.cursor + 1 }, input.at, log);
    }
    case 'event': {
      if (definition.exitEvents.includes(input.event.type as never)) {
        return finish(state, input.at, 'exited', `exit event ${input.event.type}`, []);
      }
      return { state, commands: [], log: [] };
    }
  }
}

function run(definition: JourneyDefinition, state: EnrollmentState, at: number, log: StepLogEntry[]): Decision {
  const step: JourneyStep | undefined = definition.steps[state.cursor];
  if (!step) return finish(state, at, 'completed', 'all steps done', log);
  if ('wait' in step) {
    const until = addDuration(at, step.wait.duration, state.timezone);
    return {
      state,
      commands: [{ kind: 'sleep_until', stepId: step.id, until }],
      log: [...log, { stepId: step.id, kind: 'wait', status: 'waiting', at, detail: { until: new Date(until).toISOString() } }],
    };
  }
  if ('send' in step) {
    return { state, commands: [{ kind: 'send', stepId: step.id, template: step.send.template }], log };
  }
  return finish(state, at, 'exited', step.exit.reason ?? `exit step ${step.id}`, [
    ...log,
    { stepId: step.id, kind: 'exit', status: 'done', at },
  ]);
}

function finish(state: EnrollmentState, at: number, outcome: Outcome, reason: string, log: StepLogEntry[]): Decision {
  return {
    state: { ...state, status: 'done' },
    commands: [{ kind: 'complete', outcome, reason }],
    log: [...log, { stepId: '(end)', kind: 'complete', status: outcome, at, detail: { reason } }],
  };
}
