// The churn scoring run (nightly by a Temporal Schedule, or now by POST /v1/churn/recompute): fit the
// BG/NBD model to the business's order history, then score every customer a page at a time, all as of
// the run's start. The workflow keeps the cursor: each page is one activity whose result (where the next
// page starts) is in the workflow's history, so a worker that dies mid-run costs at most the page in
// flight, and that page resumes from its own committed cursor (activities/churn-activities.ts). Long runs
// continue as new every PAGES_PER_EXECUTION pages, carrying the cursor, the model and the totals.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ChurnActivities, ChurnModelSummary } from '../activities/churn-activities.ts';

const { fitChurnModel, pruneChurnScoringPages } = proxyActivities<ChurnActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

const { scoreChurnPage } = proxyActivities<ChurnActivities>({
  startToCloseTimeout: '10 minutes',
  // A page heartbeats after every batch (a fraction of a second): a dead worker is noticed quickly.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export const DEFAULT_PAGE_SIZE = 1000;
const PAGES_PER_EXECUTION = 500;
/** Page markers are kept this long after their run, then pruned. */
const KEEP_PAGE_MARKERS_MS = 14 * 86_400_000;

export type ChurnScoringTotals = { pages: number; scored: number; changed: number; bandChanges: number; retriedPages: number };

export type ChurnScoringInput = {
  /** Score as of this instant (ms); default: when the run starts. */
  at?: number;
  /** Customers per page activity; default 1000. */
  pageSize?: number;
  /** Set by continue-as-new. */
  resume?: {
    runId: string;
    at: number;
    model: ChurnModelSummary;
    page: number;
    after: string;
    totals: ChurnScoringTotals;
  };
};

export type ChurnScoringResult = ChurnScoringTotals & { runId: string; at: number; model: ChurnModelSummary };

export async function churnScoringWorkflow(input: ChurnScoringInput = {}): Promise<ChurnScoringResult> {
  const info = workflowInfo();
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const runId = input.resume?.runId ?? `${info.workflowId}/${info.firstExecutionRunId}`;
  const at = input.resume?.at ?? input.at ?? Date.now();
  const model = input.resume?.model ?? (await fitChurnModel({ runId, at }));
  const totals: ChurnScoringTotals = input.resume?.totals ?? { pages: 0, scored: 0, changed: 0, bandChanges: 0, retriedPages: 0 };
  let page = input.resume?.page ?? 0;
  let after: string | null = input.resume?.after ?? null;
  for (let pagesHere = 0; ; pagesHere++) {
    if (after !== null && (pagesHere >= PAGES_PER_EXECUTION || workflowInfo().continueAsNewSuggested)) {
      return continueAsNew<typeof churnScoringWorkflow>({ pageSize, resume: { runId, at, model, page, after, totals } });
    }
    const result = await scoreChurnPage({
      runId,
      page,
      after,
      pageSize,
      at,
      model: { params: model.params, unit: model.unit, typicalGapDays: model.typicalGapDays },
    });
    totals.pages++;
    totals.scored += result.scored;
    totals.changed += result.changed;
    totals.bandChanges += result.bandChanges;
    if (result.attempts > 1) totals.retriedPages++;
    page++;
    if (result.next === null) break;
    after = result.next;
  }
  await pruneChurnScoringPages({ before: at - KEEP_PAGE_MARKERS_MS });
  return { ...totals, runId, at, model };
}
