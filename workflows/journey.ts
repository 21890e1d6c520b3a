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

  const entered = await activities.enterJourney({ workflowId: workflowInfo().workflowId, ...input, at: Date.now() });
  let state = initialState(entered.timezone);
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

  let decision = await apply({ kind: 'started', at: Date.now() });
  for (;;) {
    const command = decision.commands[0];
    if (!command) {
      // Nothing to do until an event arrives (the interpreter ignored the last one).
      await condition(() => inbox.length > 0);
      const event = inbox.shift() as JourneyEventInput;
      decision = await apply({ kind: 'event', at: Date.now(), event });
      continue;
    }
    switch (command.kind) {
      case 'sleep_until': {
        const eventArrived = await condition(() => inbox.length > 0, Math.max(0, command.until - Date.now()));
        if (eventArrived) {
          const event = inbox.shift() as JourneyEventInput;
          const next = await apply({ kind: 'event', at: Date.now(), event });
          // An event that does not end the journey leaves the timer running.
          decision = next.commands.length > 0 ? next : decision;
        } else {
          decision = await apply({ kind: 'timer_fired', at: Date.now() });
        }
        break;
      }
      case 'send': {
        const result = await activities.sendJourneyMessage({
          enrollmentId: entered.enrollmentId,
          stepId: command.stepId,
          template: command.template,
          at: Date.now(),
        });
        decision = await apply({ kind: 'sent', at: Date.now(), stepId: command.stepId, outcome: result.outcome });
        break;
      }
      case 'complete':
        await activities.completeEnrollment({
          enrollmentId: entered.enrollmentId,
          outcome: command.outcome,
          reason: command.reason,
          at: Date.now(),
        });
        return command.outcome;
    }
  }
}
