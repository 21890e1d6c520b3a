// The settle window of a survey answer: started by the first answer to a survey email, it waits, then
// tells journeys the answer as it stands (a scanner's answer replaced by the customer's own within the
// window reaches journeys as the customer's). One per message: its id is `survey-settle/<message id>`.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { SurveyActivities } from '../activities/survey-activities.ts';

const { settleSurveyAnswer } = proxyActivities<SurveyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export async function surveySettleWorkflow(input: { messageId: string; settleMs: number }): Promise<boolean> {
  await sleep(input.settleMs);
  return settleSurveyAnswer({ messageId: input.messageId, at: Date.now() });
}
