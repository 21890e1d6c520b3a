// Pausing, resuming and archiving a journey. The status in the database decides new enrollments
// (the router only starts active journeys); a signal tells the running ones: paused enrollments hold
// before their next send until resumed, archived ones end.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Database } from '../runtime/database.ts';
import { journeyControlSignal } from '../workflows/signals.ts';

export type JourneyAction = 'pause' | 'resume' | 'archive';

export class JourneyNotFoundError extends Error {}
export class JourneyStateError extends Error {}

const statusAfter = { pause: 'paused', resume: 'active', archive: 'archived' } as const;

/** Returns how many running enrollments were told. */
export async function controlJourney(
  db: Database,
  client: Client,
  key: string,
  action: JourneyAction,
): Promise<{ status: string; signalled: number }> {
  const journey = await db.journey.findUnique({ where: { key } });
  if (!journey) throw new JourneyNotFoundError(`No journey with key '${key}'.`);
  if (journey.status === 'archived') throw new JourneyStateError(`Journey '${key}' is archived; it cannot be ${action}d.`);
  const status = statusAfter[action];
  await db.journey.update({ where: { key }, data: { status } });
  const running = await db.enrollment.findMany({ where: { journeyKey: key, status: 'running' }, select: { workflowId: true } });
  let signalled = 0;
  for (const { workflowId } of running) {
    try {
      await client.workflow.getHandle(workflowId).signal(journeyControlSignal, { action });
      signalled++;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return { status, signalled };
}
