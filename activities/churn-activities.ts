// The churn scoring run's activities: fit the model once, then score everyone a page at a time.
//
// A page is up to `pageSize` customers (by row id) after the previous page's last customer, scored in
// batches of BATCH_SIZE. Each batch commits its scores together with the page's cursor
// (`ChurnScoringPage.cursor`, see churn/scoring.ts) and then heartbeats the same cursor. A retried page
// (the worker died, the heartbeat timed out) resumes after the furthest of the two, so no batch is scored
// twice: the committed cursor is never behind the heartbeat, and it also covers the batches whose heartbeat
// the SDK had not sent yet (heartbeats are throttled). A page already completed returns its stored result.
// Everything a page writes is idempotent anyway (see churn/scoring.ts); the cursor saves the work.
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import { fitAndStoreChurnModel, type ScoringModel, type StoredChurnModel } from '../churn/churn-model.ts';
import { type ChurnScoringConfig, DEFAULT_CHURN_SCORING_CONFIG, scoreAndStore } from '../churn/scoring.ts';
import type { RoutableEvent, RouteEvents } from '../core/routing/ports.ts';
import type { Database } from '../runtime/database.ts';

/** Customers scored (and committed) together inside a page. */
export const BATCH_SIZE = 500;

/** What a workflow keeps of the fitted model (dates do not cross the activity boundary as dates). */
export type ChurnModelSummary = Omit<StoredChurnModel, 'logLikelihood' | 'fittedAt'>;

export type ChurnPageInput = {
  runId: string;
  page: number;
  /** The page starts after this customer row id; null for the first page. */
  after: string | null;
  pageSize: number;
  /** The run's instant (ms): every score of the run is computed as of it. */
  at: number;
  model: ScoringModel;
};

export type ChurnPageResult = {
  /** Where the next page starts; null when this was the last one. */
  next: string | null;
  scored: number;
  changed: number;
  bandChanges: number;
  attempts: number;
};

type PageRow = {
  cursor: string | null;
  scored: number;
  changed: number;
  bandChanges: number;
  attempts: number;
  completedAt: Date | null;
};

export function createChurnActivities({ db, route, config }: { db: Database; route: RouteEvents | null; config?: ChurnScoringConfig }) {
  const scoring = config ?? DEFAULT_CHURN_SCORING_CONFIG;

  async function routeNew(events: RoutableEvent[]): Promise<void> {
    if (!route || events.length === 0) return;
    try {
      await route(events);
    } catch (error) {
      // Stored with the scores: the worker's sweeper routes them once Temporal answers again.
      log.warn('band changes left to the event sweeper', { error: (error as Error).message, events: events.length });
    }
  }

  return {
    /** Fits the BG/NBD model to the order history as of `at` and stores it under the run's id. */
    async fitChurnModel(input: { runId: string; at: number }): Promise<ChurnModelSummary> {
      const model = await fitAndStoreChurnModel(db, {
        id: input.runId,
        at: new Date(input.at),
        ...(scoring.horizonDays === undefined ? {} : { horizonDays: scoring.horizonDays }),
      });
      return {
        id: model.id,
        params: model.params,
        unit: model.unit,
        typicalGapDays: model.typicalGapDays,
        source: model.source,
        reason: model.reason,
        customers: model.customers,
        repeatBuyers: model.repeatBuyers,
        sampled: model.sampled,
      };
    },

    /** Scores one page of customers; resumes where a previous attempt stopped (see the top of the file). */
    async scoreChurnPage(input: ChurnPageInput): Promise<ChurnPageResult> {
      const at = new Date(input.at);
      const heartbeatCursor = (activityInfo().heartbeatDetails as { cursor?: string } | undefined)?.cursor ?? null;
      // Register the attempt; resume after the furthest of the committed cursor and the heartbeat's
      // (compared in SQL, in the same collation the pages are ordered by). Raw SQL: one atomic
      // insert-or-count-the-attempt that also returns that comparison.
      const [row] = await db.$queryRaw<(PageRow & { resumeAfter: string | null })[]>`
        INSERT INTO "ChurnScoringPage" ("runId", "page", "afterCustomerId", "attempts", "startedAt")
        VALUES (${input.runId}, ${input.page}::int, ${input.after}, 1, ${at.toISOString()}::timestamptz)
        ON CONFLICT ("runId", "page") DO UPDATE SET "attempts" = "ChurnScoringPage"."attempts" + 1
        RETURNING "cursor", "scored", "changed", "bandChanges", "attempts", "completedAt",
                  GREATEST("cursor", ${heartbeatCursor}::text, ${input.after}::text) AS "resumeAfter"`;
      if (!row) throw new Error(`could not register page ${input.page} of ${input.runId}`);
      const finished = (page: PageRow): ChurnPageResult => ({
        next: page.scored >= input.pageSize ? page.cursor : null,
        scored: page.scored,
        changed: page.changed,
        bandChanges: page.bandChanges,
        attempts: page.attempts,
      });
      if (row.completedAt) return finished(row);

      let cursor = row.resumeAfter;
      let remaining = input.pageSize - row.scored;
      while (remaining > 0) {
        const batch = await db.customer.findMany({
          where: cursor === null ? {} : { id: { gt: cursor } },
          orderBy: { id: 'asc' },
          take: Math.min(BATCH_SIZE, remaining),
          select: { id: true },
        });
        const last = batch.at(-1);
        if (!last) break;
        const result = await scoreAndStore(db, {
          customerRowIds: batch.map((customer) => customer.id),
          at,
          model: input.model,
          config: scoring,
          computedBy: () => `run:${input.runId}`,
          page: { runId: input.runId, page: input.page, cursor: last.id },
        });
        cursor = last.id;
        remaining -= batch.length;
        heartbeat({ cursor });
        await routeNew(result.events);
      }
      const done = await db.churnScoringPage.update({
        where: { runId_page: { runId: input.runId, page: input.page } },
        data: { completedAt: new Date() },
        select: { cursor: true, scored: true, changed: true, bandChanges: true, attempts: true, completedAt: true },
      });
      return finished(done);
    },

    /** Page markers are progress, not history: those of runs older than `before` are deleted. */
    async pruneChurnScoringPages(input: { before: number }): Promise<number> {
      const { count } = await db.churnScoringPage.deleteMany({ where: { startedAt: { lt: new Date(input.before) } } });
      return count;
    },
  };
}

export type ChurnActivities = ReturnType<typeof createChurnActivities>;
