// The journey workflow: a thin driver around the pure interpreter. It feeds the interpreter its
// inputs (start, timer fired, event signal, activity result) and carries out the commands it returns.
import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/journey-activities.ts';
import { type Decision, decide, initialState, type JourneyEventInput, type JourneyInput } from '../core/journey/interpreter.ts';
import { journeyEventSignal, journeyProgressQuery } from './signals.ts';

export type JourneyWorkflowInput = {
  journeyKey: string;
  version: number;
  /** Internal customer id. */
  customerId: string;
  /** e.g. `order:1001`, `ticket:T-9`, or `customer`. */
  entityKey: string;
  triggerEventId: string | null;
  /** Control enrollments run the same path and are sent nothing (the holdout). */
  group?: 'treatment' | 'control';
};

const activities = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function journeyWorkflow(input: JourneyWorkflowInput): Promise<string> {
  const inbox: JourneyEventInput[] = [];
  const seenEventIds = new Set<string>(input.triggerEventId ? [input.triggerEventId] : []);
  setHandler(journeyEventSignal, (event) => {
    // A redelivered event (the router retrying after a crash) must not count twice.
    if (seenEventIds.has(event.id)) return;
    seenEventIds.add(event.id);
    inbox.push(event);
  });

  const group = input.group ?? 'treatment';
  const entered = await activities.enterJourney({ workflowId: workflowInfo().workflowId, ...input, group, at: Date.now() });
  let state = initialState({ timezone: entered.timezone, group: entered.group, enteredAt: Date.now() });
  let seq = 0;
  setHandler(journeyProgressQuery, () => ({ cursor: state.cursor, status: state.status, enrollmentId: entered.enrollmentId }));

  const apply = async (next: JourneyInput): Promise<Decision> => {
    const decision = decide(entered.definition, state, next);
    state = decision.state;
    if (decision.log.length > 0) {
      await activities.recordSteps({ enrollmentId: entered.enrollmentId, firstSeq: seq, entries: decision.log });
      seq += decision.log.length;
    }
    return decision;
  };
  const nextEvent = () => inbox.shift() as JourneyEventInput;
  const enrollmentId = entered.enrollmentId;

  let decision = await apply({ kind: 'started', at: Date.now() });
  for (;;) {
    const command = decision.commands[0];
    if (!command) {
      // Waiting on nothing but events (the interpreter ignored the last one).
      await condition(() => inbox.length > 0);
      decision = await apply({ kind: 'event', at: Date.now(), event: nextEvent() });
      continue;
    }
    switch (command.kind) {
      case 'sleep_until': {
        const eventArrived = await condition(() => inbox.length > 0, Math.max(0, command.until - Date.now()));
        if (eventArrived) {
          const next = await apply({ kind: 'event', at: Date.now(), event: nextEvent() });
          // An event that changes nothing leaves the same timer running.
          if (next.commands.length > 0) decision = next;
        } else {
          decision = await apply({ kind: 'timer_fired', at: Date.now() });
        }
        break;
      }
      case 'send': {
        const { kind: _kind, ...send } = command;
        const result = await activities.sendJourneyMessage({ enrollmentId, ...send, at: Date.now() });
        decision = await apply({
          kind: 'send_result',
          at: Date.now(),
          stepId: command.stepId,
          outcome: result.outcome,
          ...(result.until !== undefined ? { until: result.until } : {}),
          ...(result.reason !== undefined ? { reason: result.reason } : {}),
        });
        break;
      }
      case 'alert':
        await activities.raiseAlert({
          enrollmentId,
          stepId: command.stepId,
          kind: command.alertKind,
          title: command.title,
          at: Date.now(),
        });
        decision = await apply({ kind: 'effect_done', at: Date.now(), stepId: command.stepId });
        break;
      case 'set': {
        const { kind: _kind, stepId, ...change } = command;
        await activities.setCustomerField({ enrollmentId, ...change });
        decision = await apply({ kind: 'effect_done', at: Date.now(), stepId });
        break;
      }
      case 'load_facts': {
        const facts = await activities.loadCustomerFacts({ enrollmentId });
        decision = await apply({ kind: 'facts_loaded', at: Date.now(), facts });
        break;
      }
      case 'complete':
        await activities.completeEnrollment({ enrollmentId, outcome: command.outcome, reason: command.reason, at: Date.now() });
        return command.outcome;
    }
  }
}
