// Starts the settle window of a survey's first answer (workflows/survey-settle.ts). Later answers
// find it running (or done) and start nothing: the window runs from the first answer.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { surveySettleWorkflow } from '../workflows/survey-settle.ts';

export type SurveySettler = (messageId: string) => Promise<void>;

export function temporalSurveySettler(client: Client, taskQueue: string, settleMs: number): SurveySettler {
  return async (messageId) => {
    try {
      await client.workflow.start<typeof surveySettleWorkflow>('surveySettleWorkflow', {
        workflowId: `survey-settle/${messageId}`,
        taskQueue,
        args: [{ messageId, settleMs }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
}
