// The daily inactivity sweep (started by a Temporal Schedule): pages through the inactivity journeys
// and their customers. Each page is one activity, so a crash resumes at the page it was on.
import { proxyActivities } from '@temporalio/workflow';
import type { InactivityActivities, SweepPage } from '../activities/inactivity-activities.ts';

const { sweepInactivityPage } = proxyActivities<InactivityActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export async function inactivitySweepWorkflow(): Promise<{ emitted: number; examined: number }> {
  let page: SweepPage | null = { journeyIndex: 0, afterCustomerId: null };
  let emitted = 0;
  let examined = 0;
  const at = Date.now();
  while (page) {
    const result: Awaited<ReturnType<typeof sweepInactivityPage>> = await sweepInactivityPage({ page, at });
    emitted += result.emitted;
    examined += result.examined;
    page = result.next;
  }
  return { emitted, examined };
}
