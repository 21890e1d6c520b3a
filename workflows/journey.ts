// The journey workflow: a thin driver around the pure interpreter. It feeds the interpreter its
// inputs (start, timer fired, event signal, activity result) and carries out the commands it returns.
// Around that it does what only a running enrollment can: hold before a send while its journey is
// paused, end when the journey is archived, and continue as new before its history grows large.
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/journey-activities.ts';
import { type Decision, decide, initialState, type JourneyEventInput, type JourneyInput } from '../core/journey/interpreter.ts';
import type { JourneyWorkflowInput } from '../core/journey/workflow-input.ts';
import { emailTaskQueue } from '../core/task-queues.ts';
import { customerControlSignal, journeyControlSignal, journeyEventSignal } from './signals.ts';

export type { JourneyWorkflowInput };

const DEFAULT_HISTORY_LIMIT = 5_000;
/** Event ids remembered across continue-as-new, to drop redelivered signals. */
const SEEN_IDS_KEPT = 500;

const activities = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function journeyWorkflow(input: JourneyWorkflowInput): Promise<string> {
  const carried = input.carried;
  const inbox: JourneyEventInput[] = carried ? [...carried.inbox] : [];
  const seenEventIds = new Set<string>(carried?.seenEventIds ?? (input.triggerEventId ? [input.triggerEventId] : []));
  let paused = carried?.paused ?? false;
  let archived = false;
  setHandler(journeyEventSignal, (event) => {
    // A redelivered event (the router retrying after a crash) must not count twice.
    if (seenEventIds.has(event.id)) return;
    seenEventIds.add(event.id);
    inbox.push(event);
  });
  setHandler(journeyControlSignal, ({ action }) => {
    if (action === 'archive') archived = true;
    else paused = action === 'pause';
  });
  // The customer's own pause (their account's journeys), apart from the journey's: either one holds a send.
  // A signal is newer than what enterJourney read when it arrives before that read's result (the pause is
  // committed before the signal is sent), so the read only counts when no signal came first.
  let customerPaused = false;
  let customerSignalled = false;
  setHandler(customerControlSignal, ({ action }) => {
    customerSignalled = true;
    customerPaused = action === 'pause';
  });

  // Sends run on their own queue, whose rate limit holds across every worker (see worker.ts).
  const { sendJourneyMessage } = proxyActivities<JourneyActivities>({
    taskQueue: emailTaskQueue(workflowInfo().taskQueue),
    // The provider call gives up after 10 s; a worker that died mid-send is noticed after 30 s, and the
    // retry, with the same idempotency key, completes what the dead worker started.
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });

  const group = input.group ?? 'treatment';
  // Idempotent: after continue-as-new it finds the same enrollment and returns the pinned definition.
  const entered = await activities.enterJourney({ workflowId: workflowInfo().workflowId, ...withoutCarried(input), group, at: Date.now() });
  if (!carried && entered.journeyStatus === 'paused') paused = true;
  if (entered.journeyStatus === 'archived') archived = true;
  // Read again after continue-as-new: the database holds the customer's pause, signals since then follow.
  if (!customerSignalled && entered.customerJourneysPaused === true) customerPaused = true;
  // The customer's row id keys their A/B variants: the same customer takes the same variant of a split.
  let state =
    carried?.state ??
    initialState({ timezone: entered.timezone, group: entered.group, enteredAt: Date.now(), assignmentKey: input.customerId });
  let seq = carried?.seq ?? 0;
  const enrollmentId = entered.enrollmentId;

  const apply = async (next: JourneyInput): Promise<Decision> => {
    const decision = decide(entered.definition, state, next);
    state = decision.state;
    if (decision.log.length > 0) {
      await activities.recordSteps({ enrollmentId, firstSeq: seq, entries: decision.log });
      seq += decision.log.length;
    }
    return decision;
  };
  const nextEvent = () => inbox.shift() as JourneyEventInput;
  const end = async (reason: string) => {
    await activities.recordSteps({
      enrollmentId,
      firstSeq: seq,
      entries: [{ stepId: '(end)', kind: 'complete', status: 'exited', at: Date.now(), detail: { reason } }],
    });
    await activities.completeEnrollment({ enrollmentId, outcome: 'exited', reason, at: Date.now() });
    return 'exited';
  };

  let decision: Decision = carried ? { state, commands: carried.pending, log: [] } : await apply({ kind: 'started', at: Date.now() });
  for (;;) {
    if (archived) return end('journey archived');
    const command = decision.commands[0];
    if (command?.kind === 'sleep_until' && inbox.length === 0 && historyIsLong(input.historyLimit)) {
      await continueAsNew<typeof journeyWorkflow>({
        ...withoutCarried(input),
        carried: { state, seq, pending: decision.commands, inbox, seenEventIds: [...seenEventIds].slice(-SEEN_IDS_KEPT), paused },
      });
    }
    if (!command) {
      // Waiting on nothing but events (the interpreter ignored the last one).
      await condition(() => inbox.length > 0 || archived);
      if (archived) continue;
      decision = await apply({ kind: 'event', at: Date.now(), event: nextEvent() });
      continue;
    }
    switch (command.kind) {
      case 'sleep_until': {
        const woken = await condition(() => inbox.length > 0 || archived, Math.max(0, command.until - Date.now()));
        if (archived) continue;
        if (woken) {
          const next = await apply({ kind: 'event', at: Date.now(), event: nextEvent() });
          // An event that changes nothing leaves the same timer running.
          if (next.commands.length > 0) decision = next;
        } else {
          decision = await apply({ kind: 'timer_fired', at: Date.now() });
        }
        break;
      }
      case 'send': {
        if (paused || customerPaused) {
          // Hold before the send until the journey (and the customer) are resumed; events (an exit, the goal) still count.
          await condition(() => !(paused || customerPaused) || archived || inbox.length > 0);
          if (!(paused || customerPaused) || archived) continue;
          const next = await apply({ kind: 'event', at: Date.now(), event: nextEvent() });
          if (next.commands.length > 0) decision = next;
          continue;
        }
        const { kind: _kind, ...send } = command;
        const result = await sendJourneyMessage({ enrollmentId, ...send, at: Date.now() });
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

function withoutCarried(input: JourneyWorkflowInput): Omit<JourneyWorkflowInput, 'carried'> {
  const { carried: _carried, ...rest } = input;
  return rest;
}

function historyIsLong(limit = DEFAULT_HISTORY_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
