// Starting the churn scoring now (POST /v1/churn/recompute and `aftercare churn recompute`): the same
// workflow as the nightly schedule. It is idempotent: a run already going on this task queue (nightly
// or requested) is the answer, and requests within the same minute share one workflow id
// (`aftercare-churn-recompute-<task queue>-<YYYYMMDDHHmm>`, never started twice; the task queue in it
// keeps two deployments that share a Temporal namespace apart), so a retried request or a double
// click starts one run.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { churnScoringWorkflow } from '../workflows/churn-scoring.ts';

export type RecomputeStart = {
  workflowId: string;
  /** started: a new run; already_started: this minute's run; already_running: a run (nightly or requested) in progress. */
  status: 'started' | 'already_started' | 'already_running';
};

export const recomputeWorkflowId = (taskQueue: string, at: Date) =>
  `aftercare-churn-recompute-${taskQueue}-${at.toISOString().slice(0, 16).replace(/\D/g, '')}`;

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

export async function startChurnRecompute(client: Client, taskQueue: string, now: Date): Promise<RecomputeStart> {
  const running = await runningScoring(client, taskQueue);
  if (running) return { workflowId: running, status: 'already_running' };
  const workflowId = recomputeWorkflowId(taskQueue, now);
  try {
    await client.workflow.start<typeof churnScoringWorkflow>('churnScoringWorkflow', {
      workflowId,
      taskQueue,
      args: [{}],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { workflowId, status: 'started' };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { workflowId, status: 'already_started' };
  }
}
