// The Temporal side of routing: an enrollment is a journey workflow whose id encodes the re-entry
// policy, started with its trigger event as the first signal (`signalWithStart`, so a start and an
// event for an enrollment already running are one call) and refused a second run by
// `REJECT_DUPLICATE`.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { JourneyDispatcher } from '../core/routing/ports.ts';
import type { journeyWorkflow } from '../workflows/journey.ts';
import { journeyEventSignal } from '../workflows/signals.ts';

export function temporalJourneyDispatcher(client: Client, taskQueue: string): JourneyDispatcher {
  return {
    async startOrSignal(workflowId, event, input) {
      try {
        await client.workflow.signalWithStart<typeof journeyWorkflow, [typeof event]>('journeyWorkflow', {
          workflowId,
          taskQueue,
          args: [input],
          signal: journeyEventSignal,
          signalArgs: [event],
          // The id already encodes the re-entry policy: an id that ran once never runs again.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
    async signal(workflowId, event) {
      try {
        await client.workflow.getHandle(workflowId).signal(journeyEventSignal, event);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
  };
}
