// The bench worker's workflows: the engine's own, plus a trivial one-activity workflow as baseline.
import { proxyActivities } from '@temporalio/workflow';

export { journeyWorkflow } from '../../workflows/journey.ts';

const { benchNoop } = proxyActivities<{ benchNoop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function trivialWorkflow(): Promise<void> {
  await benchNoop();
}

/**
 * The messaging bench: `count` sends at once on the email queue, whose worker's task-queue rate limit
 * alone decides how fast they go out.
 */
export async function emailBurstWorkflow(input: { count: number; emailQueue: string }): Promise<number> {
  const { benchSendEmail } = proxyActivities<{ benchSendEmail(n: number): Promise<string> }>({
    taskQueue: input.emailQueue,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 20 },
  });
  const ids = await Promise.all(Array.from({ length: input.count }, (_, n) => benchSendEmail(n)));
  return ids.length;
}
