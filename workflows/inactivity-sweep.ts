// The daily inactivity sweep (started by a Temporal Schedule): pages through the inactivity journeys
// and their customers. Each page is one activity, so a crash resumes at the page it was on. Long runs
// continue as new every PAGES_PER_EXECUTION pages (or when Temporal suggests it), carrying the page,
// the sweep's instant and the totals.
import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { InactivityActivities, SweepPage } from '../activities/inactivity-activities.ts';

const { sweepInactivityPage } = proxyActivities<InactivityActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** 500 customers a page: 250,000 customers per run, about 3,000 history events. */
const PAGES_PER_EXECUTION = 500;

/**
 * Sweeps recorded before continue-as-new existed page on to the end in one run; their histories have no
 * marker of this patch, so they replay the old way (test/replay/ holds one).
 */
export const SWEEP_CONTINUE_AS_NEW_PATCH = 'inactivity-sweep-continue-as-new';

export type InactivitySweepInput = {
  /** Pages per run before continuing as new (tests lower it). */
  pagesPerExecution?: number;
  /** Set by continue-as-new: where the previous run stopped. */
  resume?: { page: SweepPage; at: number; emitted: number; examined: number };
};

export async function inactivitySweepWorkflow(input: InactivitySweepInput = {}): Promise<{ emitted: number; examined: number }> {
  let page: SweepPage | null = input.resume?.page ?? { journeyIndex: 0, afterCustomerId: null };
  let emitted = input.resume?.emitted ?? 0;
  let examined = input.resume?.examined ?? 0;
  const at = input.resume?.at ?? Date.now();
  const pagesPerExecution = input.pagesPerExecution ?? PAGES_PER_EXECUTION;
  for (let pagesHere = 0; page; pagesHere++) {
    // At least one page per run, so that a suggestion at the start cannot loop.
    const long = pagesHere > 0 && (pagesHere >= pagesPerExecution || workflowInfo().continueAsNewSuggested);
    if (long && patched(SWEEP_CONTINUE_AS_NEW_PATCH)) {
      return continueAsNew<typeof inactivitySweepWorkflow>({
        ...(input.pagesPerExecution !== undefined ? { pagesPerExecution: input.pagesPerExecution } : {}),
        resume: { page, at, emitted, examined },
      });
    }
    const result: Awaited<ReturnType<typeof sweepInactivityPage>> = await sweepInactivityPage({ page, at });
    emitted += result.emitted;
    examined += result.examined;
    page = result.next;
  }
  return { emitted, examined };
}
