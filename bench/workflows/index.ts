// The bench worker's workflows: the engine's own, plus a trivial one-activity workflow as baseline.
import { proxyActivities } from '@temporalio/workflow';

export { journeyWorkflow } from '../../workflows/journey.ts';

const { benchNoop } = proxyActivities<{ benchNoop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function trivialWorkflow(): Promise<void> {
  await benchNoop();
}
