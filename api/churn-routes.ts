// /v1/churn: run the churn scoring now (workflow-client/churn-recompute.ts, shared with `aftercare churn recompute`),
// and the model the scores are computed with.
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { latestChurnModel } from '../churn/churn-model.ts';
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
});

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
          summary: 'The BG/NBD parameters of the latest scoring run: fitted, or the stated fallback',
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
        };
      },
    );
  };
