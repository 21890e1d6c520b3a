// /v1/churn: run the churn scoring now (workflow-client/churn-recompute.ts, shared with `aftercare churn recompute`),
// and the model the scores are computed with.
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { latestChurnModel } from '../churn/churn-model.ts';
import type { RiskBacktest } from '../core/churn/risk-model.ts';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import { startChurnRecompute } from '../workflow-client/churn-recompute.ts';
import { recordAudit } from '../workspace/audit.ts';
import { requireAccess } from './actor.ts';
import { HttpError } from './errors.ts';

export type ChurnRoutesDeps = {
  db: Database;
  temporal: Client | null;
  /** The task queue the workers poll (TASK_QUEUE). */
  taskQueue: string;
  clock?: () => Date;
};

const recomputeResponseSchema = z.object({
  workflowId: z.string(),
  /** started: a new run; already_started: this minute's run; already_running: a run (nightly or requested) in progress. */
  status: z.enum(['started', 'already_started', 'already_running']),
});

const nullableNumber = z.number().nullable();
const backtestSchema = z.object({
  cutoff: z.string().describe('the cut-off day: the run minus H days'),
  horizonDays: z.number().int(),
  learnedOn: z.number().int().describe('customers the weights were learned on (70% of the sample)'),
  holdoutCustomers: z.number().int().describe('customers the score was measured on (the other 30%)'),
  holdoutNoOrder: z.number().int().describe('of them, those who placed no order in the H days after the cut-off'),
  auc: z.object({ score: nullableNumber, recency: nullableNumber, modelNoOrder: nullableNumber }),
  brier: z.object({ score: nullableNumber, baseRate: nullableNumber }),
  calibration: z.array(
    z.object({ decile: z.number().int(), customers: z.number().int(), meanPredicted: z.number(), observed: z.number() }),
  ),
  summary: z.string().describe('the figures in words'),
});

const modelResponseSchema = z.object({
  id: z.string(),
  source: z.enum(['fit', 'prior']),
  reason: z.string(),
  params: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
  unit: z.enum(['days', 'weeks']),
  customers: z.number().int(),
  repeatBuyers: z.number().int(),
  sampled: z.number().int(),
  typicalGapDays: z.number().nullable(),
  fittedAt: z.string(),
  horizonDays: z.number().int().describe('the score is 100 x P(no order in the next H days)'),
  score: z.object({
    meaning: z.string(),
    source: z.enum(['backtest', 'prior']).describe('weights learned by the backtest, or the documented fallback'),
    reason: z.string(),
    intercept: z.number(),
    weights: z.record(z.string(), z.number()).describe('log-odds per unit of each feature'),
    means: z.record(z.string(), z.number()).describe('the baseline of the contributions'),
    priorFeatures: z.array(z.string()).describe('features whose weight is the documented prior'),
  }),
  backtest: backtestSchema.nullable(),
  spend: z
    .object({
      kind: z.enum(['gamma-gamma', 'mean']),
      reason: z.string(),
      params: z.object({ p: z.number(), q: z.number(), v: z.number() }).nullable(),
      meanOrderValue: z.number().nullable(),
    })
    .nullable(),
});

const percent = (value: number | null) => (value === null ? 'n/a' : `${Math.round(100 * value)}%`);

/** The backtest's figures in words: "ranks 78% of pairs correctly; recency alone 77%". */
export function backtestSummary(b: RiskBacktest): string {
  const brier =
    b.brier.score === null
      ? ''
      : ` Brier score ${b.brier.score.toFixed(3)} (${b.brier.baseRate === null ? '' : `${b.brier.baseRate.toFixed(3)} for the base rate alone; `}lower is better).`;
  return (
    `On ${b.holdoutCustomers} customers held out at ${b.cutoff} (${b.holdoutNoOrder} placed no order in the next ${b.horizonDays} days), ` +
    `the score ranks ${percent(b.auc.score)} of pairs correctly; recency alone ${percent(b.auc.recency)}; ` +
    `the BG/NBD P(no order) ${percent(b.auc.modelNoOrder)}.${brier}`
  );
}

export const churnRoutes = (deps: ChurnRoutesDeps): FastifyPluginAsyncZod =>
  async function routes(app) {
    app.post(
      '/churn/recompute',
      {
        schema: {
          summary: 'Refit the churn model and rescore every customer now (the nightly run, started now)',
          tags: ['churn'],
          response: { 202: recomputeResponseSchema, 401: errorResponseSchema, 503: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const actor = requireAccess(request, 'churn.recompute');
        const temporal = deps.temporal;
        if (!temporal) {
          throw new HttpError(
            503,
            'temporal_unavailable',
            'Temporal is not connected, so the scoring run cannot be started; try again later.',
          );
        }
        const run = await startChurnRecompute(temporal, deps.taskQueue, (deps.clock ?? (() => new Date()))());
        await recordAudit(deps.db, actor, {
          action: 'churn.recompute_requested',
          subjectType: 'churn_run',
          subjectId: run.workflowId,
          detail: { status: run.status },
        });
        return reply.status(202).send(run);
      },
    );

    app.get(
      '/churn/model',
      {
        schema: {
          summary:
            "The latest scoring run's model: the BG/NBD parameters, the score's weights with the backtest that measured them, and the spend model",
          tags: ['churn'],
          response: { 200: modelResponseSchema, 401: errorResponseSchema, 404: errorResponseSchema },
        },
      },
      async (request) => {
        requireAccess(request, 'churn.read');
        const model = await latestChurnModel(deps.db);
        if (!model) throw new HttpError(404, 'not_found', 'No scoring run has fitted a model yet; POST /v1/churn/recompute runs one.');
        return {
          id: model.id,
          source: model.source,
          reason: model.reason,
          params: model.params,
          unit: model.unit,
          customers: model.customers,
          repeatBuyers: model.repeatBuyers,
          sampled: model.sampled,
          typicalGapDays: model.typicalGapDays,
          fittedAt: model.fittedAt.toISOString(),
          horizonDays: model.risk.horizonDays,
          score: {
            meaning: `100 x the probability of no order in the next ${model.risk.horizonDays} days: a 70 means about a 70% chance of no order in ${model.risk.horizonDays} days.`,
            source: model.risk.source,
            reason: model.risk.reason,
            intercept: model.risk.intercept,
            weights: { ...model.risk.weights },
            means: { ...model.risk.means },
            priorFeatures: [...model.risk.priorFeatures],
          },
          backtest: model.backtest ? { ...model.backtest, summary: backtestSummary(model.backtest) } : null,
          spend: model.spend
            ? {
                kind: model.spend.kind,
                reason: model.spend.reason,
                params:
                  model.spend.kind === 'gamma-gamma'
                    ? { p: model.spend.params.p, q: model.spend.params.q, v: model.spend.params.gamma }
                    : null,
                meanOrderValue: model.spend.kind === 'mean' ? model.spend.meanOrderValue : null,
              }
            : null,
        };
      },
    );
  };
