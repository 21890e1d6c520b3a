// /v1/churn: run the churn scoring now, and the model the scores are computed with.
//
// POST /v1/churn/recompute starts the same workflow as the nightly schedule. It is idempotent: a run
// already going on this task queue (nightly or requested) is the answer, and requests within the same
// minute share one workflow id (`aftercare-churn-recompute-<YYYYMMDDHHmm>`, never started twice), so a
// retried request or a double click starts one run. 202 with the workflow id either way.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { latestChurnModel } from '../churn/churn-model.ts';
import { errorResponseSchema } from '../core/events/event-documentation.ts';
import type { Database } from '../runtime/database.ts';
import type { churnScoringWorkflow } from '../workflows/churn-scoring.ts';
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

export const recomputeWorkflowId = (at: Date) => `aftercare-churn-recompute-${at.toISOString().slice(0, 16).replace(/\D/g, '')}`;

/** A scoring run in progress on this task queue, if the visibility store knows of one. */
async function runningScoring(client: Client, taskQueue: string): Promise<string | null> {
  try {
    const query = `WorkflowType = 'churnScoringWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
    for await (const execution of client.workflow.list({ query, pageSize: 1 })) return execution.workflowId;
  } catch {
    // Visibility is an optimisation here: without it, the per-minute id still keeps requests idempotent.
  }
  return null;
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
      async (_request, reply) => {
        const temporal = deps.temporal;
        if (!temporal) {
          throw new HttpError(
            503,
            'temporal_unavailable',
            'Temporal is not connected, so the scoring run cannot be started; try again later.',
          );
        }
        const running = await runningScoring(temporal, deps.taskQueue);
        if (running) return reply.status(202).send({ workflowId: running, status: 'already_running' as const });
        const workflowId = recomputeWorkflowId((deps.clock ?? (() => new Date()))());
        try {
          await temporal.workflow.start<typeof churnScoringWorkflow>('churnScoringWorkflow', {
            workflowId,
            taskQueue: deps.taskQueue,
            args: [{}],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
          return reply.status(202).send({ workflowId, status: 'started' as const });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          return reply.status(202).send({ workflowId, status: 'already_started' as const });
        }
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
      async () => {
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
